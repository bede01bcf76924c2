// Sign in and sign up. The server sets the session cookie; this page never sees a token.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { login, signup, updateTimezone } from '../api/auth';
import { ApiError, messageOf, rateLimitMessage } from '../api/http';
import type { User } from '../api/types';
import { browserTimeZone } from '../lib/dates';
import { Link } from '../lib/router';

export interface AuthFormProps {
  mode: 'login' | 'signup';
  onSignedIn: (user: User) => void;
}

// What the form checks before asking the server, in plain words (the server's own messages are for APIs).
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every problem with the form at once: an empty sign-up flags both fields. */
export function checkCredentials(email: string, password: string, isSignup: boolean): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!email.trim()) problems.email = 'Enter your email address.';
  else if (!EMAIL_SHAPE.test(email.trim())) problems.email = 'That doesn’t look like an email address; it should be like name@example.com.';
  if (!password) problems.password = isSignup ? 'Choose a password of at least 8 characters.' : 'Enter your password.';
  else if (isSignup && password.length < 8) problems.password = `Use at least 8 characters (this one has ${password.length}).`;
  return problems;
}

export function AuthForm({ mode, onSignedIn }: AuthFormProps) {
  const uid = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, ReactNode>>({});
  const [busy, setBusy] = useState(false);
  // The account made on an earlier try whose sign-in failed (e.g. 429): the retry only signs in.
  const [created, setCreated] = useState<string | null>(null);
  const isSignup = mode === 'signup';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    setFieldErrors({});
    const problems = checkCredentials(email, password, isSignup);
    if (Object.keys(problems).length) {
      setFieldErrors(problems);
      document.getElementById(id(problems.email ? 'email' : 'password'))?.focus();
      return;
    }
    setBusy(true);
    try {
      if (isSignup && created !== email.trim()) {
        await signup(email.trim(), password);
        setCreated(email.trim());
      }
      let user = await login(email.trim(), password);
      if (isSignup) {
        // Natural-language dates are read in the account's zone: start with this browser's.
        const tz = browserTimeZone();
        if (tz && tz !== user.timezone) {
          try {
            user = await updateTimezone(tz);
          } catch {
            /* keep UTC; the header offers to change it */
          }
        }
      }
      onSignedIn(user);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 429) setError(rateLimitMessage(err.retryAfter, 'attempts'));
        else if (err.status === 401) setError(typeof err.detail === 'string' && err.detail ? err.detail : 'Incorrect email or password');
        else if (err.status === 409)
          setFieldErrors({
            email: (
              <>
                An account with this email already exists. <Link to="/app/login">Sign in instead?</Link>
              </>
            ),
          });
        else if (err.status === 422 && Object.keys(err.fieldErrors).length) {
          // The server's validator wording ("value is not a valid email address: ...") is not for people.
          const fe: Record<string, string> = {};
          for (const [k, v] of Object.entries(err.fieldErrors)) {
            if (k === 'email') fe.email = 'That doesn’t look like an email address; it should be like name@example.com.';
            else if (k === 'password') fe.password = /at least 8/i.test(v) ? 'Use at least 8 characters.' : v;
            else fe[k] = v;
          }
          setFieldErrors(fe);
          if (!fe.email && !fe.password) setError(err.message);
        } else setError(err.message);
      } else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const id = (n: string) => `${uid}-${n}`;
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand auth-brand">
          <span className="brand-mark" aria-hidden="true">
            ✓
          </span>
          TaskAgent
        </p>
        <h1>{isSignup ? 'Create your account' : 'Sign in to TaskAgent'}</h1>
        <p className="auth-pitch">
          Your tasks and an assistant that manages them: say “pay rent tomorrow, high priority” and it is on your list; ask what
          is overdue, plan your week, or get unstuck on a task.
        </p>
        <form onSubmit={submit} noValidate aria-describedby={error ? id('error') : undefined}>
          {error && (
            <p role="alert" className="form-error" id={id('error')}>
              {error}
            </p>
          )}
          <div className="field">
            <label htmlFor={id('email')}>Email</label>
            <input
              id={id('email')}
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={!!fieldErrors.email}
              aria-describedby={fieldErrors.email ? id('email-error') : undefined}
            />
            {fieldErrors.email && (
              <span className="field-error" id={id('email-error')} role="alert">
                {fieldErrors.email}
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor={id('password')}>Password</label>
            <input
              id={id('password')}
              type="password"
              name="password"
              autoComplete={isSignup ? 'new-password' : 'current-password'}
              required
              minLength={isSignup ? 8 : undefined}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={!!fieldErrors.password}
              aria-describedby={[fieldErrors.password ? id('password-error') : '', isSignup ? id('password-hint') : ''].filter(Boolean).join(' ') || undefined}
            />
            {isSignup && (
              <span className="hint" id={id('password-hint')}>
                At least 8 characters.
              </span>
            )}
            {fieldErrors.password && (
              <span className="field-error" id={id('password-error')} role="alert">
                {fieldErrors.password}
              </span>
            )}
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Please wait…' : isSignup ? 'Sign up' : 'Sign in'}
          </button>
        </form>
        <p className="auth-switch">
          {isSignup ? (
            <>
              Already have an account? <Link to="/app/login">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link to="/app/signup">Create an account</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
