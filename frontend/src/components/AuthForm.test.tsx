import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AuthForm } from './AuthForm';
import { json, mockFetch } from '../test/helpers';

const user = { id: 1, email: 'ada@example.com', timezone: 'UTC', created_at: '2026-11-20T10:00:00Z' };

function fill(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
}

describe('AuthForm', () => {
  it('signs in with JSON credentials and same-origin cookies', async () => {
    const { calls, fn } = mockFetch(() => json({ user, csrf_token: 'c', expires_in: 3600 }));
    const onSignedIn = vi.fn();
    render(<AuthForm mode="login" onSignedIn={onSignedIn} />);
    fill('ada@example.com', 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(user));
    expect(calls[0]).toMatchObject({ url: '/auth/login', method: 'POST', body: { email: 'ada@example.com', password: 'correct horse' } });
    expect(fn.mock.calls[0][1]).toMatchObject({ credentials: 'same-origin' });
  });

  it('shows bad credentials (401)', async () => {
    mockFetch(() => json({ detail: 'Incorrect email or password' }, { status: 401 }));
    const onSignedIn = vi.fn();
    render(<AuthForm mode="login" onSignedIn={onSignedIn} />);
    fill('ada@example.com', 'wrong password');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Incorrect email or password');
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('shows the rate limit with the Retry-After seconds (429)', async () => {
    mockFetch(() => json({ detail: 'Rate limit exceeded: 5 per 1 minute' }, { status: 429, headers: { 'Retry-After': '42' } }));
    render(<AuthForm mode="login" onSignedIn={vi.fn()} />);
    fill('ada@example.com', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts, try again in 42 s');
  });

  it('signs up, signs in, and sets the browser time zone', async () => {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const { calls } = mockFetch((url) => {
      if (url === '/users/signup') return json(user, { status: 201 });
      if (url === '/auth/login') return json({ user, csrf_token: 'c', expires_in: 1 });
      return json({ ...user, timezone: tz });
    });
    const onSignedIn = vi.fn();
    render(<AuthForm mode="signup" onSignedIn={onSignedIn} />);
    fill('ada@example.com', 'longenough');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(calls.map((c) => c.url).slice(0, 2)).toEqual(['/users/signup', '/auth/login']);
    if (tz !== 'UTC') expect(calls[2]).toMatchObject({ url: '/users/me', method: 'PATCH', body: { timezone: tz } });
  });

  it('shows 409 and 422 next to the fields on sign-up', async () => {
    let n = 0;
    mockFetch(() =>
      ++n === 1
        ? json({ detail: 'This email is already registered' }, { status: 409 })
        : json({ detail: [{ loc: ['body', 'email'], msg: 'value is not a valid email address: An email address must have an @-sign.', type: 'value_error' }] }, { status: 422 }),
    );
    render(<AuthForm mode="signup" onSignedIn={vi.fn()} />);
    fill('taken@example.com', 'longenough');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(await screen.findByText(/already exists/)).toBeTruthy();
    // "Sign in instead?" is a link to the sign-in page.
    expect(screen.getByRole('link', { name: 'Sign in instead?' }).getAttribute('href')).toBe('/app/login');
    fill('ada@example..com', 'longenough');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    // The server's validator wording is replaced by a humane message.
    const err = await screen.findByText(/doesn’t look like an email address/);
    expect(screen.queryByText(/An email address must have/)).toBeNull();
    expect(screen.getByLabelText('Email').getAttribute('aria-describedby')).toBe(err.id);
    // Short passwords, bad emails and empty fields are caught before asking the server.
    fill('ada@example.com', 'short');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(await screen.findByText('Use at least 8 characters (this one has 5).')).toBeTruthy();
    fill('', '');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(await screen.findByText('Enter your email address.')).toBeTruthy();
    expect(screen.getByText('Choose a password of at least 8 characters.')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect(n).toBe(2);
  });
});

describe('AuthForm retry after a rate-limited sign-in', () => {
  it('does not sign up twice when only the sign-in was refused', async () => {
    let logins = 0;
    const { calls } = mockFetch((url) => {
      if (url === '/users/signup') return json(user, { status: 201 });
      if (url === '/auth/login') return ++logins === 1 ? json({ detail: 'slow down' }, { status: 429, headers: { 'Retry-After': '3' } }) : json({ user, csrf_token: 'c', expires_in: 1 });
      return json(user);
    });
    const onSignedIn = vi.fn();
    render(<AuthForm mode="signup" onSignedIn={onSignedIn} />);
    fill('ada@example.com', 'longenough');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts, try again in 3 s');
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(calls.filter((c) => c.url === '/users/signup')).toHaveLength(1);
  });
});
