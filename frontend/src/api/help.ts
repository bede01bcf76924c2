// POST /tasks/{id}/help and /schedule answer text/event-stream with named events.
import { apiFetch, apiJson } from './http';
import { readSSE } from '../lib/sse';
import type { AgentStatus, Specialist } from './types';

export type { Specialist } from './types';

export type HelpEvent =
  | { type: 'agent'; id: string; name: string }
  | { type: 'delta'; text: string }
  | { type: 'tool'; name: string; arguments: unknown; result: unknown }
  | { type: 'done'; specialist: string | null; thread_id: string | null }
  | { type: 'error'; message: string };

const KNOWN = new Set(['agent', 'delta', 'tool', 'done', 'error']);

let specialistsOnce: Promise<Specialist[]> | null = null;

/** The configured specialists, asked once per page load (they change only when the service restarts). */
export function getSpecialists(): Promise<Specialist[]> {
  specialistsOnce ??= apiJson<AgentStatus>('/agents/status')
    .then((status) => {
      const ids = new Set(Array.isArray(status.specialists) ? status.specialists : []);
      return (status.agents ?? []).filter((agent) => ids.has(agent.id));
    })
    .catch(() => {
      specialistsOnce = null; // try again next time; meanwhile triage chooses
      return [];
    });
  return specialistsOnce;
}

/** For tests: forget the specialists asked for. */
export function resetSpecialists(): void {
  specialistsOnce = null;
}

export async function* streamHelp(
  taskId: number,
  kind: 'help' | 'schedule',
  query: string,
  signal?: AbortSignal,
  specialist?: string,
): AsyncGenerator<HelpEvent> {
  const body: Record<string, string> = kind === 'help' || query.trim() ? { query: query.trim() } : {};
  if (kind === 'help' && specialist) body.specialist = specialist;
  const res = await apiFetch(`/tasks/${taskId}/${kind}`, {
    method: 'POST',
    json: body,
    signal,
    headers: { Accept: 'text/event-stream' },
  });
  if (!res.body) return;
  for await (const msg of readSSE(res.body, signal)) {
    let data: Record<string, unknown> = {};
    try {
      data = msg.data ? (JSON.parse(msg.data) as Record<string, unknown>) : {};
    } catch {
      data = { text: msg.data };
    }
    // The event name is the SSE `event:` field; accept a `type` in the data as well.
    const name = msg.event !== 'message' ? msg.event : typeof data.type === 'string' ? data.type : typeof data.event === 'string' ? data.event : 'message';
    if (!KNOWN.has(name)) continue;
    yield { ...data, type: name } as HelpEvent;
  }
}
