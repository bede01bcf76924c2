import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuickAdd } from './QuickAdd';
import type { ParsedTask } from '../api/tasks';
import { json, mockFetch, task, type FetchCall } from '../test/helpers';

afterEach(() => vi.unstubAllGlobals());

const PAY_RENT = 'Pay rent tomorrow 5pm !high #home';
// Far from today, so that the chip shows a date rather than "tomorrow".
const DUE = '2027-03-05T22:00:00Z'; // 5:00 PM in New York

function parsed(overrides: Partial<ParsedTask> = {}): ParsedTask {
  return {
    title: 'Pay rent',
    due_date: null,
    priority: null,
    tags: [],
    recurrence: null,
    repeat_from: null,
    estimate_minutes: null,
    description: null,
    reminders: [],
    recognised: [],
    ...overrides,
  };
}

const PAY_RENT_READ = parsed({
  due_date: DUE,
  priority: 'high',
  tags: ['home'],
  recognised: [
    { field: 'due_date', text: 'tomorrow 5pm', start: 9, end: 21 },
    { field: 'priority', text: '!high', start: 22, end: 27 },
    { field: 'tags', text: '#home', start: 28, end: 33 },
  ],
});

const parses = (calls: FetchCall[]) => calls.filter((c) => c.url === '/tasks/parse');
const creates = (calls: FetchCall[]) => calls.filter((c) => c.url === '/tasks' && c.method === 'POST');

function setup(tz = 'America/New_York') {
  const onCreated = vi.fn();
  render(<QuickAdd tz={tz} inputId="new" onCreated={onCreated} />);
  const input = screen.getByLabelText('New task title') as HTMLInputElement;
  const type = (value: string) => fireEvent.change(input, { target: { value } });
  return { onCreated, input, type };
}

describe('QuickAdd', () => {
  it('shows what it understood, in the user zone, and adds the task with those fields', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url === '/tasks/parse') return json(PAY_RENT_READ);
      return json(task({ id: 7, title: 'Pay rent', ...(init.json as object) }), { status: 201 });
    });
    const { onCreated, input, type } = setup();
    type(PAY_RENT);
    const chips = await screen.findByRole('list', { name: 'Understood' });
    const labels = within(chips)
      .getAllByRole('button', { name: /\. Change$/ })
      .map((b) => b.textContent);
    expect(labels).toEqual([expect.stringMatching(/^Due: .*Mar 5, 2027.*5:00\sPM$/), 'Priority: high', '#home']);
    expect(within(chips).getByRole('button', { name: /^Remove “Priority: high”: keep “!high” in the title$/ })).toBeTruthy();
    expect(screen.getByText('Pay rent', { selector: 'strong' })).toBeTruthy();
    // Announced politely, once it settles.
    const live = document.querySelector('[aria-live="polite"]')!;
    expect(live.textContent).toMatch(/^Will add “Pay rent”\. Due: .*\. Priority: high\. #home$/);
    expect(parses(calls).map((c) => c.body)).toEqual([{ text: PAY_RENT, ignore: [] }]);

    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    expect(creates(calls).map((c) => c.body)).toEqual([{ title: 'Pay rent', due_date: DUE, priority: 'high', tags: ['home'] }]);
    expect(input.value).toBe('');
    expect(screen.queryByRole('list', { name: 'Understood' })).toBeNull();
  });

  it('reads once typing pauses, and drops an answer that arrives for older words', async () => {
    const answers: Record<string, (r: Response) => void> = {};
    const signals: Record<string, AbortSignal> = {};
    const { calls } = mockFetch(
      (_url, init) =>
        new Promise<Response>((resolve) => {
          // Answers when the test says, even after an abort (as a response already on its way would).
          const text = (init.json as { text: string }).text;
          answers[text] = resolve;
          signals[text] = init.signal!;
        }),
    );
    const { type } = setup();
    type('Call');
    type('Call mom');
    type('Call mom at 5pm');
    await waitFor(() => expect(parses(calls)).toHaveLength(1));
    expect(parses(calls)[0].body).toEqual({ text: 'Call mom at 5pm', ignore: [] });
    type('Call mom at 5pm #family');
    await waitFor(() => expect(parses(calls)).toHaveLength(2));
    // The older request was cancelled, and its late answer is never shown.
    expect(signals['Call mom at 5pm'].aborted).toBe(true);
    expect(signals['Call mom at 5pm #family'].aborted).toBe(false);
    answers['Call mom at 5pm #family'](json(parsed({ title: 'Call mom at 5pm', tags: ['family'] })));
    expect(await screen.findByRole('button', { name: /^#family\./ })).toBeTruthy();
    answers['Call mom at 5pm'](json(parsed({ title: 'STALE' })));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText('STALE')).toBeNull();
    expect(screen.getByText('Call mom at 5pm', { selector: 'strong' })).toBeTruthy();
  });

  it('removing a chip keeps its words in the title', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url === '/tasks/parse') {
        const body = init.json as { ignore: string[] };
        return json(
          body.ignore.includes('due_date')
            ? parsed({ title: 'Call mom at 5pm', tags: ['family'], recognised: [{ field: 'tags', text: '#family', start: 16, end: 23 }] })
            : parsed({
                title: 'Call mom',
                due_date: DUE,
                tags: ['family'],
                recognised: [
                  { field: 'due_date', text: 'at 5pm', start: 9, end: 15 },
                  { field: 'tags', text: '#family', start: 16, end: 23 },
                ],
              }),
        );
      }
      return json(task({ id: 3, ...(init.json as object) }), { status: 201 });
    });
    const { input, type } = setup();
    type('Call mom at 5pm #family');
    fireEvent.click(await screen.findByRole('button', { name: /^Remove “Due: .*”: keep “at 5pm” in the title$/ }));
    expect(await screen.findByText('Call mom at 5pm', { selector: 'strong' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Due:/ })).toBeNull();
    expect(parses(calls).at(-1)!.body).toEqual({ text: 'Call mom at 5pm #family', ignore: ['due_date'] });
    // Removed by mistake: it can be read again, and removed again.
    fireEvent.click(screen.getByRole('button', { name: 'Read the due date again' }));
    await screen.findByRole('button', { name: /^Due: / });
    expect(parses(calls).at(-1)!.body).toEqual({ text: 'Call mom at 5pm #family', ignore: [] });
    expect(screen.queryByRole('button', { name: 'Read the due date again' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /^Remove “Due: / }));
    expect(await screen.findByText('Call mom at 5pm', { selector: 'strong' })).toBeTruthy();
    fireEvent.submit(input.form!);
    await waitFor(() => expect(creates(calls)).toHaveLength(1));
    expect(creates(calls)[0].body).toEqual({ title: 'Call mom at 5pm', tags: ['family'] });
  });

  it('says a rule in words and sends it with where it repeats from', async () => {
    const { calls } = mockFetch((url, init) =>
      url === '/tasks/parse'
        ? json(
            parsed({
              title: 'water plants',
              recurrence: 'FREQ=DAILY;INTERVAL=3',
              repeat_from: 'completion',
              recognised: [{ field: 'recurrence', text: 'every 3 days', start: 13, end: 25 }],
            }),
          )
        : json(task({ id: 4, ...(init.json as object) }), { status: 201 }),
    );
    const { input, type } = setup();
    type('water plants every 3 days');
    expect(await screen.findByRole('button', { name: /^Repeats: every 3 days after each completion\./ })).toBeTruthy();
    fireEvent.submit(input.form!);
    await waitFor(() => expect(creates(calls)).toHaveLength(1));
    expect(creates(calls)[0].body).toEqual({ title: 'water plants', recurrence: 'FREQ=DAILY;INTERVAL=3', repeat_from: 'completion' });
  });

  it('shows due dates in the user zone', async () => {
    mockFetch(() => json(parsed({ due_date: DUE, recognised: [{ field: 'due_date', text: 'Mar 5 5pm', start: 9, end: 18 }] })));
    const { type } = setup('UTC');
    type('Pay rent Mar 5 5pm');
    expect(await screen.findByRole('button', { name: /^Due: .*10:00\sPM\./ })).toBeTruthy();
  });

  it('reads at once when Enter comes before the reading', async () => {
    const { calls } = mockFetch((url, init) =>
      url === '/tasks/parse' ? json(PAY_RENT_READ) : json(task({ id: 5, ...(init.json as object) }), { status: 201 }),
    );
    const { onCreated, input, type } = setup();
    type(PAY_RENT);
    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(creates(calls)[0].body).toMatchObject({ title: 'Pay rent', priority: 'high' });
  });

  it.each([
    ['offline', () => Promise.reject(new TypeError('Failed to fetch'))],
    ['rate limited', () => json({ detail: 'Too many requests' }, { status: 429, headers: { 'Retry-After': '30' } })],
    ['a server error', () => json({ detail: 'boom' }, { status: 500 })],
  ])('adds the words as a plain title when reading fails (%s)', async (_name, failure) => {
    const { calls } = mockFetch((url, init) =>
      url === '/tasks/parse' ? failure() : json(task({ id: 6, ...(init.json as object) }), { status: 201 }),
    );
    const { onCreated, input, type } = setup();
    type('Pay rent tomorrow !high');
    await waitFor(() => expect(parses(calls)).toHaveLength(1));
    expect(screen.queryByRole('list', { name: 'Understood' })).toBeNull();
    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(creates(calls)[0].body).toEqual({ title: 'Pay rent tomorrow !high' });
  });

  it('asks for a title when every word was read as a field, and adds nothing', async () => {
    const { calls } = mockFetch(() =>
      json(parsed({ title: null, due_date: DUE, recognised: [{ field: 'due_date', text: 'tomorrow', start: 0, end: 8 }] })),
    );
    const { input, type } = setup();
    type('tomorrow');
    expect(await screen.findByText('No title yet')).toBeTruthy();
    fireEvent.submit(input.form!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Add a title/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(creates(calls)).toHaveLength(0);
  });

  it('says why words cannot be a task (422) and adds nothing', async () => {
    const message = 'the title left once the dates and fields are read is 250 characters; a title has at most 200';
    const { calls } = mockFetch(() => json({ detail: [{ loc: ['body', 'text'], msg: message, type: 'value_error' }] }, { status: 422 }));
    const { input, type } = setup();
    type('word '.repeat(50));
    expect(await screen.findByText(new RegExp(message))).toBeTruthy();
    fireEvent.submit(input.form!);
    expect((await screen.findByRole('alert')).textContent).toContain('at most 200');
    expect(creates(calls)).toHaveLength(0);
  });

  it('has no axe violations with its chips shown', async () => {
    mockFetch(() => json(PAY_RENT_READ));
    const { type } = setup();
    type(PAY_RENT);
    await screen.findByRole('list', { name: 'Understood' });
    const axe = (await import('axe-core')).default;
    // Landmarks ('region') are the page's; the browser test runs axe on the whole page.
    const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(result.violations.map((v) => v.id)).toEqual([]);
  });

  it('refuses an empty line without calling the server', async () => {
    const { calls } = mockFetch(() => json(parsed()));
    const { input, type } = setup();
    type('   ');
    fireEvent.submit(input.form!);
    expect((await screen.findByRole('alert')).textContent).toBe('Type a title first');
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(0);
  });
});

describe('QuickAdd: repetition and reminders', () => {
  it('shows the repetition and a reminder before the due date as chips, and adds the task with them', async () => {
    const text = 'Pay rent every month on the 1st, remind me 2 days before';
    const { calls } = mockFetch((url, init) => {
      if (url === '/tasks/parse') {
        return json(
          parsed({
            title: 'Pay rent',
            due_date: DUE,
            recurrence: 'FREQ=MONTHLY;BYMONTHDAY=1',
            repeat_from: 'due',
            reminders: [{ before_minutes: 2880 }],
            recognised: [
              { field: 'recurrence', text: 'every month on the 1st', start: 9, end: 31 },
              { field: 'reminders', text: 'remind me 2 days before', start: 33, end: 56 },
            ],
          }),
        );
      }
      return json(task({ id: 7, title: 'Pay rent', ...(init.json as object) }), { status: 201 });
    });
    const { onCreated, input, type } = setup();
    type(text);
    const chips = await screen.findByRole('list', { name: 'Understood' });
    expect(within(chips).getByRole('button', { name: /^Remove “Repeats: every month on the 1st”: keep “every month on the 1st” in the title$/ })).toBeTruthy();
    expect(within(chips).getByRole('button', { name: /^Reminder: 2 days before\./ })).toBeTruthy();
    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    expect(creates(calls).map((c) => c.body)).toEqual([
      { title: 'Pay rent', due_date: DUE, recurrence: 'FREQ=MONTHLY;BYMONTHDAY=1', repeat_from: 'due', reminders: [{ before_minutes: 2880 }] },
    ]);
  });
});

describe('QuickAdd: chips edited in place', () => {
  const created = (init: RequestInit & { json?: unknown }) => json(task({ id: 9, ...(init.json as object) }), { status: 201 });

  it('edits the due date, the priority and the tags; Enter keeps a change without adding; the POST carries them', async () => {
    const { calls } = mockFetch((url, init) => (url === '/tasks/parse' ? json(PAY_RENT_READ) : created(init)));
    const { onCreated, input, type } = setup();
    type(PAY_RENT);
    const chips = await screen.findByRole('list', { name: 'Understood' });

    // The due date: a date and time in the user's zone, focused when the editor opens.
    fireEvent.click(within(chips).getByRole('button', { name: /^Due: .*\. Change$/ }));
    const due = within(chips).getByLabelText('Due') as HTMLInputElement;
    expect(within(chips).getByRole('group', { name: 'Change the due date' })).toBeTruthy();
    expect(due.value).toBe('2027-03-05T17:00');
    expect(document.activeElement).toBe(due);
    fireEvent.change(due, { target: { value: '2027-03-06T09:30' } });
    fireEvent.keyDown(due, { key: 'Enter' });
    const dueChip = await within(chips).findByRole('button', { name: /^Due: .*Mar 6, 2027.*9:30\sAM\. Change$/ });
    expect(document.activeElement).toBe(dueChip);

    // The priority: a select, kept with Done.
    fireEvent.click(within(chips).getByRole('button', { name: 'Priority: high. Change' }));
    expect((within(chips).getByLabelText('Priority') as HTMLSelectElement).value).toBe('high');
    fireEvent.change(within(chips).getByLabelText('Priority'), { target: { value: 'urgent' } });
    fireEvent.click(within(chips).getByRole('button', { name: 'Done' }));
    await within(chips).findByRole('button', { name: 'Priority: urgent. Change' });

    // The tags: text, with or without #.
    fireEvent.click(within(chips).getByRole('button', { name: '#home. Change' }));
    const tags = within(chips).getByLabelText('Tags') as HTMLInputElement;
    expect(tags.value).toBe('#home');
    fireEvent.change(tags, { target: { value: '#home errands' } });
    fireEvent.keyDown(tags, { key: 'Enter' });
    await within(chips).findByRole('button', { name: '#home #errands. Change' });

    expect(document.querySelector('[aria-live="polite"]')!.textContent).toMatch(/^Will add “Pay rent”\. Due: .*Mar 6.*\. Priority: urgent\. #home #errands$/);
    expect(onCreated).not.toHaveBeenCalled();
    expect(creates(calls)).toHaveLength(0);
    // Editing reads nothing again: the line is the same.
    expect(parses(calls)).toHaveLength(1);
    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    // 9:30 in New York on March 6, 2027 (EST) is 14:30 UTC.
    expect(creates(calls).map((c) => c.body)).toEqual([{ title: 'Pay rent', due_date: '2027-03-06T14:30:00.000Z', priority: 'urgent', tags: ['home', 'errands'] }]);
  });

  it('Escape drops a change and puts focus back on the chip; the repetition uses the repeat picker, the reminder a select', async () => {
    const { calls } = mockFetch((url, init) =>
      url === '/tasks/parse'
        ? json(
            parsed({
              due_date: DUE,
              recurrence: 'FREQ=MONTHLY;BYMONTHDAY=1',
              repeat_from: 'due',
              reminders: [{ before_minutes: 2880 }],
              recognised: [
                { field: 'recurrence', text: 'every month on the 1st', start: 9, end: 31 },
                { field: 'reminders', text: 'remind me 2 days before', start: 33, end: 56 },
              ],
            }),
          )
        : created(init),
    );
    const { onCreated, input, type } = setup();
    type('Pay rent every month on the 1st, remind me 2 days before');
    const chips = await screen.findByRole('list', { name: 'Understood' });

    fireEvent.click(within(chips).getByRole('button', { name: 'Reminder: 2 days before. Change' }));
    const reminder = within(chips).getByLabelText('Reminder') as HTMLSelectElement;
    expect(reminder.value).toBe('2880');
    fireEvent.change(reminder, { target: { value: '60' } });
    fireEvent.keyDown(reminder, { key: 'Escape' });
    const chip = await within(chips).findByRole('button', { name: 'Reminder: 2 days before. Change' });
    expect(document.activeElement).toBe(chip);
    expect(within(chips).queryByRole('group')).toBeNull();

    fireEvent.click(chip);
    fireEvent.change(within(chips).getByLabelText('Reminder'), { target: { value: '60' } });
    fireEvent.click(within(chips).getByRole('button', { name: 'Done' }));
    await within(chips).findByRole('button', { name: /^Reminder: 1 h.* before\. Change$/ });

    fireEvent.click(within(chips).getByRole('button', { name: /^Repeats: every month on the 1st\. Change$/ }));
    fireEvent.change(within(chips).getByLabelText('How it repeats'), { target: { value: 'weekly' } });
    fireEvent.click(within(chips).getByLabelText('Friday'));
    fireEvent.change(within(chips).getByLabelText('Next date counts from'), { target: { value: 'completion' } });
    fireEvent.click(within(chips).getByRole('button', { name: 'Done' }));
    await within(chips).findByRole('button', { name: /^Repeats: .* after each completion\. Change$/ });

    fireEvent.submit(input.form!);
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    expect(creates(calls).map((c) => c.body)).toEqual([
      { title: 'Pay rent', due_date: DUE, recurrence: 'FREQ=WEEKLY;BYDAY=FR', repeat_from: 'completion', reminders: [{ before_minutes: 60 }] },
    ]);
  });

  it('a wrong value is said in the editor; removing an edited chip drops the change and keeps its words', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url !== '/tasks/parse') return created(init);
      const ignore = (init.json as { ignore: string[] }).ignore;
      return json(
        ignore.includes('priority')
          ? parsed({ title: 'Pay rent !high', due_date: DUE, recognised: PAY_RENT_READ.recognised.filter((r) => r.field === 'due_date') })
          : parsed({ ...PAY_RENT_READ, tags: [], recognised: PAY_RENT_READ.recognised.filter((r) => r.field !== 'tags') }),
      );
    });
    const { input, type } = setup();
    type('Pay rent tomorrow 5pm !high');
    const chips = await screen.findByRole('list', { name: 'Understood' });

    fireEvent.click(within(chips).getByRole('button', { name: /^Due: .*\. Change$/ }));
    fireEvent.change(within(chips).getByLabelText('Due'), { target: { value: '' } });
    fireEvent.click(within(chips).getByRole('button', { name: 'Done' }));
    expect((await within(chips).findByRole('alert')).textContent).toBe('Pick a date and a time');
    expect(within(chips).getByLabelText('Due').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(within(chips).getByRole('button', { name: 'Cancel' }));

    fireEvent.click(await within(chips).findByRole('button', { name: 'Priority: high. Change' }));
    fireEvent.change(within(chips).getByLabelText('Priority'), { target: { value: 'low' } });
    fireEvent.click(within(chips).getByRole('button', { name: 'Done' }));
    fireEvent.click(await within(chips).findByRole('button', { name: /^Remove “Priority: low”: keep “!high” in the title$/ }));
    expect(await screen.findByText('Pay rent !high', { selector: 'strong' })).toBeTruthy();
    fireEvent.submit(input.form!);
    await waitFor(() => expect(creates(calls)).toHaveLength(1));
    expect(creates(calls)[0].body).toEqual({ title: 'Pay rent !high', due_date: DUE });
  });

  it('an open editor closes when its words are typed out of the line, and does not come back with them', async () => {
    mockFetch((_url, init) => {
      const text = (init.json as { text: string }).text;
      return json(text.includes('tomorrow') ? parsed({ title: 'Call', due_date: DUE, recognised: [{ field: 'due_date', text: 'tomorrow', start: 5, end: 13 }] }) : parsed({ title: text }));
    });
    const { type } = setup();
    type('Call tomorrow');
    fireEvent.click(await screen.findByRole('button', { name: /^Due: .*\. Change$/ }));
    expect(screen.getByRole('group', { name: 'Change the due date' })).toBeTruthy();
    type('Call');
    await screen.findByText('Call', { selector: 'strong' });
    await waitFor(() => expect(screen.queryByRole('group', { name: 'Change the due date' })).toBeNull());
    type('Call tomorrow');
    await screen.findByRole('button', { name: /^Due: .*\. Change$/ });
    expect(screen.queryByRole('group', { name: 'Change the due date' })).toBeNull();
  });

  it('has no axe violations with an editor open', async () => {
    mockFetch(() => json(PAY_RENT_READ));
    const { type } = setup();
    type(PAY_RENT);
    const chips = await screen.findByRole('list', { name: 'Understood' });
    const axe = (await import('axe-core')).default;
    for (const name of [/^Due: .*\. Change$/, /^Priority: .*\. Change$/, /^#home\. Change$/]) {
      fireEvent.click(within(chips).getByRole('button', { name }));
      const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
      expect(result.violations.map((v) => v.id)).toEqual([]);
      fireEvent.click(within(chips).getByRole('button', { name: 'Cancel' }));
    }
  });
});
