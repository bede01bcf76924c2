// Quick add: one line read as the assistant reads it ("Pay rent tomorrow 5pm !high #home"). While you
// type, POST /tasks/parse says what it understood; each field is a chip you can change in place (a small
// editor opens on it: Enter or Done keeps the change, Escape or Cancel drops it) or remove to keep its words
// in the title. Add creates the task with those fields, changes included. If the reading fails (offline,
// 429), the line is added as a plain title, as before.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { ApiError, messageOf } from '../api/http';
import { createTask, parseTask, type ParsedField, type ParsedTask } from '../api/tasks';
import { PRIORITIES, type Task, type TaskPatch, type TaskPriority } from '../api/types';
import { describeRule, formatMinutes, formatWhen, isoToLocalInput, localInputToIso } from '../lib/dates';
import { RepeatField, repeatOf, ruleOf, type Repeat } from './RepeatField';

export const PARSE_DELAY_MS = 250;
const MAX_TEXT = 2000;

export interface QuickAddProps {
  tz: string;
  /** The input's id (the `n` shortcut focuses it). */
  inputId: string;
  onCreated: (task: Task) => void;
}

/** What the server made of one text with one set of ignored fields (an error: a 422's message). */
interface Reading {
  key: string;
  parsed?: ParsedTask;
  error?: string;
}

const readingKey = (text: string, ignore: ParsedField[]) => JSON.stringify([text, [...ignore].sort()]);

interface Chip {
  field: ParsedField;
  /** Reminders: which one (a chip each). */
  index: number;
  /** Shown on the chip. */
  label: string;
  /** The words read, said by the remove button. */
  words: string;
}

const chipKey = (chip: { field: ParsedField; index: number }) => `${chip.field}-${chip.index}`;

/** What the chips' editors changed, laid over what the server read (a field read again keeps its change). */
interface Edits {
  due_date?: string;
  priority?: TaskPriority;
  tags?: string[];
  recurrence?: { rule: string; from: 'due' | 'completion' };
  reminders?: { before_minutes: number }[];
  estimate_minutes?: number;
  description?: string;
}

function withEdits(parsed: ParsedTask, edits: Edits): ParsedTask {
  const out: ParsedTask = { ...parsed };
  if (edits.due_date !== undefined) out.due_date = edits.due_date;
  if (edits.priority !== undefined) out.priority = edits.priority;
  if (edits.tags !== undefined) out.tags = edits.tags;
  if (edits.recurrence !== undefined) {
    out.recurrence = edits.recurrence.rule;
    out.repeat_from = edits.recurrence.from;
  }
  if (edits.reminders !== undefined) out.reminders = edits.reminders;
  if (edits.estimate_minutes !== undefined) out.estimate_minutes = edits.estimate_minutes;
  if (edits.description !== undefined) out.description = edits.description;
  return out;
}

/** The edits without a field's (its chip was removed: its words are the title's again). */
function withoutField(edits: Edits, field: ParsedField): Edits {
  const rest = { ...edits };
  delete rest[field];
  return rest;
}

const FIELD_WORDS: Record<ParsedField, string> = {
  due_date: 'the due date',
  priority: 'the priority',
  tags: 'the tags',
  recurrence: 'the repetition',
  reminders: 'the reminder',
  estimate_minutes: 'the estimate',
  description: 'the note',
};

function chipsOf(parsed: ParsedTask, tz: string, now: number = Date.now()): Chip[] {
  const words = (field: ParsedField) =>
    parsed.recognised
      .filter((r) => r.field === field)
      .map((r) => r.text)
      .join(' … ');
  const chips: Chip[] = [];
  const add = (field: ParsedField, label: string, index = 0) => chips.push({ field, index, label, words: words(field) });
  if (parsed.due_date) add('due_date', `Due: ${formatWhen(parsed.due_date, tz, now)}`);
  if (parsed.recurrence) {
    const rule = describeRule(parsed.recurrence);
    add('recurrence', `Repeats: ${rule}${parsed.repeat_from === 'completion' ? ' after each completion' : ''}`);
  }
  (parsed.reminders ?? []).forEach((reminder, i) =>
    add('reminders', `Reminder: ${beforeWords(reminder.before_minutes)}${parsed.due_date ? '' : ' (needs a due date)'}`, i),
  );
  // "remind me an hour before" with no due date: nothing to be before; the chip says so (remove it to keep the words).
  if (!parsed.reminders?.length && parsed.recognised.some((r) => r.field === 'reminders')) add('reminders', 'Reminder: needs a due date');
  if (parsed.priority) add('priority', `Priority: ${parsed.priority}`);
  if (parsed.tags.length) add('tags', parsed.tags.map((t) => `#${t}`).join(' '));
  if (parsed.estimate_minutes != null) add('estimate_minutes', `Estimate: ${formatMinutes(parsed.estimate_minutes)}`);
  if (parsed.description) {
    const note = parsed.description.length > 40 ? `${parsed.description.slice(0, 40)}…` : parsed.description;
    add('description', `Note: ${note}`);
  }
  return chips;
}

/** "30 min before", "1 h before", "2 days before", "at the due time". */
function beforeWords(minutes: number): string {
  if (minutes === 0) return 'at the due time';
  const days = minutes / 1440;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? '' : 's'} before`;
  return `${formatMinutes(minutes)} before`;
}

/** The POST /tasks body for what was read. */
function fieldsOf(parsed: ParsedTask): TaskPatch & { title: string } {
  const fields: TaskPatch & { title: string } = { title: parsed.title ?? '' };
  if (parsed.due_date) fields.due_date = parsed.due_date;
  if (parsed.priority) fields.priority = parsed.priority;
  if (parsed.tags.length) fields.tags = parsed.tags;
  if (parsed.recurrence) {
    fields.recurrence = parsed.recurrence;
    if (parsed.repeat_from) fields.repeat_from = parsed.repeat_from;
  }
  if (parsed.estimate_minutes != null) fields.estimate_minutes = parsed.estimate_minutes;
  if (parsed.description) fields.description = parsed.description;
  if (parsed.due_date && parsed.reminders?.length) fields.reminders = parsed.reminders;
  return fields;
}

/** A parse answer we can use (a stale server or a test double may answer something else). */
function isParsed(value: unknown): value is ParsedTask {
  const v = value as ParsedTask | null;
  return !!v && typeof v === 'object' && Array.isArray(v.recognised) && Array.isArray(v.tags) && 'title' in v;
}

/** Reminder choices the chip's editor offers (minutes before the due date). */
const REMINDER_CHOICES = [0, 5, 15, 30, 60, 120, 1440, 2880, 10080];

/** What an editor decided: a change to lay over the reading, or the chip removed (its words kept in the title). */
type Outcome = { edits: Edits } | { remove: true };

interface EditorProps {
  chip: Chip;
  task: ParsedTask;
  tz: string;
  onDone: (outcome: Outcome) => void;
  onCancel: () => void;
}

/** The small editor that opens on a chip: one labelled control (the repeat picker for a repetition), Done and Cancel. */
function ChipEditor({ chip, task, tz, onDone, onCancel }: EditorProps) {
  const uid = useId();
  const group = useRef<HTMLDivElement>(null);
  const [due, setDue] = useState(() => isoToLocalInput(task.due_date, tz));
  const [priority, setPriority] = useState<TaskPriority>(task.priority ?? 'normal');
  const [tags, setTags] = useState(() => task.tags.map((t) => `#${t}`).join(' '));
  const [repeat, setRepeat] = useState<Repeat>(() => repeatOf(task.recurrence, task.repeat_from ?? 'due'));
  const reminder = task.reminders?.[chip.index]?.before_minutes ?? 60;
  const [before, setBefore] = useState(String(reminder));
  const [estimate, setEstimate] = useState(String(task.estimate_minutes ?? ''));
  const [note, setNote] = useState(task.description ?? '');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    group.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);

  const outcome = (): Outcome | string => {
    switch (chip.field) {
      case 'due_date': {
        const iso = localInputToIso(due, tz);
        return iso ? { edits: { due_date: iso } } : 'Pick a date and a time';
      }
      case 'priority':
        return { edits: { priority } };
      case 'tags': {
        const list = [...new Set(tags.split(/[\s,]+/).map((t) => t.replace(/^#+/, '')).filter(Boolean))];
        if (!list.length) return { remove: true };
        return list.some((t) => t.length > 32) ? 'A tag has at most 32 characters' : { edits: { tags: list } };
      }
      case 'recurrence': {
        const { rule, error: ruleError } = ruleOf(repeat);
        if (ruleError) return ruleError;
        return rule ? { edits: { recurrence: { rule, from: repeat.from } } } : { remove: true };
      }
      case 'reminders': {
        const list = [...(task.reminders ?? [])];
        list[chip.index] = { before_minutes: Number(before) };
        return { edits: { reminders: list } };
      }
      case 'estimate_minutes': {
        const minutes = Number(estimate);
        return Number.isInteger(minutes) && minutes >= 1 ? { edits: { estimate_minutes: minutes } } : 'Enter whole minutes, from 1';
      }
      case 'description':
        return note.trim() ? { edits: { description: note.trim() } } : { remove: true };
    }
  };

  const done = () => {
    const result = outcome();
    if (typeof result === 'string') setError(result);
    else onDone(result);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      // Ours, not the page's (the shortcuts would move focus away).
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Enter' && (e.target as HTMLElement).matches('input, select')) {
      // Enter keeps the change; it must not add the task yet.
      e.preventDefault();
      done();
    }
  };

  const id = (name: string) => `${uid}-${name}`;
  const errorId = error ? id('error') : undefined;
  const field = { 'aria-invalid': !!error, 'aria-describedby': errorId };
  const reminderChoices = REMINDER_CHOICES.includes(reminder) ? REMINDER_CHOICES : [...REMINDER_CHOICES, reminder].sort((a, b) => a - b);
  let control: ReactNode;
  switch (chip.field) {
    case 'due_date':
      control = (
        <>
          <label htmlFor={id('due')}>Due</label>
          <input id={id('due')} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} {...field} />
        </>
      );
      break;
    case 'priority':
      control = (
        <>
          <label htmlFor={id('priority')}>Priority</label>
          <select id={id('priority')} value={priority} onChange={(e) => setPriority(e.target.value as TaskPriority)}>
            {PRIORITIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </>
      );
      break;
    case 'tags':
      control = (
        <>
          <label htmlFor={id('tags')}>Tags</label>
          <input id={id('tags')} value={tags} onChange={(e) => setTags(e.target.value)} autoComplete="off" spellCheck={false} {...field} />
        </>
      );
      break;
    case 'recurrence':
      control = <RepeatField value={repeat} onChange={setRepeat} hasDue={!!task.due_date} error={error ?? undefined} />;
      break;
    case 'reminders':
      control = (
        <>
          <label htmlFor={id('reminder')}>Reminder</label>
          <select id={id('reminder')} value={before} onChange={(e) => setBefore(e.target.value)}>
            {reminderChoices.map((minutes) => (
              <option key={minutes} value={String(minutes)}>
                {beforeWords(minutes)}
              </option>
            ))}
          </select>
        </>
      );
      break;
    case 'estimate_minutes':
      control = (
        <>
          <label htmlFor={id('estimate')}>Estimate (minutes)</label>
          <input id={id('estimate')} className="input-narrow" type="number" inputMode="numeric" min={1} value={estimate} onChange={(e) => setEstimate(e.target.value)} {...field} />
        </>
      );
      break;
    case 'description':
      control = (
        <>
          <label htmlFor={id('note')}>Note</label>
          <input id={id('note')} value={note} onChange={(e) => setNote(e.target.value)} {...field} />
        </>
      );
      break;
  }
  return (
    <div ref={group} className="chip-editor" role="group" aria-label={`Change ${FIELD_WORDS[chip.field]}`} onKeyDown={onKeyDown}>
      {control}
      <button type="button" className="btn btn-small btn-primary" onClick={done}>
        Done
      </button>
      <button type="button" className="btn btn-small" onClick={onCancel}>
        Cancel
      </button>
      {error && chip.field !== 'recurrence' && (
        <span className="field-error" id={errorId} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function QuickAdd({ tz, inputId, onCreated }: QuickAddProps) {
  const [text, setText] = useState('');
  const [ignore, setIgnore] = useState<ParsedField[]>([]);
  const [reading, setReading] = useState<Reading | null>(null);
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [edits, setEdits] = useState<Edits>({});
  /** The chip whose editor is open (its key). */
  const [editing, setEditing] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const chipButtons = useRef(new Map<string, HTMLButtonElement>());
  /** Where focus goes once an editor closes: its chip, or the input when the chip went away. */
  const focusAfter = useRef<string | null>(null);

  const read = async (forText: string, forIgnore: ParsedField[], signal: AbortSignal): Promise<Reading | null> => {
    const key = readingKey(forText, forIgnore);
    try {
      const parsed = await parseTask(forText, forIgnore, signal);
      return isParsed(parsed) ? { key, parsed } : null;
    } catch (err) {
      if (signal.aborted) throw err;
      // A 422 says something true about the words (a title too long); anything else: add them as typed.
      return err instanceof ApiError && err.status === 422 ? { key, error: messageOf(err) } : null;
    }
  };

  // Read the text a moment after typing stops; a newer keystroke cancels the older request.
  useEffect(() => {
    if (!text.trim()) {
      setReading(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      inFlight.current?.abort();
      inFlight.current = controller;
      read(text, ignore, controller.signal).then(
        (result) => !controller.signal.aborted && setReading(result),
        () => undefined,
      );
    }, PARSE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, ignore]);

  const key = readingKey(text, ignore);
  const fresh = reading?.key === key ? reading : null;
  // While a newer reading is on its way the last one stays up, so the chips do not flicker as you type.
  const shown = reading?.parsed && text.trim() ? withEdits(reading.parsed, edits) : null;
  const chips = shown ? chipsOf(shown, tz) : [];

  // An editor whose chip went away (its words typed out of the line) closes, rather than reopen later.
  const editingShown = editing !== null && chips.some((c) => chipKey(c) === editing);
  useEffect(() => {
    if (editing !== null && !editingShown) setEditing(null);
  }, [editing, editingShown]);

  useEffect(() => {
    if (editing !== null || focusAfter.current === null) return;
    const target = chipButtons.current.get(focusAfter.current) ?? document.getElementById(inputId);
    focusAfter.current = null;
    target?.focus();
  });

  const forget = () => {
    setIgnore([]);
    setEdits({});
    setEditing(null);
  };

  const change = (value: string) => {
    setText(value);
    setAddError(null);
    if (!value.trim()) forget();
  };

  const remove = (field: ParsedField) => {
    setIgnore((list) => (list.includes(field) ? list : [...list, field]));
    setEdits((current) => withoutField(current, field));
  };

  const closeEditor = (key: string, outcome?: Outcome) => {
    if (outcome && 'remove' in outcome) {
      const field = chips.find((c) => chipKey(c) === key)?.field;
      if (field) remove(field);
    } else if (outcome) {
      setEdits((current) => ({ ...current, ...outcome.edits }));
    }
    focusAfter.current = key;
    setEditing(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const typed = text.trim();
    if (!typed) {
      setAddError('Type a title first');
      return;
    }
    setAdding(true);
    setAddError(null);
    try {
      let result = fresh;
      if (!result) {
        // Enter before the reading came back: read now rather than add the words unread.
        inFlight.current?.abort();
        const controller = new AbortController();
        inFlight.current = controller;
        result = await read(text, ignore, controller.signal).catch(() => null);
      }
      if (result?.error) {
        setAddError(result.error);
        return;
      }
      const parsed = result?.parsed;
      if (parsed && !parsed.title) {
        setAddError('Add a title: every word was read as a date or field. Remove a chip to keep its words as the title.');
        return;
      }
      const task = await createTask(parsed ? fieldsOf(withEdits(parsed, edits)) : { title: typed });
      setText('');
      forget();
      setReading(null);
      onCreated(task);
    } catch (err) {
      setAddError(err instanceof ApiError && err.fieldErrors.title ? err.fieldErrors.title : messageOf(err));
    } finally {
      setAdding(false);
    }
  };

  const summary = !shown
    ? ''
    : [shown.title ? `Will add “${shown.title}”` : 'No title yet', ...chips.map((c) => c.label)].join('. ');
  const errorId = `${inputId}-error`;

  return (
    <form className="quick-add" onSubmit={submit}>
      <label htmlFor={inputId} className="visually-hidden">
        New task title
      </label>
      <input
        id={inputId}
        placeholder="Add a task… (try “Pay rent tomorrow 5pm !high #home”)"
        value={text}
        maxLength={MAX_TEXT}
        autoComplete="off"
        onChange={(e) => change(e.target.value)}
        aria-invalid={!!addError}
        aria-describedby={addError ? errorId : undefined}
      />
      <button type="submit" className="btn btn-primary" disabled={adding}>
        Add
      </button>
      {addError && (
        <span className="field-error" id={errorId} role="alert">
          {addError}
        </span>
      )}
      {/* Said once the reading settles; the chips below are for seeing and changing it. */}
      <p className="visually-hidden" aria-live="polite">
        {summary}
      </p>
      {shown && (
        <div className="quick-add-preview">
          <span className="quick-add-title">
            {shown.title ? (
              <>
                Title: <strong>{shown.title}</strong>
              </>
            ) : (
              'No title yet'
            )}
          </span>
          {chips.length > 0 && (
            <ul className="chips" aria-label="Understood">
              {chips.map((chip) => {
                const key = chipKey(chip);
                return editing === key ? (
                  <li key={key} className="chip-item chip-item-editing">
                    <ChipEditor chip={chip} task={shown} tz={tz} onDone={(outcome) => closeEditor(key, outcome)} onCancel={() => closeEditor(key)} />
                  </li>
                ) : (
                  <li key={key} className="chip-item">
                    <button
                      type="button"
                      className="btn btn-small chip chip-edit"
                      aria-label={`${chip.label}. Change`}
                      ref={(el) => {
                        if (el) chipButtons.current.set(key, el);
                        else chipButtons.current.delete(key);
                      }}
                      onClick={() => setEditing(key)}
                    >
                      {chip.label}
                    </button>
                    <button
                      type="button"
                      className="btn btn-small chip chip-remove"
                      aria-label={`Remove “${chip.label}”: keep “${chip.words}” in the title`}
                      onClick={() => remove(chip.field)}
                    >
                      <span aria-hidden="true">✕</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
          {/* A chip removed by mistake: read its words as that field again. */}
          {ignore.map((field) => (
            <button key={field} type="button" className="btn btn-small" onClick={() => setIgnore((list) => list.filter((f) => f !== field))}>
              Read {FIELD_WORDS[field]} again
            </button>
          ))}
        </div>
      )}
      {!shown && reading?.error && text.trim() && <span className="quick-add-note">{reading.error}</span>}
    </form>
  );
}
