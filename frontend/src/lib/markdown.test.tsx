import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown, safeHref } from './markdown';

const ORIGIN = 'http://127.0.0.1:8000';

describe('safeHref', () => {
  it('keeps absolute http(s) URLs and paths of this site', () => {
    expect(safeHref('https://example.com/a?b=1#c', ORIGIN)).toBe('https://example.com/a?b=1#c');
    expect(safeHref('HTTP://example.com', ORIGIN)).toBe('HTTP://example.com');
    expect(safeHref('/app/tasks/12', ORIGIN)).toBe('/app/tasks/12');
  });

  it('refuses every spelling that leaves the site or runs code', () => {
    for (const href of [
      '/\\evil.example/p', // Chromium reads it as //evil.example/p
      '/\\/evil.example',
      '\\\\evil.example',
      '//evil.example/p',
      '/\t/evil.example',
      '/%09/evil.example/x'.replace('%09', '\n'),
      'https:\\\\evil.example',
      'https:evil.example',
      'https:/evil.example',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      'evil.example/p',
      'mailto:a@example.com',
      '',
    ]) {
      expect(safeHref(href, ORIGIN), JSON.stringify(href)).toBeNull();
    }
  });
});

describe('Markdown links', () => {
  it('renders refused links as plain text and safe ones opened safely', () => {
    const { container } = render(<Markdown text={'[x](/\\evil.example/p) [ok](https://example.com) [home](/app)'} />);
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com', '/app']);
    expect(links[0].getAttribute('target')).toBe('_blank');
    expect(links[0].getAttribute('rel')).toContain('noopener');
    expect(links[0].getAttribute('rel')).toContain('noreferrer');
    expect(container.textContent).toContain('x');
  });
});
