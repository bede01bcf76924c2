// A Server-Sent Events parser (the WHATWG event-stream format) for fetch bodies, which EventSource
// cannot read (it only does GET and cannot send our CSRF header).

export interface SSEMessage {
  /** The `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  id?: string;
  retry?: number;
}

/** Feed it text as it arrives, in chunks split anywhere; it returns the complete events. */
export class SSEParser {
  private buffer = '';
  private pendingCR = false;
  private eventType = '';
  private dataLines: string[] = [];
  private hasData = false;
  private lastId: string | undefined;
  private retry: number | undefined;

  push(chunk: string): SSEMessage[] {
    const out: SSEMessage[] = [];
    let text = chunk;
    // A "\r" that ended the previous chunk was already a line end; skip its "\n".
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (ch === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** End of stream: forget any half-received event (the spec drops it; readSSE flushes first). */
  end(): void {
    this.buffer = '';
    this.pendingCR = false;
    this.reset();
  }

  private reset(): void {
    this.eventType = '';
    this.dataLines = [];
    this.hasData = false;
    this.retry = undefined;
  }

  private line(line: string): SSEMessage | null {
    if (line === '') {
      if (!this.hasData) {
        this.eventType = '';
        return null;
      }
      const msg: SSEMessage = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
      if (this.lastId !== undefined) msg.id = this.lastId;
      if (this.retry !== undefined) msg.retry = this.retry;
      this.reset();
      return msg;
    }
    if (line.startsWith(':')) return null; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return null;
  }
}

/** Read a fetch Response body as SSE messages, as they arrive. */
export async function* readSSE(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SSEMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  const onAbort = () => {
    reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('The stream was stopped', 'AbortError');
      const { value, done } = await reader.read();
      if (done) break;
      for (const msg of parser.push(decoder.decode(value, { stream: true }))) yield msg;
    }
    const tail = decoder.decode();
    // Be lenient with servers that end without the final blank line.
    for (const msg of parser.push(tail + '\n\n')) yield msg;
    parser.end();
    if (signal?.aborted) throw new DOMException('The stream was stopped', 'AbortError');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try {
      reader.releaseLock();
    } catch {
      /* already released */
    }
  }
}
