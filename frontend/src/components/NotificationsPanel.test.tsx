import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationsPanel } from './NotificationsPanel';
import { empty, json, mockFetch } from '../test/helpers';

function note(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    task_id: 10 + id,
    title: `Reminder ${id}`,
    due_date: null,
    remind_at: '2026-12-05T09:00:00Z',
    created_at: '2026-12-05T09:00:02Z',
    late: false,
    read: false,
    ...overrides,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('NotificationsPanel', () => {
  it('shows the unread count, lists reminders newest first, and marks them read', async () => {
    const list = { notifications: [note(2, { late: true }), note(1, { read: true })], unread: 1 };
    const { calls } = mockFetch((url, init) => {
      if (init.method === 'POST') return url.endsWith('/read') && url.includes('/2/') ? json({ ...note(2), read: true }) : empty();
      return json(list);
    });
    render(<NotificationsPanel tz="UTC" />);
    const summary = await screen.findByLabelText('Notifications, 1 unread');
    fireEvent.click(summary);
    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual(['Unread: Reminder 2', 'Reminder 1']);
    expect(links[0].getAttribute('href')).toBe('/app/tasks/12');
    expect(screen.getByText(/sent late/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Mark read: “Reminder 2”' }));
    expect(await screen.findByLabelText('Notifications')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/notifications/2/read']);
  });

  it('marks all read at once', async () => {
    const { calls } = mockFetch((_url, init) => (init.method === 'POST' ? empty() : json({ notifications: [note(3), note(2)], unread: 2 })));
    render(<NotificationsPanel tz="UTC" />);
    fireEvent.click(await screen.findByLabelText('Notifications, 2 unread'));
    fireEvent.click(screen.getByRole('button', { name: 'Mark all read' }));
    expect(await screen.findByLabelText('Notifications')).toBeTruthy();
    expect(calls.at(-1)?.url).toBe('/notifications/read');
  });

  it('picks up a new reminder without a reload and announces it', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let round = 0;
    mockFetch(() => {
      round++;
      return json(round === 1 ? { notifications: [note(1, { read: true })], unread: 0 } : { notifications: [note(2), note(1, { read: true })], unread: 1 });
    });
    render(<NotificationsPanel tz="UTC" pollMs={1000} />);
    await screen.findByLabelText('Notifications');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1100);
    });
    await waitFor(() => expect(screen.getByLabelText('Notifications, 1 unread')).toBeTruthy());
    expect(screen.getByRole('status').textContent).toBe('Reminder: Reminder 2');
  });

  it('stays out of the way when notifications cannot be read', async () => {
    mockFetch(() => json({ detail: 'Not authenticated' }, { status: 401 }));
    const { container } = render(<NotificationsPanel tz="UTC" />);
    await new Promise((r) => setTimeout(r, 10));
    expect(container.textContent).toBe('');
  });

  it('has no axe violations, open and empty or with reminders', async () => {
    mockFetch(() => json({ notifications: [note(2), note(1, { read: true, due_date: '2026-12-06T17:00:00Z' })], unread: 1 }));
    const { container } = render(<NotificationsPanel tz="UTC" />);
    fireEvent.click(await screen.findByLabelText('Notifications, 1 unread'));
    const axe = (await import('axe-core')).default;
    const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => v.id)).toEqual([]);
  });
});
