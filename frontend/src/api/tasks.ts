import { apiFetch, apiJson, nextLink } from './http';
import type { HelpHistory, HistoryEntry, ParsedField, ParsedTask, Task, TaskCreate, TaskPatch, Usage } from './types';

export type { ParsedField, ParsedTask } from './types';

export interface TaskQuery {
  status?: string;
  priority?: string;
  tag?: string;
  parent_id?: number;
  q?: string;
  due_before?: string;
  due_after?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
}

export function taskListUrl(query: TaskQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `/tasks?${qs}` : '/tasks';
}

export interface TaskPage {
  tasks: Task[];
  next: string | null;
}

/** One page of tasks; `url` is a list URL or the `next` of an earlier page. */
export async function fetchTaskPage(url: string, signal?: AbortSignal): Promise<TaskPage> {
  const res = await apiFetch(url, { signal });
  const tasks = (await res.json()) as Task[];
  return { tasks, next: nextLink(res.headers.get('Link')) };
}

/** Every task a list URL gives, following its next pages. */
export async function fetchAllTasks(url: string, signal?: AbortSignal): Promise<Task[]> {
  const out: Task[] = [];
  for (let next: string | null = url; next; ) {
    const page = await fetchTaskPage(next, signal);
    out.push(...page.tasks);
    next = page.next;
  }
  return out;
}

/** The task and its subtasks at any depth (GET /tasks?parent_id=, one level at a time): what may not become
 * its parent, since the API refuses a cycle. */
export async function subtreeIds(id: number, signal?: AbortSignal): Promise<Set<number>> {
  const seen = new Set([id]);
  for (let level = [id]; level.length; ) {
    const children = await Promise.all(level.map((p) => fetchAllTasks(taskListUrl({ parent_id: p, limit: 200 }), signal).then((ts) => ts.filter((t) => t.parent_id === p))));
    level = children.flat().map((t) => t.id).filter((x) => !seen.has(x));
    for (const x of level) seen.add(x);
  }
  return seen;
}

export interface TaskWithEtag {
  task: Task;
  etag: string | null;
}

export async function getTask(id: number, signal?: AbortSignal): Promise<TaskWithEtag> {
  const res = await apiFetch(`/tasks/${id}`, { signal });
  const task = (await res.json()) as Task;
  return { task, etag: res.headers.get('ETag') };
}

/** Read `text` as a task; fields in `ignore` keep their words in the title. */
export function parseTask(text: string, ignore: ParsedField[], signal?: AbortSignal): Promise<ParsedTask> {
  return apiJson<ParsedTask>('/tasks/parse', { method: 'POST', json: { text, ignore }, signal });
}

export function createTask(fields: TaskCreate): Promise<Task> {
  return apiJson<Task>('/tasks', { method: 'POST', json: fields });
}

/** PATCH with If-Match when we have an ETag; 412 means someone changed it since. */
export async function updateTask(id: number, patch: TaskPatch, etag?: string | null): Promise<TaskWithEtag> {
  const headers: Record<string, string> = {};
  if (etag) headers['If-Match'] = etag;
  const res = await apiFetch(`/tasks/${id}`, { method: 'PATCH', json: patch, headers });
  const task = (await res.json()) as Task;
  return { task, etag: res.headers.get('ETag') };
}

export async function deleteTask(id: number, keepalive = false): Promise<void> {
  await apiFetch(`/tasks/${id}`, { method: 'DELETE', keepalive });
}

export function getHelpHistory(id: number, signal?: AbortSignal): Promise<HelpHistory> {
  return apiJson<HelpHistory>(`/tasks/${id}/help`, { signal });
}

/** Who changed the task, how and when, oldest first (also for a deleted task). */
export function getTaskHistory(id: number, signal?: AbortSignal): Promise<HistoryEntry[]> {
  return apiJson<HistoryEntry[]>(`/tasks/${id}/history`, { signal });
}

export function getUsage(signal?: AbortSignal): Promise<Usage> {
  return apiJson<Usage>('/users/me/usage', { signal });
}
