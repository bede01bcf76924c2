// The inline "Add subtask" box under a task's row: Enter creates a subtask (POST /tasks with parent_id) and
// leaves the box open, empty, for the next one; Esc (or Close) closes it. Problems show in place.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, messageOf } from '../api/http';
import { createTask } from '../api/tasks';
import type { Task } from '../api/types';
import { parentErrorText } from './ParentPicker';

export interface SubtaskAddProps {
  parent: Task;
  onCreated: (task: Task) => void;
  onClose: () => void;
}

export function SubtaskAdd({ parent, onCreated, onClose }: SubtaskAddProps) {
  const uid = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => inputRef.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const clean = title.trim();
    if (!clean) {
      setError('Type a title first');
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const task = await createTask({ title: clean, parent_id: parent.id });
      setTitle('');
      onCreated(task);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors : {};
      setError(fields.title ?? (fields.parent_id ? parentErrorText(fields.parent_id) : messageOf(err)));
    } finally {
      setBusy(false);
      inputRef.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    onClose();
  };

  return (
    <form className="subtask-add" onSubmit={submit} onKeyDown={onKeyDown} aria-label={`Add a subtask to “${parent.title}”`} noValidate>
      <label htmlFor={`${uid}-title`} className="visually-hidden">
        Subtask of “{parent.title}”
      </label>
      <input
        id={`${uid}-title`}
        ref={inputRef}
        placeholder="Subtask title… (Enter adds, Esc closes)"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${uid}-error` : undefined}
      />
      <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
        Add
      </button>
      <button type="button" className="btn btn-small" onClick={onClose}>
        Close
      </button>
      {error && (
        <span className="field-error" id={`${uid}-error`} role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
