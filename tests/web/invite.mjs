// Invites in headless Chromium, run by tests/it/web_invites.rs against a real `loft serve`:
// one person makes a link in the page (with the room key in it), another opens it on a
// fresh "phone", makes an account and chats.   node tests/web/invite.mjs
//
// Environment
//   LOFT_WEB_URL       the page, https://127.0.0.1:PORT/
//   LOFT_USER, LOFT_PASSWORD   the inviter's account;  LOFT_ROOM, LOFT_ROOM_KEY  the room
//   LOFT_JOIN_NAME     the name the invited person picks
//   LOFT_TRUST_HOME    a HOME whose ~/.pki/nssdb trusts the relay's CA: the invited person's
//                      browser then checks the certificate (no exceptions); unset, both
//                      browsers accept any certificate, as after clicking through a warning
//   LOFT_SHOTS         a folder for screenshots: invite.png (the inviter's panel),
//                      join.png (the join form), joined.png (the chat after joining)
//   LOFT_CHROMIUM      browser binary (default /usr/bin/chromium)
//
// The inviter's browser accepts the certificate without trusting it: the driver checks
// that the page says it cannot be installed and links /trust.
//
// Prints (stdout): "LINK <link>", "QR <path of a PNG of the page's QR code>",
// "JOINED <name> <password>" (the password the page made), "SENT <text>", then "DONE".
// Any failure: "FAIL <reason>", exit 1. Errors on either page (CSP included) fail the run.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Chromium logs this when the page's service worker cannot register because the browser
// was told to accept the relay's certificate without trusting it (as after clicking
// through a warning); the page says so itself (#app-note), it is not an error of the page.
const certWorker = (text) => text.includes('SSL certificate error occurred when fetching the script');

const env = process.env;
const say = (line) => process.stdout.write(`${line}\n`);
class Failure extends Error {}
const fail = (why) => { throw new Failure(why); };
const need = (k) => env[k] || fail(`missing environment variable ${k}`);

const sent = [];
const shot = (name) => (env.LOFT_SHOTS ? { path: join(env.LOFT_SHOTS, name) } : null);

async function browser(home, trusted, errors, who) {
  const profile = mkdtempSync(join(tmpdir(), 'loft-invite-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.LOFT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // Chromium on Linux reads the trusted CAs from $HOME/.pki/nssdb.
    env: home ? { ...process.env, HOME: home } : process.env,
    ignoreHTTPSErrors: !trusted,
    viewport: { width: 360, height: 740 },
    hasTouch: true,
    isMobile: true,
    timeout: 60000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => errors.push(`${who}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && !certWorker(m.text())) errors.push(`${who}: console error: ${m.text()}`);
  });
  page.setDefaultTimeout(20000);
  // Everything the page sends, to check that the room key in the link never leaves it.
  page.on('request', (r) => sent.push(`${r.url()} ${r.postData() || ''}`));
  return { context, page, profile };
}

async function main() {
  const url = need('LOFT_WEB_URL');
  const room = need('LOFT_ROOM');
  const name = need('LOFT_JOIN_NAME');
  const errors = [];
  const open = [];
  try {
    // The inviter: log in, open the room, make a link with the key in it.
    const a = await browser(null, false, errors, 'inviter');
    open.push(a);
    await a.page.goto(url);
    await a.page.fill('#login-user', need('LOFT_USER'));
    await a.page.fill('#login-password', need('LOFT_PASSWORD'));
    await a.page.click('#login-submit');
    await a.page.waitForSelector('#chat-view:not([hidden])');
    await a.page.fill('#room-input', room);
    await a.page.fill('#room-key', need('LOFT_ROOM_KEY'));
    await a.page.click('#room-open');
    await a.page.waitForSelector('#status[data-state="live"]', { timeout: 30000 });
    await a.page.click('#menu');
    await a.page.waitForSelector('#invite:not([hidden])').catch(() => fail('no "Invite someone" for a user who may invite'));
    // This browser accepts the certificate without trusting it: no service worker, and
    // the menu says why in one line, with the way out.
    const note = await a.page.waitForSelector('#app-note:not([hidden])', { timeout: 15000 })
      .catch(() => fail('no note that the page cannot be installed with an untrusted certificate'));
    const noteText = await note.textContent();
    if (!/does not trust/.test(noteText) || await note.$eval('a', (x) => x.getAttribute('href')) !== '/trust') fail(`the note says ${JSON.stringify(noteText)}`);
    await a.page.click('#invite');
    await a.page.waitForSelector('#invite-panel:not([hidden])');
    await a.page.check('#invite-key');
    if (!await a.page.isVisible('#invite-key-note')) fail('no note on what a link with the key lets anyone do');
    await a.page.click('#invite-make');
    await a.page.waitForSelector('#invite-result:not([hidden])');
    const link = await a.page.inputValue('#invite-link');
    if (!link.includes('#invite=') || !link.includes('&key=')) fail(`the link has no token or no key: ${link}`);
    const says = await a.page.textContent('#invite-says');
    if (!/Anyone holding this link/.test(says)) fail(`the panel does not say what the link allows: ${says}`);
    say(`LINK ${link}`);
    const qrShot = join(env.LOFT_SHOTS || tmpdir(), 'invite-qr.png');
    await (await a.page.$('#invite-qr svg') || fail('no QR code on the panel')).screenshot({ path: qrShot });
    say(`QR ${qrShot}`);
    if (shot('invite.png')) await a.page.screenshot(shot('invite.png'));

    // The invited person: a fresh phone that trusts the relay's CA (or clicks through).
    const b = await browser(env.LOFT_TRUST_HOME, !!env.LOFT_TRUST_HOME, errors, 'invited');
    open.push(b);
    await b.page.goto(link).catch((e) => fail(`the invited browser cannot open the link: ${e.message.split('\n')[0]}`));
    await b.page.waitForSelector('#join-fields:not([hidden])').catch(async () => {
      fail(`no join form: ${await b.page.textContent('#join-who').catch(() => '?')}`);
    });
    const who = await b.page.textContent('#join-who');
    if (!who.includes(`${need('LOFT_USER')} invited you`)) fail(`the join form does not name the inviter: ${who}`);
    const relay = await b.page.textContent('#join-relay');
    if (env.LOFT_TRUST_HOME && !relay.includes('This is the relay that invited you')) fail(`the relay is not recognised: ${relay}`);
    await b.page.fill('#join-user', name);
    await b.page.click('#join-generate');
    const password = await b.page.textContent('#join-made-pw');
    if (!/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/.test(password)) fail(`a made password looks wrong: ${password}`);
    if (await b.page.inputValue('#join-password') !== password) fail('the made password is not in the password field');
    if (shot('join.png')) await b.page.screenshot(shot('join.png'));
    await b.page.click('#join-submit');
    await b.page.waitForSelector('#chat-view:not([hidden])').catch(async () => {
      fail(`joining failed: ${await b.page.textContent('#join-error').catch(() => '?')}`);
    });
    if (new URL(b.page.url()).hash) fail(`the link stays in the address bar: ${b.page.url()}`);
    say(`JOINED ${name} ${password}`);
    // The room opened with the key from the link: the inviter's room, live, and writable.
    await b.page.waitForSelector('#status[data-state="live"]', { timeout: 30000 })
      .catch(() => fail('the room of the link did not open with its key'));
    const title = await b.page.textContent('#room-title');
    if (title !== room) fail(`the page opened ${JSON.stringify(title)}, not ${room}`);
    const text = `hello from ${name}, invited`;
    await b.page.fill('#composer', text);
    await b.page.click('#send');
    await b.page.waitForFunction((t) => [...document.querySelectorAll('#messages .msg.own .text')].some((e) => e.textContent === t), text);
    // The inviter sees it.
    await a.page.waitForFunction((t) => [...document.querySelectorAll('#messages .msg .text')].some((e) => e.textContent === t), text)
      .catch(() => fail('the inviter did not see the invited person\'s message'));
    say(`SENT ${text}`);
    // The key was in the link's fragment only: no request carried it.
    const key = new URLSearchParams(link.split('#')[1]).get('key');
    const leaked = sent.filter((s) => s.includes(key) || s.includes(encodeURIComponent(key)));
    if (leaked.length) fail(`the room key reached the relay: ${leaked[0]}`);
    if (!sent.some((s) => s.includes('/api/invites/redeem'))) fail('no redeem request was seen: the check above saw nothing');
    if (shot('joined.png')) await b.page.screenshot(shot('joined.png'));
    if (errors.length) fail(`errors on the page:\n${errors.join('\n')}`);
    say('DONE');
  } finally {
    if (errors.length) process.stderr.write(`${errors.join('\n')}\n`);
    for (const o of open) {
      await o.context.close().catch(() => {});
      rmSync(o.profile, { recursive: true, force: true });
    }
  }
}

main().then(() => process.exit(0), (e) => {
  say(`FAIL ${e instanceof Failure ? e.message.split('\n')[0] : e.message}`);
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
