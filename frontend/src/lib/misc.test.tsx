import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { errorFromBody, nextLink, parseRetryAfter } from '../api/http';
import { formatMinutes, isoToLocalInput, isOverdue, localInputToIso } from './dates';
import { Markdown } from './markdown';
import { matchRoute } from './router';

describe('http helpers', () => {
  it('parses Link rel="next" into a same-origin path', () => {
    expect(nextLink('<http://127.0.0.1:8000/tasks?limit=50&cursor=xyz>; rel="next"')).toBe('/tasks?limit=50&cursor=xyz');
    expect(nextLink('</tasks?cursor=1>; rel="prev", </tasks?cursor=2>; rel="next"')).toBe('/tasks?cursor=2');
    expect(nextLink('</tasks?cursor=1>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it('turns FastAPI 422 detail lists into field errors', () => {
    const err = errorFromBody(422, { detail: [{ loc: ['body', 'title'], msg: 'String should have at least 1 character' }, { loc: ['body', 'tags', 2], msg: 'too long' }] }, null);
    expect(err.fieldErrors).toEqual({ title: 'String should have at least 1 character', tags: 'too long' });
    expect(err.message).toContain('at least 1 character');
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThanOrEqual(9);
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('dates', () => {
  it('shows and reads due dates in the user time zone', () => {
    expect(isoToLocalInput('2026-11-20T17:00:00Z', 'Europe/Paris')).toBe('2026-11-20T18:00');
    expect(localInputToIso('2026-11-20T18:00', 'Europe/Paris')).toBe('2026-11-20T17:00:00.000Z');
    expect(localInputToIso('2026-07-01T09:30', 'America/New_York')).toBe('2026-07-01T13:30:00.000Z');
    expect(localInputToIso('2026-03-29T12:00', 'Europe/London')).toBe('2026-03-29T11:00:00.000Z'); // after the DST change
    expect(localInputToIso('', 'UTC')).toBeNull();
  });

  it('overdue means past due and not completed', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(isOverdue({ due_date: '2026-11-20T11:00:00Z', status: 'pending' }, now)).toBe(true);
    expect(isOverdue({ due_date: '2026-11-20T11:00:00Z', status: 'completed' }, now)).toBe(false);
    expect(isOverdue({ due_date: '2026-11-20T13:00:00Z', status: 'in_progress' }, now)).toBe(false);
    expect(isOverdue({ due_date: null, status: 'pending' }, now)).toBe(false);
    expect(formatMinutes(90)).toBe('1 h 30 min');
  });
});

describe('Markdown', () => {
  it('renders a small Markdown subset as elements and never HTML', () => {
    const { container } = render(
      <Markdown text={'# Plan\n\n1. **Draft** the `summary`\n2. Send <script>alert(1)</script>\n\n- [docs](https://example.com) [bad](javascript:alert(1))\n\n<img src=x onerror=alert(1)>'} />,
    );
    expect(container.querySelector('ol')!.children).toHaveLength(2);
    expect(container.querySelector('strong')!.textContent).toBe('Draft');
    expect(container.querySelector('code')!.textContent).toBe('summary');
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute('href')).toBe('https://example.com');
    expect(links[0].getAttribute('rel')).toContain('noopener');
  });
});

describe('routes', () => {
  it('lives under /app', () => {
    expect(matchRoute('/app')).toEqual({ name: 'tasks' });
    expect(matchRoute('/app/chat/thr_1')).toEqual({ name: 'chat', threadId: 'thr_1' });
    expect(matchRoute('/app/tasks/12')).toEqual({ name: 'task', id: 12 });
    expect(matchRoute('/app/login')).toEqual({ name: 'login' });
    expect(matchRoute('/')).toEqual({ name: 'root' });
    expect(matchRoute('/app/nope')).toEqual({ name: 'notFound' });
  });
});
