// Choose a parent task by name: an ARIA 1.2 combobox (an input with a listbox popup). Typing filters the
// user's tasks by title (GET /tasks?q=, then by title here, since q also searches descriptions); arrows move,
// Enter picks, Esc closes. The first option is "No parent" (or "Top level"). With `excludeSubtreeOf` the task
// itself and its subtasks at any depth are never offered (the API would refuse the cycle).
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { messageOf } from '../api/http';
import { fetchTaskPage, getTask, subtreeIds, taskListUrl } from '../api/tasks';
import type { Task } from '../api/types';

export interface ParentChoice {
  id: number;
  /** Empty when not known yet: the picker reads it. */
  title: string;
}

export interface ParentPickerProps {
  label: string;
  /** null: no parent. */
  value: ParentChoice | null;
  onChange: (value: ParentChoice | null) => void;
  excludeSubtreeOf?: number;
  noneLabel?: string;
  invalid?: boolean;
  describedBy?: string;
  autoFocus?: boolean;
  /** Shown under the label, e.g. what the choice does. */
  hint?: string;
}

/** The API's refusal of a parent (422 on parent_id), in words for the person who chose it. */
export function parentErrorText(message: string): string {
  if (/subtask of itself|own subtasks/i.test(message)) return 'That would put the task inside itself or its own subtasks.';
  if (/not found/i.test(message)) return 'That parent task no longer exists.';
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export const PICKER_LIMIT = 50;
const DEBOUNCE_MS = 150;

export function ParentPicker({ label, value, onChange, excludeSubtreeOf, noneLabel = 'No parent', invalid, describedBy, autoFocus, hint }: ParentPickerProps) {
  const uid = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [known, setKnown] = useState<ParentChoice | null>(null);
  const shownTitle = value ? value.title || (known?.id === value.id ? known.title : '') || `Task #${value.id}` : '';
  const [text, setText] = useState(shownTitle);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [options, setOptions] = useState<Task[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [excluded, setExcluded] = useState<Set<number> | null>(excludeSubtreeOf == null ? new Set() : null);

  // The current parent's title, when the caller only knows its number.
  useEffect(() => {
    if (!value || value.title) return undefined;
    const ctrl = new AbortController();
    getTask(value.id, ctrl.signal).then(
      (t) => setKnown({ id: t.task.id, title: t.task.title }),
      () => undefined, // the number stays shown
    );
    return () => ctrl.abort();
  }, [value]);

  // While closed, the box shows the chosen parent.
  useEffect(() => {
    if (!open) setText(shownTitle);
  }, [open, shownTitle]);

  useEffect(() => {
    if (autoFocus) inputRef.current?.focus();
  }, [autoFocus]);

  // The subtree to leave out, read once on first opening.
  useEffect(() => {
    if (!open || excluded || excludeSubtreeOf == null) return undefined;
    const ctrl = new AbortController();
    subtreeIds(excludeSubtreeOf, ctrl.signal).then(setExcluded, (err) => {
      if (!ctrl.signal.aborted) setError(messageOf(err));
    });
    return () => ctrl.abort();
  }, [open, excluded, excludeSubtreeOf]);

  useEffect(() => {
    if (!open) return undefined;
    const ctrl = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      const q = query.trim();
      fetchTaskPage(taskListUrl({ q: q || undefined, sort: 'title', limit: PICKER_LIMIT }), ctrl.signal).then(
        (page) => {
          const needle = q.toLowerCase();
          setOptions(page.tasks.filter((t) => t.title.toLowerCase().includes(needle)));
          setError(null);
          setLoading(false);
        },
        (err) => {
          if (ctrl.signal.aborted) return;
          setError(messageOf(err));
          setLoading(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [open, query]);

  // Nothing is offered until the subtree to leave out is known.
  const offered = excluded ? options.filter((t) => !excluded.has(t.id)) : [];
  const count = offered.length + 1; // with "No parent" first
  const optionId = (i: number) => `${uid}-opt-${i}`;
  const activeIndex = Math.min(active, count - 1);

  // The active option stays in sight in a long list.
  useEffect(() => {
    if (open) document.getElementById(optionId(activeIndex))?.scrollIntoView?.({ block: 'nearest' });
  }, [open, activeIndex]); // optionId is stable for this picker

  const openWith = (q: string, first: number) => {
    setQuery(q);
    setActive(first);
    setOpen(true);
  };
  const pick = (i: number) => {
    const t = i === 0 ? null : offered[i - 1];
    if (i > 0 && !t) return;
    onChange(t ? { id: t.id, title: t.title } : null);
    if (t) setKnown({ id: t.id, title: t.title });
    setText(t ? t.title : '');
    setOpen(false);
  };
  const close = () => {
    setOpen(false);
    setText(shownTitle);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!open) openWith('', value ? 1 : 0);
        else setActive((a) => Math.min(count - 1, a + 1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (!open) openWith('', 0);
        else setActive((a) => Math.max(0, a - 1));
        break;
      case 'Enter':
        if (!open) return; // the form's own Enter
        e.preventDefault();
        pick(activeIndex);
        break;
      case 'Escape':
        if (!open) return; // the form's own Escape (cancel)
        e.preventDefault();
        e.stopPropagation();
        e.nativeEvent.stopImmediatePropagation();
        close();
        break;
      default:
    }
  };

  const statusText = error
    ? error
    : !open
      ? ''
      : loading || !excluded
        ? 'Searching…'
        : offered.length === 0
          ? query.trim()
            ? `No task titled like “${query.trim()}”.`
            : 'No other tasks.'
          : `${offered.length} ${offered.length === 1 ? 'task' : 'tasks'}${offered.length >= PICKER_LIMIT ? ' shown; type to narrow' : ''}.`;

  return (
    <div className="picker">
      <label htmlFor={`${uid}-input`}>{label}</label>
      {hint && (
        <span className="muted small" id={`${uid}-hint`}>
          {hint}
        </span>
      )}
      <input
        id={`${uid}-input`}
        ref={inputRef}
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={`${uid}-list`}
        aria-activedescendant={open ? optionId(activeIndex) : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={[hint ? `${uid}-hint` : '', describedBy ?? ''].filter(Boolean).join(' ') || undefined}
        placeholder={noneLabel}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          openWith(e.target.value, e.target.value.trim() ? 1 : 0);
        }}
        onClick={() => !open && openWith('', value ? 1 : 0)}
        onBlur={() => {
          // A box emptied and left means no parent.
          if (open && !text.trim()) pick(0);
          else close();
        }}
        onKeyDown={onKeyDown}
      />
      <ul className="picker-list" id={`${uid}-list`} role="listbox" aria-label={label} hidden={!open}>
        {open && (
          <>
            <li id={optionId(0)} role="option" aria-selected={activeIndex === 0} className="picker-none" onMouseDown={(e) => e.preventDefault()} onClick={() => pick(0)}>
              {noneLabel}
            </li>
            {offered.map((t, i) => (
              <li key={t.id} id={optionId(i + 1)} role="option" aria-selected={activeIndex === i + 1} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(i + 1)}>
                {t.title} <span className="muted">#{t.id}</span>
              </li>
            ))}
          </>
        )}
      </ul>
      <span className={error ? 'field-error' : 'picker-status muted small'} role="status">
        {statusText}
      </span>
    </div>
  );
}
