// End-to-end driver of Loft's web client in headless Chromium, run by a Rust test against a
// real `loft serve`:  node tests/web/e2e.mjs   (cwd anywhere; needs `npm ci` in tests/web)
//
// Environment
//   LOFT_WEB_URL        page URL, e.g. https://127.0.0.1:8443/ (self-signed certificates are accepted)
//   LOFT_USER           relay (FTP) user;  LOFT_PASSWORD  its password
//   LOFT_ROOM           room to open, e.g. lobby;  LOFT_ROOM_KEY  its room key (password)
//   LOFT_NAME           display name in chat (default: web-e2e)
//   LOFT_SEND           text of the first message sent from the page (default: "hello from the web <random>")
//   LOFT_SEND_LAST      text sent after all expectations (default: LOFT_SEND + " again")
//   LOFT_EXPECT_1, LOFT_EXPECT_2, …   texts that must appear as messages (`.msg .text`), in
//                       this order of steps; a value "notice:<text>" expects instead a muted
//                       notice line containing <text> (e.g. "notice:encrypted with another key"),
//                       and "file:<name>" a shared file named <name> (for an image, its
//                       thumbnail decrypted and loaded; for another file, its Download
//                       button, which the driver then clicks: see DOWNLOADED below), and
//                       "file-error:<name>" a shared file named <name> that the page
//                       refuses with an error on its message (printed as "# refused: …")
//                       "key-ok" expects the warning that the room key opens none of the
//                       room's messages (#key-warning) to be gone
//   LOFT_KEY_WARNING    "1": the room holds messages under another key only, so the page
//                       must warn (#key-warning, "does not open"/"opens none") once the room is open, and
//                       still after its own first message opens; with a path ending in
//                       .png, a screenshot of the warning is written there
//   LOFT_ATTACH         a file the page shares right after READY through the paperclip's file
//                       input (optional); LOFT_ATTACH_CAPTION the caption typed first (optional)
//   LOFT_EXPECT_TIMEOUT seconds to wait for each expectation (default 20)
//   LOFT_STEP_FILE      file the harness writes step names into (see below)
//   LOFT_STEP_TIMEOUT   seconds to wait for the harness at each step (default 120)
//   LOFT_SCREENSHOT     PNG written at the end (optional)
//   LOFT_VIEWPORT       WIDTHxHEIGHT (default 360x740: a phone)
//   LOFT_CHROMIUM       browser binary (default /usr/bin/chromium)
//
// Protocol (stdout lines; anything else on stdout is informational and starts with "# ")
//   1. The driver opens the page, logs in, opens LOFT_ROOM with LOFT_ROOM_KEY as LOFT_NAME,
//      sends LOFT_SEND and waits until it shows as its own message, then prints
//        READY <LOFT_SEND>
//      With LOFT_ATTACH, it then shares that file and waits until its own message shows the
//      file (an image: the thumbnail decrypted and loaded, naturalWidth > 0), and prints
//        ATTACHED <file name>
//      (after checking that a click on the thumbnail opens the full image and Escape
//      closes it).
//      For a "file:<name>" expectation of a file that is not an image, the driver clicks
//      Download and prints, before OK, the SHA-256 (hex) of the bytes the browser saved:
//        DOWNLOADED <sha256> <saved file name>
//   2. For each i = 1, 2, … while LOFT_EXPECT_i is set, the driver prints
//        STEP expect-<i>
//      The harness does whatever the step needs (`loft send` LOFT_EXPECT_i, append with
//      ftplib, restart the relay, …) and then writes the line "expect-<i>" into
//      LOFT_STEP_FILE (overwriting it). The driver polls the file every 100 ms; once it reads
//      that name it waits up to LOFT_EXPECT_TIMEOUT s for the expected text, then prints
//        OK expect-<i>
//   3. The driver sends LOFT_SEND_LAST from the page (this checks sending after whatever the
//      steps did, e.g. a relay restart that forgot the session), waits to see it as its own
//      message, and prints
//        SENT <LOFT_SEND_LAST>
//   4. It takes the screenshot, prints "DONE" and exits 0.
//   Any failure: a line "FAIL <reason>" on stdout, details on stderr, exit code 1 (2 for a
//   bad environment). JavaScript errors on the page (CSP violations included) fail the run;
//   failed requests (expected while the relay restarts) do not.

import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

// Chromium logs this when the page's service worker cannot register because the browser
// was told to accept the relay's certificate without trusting it (as after clicking
// through a warning); the page says so itself (#app-note), it is not an error of the page.
const certWorker = (text) => text.includes('SSL certificate error occurred when fetching the script');

const env = process.env;
const say = (line) => process.stdout.write(`${line}\n`);
const info = (line) => say(`# ${line}`);

function need(name) {
  if (!env[name]) {
    say(`FAIL missing environment variable ${name}`);
    process.exit(2);
  }
  return env[name];
}

const url = need('LOFT_WEB_URL');
const user = need('LOFT_USER');
const password = need('LOFT_PASSWORD');
const room = need('LOFT_ROOM');
const roomKey = env.LOFT_ROOM_KEY ?? need('LOFT_ROOM_KEY');
const name = env.LOFT_NAME || 'web-e2e';
const first = env.LOFT_SEND || `hello from the web ${Math.random().toString(36).slice(2, 8)}`;
const last = env.LOFT_SEND_LAST || `${first} again`;
const expectTimeout = Number(env.LOFT_EXPECT_TIMEOUT || 20) * 1000;
const stepTimeout = Number(env.LOFT_STEP_TIMEOUT || 120) * 1000;
const [width, height] = (env.LOFT_VIEWPORT || '360x740').split('x').map(Number);
const expectations = [];
for (let i = 1; env[`LOFT_EXPECT_${i}`] !== undefined; i++) expectations.push(env[`LOFT_EXPECT_${i}`]);
if (expectations.length && !env.LOFT_STEP_FILE) need('LOFT_STEP_FILE');

class Failure extends Error {}
const fail = (why) => { throw new Failure(why); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for the harness to write `step` into LOFT_STEP_FILE. */
async function waitForHarness(step) {
  const deadline = Date.now() + stepTimeout;
  while (Date.now() < deadline) {
    let text = '';
    try { text = readFileSync(env.LOFT_STEP_FILE, 'utf8'); } catch { /* not written yet */ }
    if (text.trim() === step) return;
    await sleep(100);
  }
  fail(`the harness did not write "${step}" into ${env.LOFT_STEP_FILE} within ${stepTimeout / 1000} s`);
}

const isImage = (file) => /\.(jpe?g|png|gif|webp)$/i.test(file);

/** Waits until a message shows the shared file `file` (an image: its thumbnail loaded). */
async function waitForFile(page, file, { own = false, timeout = expectTimeout } = {}) {
  try {
    await page.waitForFunction(([file, own, image]) => [...document.querySelectorAll(`#messages .msg${own ? '.own' : ''} .file`)]
      .some((f) => f.dataset.name === file && (image
        ? [...f.querySelectorAll('img')].some((i) => i.complete && i.naturalWidth > 0)
        : !!f.querySelector('button.download'))), [file, own, isImage(file)], { timeout, polling: 100 });
  } catch {
    const shown = await page.$$eval('#messages > *', (els) => els.map((e) => `${e.className}: ${e.textContent}`)).catch(() => []);
    const sending = await page.textContent('#send-state').catch(() => '?');
    const error = await page.textContent('#send-error').catch(() => '?');
    process.stderr.write(`sending: ${sending}\nsend error: ${error}\npage shows:\n  ${shown.join('\n  ')}\n`);
    fail(`${own ? 'own ' : ''}file ${JSON.stringify(file)} did not show${isImage(file) ? ' as a loaded thumbnail' : ''} within ${timeout / 1000} s`);
  }
}

/** The message part of the last shared file named `file`. */
const fileBox = async (page, file) => (await page.$$('#messages .msg .file'))
  .at((await page.$$eval('#messages .msg .file', (els, file) => els.map((e) => e.dataset.name).lastIndexOf(file), file)));

/** Clicks Download on the file `file` and says what the browser saved. */
async function download(page, file) {
  const box = await fileBox(page, file);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: expectTimeout }), box.$eval('button.download', (b) => b.click())]);
  const path = await dl.path();
  if (!path) fail(`the download of ${JSON.stringify(file)} failed: ${await dl.failure()}`);
  const error = await box.$eval('.file-error', (e) => e.textContent);
  if (error) fail(`the download of ${JSON.stringify(file)} shows an error: ${error}`);
  say(`DOWNLOADED ${createHash('sha256').update(readFileSync(path)).digest('hex')} ${dl.suggestedFilename()}`);
}

/** Waits until the file `file` shows an error on its message instead of the file. */
async function waitForFileError(page, file) {
  try {
    await page.waitForFunction((file) => [...document.querySelectorAll('#messages .msg .file')]
      .some((f) => f.dataset.name === file && f.querySelector('.file-error')?.textContent), file, { timeout: expectTimeout, polling: 100 });
  } catch {
    fail(`file ${JSON.stringify(file)} did not show an error within ${expectTimeout / 1000} s`);
  }
  const box = await fileBox(page, file);
  if (await box.$$eval('img', (imgs) => imgs.some((i) => i.naturalWidth > 0))) fail(`file ${JSON.stringify(file)} shows an image despite its error`);
  info(`refused: ${await box.$eval('.file-error', (e) => e.textContent)}`);
}

/** Opens the thumbnail of the image `file` full size, checks it, closes it with Escape. */
async function viewImage(page, file) {
  const box = await fileBox(page, file);
  await box.$eval('button.thumb', (b) => b.click());
  await page.waitForFunction(() => !document.getElementById('viewer').hidden && document.getElementById('viewer-img').naturalWidth > 0, null, { timeout: expectTimeout });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.getElementById('viewer').hidden, null, { timeout: expectTimeout });
}

/** Waits until a message (or a notice, with "notice:"; a shared file, with "file:" or
 *  "file-error:") with this text is on the page. */
async function waitForText(page, expected, { own = false, timeout = expectTimeout } = {}) {
  if (expected.startsWith('file-error:')) return waitForFileError(page, expected.slice(11));
  if (expected.startsWith('file:')) {
    const file = expected.slice(5);
    await waitForFile(page, file, { own, timeout });
    if (!isImage(file)) await download(page, file);
    return;
  }
  if (expected === 'key-ok') {
    await page.waitForSelector('#key-warning', { state: 'hidden', timeout }).catch(async () => {
      fail(`the key warning stayed: ${await page.textContent('#key-warning').catch(() => '?')}`);
    });
    return;
  }
  const notice = expected.startsWith('notice:');
  const want = notice ? expected.slice(7) : expected;
  try {
    await page.waitForFunction(([want, notice, own]) => {
      if (notice) return [...document.querySelectorAll('#messages .notice')].some((n) => n.textContent.includes(want));
      return [...document.querySelectorAll(`#messages .msg${own ? '.own' : ''} .text`)].some((t) => t.textContent === want);
    }, [want, notice, own], { timeout, polling: 100 });
  } catch {
    const shown = await page.$$eval('#messages > *', (els) => els.map((e) => `${e.className}: ${e.textContent}`)).catch(() => []);
    const status = await page.textContent('#status').catch(() => '?');
    process.stderr.write(`page status: ${status}\npage shows:\n  ${shown.join('\n  ')}\n`);
    fail(`${notice ? 'notice' : own ? 'own message' : 'message'} ${JSON.stringify(want)} did not show within ${timeout / 1000} s`);
  }
}

async function send(page, text) {
  await page.fill('#composer', text);
  await page.press('#composer', 'Enter');
  await waitForText(page, text, { own: true });
  const user = await page.$$eval('#messages .msg.own', (els) => els.at(-1).dataset.user);
  if (user !== name) fail(`own message has data-user ${JSON.stringify(user)}, expected ${JSON.stringify(name)}`);
}

async function main() {
  const profile = mkdtempSync(join(tmpdir(), 'loft-e2e-'));
  const pageErrors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: env.LOFT_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ignoreHTTPSErrors: true,
      viewport: { width, height },
      timeout: 60000,
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    // Failed requests are expected while the relay restarts; CSP violations and uncaught
    // exceptions are not.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && !certWorker(m.text())) pageErrors.push(`console error: ${m.text()}`);
    });
    page.setDefaultTimeout(expectTimeout);

    await page.goto(url, { waitUntil: 'load' });
    await page.fill('#login-user', user);
    await page.fill('#login-password', password);
    await page.fill('#login-name', name);
    await page.click('#login-submit');
    await page.waitForSelector('#chat-view:not([hidden])').catch(async () => {
      fail(`login did not succeed: ${await page.textContent('#login-error').catch(() => '?')}`);
    });
    info('logged in');
    // On a phone the room form is in the drawer, which opens by itself after login.
    await page.fill('#room-input', room);
    await page.fill('#room-key', roomKey);
    await page.click('#room-open');
    await page.waitForSelector('#status[data-state="live"]', { timeout: 30000 }).catch(async () => {
      fail(`the room did not go live: status ${JSON.stringify(await page.textContent('#status').catch(() => '?'))}, ${await page.textContent('#room-error').catch(() => '')}`);
    });
    info(`room ${room} open`);
    const keyWarning = async (when) => {
      const text = await page.waitForSelector('#key-warning:not([hidden])', { timeout: expectTimeout })
        .then((e) => e.textContent())
        .catch(() => fail(`no warning that the room key opens none of the messages ${when}`));
      if (!/does not open|opens none/.test(text)) fail(`the key warning says ${JSON.stringify(text)}`);
      return text;
    };
    if (env.LOFT_KEY_WARNING) info(`key warning: ${await keyWarning('on opening the room')}`);
    else if (await page.isVisible('#key-warning')) fail(`a key warning for a key that opens the room's messages: ${await page.textContent('#key-warning')}`);
    await send(page, first);
    if (env.LOFT_KEY_WARNING) {
      await keyWarning('after the page\'s own message');
      if (env.LOFT_KEY_WARNING.endsWith('.png')) await page.screenshot({ path: env.LOFT_KEY_WARNING });
    }
    say(`READY ${first}`);

    if (env.LOFT_ATTACH) {
      const file = basename(env.LOFT_ATTACH);
      if (env.LOFT_ATTACH_CAPTION) await page.fill('#composer', env.LOFT_ATTACH_CAPTION);
      if (!await page.isVisible('#attach')) fail('no paperclip button (#attach) on the page');
      await page.setInputFiles('#attach-input', env.LOFT_ATTACH);
      await waitForFile(page, file, { own: true });
      if (env.LOFT_ATTACH_CAPTION && await page.inputValue('#composer') !== '') fail('the caption stayed in the message box');
      await viewImage(page, file);
      info(`shared ${file}`);
      say(`ATTACHED ${file}`);
    }

    for (const [i, expected] of expectations.entries()) {
      const step = `expect-${i + 1}`;
      say(`STEP ${step}`);
      await waitForHarness(step);
      await waitForText(page, expected);
      say(`OK ${step}`);
    }

    await send(page, last);
    say(`SENT ${last}`);
    if (pageErrors.length) fail(`errors on the page:\n${pageErrors.join('\n')}`);
    if (env.LOFT_SCREENSHOT) {
      await page.screenshot({ path: env.LOFT_SCREENSHOT });
      info(`screenshot ${env.LOFT_SCREENSHOT}`);
    }
    say('DONE');
  } finally {
    if (pageErrors.length) process.stderr.write(`${pageErrors.join('\n')}\n`);
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => {
  say(`FAIL ${e instanceof Failure ? e.message.split('\n')[0] : e.message}`);
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
