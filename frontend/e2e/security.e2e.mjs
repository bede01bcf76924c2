#!/usr/bin/env node
// Hostile-input checks of the web page in a real Chromium (issue 14, findings 5 and 6):
// the page's security headers, no Content-Security-Policy violation while it works, no framing by another
// origin, and no off-site link rendered from the assistant's Markdown.
//
//   TASKAGENT_URL=http://127.0.0.1:8765 node frontend/e2e/security.e2e.mjs
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const BASE = (process.env.TASKAGENT_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 60_000);
const OFFSITE_TITLE = 'See [x](/\\evil.example/p) and [y](//evil.example/q)';
const results = [];

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function step(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL ${name}\n     ${String(err && err.stack ? err.stack : err).split('\n').slice(0, 4).join('\n     ')}`);
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
// Another origin (another port of the same host) that tries to frame the app.
const framer = createServer((_, res) => {
  res.setHeader('Content-Type', 'text/html');
  res.end(`<!doctype html><iframe id="app" src="${BASE}/app" width="800" height="600"></iframe>`);
});
await new Promise((resolve) => framer.listen(0, '127.0.0.1', resolve));

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const violations = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });

  await step('the page is served with a strict CSP and the other security headers', async () => {
    const response = await page.goto(`${BASE}/app`);
    const headers = response.headers();
    check(/frame-ancestors 'none'/.test(headers['content-security-policy'] || ''), `CSP: ${headers['content-security-policy']}`);
    check(!/unsafe-inline|unsafe-eval/.test(headers['content-security-policy']), 'the CSP allows inline code');
    check(headers['x-frame-options'] === 'DENY', `X-Frame-Options: ${headers['x-frame-options']}`);
    check(headers['x-content-type-options'] === 'nosniff', 'no X-Content-Type-Options');
    check(headers['referrer-policy'] === 'no-referrer', `Referrer-Policy: ${headers['referrer-policy']}`);
    check(!('server' in headers), `Server: ${headers.server}`);
  });

  await step('signed in, the page works under its CSP and renders no off-site link', async () => {
    const email = `e2e-sec-${Date.now()}@example.com`;
    const password = 'correct-horse-battery-42';
    check((await context.request.post(`${BASE}/users/signup`, { data: { email, password } })).status() === 201, 'sign-up failed');
    const login = await context.request.post(`${BASE}/auth/login`, { data: { email, password } });
    check(login.status() === 200, `sign-in: ${login.status()}`);
    const csrf = (await login.json()).csrf_token;
    const created = await context.request.post(`${BASE}/tasks`, {
      data: { title: OFFSITE_TITLE.slice(0, 200) },
      headers: { 'X-CSRF-Token': csrf },
    });
    check(created.status() === 201, `POST /tasks: ${created.status()} ${await created.text()}`);
    await page.goto(`${BASE}/app/chat`);
    const box = page.getByLabel('Message the assistant');
    await box.fill('List my tasks');
    await box.press('Enter');
    await page.locator('.messages .msg-assistant').first().waitFor();
    await page.waitForFunction(() => document.querySelector('.messages')?.getAttribute('aria-busy') === 'false');
    const transcript = await page.locator('.messages').innerText();
    check(/evil\.example/.test(transcript), `the assistant did not repeat the title: ${transcript.slice(0, 300)}`);
    const offsite = await page.evaluate(() =>
      [...document.querySelectorAll('a[href]')].map((a) => a.href).filter((href) => new URL(href).origin !== location.origin),
    );
    check(offsite.length === 0, `off-site links: ${offsite.join(', ')}`);
    check(violations.length === 0, `CSP violations: ${violations.join('; ')}`);
  });

  await step('another origin cannot frame the page', async () => {
    const port = framer.address().port;
    await page.goto(`http://localhost:${port}/`);
    await page.waitForTimeout(1500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    check(frame, 'no iframe');
    const rendered = await frame.evaluate(() => !!document.querySelector('#root')).catch(() => false);
    check(!rendered, `the app rendered inside a frame of another origin (${frame.url()})`);
  });
} finally {
  framer.close();
  await browser.close().catch(() => undefined);
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length && passed > 0 ? 0 : 1);
