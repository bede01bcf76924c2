// The task list: filters, quick add, inline edit, complete, delete with undo, subtasks under parents,
// subtasks folded away or added from their parent's row, manual order (drag, or Alt+arrows) and bulk actions on
// selected tasks (moving them under another parent among them).
import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent } from 'react';
import { ApiError, messageOf } from '../api/http';
import { deleteTask, fetchTaskPage, getTask, taskListUrl, updateTask, type TaskQuery } from '../api/tasks';
import { PRIORITIES, STATUSES, type Task, type TaskPatch } from '../api/types';
import { describeRule, dueRange, formatWhen, formatMinutes, isOverdue, type TaskView } from '../lib/dates';
import { readFolded, writeFolded } from '../lib/folded';
import { Link } from '../lib/router';
import { QuickAdd } from './QuickAdd';
import { isShortcut } from './Shortcuts';
import { ParentPicker, parentErrorText, type ParentChoice } from './ParentPicker';
import { SubtaskAdd } from './SubtaskAdd';
import { TaskEditor } from './TaskEditor';

export interface TaskFilters {
  view: TaskView;
  status: string;
  priority: string;
  q: string;
  sort: string;
  /** Show completed tasks too (hidden by default unless the status filter asks for them). */
  done: boolean;
}

export const EMPTY_FILTERS: TaskFilters = { view: '', status: '', priority: '', q: '', sort: '-created_at', done: false };

export const VIEWS: { value: TaskView; label: string; empty: string }[] = [
  { value: '', label: 'All', empty: 'No open tasks. Add one above, or ask the assistant.' },
  { value: 'today', label: 'Today', empty: 'Nothing due today.' },
  { value: 'upcoming', label: 'Upcoming', empty: 'Nothing due in the next 7 days.' },
  { value: 'overdue', label: 'Overdue', empty: 'Nothing overdue.' },
  { value: 'none', label: 'No date', empty: 'Every task has a due date.' },
];

/** The view, filters and sort as they appear in the page's address (defaults left out). */
export function filtersToSearch(f: TaskFilters): string {
  const params = new URLSearchParams();
  if (f.view) params.set('view', f.view);
  if (f.status) params.set('status', f.status);
  if (f.priority) params.set('priority', f.priority);
  if (f.q.trim()) params.set('q', f.q.trim());
  if (f.sort !== EMPTY_FILTERS.sort) params.set('sort', f.sort);
  if (f.done) params.set('done', '1');
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** Filters from an address; unknown values fall back to the defaults. */
export function filtersFromSearch(search: string): TaskFilters {
  const params = new URLSearchParams(search);
  const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
    value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
  return {
    view: pick(params.get('view'), VIEWS.map((v) => v.value), ''),
    status: pick(params.get('status'), STATUSES.map((x) => x.value as string), ''),
    priority: pick(params.get('priority'), PRIORITIES.map((x) => x.value as string), ''),
    q: params.get('q') ?? '',
    sort: pick(params.get('sort'), SORTS.map((x) => x.value), EMPTY_FILTERS.sort),
    done: params.get('done') === '1',
  };
}

// The API's sort keys (a field, `-` first for descending; undated tasks sort last).
export const SORTS: { value: string; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'due_date', label: 'Due soonest' },
  { value: '-priority', label: 'Priority' },
  { value: '-updated_at', label: 'Recently changed' },
  { value: 'title', label: 'Title' },
  { value: 'position', label: 'Manual' },
];

/** The position that puts a task between `before` and `after` (either may be missing: an end of the list),
 * or null when the two are so close that no number lies between them. */
export function positionBetween(before: number | undefined, after: number | undefined): number | null {
  if (before === undefined && after === undefined) return 1;
  if (before === undefined) return after! - 1;
  if (after === undefined) return before + 1;
  const mid = (before + after) / 2;
  return mid > before && mid < after ? mid : null;
}

/** The manual order: by position, ties by id (as the API sorts them). */
export function byPosition(tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) => a.position - b.position || a.id - b.id);
}

export const PAGE_SIZE = 50;
export const UNDO_MS = 6000;

/** The GET /tasks query for a set of filters, with due ranges computed in the user's zone. */
export function buildTaskQuery(filters: TaskFilters, now: number, tz: string): TaskQuery {
  const query: TaskQuery = { limit: PAGE_SIZE };
  if (filters.status) query.status = filters.status;
  if (filters.priority) query.priority = filters.priority;
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.sort) query.sort = filters.sort;
  Object.assign(query, dueRange(filters.view, now, tz));
  return query;
}

/** What the API cannot filter: no due date, overdue meaning "not done", and hiding completed tasks. */
export function clientFilter(tasks: Task[], filters: TaskFilters, now: number): Task[] {
  const showDone = filters.done || filters.status === 'completed';
  return tasks.filter((t) => {
    if (filters.view === 'none' && t.due_date) return false;
    if (filters.view === 'overdue' && !isOverdue(t, now)) return false;
    return showDone || t.status !== 'completed';
  });
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
  /** Whose list: the folded parents are remembered per user. */
  userId?: number;
}

export function TaskList({ tz, refreshKey = 0, userId = 0 }: TaskListProps) {
  const uid = useId();
  const [filters, setFilters] = useState<TaskFilters>(() => filtersFromSearch(window.location.search));
  const [q, setQ] = useState(filters.q);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [pending, setPending] = useState<Map<number, PendingDelete>>(new Map());
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  // One message at a time; `undo` reverts the action it reports, `deleteId` ties it to a pending delete.
  const [toast, setToast] = useState<{ text: string; undo?: () => void; deleteId?: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const requestSeq = useRef(0);
  const sectionRef = useRef<HTMLElement>(null);
  // On a phone the filters fold away behind a button (CSS shows them always on a wide screen).
  const [filtersOpen, setFiltersOpen] = useState(false);
  // Bulk actions: a checkbox per row while selecting.
  const [selecting, setSelecting] = useState(false);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const lastPicked = useRef<number | null>(null);
  // Said to screen readers after a move or an added subtask (the toast is kept for messages with an Undo).
  const [moveNote, setMoveNote] = useState('');
  // Parents whose subtasks are folded away (remembered in this browser), and the row adding a subtask.
  const [folded, setFolded] = useState<Set<number>>(() => readFolded(userId));
  const [addingUnder, setAddingUnder] = useState<number | null>(null);
  // Deleting a repeating task first asks: this occurrence only, or the whole series.
  const [choosingDelete, setChoosingDelete] = useState<number | null>(null);
  // Bulk "Move to…": the picker is open, and the parent chosen there (null: the top level).
  const [moving, setMoving] = useState(false);
  const [moveTarget, setMoveTarget] = useState<ParentChoice | null>(null);
  const dragged = useRef<number | null>(null);
  const [dropTarget, setDropTarget] = useState<number | null>(null);
  const manual = filters.sort === 'position';

  // ---------- focus: never lost after an action ----------
  /** The rows on screen, in order (not those inside a folded parent). */
  const rowIds = () =>
    Array.from(sectionRef.current?.querySelectorAll<HTMLElement>('li[data-task-id]') ?? [])
      .filter((el) => !el.parentElement?.closest('[hidden]'))
      .map((el) => Number(el.dataset.taskId));
  const focusRowNow = (id: number | null) => {
    const link = id == null ? null : sectionRef.current?.querySelector<HTMLElement>(`li[data-task-id="${id}"] > .task-line .task-title`);
    (link ?? document.getElementById(`${uid}-new`))?.focus();
  };
  /** After the next render: for a row that an action is about to add or remove. */
  const focusRow = (id: number | null) => setTimeout(() => focusRowNow(id), 0);
  /** The row after (else before) `id`, where focus goes when `id` leaves the list. */
  const neighbourOf = (id: number) => {
    const ids = rowIds();
    const i = ids.indexOf(id);
    return ids[i + 1] ?? ids[i - 1] ?? null;
  };
  const focusedTaskId = () => {
    const row = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('li[data-task-id]');
    return row && sectionRef.current?.contains(row) ? Number(row.dataset.taskId) : null;
  };

  // Debounce the text search.
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === q ? f : { ...f, q })), 300);
    return () => clearTimeout(t);
  }, [q]);

  // The view, filters and sort live in the address, so a reload or a shared link keeps them.
  useEffect(() => {
    const search = filtersToSearch(filters);
    if (search !== window.location.search) window.history.replaceState(window.history.state, '', window.location.pathname + search);
  }, [filters]);

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
    setToast((t) => (t?.deleteId === id ? null : t));
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

  const askDelete = (task: Task) => {
    if (!task.recurrence) return requestDelete(task);
    setChoosingDelete(task.id);
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-task-id="${task.id}"] .delete-choice button`)?.focus(), 0);
  };

  const closeDeleteChoice = (id: number) => {
    setChoosingDelete(null);
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-task-id="${id}"] > .task-line .btn-danger`)?.focus(), 0);
  };

  // "This occurrence only": the series goes on without it. Completing makes the next occurrence; the
  // skipped one is then deleted, so that nothing says it was done.
  const skipOccurrence = async (task: Task) => {
    setChoosingDelete(null);
    if (focusedTaskId() === task.id) focusRow(neighbourOf(task.id));
    const done = await setStatus(task, 'completed');
    if (!done) return;
    if (done.next_id != null) await addNext(done.next_id);
    try {
      await deleteTask(task.id);
      setTasks((prev) => prev.filter((t) => t.id !== task.id));
    } catch (err) {
      setToast({ text: `Could not remove the skipped “${task.title}”: ${messageOf(err)}` });
      return;
    }
    setToast({ text: done.next_id != null ? `Skipped this occurrence of “${task.title}”; the next one is in the list.` : `Skipped “${task.title}”: it was the last occurrence.` });
  };

  const requestDelete = (task: Task) => {
    setChoosingDelete(null);
    if (editing === task.id) setEditing(null);
    if (focusedTaskId() === task.id) focusRow(neighbourOf(task.id));
    const timer = setTimeout(() => void commitDelete(task.id), UNDO_MS);
    setPending((m) => new Map(m).set(task.id, { task, timer }));
    setToast({ text: `Deleted “${task.title}”.`, undo: () => undoDelete(task.id), deleteId: task.id });
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
    focusRow(id);
  };

  // Back to the row's Edit button, so keyboard users keep their place.
  const closeEditor = (id: number) => {
    setEditing(null);
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-task-id="${id}"] > .task-line .task-actions button`)?.focus(), 0);
  };

  const replaceTask = (task: Task) => setTasks((prev) => prev.map((t) => (t.id === task.id ? task : t)));

  const setStatus = async (task: Task, status: Task['status'], extra: Partial<Task> = {}): Promise<Task | null> => {
    replaceTask({ ...task, status });
    try {
      const saved = await updateTask(task.id, { status, ...extra });
      replaceTask(saved.task);
      return saved.task;
    } catch (err) {
      replaceTask(task);
      setToast({ text: `Could not update “${task.title}”: ${messageOf(err)}` });
      return null;
    }
  };

  // Completing a repeating task made its next occurrence: show it at once.
  const addNext = async (nextId: number) => {
    try {
      const next = (await getTask(nextId)).task;
      setTasks((prev) => (prev.some((t) => t.id === next.id) ? prev : [next, ...prev]));
    } catch {
      // The next load of the list shows it.
    }
  };

  // Undo of a repeating task's completion: the next occurrence goes, the rule comes back.
  const undoRepeat = async (task: Task, nextId: number) => {
    try {
      await deleteTask(nextId);
      setTasks((prev) => prev.filter((t) => t.id !== nextId));
    } catch (err) {
      setToast({ text: `Could not undo “${task.title}”: ${messageOf(err)}` });
      return null;
    }
    return setStatus({ ...task, status: 'completed' }, task.status, { recurrence: task.recurrence });
  };

  // A completed task leaves the list (unless completed ones are shown), with Undo for a while.
  const toggleComplete = async (task: Task) => {
    const completing = task.status !== 'completed';
    if (completing && !filters.done && filters.status !== 'completed' && focusedTaskId() === task.id) focusRow(neighbourOf(task.id));
    const saved = setStatus(task, completing ? 'completed' : 'pending');
    if (!completing) return;
    // The toast shows at once; its Undo waits for the completion to be stored before reverting it.
    const toastText = `Completed “${task.title}”.`;
    const undo = async () => {
      setToast(null);
      const done = await saved;
      if (!done) return;
      const back = done.next_id != null ? await undoRepeat(task, done.next_id) : await setStatus({ ...task, status: 'completed' }, task.status);
      if (back) focusRow(task.id);
    };
    setToast({ text: toastText, undo: () => void undo() });
    setTimeout(() => setToast((t) => (t?.text === toastText ? null : t)), UNDO_MS);
    const done = await saved;
    if (done?.next_id != null) await addNext(done.next_id);
  };

  const added = (task: Task) => setTasks((prev) => [task, ...prev.filter((t) => t.id !== task.id)]);

  // ---------- subtasks: folded away, or added from the parent's row ----------
  useEffect(() => writeFolded(userId, folded), [userId, folded]);
  const setFold = (id: number, fold: boolean) =>
    setFolded((f) => {
      if (f.has(id) === fold) return f;
      const copy = new Set(f);
      if (fold) copy.add(id);
      else copy.delete(id);
      return copy;
    });

  const subtaskAdded = (parent: Task, task: Task) => {
    setTasks((prev) => [task, ...prev.filter((t) => t.id !== task.id)]);
    setFold(parent.id, false);
    setMoveNote(`Added “${task.title}” under “${parent.title}”.`);
  };
  // Back to the row's "Add subtask" button.
  const closeSubtaskAdd = (id: number) => {
    setAddingUnder(null);
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-task-id="${id}"] > .task-line .add-subtask`)?.focus(), 0);
  };

  // ---------- manual order: a move PATCHes the moved task's position only ----------
  /** The tasks shown beside `id` (same parent in the tree), in order. */
  const siblingsOf = (id: number): Task[] => {
    const find = (nodes: TreeNode[]): TreeNode[] | null => {
      if (nodes.some((n) => n.task.id === id)) return nodes;
      for (const n of nodes) {
        const found = find(n.children);
        if (found) return found;
      }
      return null;
    };
    return (find(tree) ?? []).map((n) => n.task);
  };

  /** Put `id` at index `to` among its siblings; saved through PATCH position, focus stays on the row. */
  const moveTo = async (id: number, to: number) => {
    const siblings = siblingsOf(id);
    const from = siblings.findIndex((t) => t.id === id);
    if (from < 0 || to === from || to < 0 || to >= siblings.length) return;
    const task = siblings[from];
    const rest = siblings.filter((t) => t.id !== id);
    let changes: { task: Task; position: number }[];
    const between = positionBetween(rest[to - 1]?.position, rest[to]?.position);
    if (between !== null) {
      changes = [{ task, position: between }];
    } else {
      // No number left between the two neighbours: number the siblings again, 1, 2, 3…
      const order = [...rest.slice(0, to), task, ...rest.slice(to)];
      const base = Math.floor(order[0].position);
      changes = order.map((t, i) => ({ task: t, position: base + i })).filter((c) => c.position !== c.task.position);
    }
    const moved = new Map(changes.map((c) => [c.task.id, c.position]));
    setTasks((prev) => prev.map((t) => (moved.has(t.id) ? { ...t, position: moved.get(t.id)! } : t)));
    setMoveNote(`Moved “${task.title}” to place ${to + 1} of ${siblings.length}.`);
    focusRow(id);
    try {
      const saved = await Promise.all(changes.map((c) => updateTask(c.task.id, { position: c.position })));
      setTasks((prev) => prev.map((t) => saved.find((x) => x.task.id === t.id)?.task ?? t));
    } catch (err) {
      setTasks((prev) => prev.map((t) => changes.find((c) => c.task.id === t.id)?.task ?? t));
      setToast({ text: `Could not move “${task.title}”: ${messageOf(err)}` });
      focusRow(id);
    }
  };

  const moveBy = (id: number, step: number) => {
    const siblings = siblingsOf(id);
    return moveTo(id, siblings.findIndex((t) => t.id === id) + step);
  };

  const dropOn = (targetId: number) => {
    const id = dragged.current;
    dragged.current = null;
    setDropTarget(null);
    if (id == null || id === targetId) return;
    const siblings = siblingsOf(id);
    const to = siblings.findIndex((t) => t.id === targetId);
    // Only among siblings: changing parents is the editor's job.
    if (to >= 0) void moveTo(id, to);
  };

  // ---------- bulk actions on the selected tasks ----------
  const selectedTasks = () => visible.filter((t) => selected.has(t.id));
  /** A click picks or unpicks one task; with Shift, every row from the last one picked takes its state. */
  const toggleSelected = (id: number, range: boolean) => {
    const ids = rowIds();
    const from = lastPicked.current == null ? -1 : ids.indexOf(lastPicked.current);
    const to = ids.indexOf(id);
    lastPicked.current = id;
    setSelected((s) => {
      const copy = new Set(s);
      const on = !copy.has(id);
      const span = range && from >= 0 && to >= 0 ? ids.slice(Math.min(from, to), Math.max(from, to) + 1) : [id];
      for (const each of span) {
        if (on) copy.add(each);
        else copy.delete(each);
      }
      return copy;
    });
  };
  const endSelecting = () => {
    setSelecting(false);
    setMoving(false);
    setMoveTarget(null);
    setSelected(new Set());
    lastPicked.current = null;
    setTimeout(() => document.getElementById(`${uid}-select`)?.focus(), 0);
  };

  /** PATCH each task; on failure the ones not saved go back to what they were. One result per item. */
  const patchAll = async (items: { task: Task; patch: TaskPatch }[]) => {
    setTasks((prev) => prev.map((t) => {
      const item = items.find((i) => i.task.id === t.id);
      return item ? { ...t, ...item.patch } : t;
    }));
    const results = await Promise.allSettled(items.map((i) => updateTask(i.task.id, i.patch)));
    setTasks((prev) => prev.map((t) => {
      const index = items.findIndex((i) => i.task.id === t.id);
      if (index < 0) return t;
      const r = results[index];
      return r.status === 'fulfilled' ? r.value.task : items[index].task;
    }));
    return results;
  };

  const plural = (n: number) => `${n} ${n === 1 ? 'task' : 'tasks'}`;

  const bulkUpdate = async (patch: TaskPatch, done: string) => {
    const chosen = selectedTasks();
    if (!chosen.length) {
      setToast({ text: 'Select some tasks first.' });
      return;
    }
    endSelecting();
    const failed = (await patchAll(chosen.map((task) => ({ task, patch })))).filter((r) => r.status === 'rejected').length;
    if (failed) {
      setToast({ text: `Could not update ${plural(failed)} of ${chosen.length}.` });
      return;
    }
    const text = `${done} ${plural(chosen.length)}.`;
    const undo = () => {
      setToast(null);
      void patchAll(chosen.map((task) => ({ task: { ...task, ...patch }, patch: Object.fromEntries(Object.keys(patch).map((k) => [k, task[k as keyof Task]])) as TaskPatch })));
    };
    setToast({ text, undo });
    setTimeout(() => setToast((t) => (t?.text === text ? null : t)), UNDO_MS);
  };

  /** Each selected task under `target` (null: the top level), one PATCH each, with Undo. A task that would end
   * up inside itself, or that is the target, stays where it is and is named in the message. */
  const bulkMove = async (target: ParentChoice | null) => {
    const chosen = selectedTasks();
    if (!chosen.length) {
      setToast({ text: 'Select some tasks first.' });
      return;
    }
    const targetId = target?.id ?? null;
    const byId = new Map(tasks.map((t) => [t.id, t]));
    // The target's ancestors as far as the list knows them: moving one of them under it would be a cycle.
    const above = new Set<number>();
    for (let p = targetId; p != null && !above.has(p); p = byId.get(p)?.parent_id ?? null) above.add(p);
    const refused: string[] = [];
    const items: { task: Task; patch: TaskPatch }[] = [];
    for (const task of chosen) {
      if (task.id === targetId) refused.push(`“${task.title}” (it is the task they move under)`);
      else if (above.has(task.id)) refused.push(`“${task.title}” (it would be inside its own subtask)`);
      else if ((task.parent_id ?? null) !== targetId) items.push({ task, patch: { parent_id: targetId } });
    }
    endSelecting();
    if (targetId != null) setFold(targetId, false);
    const results = await patchAll(items);
    const moved: Task[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') moved.push(items[i].task);
      else {
        const err = r.reason as unknown;
        const why = err instanceof ApiError && err.fieldErrors.parent_id ? parentErrorText(err.fieldErrors.parent_id) : messageOf(err);
        refused.push(`“${items[i].task.title}” (${why.replace(/\.$/, '').toLowerCase()})`);
      }
    });
    const where = target ? `under “${target.title}”` : 'to the top level';
    const already = chosen.length - moved.length - refused.length;
    const text = [
      moved.length ? `Moved ${plural(moved.length)} ${where}.` : `Nothing moved ${where}.`,
      already > 0 ? `${plural(already)} already there.` : '',
      refused.length ? `Not moved: ${refused.join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    if (!moved.length) {
      setToast({ text });
      return;
    }
    const undo = () => {
      setToast(null);
      void patchAll(moved.map((task) => ({ task: { ...task, parent_id: targetId }, patch: { parent_id: task.parent_id } })));
    };
    setToast({ text, undo });
    setTimeout(() => setToast((t) => (t?.text === text ? null : t)), UNDO_MS);
  };

  const closeMove = () => {
    setMoving(false);
    setTimeout(() => document.getElementById(`${uid}-move-open`)?.focus(), 0);
  };

  const bulkDelete = () => {
    const chosen = selectedTasks();
    if (!chosen.length) {
      setToast({ text: 'Select some tasks first.' });
      return;
    }
    endSelecting();
    if (editing != null && chosen.some((t) => t.id === editing)) setEditing(null);
    // Each waits for the undo window, as a single delete does.
    const entries = chosen.map((task) => [task.id, { task, timer: setTimeout(() => void commitDelete(task.id), UNDO_MS) }] as const);
    setPending((m) => new Map([...m, ...entries]));
    const undo = () => {
      for (const task of chosen) undoDelete(task.id);
      setSelected(new Set());
    };
    setToast({ text: `Deleted ${plural(chosen.length)}.`, undo, deleteId: chosen[0].id });
  };

  // ---------- keyboard shortcuts (listed on `?`, see Shortcuts.tsx) ----------
  const keyActions = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keyActions.current = (e: KeyboardEvent) => {
    // Only while the list is on screen (on a phone the chat may be showing instead).
    if (!sectionRef.current || sectionRef.current.offsetParent === null) return;
    const inList = !!(document.activeElement && sectionRef.current.querySelector('.task-list')?.contains(document.activeElement));
    if (e.altKey && !e.ctrlKey && !e.metaKey && inList && manual && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      const el = e.target as HTMLElement | null;
      if (el?.closest?.('input, textarea, select')) return;
      const id = focusedTaskId();
      if (id == null) return;
      e.preventDefault();
      void moveBy(id, e.key === 'ArrowUp' ? -1 : 1);
      return;
    }
    // Arrows move between rows from a row's link or checkbox, never from a text box or a picker in the list.
    const typing = !!(e.target as HTMLElement | null)?.closest?.('textarea, select, input:not([type=checkbox]), [role="combobox"]');
    if (!isShortcut(e) && !(inList && !typing && !e.defaultPrevented && (e.key === 'ArrowDown' || e.key === 'ArrowUp'))) return;
    const ids = rowIds();
    const current = focusedTaskId();
    const task = tasks.find((t) => t.id === current);
    const move = (step: number) => {
      if (!ids.length) return;
      const i = current == null ? (step > 0 ? -1 : ids.length) : ids.indexOf(current);
      focusRowNow(ids[Math.min(ids.length - 1, Math.max(0, i + step))]); // the row is there: at once
    };
    const handled = (() => {
      switch (e.key) {
        case 'n':
          document.getElementById(`${uid}-new`)?.focus();
          return true;
        case '/':
          document.getElementById(`${uid}-q`)?.focus();
          return true;
        case 'j':
        case 'ArrowDown':
          if (e.key === 'ArrowDown' && !inList) return false;
          move(1);
          return true;
        case 'k':
        case 'ArrowUp':
          if (e.key === 'ArrowUp' && !inList) return false;
          move(-1);
          return true;
        case 'h':
        case 'l': {
          // h folds the task's subtasks (on a subtask: its parent's, and focus goes up to the parent); l unfolds.
          const row = current == null ? null : sectionRef.current?.querySelector(`li[data-task-id="${current}"]`);
          if (!row || current == null) return false;
          const hasSubtasks = !!row.querySelector(':scope > ul.subtasks');
          if (e.key === 'l') {
            if (hasSubtasks) setFold(current, false);
            return hasSubtasks;
          }
          if (hasSubtasks && !folded.has(current)) {
            setFold(current, true);
            return true;
          }
          const parentRow = row.parentElement?.closest<HTMLElement>('li[data-task-id]');
          if (!parentRow) return false;
          const parentId = Number(parentRow.dataset.taskId);
          setFold(parentId, true);
          focusRowNow(parentId);
          return true;
        }
        case 'x':
          if (task) void toggleComplete(task);
          return !!task;
        case 'e':
          if (task) setEditing(task.id);
          return !!task;
        case 'Delete':
        case '#':
          if (task) askDelete(task);
          return !!task;
        case 'z':
          toast?.undo?.();
          return !!toast?.undo;
        default:
          return false;
      }
    })();
    if (handled) e.preventDefault();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => keyActions.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const visible = useMemo(() => {
    const shown = clientFilter(tasks.filter((t) => !pending.has(t.id)), filters, now);
    // A move changes a position locally: keep the manual order without waiting for a reload.
    return manual ? byPosition(shown) : shown;
  }, [tasks, pending, filters, now, manual]);
  const tree = useMemo(() => buildTree(visible), [visible]);
  const idsShown = useMemo(() => new Set(visible.map((t) => t.id)), [visible]);
  const filtered = filters.status || filters.priority || filters.q;
  const view = VIEWS.find((v) => v.value === filters.view) ?? VIEWS[0];
  const hiddenDone = !filters.done && filters.status !== 'completed' ? tasks.filter((t) => t.status === 'completed' && !pending.has(t.id)).length : 0;

  const renderNode = (node: TreeNode) => {
    const t = node.task;
    const subtasks = node.children.length;
    const isFolded = subtasks > 0 && folded.has(t.id);
    const subtasksWord = `${subtasks} ${subtasks === 1 ? 'subtask' : 'subtasks'}`;
    const overdue = isOverdue(t, now);
    const classes = ['task', overdue ? 'is-overdue' : '', t.status === 'completed' ? 'is-done' : '', `prio-${t.priority}`, dropTarget === t.id ? 'is-drop-target' : '']
      .filter(Boolean)
      .join(' ');
    // In the manual order a row can be dragged onto another of the same level (its place is taken).
    const drag = manual
      ? {
          draggable: true,
          onDragStart: (e: DragEvent<HTMLLIElement>) => {
            e.stopPropagation();
            dragged.current = t.id;
            if (e.dataTransfer) {
              e.dataTransfer.effectAllowed = 'move';
              e.dataTransfer.setData('text/plain', String(t.id));
            }
          },
          onDragOver: (e: DragEvent<HTMLLIElement>) => {
            e.stopPropagation();
            if (dragged.current == null || !siblingsOf(dragged.current).some((x) => x.id === t.id)) return;
            e.preventDefault(); // allows the drop
            if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
            if (dropTarget !== t.id) setDropTarget(t.id);
          },
          onDragLeave: () => setDropTarget((d) => (d === t.id ? null : d)),
          onDrop: (e: DragEvent<HTMLLIElement>) => {
            e.preventDefault();
            e.stopPropagation();
            dropOn(t.id);
          },
          onDragEnd: () => {
            dragged.current = null;
            setDropTarget(null);
          },
        }
      : {};
    return (
      <li key={t.id} className={classes} data-task-id={t.id} {...drag}>
        <div className="task-line">
          {selecting && (
            <label className="check-hit select-hit">
              <input
                type="checkbox"
                checked={selected.has(t.id)}
                onChange={() => undefined /* handled on click, which knows about Shift */}
                onClick={(e) => toggleSelected(t.id, e.shiftKey)}
                aria-label={`Select: ${t.title}`}
              />
            </label>
          )}
          {/* The label widens the tap target to 44 px on a phone; the name comes from aria-label. */}
          <label className="check-hit">
            <input
              type="checkbox"
              className="task-check"
              checked={t.status === 'completed'}
              onChange={() => void toggleComplete(t)}
              aria-label={`${t.status === 'completed' ? 'Mark not done' : 'Complete'}: ${t.title}`}
            />
          </label>
          <div className="task-body">
            <Link to={`/app/tasks/${t.id}`} className="task-title">
              {t.title}
            </Link>
            <div className="task-meta">
              <span className="muted">#{t.id}</span>
              {subtasks > 0 && (
                <button
                  type="button"
                  className="btn btn-small fold-btn"
                  aria-expanded={!isFolded}
                  aria-controls={`${uid}-sub-${t.id}`}
                  aria-label={`${isFolded ? 'Show' : 'Hide'} ${subtasksWord} of “${t.title}”`}
                  onClick={() => setFold(t.id, !isFolded)}
                >
                  <span aria-hidden="true">{isFolded ? '▸' : '▾'}</span> {subtasksWord}
                </button>
              )}
              {t.priority !== 'normal' && <span className={`badge badge-${t.priority}`}>{PRIORITY_LABEL[t.priority] ?? t.priority}</span>}
              {t.status === 'in_progress' && <span className="badge badge-progress">{STATUS_LABEL[t.status]}</span>}
              {t.due_date && (
                <span className={overdue ? 'due due-overdue' : 'due'}>
                  Due <time dateTime={t.due_date}>{formatWhen(t.due_date, tz)}</time>
                </span>
              )}
              {overdue && <span className="badge badge-overdue">Overdue</span>}
              {t.estimate_minutes != null && <span className="muted">~{formatMinutes(t.estimate_minutes)}</span>}
              {t.recurrence && (
                <span className="muted repeats" title={t.recurrence}>
                  Repeats {describeRule(t.recurrence)}
                  {t.repeat_from === 'completion' ? ' after each completion' : ''}
                </span>
              )}
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
            <button
              type="button"
              className="btn btn-small add-subtask"
              onClick={() => (addingUnder === t.id ? closeSubtaskAdd(t.id) : setAddingUnder(t.id))}
              aria-expanded={addingUnder === t.id}
              aria-label={`Add subtask: ${t.title}`}
            >
              Add subtask
            </button>
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => askDelete(t)}
              aria-label={`Delete: ${t.title}`}
              aria-expanded={t.recurrence ? choosingDelete === t.id : undefined}
            >
              Delete
            </button>
          </div>
        </div>
        {choosingDelete === t.id && t.recurrence && (
          <div
            className="delete-choice"
            role="group"
            aria-labelledby={`${uid}-delete-${t.id}`}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                closeDeleteChoice(t.id);
              }
            }}
          >
            <p id={`${uid}-delete-${t.id}`}>
              “{t.title}” repeats {describeRule(t.recurrence)}. Delete:
            </p>
            <button type="button" className="btn btn-small" onClick={() => void skipOccurrence(t)}>
              This occurrence only
            </button>
            <button type="button" className="btn btn-small btn-danger" onClick={() => requestDelete(t)}>
              The whole series
            </button>
            <button type="button" className="btn btn-small" onClick={() => closeDeleteChoice(t.id)}>
              Cancel
            </button>
          </div>
        )}
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
        {addingUnder === t.id && <SubtaskAdd parent={t} onCreated={(task) => subtaskAdded(t, task)} onClose={() => closeSubtaskAdd(t.id)} />}
        {subtasks > 0 && (
          // Folded: still in the page (the button controls it), hidden from everyone.
          <ul className="subtasks" id={`${uid}-sub-${t.id}`} aria-label={`Subtasks of ${t.title}`} hidden={isFolded}>
            {node.children.map(renderNode)}
          </ul>
        )}
      </li>
    );
  };

  const setFilter = <K extends keyof TaskFilters>(key: K, value: TaskFilters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const fid = (n: string) => `${uid}-${n}`;

  return (
    <section className="tasks" aria-labelledby={fid('heading')} ref={sectionRef}>
      <div className="pane-head">
        <h2 id={fid('heading')}>Tasks</h2>
        <button type="button" className="btn btn-small" onClick={() => void load()} aria-label="Refresh the task list">
          Refresh
        </button>
      </div>
      <QuickAdd tz={tz} inputId={fid('new')} onCreated={added} />
      <div className="views" role="group" aria-label="View">
        {VIEWS.map((v) => (
          <button key={v.value} type="button" className="btn btn-small" aria-pressed={filters.view === v.value} onClick={() => setFilter('view', v.value)}>
            {v.label}
          </button>
        ))}
      </div>
      <button
        type="button"
        className="btn btn-small filters-toggle"
        aria-expanded={filtersOpen}
        aria-controls={fid('filters')}
        onClick={() => setFiltersOpen((o) => !o)}
      >
        Filters and sort{filtered || filters.done || filters.sort !== EMPTY_FILTERS.sort ? ' (on)' : ''}
      </button>
      <div className="filters" id={fid('filters')} data-open={filtersOpen} role="group" aria-label="Filter tasks">
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
          <label htmlFor={fid('sort')}>Sort</label>
          <select id={fid('sort')} value={filters.sort} onChange={(e) => setFilter('sort', e.target.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-check">
          <input id={fid('done')} type="checkbox" checked={filters.done} onChange={(e) => setFilter('done', e.target.checked)} />
          <label htmlFor={fid('done')}>Show completed</label>
        </div>
        <div className="field field-grow">
          <label htmlFor={fid('q')}>Search</label>
          <input id={fid('q')} type="search" placeholder="Words in title or description" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
      </div>
      <div className="list-tools">
        <button
          type="button"
          id={fid('select')}
          className="btn btn-small"
          aria-pressed={selecting}
          onClick={() => (selecting ? endSelecting() : setSelecting(true))}
        >
          {selecting ? 'Done selecting' : 'Select'}
        </button>
        {manual && <span className="muted small">Drag a task, or press Alt+↑ / Alt+↓ on it, to change its place.</span>}
      </div>
      {selecting && (
        <div className="bulk-bar" role="group" aria-label="Act on the selected tasks">
          <span aria-live="polite">{selected.size} selected</span>
          <button type="button" className="btn btn-small" onClick={() => setSelected(new Set(rowIds()))}>
            Select all
          </button>
          <button type="button" className="btn btn-small" onClick={() => void bulkUpdate({ status: 'completed' }, 'Completed')}>
            Complete
          </button>
          <label htmlFor={fid('bulk-priority')} className="visually-hidden">
            Priority for the selected tasks
          </label>
          <select
            id={fid('bulk-priority')}
            value=""
            onChange={(e) => {
              // A one-shot choice: the box goes back to its prompt.
              const priority = e.target.value as Task['priority'] | '';
              if (priority) void bulkUpdate({ priority }, `Priority ${PRIORITY_LABEL[priority]} for`);
            }}
          >
            <option value="">Set priority…</option>
            {PRIORITIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
          <button type="button" id={fid('move-open')} className="btn btn-small" aria-expanded={moving} aria-controls={fid('move')} onClick={() => setMoving((m) => !m)}>
            Move to…
          </button>
          <button type="button" className="btn btn-small btn-danger" onClick={bulkDelete}>
            Delete
          </button>
          <div
            className="bulk-move"
            id={fid('move')}
            hidden={!moving}
            onKeyDown={(e) => {
              // Esc (the picker's list already closed) closes the panel; focus goes back to "Move to…".
              if (e.key !== 'Escape') return;
              e.preventDefault();
              e.stopPropagation();
              closeMove();
            }}
          >
            {moving && (
              <>
                <ParentPicker label="Move the selected tasks under" noneLabel="Top level" value={moveTarget} onChange={setMoveTarget} autoFocus />
                <button type="button" className="btn btn-small btn-primary" onClick={() => void bulkMove(moveTarget)}>
                  Move {plural(selected.size)}
                </button>
                <button type="button" className="btn btn-small" onClick={closeMove}>
                  Cancel
                </button>
              </>
            )}
          </div>
        </div>
      )}
      <p className="visually-hidden" aria-live="polite">
        {moveNote}
      </p>
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
        <p className="empty">
          {filtered ? 'No tasks match these filters.' : tasks.length === 0 && !filters.view ? 'No tasks yet. Add one above, or ask the assistant.' : view.empty}
        </p>
      ) : (
        <ul className="task-list" aria-label="Task list" aria-busy={loading}>
          {tree.map(renderNode)}
        </ul>
      )}
      {hiddenDone > 0 && (
        <p className="muted small done-hint">
          {hiddenDone} completed {hiddenDone === 1 ? 'task is' : 'tasks are'} hidden.{' '}
          <button type="button" className="link-btn" onClick={() => setFilter('done', true)}>
            Show completed
          </button>
        </p>
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
            {toast.undo ? (
              <button type="button" className="btn btn-small" onClick={toast.undo}>
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
