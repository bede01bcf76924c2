import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { TaskEditor } from './TaskEditor';
import { json, mockFetch, task } from '../test/helpers';

// Task 5 "Pack boxes" is a subtask of 1 "Pay rent" and has a subtask 6, which has a subtask 8.
const all = () => [
  task({ id: 1, title: 'Pay rent' }),
  task({ id: 5, title: 'Pack boxes', parent_id: 1 }),
  task({ id: 6, title: 'Pack the books', parent_id: 5 }),
  task({ id: 8, title: 'Pack paperbacks', parent_id: 6 }),
  task({ id: 7, title: 'Paint the fence' }),
  task({ id: 9, title: 'Water plants' }),
];

function api(patchAnswer?: (body: Record<string, unknown>) => Response) {
  return mockFetch((url, init) => {
    const u = new URL(url, 'http://x');
    const method = init.method ?? 'GET';
    const one = /^\/tasks\/(\d+)$/.exec(u.pathname);
    if (one && method === 'PATCH') return patchAnswer ? patchAnswer(init.json as Record<string, unknown>) : json({ ...all()[1], ...(init.json as object) }, { headers: { ETag: '"2"' } });
    if (one) return json(all().find((t) => t.id === Number(one[1])), { headers: { ETag: '"1"' } });
    const parent = u.searchParams.get('parent_id');
    if (parent) return json(all().filter((t) => t.parent_id === Number(parent)));
    const q = (u.searchParams.get('q') ?? '').toLowerCase();
    // Like the API, q also matches descriptions: "Water plants" mentions rent there.
    return json(all().filter((t) => t.title.toLowerCase().includes(q) || (q === 'rent' && t.id === 9)));
  });
}

describe('TaskEditor: the parent chosen by name', () => {
  it('offers tasks by title, never the task or its subtasks at any depth; arrows and Enter pick; saves parent_id', async () => {
    const onSaved = vi.fn();
    const onCancel = vi.fn();
    const { calls } = api();
    render(<TaskEditor taskId={5} tz="UTC" onSaved={onSaved} onCancel={onCancel} />);
    const box = await screen.findByRole('combobox', { name: 'Subtask of' });
    // The current parent is shown by its title.
    await waitFor(() => expect((box as HTMLInputElement).value).toBe('Pay rent'));
    expect(box.getAttribute('aria-expanded')).toBe('false');
    const listbox = screen.getByRole('listbox', { hidden: true });
    expect(box.getAttribute('aria-controls')).toBe(listbox.id);

    fireEvent.change(box, { target: { value: 'pa' } });
    expect(box.getAttribute('aria-expanded')).toBe('true');
    await within(listbox).findByRole('option', { name: 'Paint the fence #7' });
    const names = () => within(listbox).getAllByRole('option').map((o) => o.textContent);
    expect(names()).toEqual(['No parent', 'Pay rent #1', 'Paint the fence #7']);
    expect(calls.some((c) => c.url.includes('q=pa') && c.url.includes('sort=title'))).toBe(true);
    // The first match is active; ArrowDown moves on, ArrowUp back, to "No parent".
    const activeName = () => document.getElementById(box.getAttribute('aria-activedescendant')!)?.textContent;
    expect(activeName()).toBe('Pay rent #1');
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(activeName()).toBe('Paint the fence #7');
    expect(within(listbox).getByRole('option', { name: 'Paint the fence #7' }).getAttribute('aria-selected')).toBe('true');
    // Esc closes the list, not the editor, and puts back the chosen parent.
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    expect((box as HTMLInputElement).value).toBe('Pay rent');
    expect(onCancel).not.toHaveBeenCalled();

    fireEvent.change(box, { target: { value: 'pa' } });
    await within(listbox).findByRole('option', { name: 'Paint the fence #7' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect((box as HTMLInputElement).value).toBe('Paint the fence');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ parent_id: 7 });
  });

  it('filters by title only, picks "No parent" by click, and shows the API refusing a cycle in words', async () => {
    const { calls } = api(() =>
      json({ detail: [{ loc: ['body', 'parent_id'], msg: 'Value error, a task cannot be a subtask of itself or of its own subtasks', type: 'value_error' }] }, { status: 422 }),
    );
    render(<TaskEditor taskId={5} tz="UTC" onSaved={() => undefined} />);
    const box = await screen.findByRole('combobox', { name: 'Subtask of' });
    fireEvent.change(box, { target: { value: 'rent' } });
    const listbox = screen.getByRole('listbox');
    await within(listbox).findByRole('option', { name: 'Pay rent #1' });
    // "Water plants" matched in its description only: not offered.
    expect(within(listbox).getAllByRole('option').map((o) => o.textContent)).toEqual(['No parent', 'Pay rent #1']);
    fireEvent.change(box, { target: { value: 'zzz' } });
    expect(await screen.findByText('No task titled like “zzz”.')).toBeTruthy();
    fireEvent.click(within(listbox).getByRole('option', { name: 'No parent' }));
    expect((box as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const msg = await screen.findByText('That would put the task inside itself or its own subtasks.');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ parent_id: null });
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(box.getAttribute('aria-describedby')).toContain(msg.id);
  });

  it('has no axe violations with the list open', async () => {
    api();
    const { container } = render(<TaskEditor taskId={5} tz="UTC" onSaved={() => undefined} onCancel={() => undefined} />);
    const box = await screen.findByRole('combobox', { name: 'Subtask of' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    await screen.findByRole('option', { name: 'Water plants #9' });
    const axe = (await import('axe-core')).default;
    const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(', ')}`)).toEqual([]);
  });
});
