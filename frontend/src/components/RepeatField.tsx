// A task's repetition in the editor: none, daily, weekly on chosen days, monthly on a day, yearly on a date,
// or a custom RRULE; every N; and whether the next date counts from the due date or from completion.
// `ruleOf` and `repeatOf` turn it into the task's `recurrence` (RFC 5545 RRULE without the prefix) and back.
import { useId } from 'react';
import { describeRule } from '../lib/dates';

export type RepeatKind = 'none' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'custom';

export interface Repeat {
  kind: RepeatKind;
  /** Every N days/weeks/months/years (text as typed). */
  interval: string;
  /** Weekly: the days (MO..SU); none means the due date's weekday. */
  days: string[];
  /** Monthly: the day of the month, "-1" for the last; '' for the due date's day. */
  monthDay: string;
  /** Yearly: month 1-12 and day; '' for the due date's. */
  month: string;
  yearDay: string;
  custom: string;
  from: 'due' | 'completion';
}

const DAYS: [string, string][] = [
  ['MO', 'Monday'],
  ['TU', 'Tuesday'],
  ['WE', 'Wednesday'],
  ['TH', 'Thursday'],
  ['FR', 'Friday'],
  ['SA', 'Saturday'],
  ['SU', 'Sunday'],
];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const FREQ: Record<string, RepeatKind> = { DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly', YEARLY: 'yearly' };
const KIND_FREQ: Partial<Record<RepeatKind, string>> = { daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'YEARLY' };

export const NO_REPEAT: Repeat = { kind: 'none', interval: '1', days: [], monthDay: '', month: '', yearDay: '', custom: '', from: 'due' };

/** The rule the form says, null for none; an error when it says nothing usable. */
export function ruleOf(repeat: Repeat): { rule: string | null; error?: string } {
  if (repeat.kind === 'none') return { rule: null };
  if (repeat.kind === 'custom') {
    const rule = repeat.custom.trim().replace(/^RRULE:/i, '');
    return rule ? { rule } : { rule: null, error: 'Type a rule, such as FREQ=WEEKLY;BYDAY=FR' };
  }
  const interval = repeat.interval.trim() || '1';
  if (!/^\d+$/.test(interval) || Number(interval) < 1) return { rule: null, error: 'Enter a whole number from 1' };
  const parts = [`FREQ=${KIND_FREQ[repeat.kind]}`];
  if (Number(interval) > 1) parts.push(`INTERVAL=${Number(interval)}`);
  if (repeat.kind === 'weekly' && repeat.days.length) parts.push(`BYDAY=${DAYS.map(([code]) => code).filter((code) => repeat.days.includes(code)).join(',')}`);
  if (repeat.kind === 'monthly' && repeat.monthDay) parts.push(`BYMONTHDAY=${repeat.monthDay}`);
  if (repeat.kind === 'yearly' && repeat.month && repeat.yearDay) parts.push(`BYMONTH=${repeat.month}`, `BYMONTHDAY=${repeat.yearDay}`);
  return { rule: parts.join(';') };
}

/** The form for a task's rule: a rule the picker cannot show exactly is "custom", with its text. */
export function repeatOf(rule: string | null | undefined, from: 'due' | 'completion' | undefined): Repeat {
  const base = { ...NO_REPEAT, from: from ?? 'due' };
  if (!rule) return base;
  const parts: Record<string, string> = Object.fromEntries(rule.split(';').map((part) => part.split('=') as [string, string]));
  const kind = FREQ[parts.FREQ];
  const custom = { ...base, kind: 'custom' as const, custom: rule };
  if (!kind) return custom;
  const form: Repeat = { ...base, kind, interval: parts.INTERVAL ?? '1' };
  if (kind === 'weekly' && parts.BYDAY) form.days = parts.BYDAY.split(',');
  if (kind === 'monthly' && parts.BYMONTHDAY) form.monthDay = parts.BYMONTHDAY;
  if (kind === 'yearly' && parts.BYMONTH && parts.BYMONTHDAY) {
    form.month = parts.BYMONTH;
    form.yearDay = parts.BYMONTHDAY;
  }
  return ruleOf(form).rule === rule ? form : custom;
}

interface Props {
  value: Repeat;
  onChange: (next: Repeat) => void;
  hasDue: boolean;
  error?: string;
}

export function RepeatField({ value, onChange, hasDue, error }: Props) {
  const uid = useId();
  const id = (name: string) => `${uid}-${name}`;
  const set = (patch: Partial<Repeat>) => onChange({ ...value, ...patch });
  const { rule, error: formError } = ruleOf(value);
  const shownError = formError ?? error;
  const errorId = shownError ? id('error') : undefined;
  const unit = { daily: 'days', weekly: 'weeks', monthly: 'months', yearly: 'years' }[value.kind as 'daily'] ?? '';
  return (
    <fieldset className="field field-wide repeat-field">
      <legend>Repeats</legend>
      <div className="input-row">
        <label htmlFor={id('kind')} className="visually-hidden">
          How it repeats
        </label>
        <select id={id('kind')} value={value.kind} onChange={(e) => set({ kind: e.target.value as RepeatKind })} aria-describedby={errorId}>
          <option value="none">Does not repeat</option>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="monthly">Monthly</option>
          <option value="yearly">Yearly</option>
          <option value="custom">Custom rule (RRULE)</option>
        </select>
        {KIND_FREQ[value.kind] && (
          <>
            <label htmlFor={id('interval')}>Every</label>
            <input id={id('interval')} className="input-narrow" type="number" inputMode="numeric" min={1} value={value.interval} onChange={(e) => set({ interval: e.target.value })} aria-invalid={!!formError} aria-describedby={errorId} />
            <span>{unit}</span>
          </>
        )}
      </div>
      {value.kind === 'weekly' && (
        <div className="input-row day-choices" role="group" aria-label="On these days (none: the due date's weekday)">
          {DAYS.map(([code, name]) => (
            <label key={code} className="checkbox-label">
              <input
                type="checkbox"
                checked={value.days.includes(code)}
                onChange={(e) => set({ days: e.target.checked ? [...value.days, code] : value.days.filter((day) => day !== code) })}
              />
              {name}
            </label>
          ))}
        </div>
      )}
      {value.kind === 'monthly' && (
        <div className="input-row">
          <label htmlFor={id('month-day')}>On day</label>
          <select id={id('month-day')} value={value.monthDay} onChange={(e) => set({ monthDay: e.target.value })}>
            <option value="">the due date's day</option>
            {Array.from({ length: 31 }, (_, i) => (
              <option key={i + 1} value={String(i + 1)}>
                {i + 1}
              </option>
            ))}
            <option value="-1">the last day</option>
          </select>
        </div>
      )}
      {value.kind === 'yearly' && (
        <div className="input-row">
          <label htmlFor={id('month')}>On</label>
          <select id={id('month')} value={value.month} onChange={(e) => set({ month: e.target.value, yearDay: value.yearDay || (e.target.value ? '1' : '') })}>
            <option value="">the due date's day</option>
            {MONTHS.map((name, i) => (
              <option key={name} value={String(i + 1)}>
                {name}
              </option>
            ))}
          </select>
          {value.month && (
            <>
              <label htmlFor={id('year-day')} className="visually-hidden">
                Day of {MONTHS[Number(value.month) - 1]}
              </label>
              <input id={id('year-day')} className="input-narrow" type="number" min={1} max={31} value={value.yearDay} onChange={(e) => set({ yearDay: e.target.value })} />
            </>
          )}
        </div>
      )}
      {value.kind === 'custom' && (
        <div className="input-row">
          <label htmlFor={id('custom')}>Rule</label>
          <input id={id('custom')} value={value.custom} placeholder="FREQ=MONTHLY;BYDAY=+3FR" onChange={(e) => set({ custom: e.target.value })} aria-invalid={!!shownError} aria-describedby={errorId} spellCheck={false} />
        </div>
      )}
      {value.kind !== 'none' && (
        <div className="input-row">
          <label htmlFor={id('from')}>Next date counts from</label>
          <select id={id('from')} value={value.from} onChange={(e) => set({ from: e.target.value as Repeat['from'] })}>
            <option value="due">the due date</option>
            <option value="completion">when it is completed</option>
          </select>
        </div>
      )}
      {rule && (
        <p className="muted repeat-words" aria-live="polite">
          Repeats {describeRule(rule)}
          {value.from === 'completion' ? ' after each completion' : ''}
          {!hasDue && value.from === 'due' ? ' (needs a due date)' : ''}
        </p>
      )}
      {shownError && (
        <span className="field-error" id={errorId}>
          {shownError}
        </span>
      )}
    </fieldset>
  );
}
