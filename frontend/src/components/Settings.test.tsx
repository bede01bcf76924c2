import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import type { AccessToken } from '../api/settings';
import { empty, json, mockFetch } from '../test/helpers';
import Settings from './Settings';

const token: AccessToken = {
  id: 7,
  name: 'cron',
  scopes: ['tasks:read'],
  prefix: 'tka_ab12',
  created_at: '2026-11-01T10:00:00Z',
  expires_at: null,
  last_used_at: null,
};
const FEED = 'http://testserver/calendar/s3cret.ics';

function settingsServer(overrides: (url: string, init: RequestInit) => Response | undefined = () => undefined) {
  let tokens: AccessToken[] = [token];
  return mockFetch((url, init) => {
    const answer = overrides(url, init);
    if (answer) return answer;
    const method = (init.method ?? 'GET').toUpperCase();
    if (url === '/users/me/tokens' && method === 'GET') return json(tokens);
    if (url === '/users/me/tokens' && method === 'POST') {
      const created = { ...token, id: 8, name: 'claude', scopes: ['mcp' as const], expires_at: '2027-01-30T10:00:00Z', token: 'tka_SECRET_once' };
      tokens = [...tokens, created];
      return json(created, { status: 201 });
    }
    if (url.startsWith('/users/me/tokens/') && method === 'DELETE') {
      tokens = tokens.filter((t) => `/users/me/tokens/${t.id}` !== url);
      return empty(204);
    }
    if (url === '/users/me/calendar') return json({ url: FEED });
    if (url === '/users/me/calendar/rotate') return json({ url: 'http://testserver/calendar/n3w.ics' });
    throw new Error(`unexpected ${method} ${url}`);
  });
}

describe('Settings', () => {
  it('creates a token, shows its secret once, lists and revokes tokens', async () => {
    document.cookie = 'taskagent_csrf=k1; path=/';
    const { calls } = settingsServer();
    render(<Settings tz="UTC" />);
    const table = await screen.findByRole('table');
    expect(within(table).getByText('cron')).toBeTruthy();
    expect(within(table).getAllByText('Never')).toHaveLength(2); // never used, never expires

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' claude ' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Read tasks/ })); // off
    fireEvent.click(screen.getByRole('checkbox', { name: /MCP/ })); // on
    fireEvent.change(screen.getByLabelText('Expires after'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));

    const secret = (await screen.findByLabelText('New token')) as HTMLInputElement;
    expect(secret.value).toBe('tka_SECRET_once');
    const post = calls.find((c) => c.method === 'POST' && c.url === '/users/me/tokens')!;
    expect(post.body).toEqual({ name: 'claude', scopes: ['mcp'], expires_in_days: 30 });
    expect(post.headers['x-csrf-token']).toBe('k1');
    await waitFor(() => expect(within(screen.getByRole('table')).getByText('claude')).toBeTruthy());

    // Dismissed, the secret is gone for good (the list never has it).
    fireEvent.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByLabelText('New token')).toBeNull();
    expect(screen.queryByText(/tka_SECRET_once/)).toBeNull();

    // Revoking asks first.
    fireEvent.click(screen.getByRole('button', { name: 'Revoke cron' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke “cron”' }));
    await waitFor(() => expect(within(screen.getByRole('table')).queryByText('cron')).toBeNull());
    expect(calls.find((c) => c.method === 'DELETE')!.url).toBe('/users/me/tokens/7');
  });

  it('shows a scope or name problem from the server next to the form', async () => {
    settingsServer((url, init) =>
      url === '/users/me/tokens' && init.method === 'POST'
        ? json({ detail: [{ loc: ['body', 'name'], msg: 'String should have at least 1 character', type: 'string_too_short' }] }, { status: 422 })
        : undefined,
    );
    render(<Settings tz="UTC" />);
    await screen.findByRole('table');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText('String should have at least 1 character')).toBeTruthy();
    expect(screen.queryByLabelText('New token')).toBeNull();
  });

  it('shows the calendar address and regenerates it after a confirmation', async () => {
    const { calls } = settingsServer();
    render(<Settings tz="UTC" />);
    const address = (await screen.findByLabelText('Calendar feed address')) as HTMLInputElement;
    expect(address.value).toBe(FEED);
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate address' }));
    expect(calls.some((c) => c.url.endsWith('/rotate'))).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: /Make a new address/ }));
    await waitFor(() => expect((screen.getByLabelText('Calendar feed address') as HTMLInputElement).value).toBe('http://testserver/calendar/n3w.ics'));
    expect(calls.find((c) => c.url.endsWith('/rotate'))!.method).toBe('POST');
    expect(screen.getByText(/the old one no longer works/)).toBeTruthy();
  });

  it('offers both downloads', async () => {
    settingsServer();
    render(<Settings tz="UTC" />);
    expect(screen.getByRole('link', { name: 'Download everything (JSON)' }).getAttribute('href')).toBe('/users/me/export');
    expect(screen.getByRole('link', { name: 'Download tasks (CSV)' }).getAttribute('href')).toBe('/tasks/export.csv');
    await screen.findByRole('table');
  });

  it('previews an import with a dry run, then imports the same file', async () => {
    const result = { format: 'todoist', created: { tasks: 9, subtasks: 3, completed: 0 }, skipped: { conversations: 0, notes: 1 } };
    const { calls } = settingsServer((url) => {
      if (url === '/users/me/import?format=todoist&dry_run=true') return json({ ...result, dry_run: true, task_ids: null });
      if (url === '/users/me/import?format=todoist') return json({ ...result, dry_run: false, task_ids: [1, 2] }, { status: 201 });
      return undefined;
    });
    let imported = 0;
    render(<Settings tz="UTC" onImported={() => (imported += 1)} />);
    const file = new File(['TYPE,CONTENT\ntask,Hello\n'], 'Groceries.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('File'), { target: { files: [file] } });
    expect((screen.getByLabelText('Format') as HTMLSelectElement).value).toBe('todoist');
    expect(screen.queryByRole('button', { name: /^Import \d/ })).toBeNull(); // preview first

    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    expect(await screen.findByText(/Would create 9 tasks, 3 of them subtasks\. Skipped: 1 project notes/)).toBeTruthy();
    const dry = calls.find((c) => c.url.includes('dry_run'))!;
    expect(dry.method).toBe('POST');
    expect(dry.body).toBe(file);
    expect(dry.headers['content-type']).toBe('text/csv');
    expect(imported).toBe(0);

    fireEvent.click(screen.getByRole('button', { name: 'Import 9 tasks' }));
    expect(await screen.findByText(/^Created 9 tasks/)).toBeTruthy();
    expect(calls.filter((c) => c.url === '/users/me/import?format=todoist')).toHaveLength(1);
    expect(imported).toBe(1);
  });

  it('lists what is wrong with a file, and imports nothing', async () => {
    settingsServer((url) =>
      url.startsWith('/users/me/import')
        ? json(
            {
              detail: [
                { loc: ['body', 'tasks', 2, 'title'], msg: 'String should have at least 1 character', type: 'string_too_short' },
                { loc: ['body', 'format'], msg: 'not a TaskAgent export', type: 'import_format' },
              ],
            },
            { status: 422 },
          )
        : undefined,
    );
    render(<Settings tz="UTC" />);
    fireEvent.change(screen.getByLabelText('File'), { target: { files: [new File(['{}'], 'export.json', { type: 'application/json' })] } });
    expect((screen.getByLabelText('Format') as HTMLSelectElement).value).toBe('json');
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    const alert = await screen.findByText('Nothing was imported:');
    expect(alert.parentElement!.textContent).toContain('Task 3, title: String should have at least 1 character');
    expect(alert.parentElement!.textContent).toContain('format: not a TaskAgent export');
    expect(screen.queryByRole('button', { name: /^Import \d/ })).toBeNull();
  });

  it('is reached from the header at /app/settings', async () => {
    document.cookie = 'taskagent_csrf=k1; path=/';
    window.history.replaceState(null, '', '/app/settings');
    settingsServer((url) => (url === '/users/me' ? json({ id: 1, email: 'ada@example.com', timezone: 'UTC', created_at: '2026-11-20T10:00:00Z' }) : undefined));
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
    expect(document.title).toBe('Settings · TaskAgent');
  });
});
