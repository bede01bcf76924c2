// Settings: personal access tokens, the calendar feed's address, export and import.
import { apiFetch, apiJson } from './http';

export type Scope = 'tasks:read' | 'tasks:write' | 'mcp' | 'calendar';

export const SCOPES: { value: Scope; label: string }[] = [
  { value: 'tasks:read', label: 'Read tasks' },
  { value: 'tasks:write', label: 'Change tasks (and import)' },
  { value: 'mcp', label: 'MCP (AI assistants)' },
  { value: 'calendar', label: 'Read the calendar feed' },
];

export interface AccessToken {
  id: number;
  name: string;
  scopes: Scope[];
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** A new token: `token` is shown this once. */
export interface CreatedToken extends AccessToken {
  token: string;
}

export function listTokens(): Promise<AccessToken[]> {
  return apiJson<AccessToken[]>('/users/me/tokens');
}

export function createToken(name: string, scopes: Scope[], expiresInDays: number | null): Promise<CreatedToken> {
  return apiJson<CreatedToken>('/users/me/tokens', { json: { name, scopes, expires_in_days: expiresInDays } });
}

export async function revokeToken(id: number): Promise<void> {
  await apiFetch(`/users/me/tokens/${id}`, { method: 'DELETE' });
}

export async function calendarUrl(): Promise<string> {
  return (await apiJson<{ url: string }>('/users/me/calendar')).url;
}

export async function rotateCalendarUrl(): Promise<string> {
  return (await apiJson<{ url: string }>('/users/me/calendar/rotate', { method: 'POST' })).url;
}

export type ImportFormat = 'json' | 'todoist';

export interface ImportResult {
  dry_run: boolean;
  format: ImportFormat;
  created: { tasks: number; subtasks: number; completed: number };
  skipped: { conversations: number; notes: number };
  task_ids: number[] | null;
}

/** POST /users/me/import: the file as the body; a dry run stores nothing. */
export function importFile(file: Blob, format: ImportFormat, dryRun: boolean): Promise<ImportResult> {
  const params = new URLSearchParams({ format });
  if (dryRun) params.set('dry_run', 'true');
  return apiJson<ImportResult>(`/users/me/import?${params}`, {
    body: file,
    headers: { 'Content-Type': format === 'todoist' ? 'text/csv' : 'application/json' },
  });
}
