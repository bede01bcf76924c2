import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { NO_REPEAT, repeatOf, ruleOf } from './RepeatField';
import { TaskEditor } from './TaskEditor';
import { TaskList } from './TaskList';
import type { Task } from '../api/types';
import { empty, json, mockFetch, task } from '../test/helpers';

describe('the repetition picker', () => {
  it('turns each choice into a rule and reads a rule back, a rule it cannot show being custom', () => {
    expect(ruleOf(NO_REPEAT)).toEqual({ rule: null });
    expect(ruleOf({ ...NO_REPEAT, kind: 'daily' }).rule).toBe('FREQ=DAILY');
    expect(ruleOf({ ...NO_REPEAT, kind: 'weekly', interval: '2', days: ['TH', 'TU'] }).rule).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH');
    expect(ruleOf({ ...NO_REPEAT, kind: 'monthly', monthDay: '-1' }).rule).toBe('FREQ=MONTHLY;BYMONTHDAY=-1');
    expect(ruleOf({ ...NO_REPEAT, kind: 'yearly', month: '3', yearDay: '3' }).rule).toBe('FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3');
    expect(ruleOf({ ...NO_REPEAT, kind: 'custom', custom: ' RRULE:FREQ=MONTHLY;BYDAY=+3FR ' }).rule).toBe('FREQ=MONTHLY;BYDAY=+3FR');
    expect(ruleOf({ ...NO_REPEAT, kind: 'custom' }).error).toBeTruthy();
    expect(ruleOf({ ...NO_REPEAT, kind: 'daily', interval: '0' }).error).toBeTruthy();
    for (const rule of ['FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', 'FREQ=MONTHLY;BYMONTHDAY=15', 'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3', 'FREQ=DAILY;INTERVAL=3']) {
      expect(ruleOf(repeatOf(rule, 'due')).rule).toBe(rule);
    }
    expect(repeatOf('FREQ=MONTHLY;BYDAY=+3FR', 'completion')).toMatchObject({ kind: 'custom', custom: 'FREQ=MONTHLY;BYDAY=+3FR', from: 'completion' });
  });

  it('sets a repetition in the editor, says it in words, and clears it', async () => {
    const plain = task({ id: 3, title: 'Team sync', due_date: '2026-12-08T09:00:00Z' }) as Task;
    const { calls } = mockFetch((_url, init) => json({ ...plain, ...(init.json as object) }, { headers: { ETag: '"3-2"' } }));
    const { unmount } = render(<TaskEditor taskId={3} tz="UTC" onSaved={() => {}} initial={{ task: plain, etag: '"3-1"' }} />);
    const repeats = screen.getByRole('group', { name: 'Repeats' });
    fireEvent.change(within(repeats).getByLabelText('How it repeats'), { target: { value: 'weekly' } });
    fireEvent.change(within(repeats).getByLabelText('Every'), { target: { value: '2' } });
    fireEvent.click(within(repeats).getByRole('checkbox', { name: 'Tuesday' }));
    fireEvent.change(within(repeats).getByLabelText('Next date counts from'), { target: { value: 'completion' } });
    expect(within(repeats).getByText('Repeats every other week on Tuesday after each completion')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', repeat_from: 'completion' });
    unmount();

    const repeating = task({ id: 4, title: 'Pay rent', due_date: '2027-01-01T23:59:00Z', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=1', repeat_from: 'due' }) as Task;
    const second = mockFetch((_url, init) => json({ ...repeating, ...(init.json as object) }, { headers: { ETag: '"4-2"' } }));
    render(<TaskEditor taskId={4} tz="UTC" onSaved={() => {}} initial={{ task: repeating, etag: '"4-1"' }} />);
    expect(screen.getByLabelText('On day')).toHaveProperty('value', '1');
    fireEvent.change(screen.getByLabelText('How it repeats'), { target: { value: 'none' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(second.calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(second.calls.find((c) => c.method === 'PATCH')!.body).toEqual({ recurrence: null });
  });
});

describe('deleting a repeating task in the list', () => {
  const rule = 'FREQ=MONTHLY;BYMONTHDAY=1';
  const api = () =>
    mockFetch((url, init) => {
      if (init.method === 'PATCH') return json(task({ id: 1, title: 'Pay rent', status: 'completed', recurrence: rule, next_id: 2 }));
      if (init.method === 'DELETE') return empty();
      if (url === '/tasks/2') return json(task({ id: 2, title: 'Pay rent', recurrence: rule, due_date: '2027-02-01T23:59:00Z' }));
      return json([task({ id: 1, title: 'Pay rent', recurrence: rule, due_date: '2027-01-01T23:59:00Z' })]);
    });

  it('asks: this occurrence only skips to the next one (completed, then removed), the row says the rule', async () => {
    const { calls } = api();
    render(<TaskList tz="UTC" />);
    expect(await screen.findByText('Repeats every month on the 1st')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Delete: Pay rent' }));
    const choice = screen.getByRole('group', { name: '“Pay rent” repeats every month on the 1st. Delete:' });
    fireEvent.click(within(choice).getByRole('button', { name: 'This occurrence only' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ status: 'completed' });
    expect(calls.find((c) => c.method === 'DELETE')!.url).toBe('/tasks/1');
    await waitFor(() => expect(screen.getByRole('link', { name: 'Pay rent' }).getAttribute('href')).toBe('/app/tasks/2'));
    expect((await screen.findByRole('status')).textContent).toContain('Skipped this occurrence of “Pay rent”');
  });

  it('asks: the whole series deletes the task, with Undo; Cancel keeps it', async () => {
    const { calls } = api();
    render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete: Pay rent' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('button', { name: 'The whole series' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete: Pay rent' }));
    fireEvent.click(screen.getByRole('button', { name: 'The whole series' }));
    expect((await screen.findByRole('status')).textContent).toContain('Deleted “Pay rent”.');
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Pay rent' })).toBeNull());
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
  });
});

describe('accessibility', () => {
  it('has no axe violations with the picker on each kind and the delete choice open', async () => {
    const axe = (await import('axe-core')).default;
    const repeating = task({ id: 4, title: 'Pay rent', due_date: '2027-01-01T23:59:00Z', recurrence: 'FREQ=WEEKLY;BYDAY=FR', repeat_from: 'due' }) as Task;
    mockFetch(() => json(repeating, { headers: { ETag: '"4-1"' } }));
    const { container, unmount } = render(<TaskEditor taskId={4} tz="UTC" onSaved={() => {}} initial={{ task: repeating, etag: '"4-1"' }} />);
    for (const kind of ['weekly', 'monthly', 'yearly', 'custom']) {
      fireEvent.change(screen.getByLabelText('How it repeats'), { target: { value: kind } });
      if (kind === 'yearly') fireEvent.change(screen.getByLabelText('On'), { target: { value: '3' } });
      const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
      expect(result.violations.map((v) => `${kind}: ${v.id}`)).toEqual([]);
    }
    unmount();
    mockFetch(() => json([repeating]));
    const list = render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete: Pay rent' }));
    expect(screen.getByRole('button', { name: 'This occurrence only' })).toBeTruthy();
    const result = await axe.run(list.container, { rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => v.id)).toEqual([]);
  });
});
