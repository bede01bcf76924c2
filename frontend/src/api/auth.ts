import { apiFetch, apiJson, CSRF_COOKIE, readCookie } from './http';
import type { Session, User } from './types';

export function signup(email: string, password: string): Promise<User> {
  return apiJson<User>('/users/signup', { json: { email, password }, quiet401: true });
}

export async function login(email: string, password: string): Promise<User> {
  const body = await apiJson<Session>('/auth/login', { json: { email, password }, quiet401: true });
  return body.user;
}

export async function logout(): Promise<void> {
  await apiFetch('/auth/logout', { method: 'POST', quiet401: true });
}

/** The signed-in user, or null when signed out (401). */
export async function currentUser(): Promise<User | null> {
  // The readable CSRF cookie is set and cleared with the session cookie: without it there is no session,
  // and asking would only put a 401 in the browser's console.
  if (!readCookie(CSRF_COOKIE)) return null;
  try {
    return await apiJson<User>('/users/me', { quiet401: true });
  } catch (err) {
    if (err && typeof err === 'object' && 'status' in err && (err as { status: number }).status === 401) return null;
    throw err;
  }
}

export function updateTimezone(timezone: string): Promise<User> {
  return apiJson<User>('/users/me', { method: 'PATCH', json: { timezone } });
}
