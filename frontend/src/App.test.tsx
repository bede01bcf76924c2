import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { UNAUTHORIZED_EVENT } from './api/http';
import { empty, json, mockFetch } from './test/helpers';

const user = { id: 1, email: 'ada@example.com', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, created_at: '2026-11-20T10:00:00Z' };

describe('App', () => {
  it('sends signed-out people to the sign-in page, keeping where they were going', async () => {
    window.history.replaceState(null, '', '/app/tasks/5');
    document.cookie = 'taskagent_csrf=; max-age=0; path=/';
    const { calls } = mockFetch(() => json({ detail: 'Not authenticated' }, { status: 401 }));
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Sign in to TaskAgent' })).toBeTruthy();
    // No session cookie pair: nothing is asked, so no 401 lands in the console.
    expect(calls).toHaveLength(0);
    // The redirect's URL change happens in an effect, which may run just after the heading first shows.
    await waitFor(() => expect(window.location.pathname).toBe('/app/login'));
    expect(window.location.search).toBe('?next=%2Fapp%2Ftasks%2F5');
  });

  it('shows tasks and chat side by side when signed in; signing out and a 401 end the session', async () => {
    window.history.replaceState(null, '', '/');
    document.cookie = 'taskagent_csrf=k1; path=/';
    const { calls } = mockFetch((url, init) => {
      if (url === '/users/me') return json(user);
      if (url === '/auth/logout') return empty(204);
      if (url === '/chatkit') return json({ data: [], has_more: false });
      if (url.startsWith('/tasks')) return json([]);
      throw new Error(`${init.method} ${url}`);
    });
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeTruthy();
    // The move from / to /app happens in an effect, which may run just after the heading first shows.
    await waitFor(() => expect(window.location.pathname).toBe('/app'));
    expect(screen.getByLabelText('Message the assistant')).toBeTruthy();
    expect(screen.getByText('ada@example.com')).toBeTruthy();

    fireEvent.click(screen.getByRole('link', { name: 'Chat' }));
    await waitFor(() => expect(window.location.pathname).toBe('/app/chat'));

    act(() => {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    });
    expect(await screen.findByRole('heading', { name: 'Sign in to TaskAgent' })).toBeTruthy();
    expect(calls.some((c) => c.url === '/auth/logout')).toBe(false);
  });

  it('signs out with POST /auth/logout', async () => {
    window.history.replaceState(null, '', '/app');
    document.cookie = 'taskagent_csrf=k1; path=/';
    const { calls } = mockFetch((url) => {
      if (url === '/users/me') return json(user);
      if (url === '/auth/logout') return empty(204);
      if (url === '/chatkit') return json({ data: [], has_more: false });
      return json([]);
    });
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to TaskAgent' })).toBeTruthy();
    const out = calls.find((c) => c.url === '/auth/logout')!;
    expect(out.method).toBe('POST');
    expect(out.headers['x-csrf-token']).toBe('k1');
  });
});
