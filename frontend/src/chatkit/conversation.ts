// The state of one open conversation, and how each ThreadStreamEvent changes it. Pure, so tested alone.
import type { AssistantMessageItem, ThreadItem, ThreadItemUpdate, ThreadStreamEvent, WorkflowItem } from './types';

export type Entry =
  | { key: string; kind: 'item'; item: ThreadItem; done: boolean; pending?: boolean }
  | { key: string; kind: 'progress'; text: string; icon?: string | null }
  | { key: string; kind: 'notice'; level: 'info' | 'warning' | 'danger'; message: string; title?: string | null };

export interface ChatError {
  message: string;
  allowRetry: boolean;
  retryAfter?: number | null;
}

export interface ConversationState {
  threadId: string | null;
  title: string | null;
  entries: Entry[];
  streaming: boolean;
  error: ChatError | null;
  /** The latest progress text of the running answer (hand-off, tool), for the status line. */
  activity: string | null;
  /** The running (or last) answer did something besides talking: a tool, a hand-off. */
  hadActions: boolean;
  /** The running answer stored items for its actions (task/workflow items): progress lines are then
   * only a live preview, dropped when the answer ends. */
  actionItemsThisTurn: boolean;
  /** The id the server gave the last user message (for threads.retry_after_item). */
  lastUserItemId: string | null;
  allowCancel: boolean;
}

export const DEFAULT_ERROR = 'Something went wrong while answering.';

export function initialConversation(threadId: string | null = null): ConversationState {
  return {
    threadId,
    title: null,
    entries: [],
    streaming: false,
    error: null,
    activity: null,
    hadActions: false,
    actionItemsThisTurn: false,
    lastUserItemId: null,
    allowCancel: true,
  };
}

export type ConversationAction =
  | { type: 'reset'; threadId?: string | null }
  | { type: 'load'; threadId: string; title: string | null; items: ThreadItem[] }
  | { type: 'send'; text: string; key: string }
  | { type: 'retry' }
  | { type: 'event'; event: ThreadStreamEvent }
  | { type: 'finish' }
  | { type: 'fail'; error: ChatError };

let counter = 0;
export function localKey(prefix = 'local'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

const SILENT_TYPES = new Set(['end_of_turn', 'hidden_context_item', 'sdk_hidden_context']);
const MESSAGE_TYPES = new Set(['user_message', 'assistant_message']);

/** Items that show something happening besides talk: tools, hand-offs, workflows, task lines. */
export function isActionItem(item: ThreadItem): boolean {
  return !MESSAGE_TYPES.has(item.type) && !SILENT_TYPES.has(item.type);
}

export function isVisibleItem(item: ThreadItem): boolean {
  return !SILENT_TYPES.has(item.type);
}

function lastIndexOfItem(entries: Entry[], id: string, onlyOpen = false): number {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.kind === 'item' && e.item.id === id && (!onlyOpen || !e.done)) return i;
  }
  return -1;
}

function withoutPendingUser(entries: Entry[]): Entry[] {
  return entries.filter((e) => !(e.kind === 'item' && e.pending));
}

function applyAssistantUpdate(item: AssistantMessageItem, update: ThreadItemUpdate): AssistantMessageItem {
  if (!update.type.startsWith('assistant_message.')) return item;
  const content = [...(item.content ?? [])];
  const idx = 'content_index' in update ? update.content_index : 0;
  while (content.length <= idx) content.push({ type: 'output_text', text: '', annotations: [] });
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      content[idx] = { ...update.content, text: update.content.text ?? '' };
      break;
    case 'assistant_message.content_part.text_delta':
      content[idx] = { ...content[idx], text: (content[idx].text ?? '') + update.delta };
      break;
    default:
      break;
  }
  return { ...item, content };
}

function applyWorkflowUpdate(item: WorkflowItem, update: ThreadItemUpdate): WorkflowItem {
  const tasks = [...(item.workflow?.tasks ?? [])];
  if (update.type === 'workflow.task.added') {
    tasks.push(update.task);
  } else if (update.type === 'workflow.task.updated') {
    tasks[update.task_index] = update.task;
  } else {
    return item;
  }
  return { ...item, workflow: { ...(item.workflow ?? { type: 'custom' }), tasks } };
}

export function applyUpdate(item: ThreadItem, update: ThreadItemUpdate): ThreadItem {
  if (item.type === 'assistant_message') return applyAssistantUpdate(item as AssistantMessageItem, update);
  if (item.type === 'workflow') return applyWorkflowUpdate(item as WorkflowItem, update);
  return item;
}

function upsertItem(state: ConversationState, item: ThreadItem, done: boolean): ConversationState {
  let entries = state.entries;
  let lastUserItemId = state.lastUserItemId;
  if (item.type === 'user_message') {
    entries = withoutPendingUser(entries);
    lastUserItemId = item.id;
  }
  // Replace the open entry with this id; a finished one with the same id is an earlier turn
  // (some model bridges reuse ids), so the new item gets its own entry.
  const open = lastIndexOfItem(entries, item.id, true);
  const anyIdx = lastIndexOfItem(entries, item.id);
  if (open >= 0) {
    entries = entries.map((e, i) => (i === open ? { ...(e as Extract<Entry, { kind: 'item' }>), item, done } : e));
  } else if (done && anyIdx >= 0 && item.type === 'user_message') {
    entries = entries.map((e, i) => (i === anyIdx ? { ...(e as Extract<Entry, { kind: 'item' }>), item, done } : e));
  } else {
    entries = [...entries, { key: localKey(item.id), kind: 'item', item, done }];
  }
  const acting = state.streaming && isActionItem(item);
  if (acting) {
    // A stored line saying what the progress update said ("Handed off to …") replaces it.
    const title = actionTitle(item);
    if (title) entries = entries.filter((e) => !(e.kind === 'progress' && e.text === title));
  }
  return {
    ...state,
    entries,
    lastUserItemId,
    hadActions: state.hadActions || acting,
    actionItemsThisTurn: state.actionItemsThisTurn || acting,
  };
}

function actionTitle(item: ThreadItem): string | null {
  const task = (item as { task?: { title?: unknown } }).task;
  return task && typeof task.title === 'string' ? task.title : null;
}

export function applyEvent(state: ConversationState, event: ThreadStreamEvent): ConversationState {
  switch (event.type) {
    case 'thread.created':
    case 'thread.updated':
      return { ...state, threadId: event.thread.id, title: event.thread.title ?? state.title };
    case 'thread.item.added':
      return upsertItem(state, event.item, false);
    case 'thread.item.done':
    case 'thread.item.replaced':
      return upsertItem(state, event.item, true);
    case 'thread.item.updated': {
      const idx = lastIndexOfItem(state.entries, event.item_id);
      const isAction = event.update.type.startsWith('workflow.');
      if (idx < 0) return isAction ? { ...state, hadActions: true } : state;
      const entries = state.entries.map((e, i) => (i === idx && e.kind === 'item' ? { ...e, item: applyUpdate(e.item, event.update) } : e));
      return { ...state, entries, hadActions: state.hadActions || isAction };
    }
    case 'thread.item.removed':
      return { ...state, entries: state.entries.filter((e) => !(e.kind === 'item' && e.item.id === event.item_id)) };
    case 'progress_update':
      return {
        ...state,
        entries: [...state.entries, { key: localKey('progress'), kind: 'progress', text: event.text, icon: event.icon }],
        activity: event.text,
        hadActions: true,
      };
    case 'notice':
      return {
        ...state,
        entries: [...state.entries, { key: localKey('notice'), kind: 'notice', level: event.level, message: event.message, title: event.title }],
      };
    case 'error':
      return {
        ...state,
        error: { message: event.message || DEFAULT_ERROR, allowRetry: event.allow_retry ?? true },
      };
    case 'stream_options':
      return { ...state, allowCancel: event.stream_options?.allow_cancel ?? true };
    default:
      return state;
  }
}

export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case 'reset':
      return initialConversation(action.threadId ?? null);
    case 'load':
      return {
        ...initialConversation(action.threadId),
        title: action.title,
        entries: action.items.filter(isVisibleItem).map((item) => ({ key: localKey(item.id), kind: 'item' as const, item, done: true })),
        lastUserItemId: [...action.items].reverse().find((i) => i.type === 'user_message')?.id ?? null,
      };
    case 'send': {
      const pending: Entry = {
        key: action.key,
        kind: 'item',
        pending: true,
        done: false,
        item: {
          id: action.key,
          thread_id: state.threadId ?? '',
          created_at: new Date().toISOString(),
          type: 'user_message',
          content: [{ type: 'input_text', text: action.text }],
        },
      };
      return {
        ...state,
        entries: [...withoutPendingUser(state.entries), pending],
        streaming: true,
        error: null,
        activity: null,
        hadActions: false,
        actionItemsThisTurn: false,
      };
    }
    case 'retry':
      return { ...state, streaming: true, error: null, activity: null, hadActions: false, actionItemsThisTurn: false };
    case 'event':
      return applyEvent(state, action.event);
    case 'finish':
      return {
        ...state,
        streaming: false,
        activity: null,
        // Anything left open (a stopped answer) is what it is now; progress lines go when stored
        // action items tell the same story.
        entries: state.entries
          .filter((e) => !(state.actionItemsThisTurn && e.kind === 'progress'))
          .map((e) => (e.kind === 'item' && !e.done && !e.pending ? { ...e, done: true } : e)),
      };
    case 'fail':
      return { ...state, streaming: false, activity: null, error: action.error };
    default:
      return state;
  }
}
