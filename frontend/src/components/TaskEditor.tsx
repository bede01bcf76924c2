// Edit every field of one task: loads it with its ETag, saves the changed fields with If-Match.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, messageOf } from '../api/http';
import { getTask, updateTask, type TaskWithEtag } from '../api/tasks';
import { PRIORITIES, STATUSES, type Reminder, type Task, type TaskPatch } from '../api/types';
import { isoToLocalInput, localInputToIso } from '../lib/dates';
import { ParentPicker, parentErrorText, type ParentChoice } from './ParentPicker';
import { ReminderField } from './ReminderField';
import { RepeatField, repeatOf, ruleOf, type Repeat } from './RepeatField';

interface FormState {
  title: string;
  description: string;
  status: Task['status'];
  priority: Task['priority'];
  due: string;
  tags: string;
  parent: ParentChoice | null;
  estimate: string;
  reminders: Reminder[];
  repeat: Repeat;
}

function toForm(task: Task, tz: string): FormState {
  return {
    title: task.title,
    description: task.description ?? '',
    status: task.status,
    priority: task.priority,
    due: isoToLocalInput(task.due_date, tz),
    tags: (task.tags ?? []).join(', '),
    parent: task.parent_id == null ? null : { id: task.parent_id, title: '' },
    estimate: task.estimate_minutes == null ? '' : String(task.estimate_minutes),
    reminders: task.reminders ?? [],
    repeat: repeatOf(task.recurrence, task.repeat_from),
  };
}

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag && !seen.has(tag.toLowerCase())) {
      seen.add(tag.toLowerCase());
      out.push(tag);
    }
  }
  return out;
}

/** Only the fields that changed; numbers parsed, empties as null. Client-side problems in `errors`. */
export function diffForm(task: Task, form: FormState, tz: string): { patch: TaskPatch; errors: Record<string, string> } {
  const patch: TaskPatch = {};
  const errors: Record<string, string> = {};
  const title = form.title.trim();
  if (!title) errors.title = 'A title is required';
  else if (title !== task.title) patch.title = title;
  const description = form.description.trim() ? form.description : null;
  if ((description ?? null) !== (task.description ?? null)) patch.description = description;
  if (form.status !== task.status) patch.status = form.status;
  if (form.priority !== task.priority) patch.priority = form.priority;
  if (form.due !== isoToLocalInput(task.due_date, tz)) {
    if (!form.due) patch.due_date = null;
    else {
      const iso = localInputToIso(form.due, tz);
      if (!iso) errors.due_date = 'Enter a date and time';
      else patch.due_date = iso;
    }
  }
  const tags = parseTags(form.tags);
  if (JSON.stringify(tags) !== JSON.stringify(task.tags ?? [])) patch.tags = tags;
  const parent = form.parent?.id ?? null;
  if (parent === task.id) errors.parent_id = 'A task cannot be its own subtask';
  else if (parent !== (task.parent_id ?? null)) patch.parent_id = parent;
  const estimate = form.estimate.trim();
  if (estimate === '') {
    if (task.estimate_minutes != null) patch.estimate_minutes = null;
  } else if (!/^\d+$/.test(estimate)) {
    errors.estimate_minutes = 'Enter whole minutes';
  } else if (Number(estimate) !== task.estimate_minutes) {
    patch.estimate_minutes = Number(estimate);
  }
  if (JSON.stringify(form.reminders) !== JSON.stringify(task.reminders ?? [])) patch.reminders = form.reminders;
  const { rule, error: ruleError } = ruleOf(form.repeat);
  if (ruleError) errors.recurrence = ruleError;
  else if (rule !== (task.recurrence ?? null)) patch.recurrence = rule;
  if (rule && form.repeat.from !== (task.repeat_from ?? 'due')) patch.repeat_from = form.repeat.from;
  return { patch, errors };
}

export interface TaskEditorProps {
  taskId: number;
  tz: string;
  onSaved: (task: Task) => void;
  onCancel?: () => void;
  /** Shown instead of "Cancel" (the task page has no list to go back to in place). */
  cancelLabel?: string;
  /** The task was deleted elsewhere (404). */
  onMissing?: () => void;
  autoFocus?: boolean;
  /** Changes when the task may have changed elsewhere: reload it in place (no remount, no page jump). */
  reloadKey?: number;
  /** The task as the caller has just read it: shown at once, without a second read or a layout shift. */
  initial?: TaskWithEtag;
}

export function TaskEditor({ taskId, tz, onSaved, onCancel, cancelLabel = 'Cancel', onMissing, autoFocus = true, reloadKey = 0, initial }: TaskEditorProps) {
  const uid = useId();
  const [task, setTask] = useState<Task | null>(initial?.task ?? null);
  const [etag, setEtag] = useState<string | null>(initial?.etag ?? null);
  const [form, setForm] = useState<FormState | null>(() => (initial ? toForm(initial.task, tz) : null));
  const skipFirstLoad = useRef(initial != null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);
  const hasForm = form !== null;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const fresh = await getTask(taskId, signal);
      setTask(fresh.task);
      setEtag(fresh.etag);
      setForm(toForm(fresh.task, tz));
      return fresh;
    },
    [taskId, tz],
  );

  useEffect(() => {
    if (skipFirstLoad.current) {
      skipFirstLoad.current = false;
      return undefined;
    }
    const ctrl = new AbortController();
    load(ctrl.signal).catch((err) => {
      if (ctrl.signal.aborted) return;
      if (err instanceof ApiError && err.status === 404) {
        setMessage({ kind: 'error', text: 'This task no longer exists.' });
        onMissing?.();
      } else setMessage({ kind: 'error', text: messageOf(err) });
    });
    return () => ctrl.abort();
  }, [load, reloadKey]); // onMissing is a callback prop: not a reason to reload

  useEffect(() => {
    if (hasForm && autoFocus) titleRef.current?.focus();
  }, [hasForm, autoFocus]); // once, when the form first appears

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => (f ? { ...f, [key]: value } : f));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!task || !form || saving) return;
    const { patch, errors: clientErrors } = diffForm(task, form, tz);
    setErrors(clientErrors);
    if (Object.keys(clientErrors).length) {
      setMessage({ kind: 'error', text: 'Please fix the highlighted fields.' });
      return;
    }
    if (Object.keys(patch).length === 0) {
      setMessage(null);
      onSaved(task);
      return;
    }
    setSaving(true);
    setMessage(null);
    try {
      const saved = await updateTask(task.id, patch, etag);
      setTask(saved.task);
      setEtag(saved.etag);
      setForm(toForm(saved.task, tz));
      onSaved(saved.task);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        try {
          await load();
          setErrors({});
          setMessage({
            kind: 'error',
            text: 'This task was changed elsewhere (perhaps by the assistant). The latest version is shown; make your change again.',
          });
        } catch (reloadErr) {
          setMessage({ kind: 'error', text: messageOf(reloadErr) });
        }
      } else if (err instanceof ApiError && err.status === 422) {
        const fieldErrors = { ...err.fieldErrors };
        if (fieldErrors.parent_id) fieldErrors.parent_id = parentErrorText(fieldErrors.parent_id);
        setErrors(fieldErrors);
        setMessage({ kind: 'error', text: Object.keys(err.fieldErrors).length ? 'Please fix the highlighted fields.' : err.message });
      } else if (err instanceof ApiError && err.status === 404) {
        setMessage({ kind: 'error', text: 'This task no longer exists.' });
        onMissing?.();
      } else {
        setMessage({ kind: 'error', text: messageOf(err) });
      }
    } finally {
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && onCancel) {
      e.stopPropagation();
      onCancel();
    }
  };

  if (!form || !task) {
    return (
      <div className="task-editor" aria-busy={!message}>
        {message ? (
          <p role="alert" className="form-error">
            {message.text}
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {cancelLabel}
          </button>
        )}
      </div>
    );
  }

  const id = (name: string) => `${uid}-${name}`;
  const fieldError = (name: string) =>
    errors[name] ? (
      <span className="field-error" id={id(`${name}-error`)}>
        {errors[name]}
      </span>
    ) : null;
  const described = (name: string) => (errors[name] ? id(`${name}-error`) : undefined);
  const otherErrors = Object.entries(errors).filter(
    ([k]) => !['title', 'description', 'status', 'priority', 'due_date', 'tags', 'parent_id', 'estimate_minutes', 'reminders', 'at', 'before_minutes', 'recurrence', 'repeat_from'].includes(k),
  );

  return (
    <form className="task-editor" onSubmit={submit} onKeyDown={onKeyDown} aria-label={`Edit task ${task.title}`} noValidate>
      {message && (
        <p role="alert" className={message.kind === 'error' ? 'form-error' : 'form-info'}>
          {message.text}
        </p>
      )}
      <div className="field field-wide">
        <label htmlFor={id('title')}>Title</label>
        <input
          id={id('title')}
          ref={titleRef}
          value={form.title}
          maxLength={200}
          onChange={(e) => set('title', e.target.value)}
          aria-invalid={!!errors.title}
          aria-describedby={described('title')}
        />
        {fieldError('title')}
      </div>
      <div className="field field-wide">
        <label htmlFor={id('description')}>Description</label>
        <textarea
          id={id('description')}
          value={form.description}
          rows={3}
          maxLength={10000}
          onChange={(e) => set('description', e.target.value)}
          aria-invalid={!!errors.description}
          aria-describedby={described('description')}
        />
        {fieldError('description')}
      </div>
      <div className="field">
        <label htmlFor={id('status')}>Status</label>
        <select id={id('status')} value={form.status} onChange={(e) => set('status', e.target.value as Task['status'])} aria-describedby={described('status')}>
          {STATUSES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        {fieldError('status')}
      </div>
      <div className="field">
        <label htmlFor={id('priority')}>Priority</label>
        <select id={id('priority')} value={form.priority} onChange={(e) => set('priority', e.target.value as Task['priority'])} aria-describedby={described('priority')}>
          {PRIORITIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
        {fieldError('priority')}
      </div>
      <div className="field">
        <label htmlFor={id('due')}>Due ({tz})</label>
        <div className="input-row">
          <input
            id={id('due')}
            type="datetime-local"
            value={form.due}
            onChange={(e) => set('due', e.target.value)}
            aria-invalid={!!errors.due_date}
            aria-describedby={described('due_date')}
          />
          {form.due && (
            <button type="button" className="btn btn-small" onClick={() => set('due', '')} aria-label="Clear the due date">
              Clear
            </button>
          )}
        </div>
        {fieldError('due_date')}
      </div>
      <ReminderField
        value={form.reminders}
        onChange={(next) => set('reminders', next)}
        tz={tz}
        hasDue={form.due !== ''}
        error={errors.reminders ?? errors.at ?? errors.before_minutes}
      />
      <RepeatField value={form.repeat} onChange={(next) => set('repeat', next)} hasDue={form.due !== ''} error={errors.recurrence ?? errors.repeat_from} />
      <div className="field">
        <label htmlFor={id('estimate')}>Estimate (minutes)</label>
        <input
          id={id('estimate')}
          type="number"
          inputMode="numeric"
          min={0}
          value={form.estimate}
          onChange={(e) => set('estimate', e.target.value)}
          aria-invalid={!!errors.estimate_minutes}
          aria-describedby={described('estimate_minutes')}
        />
        {fieldError('estimate_minutes')}
      </div>
      <div className="field">
        <label htmlFor={id('tags')}>Tags (comma separated)</label>
        <input id={id('tags')} value={form.tags} onChange={(e) => set('tags', e.target.value)} aria-invalid={!!errors.tags} aria-describedby={described('tags')} />
        {fieldError('tags')}
      </div>
      <div className="field">
        <ParentPicker
          label="Subtask of"
          value={form.parent}
          onChange={(parent) => set('parent', parent)}
          excludeSubtreeOf={task.id}
          invalid={!!errors.parent_id}
          describedBy={described('parent_id')}
        />
        {fieldError('parent_id')}
      </div>
      {otherErrors.length > 0 && (
        <ul className="form-error field-wide">
          {otherErrors.map(([k, v]) => (
            <li key={k}>
              {k}: {v}
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions field-wide">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {cancelLabel}
          </button>
        )}
      </div>
    </form>
  );
}
