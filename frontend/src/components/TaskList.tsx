// The task list: filters, quick add, inline edit, complete, delete with undo, subtasks under parents.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, messageOf } from '../api/http';
import { createTask, deleteTask, fetchTaskPage, taskListUrl, updateTask, type TaskQuery } from '../api/tasks';
import { PRIORITIES, STATUSES, type Task } from '../api/types';
import { dueRange, formatWhen, formatMinutes, isOverdue, type DueFilter } from '../lib/dates';
import { Link } from '../lib/router';
import { TaskEditor } from './TaskEditor';

export interface TaskFilters {
  status: string;
  priority: string;
  due: DueFilter;
  q: string;
  sort: string;
}

export const EMPTY_FILTERS: TaskFilters = { status: '', priority: '', due: '', q: '', sort: '-created_at' };

// The API's sort keys (a field, `-` first for descending; undated tasks sort last).
export const SORTS: { value: string; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'due_date', label: 'Due soonest' },
  { value: '-priority', label: 'Priority' },
  { value: '-updated_at', label: 'Recently changed' },
  { value: 'title', label: 'Title' },
];

export const PAGE_SIZE = 50;
export const UNDO_MS = 6000;

/** The GET /tasks query for a set of filters, with due ranges computed in the user's zone. */
export function buildTaskQuery(filters: TaskFilters, now: number, tz: string): TaskQuery {
  const query: TaskQuery = { limit: PAGE_SIZE };
  if (filters.status) query.status = filters.status;
  if (filters.priority) query.priority = filters.priority;
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.sort) query.sort = filters.sort;
  Object.assign(query, dueRange(filters.due, now, tz));
  return query;
}

/** What the API cannot filter: tasks with no due date, and overdue meaning "not done". */
export function clientFilter(tasks: Task[], filters: TaskFilters, now: number): Task[] {
  if (filters.due === 'none') return tasks.filter((t) => !t.due_date);
  if (filters.due === 'overdue') return tasks.filter((t) => isOverdue(t, now));
  return tasks;
}

interface TreeNode {
  task: Task;
  children: TreeNode[];
}

/** Subtasks under their parents when the parent is in the list; orphans stay at the top level. */
export function buildTree(tasks: Task[]): TreeNode[] {
  const nodes = new Map<number, TreeNode>();
  for (const t of tasks) nodes.set(t.id, { task: t, children: [] });
  const roots: TreeNode[] = [];
  for (const t of tasks) {
    const node = nodes.get(t.id)!;
    const parent = t.parent_id != null ? nodes.get(t.parent_id) : undefined;
    // Guard against cycles: only attach when the parent is not a descendant.
    let ok = !!parent && parent !== node;
    for (let p = parent, depth = 0; ok && p && depth < 100; depth++) {
      if (p.task.parent_id === t.id) ok = false;
      p = p.task.parent_id != null ? nodes.get(p.task.parent_id) : undefined;
    }
    if (parent && ok) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

const PRIORITY_LABEL = Object.fromEntries(PRIORITIES.map((p) => [p.value, p.label]));
const STATUS_LABEL = Object.fromEntries(STATUSES.map((s) => [s.value, s.label]));

interface PendingDelete {
  task: Task;
  timer: ReturnType<typeof setTimeout>;
}

export interface TaskListProps {
  tz: string;
  /** Changes when something else (the chat) may have changed tasks: the list refetches. */
  refreshKey?: number;
}

export function TaskList({ tz, refreshKey = 0 }: TaskListProps) {
  const uid = useId();
  const [filters, setFilters] = useState<TaskFilters>(EMPTY_FILTERS);
  const [q, setQ] = useState('');
  const [tasks, setTasks] = useState<Task[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [pending, setPending] = useState<Map<number, PendingDelete>>(new Map());
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const [toast, setToast] = useState<{ text: string; undoId?: number } | null>(null);
  const [newTitle, setNewTitle] = useState('');
  const [addError, setAddError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const requestSeq = useRef(0);

  // Debounce the text search.
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === q ? f : { ...f, q })), 300);
    return () => clearTimeout(t);
  }, [q]);

  const load = useCallback(async () => {
    const seq = ++requestSeq.current;
    const at = Date.now();
    setNow(at);
    try {
      const page = await fetchTaskPage(taskListUrl(buildTaskQuery(filters, at, tz)));
      if (seq !== requestSeq.current) return;
      setTasks(page.tasks);
      setNext(page.next);
      setLoadError(null);
    } catch (err) {
      if (seq !== requestSeq.current) return;
      setLoadError(messageOf(err));
    } finally {
      if (seq === requestSeq.current) setLoading(false);
    }
  }, [filters, tz]);

  useEffect(() => {
    setLoading(true);
    void load();
  }, [load, refreshKey]);

  useEffect(() => {
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [load]);

  const loadMore = async () => {
    if (!next) return;
    const seq = requestSeq.current;
    try {
      const page = await fetchTaskPage(next);
      if (seq !== requestSeq.current) return;
      setTasks((prev) => {
        const seen = new Set(prev.map((t) => t.id));
        return [...prev, ...page.tasks.filter((t) => !seen.has(t.id))];
      });
      setNext(page.next);
    } catch (err) {
      setToast({ text: messageOf(err) });
    }
  };

  // Deletes wait for the undo window; leaving the page sends them at once.
  const commitDelete = useCallback(async (id: number, keepalive = false) => {
    const entry = pendingRef.current.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    setPending((m) => {
      const copy = new Map(m);
      copy.delete(id);
      return copy;
    });
    setToast((t) => (t?.undoId === id ? null : t));
    try {
      await deleteTask(id, keepalive);
      setTasks((prev) => prev.filter((t) => t.id !== id && t.parent_id !== id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setTasks((prev) => prev.filter((t) => t.id !== id));
        return;
      }
      setToast({ text: `Could not delete “${entry.task.title}”: ${messageOf(err)}` });
    }
  }, []);

  useEffect(() => {
    const flush = () => {
      for (const id of pendingRef.current.keys()) void commitDelete(id, true);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [commitDelete]);

  const requestDelete = (task: Task) => {
    if (editing === task.id) setEditing(null);
    const timer = setTimeout(() => void commitDelete(task.id), UNDO_MS);
    setPending((m) => new Map(m).set(task.id, { task, timer }));
    setToast({ text: `Deleted “${task.title}”.`, undoId: task.id });
  };

  const undoDelete = (id: number) => {
    const entry = pendingRef.current.get(id);
    if (entry) clearTimeout(entry.timer);
    setPending((m) => {
      const copy = new Map(m);
      copy.delete(id);
      return copy;
    });
    setToast(null);
  };

  // Back to the row's Edit button, so keyboard users keep their place.
  const closeEditor = (id: number) => {
    setEditing(null);
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-task-id="${id}"] > .task-line .task-actions button`)?.focus(), 0);
  };

  const replaceTask = (task: Task) => setTasks((prev) => prev.map((t) => (t.id === task.id ? task : t)));

  const toggleComplete = async (task: Task) => {
    const status = task.status === 'completed' ? 'pending' : 'completed';
    replaceTask({ ...task, status });
    try {
      const saved = await updateTask(task.id, { status });
      replaceTask(saved.task);
    } catch (err) {
      replaceTask(task);
      setToast({ text: `Could not update “${task.title}”: ${messageOf(err)}` });
    }
  };

  const addTask = async (e: FormEvent) => {
    e.preventDefault();
    const title = newTitle.trim();
    if (!title) {
      setAddError('Type a title first');
      return;
    }
    setAdding(true);
    setAddError(null);
    try {
      const task = await createTask({ title });
      setNewTitle('');
      setTasks((prev) => [task, ...prev.filter((t) => t.id !== task.id)]);
    } catch (err) {
      setAddError(err instanceof ApiError && err.fieldErrors.title ? err.fieldErrors.title : messageOf(err));
    } finally {
      setAdding(false);
    }
  };

  const visible = useMemo(() => clientFilter(tasks.filter((t) => !pending.has(t.id)), filters, now), [tasks, pending, filters, now]);
  const tree = useMemo(() => buildTree(visible), [visible]);
  const idsShown = useMemo(() => new Set(visible.map((t) => t.id)), [visible]);
  const filtered = filters.status || filters.priority || filters.due || filters.q;

  const renderNode = (node: TreeNode) => {
    const t = node.task;
    const overdue = isOverdue(t, now);
    const classes = ['task', overdue ? 'is-overdue' : '', t.status === 'completed' ? 'is-done' : '', `prio-${t.priority}`].filter(Boolean).join(' ');
    return (
      <li key={t.id} className={classes} data-task-id={t.id}>
        <div className="task-line">
          <input
            type="checkbox"
            className="task-check"
            checked={t.status === 'completed'}
            onChange={() => void toggleComplete(t)}
            aria-label={`${t.status === 'completed' ? 'Mark not done' : 'Complete'}: ${t.title}`}
          />
          <div className="task-body">
            <Link to={`/app/tasks/${t.id}`} className="task-title">
              {t.title}
            </Link>
            <div className="task-meta">
              <span className="muted">#{t.id}</span>
              {t.priority !== 'normal' && <span className={`badge badge-${t.priority}`}>{PRIORITY_LABEL[t.priority] ?? t.priority}</span>}
              {t.status === 'in_progress' && <span className="badge badge-progress">{STATUS_LABEL[t.status]}</span>}
              {t.due_date && (
                <span className={overdue ? 'due due-overdue' : 'due'}>
                  Due <time dateTime={t.due_date}>{formatWhen(t.due_date, tz)}</time>
                </span>
              )}
              {overdue && <span className="badge badge-overdue">Overdue</span>}
              {t.estimate_minutes != null && <span className="muted">~{formatMinutes(t.estimate_minutes)}</span>}
              {(t.tags ?? []).map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
              {t.parent_id != null && !idsShown.has(t.parent_id) && <span className="muted">subtask of #{t.parent_id}</span>}
            </div>
          </div>
          <div className="task-actions">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setEditing(editing === t.id ? null : t.id)}
              aria-expanded={editing === t.id}
              aria-label={`Edit: ${t.title}`}
            >
              Edit
            </button>
            <button type="button" className="btn btn-small btn-danger" onClick={() => requestDelete(t)} aria-label={`Delete: ${t.title}`}>
              Delete
            </button>
          </div>
        </div>
        {editing === t.id && (
          <TaskEditor
            taskId={t.id}
            tz={tz}
            onSaved={(saved) => {
              replaceTask(saved);
              closeEditor(t.id);
            }}
            onCancel={() => closeEditor(t.id)}
            onMissing={() => setTasks((prev) => prev.filter((x) => x.id !== t.id))}
          />
        )}
        {node.children.length > 0 && (
          <ul className="subtasks" aria-label={`Subtasks of ${t.title}`}>
            {node.children.map(renderNode)}
          </ul>
        )}
      </li>
    );
  };

  const setFilter = <K extends keyof TaskFilters>(key: K, value: TaskFilters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const fid = (n: string) => `${uid}-${n}`;

  return (
    <section className="tasks" aria-labelledby={fid('heading')}>
      <div className="pane-head">
        <h2 id={fid('heading')}>Tasks</h2>
        <button type="button" className="btn btn-small" onClick={() => void load()} aria-label="Refresh the task list">
          Refresh
        </button>
      </div>
      <form className="quick-add" onSubmit={addTask}>
        <label htmlFor={fid('new')} className="visually-hidden">
          New task title
        </label>
        <input
          id={fid('new')}
          placeholder="Add a task…"
          value={newTitle}
          maxLength={200}
          onChange={(e) => setNewTitle(e.target.value)}
          aria-invalid={!!addError}
          aria-describedby={addError ? fid('new-error') : undefined}
        />
        <button type="submit" className="btn btn-primary" disabled={adding}>
          Add
        </button>
        {addError && (
          <span className="field-error" id={fid('new-error')} role="alert">
            {addError}
          </span>
        )}
      </form>
      <div className="filters" role="group" aria-label="Filter tasks">
        <div className="field">
          <label htmlFor={fid('status')}>Status</label>
          <select id={fid('status')} value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={fid('priority')}>Priority</label>
          <select id={fid('priority')} value={filters.priority} onChange={(e) => setFilter('priority', e.target.value)}>
            <option value="">Any</option>
            {PRIORITIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={fid('due')}>Due</label>
          <select id={fid('due')} value={filters.due} onChange={(e) => setFilter('due', e.target.value as DueFilter)}>
            <option value="">Any time</option>
            <option value="overdue">Overdue</option>
            <option value="today">Today</option>
            <option value="week">This week</option>
            <option value="none">No due date</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={fid('sort')}>Sort</label>
          <select id={fid('sort')} value={filters.sort} onChange={(e) => setFilter('sort', e.target.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor={fid('q')}>Search</label>
          <input id={fid('q')} type="search" placeholder="Words in title or description" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
      </div>
      {loadError && (
        <div role="alert" className="banner banner-error">
          {loadError}{' '}
          <button type="button" className="btn btn-small" onClick={() => void load()}>
            Retry
          </button>
        </div>
      )}
      {loading && tasks.length === 0 && !loadError ? (
        <p className="muted">Loading tasks…</p>
      ) : visible.length === 0 && !loadError ? (
        <p className="empty">{filtered ? 'No tasks match these filters.' : 'No tasks yet. Add one above, or ask the assistant.'}</p>
      ) : (
        <ul className="task-list" aria-label="Task list" aria-busy={loading}>
          {tree.map(renderNode)}
        </ul>
      )}
      {next && (
        <button type="button" className="btn load-more" onClick={() => void loadMore()}>
          Load more
        </button>
      )}
      <div className="toast-area" aria-live="polite">
        {toast && (
          <div className="toast" role="status">
            <span>{toast.text}</span>
            {toast.undoId != null ? (
              <button type="button" className="btn btn-small" onClick={() => undoDelete(toast.undoId!)}>
                Undo
              </button>
            ) : (
              <button type="button" className="btn btn-small" onClick={() => setToast(null)} aria-label="Dismiss">
                ×
              </button>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
