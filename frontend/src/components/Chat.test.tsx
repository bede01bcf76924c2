import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Chat } from './Chat';
import { chatkitChunks, json, mockFetch, sse } from '../test/helpers';

const T = '2026-11-20T10:00:00Z';
const thread = { id: 'thr_1', created_at: T, title: null, items: { data: [], has_more: false } };
const userDone = {
  type: 'thread.item.done',
  item: { type: 'user_message', id: 'msg_u1', thread_id: 'thr_1', created_at: T, content: [{ type: 'input_text', text: 'Create a task to review the Q4 report, high priority' }], inference_options: {} },
};
const assistantAdded = { type: 'thread.item.added', item: { type: 'assistant_message', id: 'msg_a1', thread_id: 'thr_1', created_at: T, content: [] } };
const delta = (d: string) => ({ type: 'thread.item.updated', item_id: 'msg_a1', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: d } });

function type(text: string) {
  const box = screen.getByLabelText('Message the assistant');
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: 'Enter' });
}

describe('Chat', () => {
  it('streams an answer into one message, shows hand-offs and tool actions, and refreshes the task list', async () => {
    document.cookie = 'taskagent_csrf=tok123; path=/';
    let stored: unknown[] = [];
    const { calls } = mockFetch((url, init) => {
      const req = init.json as { type: string };
      if (req.type === 'threads.list') return json({ data: stored, has_more: false });
      if (req.type === 'threads.create') {
        stored = [{ id: 'thr_1', created_at: T, title: 'Review the Q4 report' }];
        return sse(
          chatkitChunks(
            [
              { type: 'thread.created', thread },
              userDone,
              { type: 'stream_options', stream_options: { allow_cancel: true } },
              { type: 'progress_update', text: 'Triage Agent → Task Manager' },
              { type: 'progress_update', icon: 'check', text: 'Created task #7 “Review the Q4 report” (high)' },
              assistantAdded,
              delta('I created '),
              delta('**Review the Q4 report** '),
              delta('with high priority.'),
              { type: 'thread.item.done', item: { ...assistantAdded.item, content: [{ type: 'output_text', text: 'I created **Review the Q4 report** with high priority.', annotations: [] }] } },
              { type: 'thread.updated', thread: { ...thread, title: 'Review the Q4 report' } },
            ],
            13,
          ),
        );
      }
      throw new Error(`unexpected ${url} ${req.type}`);
    });
    const onTasksChanged = vi.fn();
    render(<Chat threadId={null} tz="UTC" onTasksChanged={onTasksChanged} />);
    type('Create a task to review the Q4 report, high priority');

    const messages = screen.getByRole('list', { name: 'Messages' });
    await within(messages).findByText('with high priority.', { exact: false });
    // One assistant message holding all the deltas.
    const assistantMsgs = messages.querySelectorAll('.msg-assistant');
    expect(assistantMsgs).toHaveLength(1);
    expect(assistantMsgs[0].textContent).toContain('I created Review the Q4 report with high priority.');
    expect(within(assistantMsgs[0] as HTMLElement).getByText('Review the Q4 report').tagName).toBe('STRONG');
    // The user's message once (the pending copy replaced by the stored one).
    expect(messages.querySelectorAll('.msg-user')).toHaveLength(1);
    // Hand-off and tool action lines.
    expect(within(messages).getByText('Triage Agent → Task Manager')).toBeTruthy();
    expect(within(messages).getByText('Created task #7 “Review the Q4 report” (high)')).toBeTruthy();
    await waitFor(() => expect(onTasksChanged).toHaveBeenCalled());
    // The new thread is in the list with its title, and the URL follows it.
    expect(await screen.findByRole('link', { name: /Review the Q4 report/ })).toBeTruthy();
    await waitFor(() => expect(window.location.pathname).toBe('/app/chat/thr_1'));
    // Protocol: threads.create with the input, CSRF header, same-origin.
    const create = calls.find((c) => (c.body as { type: string }).type === 'threads.create')!;
    expect(create.url).toBe('/chatkit');
    expect(create.headers['x-csrf-token']).toBe('tok123');
    expect(create.body).toEqual({
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'Create a task to review the Q4 report, high priority' }], attachments: [], inference_options: {} } },
    });
  });

  it('shows an error event with a retry button that retries after the stored user message', async () => {
    let attempt = 0;
    const { calls } = mockFetch((_url, init) => {
      const req = init.json as { type: string };
      if (req.type === 'threads.list') return json({ data: [], has_more: false });
      if (req.type === 'threads.create') {
        attempt++;
        return sse(chatkitChunks([{ type: 'thread.created', thread }, userDone, { type: 'error', code: 'stream.error', allow_retry: true }]));
      }
      if (req.type === 'threads.retry_after_item') {
        return sse(chatkitChunks([assistantAdded, delta('Done on the second try.')]));
      }
      throw new Error(req.type);
    });
    render(<Chat threadId={null} tz="UTC" />);
    type('Create a task to review the Q4 report, high priority');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Something went wrong');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await within(screen.getByRole('list', { name: 'Messages' })).findByText('Done on the second try.');
    expect(attempt).toBe(1);
    const retry = calls.find((c) => (c.body as { type: string }).type === 'threads.retry_after_item')!;
    expect(retry.body).toEqual({ type: 'threads.retry_after_item', params: { thread_id: 'thr_1', item_id: 'msg_u1' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows a 429 with Retry-After and resends the message on retry', async () => {
    let creates = 0;
    mockFetch((_url, init) => {
      const req = init.json as { type: string };
      if (req.type === 'threads.list') return json({ data: [], has_more: false });
      if (req.type === 'threads.create') {
        creates++;
        if (creates === 1) return json({ detail: 'Rate limit exceeded' }, { status: 429, headers: { 'Retry-After': '12' } });
        return sse(chatkitChunks([{ type: 'thread.created', thread }, userDone, assistantAdded, delta('Hello again')]));
      }
      throw new Error(req.type);
    });
    render(<Chat threadId={null} tz="UTC" />);
    type('hello');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Too many requests, try again in 12 s');
    await act(async () => {
      fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    });
    await within(screen.getByRole('list', { name: 'Messages' })).findByText('Hello again');
    expect(creates).toBe(2);
  });

  it('resumes a thread from the URL with all its items and renders unknown items as a compact line', async () => {
    mockFetch((_url, init) => {
      const req = init.json as { type: string; params: Record<string, unknown> };
      if (req.type === 'threads.list') return json({ data: [{ id: 'thr_9', title: 'Weekly plan', created_at: T }], has_more: false });
      if (req.type === 'threads.get_by_id')
        return json({
          id: 'thr_9',
          title: 'Weekly plan',
          created_at: T,
          items: {
            data: [{ type: 'user_message', id: 'u1', thread_id: 'thr_9', created_at: T, content: [{ type: 'input_text', text: '<b>plan</b> my week' }] }],
            has_more: true,
            after: 'u1',
          },
        });
      if (req.type === 'items.list') {
        expect(req.params).toMatchObject({ thread_id: 'thr_9', order: 'asc', after: 'u1' });
        return json({
          data: [
            { type: 'task', id: 't1', thread_id: 'thr_9', created_at: T, task: { type: 'custom', title: 'Created task #4: Review the Q4 report', content: 'priority: high' } },
            { type: 'mystery_item', id: 'x1', thread_id: 'thr_9', created_at: T, text: 'something new' },
            { type: 'assistant_message', id: 'a1', thread_id: 'thr_9', created_at: T, content: [{ type: 'output_text', text: 'Monday: <img src=x onerror=alert(1)>' }] },
          ],
          has_more: false,
        });
      }
      throw new Error(req.type);
    });
    const { container } = render(<Chat threadId="thr_9" tz="UTC" />);
    await within(screen.getByRole('list', { name: 'Messages' })).findByText('Monday: <img src=x onerror=alert(1)>');
    expect(screen.getByText('<b>plan</b> my week')).toBeTruthy();
    expect(screen.getByText('priority: high').closest('li')!.textContent).toContain('Created task #4: Review the Q4 report');
    expect(screen.getByText(/something new/)).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(screen.getByRole('heading', { name: 'Weekly plan' })).toBeTruthy();
  });
});
