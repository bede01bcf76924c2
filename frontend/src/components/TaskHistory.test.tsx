import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TaskPage } from './TaskPage';
import { json, mockFetch } from '../test/helpers';

const task = {
  id: 7,
  title: 'Draft the Q4 report',
  description: null,
  status: 'completed',
  priority: 'high',
  due_date: null,
  tags: [],
  parent_id: null,
  estimate_minutes: null,
  owner_id: 1,
  created_at: '2026-11-19T10:00:00Z',
  updated_at: '2026-11-20T09:00:00Z',
  completed_at: '2026-11-20T09:00:00Z',
};

describe('TaskPage history', () => {
  it('shows who changed the task, through which way in, and what changed, newest first', async () => {
    const { calls } = mockFetch((url) => {
      if (url === '/tasks/7') return json(task, { headers: { ETag: '"7-2"' } });
      if (url.startsWith('/tasks?')) return json([]);
      if (url === '/tasks/7/help') return json({ thread_id: null, items: [] });
      if (url === '/tasks/7/history')
        return json([
          {
            at: '2026-11-19T10:00:00Z',
            actor: { id: 1, email: 'ann@example.com' },
            channel: 'chat',
            action: 'created',
            changes: { title: { from: null, to: 'Draft the report' }, priority: { from: null, to: 'high' } },
          },
          {
            at: '2026-11-20T09:00:00Z',
            actor: { id: 1, email: 'ann@example.com' },
            channel: 'web',
            action: 'updated',
            changes: { title: { from: 'Draft the report', to: 'Draft the Q4 report' }, status: { from: 'in_progress', to: 'completed' } },
          },
        ]);
      throw new Error(url);
    });
    render(<TaskPage taskId={7} tz="UTC" />);
    const history = await screen.findByRole('region', { name: 'History' });
    await waitFor(() => expect(history.querySelectorAll('.history-entry')).toHaveLength(2));
    const items = history.querySelectorAll('.history-entry');
    expect(items[0].textContent).toContain('Changed by ann@example.com through the web page');
    expect(items[0].textContent).toContain('title: Draft the report → Draft the Q4 report');
    expect(items[0].textContent).toContain('status: in progress → completed');
    expect(items[0].querySelector('del')!.textContent).toBe('Draft the report');
    expect(items[1].textContent).toContain('Created by ann@example.com through the assistant (chat)');
    expect(items[1].textContent).toContain('priority: high');
    expect(calls.some((c) => c.url === '/tasks/7/history')).toBe(true);
  });

  it('says so when nothing was recorded, and shows an error without breaking the page', async () => {
    let historyStatus = 200;
    mockFetch((url) => {
      if (url === '/tasks/3') return json({ ...task, id: 3 });
      if (url.startsWith('/tasks?')) return json([]);
      if (url === '/tasks/3/help') return json({ thread_id: null, items: [] });
      if (url === '/tasks/3/history') return historyStatus === 200 ? json([]) : json({ detail: 'The server had a problem' }, { status: historyStatus });
      throw new Error(url);
    });
    const { unmount } = render(<TaskPage taskId={3} tz="UTC" />);
    expect(await screen.findByText('No changes recorded yet.')).toBeTruthy();
    unmount();
    historyStatus = 500;
    render(<TaskPage taskId={3} tz="UTC" />);
    expect(await screen.findByText('The server had a problem')).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'Draft the Q4 report' })).toBeTruthy();
  });
});
