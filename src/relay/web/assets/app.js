// Loft's web chat: login, room list, one followed room (long-poll on GET /api/log), sending.
// Message text comes from anyone who knows the room key, so it only ever reaches the page
// through textContent (never innerHTML), after the same cleaning as the terminal client.

import * as codec from './codec.js';
import { Api, ApiError, AuthError } from './api.js';

const $ = (id) => document.getElementById(id);
const api = new Api();
const keys = new Map(); // room -> derived key, for this page's life
let me = '';            // display name (the sender name in messages)
let current = null;     // the followed room, see openRoom()
let unread = 0;

// ---- small helpers -------------------------------------------------------------------

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

function showError(id, text) { $(id).textContent = text || ''; }

function remembered() {
  try { return JSON.parse(localStorage.getItem('loft.keys') || '{}'); } catch { return {}; }
}

function remember(room, fernetKey) {
  const all = remembered();
  if (fernetKey) all[room] = fernetKey; else delete all[room];
  localStorage.setItem('loft.keys', JSON.stringify(all));
}

function updateTitle() {
  const base = current ? `${current.name} — Loft` : 'Loft';
  document.title = unread ? `(${unread}) ${base}` : base;
}

const isNarrow = () => matchMedia('(max-width: 720px)').matches;

function drawer(open) {
  document.body.classList.toggle('drawer-open', open);
  $('menu').setAttribute('aria-expanded', String(open));
}

/** A sleep that wake() ends early (a sent message, the network coming back, the tab shown). */
let wakeUp = null;
function sleep(ms) {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); wakeUp = null; resolve(); }
    wakeUp = done;
  });
}
function wake() { if (wakeUp) wakeUp(); }

// ---- login ---------------------------------------------------------------------------

function showLogin(message) {
  $('chat-view').hidden = true;
  $('login-view').hidden = false;
  $('login-user').value = localStorage.getItem('loft.user') || '';
  $('login-name').value = localStorage.getItem('loft.name') || '';
  showError('login-error', message);
  ($('login-user').value ? $('login-password') : $('login-user')).focus();
}

async function onLogin(ev) {
  ev.preventDefault();
  const user = $('login-user').value.trim();
  const name = $('login-name').value.trim() || user;
  const bad = codec.checkUserName(name);
  if (bad) return showError('login-error', `That display name cannot be used: ${bad}.`);
  $('login-submit').disabled = true;
  showError('login-error', '');
  try {
    await api.login(user, $('login-password').value);
  } catch (e) {
    return showError('login-error', e.status === 401 ? 'Wrong user or password.' : e.message);
  } finally {
    $('login-submit').disabled = false;
  }
  $('login-password').value = '';
  localStorage.setItem('loft.user', user);
  localStorage.setItem('loft.name', name);
  me = name;
  enterChat();
}

function enterChat() {
  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  $('whoami').textContent = `Logged in as ${api.user || localStorage.getItem('loft.user')}, writing as ${me}`;
  $('notify').hidden = !('Notification' in window) || Notification.permission !== 'default';
  loadRooms();
  if (current) {
    follow(current); // after a 401 without a password: pick up where the room was
  } else {
    drawer(true);
    $('room-input').focus();
  }
}

/** Whether an error means "log in again"; if so, the login form is shown. */
function needsLogin(e) {
  if (!(e instanceof AuthError)) return false;
  api.forget();
  showLogin('Your session ended. Log in again.');
  return true;
}

// ---- rooms ---------------------------------------------------------------------------

async function loadRooms() {
  let rooms;
  try {
    let readOnly;
    ({ rooms, read_only: readOnly } = await api.rooms());
    // After a reload the page keeps its session but not what the login said.
    if (typeof readOnly === 'boolean') api.readOnly = readOnly;
  } catch (e) {
    if (!needsLogin(e)) showError('room-error', `Cannot list rooms: ${e.message}`);
    return;
  }
  const list = $('room-list');
  list.replaceChildren();
  for (const { room } of rooms.sort((a, b) => a.room.localeCompare(b.room))) {
    const b = el('button', 'room', room);
    b.type = 'button';
    b.dataset.room = room;
    if (current && current.name === room) b.classList.add('active');
    b.addEventListener('click', () => pickRoom(room));
    const li = el('li');
    li.append(b);
    list.append(li);
  }
  if (!rooms.length) list.append(el('li', 'hint', 'No rooms yet: open one by name.'));
}

async function pickRoom(room) {
  $('room-input').value = room;
  const saved = remembered()[room];
  $('room-remember').checked = !!saved; // unticking it and opening the room forgets the key
  if (keys.has(room) || saved) {
    if (!keys.has(room)) keys.set(room, await codec.keyFromFernet(saved));
    openRoom(room, keys.get(room));
  } else {
    $('room-key').value = '';
    $('room-key').focus();
  }
}

async function onRoomOpen(ev) {
  ev.preventDefault();
  askNotifications(); // a user gesture: the one moment a browser lets a page ask
  const room = $('room-input').value.trim().replace(/\.txt$/, '').replace(/^\/+|\/+$/g, '');
  const password = $('room-key').value;
  if (!room) return showError('room-error', 'Give a room name.');
  showError('room-error', '');
  let key = keys.get(room);
  if (password || !key) {
    $('room-open').disabled = true;
    setStatus('busy', 'deriving the key…');
    try {
      key = await codec.deriveKey(password);
    } finally {
      $('room-open').disabled = false;
    }
  }
  keys.set(room, key);
  $('room-key').value = '';
  remember(room, $('room-remember').checked ? key.fernetKey : null);
  openRoom(room, key);
}

function openRoom(name, key) {
  if (current) current.abort.abort();
  current = { name, key, next: 0, tokens: new Set(), lastDate: null, abort: new AbortController(), first: true, seenSent: -1 };
  unread = 0;
  updateTitle();
  $('room-title').textContent = name;
  $('messages').replaceChildren();
  $('seen-by').textContent = '';
  showError('send-error', '');
  const canSend = !api.readOnly;
  $('composer').disabled = !canSend;
  $('send').disabled = !canSend;
  $('composer').placeholder = canSend ? 'Message' : 'This user is read-only';
  for (const b of document.querySelectorAll('#room-list .room')) b.classList.toggle('active', b.dataset.room === name);
  if (isNarrow()) drawer(false);
  if (canSend) $('composer').focus();
  follow(current);
}

// ---- following a room ----------------------------------------------------------------

// Backoff after errors: 0.5 s doubling to 8 s, with jitter so that many phones do not
// reconnect in step after a relay restart.
const backoff = (n) => Math.min(8000, 500 * 2 ** n) * (0.75 + Math.random() / 2);

async function follow(room) {
  if (room.running) return;
  room.running = true;
  let failures = 0;
  setStatus('busy', 'connecting…');
  try {
    while (room === current && !room.abort.signal.aborted) {
      // A long-poll that the relay should answer within 25 s; a dead connection (a
      // router rebooted without a reset) is given up after 40 s.
      const timer = new AbortController();
      const onAbort = () => timer.abort();
      room.abort.signal.addEventListener('abort', onAbort);
      const t = setTimeout(() => timer.abort(), 40000);
      try {
        // No wait on the first call and after an error, so the page shows "live" (and the
        // backlog) as soon as the relay answers, not when a 25 s wait runs out.
        const res = await api.log(room.name, room.next, room.first || failures ? 0 : 25, timer.signal);
        if (room !== current) return;
        failures = 0;
        setStatus('live', 'live');
        if (res.next < room.next) {
          // The room is shorter than what was read: rewritten or truncated on the relay.
          notice('the room file was rewritten or truncated on the relay; read again from the start (nothing is shown twice)');
          room.next = 0;
          continue;
        }
        await ingest(room, res);
        room.next = res.next;
        room.first = false;
        markSeen(room);
      } catch (e) {
        if (room.abort.signal.aborted || room !== current) return;
        if (needsLogin(e)) return;
        failures++;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
          setStatus('error', e.message);
        } else {
          setStatus('reconnecting', 'reconnecting…');
        }
        await sleep(backoff(failures - 1));
      } finally {
        clearTimeout(t);
        room.abort.signal.removeEventListener('abort', onAbort);
      }
    }
  } finally {
    room.running = false;
  }
}

/** Shows the lines of one /api/log answer, like the terminal client: messages in order,
 *  runs of lines under another key and unreadable lines as muted notices. */
async function ingest(room, res) {
  let at = res.from;
  let otherKey = 0;
  let skipped = 0;
  const flushOther = () => {
    if (otherKey) {
      notice(`${otherKey} line${otherKey === 1 ? '' : 's'} encrypted with another key (a wrong room key, or other people sharing the file)`, 'other-key');
    }
    otherKey = 0;
  };
  for (const line of res.lines) {
    const lineAt = at;
    at += utf8Length(line) + 1; // offsets are bytes
    const token = line.trim();
    if (!token || room.tokens.has(token)) continue; // blank, or shown already
    room.tokens.add(token);
    let m;
    try {
      m = await codec.open(room.key, token);
    } catch (e) {
      if (room !== current) return;
      if (e.kind === 'wrong-key') { otherKey++; continue; }
      flushOther();
      if (++skipped <= 3) notice(`skipped byte ${lineAt}: ${e.message}`, 'malformed');
      continue;
    }
    if (room !== current) return;
    flushOther();
    showMessage(room, m);
  }
  flushOther();
  if (skipped > 3) notice(`skipped ${skipped - 3} more lines`, 'malformed');
}

const encoder = new TextEncoder();
const utf8Length = (s) => encoder.encode(s).length;

function weekday(d) { return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()]; }

function append(node) {
  const box = $('messages');
  const scroller = box;
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  box.append(node);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

function notice(text, kind = 'info') {
  append(el('li', `notice ${kind}`, text));
}

function showMessage(room, m) {
  // Day separators follow the sender's own date, as the terminal client does.
  const day = m.time.slice(0, 10);
  if (room.lastDate !== day) {
    const today = codec.formatTime(new Date()).slice(0, 10);
    append(el('li', 'day', day === today ? `Today, ${weekday(m.when)} ${day}` : `${weekday(m.when)} ${day}`));
    room.lastDate = day;
  }
  const own = m.user === me;
  const li = el('li', `msg c${codec.colourOf(m.user)}${own ? ' own' : ''}`);
  li.dataset.user = m.user;
  const meta = el('div', 'meta');
  meta.append(el('span', 'user', codec.cleanName(m.user)), el('time', 'time', m.time.slice(11)));
  meta.lastChild.dateTime = new Date(m.sent * 1000).toISOString();
  meta.lastChild.title = new Date(m.sent * 1000).toLocaleString();
  li.append(meta, el('div', 'text', codec.clean(m.text)));
  append(li);
  if (!own && !room.first && (document.hidden || !document.hasFocus())) {
    unread++;
    updateTitle();
    if (document.hidden) notify(room, m);
  }
}

// ---- receipts and notifications ------------------------------------------------------

async function markSeen(room) {
  if (document.hidden || room.seenSent === room.next) return;
  room.seenSent = room.next;
  try {
    await api.markSeen(room.name, room.next);
    const { seen } = await api.seen(room.name);
    if (room !== current) return;
    const who = seen.filter((s) => s.user !== api.user && s.offset >= room.next).map((s) => s.user);
    $('seen-by').textContent = who.length ? `Seen by ${who.join(', ')}` : '';
  } catch { /* receipts are best effort */ }
}

function askNotifications() {
  if ('Notification' in window && Notification.permission === 'default') {
    Notification.requestPermission().then(() => { $('notify').hidden = Notification.permission !== 'default'; }, () => {});
  }
}

function notify(room, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(`${codec.cleanName(m.user)} in ${room.name}`, { body: codec.clean(m.text).slice(0, 200), tag: `loft-${room.name}`, icon: '/assets/icon.svg' });
    n.onclick = () => { window.focus(); n.close(); };
  } catch { /* some mobile browsers only notify from a service worker */ }
}

function onVisible() {
  if (document.hidden) return;
  unread = 0;
  updateTitle();
  if (current) markSeen(current);
  wake();
}

// ---- sending -------------------------------------------------------------------------

async function send() {
  const room = current;
  const box = $('composer');
  const text = box.value;
  if (!room || !codec.rstrip(text)) return;
  $('send').disabled = true;
  showError('send-error', '');
  try {
    const token = await codec.seal(room.key, me, text);
    await api.append(room.name, `${token}\n`);
    if (box.value === text) box.value = '';
    autosize();
    wake(); // the follower may be waiting out a backoff
  } catch (e) {
    if (needsLogin(e)) return;
    const why = {
      403: 'not allowed (a read-only user, or a room this user may not write)',
      413: 'the message is too large',
      507: 'the relay\'s disk is full',
    }[e.status];
    const detail = why && e.message && !why.includes(e.message) ? ` (${e.message})` : '';
    showError('send-error', `Not sent: ${why || e.message}${detail}. Your text is kept.`);
  } finally {
    $('send').disabled = api.readOnly;
    box.focus();
  }
}

function autosize() {
  const box = $('composer');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

// ---- wiring --------------------------------------------------------------------------

function init() {
  $('login-form').addEventListener('submit', onLogin);
  $('room-form').addEventListener('submit', onRoomOpen);
  $('composer-form').addEventListener('submit', (ev) => { ev.preventDefault(); send(); });
  $('composer').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
  });
  $('composer').addEventListener('input', autosize);
  $('menu').addEventListener('click', () => {
    const open = !document.body.classList.contains('drawer-open');
    drawer(open);
    if (open) loadRooms();
  });
  $('notify').addEventListener('click', askNotifications);
  // The phone drawer closes like a menu: a tap beside it or Escape.
  $('main').addEventListener('click', () => drawer(false));
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') drawer(false); });
  $('logout').addEventListener('click', async () => {
    if (current) current.abort.abort();
    current = null;
    keys.clear(); // remembered keys stay: that is what "remember on this device" means
    await api.logout();
    showLogin('');
  });
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('focus', onVisible);
  window.addEventListener('online', wake);

  me = localStorage.getItem('loft.name') || '';
  // A session survives a reload of the tab (sessionStorage); the room keys do not, unless
  // remembered on this device.
  if (api.session && me) {
    api.user = localStorage.getItem('loft.user') || '';
    enterChat();
  } else {
    showLogin('');
  }
}

init();
