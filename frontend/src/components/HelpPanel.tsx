// "Ask for help" and "Plan it" on one task: the specialist's answer streams in; earlier help is listed.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { getSpecialists, streamHelp, type HelpEvent, type Specialist } from '../api/help';
import { ApiError, messageOf, rateLimitMessage } from '../api/http';
import { getHelpHistory } from '../api/tasks';
import type { HelpHistoryItem } from '../api/types';
import { formatWhen } from '../lib/dates';
import { Markdown } from '../lib/markdown';

interface ToolCall {
  name: string;
  arguments: unknown;
  result: unknown;
}

interface RunState {
  kind: 'help' | 'schedule';
  query: string;
  /** The specialist asked directly ('' : triage chose). */
  askedSpecialist: string;
  agents: string[];
  /** Agent id → display name, from the `agent` events. */
  names: Record<string, string>;
  text: string;
  tools: ToolCall[];
  specialist: string | null;
  running: boolean;
  error: string | null;
}

function short(value: unknown, max = 160): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else {
    try {
      s = JSON.stringify(value);
    } catch {
      s = String(value);
    }
  }
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

// Agent ids (architecture.md) to the names the agents go by; history items carry the id.
const AGENT_NAMES: Record<string, string> = {
  triage: 'Triage Agent',
  scheduler: 'Scheduler Agent',
  breakdown: 'Breakdown Agent',
  blocker: 'Blocker Agent',
  task_manager: 'Task Manager',
};

export function agentName(agent: string | null | undefined): string {
  if (!agent) return 'Assistant';
  if (AGENT_NAMES[agent]) return AGENT_NAMES[agent];
  if (/\s/.test(agent)) return agent; // already a name
  return agent.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) + (/agent$/i.test(agent) ? '' : ' Agent');
}

export function reduceHelp(state: RunState, ev: HelpEvent): RunState {
  switch (ev.type) {
    case 'agent':
      return { ...state, agents: [...state.agents, ev.name || ev.id], names: ev.id ? { ...state.names, [ev.id]: ev.name || ev.id } : state.names };
    case 'delta':
      return { ...state, text: state.text + (ev.text ?? '') };
    case 'tool':
      return { ...state, tools: [...state.tools, { name: ev.name, arguments: ev.arguments, result: ev.result }] };
    case 'done':
      return {
        ...state,
        specialist: (ev.specialist && (state.names[ev.specialist] ?? agentName(ev.specialist))) || state.agents[state.agents.length - 1] || null,
        running: false,
      };
    case 'error':
      return { ...state, error: ev.message || 'The assistant could not answer.', running: false };
    default:
      return state;
  }
}

export interface HelpPanelProps {
  taskId: number;
  tz: string;
  /** A specialist may change the task (due date, subtasks): reload it. */
  onTaskChanged?: () => void;
}

export function HelpPanel({ taskId, tz, onTaskChanged }: HelpPanelProps) {
  const uid = useId();
  const [history, setHistory] = useState<HelpHistoryItem[]>([]);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [run, setRun] = useState<RunState | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  // The configured specialists, offered by name; '' lets triage choose.
  const [specialists, setSpecialists] = useState<Specialist[]>([]);
  const [chosen, setChosen] = useState('');

  useEffect(() => {
    let live = true;
    void getSpecialists().then((found) => {
      if (live) setSpecialists(found);
    });
    return () => {
      live = false;
    };
  }, []);

  const loadHistory = useCallback(async () => {
    try {
      const h = await getHelpHistory(taskId);
      setHistory(h.items ?? []);
      setHistoryError(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setHistory([]);
      else setHistoryError(messageOf(err));
    }
  }, [taskId]);

  useEffect(() => {
    void loadHistory();
    return () => abortRef.current?.abort();
  }, [loadHistory]);

  // A new answer opens where the person is looking: its box scrolls into view as it starts.
  const runRef = useRef<HTMLDivElement>(null);
  const [runNo, setRunNo] = useState(0);
  useEffect(() => {
    if (runNo > 0) runRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [runNo]);

  const start = async (kind: 'help' | 'schedule', text: string, specialist = '') => {
    if (kind === 'help' && !text.trim()) {
      setFormError('Say what you need help with.');
      return;
    }
    setFormError(null);
    abortRef.current?.abort();
    // The answer shown so far is stored by now: it moves into the history.
    if (run) void loadHistory();
    const ctrl = new AbortController();
    abortRef.current = ctrl;
    let state: RunState = { kind, query: text, askedSpecialist: specialist, agents: [], names: {}, text: '', tools: [], specialist: null, running: true, error: null };
    setRun(state);
    setRunNo((n) => n + 1);
    try {
      for await (const ev of streamHelp(taskId, kind, text, ctrl.signal, specialist)) {
        state = reduceHelp(state, ev);
        setRun(state);
      }
      if (state.running) {
        state = { ...state, running: false, specialist: state.specialist ?? state.agents[state.agents.length - 1] ?? null };
        setRun(state);
      }
      if (!state.error) setQuery('');
    } catch (err) {
      const message =
        err instanceof ApiError && err.status === 429
          ? rateLimitMessage(err.retryAfter)
          : err instanceof ApiError && err.status === 404
            ? 'This task no longer exists.'
            : messageOf(err);
      state = { ...state, running: false, error: message };
      setRun(state);
    } finally {
      if (abortRef.current === ctrl) abortRef.current = null;
      if (state.tools.length) onTaskChanged?.();
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void start('help', query, chosen);
  };

  const latestSpecialist = run ? run.specialist ?? (run.agents.length > 1 ? run.agents[run.agents.length - 1] : null) : null;

  return (
    <section className="help" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Help from the assistant</h2>
      {historyError && <p className="form-error">{historyError}</p>}
      {history.length > 0 && (
        <ol className="help-history" aria-label="Earlier help on this task">
          {history.map((item) => (
            <li key={item.id} className={`help-item help-${item.role}`}>
              <div className="help-who">
                {item.role === 'user' ? 'You' : (specialists.find((s) => s.id === item.agent)?.name ?? agentName(item.agent))}
                <span className="muted"> · {formatWhen(item.created_at, tz)}</span>
              </div>
              {item.role === 'assistant' ? <Markdown text={item.text} /> : <p className="plain">{item.text}</p>}
            </li>
          ))}
        </ol>
      )}
      {run && (
        <div className="help-run" ref={runRef} aria-live="polite" aria-busy={run.running}>
          {run.query && <p className="help-query plain">You: {run.query}</p>}
          {run.agents.length > 0 && (
            <p className="help-agents">
              {run.agents.map((a, i) => (
                <span key={i}>
                  {i > 0 && ' → '}
                  <span className="agent-name">{a}</span>
                </span>
              ))}
            </p>
          )}
          {latestSpecialist && (
            <p className="help-specialist">
              Answered by <strong>{latestSpecialist}</strong>
            </p>
          )}
          {run.tools.map((t, i) => (
            <details key={i} className="activity tool-call">
              <summary>
                <span aria-hidden="true">⚙ </span>
                {t.name.replace(/_/g, ' ')}
              </summary>
              <pre className="plain">
                {short(t.arguments, 2000)}
                {'\n→ '}
                {short(t.result, 2000)}
              </pre>
            </details>
          ))}
          {run.text ? <Markdown text={run.text} className="help-answer" /> : run.running ? <p className="muted">Thinking…</p> : null}
          {run.running && (
            <button type="button" className="btn btn-small" onClick={() => abortRef.current?.abort()}>
              Stop
            </button>
          )}
          {run.error && (
            <div role="alert" className="banner banner-error">
              {run.error}{' '}
              <button type="button" className="btn btn-small" onClick={() => void start(run.kind, run.query, run.askedSpecialist)}>
                Retry
              </button>
            </div>
          )}
        </div>
      )}
      <form className="help-form" onSubmit={onSubmit}>
        <label htmlFor={`${uid}-q`}>What do you need?</label>
        <textarea
          id={`${uid}-q`}
          rows={2}
          maxLength={2000}
          value={query}
          placeholder="e.g. I'm stuck waiting on the finance team"
          onChange={(e) => setQuery(e.target.value)}
          aria-describedby={formError ? `${uid}-err` : undefined}
        />
        {formError && (
          <span className="field-error" id={`${uid}-err`} role="alert">
            {formError}
          </span>
        )}
        {specialists.length > 0 && (
          <>
            <label htmlFor={`${uid}-s`}>Who answers</label>
            <select
              id={`${uid}-s`}
              value={chosen}
              onChange={(e) => setChosen(e.target.value)}
              aria-describedby={chosen ? `${uid}-sd` : undefined}
            >
              <option value="">Let triage choose</option>
              {specialists.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            {chosen && (
              <span className="muted help-specialist-description" id={`${uid}-sd`}>
                {specialists.find((s) => s.id === chosen)?.description}
              </span>
            )}
          </>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={run?.running}>
            Ask for help
          </button>
          <button type="button" className="btn" disabled={run?.running} onClick={() => void start('schedule', query)}>
            Plan it
          </button>
        </div>
      </form>
    </section>
  );
}

export type { RunState };
