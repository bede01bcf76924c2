// Settings (/app/settings): personal access tokens, the calendar feed, export and import.
// Loaded on demand (React.lazy in App.tsx): the task list and chat never pay for it.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, messageOf, type ValidationIssue } from '../api/http';
import {
  calendarUrl,
  createToken,
  importFile,
  listTokens,
  revokeToken,
  rotateCalendarUrl,
  SCOPES,
  type AccessToken,
  type CreatedToken,
  type ImportFormat,
  type ImportResult,
  type Scope,
} from '../api/settings';
import { formatWhen } from '../lib/dates';

const EXPIRIES: { value: string; label: string }[] = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: '', label: 'Never' },
];

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false); // no clipboard (http, old browser): the text is selectable in its box
    }
  };
  return (
    <button type="button" className="btn btn-small" onClick={() => void copy()} aria-label={label}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

function TokenForm({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['tasks:read']);
  const [expiry, setExpiry] = useState('90');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const ids = useId();

  const toggle = (scope: Scope) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!scopes.length) {
      setFieldErrors({ scopes: 'Choose at least one scope' });
      return;
    }
    setBusy(true);
    try {
      onCreated(await createToken(name.trim(), scopes, expiry ? Number(expiry) : null));
      setName('');
      setError(null);
      setFieldErrors({});
    } catch (err) {
      setError(messageOf(err));
      setFieldErrors(err instanceof ApiError ? err.fieldErrors : {});
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} aria-label="New access token">
      <div className="field">
        <label htmlFor={`${ids}-name`}>Name</label>
        <input
          id={`${ids}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
          placeholder="e.g. Claude Desktop"
          aria-invalid={fieldErrors.name ? true : undefined}
        />
        {fieldErrors.name && <span className="field-error">{fieldErrors.name}</span>}
      </div>
      <fieldset className="field scopes">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s.value} className="field-check">
            <input type="checkbox" checked={scopes.includes(s.value)} onChange={() => toggle(s.value)} />
            <span>
              {s.label} <code>{s.value}</code>
            </span>
          </label>
        ))}
        {fieldErrors.scopes && <span className="field-error">{fieldErrors.scopes}</span>}
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-expiry`}>Expires after</label>
        <select id={`${ids}-expiry`} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
          {EXPIRIES.map((x) => (
            <option key={x.value} value={x.value}>
              {x.label}
            </option>
          ))}
        </select>
      </div>
      {error && !Object.keys(fieldErrors).length && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create token
        </button>
      </div>
    </form>
  );
}

function TokensSection({ tz }: { tz: string }) {
  const [tokens, setTokens] = useState<AccessToken[] | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setTokens(await listTokens());
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (id: number) => {
    try {
      await revokeToken(id);
      setConfirming(null);
      if (created?.id === id) setCreated(null);
      await load();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Access tokens</h2>
      <p className="hint">
        For scripts and AI assistants (MCP): send one as <code>Authorization: Bearer …</code>. A token can do only what its scopes allow.
      </p>
      {created && (
        <div className="token-once" role="status">
          <p>
            <strong>Your new token “{created.name}”.</strong> Copy it now: it will not be shown again.
          </p>
          <div className="input-row">
            <input readOnly value={created.token} aria-label="New token" onFocus={(e) => e.target.select()} />
            <CopyButton text={created.token} label="Copy the new token" />
          </div>
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      <TokenForm
        onCreated={(token) => {
          setCreated(token);
          void load();
        }}
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {tokens && tokens.length === 0 && <p className="muted">No tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <div className="table-scroll">
          <table className="tokens">
            <caption className="visually-hidden">Your access tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td data-label="Name">
                    {t.name} <code className="muted">{t.prefix}…</code>
                  </td>
                  <td data-label="Scopes">{t.scopes.join(', ')}</td>
                  <td data-label="Created">{formatWhen(t.created_at, tz)}</td>
                  <td data-label="Last used">{t.last_used_at ? formatWhen(t.last_used_at, tz) : 'Never'}</td>
                  <td data-label="Expires">{t.expires_at ? formatWhen(t.expires_at, tz) : 'Never'}</td>
                  <td>
                    {confirming === t.id ? (
                      <span className="form-actions">
                        <button type="button" className="btn btn-small btn-danger" onClick={() => void revoke(t.id)}>
                          Revoke “{t.name}”
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => setConfirming(t.id)} aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function CalendarSection() {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState(false);

  useEffect(() => {
    calendarUrl().then(setUrl, (err: unknown) => setError(messageOf(err)));
  }, []);

  const rotate = async () => {
    try {
      setUrl(await rotateCalendarUrl());
      setRotated(true);
      setConfirming(false);
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="calendar-heading">
      <h2 id="calendar-heading">Calendar feed</h2>
      <p className="hint">
        Subscribe to this address in Google Calendar (“From URL”), Apple Calendar or Thunderbird to see your dated tasks. Anyone with the address can
        read them.
      </p>
      {url && (
        <div className="input-row">
          <input readOnly value={url} aria-label="Calendar feed address" onFocus={(e) => e.target.select()} />
          <CopyButton text={url} label="Copy the calendar address" />
        </div>
      )}
      {rotated && <p role="status">A new address is ready; the old one no longer works.</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        {confirming ? (
          <>
            <button type="button" className="btn btn-danger" onClick={() => void rotate()}>
              Make a new address (the old one stops working)
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="btn" onClick={() => setConfirming(true)} disabled={!url}>
            Regenerate address
          </button>
        )}
      </div>
    </section>
  );
}

/** Where a 422 problem is, in words: "task 3, title" for our JSON; a CSV line's message names its line. */
function describeIssue(issue: ValidationIssue): string {
  const loc = issue.loc.filter((p) => p !== 'body');
  const msg = String(issue.msg).replace(/^Value error, /, '');
  if (loc[0] === 'tasks' && typeof loc[1] === 'number') {
    const field = loc.slice(2).join('.');
    return `Task ${loc[1] + 1}${field ? `, ${field}` : ''}: ${msg}`;
  }
  if (loc[0] === 'line') return msg;
  return loc.length ? `${loc.join('.')}: ${msg}` : msg;
}

function importProblems(err: unknown): string[] {
  if (err instanceof ApiError && Array.isArray(err.detail)) return (err.detail as ValidationIssue[]).map(describeIssue);
  return [messageOf(err)];
}

function summary(result: ImportResult): string {
  const { tasks, subtasks, completed } = result.created;
  const verb = result.dry_run ? 'Would create' : 'Created';
  const parts = [`${verb} ${tasks} task${tasks === 1 ? '' : 's'}`];
  if (subtasks) parts.push(`${subtasks} of them subtasks`);
  if (completed) parts.push(`${completed} completed`);
  const skipped = [];
  if (result.skipped.conversations) skipped.push(`${result.skipped.conversations} conversations (not imported)`);
  if (result.skipped.notes) skipped.push(`${result.skipped.notes} project notes (not imported)`);
  return parts.join(', ') + '.' + (skipped.length ? ` Skipped: ${skipped.join(', ')}.` : '');
}

function DataSection({ onImported }: { onImported?: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>('json');
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setPreview(null);
    setDone(null);
    setProblems([]);
    // Our export is JSON; Todoist exports CSV.
    if (chosen) setFormat(/\.csv$/i.test(chosen.name) || chosen.type === 'text/csv' ? 'todoist' : 'json');
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setProblems([]);
    try {
      const result = await importFile(file, format, dryRun);
      if (dryRun) setPreview(result);
      else {
        setDone(result);
        setPreview(null);
        onImported?.();
      }
    } catch (err) {
      setProblems(importProblems(err));
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="data-heading">
      <h2 id="data-heading">Export and import</h2>
      <div className="form-actions">
        <a className="btn" href="/users/me/export" download="taskagent-export.json">
          Download everything (JSON)
        </a>
        <a className="btn" href="/tasks/export.csv" download="tasks.csv">
          Download tasks (CSV)
        </a>
      </div>
      <h3>Import</h3>
      <p className="hint">
        A TaskAgent JSON export, or a Todoist project exported as CSV. Preview first: nothing is stored until you confirm, and a file with any
        invalid task imports nothing.
      </p>
      <div className="settings-form">
        <div className="field">
          <label htmlFor={`${ids}-file`}>File</label>
          <input id={`${ids}-file`} type="file" accept=".json,.csv,application/json,text/csv" onChange={(e) => choose(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-format`}>Format</label>
          <select
            id={`${ids}-format`}
            value={format}
            onChange={(e) => {
              setFormat(e.target.value as ImportFormat);
              setPreview(null);
            }}
          >
            <option value="json">TaskAgent export (JSON)</option>
            <option value="todoist">Todoist (CSV)</option>
          </select>
        </div>
        <div className="form-actions">
          <button type="button" className="btn" disabled={!file || busy} onClick={() => void run(true)}>
            Preview import
          </button>
          {preview && (
            <button type="button" className="btn btn-primary" disabled={busy || preview.created.tasks === 0} onClick={() => void run(false)}>
              Import {preview.created.tasks} task{preview.created.tasks === 1 ? '' : 's'}
            </button>
          )}
        </div>
      </div>
      {preview && <p role="status">{summary(preview)} Nothing is stored yet.</p>}
      {done && <p role="status">{summary(done)}</p>}
      {problems.length > 0 && (
        <div className="form-error" role="alert">
          <p>Nothing was imported:</p>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export default function Settings({ tz, onImported }: { tz: string; onImported?: () => void }) {
  return (
    <main className="page settings">
      <h1>Settings</h1>
      <TokensSection tz={tz} />
      <CalendarSection />
      <DataSection onImported={onImported} />
    </main>
  );
}
