#!/usr/bin/env node
// Lighthouse on the built page, offline, in Debian's Chromium (`make lighthouse`; a measurement, not part of
// `make test`). Starts `taskagent serve` on a fresh SQLite data folder and a free port (as tests/e2e/run.py
// does), signs up a user with a few tasks, then runs Lighthouse's default configuration, the phone profile
// (Moto G Power emulation, simulated slow 4G and 4x CPU slowdown), on the sign-in page and on the signed-in
// task list. Prints the four category scores per page and every audit that did not pass; the reports are
// saved under <repo>/test-artifacts/lighthouse/ (LIGHTHOUSE_ARTIFACTS overrides).
//
// The task list is measured with the user's session cookie set in the browser beforehand (through
// playwright-core over CDP): Lighthouse's default storage reset keeps cookies and still empties the browser
// cache and the origin's other storage, so it is a cold load like the sign-in page, only signed in.
//
//   CHROME_PATH=/usr/bin/chromium node scripts/lighthouse.mjs        (from frontend/, after `npm run build`)
//   LIGHTHOUSE_MIN=95 makes the run fail when performance, accessibility or best practices score below it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARTIFACTS = resolve(process.env.LIGHTHOUSE_ARTIFACTS || join(ROOT, 'test-artifacts/lighthouse'));
const MIN = Number(process.env.LIGHTHOUSE_MIN || 0);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const REQUIRED = ['performance', 'accessibility', 'best-practices'];
const PASSWORD = 'correct-horse-battery-42';

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

async function api(base, path, init = {}) {
  const res = await fetch(`${base}${path}`, init);
  if (!res.ok) throw new Error(`${init.method || 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** A user with a few tasks (dated, tagged, one repeating, one with subtasks); the session cookie. */
async function seed(base) {
  const email = `lighthouse-${Date.now()}@example.com`;
  const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await api(base, '/users/signup', json({ email, password: PASSWORD }));
  const token = (await (await api(base, '/token', { method: 'POST', body: new URLSearchParams({ username: email, password: PASSWORD }) })).json()).access_token;
  const auth = (body) => ({ ...json(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
  const day = 86_400_000;
  const tasks = [
    { title: 'Pay rent', priority: 'high', due_date: new Date(Date.now() + day).toISOString(), tags: ['home'], recurrence: 'FREQ=MONTHLY;BYMONTHDAY=1' },
    { title: 'Review the Q4 report', priority: 'urgent', due_date: new Date(Date.now() - day).toISOString(), tags: ['work'] },
    { title: 'Call mom', due_date: new Date(Date.now() + 3 * day).toISOString(), tags: ['family'] },
    { title: 'Plan the trip', description: 'Flights, hotel, a day in the mountains', estimate_minutes: 90 },
    { title: 'Buy groceries', priority: 'low', tags: ['home', 'errands'] },
  ];
  for (const task of tasks) await api(base, '/tasks', auth(task));
  const parent = await (await api(base, '/tasks', auth({ title: 'Move house', priority: 'high' }))).json();
  for (const title of ['Book the van', 'Pack the kitchen']) await api(base, '/tasks', auth({ title, parent_id: parent.id }));
  const login = await api(base, '/auth/login', json({ email, password: PASSWORD }));
  const cookies = login.headers.getSetCookie().map((c) => {
    const [name, ...value] = c.split(';')[0].split('=');
    return { name: name.trim(), value: value.join('='), url: base };
  });
  return { cookies };
}

function summary(lhr) {
  const scores = Object.fromEntries(CATEGORIES.map((id) => [id, Math.round((lhr.categories[id]?.score ?? 0) * 100)]));
  const failing = [];
  for (const id of CATEGORIES) {
    for (const ref of lhr.categories[id]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 0.9) failing.push(`${id}: ${audit.id} (${audit.score}) ${audit.displayValue ?? ''}`.trim());
    }
  }
  const metrics = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
    .map((id) => `${id.replace(/-/g, ' ')} ${lhr.audits[id]?.displayValue ?? '?'}`)
    .join(', ');
  return { scores, failing, metrics };
}

async function main() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'taskagent-lighthouse-'));
  const log = openSync(join(dataDir, 'server.log'), 'w');
  const env = {
    ...process.env,
    TASKAGENT_DATA_DIR: dataDir,
    TASKAGENT_ENV: 'development',
    DATABASE_URL: '',
    REDIS_URL: '',
    TASKAGENT_MODEL: 'local',
    TOKEN_RATE_LIMIT: '100',
  };
  const server = spawn(join(ROOT, '.venv/bin/taskagent'), ['serve', '--port', String(port)], { env, stdio: ['ignore', log, log] });
  let chrome;
  let failed = false;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/health`, 180);
    const { cookies } = await seed(base);
    chrome = await chromeLauncher.launch({
      chromePath: CHROME,
      // --no-sandbox: root in a container has no user namespace for Chromium's sandbox.
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    const pages = [
      { name: 'sign-in page', slug: 'sign-in', url: `${base}/app/login` },
      { name: 'task list (signed in)', slug: 'task-list', url: `${base}/app`, signedIn: true },
    ];
    const rows = [];
    for (const page of pages) {
      if (page.signedIn) {
        // Sign the browser in (the cookies /auth/login set), then let go of it before Lighthouse drives it.
        const attached = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
        await attached.contexts()[0].addCookies(cookies);
        await attached.close();
      }
      const result = await lighthouse(
        page.url,
        { port: chrome.port, output: ['html', 'json'], logLevel: 'error', onlyCategories: CATEGORIES },
        // The default configuration: formFactor mobile, screen emulation and simulated throttling for a phone.
        undefined,
      );
      const { lhr, report } = result;
      writeFileSync(join(ARTIFACTS, `${page.slug}.html`), report[0]);
      writeFileSync(join(ARTIFACTS, `${page.slug}.json`), report[1]);
      if (lhr.runtimeError) throw new Error(`${page.name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      if (lhr.finalDisplayedUrl !== page.url) throw new Error(`${page.name}: ended at ${lhr.finalDisplayedUrl}, not ${page.url}`);
      const { scores, failing, metrics } = summary(lhr);
      rows.push({ page: page.name, ...scores });
      console.log(`${page.name} (${lhr.configSettings.formFactor}, ${lhr.configSettings.throttlingMethod} throttling): ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(', ')}`);
      console.log(`  ${metrics}`);
      for (const line of failing) console.log(`  below 0.9: ${line}`);
      for (const c of REQUIRED) if (MIN && scores[c] < MIN) failed = true;
    }
    console.log(`\n| page | performance | accessibility | best practices | SEO |\n| --- | --- | --- | --- | --- |`);
    for (const r of rows) console.log(`| ${r.page} | ${r.performance} | ${r.accessibility} | ${r['best-practices']} | ${r.seo} |`);
    console.log(`\nreports: ${ARTIFACTS}`);
    if (failed) console.error(`lighthouse: a required category scored below ${MIN}`);
  } finally {
    if (chrome) await chrome.kill();
    server.kill('SIGTERM');
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`lighthouse: ${err.stack || err}`);
    process.exit(1);
  },
);
