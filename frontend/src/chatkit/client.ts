// Our own small ChatKit client: POST /chatkit with one JSON request; streaming requests answer SSE
// `data: {ThreadStreamEvent}` lines, the others a JSON body.
import { apiFetch } from '../api/http';
import { readSSE } from '../lib/sse';
import type {
  ItemsListReq,
  NonStreamingReq,
  Page,
  StreamingReq,
  Thread,
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageInput,
} from './types';

export const CHATKIT_URL = '/chatkit';

export class ChatKitClient {
  constructor(private readonly url: string = CHATKIT_URL) {}

  async request<T>(req: NonStreamingReq, signal?: AbortSignal): Promise<T> {
    const res = await apiFetch(this.url, { method: 'POST', json: req, signal });
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Send a streaming request and yield its events as they arrive. HTTP errors throw ApiError. */
  async *stream(req: StreamingReq, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    const res = await apiFetch(this.url, {
      method: 'POST',
      json: req,
      signal,
      headers: { Accept: 'text/event-stream' },
    });
    if (!res.body) return;
    for await (const msg of readSSE(res.body, signal)) {
      if (!msg.data) continue;
      let event: ThreadStreamEvent;
      try {
        event = JSON.parse(msg.data) as ThreadStreamEvent;
      } catch {
        continue; // not JSON: ignore rather than break the conversation
      }
      if (event && typeof event === 'object' && typeof event.type === 'string') yield event;
    }
  }

  createThread(input: UserMessageInput, signal?: AbortSignal) {
    return this.stream({ type: 'threads.create', params: { input } }, signal);
  }

  addUserMessage(threadId: string, input: UserMessageInput, signal?: AbortSignal) {
    return this.stream({ type: 'threads.add_user_message', params: { thread_id: threadId, input } }, signal);
  }

  retryAfterItem(threadId: string, itemId: string, signal?: AbortSignal) {
    return this.stream({ type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: itemId } }, signal);
  }

  listThreads(params: { limit?: number; after?: string | null; order?: 'asc' | 'desc' } = {}, signal?: AbortSignal) {
    return this.request<Page<ThreadMetadata>>(
      { type: 'threads.list', params: { limit: params.limit ?? 20, order: params.order ?? 'desc', after: params.after ?? null } },
      signal,
    );
  }

  getThread(threadId: string, signal?: AbortSignal) {
    return this.request<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } }, signal);
  }

  listItems(params: ItemsListReq['params'], signal?: AbortSignal) {
    return this.request<Page<ThreadItem>>({ type: 'items.list', params }, signal);
  }

  /** A thread with all of its items, oldest first (get_by_id returns only the first page). */
  async loadThread(threadId: string, signal?: AbortSignal): Promise<{ thread: Thread; items: ThreadItem[] }> {
    const thread = await this.getThread(threadId, signal);
    const items: ThreadItem[] = [...(thread.items?.data ?? [])];
    let page = thread.items;
    let guard = 0;
    while (page?.has_more && page.after && guard++ < 50) {
      page = await this.listItems({ thread_id: threadId, order: 'asc', after: page.after, limit: 50 }, signal);
      items.push(...page.data);
    }
    return { thread, items };
  }

  updateThread(threadId: string, title: string, signal?: AbortSignal) {
    return this.request<Thread>({ type: 'threads.update', params: { thread_id: threadId, title } }, signal);
  }

  deleteThread(threadId: string, signal?: AbortSignal) {
    return this.request<Record<string, never>>({ type: 'threads.delete', params: { thread_id: threadId } }, signal);
  }
}

export const chatkit = new ChatKitClient();
