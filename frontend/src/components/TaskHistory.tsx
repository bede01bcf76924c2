// A task's trail: every change, who made it, through which way in (the page, chat, help, a script...).
import { useEffect, useState } from 'react';
import { messageOf } from '../api/http';
import { getTaskHistory } from '../api/tasks';
import type { Channel, HistoryEntry } from '../api/types';
import { formatWhen } from '../lib/dates';

const CHANNELS: Record<Channel, string> = {
  rest: 'the API',
  web: 'the web page',
  chat: 'the assistant (chat)',
  help: 'the agents (help)',
  mcp: 'an MCP client',
  system: 'TaskAgent',
};

const FIELDS: Record<string, string> = { due_date: 'due date', parent_id: 'parent task', estimate_minutes: 'estimate' };

function shown(value: unknown, field: string, tz: string): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (field === 'due_date' && typeof value === 'string') return formatWhen(value, tz);
  if (field === 'parent_id') return `#${String(value)}`;
  if (field === 'status' && typeof value === 'string') return value.replace('_', ' ');
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function Change({ field, from, to, action, tz }: { field: string; from: unknown; to: unknown; action: HistoryEntry['action']; tz: string }) {
  const name = FIELDS[field] ?? field;
  if (action === 'created') return <li>{name}: {shown(to, field, tz)}</li>;
  if (action === 'deleted') return <li>{name} was {shown(from, field, tz)}</li>;
  return (
    <li>
      {name}: <del>{shown(from, field, tz)}</del> → {shown(to, field, tz)}
    </li>
  );
}

export function TaskHistory({ taskId, tz, reloadKey = 0 }: { taskId: number; tz: string; reloadKey?: number }) {
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    getTaskHistory(taskId, ctrl.signal)
      .then((found) => {
        setEntries(found);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setError(messageOf(err));
      });
    return () => ctrl.abort();
  }, [taskId, reloadKey]);

  return (
    <section aria-labelledby="task-history-title" className="task-history">
      <h2 id="task-history-title">History</h2>
      {error && <p className="field-error">{error}</p>}
      {entries && entries.length === 0 && <p className="muted">No changes recorded yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="plain-list history-list">
          {[...entries].reverse().map((entry, index) => (
            <li key={`${entry.at}-${index}`} className="history-entry">
              <p className="small">
                <strong>{entry.action === 'created' ? 'Created' : entry.action === 'deleted' ? 'Deleted' : 'Changed'}</strong>{' '}
                by {entry.actor?.email ?? 'TaskAgent'} through {CHANNELS[entry.channel] ?? entry.channel}
                <span className="muted"> · {formatWhen(entry.at, tz)}</span>
              </p>
              <ul className="history-changes small">
                {Object.entries(entry.changes).map(([field, change]) => (
                  <Change key={field} field={field} from={change.from} to={change.to} action={entry.action} tz={tz} />
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
