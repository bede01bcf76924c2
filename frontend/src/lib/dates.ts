// Times travel as UTC ISO strings; people see and type them in their own IANA time zone.

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function safeZone(tz: string | undefined): string {
  if (!tz) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function partsInZone(ms: number, tz: string): Parts {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: safeZone(tz),
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour) % 24,
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS.indexOf(out.weekday),
  };
}

/** Offset of `tz` from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
export function zoneOffsetMs(ms: number, tz: string): number {
  const p = partsInZone(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the wall clock in `tz` shows the given local time. */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall - zoneOffsetMs(wall, tz);
  // Across a DST change the offset at the guess may differ; one correction settles it.
  const second = wall - zoneOffsetMs(guess, tz);
  if (second !== guess) guess = second;
  return guess;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO UTC → the value of an <input type="datetime-local"> in `tz` ("" for none). */
export function isoToLocalInput(iso: string | null | undefined, tz: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const p = partsInZone(ms, tz);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** A datetime-local value typed in `tz` → ISO UTC (null for empty or invalid). */
export function localInputToIso(value: string, tz: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi] = m;
  // A date without a time means the end of that day, as the agents read it.
  const hour = h === undefined ? 23 : Number(h);
  const minute = mi === undefined ? 59 : Number(mi);
  const ms = zonedTimeToUtc(Number(y), Number(mo), Number(d), hour, minute, tz);
  return new Date(ms).toISOString();
}

export function formatDateTime(iso: string | null | undefined, tz: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(undefined, {
    timeZone: safeZone(tz),
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    year: partsInZone(ms, tz).year === partsInZone(Date.now(), tz).year ? undefined : 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(ms));
}

export function startOfDay(ms: number, tz: string): number {
  const p = partsInZone(ms, tz);
  return zonedTimeToUtc(p.year, p.month, p.day, 0, 0, tz);
}

function addDays(ms: number, days: number, tz: string): number {
  const p = partsInZone(ms, tz);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return zonedTimeToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, tz);
}

/** The list's views: all tasks, due today, due in the next 7 days, overdue, or with no due date. */
export type TaskView = '' | 'today' | 'upcoming' | 'overdue' | 'none';

/** The due_before / due_after bounds of a view, in the user's zone. */
export function dueRange(view: TaskView, now: number, tz: string): { due_before?: string; due_after?: string } {
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (view) {
    case 'overdue':
      return { due_before: iso(now) };
    case 'today': {
      const start = startOfDay(now, tz);
      return { due_after: iso(start), due_before: iso(addDays(start, 1, tz)) };
    }
    case 'upcoming':
      // Not yet due, and due by the end of the 7th day after today (so Monday is in it on Friday).
      return { due_after: iso(now), due_before: iso(addDays(startOfDay(now, tz), 8, tz)) };
    default:
      return {};
  }
}

export function isOverdue(task: { due_date: string | null; status: string }, now: number = Date.now()): boolean {
  if (!task.due_date || task.status === 'completed') return false;
  const ms = Date.parse(task.due_date);
  return !Number.isNaN(ms) && ms < now;
}

export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes == null) return '';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** The day `ms` falls on in `tz`, as days since 1970-01-01 (for "today"/"tomorrow" comparisons). */
function dayNumber(ms: number, tz: string): number {
  const p = partsInZone(ms, tz);
  return Math.floor(Date.UTC(p.year, p.month - 1, p.day) / 86_400_000);
}

/** A time in the user's zone and words: "today, 11:59 PM", "tomorrow, 9:00 AM", else "Fri, Dec 4, 11:59 PM". */
export function formatWhen(iso: string | null | undefined, tz: string, now: number = Date.now()): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const word = { [-1]: 'yesterday', 0: 'today', 1: 'tomorrow' }[dayNumber(ms, tz) - dayNumber(now, tz)];
  if (!word) return formatDateTime(iso, tz);
  const time = new Intl.DateTimeFormat(undefined, { timeZone: safeZone(tz), hour: 'numeric', minute: '2-digit' }).format(new Date(ms));
  return `${word}, ${time}`;
}

// An ISO 8601 instant with a zone (what the server writes): 2026-12-05T04:59:00Z, ...T04:59:00.123+00:00.
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;

/** Text with every ISO instant in it rewritten in the user's zone and words. */
export function localizeTimes(text: string, tz: string, now: number = Date.now()): string {
  return text.replace(ISO_INSTANT, (iso) => formatWhen(iso, tz, now));
}

const RULE_DAYS: Record<string, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const RULE_UNITS: Record<string, string> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ORDINAL_WORDS: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '5': 'fifth', '-1': 'last' };

export function ordinal(n: number): string {
  const teen = n % 100 >= 10 && n % 100 <= 20;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** An RRULE in words, as the assistant says it (tasks.recurrence.describe on the server): "every weekday",
 * "every 3 days", "every other week on Tuesday", "every month on the 15th", "on the last day of every
 * month", "every month on the third Friday", "every year on 3 March"; any other rule as it is written. */
export function describeRule(rule: string): string {
  const parts: Record<string, string> = Object.fromEntries(rule.split(';').map((part) => part.split('=') as [string, string]));
  const unit = RULE_UNITS[parts.FREQ];
  const n = Number(parts.INTERVAL ?? '1');
  const other = Object.keys(parts).filter((key) => !['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH'].includes(key));
  if (!unit || other.length || !Number.isInteger(n) || n < 1) return rule;
  const every = n === 1 ? `every ${unit}` : n === 2 ? `every other ${unit}` : `every ${n} ${unit}s`;
  const codes = parts.BYDAY ? parts.BYDAY.split(',') : [];
  const monthDays = parts.BYMONTHDAY ? parts.BYMONTHDAY.split(',') : [];
  if (parts.FREQ === 'WEEKLY' && !monthDays.length && !parts.BYMONTH) {
    if (!codes.length) return every;
    if (codes.some((code) => !RULE_DAYS[code])) return rule;
    const named = parts.BYDAY === 'MO,TU,WE,TH,FR' ? 'weekday' : parts.BYDAY === 'SA,SU' ? 'weekend' : andList(codes.map((code) => RULE_DAYS[code]));
    return n === 1 ? `every ${named}` : `${every} on ${named}`;
  }
  if (parts.FREQ === 'MONTHLY' && !parts.BYMONTH) {
    if (!codes.length && monthDays.length === 1) {
      const day = Number(monthDays[0]);
      if (day === -1) return `on the last day of ${n === 1 ? 'every month' : every}`;
      if (Number.isInteger(day) && day >= 1 && day <= 31) return `${every} on the ${ordinal(day)}`;
      return rule;
    }
    if (codes.length === 1 && !monthDays.length) {
      const found = /^([+-]?\d)([A-Z]{2})$/.exec(codes[0]);
      const nth = found ? ORDINAL_WORDS[String(Number(found[1]))] : undefined;
      return found && nth && RULE_DAYS[found[2]] ? `${every} on the ${nth} ${RULE_DAYS[found[2]]}` : rule;
    }
  }
  if (parts.FREQ === 'YEARLY' && !codes.length && monthDays.length === 1 && parts.BYMONTH) {
    const month = MONTHS[Number(parts.BYMONTH) - 1];
    const day = Number(monthDays[0]);
    return month && day >= 1 && day <= 31 ? `${every} on ${day} ${month}` : rule;
  }
  if (codes.length || monthDays.length || parts.BYMONTH) return rule;
  return every;
}

function andList(words: string[]): string {
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
