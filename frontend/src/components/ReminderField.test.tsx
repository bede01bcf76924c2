import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TaskEditor } from './TaskEditor';
import type { Task } from '../api/types';
import { json, mockFetch, task } from '../test/helpers';

const withReminders = task({
  id: 7,
  title: 'Call mom',
  due_date: '2026-12-10T17:00:00Z',
  reminders: [{ before_minutes: 15 }, { at: '2026-12-10T08:00:00Z' }],
}) as Task;

describe('Reminders in the task editor', () => {
  it('shows each reminder in words, removes and adds them, and saves them in one PATCH', async () => {
    const { calls } = mockFetch((_url, init) => json({ ...withReminders, ...(init.json as object) }, { headers: { ETag: '"7-2"' } }));
    render(<TaskEditor taskId={7} tz="Europe/Berlin" onSaved={() => {}} initial={{ task: withReminders, etag: '"7-1"' }} />);
    expect(screen.getByText('15 minutes before the due time')).toBeTruthy();
    expect(screen.getByText(/Dec.*9:00|9:00.*Dec/)).toBeTruthy(); // 08:00 UTC is 09:00 in Berlin
    fireEvent.click(screen.getByRole('button', { name: 'Remove the reminder 15 minutes before the due time' }));
    fireEvent.change(screen.getByLabelText('Add a reminder'), { target: { value: '60' } });
    fireEvent.change(screen.getByLabelText('Add a reminder'), { target: { value: 'at' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(screen.getByText('Enter a date and time')).toBeTruthy(); // nothing typed yet
    fireEvent.change(screen.getByLabelText('Remind at (Europe/Berlin)'), { target: { value: '2026-12-09T20:30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({
      reminders: [{ at: '2026-12-10T08:00:00Z' }, { before_minutes: 60 }, { at: '2026-12-09T19:30:00.000Z' }],
    });
  });

  it('offers reminders before the due date only when there is one, and shows the server refusing', async () => {
    const bare = task({ id: 8, title: 'Someday', reminders: [] }) as Task;
    mockFetch(() =>
      json({ detail: [{ loc: ['body', 'reminders'], msg: 'Value error, a reminder with before_minutes needs a due date' }] }, { status: 422 }),
    );
    render(<TaskEditor taskId={8} tz="UTC" onSaved={() => {}} initial={{ task: bare, etag: '"8-1"' }} />);
    const before = screen.getByRole('option', { name: '1 hour before (needs a due date)' }) as HTMLOptionElement;
    expect(before.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Add a reminder'), { target: { value: 'at' } });
    fireEvent.change(screen.getByLabelText('Remind at (UTC)'), { target: { value: '2026-12-09T20:30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('a reminder with before_minutes needs a due date')).toBeTruthy();
  });
});
