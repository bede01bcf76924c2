// Quick add: one line read as the assistant reads it ("Pay rent tomorrow 5pm !high #home"). While you
// type, POST /tasks/parse says what it understood; each field is a chip you can remove to keep its words in
// the title. Add creates the task with those fields. If the reading fails (offline, 429), the line is added
// as a plain title, as before.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, messageOf } from '../api/http';
import { createTask, parseTask, type ParsedField, type ParsedTask } from '../api/tasks';
import type { Task, TaskPatch } from '../api/types';
import { describeRule, formatMinutes, formatWhen } from '../lib/dates';

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
  /** Shown on the chip. */
  label: string;
  /** The words read, said by the remove button. */
  words: string;
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
  const add = (field: ParsedField, label: string) => chips.push({ field, label, words: words(field) });
  if (parsed.due_date) add('due_date', `Due: ${formatWhen(parsed.due_date, tz, now)}`);
  if (parsed.recurrence) {
    const rule = describeRule(parsed.recurrence);
    add('recurrence', `Repeats: ${rule}${parsed.repeat_from === 'completion' ? ' after each completion' : ''}`);
  }
  for (const reminder of parsed.reminders ?? []) add('reminders', `Reminder: ${beforeWords(reminder.before_minutes)}`);
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

export function QuickAdd({ tz, inputId, onCreated }: QuickAddProps) {
  const [text, setText] = useState('');
  const [ignore, setIgnore] = useState<ParsedField[]>([]);
  const [reading, setReading] = useState<Reading | null>(null);
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);

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
  const shown = reading?.parsed && text.trim() ? reading.parsed : null;
  const chips = shown ? chipsOf(shown, tz) : [];

  const change = (value: string) => {
    setText(value);
    setAddError(null);
    if (!value.trim()) setIgnore([]);
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
      const task = await createTask(parsed ? fieldsOf(parsed) : { title: typed });
      setText('');
      setIgnore([]);
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
              {chips.map((chip) => (
                <li key={chip.field}>
                  <button
                    type="button"
                    className="btn btn-small chip"
                    aria-label={`${chip.label}. Remove: keep “${chip.words}” in the title`}
                    onClick={() => setIgnore((list) => (list.includes(chip.field) ? list : [...list, chip.field]))}
                  >
                    {chip.label} <span aria-hidden="true">✕</span>
                  </button>
                </li>
              ))}
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
