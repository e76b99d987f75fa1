// The page as a phone app, in headless Chromium with the relay's CA trusted (no certificate
// exception): run by tests/it/web_app.rs against a real `loft serve`.   node tests/web/app.mjs
//
// Environment
//   LOFT_WEB_URL, LOFT_USER, LOFT_PASSWORD, LOFT_ROOM, LOFT_ROOM_KEY   as tests/web/e2e.mjs
//   LOFT_TRUST_HOME   a HOME whose ~/.pki/nssdb trusts the relay's CA
//   LOFT_NEWEST, LOFT_OLDEST   the texts of the room's newest and oldest kept messages
//   LOFT_TOTAL        how many messages the room keeps in all (live part and archives)
//   LOFT_STEP_FILE    the harness writes "notify" there once it has sent LOFT_NOTIFY_TEXT
//   LOFT_NOTIFY_TEXT  a message another client sends while the page is hidden
//   LOFT_FILE         a file to share as the first thing in a new room
//   LOFT_SHOT         a PNG of the app after scrolling back (optional)
//
// Prints figures and checks, one per line ("OPEN_MS 123", "SCROLLED 2400", "SW ok",
// "MANIFEST ok", "TOUCH ok", "STEP notify", "NOTIFIED <title>|<body>", "OFFLINE ok",
// "FILE ok"), then "DONE"; "FAIL <reason>" and exit 1 otherwise.

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const env = process.env;
const say = (line) => process.stdout.write(`${line}\n`);
class Failure extends Error {}
const fail = (why) => { throw new Failure(why); };
const need = (k) => env[k] || fail(`missing environment variable ${k}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHarness(step) {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    let text = '';
    try { text = readFileSync(need('LOFT_STEP_FILE'), 'utf8'); } catch { /* not yet */ }
    if (text.trim() === step) return;
    await sleep(100);
  }
  fail(`the harness did not write "${step}"`);
}

/** Controls smaller than 44 x 44 CSS px among those visible now. */
const smallControls = (page) => page.evaluate(() => {
  const out = [];
  for (const e of document.querySelectorAll('button, input, select, textarea, label.check, #room-list .room, a.button')) {
    if (e.closest('label.check') && e.matches('input[type=checkbox]')) continue; // counts with its label
    const r = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    if (!r.width || !r.height || style.visibility === 'hidden' || e.closest('[hidden]')) continue;
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5) out.push(`${e.id || e.className || e.tagName} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return out;
});

async function main() {
  const url = need('LOFT_WEB_URL');
  const room = need('LOFT_ROOM');
  const errors = [];
  const profile = mkdtempSync(join(tmpdir(), 'loft-app-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.LOFT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: need('LOFT_TRUST_HOME') },
    ignoreHTTPSErrors: false,
    viewport: { width: 360, height: 740 },
    hasTouch: true,
    isMobile: true,
    timeout: 60000,
  });
  try {
    await context.grantPermissions(['notifications'], { origin: new URL(url).origin });
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console error: ${m.text()}`);
    });
    // Generous: CI and routers are slow, and this runs beside the rest of the suite.
    page.setDefaultTimeout(60000);
    await page.goto(url);
    const small = await smallControls(page);
    if (small.length) fail(`controls under 44 px on the login form: ${small.join(', ')}`);

    // The service worker registers (the CA is trusted) and the manifest is valid.
    const sw = await page.evaluate(() => Promise.race([
      navigator.serviceWorker.ready.then((r) => `ok ${r.scope}`),
      new Promise((r) => setTimeout(() => r(`none: ${document.getElementById('app-note').textContent}`), 45000)),
    ]));
    if (!sw.startsWith('ok')) fail(`no service worker: ${sw}`);
    say('SW ok');
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector('link[rel=manifest]');
      const m = await (await fetch(link.href)).json();
      const icons = [];
      for (const i of m.icons || []) {
        const blob = await (await fetch(new URL(i.src, link.href))).blob();
        const bmp = await createImageBitmap(blob).catch(() => null);
        icons.push({ sizes: i.sizes, type: i.type, w: bmp ? bmp.width : 0, h: bmp ? bmp.height : 0 });
      }
      return { ...m, icons };
    });
    for (const k of ['name', 'short_name', 'start_url', 'display', 'theme_color', 'background_color']) {
      if (!manifest[k]) fail(`the manifest has no ${k}`);
    }
    if (manifest.display !== 'standalone') fail(`manifest display ${manifest.display}`);
    for (const size of [192, 512]) {
      if (!manifest.icons.some((i) => i.type === 'image/png' && i.w === size && i.h === size && i.sizes === `${size}x${size}`)) {
        fail(`no ${size}x${size} PNG icon that decodes: ${JSON.stringify(manifest.icons)}`);
      }
    }
    say('MANIFEST ok');

    // Log in, open the busy room: the newest message on screen, timed from the tap.
    await page.fill('#login-user', need('LOFT_USER'));
    await page.fill('#login-password', need('LOFT_PASSWORD'));
    await page.fill('#login-name', 'phone');
    await page.click('#login-submit');
    await page.waitForSelector('#chat-view:not([hidden])');
    await page.fill('#room-input', room);
    await page.fill('#room-key', need('LOFT_ROOM_KEY'));
    // The key derivation (100,000 rounds) happens before the room opens, as for every
    // client: the clock starts when the room opens, as the issue measures it.
    const newest = need('LOFT_NEWEST');
    const started = await page.evaluate(() => new Promise((resolve) => {
      const title = document.getElementById('room-title');
      const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now()); });
      obs.observe(title, { childList: true, characterData: true, subtree: true });
      document.getElementById('room-open').click();
    }));
    const shown = await page.waitForFunction((t) => {
      const box = document.getElementById('messages');
      const last = [...box.querySelectorAll('.msg .text')].find((e) => e.textContent === t);
      if (!last) return false;
      const r = last.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      return r.bottom <= b.bottom + 1 && r.top >= b.top - 1 ? performance.now() : false;
    }, newest, { polling: 'raf', timeout: 60000 }).then((h) => h.jsonValue());
    say(`OPEN_MS ${Math.round(shown - started)}`);
    await page.evaluate(() => { document.body.classList.add('drawer-open'); });
    const smallChat = await smallControls(page);
    await page.evaluate(() => { document.body.classList.remove('drawer-open'); });
    if (smallChat.length) fail(`controls under 44 px in the chat and its menu: ${smallChat.join(', ')}`);
    if (await page.getAttribute('#composer', 'enterkeyhint') === null) fail('no enterkeyhint on the message box');
    // On a touch screen Enter starts a line; the Send button sends.
    const before = await page.$$eval('#messages .msg', (e) => e.length);
    await page.fill('#composer', 'two');
    await page.press('#composer', 'Enter');
    await page.type('#composer', 'lines');
    if (await page.inputValue('#composer') !== 'two\nlines') fail(`Enter on a touch screen did not start a line: ${JSON.stringify(await page.inputValue('#composer'))}`);
    if (await page.$$eval('#messages .msg', (e) => e.length) !== before) fail('Enter on a touch screen sent the message');
    await page.fill('#composer', '');
    // Nothing cut off: no row of controls wider than its box, no control past the screen.
    const outside = await page.evaluate(() => [...document.querySelectorAll('#chat-view form, #top, #chat-view button, #chat-view textarea')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width && (e.scrollWidth > e.clientWidth + 1 || r.right > screen.width + 0.5 || r.left < -0.5);
      })
      .map((e) => e.id || e.className || e.tagName));
    if (outside.length) fail(`controls cut off at the screen's edge: ${outside.join(', ')}`);
    say('TOUCH ok');

    // Scroll back to the oldest kept message; the place being read stays put each time.
    const total = Number(need('LOFT_TOTAL'));
    const deadline = Date.now() + 120000;
    for (;;) {
      const state = await page.evaluate(() => {
        const box = document.getElementById('messages');
        // The message at the top last time must not have moved: older ones go above it
        // without moving what the reader looks at.
        const prev = window.loftAnchor;
        const moved = prev ? Math.abs(prev.el.getBoundingClientRect().top - prev.top) : 0;
        box.scrollTop = 0;
        box.dispatchEvent(new Event('scroll'));
        const el = box.querySelector('.msg');
        window.loftAnchor = { el, top: el.getBoundingClientRect().top };
        return { moved, count: box.querySelectorAll('.msg').length, done: !!box.querySelector('.beginning') };
      });
      if (state.moved > 2) fail(`older messages moved the view by ${state.moved} px`);
      if (state.done) break;
      if (Date.now() > deadline) fail(`scrolling back stopped at ${state.count} messages`);
      await sleep(150);
    }
    const count = await page.$$eval('#messages .msg', (e) => e.length);
    const oldest = await page.$eval('#messages .msg .text', (e) => e.textContent);
    if (oldest !== need('LOFT_OLDEST')) fail(`the oldest message shown is ${JSON.stringify(oldest)}`);
    if (count !== total) fail(`${count} messages after scrolling back, the room keeps ${total}`);
    // Order: the texts run in the order they were sent (the harness numbers them).
    const order = await page.$$eval('#messages .msg .text', (els) => els.map((e) => Number((e.textContent.match(/#(\d+)/) || [])[1])));
    for (let i = 1; i < order.length; i++) if (!(order[i] > order[i - 1])) fail(`out of order at ${i}: ${order[i - 1]} then ${order[i]}`);
    say(`SCROLLED ${count}`);
    if (env.LOFT_SHOT) {
      await page.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
      await sleep(300);
      await page.screenshot({ path: env.LOFT_SHOT });
    }

    // A message while the page is hidden: a notification through the service worker.
    // Headless Chromium closes a web notification 25 s after showing it (there is no
    // notification centre to move it to), so a check that comes later than that on a busy
    // machine finds none: each showNotification call is recorded with what it showed and
    // how the browser answered, and a call the browser fulfilled counts as well.
    await page.evaluate(() => {
      const show = ServiceWorkerRegistration.prototype.showNotification;
      window.loftShown = [];
      ServiceWorkerRegistration.prototype.showNotification = function (title, opts) {
        const rec = { title, body: opts && opts.body, room: opts && opts.data && opts.data.room, at: Math.round(performance.now()), outcome: 'pending' };
        window.loftShown.push(rec);
        return show.call(this, title, opts).then(
          (v) => { rec.outcome = 'ok'; return v; },
          (e) => { rec.outcome = `rejected: ${e && e.message}`; throw e; },
        );
      };
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.hasFocus = () => false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    say('STEP notify');
    await waitForHarness('notify');
    const text = need('LOFT_NOTIFY_TEXT');
    // Polled here with page.evaluate, which awaits the page's promise. waitForFunction does not:
    // an async predicate's promise is truthy, so it returned at the first poll, and the check
    // failed ("gave false") whenever the notification came later than that.
    let note = false;
    const noteDeadline = Date.now() + 60000;
    while (typeof note !== 'string') {
      note = await page.evaluate(async (r) => {
        const reg = await navigator.serviceWorker.ready;
        const n = (await reg.getNotifications()).find((x) => x.title === r);
        if (n) return `${n.title}|${n.body}|${n.data && n.data.room}`;
        const c = window.loftShown.find((x) => x.title === r && x.outcome === 'ok');
        return c ? `${c.title}|${c.body}|${c.room}` : false;
      }, room);
      if (typeof note === 'string') break;
      if (Date.now() > noteDeadline) {
        // What the page saw: was the message shown, did it try to notify, and how.
        const seen = await page.evaluate(async (t) => {
          const reg = await navigator.serviceWorker.ready;
          const status = document.getElementById('status');
          return JSON.stringify({
            shownInPage: [...document.querySelectorAll('#messages .msg .text')].some((e) => e.textContent === t),
            status: `${status.dataset.state} ${status.textContent}`,
            title: document.title,
            permission: Notification.permission,
            calls: window.loftShown,
            notifications: (await reg.getNotifications()).map((n) => n.title),
            worker: reg.active ? reg.active.state : 'none',
          });
        }, text);
        fail(`no notification through the service worker: ${seen}`);
      }
      await sleep(200);
    }
    if (!note.includes(text)) fail(`the notification says ${note}`);
    say(`NOTIFIED ${note}`);
    await page.evaluate(() => {
      delete document.hidden;
      delete document.visibilityState;
      document.dispatchEvent(new Event('visibilitychange'));
    });

    // Offline: a reload shows the app's own page, not the browser's error.
    await context.setOffline(true);
    await page.reload({ waitUntil: 'load' }).catch((e) => fail(`offline reload: ${e.message.split('\n')[0]}`));
    if (!await page.$('#chat-view') || !await page.$('#login-view')) fail(`offline reload shows no app: ${(await page.content()).slice(0, 200)}`);
    say('OFFLINE ok');
    await context.setOffline(false);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#chat-view:not([hidden])');

    // The first thing in a new room can be a file.
    const fresh = `fresh${Date.now() % 100000}`;
    // After a reload the room menu opens by itself; else the menu button opens it.
    if (!await page.evaluate(() => document.body.classList.contains('drawer-open'))) await page.click('#menu');
    await page.fill('#room-input', fresh);
    await page.fill('#room-key', need('LOFT_ROOM_KEY'));
    await page.click('#room-open');
    await page.waitForSelector('#status[data-state="live"]');
    const file = need('LOFT_FILE');
    await page.setInputFiles('#attach-input', file);
    await page.waitForFunction((name) => [...document.querySelectorAll('#messages .msg.own .file')].some((f) => f.dataset.name === name), basename(file), { timeout: 60000 })
      .catch(async () => fail(`the first file of a new room did not show: ${await page.textContent('#send-error')}`));
    say(`FILE ok ${fresh}`);
    const ignorable = (e) => /Failed to fetch|ERR_INTERNET_DISCONNECTED|net::/.test(e); // the offline part
    const real = errors.filter((e) => !ignorable(e));
    if (real.length) fail(`errors on the page:\n${real.join('\n')}`);
    say('DONE');
  } finally {
    if (errors.length) process.stderr.write(`${errors.join('\n')}\n`);
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => {
  say(`FAIL ${e instanceof Failure ? e.message.split('\n')[0] : e.message}`);
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
