// Settings: personal access tokens, the calendar feed's address, export and import.
import { apiFetch, apiJson } from './http';
import type { AccessToken, CalendarFeed, CreatedToken, ImportFormat, ImportResult, Scope, TokenCreate } from './types';

export type { AccessToken, CreatedToken, ImportFormat, ImportResult, Scope } from './types';

export const SCOPES: { value: Scope; label: string }[] = [
  { value: 'tasks:read', label: 'Read tasks' },
  { value: 'tasks:write', label: 'Change tasks (and import)' },
  { value: 'mcp', label: 'MCP (AI assistants)' },
  { value: 'calendar', label: 'Read the calendar feed' },
];

export function listTokens(): Promise<AccessToken[]> {
  return apiJson<AccessToken[]>('/users/me/tokens');
}

export function createToken(name: string, scopes: Scope[], expiresInDays: number | null): Promise<CreatedToken> {
  const body: TokenCreate = { name, scopes, expires_in_days: expiresInDays };
  return apiJson<CreatedToken>('/users/me/tokens', { json: body });
}

export async function revokeToken(id: number): Promise<void> {
  await apiFetch(`/users/me/tokens/${id}`, { method: 'DELETE' });
}

export async function calendarUrl(): Promise<string> {
  return (await apiJson<CalendarFeed>('/users/me/calendar')).url;
}

export async function rotateCalendarUrl(): Promise<string> {
  return (await apiJson<CalendarFeed>('/users/me/calendar/rotate', { method: 'POST' })).url;
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
