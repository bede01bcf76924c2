import { describe, expect, it } from 'vitest';
import { readSSE, SSEParser } from './sse';
import { streamOf } from '../test/helpers';

describe('SSEParser', () => {
  it('assembles events from chunks split mid-line and mid-field', () => {
    const p = new SSEParser();
    const out = [
      ...p.push('event: del'),
      ...p.push('ta\ndata: {"te'),
      ...p.push('xt":"Hel'),
      ...p.push('lo"}\n'),
      ...p.push('\nda'),
      ...p.push('ta: second\n\n'),
    ];
    expect(out).toEqual([
      { event: 'delta', data: '{"text":"Hello"}' },
      { event: 'message', data: 'second' },
    ]);
  });

  it('handles CRLF split between chunks, CR alone, comments and multi-line data', () => {
    const p = new SSEParser();
    const out = [
      ...p.push(': keep-alive\r'),
      ...p.push('\ndata: line one\r'),
      ...p.push('\ndata: line two\r\n\r'),
      ...p.push('\nevent: agent\rdata:{"name":"Scheduler Agent"}\r\r'),
    ];
    expect(out).toEqual([
      { event: 'message', data: 'line one\nline two' },
      { event: 'agent', data: '{"name":"Scheduler Agent"}' },
    ]);
  });

  it('a blank line without data dispatches nothing and resets the event name', () => {
    const p = new SSEParser();
    expect(p.push('event: ignored\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('splitting the same stream at every position gives the same events', () => {
    const text = 'event: agent\ndata: {"id":"triage","name":"Triage Agent"}\n\nevent: delta\ndata: {"text":"a b"}\n\n: ping\n\nevent: done\ndata: {}\n\n';
    const whole = new SSEParser().push(text);
    expect(whole).toHaveLength(3);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SSEParser();
      expect([...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))]).toEqual(whole);
    }
  });
});

describe('readSSE', () => {
  it('reads a fetch body delivered byte-unfriendly chunks, including a multi-byte character split', async () => {
    const text = 'data: {"t":"caf\u00e9 \u2713"}\n\ndata: last';
    const bytes = new TextEncoder().encode(text);
    // Cut inside the UTF-8 sequence of "é".
    const cut = text.indexOf('\u00e9') + 1;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    });
    const got = [];
    for await (const m of readSSE(body)) got.push(m);
    expect(got).toEqual([
      { event: 'message', data: '{"t":"caf\u00e9 \u2713"}' },
      { event: 'message', data: 'last' },
    ]);
  });

  it('yields events as they arrive from a text stream', async () => {
    const got: string[] = [];
    for await (const m of readSSE(streamOf(['data: 1\n', '\ndata: 2\n\n']))) got.push(m.data);
    expect(got).toEqual(['1', '2']);
  });
});
