import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTaskQuery, clientFilter, EMPTY_FILTERS, filtersFromSearch, filtersToSearch, positionBetween, TaskList, UNDO_MS } from './TaskList';
import { taskListUrl } from '../api/tasks';
import { empty, json, mockFetch, task } from '../test/helpers';

afterEach(() => {
  vi.useRealTimers();
  window.history.replaceState(null, '', '/');
});

function query(url: string) {
  return Object.fromEntries(new URL(url, 'http://x').searchParams);
}

describe('buildTaskQuery', () => {
  // Wednesday 2026-11-18 15:30 UTC = 10:30 in New York (UTC-5).
  const now = Date.parse('2026-11-18T15:30:00Z');

  it('maps each filter to the API parameters', () => {
    const url = taskListUrl(buildTaskQuery({ ...EMPTY_FILTERS, status: 'in_progress', priority: 'high', q: ' report ', sort: 'due_date' }, now, 'UTC'));
    expect(query(url)).toEqual({ limit: '50', status: 'in_progress', priority: 'high', q: 'report', sort: 'due_date' });
    expect(taskListUrl(buildTaskQuery(EMPTY_FILTERS, now, 'UTC'))).toBe('/tasks?limit=50&sort=-created_at');
  });

  it('computes due ranges in the user time zone', () => {
    const tz = 'America/New_York';
    expect(buildTaskQuery({ ...EMPTY_FILTERS, view: 'overdue' }, now, tz)).toMatchObject({ due_before: '2026-11-18T15:30:00.000Z' });
    expect(buildTaskQuery({ ...EMPTY_FILTERS, view: 'today' }, now, tz)).toMatchObject({
      due_after: '2026-11-18T05:00:00.000Z',
      due_before: '2026-11-19T05:00:00.000Z',
    });
    // Upcoming: from now to the end of the 7th day after today, so next Wednesday is in it.
    expect(buildTaskQuery({ ...EMPTY_FILTERS, view: 'upcoming' }, now, tz)).toMatchObject({
      due_after: '2026-11-18T15:30:00.000Z',
      due_before: '2026-11-26T05:00:00.000Z',
    });
    const none = buildTaskQuery({ ...EMPTY_FILTERS, view: 'none' }, now, tz);
    expect(none.due_after).toBeUndefined();
    expect(none.due_before).toBeUndefined();
  });
});

describe('filters in the address', () => {
  it('round-trips view, filters, sort and completed; drops defaults and unknown values', () => {
    const f = { ...EMPTY_FILTERS, view: 'upcoming' as const, priority: 'high', q: 'rent', sort: 'due_date', done: true };
    expect(filtersToSearch(f)).toBe('?view=upcoming&priority=high&q=rent&sort=due_date&done=1');
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
    expect(filtersToSearch(EMPTY_FILTERS)).toBe('');
    expect(filtersFromSearch('?view=someday&sort=;drop&status=x')).toEqual(EMPTY_FILTERS);
  });

  it('hides completed tasks unless asked for them', () => {
    const tasks = [
      { id: 1, status: 'pending', due_date: null },
      { id: 2, status: 'completed', due_date: null },
    ] as Parameters<typeof clientFilter>[0];
    expect(clientFilter(tasks, EMPTY_FILTERS, 0).map((t) => t.id)).toEqual([1]);
    expect(clientFilter(tasks, { ...EMPTY_FILTERS, done: true }, 0).map((t) => t.id)).toEqual([1, 2]);
    expect(clientFilter(tasks, { ...EMPTY_FILTERS, status: 'completed' }, 0).map((t) => t.id)).toEqual([1, 2]);
  });
});

describe('TaskList', () => {
  it('filters build the right request', async () => {
    const { calls } = mockFetch(() => json([]));
    render(<TaskList tz="UTC" />);
    await screen.findByText(/No tasks yet/);
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'completed' } });
    await waitFor(() => expect(query(calls[calls.length - 1].url)).toMatchObject({ status: 'completed' }));
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'urgent' } });
    await waitFor(() => expect(query(calls[calls.length - 1].url)).toEqual({ limit: '50', status: 'completed', priority: 'urgent', sort: '-created_at' }));
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'budget' } });
    await waitFor(() => expect(query(calls[calls.length - 1].url)).toMatchObject({ q: 'budget' }));
    fireEvent.click(screen.getByRole('button', { name: 'Overdue' }));
    await waitFor(() => expect(query(calls[calls.length - 1].url).due_before).toBeTruthy());
    expect(window.location.search).toBe('?view=overdue&status=completed&priority=urgent&q=budget');
    expect(calls.every((c) => c.method === 'GET' && c.url.startsWith('/tasks'))).toBe(true);
    await screen.findByText('No tasks match these filters.');
  });

  it('marks overdue tasks, nests subtasks under their parent, and shows an HTML title as text', async () => {
    const past = '2020-01-01T09:00:00Z';
    mockFetch(() =>
      json([
        task({ id: 1, title: 'Prepare launch', due_date: past }),
        task({ id: 2, title: 'Write the press release', parent_id: 1, priority: 'high' }),
        task({ id: 3, title: 'Old finished thing', due_date: past, status: 'completed' }),
        task({ id: 4, title: '<img src=x onerror=alert(1)>' }),
        task({ id: 5, title: 'Orphan step', parent_id: 99 }),
      ]),
    );
    const { container } = render(<TaskList tz="UTC" />);
    const parentLink = await screen.findByRole('link', { name: 'Prepare launch' });
    const parentRow = parentLink.closest('li')!;
    expect(parentRow.className).toContain('is-overdue');
    expect(within(parentRow).getAllByText('Overdue').length).toBeGreaterThan(0);
    const sub = within(parentRow).getByRole('list', { name: 'Subtasks of Prepare launch' });
    expect(within(sub).getByRole('link', { name: 'Write the press release' })).toBeTruthy();
    expect(within(sub).getByText('High')).toBeTruthy();
    // Completed tasks are hidden until asked for.
    expect(screen.queryByRole('link', { name: 'Old finished thing' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Show completed' }));
    expect(window.location.search).toBe('?done=1');
    const doneRow = (await screen.findByRole('link', { name: 'Old finished thing' })).closest('li')!;
    expect(doneRow.className).not.toContain('is-overdue');
    expect(within(doneRow).queryByText('Overdue')).toBeNull();
    // HTML in a title stays text.
    expect(screen.getByRole('link', { name: '<img src=x onerror=alert(1)>' })).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    // A subtask whose parent is not loaded stays at the top level, saying whose it is.
    expect(screen.getByText('subtask of #99')).toBeTruthy();
  });

  it('edits with If-Match and, on 412, reloads the task and says it changed elsewhere', async () => {
    let version = 1;
    const { calls } = mockFetch((url, init) => {
      if (url.startsWith('/tasks?')) return json([task({ id: 7, title: 'Review the Q4 report', priority: 'high' })]);
      if (url === '/tasks/7' && (init.method ?? 'GET') === 'GET')
        return json(task({ id: 7, title: version === 1 ? 'Review the Q4 report' : 'Review the Q4 report (v2)', priority: 'high' }), { headers: { ETag: `"v${version}"` } });
      if (url === '/tasks/7' && init.method === 'PATCH') {
        if (init.headers && (init.headers as Record<string, string>)['If-Match'] === '"v1"') {
          version = 2; // someone else saved meanwhile
          return json({ detail: 'The task changed since you loaded it' }, { status: 412 });
        }
        return json(task({ id: 7, title: 'Final title', priority: 'high' }), { headers: { ETag: '"v3"' } });
      }
      throw new Error(`${init.method} ${url}`);
    });
    render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit: Review the Q4 report' }));
    const title = await screen.findByLabelText('Title');
    fireEvent.change(title, { target: { value: 'My title' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByText(/changed elsewhere/);
    expect(alert).toBeTruthy();
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Review the Q4 report (v2)');
    const patch1 = calls.find((c) => c.method === 'PATCH')!;
    expect(patch1.headers['if-match']).toBe('"v1"');
    expect(patch1.body).toEqual({ title: 'My title' });
    // Save again against the fresh ETag.
    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Final title' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('link', { name: 'Final title' })).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')[1].headers['if-match']).toBe('"v2"');
  });

  it('shows 422 problems next to the field', async () => {
    mockFetch((url, init) => {
      if (url.startsWith('/tasks?')) return json([task({ id: 3, title: 'Estimate me' })]);
      if (url === '/tasks/3' && (init.method ?? 'GET') === 'GET') return json(task({ id: 3, title: 'Estimate me' }), { headers: { ETag: '"1"' } });
      return json({ detail: [{ loc: ['body', 'estimate_minutes'], msg: 'Input should be less than or equal to 100000', type: 'less_than_equal' }] }, { status: 422 });
    });
    render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit: Estimate me' }));
    fireEvent.change(await screen.findByLabelText('Estimate (minutes)'), { target: { value: '999999' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const msg = await screen.findByText('Input should be less than or equal to 100000');
    const input = screen.getByLabelText('Estimate (minutes)');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(msg.id);
  });

  it('deletes with undo: nothing is sent when undone, DELETE after the undo window', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    document.cookie = 'taskagent_csrf=abc; path=/';
    const { calls } = mockFetch((_url, init) => {
      if (init.method === 'DELETE') return empty(204);
      return json([task({ id: 5, title: 'Throw me away' }), task({ id: 6, title: 'Keep me' })]);
    });
    render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete: Throw me away' }));
    expect(screen.queryByRole('link', { name: 'Throw me away' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(screen.getByRole('link', { name: 'Throw me away' })).toBeTruthy();
    await act(async () => {
      vi.advanceTimersByTime(UNDO_MS + 1000);
    });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Delete: Throw me away' }));
    expect(screen.getByRole('status').textContent).toContain('Deleted “Throw me away”.');
    await act(async () => {
      vi.advanceTimersByTime(UNDO_MS + 100);
    });
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
    const del = calls.find((c) => c.method === 'DELETE')!;
    expect(del.url).toBe('/tasks/5');
    expect(del.headers['x-csrf-token']).toBe('abc');
    expect(screen.queryByRole('link', { name: 'Throw me away' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Keep me' })).toBeTruthy();
  });

  it('completes a task and quick-adds one', async () => {
    const { calls } = mockFetch((_url, init) => {
      if (init.method === 'PATCH') return json(task({ id: 1, title: 'Water plants', ...(init.json as object) }));
      if (init.method === 'POST') return json(task({ id: 2, title: 'Buy milk' }), { status: 201 });
      return json([task({ id: 1, title: 'Water plants' })]);
    });
    render(<TaskList tz="UTC" />);
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Complete: Water plants' }));
    // It leaves the list with an Undo that brings it back.
    const toast = await screen.findByRole('status');
    expect(toast.textContent).toContain('Completed “Water plants”.');
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Water plants' })).toBeNull());
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ status: 'completed' });
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    expect(await screen.findByRole('checkbox', { name: 'Complete: Water plants' })).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ status: 'completed' }, { status: 'pending' }]);
    fireEvent.change(screen.getByLabelText('New task title'), { target: { value: 'Buy milk' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByRole('link', { name: 'Buy milk' })).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST' && c.url === '/tasks')!.body).toEqual({ title: 'Buy milk' });
  });

  it('shows the next occurrence of a repeating task, and Undo takes it back', async () => {
    const rule = 'FREQ=WEEKLY;BYDAY=FR';
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'PATCH' && (init.json as { status: string }).status === 'completed') {
        return json(task({ id: 1, title: 'Bins', status: 'completed', recurrence: null, next_id: 2 }));
      }
      if (init.method === 'PATCH') return json(task({ id: 1, title: 'Bins', recurrence: rule }));
      if (init.method === 'DELETE') return empty();
      if (url === '/tasks/2') return json(task({ id: 2, title: 'Bins', recurrence: rule, due_date: '2026-12-11T17:00:00Z' }));
      return json([task({ id: 1, title: 'Bins', recurrence: rule, due_date: '2026-12-04T17:00:00Z' })]);
    });
    render(<TaskList tz="UTC" />);
    expect(await screen.findByText(`Repeats ${rule}`)).toBeTruthy();
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Complete: Bins' }));
    const toast = await screen.findByRole('status');
    await waitFor(() => expect(calls.some((c) => c.url === '/tasks/2')).toBe(true));
    await waitFor(() => expect(screen.getByRole('link', { name: 'Bins' }).getAttribute('href')).toBe('/app/tasks/2'));
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(2));
    expect(calls.find((c) => c.method === 'DELETE')!.url).toBe('/tasks/2');
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ status: 'completed' }, { status: 'pending', recurrence: rule }]);
    await waitFor(() => expect(screen.getByRole('link', { name: 'Bins' }).getAttribute('href')).toBe('/app/tasks/1'));
    expect(screen.getByText(`Repeats ${rule}`)).toBeTruthy();
  });

  it('follows the Link header for the next page and refetches when refreshKey changes', async () => {
    const { calls } = mockFetch((url) => {
      if (url.includes('cursor=abc')) return json([task({ id: 2, title: 'Second page task' })]);
      return json([task({ id: 1, title: 'First page task' })], { headers: { Link: '<http://127.0.0.1:8000/tasks?limit=50&cursor=abc>; rel="next"' } });
    });
    const { rerender } = render(<TaskList tz="UTC" refreshKey={0} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: 'Second page task' })).toBeTruthy();
    expect(calls[1].url).toBe('/tasks?limit=50&cursor=abc');
    expect(query(calls[0].url)).toEqual({ limit: '50', sort: '-created_at' });
    const before = calls.length;
    rerender(<TaskList tz="UTC" refreshKey={1} />);
    await waitFor(() => expect(calls.length).toBe(before + 1));
    window.dispatchEvent(new Event('focus'));
    await waitFor(() => expect(calls.length).toBe(before + 2));
  });
});

describe('manual order and bulk actions', () => {
  // jsdom lays nothing out, so every element would count as hidden; the list's keys need it shown.
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetParent');
  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, 'offsetParent', { configurable: true, get: () => document.body });
  });
  afterEach(() => {
    if (original) Object.defineProperty(HTMLElement.prototype, 'offsetParent', original);
  });
  const three = () => [task({ id: 1, title: 'Alpha', position: 1 }), task({ id: 2, title: 'Bravo', position: 2 }), task({ id: 3, title: 'Charlie', position: 3 })];

  it('computes a position between two others, at either end, and says when there is no room', () => {
    expect(positionBetween(1, 2)).toBe(1.5);
    expect(positionBetween(undefined, 2)).toBe(1);
    expect(positionBetween(3, undefined)).toBe(4);
    expect(positionBetween(undefined, undefined)).toBe(1);
    expect(positionBetween(1, 1 + Number.EPSILON)).toBeNull();
  });

  it('moves the focused task with Alt+arrows in the Manual sort, saves its position and keeps focus on it', async () => {
    window.history.replaceState(null, '', '/?sort=position');
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'PATCH') {
        const id = Number(url.split('/').pop());
        return json(task({ id, title: ['', 'Alpha', 'Bravo', 'Charlie'][id], ...(init.json as object) }));
      }
      return json(three());
    });
    render(<TaskList tz="UTC" />);
    const charlie = await screen.findByRole('link', { name: 'Charlie' });
    expect(query(calls[0].url).sort).toBe('position');
    charlie.focus();
    fireEvent.keyDown(charlie, { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(1));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.url).toBe('/tasks/3');
    expect(patch.body).toEqual({ position: 1.5 });
    const titles = () => screen.getAllByRole('link').map((a) => a.textContent);
    await waitFor(() => expect(titles()).toEqual(['Alpha', 'Charlie', 'Bravo']));
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Charlie'));
    // Once more: to the top, before the first task.
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(titles()).toEqual(['Charlie', 'Alpha', 'Bravo']));
    expect(calls.filter((c) => c.method === 'PATCH')[1].body).toEqual({ position: 0 });
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Charlie'));
    // Already first: nothing is sent.
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp', altKey: true });
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown', altKey: true });
    await waitFor(() => expect(titles()).toEqual(['Alpha', 'Charlie', 'Bravo']));
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ position: 1.5 }, { position: 0 }, { position: 1.5 }]);
    expect(screen.getByText(/Moved “Charlie” to place 2 of 3/)).toBeTruthy();
  });

  it('numbers the level again when no number lies between the new neighbours', async () => {
    window.history.replaceState(null, '', '/?sort=position');
    const tight = [task({ id: 1, title: 'Alpha', position: 1 }), task({ id: 2, title: 'Bravo', position: 1 + Number.EPSILON }), task({ id: 3, title: 'Charlie', position: 3 })];
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'PATCH') {
        const id = Number(url.split('/').pop());
        return json({ ...tight[id - 1], ...(init.json as object) });
      }
      return json(tight);
    });
    render(<TaskList tz="UTC" />);
    const charlie = await screen.findByRole('link', { name: 'Charlie' });
    charlie.focus();
    fireEvent.keyDown(charlie, { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(2));
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => [c.url, c.body])).toEqual([
      ['/tasks/3', { position: 2 }],
      ['/tasks/2', { position: 3 }],
    ]);
    await waitFor(() => expect(screen.getAllByRole('link').map((a) => a.textContent)).toEqual(['Alpha', 'Charlie', 'Bravo']));
  });

  it('does not reorder outside the Manual sort', async () => {
    const { calls } = mockFetch(() => json(three()));
    render(<TaskList tz="UTC" />);
    const bravo = await screen.findByRole('link', { name: 'Bravo' });
    bravo.focus();
    fireEvent.keyDown(bravo, { key: 'ArrowUp', altKey: true });
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    expect(bravo.closest('li')!.getAttribute('draggable')).toBeNull();
  });

  it('moves a task by dragging it onto another row', async () => {
    window.history.replaceState(null, '', '/?sort=position');
    const { calls } = mockFetch((_url, init) => {
      if (init.method === 'PATCH') return json(task({ id: 1, title: 'Alpha', ...(init.json as object) }));
      return json(three());
    });
    render(<TaskList tz="UTC" />);
    const alpha = (await screen.findByRole('link', { name: 'Alpha' })).closest('li')!;
    const charlie = screen.getByRole('link', { name: 'Charlie' }).closest('li')!;
    fireEvent.dragStart(alpha);
    fireEvent.dragOver(charlie);
    fireEvent.drop(charlie);
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ position: 4 }));
    await waitFor(() => expect(screen.getAllByRole('link').map((a) => a.textContent)).toEqual(['Bravo', 'Charlie', 'Alpha']));
  });

  it('completes, re-prioritises and deletes the selected tasks, with Undo', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'DELETE') return empty(204);
      if (init.method === 'PATCH') {
        const id = Number(url.split('/').pop());
        return json(task({ ...three()[id - 1], ...(init.json as object) }));
      }
      return json(three());
    });
    render(<TaskList tz="UTC" />);
    await screen.findByRole('link', { name: 'Alpha' });
    expect(screen.queryByRole('checkbox', { name: 'Select: Alpha' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Alpha' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Charlie' }));
    expect(screen.getByText('2 selected')).toBeTruthy();

    // Priority for both, undone.
    fireEvent.change(screen.getByLabelText('Priority for the selected tasks'), { target: { value: 'urgent' } });
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(2));
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => [c.url, c.body])).toEqual([
      ['/tasks/1', { priority: 'urgent' }],
      ['/tasks/3', { priority: 'urgent' }],
    ]);
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Select'));
    const toast = await screen.findByRole('status');
    expect(toast.textContent).toContain('Priority Urgent for 2 tasks.');
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(4));
    expect(calls.filter((c) => c.method === 'PATCH').slice(2).map((c) => c.body)).toEqual([{ priority: 'normal' }, { priority: 'normal' }]);

    // Complete two: they leave the list.
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Alpha' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Bravo' }));
    fireEvent.click(screen.getByRole('button', { name: 'Complete' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Alpha' })).toBeNull());
    expect(screen.queryByRole('link', { name: 'Bravo' })).toBeNull();
    expect(calls.filter((c) => c.method === 'PATCH').slice(4).map((c) => c.body)).toEqual([{ status: 'completed' }, { status: 'completed' }]);

    // Delete the rest: nothing is sent within the undo window, undone it comes back.
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    fireEvent.click(screen.getByRole('button', { name: 'Select all' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(screen.queryByRole('link', { name: 'Charlie' })).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Deleted 1 task.');
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await screen.findByRole('link', { name: 'Charlie' })).toBeTruthy();
    await act(async () => {
      vi.advanceTimersByTime(UNDO_MS + 1000);
    });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Charlie' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await act(async () => {
      vi.advanceTimersByTime(UNDO_MS + 100);
    });
    await waitFor(() => expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/tasks/3']));
  });

  it('Shift-click selects every row from the last one picked', async () => {
    mockFetch(() => json([...three(), task({ id: 4, title: 'Delta', position: 4 })]));
    render(<TaskList tz="UTC" />);
    await screen.findByRole('link', { name: 'Delta' });
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    const box = (title: string) => screen.getByRole('checkbox', { name: `Select: ${title}` }) as HTMLInputElement;
    fireEvent.click(box('Alpha'));
    fireEvent.click(box('Charlie'), { shiftKey: true });
    expect(screen.getByText('3 selected')).toBeTruthy();
    expect([box('Alpha'), box('Bravo'), box('Charlie'), box('Delta')].map((b) => b.checked)).toEqual([true, true, true, false]);
    // Shift-click on a picked row unpicks the span back to the last one picked.
    fireEvent.click(box('Bravo'), { shiftKey: true });
    expect([box('Alpha'), box('Bravo'), box('Charlie'), box('Delta')].map((b) => b.checked)).toEqual([true, false, false, false]);
  });

  it('has no axe violations in the Manual sort while selecting', async () => {
    window.history.replaceState(null, '', '/?sort=position');
    mockFetch(() => json([...three(), task({ id: 4, title: 'Delta step', parent_id: 1, position: 1 })]));
    const { container } = render(<TaskList tz="UTC" />);
    await screen.findByRole('link', { name: 'Delta step' });
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    const axe = (await import('axe-core')).default;
    // jsdom has no layout: colour contrast is for the browser test.
    const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(', ')}`)).toEqual([]);
  });
});
