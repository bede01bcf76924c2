// A task's reminders in the editor: each shown in words with a remove button, and a menu to add one
// before the due date or at a time of its own.
import { useId, useState } from 'react';
import type { Reminder } from '../api/types';
import { formatDateTime, localInputToIso } from '../lib/dates';

const BEFORE = [
  { minutes: 0, label: 'At the due time' },
  { minutes: 15, label: '15 minutes before' },
  { minutes: 60, label: '1 hour before' },
  { minutes: 24 * 60, label: '1 day before' },
];

export function describeReminder(reminder: Reminder, tz: string): string {
  if ('at' in reminder) return formatDateTime(reminder.at, tz);
  const known = BEFORE.find((b) => b.minutes === reminder.before_minutes);
  if (known) return known.minutes === 0 ? 'At the due time' : `${known.label} the due time`;
  return `${reminder.before_minutes} minutes before the due time`;
}

export function sameReminder(a: Reminder, b: Reminder): boolean {
  if ('at' in a && 'at' in b) return Date.parse(a.at) === Date.parse(b.at);
  return 'before_minutes' in a && 'before_minutes' in b && a.before_minutes === b.before_minutes;
}

interface Props {
  value: Reminder[];
  onChange: (next: Reminder[]) => void;
  tz: string;
  hasDue: boolean;
  error?: string;
}

export function ReminderField({ value, onChange, tz, hasDue, error }: Props) {
  const uid = useId();
  const [choice, setChoice] = useState('');
  const [at, setAt] = useState('');
  const [atError, setAtError] = useState<string | null>(null);
  const add = (reminder: Reminder) => {
    if (!value.some((each) => sameReminder(each, reminder))) onChange([...value, reminder]);
    setChoice('');
  };
  const onChoose = (next: string) => {
    setChoice(next);
    setAtError(null);
    if (next !== '' && next !== 'at') add({ before_minutes: Number(next) });
  };
  const addAt = () => {
    const iso = localInputToIso(at, tz);
    if (!iso) {
      setAtError('Enter a date and time');
      return;
    }
    add({ at: iso });
    setAt('');
  };
  const errorId = error || atError ? `${uid}-error` : undefined;
  return (
    <fieldset className="field field-wide reminder-field">
      <legend>Reminders</legend>
      {value.length > 0 && (
        <ul className="plain-list reminder-list">
          {value.map((reminder) => {
            const words = describeReminder(reminder, tz);
            return (
              <li key={JSON.stringify(reminder)}>
                <span>{words}</span>
                <button type="button" className="btn btn-small" aria-label={`Remove the reminder ${words}`} onClick={() => onChange(value.filter((each) => each !== reminder))}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="input-row">
        <label htmlFor={`${uid}-add`} className="visually-hidden">
          Add a reminder
        </label>
        <select id={`${uid}-add`} value={choice} onChange={(e) => onChoose(e.target.value)} aria-describedby={errorId}>
          <option value="">Add a reminder…</option>
          {BEFORE.map((b) => (
            <option key={b.minutes} value={b.minutes} disabled={!hasDue}>
              {b.label}
              {hasDue ? '' : ' (needs a due date)'}
            </option>
          ))}
          <option value="at">At a time…</option>
        </select>
      </div>
      {choice === 'at' && (
        <div className="input-row">
          <label htmlFor={`${uid}-at`} className="visually-hidden">
            Remind at ({tz})
          </label>
          <input id={`${uid}-at`} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} aria-invalid={!!atError} aria-describedby={errorId} />
          <button type="button" className="btn btn-small" onClick={addAt}>
            Add
          </button>
        </div>
      )}
      {(error || atError) && (
        <span className="field-error" id={errorId}>
          {atError ?? error}
        </span>
      )}
    </fieldset>
  );
}
