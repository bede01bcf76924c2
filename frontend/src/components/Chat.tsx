// The chat: a list of threads, one open conversation streaming over the ChatKit protocol, a composer.
import { useCallback, useEffect, useId, useLayoutEffect, useReducer, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, messageOf, rateLimitMessage } from '../api/http';
import { chatkit as defaultClient, type ChatKitClient } from '../chatkit/client';
import { conversationReducer, initialConversation, isActionItem, localKey } from '../chatkit/conversation';
import { assistantText, textInput, type AssistantMessageItem, type ThreadMetadata, type ThreadStreamEvent } from '../chatkit/types';
import { formatWhen } from '../lib/dates';
import { Link, navigate } from '../lib/router';
import { ChatEntry } from './ChatItems';

const SUGGESTIONS = [
  'Create a task to review the Q4 report, high priority, due Friday',
  'What is overdue?',
  'Plan my week',
];

export function threadTitle(t: { title?: string | null }): string {
  return t.title?.trim() || 'New conversation';
}

interface Turn {
  text: string;
  /** The server stored the user's message (its id), so a retry can use threads.retry_after_item. */
  userItemId: string | null;
  threadId: string | null;
}

export interface ChatProps {
  threadId: string | null;
  tz: string;
  /** The agent may have changed tasks: the list should refetch. */
  onTasksChanged?: () => void;
  client?: ChatKitClient;
}

function isActionEvent(ev: ThreadStreamEvent): boolean {
  if (ev.type === 'progress_update') return true;
  if ((ev.type === 'thread.item.added' || ev.type === 'thread.item.done') && isActionItem(ev.item)) return true;
  if (ev.type === 'thread.item.updated' && ev.update.type.startsWith('workflow.')) return true;
  return false;
}

export function Chat({ threadId, tz, onTasksChanged, client = defaultClient }: ChatProps) {
  const uid = useId();
  const [state, dispatch] = useReducer(conversationReducer, threadId, initialConversation);
  const [threads, setThreads] = useState<ThreadMetadata[]>([]);
  const [threadsAfter, setThreadsAfter] = useState<string | null>(null);
  const [threadsError, setThreadsError] = useState<string | null>(null);
  const [threadsOpen, setThreadsOpen] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loadingThread, setLoadingThread] = useState(false);
  const [draft, setDraft] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; title: string } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  // The thread this view shows; undefined until the first sync with the URL.
  const activeThread = useRef<string | null | undefined>(undefined);
  const abortRef = useRef<AbortController | null>(null);
  const turnRef = useRef<Turn | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const onTasksChangedRef = useRef(onTasksChanged);
  onTasksChangedRef.current = onTasksChanged;

  // ---------- threads ----------
  const loadThreads = useCallback(async () => {
    try {
      const page = await client.listThreads({ limit: 30 });
      setThreads(page.data ?? []);
      setThreadsAfter(page.has_more ? page.after ?? null : null);
      setThreadsError(null);
    } catch (err) {
      setThreadsError(messageOf(err));
    }
  }, [client]);

  const moreThreads = async () => {
    if (!threadsAfter) return;
    try {
      const page = await client.listThreads({ limit: 30, after: threadsAfter });
      setThreads((prev) => [...prev, ...(page.data ?? []).filter((t) => !prev.some((p) => p.id === t.id))]);
      setThreadsAfter(page.has_more ? page.after ?? null : null);
    } catch (err) {
      setThreadsError(messageOf(err));
    }
  };

  useEffect(() => {
    void loadThreads();
  }, [loadThreads]);

  // ---------- the open thread follows the URL ----------
  useEffect(() => {
    // Same thread (e.g. the URL caught up with a thread we just created): nothing to load.
    if (threadId === activeThread.current) return;
    abortRef.current?.abort();
    activeThread.current = threadId;
    turnRef.current = null;
    followRef.current = true;
    setLoadError(null);
    if (!threadId) {
      dispatch({ type: 'reset' });
      return;
    }
    const ctrl = new AbortController();
    let loaded = false;
    setLoadingThread(true);
    dispatch({ type: 'reset', threadId });
    client
      .loadThread(threadId, ctrl.signal)
      .then(({ thread, items }) => {
        if (ctrl.signal.aborted) return;
        loaded = true;
        dispatch({ type: 'load', threadId: thread.id, title: thread.title ?? null, items });
      })
      .catch((err) => {
        if (ctrl.signal.aborted) return;
        setLoadError(err instanceof ApiError && (err.status === 404 || err.status === 500) ? 'This conversation could not be found.' : messageOf(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoadingThread(false);
      });
    return () => {
      ctrl.abort();
      // Interrupted before it arrived: the next run of this effect must load it again.
      if (!loaded && activeThread.current === threadId) activeThread.current = undefined;
    };
  }, [threadId, client]);

  useEffect(() => () => abortRef.current?.abort(), []);

  // Follow the newest message (a thread opens at its end, a streamed answer stays in view) unless the
  // reader has scrolled up to read something older; sending or opening a thread follows again.
  const followRef = useRef(true);
  const onMessagesScroll = () => {
    const el = listRef.current;
    if (el) followRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && followRef.current) el.scrollTop = el.scrollHeight;
  }, [state.entries, state.error, state.activity, loadingThread]);

  // ---------- running an answer ----------
  const run = async (makeStream: (signal: AbortSignal) => AsyncGenerator<ThreadStreamEvent>) => {
    abortRef.current?.abort();
    const ctrl = new AbortController();
    abortRef.current = ctrl;
    let acted = false;
    let lastPing = 0;
    try {
      for await (const ev of makeStream(ctrl.signal)) {
        dispatch({ type: 'event', event: ev });
        if (ev.type === 'thread.created') {
          activeThread.current = ev.thread.id;
          if (turnRef.current) turnRef.current.threadId = ev.thread.id;
          navigate(`/app/chat/${encodeURIComponent(ev.thread.id)}`, { replace: true });
          setThreads((prev) => [ev.thread, ...prev.filter((t) => t.id !== ev.thread.id)]);
        } else if (ev.type === 'thread.updated') {
          setThreads((prev) => prev.map((t) => (t.id === ev.thread.id ? { ...t, title: ev.thread.title } : t)));
        } else if (ev.type === 'thread.item.done' && ev.item.type === 'user_message' && turnRef.current) {
          turnRef.current.userItemId = ev.item.id;
        }
        if (isActionEvent(ev)) {
          acted = true;
          // Tools commit as they run: show the change now, at most every 700 ms.
          const t = Date.now();
          if (t - lastPing > 700) {
            lastPing = t;
            onTasksChangedRef.current?.();
          }
        }
      }
      dispatch({ type: 'finish' });
    } catch (err) {
      if (ctrl.signal.aborted || (err instanceof Error && err.name === 'AbortError')) {
        dispatch({ type: 'finish' });
      } else if (err instanceof ApiError && err.status === 429 && !/monthly quota/i.test(err.message)) {
        dispatch({ type: 'fail', error: { message: rateLimitMessage(err.retryAfter), allowRetry: true, retryAfter: err.retryAfter } });
      } else {
        dispatch({ type: 'fail', error: { message: messageOf(err), allowRetry: true } });
      }
    } finally {
      if (abortRef.current === ctrl) abortRef.current = null;
      // After every answer that did something (and after any answer, cheaply) the list catches up.
      if (acted || !ctrl.signal.aborted) onTasksChangedRef.current?.();
      void loadThreads();
    }
  };

  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || state.streaming) return;
    const current = activeThread.current ?? null;
    turnRef.current = { text: trimmed, userItemId: null, threadId: current };
    followRef.current = true;
    dispatch({ type: 'send', text: trimmed, key: localKey('pending') });
    setDraft('');
    void run((signal) => (current ? client.addUserMessage(current, textInput(trimmed), signal) : client.createThread(textInput(trimmed), signal)));
  };

  const retry = () => {
    const turn = turnRef.current;
    if (!turn || state.streaming) return;
    const tid = turn.threadId ?? activeThread.current ?? null;
    if (turn.userItemId && tid) {
      dispatch({ type: 'retry' });
      void run((signal) => client.retryAfterItem(tid, turn.userItemId!, signal));
    } else {
      dispatch({ type: 'send', text: turn.text, key: localKey('pending') });
      void run((signal) => (tid ? client.addUserMessage(tid, textInput(turn.text), signal) : client.createThread(textInput(turn.text), signal)));
    }
  };

  const stop = () => abortRef.current?.abort();

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send(draft);
  };

  const onComposerKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send(draft);
    }
  };

  const newChat = () => {
    setThreadsOpen(false);
    navigate('/app/chat');
    setTimeout(() => inputRef.current?.focus(), 0);
  };

  const saveRename = async (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    const title = renaming.title.trim();
    if (!title) return;
    try {
      await client.updateThread(renaming.id, title);
      setThreads((prev) => prev.map((t) => (t.id === renaming.id ? { ...t, title } : t)));
      setRenaming(null);
    } catch (err) {
      setThreadsError(messageOf(err));
    }
  };

  const removeThread = async (id: string) => {
    setConfirmDelete(null);
    try {
      await client.deleteThread(id);
      setThreads((prev) => prev.filter((t) => t.id !== id));
      if (activeThread.current === id) navigate('/app/chat');
    } catch (err) {
      setThreadsError(messageOf(err));
    }
  };

  const lastEntry = [...state.entries].reverse().find((e) => e.kind === 'item' && e.item.type === 'assistant_message');
  const lastAnswer = lastEntry && lastEntry.kind === 'item' ? `Assistant: ${assistantText(lastEntry.item as AssistantMessageItem)}` : '';

  const openTitle = state.threadId ? state.title ?? threads.find((t) => t.id === state.threadId)?.title ?? null : null;

  return (
    <div className={`chat${threadsOpen ? ' threads-open' : ''}`}>
      <aside className="threads" aria-label="Conversations">
        <div className="pane-head">
          <h2>Conversations</h2>
          <button type="button" className="btn btn-small btn-primary" onClick={newChat}>
            New chat
          </button>
        </div>
        {threadsError && (
          <p className="form-error" role="alert">
            {threadsError}
          </p>
        )}
        {threads.length === 0 ? (
          <p className="muted small">No conversations yet.</p>
        ) : (
          <ul className="thread-list">
            {threads.map((t) => (
              <li key={t.id} className={t.id === state.threadId ? 'is-active' : undefined}>
                {renaming?.id === t.id ? (
                  <form onSubmit={saveRename} className="rename">
                    <label htmlFor={`${uid}-rename`} className="visually-hidden">
                      Conversation title
                    </label>
                    <input
                      id={`${uid}-rename`}
                      value={renaming.title}
                      autoFocus
                      onChange={(e) => setRenaming({ id: t.id, title: e.target.value })}
                      onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
                    />
                    <button type="submit" className="btn btn-small">
                      Save
                    </button>
                  </form>
                ) : confirmDelete === t.id ? (
                  <div className="confirm" role="group" aria-label="Confirm deletion">
                    <span>Delete “{threadTitle(t)}”?</span>
                    <button type="button" className="btn btn-small btn-danger" onClick={() => void removeThread(t.id)}>
                      Delete
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setConfirmDelete(null)}>
                      Keep
                    </button>
                  </div>
                ) : (
                  <>
                    <Link
                      to={`/app/chat/${encodeURIComponent(t.id)}`}
                      className="thread-link"
                      aria-current={t.id === state.threadId ? 'page' : undefined}
                      onClick={() => setThreadsOpen(false)}
                    >
                      <span className="thread-title">{threadTitle(t)}</span>
                      <span className="muted small">{formatWhen(t.created_at, tz)}</span>
                    </Link>
                    <span className="thread-actions">
                      <button type="button" className="icon-btn" onClick={() => setRenaming({ id: t.id, title: t.title ?? '' })} aria-label={`Rename ${threadTitle(t)}`}>
                        ✎
                      </button>
                      <button type="button" className="icon-btn" onClick={() => setConfirmDelete(t.id)} aria-label={`Delete ${threadTitle(t)}`}>
                        ×
                      </button>
                    </span>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
        {threadsAfter && (
          <button type="button" className="btn btn-small load-more" onClick={() => void moreThreads()}>
            Older conversations
          </button>
        )}
      </aside>
      <section className="conversation" aria-labelledby={`${uid}-title`}>
        <div className="pane-head">
          <button
            type="button"
            className="btn btn-small threads-toggle"
            aria-expanded={threadsOpen}
            onClick={() => setThreadsOpen((o) => !o)}
          >
            Conversations
          </button>
          <h2 id={`${uid}-title`} className="conversation-title">
            {state.threadId ? threadTitle({ title: openTitle }) : 'New conversation'}
          </h2>
        </div>
        <ol className="messages" ref={listRef} onScroll={onMessagesScroll} tabIndex={0} aria-busy={state.streaming} aria-label="Messages">
          {loadingThread && <li className="muted">Loading…</li>}
          {loadError && (
            <li role="alert" className="banner banner-error">
              {loadError} <Link to="/app/chat">Start a new one</Link>
            </li>
          )}
          {!state.threadId && state.entries.length === 0 && !loadError && (
            <li className="chat-empty">
              <p>Ask the assistant to create, find, update or plan your tasks.</p>
              <div className="suggestions">
                {SUGGESTIONS.map((s) => (
                  <button
                    key={s}
                    type="button"
                    className="btn btn-small"
                    onClick={() => {
                      setDraft(s);
                      inputRef.current?.focus();
                    }}
                  >
                    {s}
                  </button>
                ))}
              </div>
            </li>
          )}
          {state.entries.map((entry) => (
            <ChatEntry key={entry.key} entry={entry} streaming={state.streaming} tz={tz} />
          ))}
          {state.streaming && state.activity && (
            <li className="chat-status muted" aria-hidden="true">
              {state.activity}…
            </li>
          )}
          {state.error && (
            <li role="alert" className="banner banner-error chat-error">
              <span>{state.error.message}</span>
              {state.error.allowRetry && (
                <button type="button" className="btn btn-small" onClick={retry} disabled={state.streaming}>
                  Retry
                </button>
              )}
            </li>
          )}
        </ol>
        {/* Screen readers hear each finished answer once, not every streamed word. */}
        <div className="visually-hidden" aria-live="polite">
          {state.streaming ? (state.activity ?? '') : lastAnswer}
        </div>
        <form className="composer" onSubmit={onSubmit}>
          <label htmlFor={`${uid}-input`} className="visually-hidden">
            Message the assistant
          </label>
          <textarea
            id={`${uid}-input`}
            ref={inputRef}
            rows={2}
            value={draft}
            placeholder="Message the assistant (Enter to send, Shift+Enter for a new line)"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onComposerKey}
          />
          {state.streaming ? (
            <button type="button" className="btn" onClick={stop} disabled={!state.allowCancel}>
              Stop
            </button>
          ) : (
            <button type="submit" className="btn btn-primary" disabled={!draft.trim()}>
              Send
            </button>
          )}
        </form>
      </section>
    </div>
  );
}
