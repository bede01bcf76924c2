import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTaskQuery, clientFilter, EMPTY_FILTERS, filtersFromSearch, filtersToSearch, positionBetween, TaskList, UNDO_MS } from './TaskList';
import { taskListUrl } from '../api/tasks';
import { empty, json, mockFetch, showLayout, task } from '../test/helpers';

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
    expect(await screen.findByText('Repeats every Friday')).toBeTruthy();
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Complete: Bins' }));
    const toast = await screen.findByRole('status');
    await waitFor(() => expect(calls.some((c) => c.url === '/tasks/2')).toBe(true));
    await waitFor(() => expect(screen.getByRole('link', { name: 'Bins' }).getAttribute('href')).toBe('/app/tasks/2'));
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(2));
    expect(calls.find((c) => c.method === 'DELETE')!.url).toBe('/tasks/2');
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ status: 'completed' }, { status: 'pending', recurrence: rule }]);
    await waitFor(() => expect(screen.getByRole('link', { name: 'Bins' }).getAttribute('href')).toBe('/app/tasks/1'));
    expect(screen.getByText('Repeats every Friday')).toBeTruthy();
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
  showLayout();
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

describe('subtasks: fold, add from the row, move in bulk', () => {
  showLayout();
  // "Pay rent" has three subtasks; two more tasks at the top level.
  const family = () => [
    task({ id: 1, title: 'Pay rent' }),
    task({ id: 2, title: 'Find the IBAN', parent_id: 1 }),
    task({ id: 3, title: 'Call landlord', parent_id: 1 }),
    task({ id: 4, title: 'Transfer', parent_id: 1 }),
    task({ id: 5, title: 'Alpha' }),
    task({ id: 6, title: 'Bravo' }),
  ];

  it('folds a parent: the button names the task and the count, the fold survives a reload, j/k and h/l', async () => {
    mockFetch(() => json(family()));
    const { unmount } = render(<TaskList tz="UTC" userId={7} />);
    const fold = await screen.findByRole('button', { name: 'Hide 3 subtasks of “Pay rent”' });
    const list = document.getElementById(fold.getAttribute('aria-controls')!)!;
    expect(list.getAttribute('aria-label')).toBe('Subtasks of Pay rent');
    expect(fold.getAttribute('aria-expanded')).toBe('true');
    fireEvent.click(fold);
    expect(fold.getAttribute('aria-expanded')).toBe('false');
    expect(fold.getAttribute('aria-label')).toBe('Show 3 subtasks of “Pay rent”');
    expect(list.hidden).toBe(true);
    expect(screen.queryByRole('link', { name: 'Call landlord' })).toBeNull(); // hidden from everyone
    expect(JSON.parse(localStorage.getItem('taskagent.folded.7')!)).toEqual([1]);
    // j from the parent skips its hidden subtasks.
    const parent = screen.getByRole('link', { name: 'Pay rent' });
    parent.focus();
    fireEvent.keyDown(parent, { key: 'j' });
    expect(document.activeElement?.textContent).toBe('Alpha');
    fireEvent.keyDown(document.activeElement!, { key: 'k' });
    expect(document.activeElement?.textContent).toBe('Pay rent');

    // A reload keeps it folded; another user's list does not share it.
    unmount();
    const again = render(<TaskList tz="UTC" userId={7} />);
    expect((await screen.findByRole('button', { name: 'Show 3 subtasks of “Pay rent”' })).getAttribute('aria-expanded')).toBe('false');
    again.unmount();
    render(<TaskList tz="UTC" userId={8} />);
    await screen.findByRole('button', { name: 'Hide 3 subtasks of “Pay rent”' });
    // l unfolds the focused parent; h on a subtask folds its parent and takes focus up to it.
    localStorage.setItem('taskagent.folded.8', '[1]');
    cleanup();
    render(<TaskList tz="UTC" userId={8} />);
    const link = await screen.findByRole('link', { name: 'Pay rent' });
    link.focus();
    fireEvent.keyDown(link, { key: 'l' });
    const sub = await screen.findByRole('link', { name: 'Call landlord' });
    sub.focus();
    fireEvent.keyDown(sub, { key: 'j' });
    expect(document.activeElement?.textContent).toBe('Transfer');
    fireEvent.keyDown(document.activeElement!, { key: 'h' });
    expect(screen.queryByRole('link', { name: 'Transfer' })).toBeNull();
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Pay rent'));
    expect(JSON.parse(localStorage.getItem('taskagent.folded.8')!)).toEqual([1]);
  });

  it('adds a subtask from its parent’s row: Enter creates it with parent_id and unfolds, errors in place, Esc goes back', async () => {
    localStorage.setItem('taskagent.folded.7', '[1]');
    let posts = 0;
    const { calls } = mockFetch((_url, init) => {
      if (init.method === 'POST') {
        posts += 1;
        if (posts === 2) return json({ detail: [{ loc: ['body', 'parent_id'], msg: 'Value error, parent task 1 not found', type: 'value_error' }] }, { status: 422 });
        return json(task({ id: 10, ...(init.json as object) }), { status: 201 });
      }
      return json(family());
    });
    render(<TaskList tz="UTC" userId={7} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add subtask: Pay rent' }));
    const input = screen.getByLabelText('Subtask of “Pay rent”');
    expect(document.activeElement).toBe(input);
    fireEvent.submit(input.closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toBe('Type a title first');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.change(input, { target: { value: 'Ask for a receipt' } });
    fireEvent.submit(input.closest('form')!);
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ title: 'Ask for a receipt', parent_id: 1 }));
    // It shows under its parent, which unfolds; the box stays open and empty for the next one.
    const sub = await screen.findByRole('list', { name: 'Subtasks of Pay rent' });
    expect(within(sub).getByRole('link', { name: 'Ask for a receipt' })).toBeTruthy();
    expect(sub.hidden).toBe(false);
    expect(screen.getByRole('button', { name: 'Hide 4 subtasks of “Pay rent”' })).toBeTruthy();
    expect((input as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect(screen.getByText('Added “Ask for a receipt” under “Pay rent”.')).toBeTruthy();
    // The API refuses (the parent was deleted elsewhere): said in place, the text kept.
    fireEvent.change(input, { target: { value: 'Too late' } });
    fireEvent.submit(input.closest('form')!);
    const alert = await screen.findByText('That parent task no longer exists.');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(input.getAttribute('aria-describedby')).toBe(alert.id);
    expect((input as HTMLInputElement).value).toBe('Too late');
    // Esc closes it and focus goes back to the row's button.
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByLabelText('Subtask of “Pay rent”')).toBeNull();
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Add subtask: Pay rent'));
  });

  it('moves the selected tasks under a parent chosen by name; a cycle or a refusal is reported and left; Undo puts them back', async () => {
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'PATCH') {
        const id = Number(url.split('/').pop());
        // The API refuses this one (say, its subtree changed elsewhere): reported, left unchanged.
        if (id === 6 && (init.json as { parent_id: number | null }).parent_id === 3)
          return json({ detail: [{ loc: ['body', 'parent_id'], msg: 'Value error, a task cannot be a subtask of itself or of its own subtasks', type: 'value_error' }] }, { status: 422 });
        return json({ ...family()[id - 1], ...(init.json as object) });
      }
      const q = new URL(url, 'http://x').searchParams.get('q');
      return json(q ? family().filter((t) => t.title.toLowerCase().includes(q.toLowerCase())) : family());
    });
    render(<TaskList tz="UTC" userId={7} />);
    await screen.findByRole('link', { name: 'Alpha' });
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    for (const title of ['Pay rent', 'Alpha', 'Bravo']) fireEvent.click(screen.getByRole('checkbox', { name: `Select: ${title}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Move to…' }));
    const first = screen.getByRole('combobox', { name: 'Move the selected tasks under' });
    expect(document.activeElement).toBe(first);
    // Esc closes the list first, then the panel, with focus back on "Move to…".
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(first.getAttribute('aria-expanded')).toBe('true');
    fireEvent.keyDown(first, { key: 'Escape' });
    expect(first.getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(first, { key: 'Escape' });
    expect(screen.queryByRole('combobox', { name: 'Move the selected tasks under' })).toBeNull();
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Move to…'));
    fireEvent.click(screen.getByRole('button', { name: 'Move to…' }));
    const box = screen.getByRole('combobox', { name: 'Move the selected tasks under' });
    fireEvent.change(box, { target: { value: 'call' } });
    const listbox = screen.getByRole('listbox', { name: 'Move the selected tasks under' });
    await within(listbox).findByRole('option', { name: 'Call landlord #3' });
    expect(within(listbox).getAllByRole('option').map((o) => o.textContent)).toEqual(['Top level', 'Call landlord #3']);
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    expect((box as HTMLInputElement).value).toBe('Call landlord');
    fireEvent.click(screen.getByRole('button', { name: 'Move 3 tasks' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(2));
    // "Pay rent" is the parent of "Call landlord": not even sent.
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => [c.url, c.body])).toEqual([
      ['/tasks/5', { parent_id: 3 }],
      ['/tasks/6', { parent_id: 3 }],
    ]);
    const toast = (await screen.findByText(/^Moved 1 task under/)).closest<HTMLElement>('.toast')!;
    expect(toast.textContent).toContain(
      'Moved 1 task under “Call landlord”. Not moved: “Pay rent” (it would be inside its own subtask), “Bravo” (that would put the task inside itself or its own subtasks).',
    );
    expect(within(screen.getByRole('list', { name: 'Subtasks of Call landlord' })).getByRole('link', { name: 'Alpha' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Select'));
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(3));
    expect(calls.filter((c) => c.method === 'PATCH')[2]).toMatchObject({ url: '/tasks/5', body: { parent_id: null } });
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Subtasks of Call landlord' })).toBeNull());

    // Under one of the selected: that one stays, the other moves; to the top level with "Top level".
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    for (const title of ['Alpha', 'Call landlord']) fireEvent.click(screen.getByRole('checkbox', { name: `Select: ${title}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Move to…' }));
    const box2 = screen.getByRole('combobox', { name: 'Move the selected tasks under' });
    fireEvent.change(box2, { target: { value: 'alp' } });
    await screen.findByRole('option', { name: 'Alpha #5' });
    fireEvent.keyDown(box2, { key: 'Enter' });
    fireEvent.click(screen.getByRole('button', { name: 'Move 2 tasks' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').length).toBe(4));
    expect(calls.filter((c) => c.method === 'PATCH')[3]).toMatchObject({ url: '/tasks/3', body: { parent_id: 5 } });
    await screen.findByText(/Moved 1 task under “Alpha”\. Not moved: “Alpha” \(it is the task they move under\)\./);
  });

  it('has no axe violations with a folded parent, a subtask box open and the move picker open', async () => {
    localStorage.setItem('taskagent.folded.7', '[1]');
    mockFetch(() => json([...family(), task({ id: 7, title: 'Charlie' }), task({ id: 8, title: 'Charlie’s step', parent_id: 7 })]));
    const { container } = render(<TaskList tz="UTC" userId={7} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add subtask: Alpha' }));
    fireEvent.click(screen.getByRole('button', { name: 'Select' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select: Alpha' }));
    fireEvent.click(screen.getByRole('button', { name: 'Move to…' }));
    fireEvent.keyDown(screen.getByRole('combobox', { name: 'Move the selected tasks under' }), { key: 'ArrowDown' });
    await screen.findByRole('option', { name: 'Bravo #6' });
    const axe = (await import('axe-core')).default;
    const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(', ')}`)).toEqual([]);
  });
});
