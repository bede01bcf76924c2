import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HelpPanel } from './HelpPanel';
import { resetSpecialists } from '../api/help';
import { json, mockFetch, sse } from '../test/helpers';

const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

describe('HelpPanel', () => {
  beforeEach(() => resetSpecialists());

  it('offers the configured specialists and asks the one chosen directly', async () => {
    const status = {
      agents: [
        { id: 'triage', name: 'Triage Agent', description: 'Routes' },
        { id: 'incident', name: 'Incident Follow-up Agent', description: 'After an outage: the postmortem.' },
        { id: 'breakdown', name: 'Breakdown Agent', description: 'Splits a task.' },
        { id: 'task_manager', name: 'Task Manager', description: 'The chat' },
      ],
      specialists: ['incident', 'breakdown'],
      default_specialist: 'breakdown',
      triage_enabled: true,
      model: 'local (offline engine)',
    };
    const { calls } = mockFetch((url, init) => {
      if (url === '/agents/status') return json(status);
      if (url === '/tasks/5/help' && (init.method ?? 'GET') === 'GET')
        return json({ thread_id: 't', items: [{ id: 'i1', role: 'assistant', agent: 'incident', text: 'Earlier timeline', created_at: '2026-11-19T10:00:01Z' }] });
      if (url === '/tasks/5/help')
        return sse([ev('agent', { id: 'incident', name: 'Incident Follow-up Agent' }), ev('delta', { text: 'Timeline first.' }), ev('done', { specialist: 'incident', thread_id: 't' })]);
      throw new Error(url);
    });
    render(<HelpPanel taskId={5} tz="UTC" />);
    const select = (await screen.findByLabelText('Who answers')) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['Let triage choose', 'Incident Follow-up Agent', 'Breakdown Agent']);
    expect(select.value).toBe('');
    // Earlier answers name the specialist as the service calls it.
    expect(await screen.findByText('Incident Follow-up Agent', { selector: '.help-who' })).toBeTruthy();
    fireEvent.change(select, { target: { value: 'incident' } });
    expect(screen.getByText('After an outage: the postmortem.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('What do you need?'), { target: { value: 'What do we follow up on?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ask for help' }));
    expect(await screen.findByText('Timeline first.')).toBeTruthy();
    expect(screen.getByText('Incident Follow-up Agent', { selector: 'strong' })).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ query: 'What do we follow up on?', specialist: 'incident' });
    expect(calls.filter((c) => c.url === '/agents/status')).toHaveLength(1);
  });

  it('lets triage choose when the specialists cannot be read', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url === '/agents/status') return json({ detail: 'down' }, { status: 503 });
      if ((init.method ?? 'GET') === 'GET') return json({ thread_id: null, items: [] });
      return sse([ev('done', { specialist: 'breakdown', thread_id: 't' })]);
    });
    render(<HelpPanel taskId={6} tz="UTC" />);
    await waitFor(() => expect(calls.some((c) => c.url === '/agents/status')).toBe(true));
    expect(screen.queryByLabelText('Who answers')).toBeNull();
    fireEvent.change(screen.getByLabelText('What do you need?'), { target: { value: 'Help' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ask for help' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ query: 'Help' });
  });

  it('shows earlier help, then streams a new answer naming the specialist', async () => {
    document.cookie = 'taskagent_csrf=zz; path=/';
    const body = [
      ev('agent', { id: 'triage', name: 'Triage Agent' }),
      ev('agent', { id: 'blocker', name: 'Blocker Agent' }),
      ev('tool', { name: 'get_task', arguments: { task_id: 3 }, result: { id: 3 } }),
      ev('delta', { text: 'Ask the ' }),
      ev('delta', { text: '**finance team** first.' }),
      ev('done', { specialist: 'blocker', thread_id: 'thr_h' }),
    ].join('');
    const chunks: string[] = [];
    for (let i = 0; i < body.length; i += 11) chunks.push(body.slice(i, i + 11));
    const { calls } = mockFetch((url, init) => {
      if (url === '/tasks/3/help' && (init.method ?? 'GET') === 'GET')
        return json({ thread_id: 'thr_h', items: [{ id: 'i1', role: 'user', text: 'Earlier question', created_at: '2026-11-19T10:00:00Z' }, { id: 'i2', role: 'assistant', agent: 'scheduler', text: 'Earlier <b>answer</b>', created_at: '2026-11-19T10:00:01Z' }] });
      if (url === '/tasks/3/help') return sse(chunks);
      throw new Error(url);
    });
    const onTaskChanged = vi.fn();
    const { container } = render(<HelpPanel taskId={3} tz="UTC" onTaskChanged={onTaskChanged} />);
    expect(await screen.findByText('Earlier <b>answer</b>')).toBeTruthy();
    expect(screen.getByText('Scheduler Agent')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('What do you need?'), { target: { value: 'I am blocked on budget numbers' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ask for help' }));
    await screen.findByText('finance team');
    expect(screen.getByText('Blocker Agent', { selector: 'strong' })).toBeTruthy();
    expect(screen.getByText('Triage Agent')).toBeTruthy();
    expect(screen.getByText('get task')).toBeTruthy();
    expect(container.querySelector('.help-answer')!.textContent).toBe('Ask the finance team first.');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ query: 'I am blocked on budget numbers' });
    expect(post.headers['x-csrf-token']).toBe('zz');
    expect(post.headers.accept).toBe('text/event-stream');
    await waitFor(() => expect(onTaskChanged).toHaveBeenCalled());
    expect(container.querySelector('b')).toBeNull();
  });

  it('"Plan it" works without a query; errors and 429 offer a retry', async () => {
    let n = 0;
    const { calls } = mockFetch((_url, init) => {
      if ((init.method ?? 'GET') === 'GET') return json({ detail: 'Not found' }, { status: 404 });
      n++;
      if (n === 1) return json({ detail: 'Too many requests' }, { status: 429, headers: { 'Retry-After': '9' } });
      if (n === 2) return sse([ev('agent', { id: 'scheduler', name: 'Scheduler Agent' }), ev('error', { message: 'The model timed out' })]);
      return sse([ev('agent', { id: 'scheduler', name: 'Scheduler Agent' }), ev('delta', { text: 'Do it Monday morning.' }), ev('done', { specialist: 'scheduler', thread_id: 't' })]);
    });
    render(<HelpPanel taskId={8} tz="UTC" />);
    fireEvent.click(screen.getByRole('button', { name: 'Plan it' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Too many requests, try again in 9 s');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect((await screen.findByText(/The model timed out/)).textContent).toContain('The model timed out');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Do it Monday morning.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST').every((c) => c.url === '/tasks/8/schedule')).toBe(true);
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({});
  });

  it('asks for a question before "Ask for help"', async () => {
    const { calls } = mockFetch(() => json({ thread_id: null, items: [] }));
    render(<HelpPanel taskId={1} tz="UTC" />);
    fireEvent.click(screen.getByRole('button', { name: 'Ask for help' }));
    expect(await screen.findByText('Say what you need help with.')).toBeTruthy();
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
  });
});
