import { afterEach, beforeEach, vi } from 'vitest';
import type { Task } from '../api/types';

export type Handler = (url: string, init: RequestInit & { json?: unknown }) => Response | Promise<Response>;

export interface FetchCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Replace the browser's fetch with a handler; records every call (the network boundary only). */
export function mockFetch(handler: Handler) {
  const calls: FetchCall[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    let body: unknown = init.body;
    if (typeof init.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    calls.push({ url, method: (init.method ?? 'GET').toUpperCase(), headers, body });
    return handler(url, { ...init, json: body });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function json(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
}

export function empty(status = 204): Response {
  return new Response(null, { status });
}

/** A streaming body from text chunks, each delivered on its own tick (split wherever the test likes). */
export function streamOf(chunks: string[], opts: { delayMs?: number; gate?: Promise<void> } = {}): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i === 1 && opts.gate) await opts.gate;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      else await Promise.resolve();
      if (i >= chunks.length) {
        controller.close();
        return;
      }
      controller.enqueue(enc.encode(chunks[i++]));
    },
  });
}

export function sse(chunks: string[], opts: { delayMs?: number; gate?: Promise<void>; headers?: Record<string, string> } = {}): Response {
  return new Response(streamOf(chunks, opts), { status: 200, headers: { 'Content-Type': 'text/event-stream', ...opts.headers } });
}

/** ChatKit events as `data:` lines, then cut the text into pieces of `size` characters. */
export function chatkitChunks(events: unknown[], size = 17): string[] {
  const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A task as the API answers it (TaskRead), with these fields changed. */
export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 1,
    owner_id: 1,
    title: 'A task',
    description: null,
    status: 'pending',
    priority: 'normal',
    due_date: null,
    tags: [],
    parent_id: null,
    estimate_minutes: null,
    position: typeof overrides.id === 'number' ? overrides.id : 1,
    created_at: '2026-11-01T10:00:00Z',
    updated_at: '2026-11-01T10:00:00Z',
    completed_at: null,
    ...overrides,
  };
}

/** jsdom lays nothing out, so every element would count as hidden (offsetParent null); the task list's
 * keys need it shown. Call inside a describe block. */
export function showLayout() {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetParent');
  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, 'offsetParent', { configurable: true, get: () => document.body });
  });
  afterEach(() => {
    if (original) Object.defineProperty(HTMLElement.prototype, 'offsetParent', original);
  });
}
