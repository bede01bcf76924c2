import { render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../chatkit/conversation';
import { ChatEntry } from '../components/ChatItems';
import { describeRule, formatWhen, localizeTimes } from './dates';

const NOW = Date.parse('2026-12-04T15:00:00Z'); // Friday 4 Dec, 10:00 in New York

describe('times in the user’s zone and words', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says today, tomorrow and yesterday in the user’s zone, else the weekday and date', () => {
    // 04:59 UTC on the 5th is still the 4th, 11:59 PM, in New York.
    expect(formatWhen('2026-12-05T04:59:00Z', 'America/New_York', NOW)).toMatch(/^today, 11:59\sPM$/);
    expect(formatWhen('2026-12-05T04:59:00Z', 'Europe/Paris', NOW)).toMatch(/^tomorrow, 5:59\sAM$/);
    expect(formatWhen('2026-12-03T12:00:00Z', 'UTC', NOW)).toMatch(/^yesterday, 12:00\sPM$/);
    expect(formatWhen('2026-12-08T12:00:00Z', 'UTC', NOW)).toMatch(/Tue, Dec 8/);
    expect(formatWhen(null, 'UTC', NOW)).toBe('');
  });

  it('rewrites every ISO instant in a line of text and leaves the rest alone', () => {
    const line = 'due date: 2026-12-05T04:59:00Z, was 2026-12-04T10:00:00.000+00:00; id 2026-12-04';
    const out = localizeTimes(line, 'America/New_York', NOW);
    expect(out).toMatch(/^due date: today, 11:59\sPM, was today, 5:00\sAM; id 2026-12-04$/);
    expect(out).not.toContain('T04:59');
  });

  it('shows no raw UTC in a chat tool action line', () => {
    // The line says "today"/"tomorrow" near the date, so the clock is fixed a week before it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T12:00:00Z'));
    const entry = {
      kind: 'item' as const,
      key: 'a',
      done: true,
      item: {
        type: 'task',
        id: 'ti_1',
        thread_id: 't',
        created_at: '2026-12-04T15:00:00Z',
        task: { type: 'custom', title: 'Updated task #7', content: 'due date: 2026-12-09T04:59:00Z' },
      },
    };
    const { container } = render(<ChatEntry entry={entry as unknown as Entry} streaming={false} tz="America/New_York" />);
    expect(container.textContent).toMatch(/due date: Tue, Dec 8, 11:59\sPM/);
    expect(container.textContent).not.toContain('2026-12-09T04:59:00Z');
  });
});

describe('describeRule', () => {
  it('says rules in the words the assistant uses, and any other rule as written', () => {
    expect(describeRule('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR')).toBe('every weekday');
    expect(describeRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=FR')).toBe('every other week on Friday');
    expect(describeRule('FREQ=WEEKLY;BYDAY=MO,TH')).toBe('every Monday and Thursday');
    expect(describeRule('FREQ=DAILY;INTERVAL=3')).toBe('every 3 days');
    expect(describeRule('FREQ=MONTHLY')).toBe('every month');
    expect(describeRule('FREQ=WEEKLY;INTERVAL=3;BYDAY=SU')).toBe('every 3 weeks on Sunday');
    expect(describeRule('FREQ=MONTHLY;BYMONTHDAY=-1')).toBe('on the last day of every month');
    expect(describeRule('FREQ=MONTHLY;BYMONTHDAY=15')).toBe('every month on the 15th');
    expect(describeRule('FREQ=MONTHLY;BYDAY=+3FR')).toBe('every month on the third Friday');
    expect(describeRule('FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3')).toBe('every year on 3 March');
    expect(describeRule('FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO')).toBe('FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO');
    expect(describeRule('FREQ=WEEKLY;COUNT=3')).toBe('FREQ=WEEKLY;COUNT=3');
  });
});
