// The one place the page talks HTTP: same-origin cookies, the CSRF header on every unsafe method,
// and errors turned into something a form can show.

import type { ValidationIssue } from './types';

export type { ValidationIssue } from './types';

export const CSRF_COOKIE = 'taskagent_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const UNAUTHORIZED_EVENT = 'taskagent:unauthorized';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export class ApiError extends Error {
  readonly status: number;
  /** The server's `detail` as sent (string, list of issues, or anything). */
  readonly detail: unknown;
  /** Field name (last `loc` element) to message, from a 422. */
  readonly fieldErrors: Record<string, string>;
  /** Seconds to wait, from `Retry-After` on a 429/503. */
  readonly retryAfter: number | null;

  constructor(status: number, message: string, detail: unknown, fieldErrors: Record<string, string>, retryAfter: number | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter;
  }
}

/** `Retry-After` is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function rateLimitMessage(retryAfter: number | null, what = 'requests'): string {
  return retryAfter != null ? `Too many ${what}, try again in ${retryAfter} s` : `Too many ${what}, try again shortly`;
}

function fieldName(loc: (string | number)[]): string {
  const parts = loc.filter((p) => p !== 'body' && p !== 'query' && p !== 'path');
  const last = parts.length ? parts[parts.length - 1] : loc[loc.length - 1];
  // A problem inside a list (tags[2]) belongs to the list field.
  if (typeof last === 'number' && parts.length >= 2) return String(parts[parts.length - 2]);
  return String(last ?? '');
}

function cleanMsg(msg: string): string {
  return msg.replace(/^Value error, /, '');
}

export function errorFromBody(status: number, body: unknown, retryAfter: number | null): ApiError {
  const detail = body && typeof body === 'object' && 'detail' in body ? (body as { detail: unknown }).detail : body;
  const fieldErrors: Record<string, string> = {};
  let message: string;
  if (Array.isArray(detail)) {
    const issues = detail as ValidationIssue[];
    for (const issue of issues) {
      if (!issue || !Array.isArray(issue.loc)) continue;
      const name = fieldName(issue.loc);
      if (!fieldErrors[name]) fieldErrors[name] = cleanMsg(String(issue.msg));
    }
    message = issues.map((i) => (i && i.msg ? cleanMsg(String(i.msg)) : '')).filter(Boolean).join('; ') || 'Invalid input';
  } else if (typeof detail === 'string' && detail) {
    message = detail;
  } else if (status === 429) {
    message = rateLimitMessage(retryAfter);
  } else if (status >= 500) {
    message = 'The server had a problem; please try again.';
  } else {
    message = `Request failed (${status})`;
  }
  // A monthly quota's 429 says which limit and when it resets: keep its words.
  const quota = body !== null && typeof body === 'object' && 'resets_at' in body;
  if (status === 429 && !quota && !(typeof detail === 'string' && /try again in/i.test(detail))) {
    message = rateLimitMessage(retryAfter);
  }
  return new ApiError(status, message, detail, fieldErrors, retryAfter);
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return errorFromBody(res.status, body, parseRetryAfter(res.headers.get('Retry-After')));
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  /** A raw body (a file to upload); give its Content-Type in `headers`. */
  body?: Blob | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  keepalive?: boolean;
  /** Do not announce a 401 (sign-in and "who am I" calls expect them). */
  quiet401?: boolean;
}

/** fetch with the session cookie and CSRF header; throws ApiError on a non-2xx answer. */
export async function apiFetch(path: string, opts: RequestOptions = {}): Promise<Response> {
  const method = (opts.method ?? (opts.json !== undefined || opts.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  const res = await fetch(path, {
    method,
    headers,
    body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
    credentials: 'same-origin',
    signal: opts.signal,
    keepalive: opts.keepalive,
  });
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && !opts.quiet401 && typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    }
    throw err;
  }
  return res;
}

export async function apiJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The URL of `rel="next"` in a Link header, made same-origin (path + query). */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (!m) continue;
    if (/\brel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2])) {
      try {
        const url = new URL(m[1], typeof location !== 'undefined' ? location.origin : 'http://localhost');
        return url.pathname + url.search;
      } catch {
        return m[1];
      }
    }
  }
  return null;
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) {
    if (err.name === 'AbortError') return 'Stopped.';
    if (err.name === 'TypeError') return 'Cannot reach the server. Check your connection and try again.';
    return err.message;
  }
  return String(err);
}
