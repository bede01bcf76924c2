import { describe, expect, it } from 'vitest';
import { conversationReducer, initialConversation, type ConversationState } from './conversation';
import type { ThreadStreamEvent } from './types';

const T = '2026-11-20T10:00:00Z';

function run(events: ThreadStreamEvent[], start: ConversationState = initialConversation()) {
  let s = conversationReducer(start, { type: 'send', text: 'Create a task', key: 'pending-1' });
  for (const event of events) s = conversationReducer(s, { type: 'event', event });
  return s;
}

const assistant = (id: string, text = '') => ({
  type: 'assistant_message' as const,
  id,
  thread_id: 'thr_1',
  created_at: T,
  content: text ? [{ type: 'output_text' as const, text, annotations: [] }] : [],
});

describe('conversation reducer', () => {
  it('accumulates text deltas into one assistant message', () => {
    const s = run([
      { type: 'thread.created', thread: { id: 'thr_1', created_at: T, title: null, items: { data: [], has_more: false } } },
      { type: 'thread.item.done', item: { type: 'user_message', id: 'msg_u', thread_id: 'thr_1', created_at: T, content: [{ type: 'input_text', text: 'Create a task' }] } },
      { type: 'thread.item.added', item: assistant('msg_a') },
      { type: 'thread.item.updated', item_id: 'msg_a', update: { type: 'assistant_message.content_part.added', content_index: 0, content: { type: 'output_text', text: '', annotations: [] } } },
      { type: 'thread.item.updated', item_id: 'msg_a', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Created ' } },
      { type: 'thread.item.updated', item_id: 'msg_a', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'task ' } },
      { type: 'thread.item.updated', item_id: 'msg_a', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: '#4.' } },
    ]);
    expect(s.threadId).toBe('thr_1');
    const items = s.entries.filter((e) => e.kind === 'item');
    expect(items).toHaveLength(2); // the pending user message was replaced by the stored one
    const a = items[1];
    expect(a.kind === 'item' && a.item.type).toBe('assistant_message');
    expect(a.kind === 'item' && (a.item as ReturnType<typeof assistant>).content[0].text).toBe('Created task #4.');
    expect(s.lastUserItemId).toBe('msg_u');

    const done = conversationReducer(s, { type: 'event', event: { type: 'thread.item.done', item: assistant('msg_a', 'Created task #4.') } });
    expect(done.entries.filter((e) => e.kind === 'item')).toHaveLength(2);
  });

  it('records progress updates (hand-offs, tools) as lines and marks the turn as acting', () => {
    const s = run([
      { type: 'progress_update', text: 'Handing off to Task Manager' },
      { type: 'progress_update', icon: 'check', text: 'create_tasks: Review the Q4 report' },
    ]);
    const lines = s.entries.filter((e) => e.kind === 'progress').map((e) => (e.kind === 'progress' ? e.text : ''));
    expect(lines).toEqual(['Handing off to Task Manager', 'create_tasks: Review the Q4 report']);
    expect(s.activity).toBe('create_tasks: Review the Q4 report');
    expect(s.hadActions).toBe(true);
  });

  it('applies workflow task updates and counts them as actions', () => {
    const s = run([
      { type: 'thread.item.added', item: { type: 'workflow', id: 'wf', thread_id: 'thr_1', created_at: T, workflow: { type: 'custom', tasks: [] } } },
      { type: 'thread.item.updated', item_id: 'wf', update: { type: 'workflow.task.added', task_index: 0, task: { type: 'custom', title: 'Triage Agent → Scheduler Agent' } } },
      { type: 'thread.item.updated', item_id: 'wf', update: { type: 'workflow.task.updated', task_index: 0, task: { type: 'custom', title: 'Handed off', status_indicator: 'complete' } } },
    ]);
    const wf = s.entries.find((e) => e.kind === 'item' && e.item.type === 'workflow');
    expect(wf && wf.kind === 'item' && (wf.item as { workflow: { tasks: { title: string }[] } }).workflow.tasks.map((t) => t.title)).toEqual(['Handed off']);
    expect(s.hadActions).toBe(true);
  });

  it('keeps the error with its retry flag', () => {
    let s = run([{ type: 'error', code: 'stream.error', allow_retry: true }]);
    s = conversationReducer(s, { type: 'finish' });
    expect(s.error).toEqual({ message: 'Something went wrong while answering.', allowRetry: true });
    expect(s.streaming).toBe(false);
    s = run([{ type: 'error', code: 'custom', message: 'Model unavailable', allow_retry: false }]);
    expect(s.error).toEqual({ message: 'Model unavailable', allowRetry: false });
  });

  it('a reused item id from an earlier turn starts a new message instead of overwriting it', () => {
    let s = run([
      { type: 'thread.item.added', item: assistant('__fake_id__') },
      { type: 'thread.item.done', item: assistant('__fake_id__', 'First answer') },
    ]);
    s = conversationReducer(s, { type: 'finish' });
    s = conversationReducer(s, { type: 'send', text: 'again', key: 'pending-2' });
    s = conversationReducer(s, { type: 'event', event: { type: 'thread.item.added', item: assistant('__fake_id__') } });
    s = conversationReducer(s, {
      type: 'event',
      event: { type: 'thread.item.updated', item_id: '__fake_id__', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Second' } },
    });
    const texts = s.entries.flatMap((e) => (e.kind === 'item' && e.item.type === 'assistant_message' ? [(e.item as ReturnType<typeof assistant>).content.map((c) => c.text).join('')] : []));
    expect(texts).toEqual(['First answer', 'Second']);
  });

  it('loads a stored thread, hiding end-of-turn markers', () => {
    const s = conversationReducer(initialConversation(), {
      type: 'load',
      threadId: 'thr_9',
      title: 'Q4',
      items: [
        { type: 'user_message', id: 'u1', thread_id: 'thr_9', created_at: T, content: [{ type: 'input_text', text: 'hi' }] },
        assistant('a1', 'hello'),
        { type: 'end_of_turn', id: 'e1', thread_id: 'thr_9', created_at: T },
      ],
    });
    expect(s.entries).toHaveLength(2);
    expect(s.lastUserItemId).toBe('u1');
    expect(s.title).toBe('Q4');
  });
});

describe('progress lines and stored action items', () => {
  it('a stored hand-off item replaces its progress line; progress lines go when the answer ends with items', () => {
    let s = run([
      { type: 'progress_update', icon: 'agent', text: 'Handed off to Task Manager' },
      { type: 'progress_update', icon: 'plus', text: 'Creating tasks…' },
    ]);
    expect(s.entries.filter((e) => e.kind === 'progress')).toHaveLength(2);
    s = conversationReducer(s, {
      type: 'event',
      event: { type: 'thread.item.done', item: { type: 'task', id: 'tk1', thread_id: 'thr_1', created_at: T, task: { type: 'custom', title: 'Handed off to Task Manager' } } },
    });
    expect(s.entries.filter((e) => e.kind === 'progress').map((e) => e.kind === 'progress' && e.text)).toEqual(['Creating tasks…']);
    s = conversationReducer(s, {
      type: 'event',
      event: { type: 'thread.item.done', item: { type: 'task', id: 'tk2', thread_id: 'thr_1', created_at: T, task: { type: 'custom', title: 'Created task #4: Review the Q4 report' } } },
    });
    s = conversationReducer(s, { type: 'finish' });
    expect(s.entries.filter((e) => e.kind === 'progress')).toHaveLength(0);
    expect(s.entries.filter((e) => e.kind === 'item' && e.item.type === 'task')).toHaveLength(2);
    expect(s.hadActions).toBe(true);
  });

  it('keeps progress lines when no item records the actions', () => {
    let s = run([{ type: 'progress_update', text: 'Handed off to Scheduler Agent' }]);
    s = conversationReducer(s, { type: 'finish' });
    expect(s.entries.filter((e) => e.kind === 'progress')).toHaveLength(1);
  });
});
