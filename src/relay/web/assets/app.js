// Loft's web chat: login, room list, one followed room (long-poll on GET /api/log), sending.
// Message text comes from anyone who knows the room key, so it only ever reaches the page
// through textContent (never innerHTML), after the same cleaning as the terminal client.
// Shared files (docs/files.md "Shared files"): encrypted here with a fresh key, uploaded with
// PUT /api/files, announced by an ordinary message; images show as thumbnails.
// Invites (docs/web.md "Invites"): a link https://relay/#invite=TOKEN&room=R[&key=K]&fp=F
// opens the join form; the part after # never leaves the browser, so a room key put there
// reaches only the people holding the link, never the relay.

import * as codec from './codec.js';
import * as files from './files.js';
import * as qr from './qr.js';
import * as backlog from './history.js';
import { Api, ApiError, AuthError } from './api.js';

const $ = (id) => document.getElementById(id);
const api = new Api();
const keys = new Map(); // room -> derived key, for this page's life
let me = '';            // display name (the sender name in messages)
let current = null;     // the followed room, see openRoom()
let unread = 0;
let maxFileBytes = null; // the relay's chat.max_file_bytes (0: file sharing off), once known
// Images up to this size are fetched and shown by themselves; bigger ones on request.
const AUTO_IMAGE_BYTES = 16 * 1024 * 1024;

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
  // What this device used last, unless someone typed already (on a slow phone, before
  // this script ran).
  if (!$('login-user').value) $('login-user').value = localStorage.getItem('loft.user') || '';
  if (!$('login-name').value) $('login-name').value = localStorage.getItem('loft.name') || '';
  showError('login-error', message);
  const typing = document.activeElement && document.activeElement.closest('#login-form');
  if (!typing) ($('login-user').value ? $('login-password') : $('login-user')).focus();
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
    let max;
    let mayInvite;
    ({ rooms, read_only: readOnly, max_file_bytes: max, may_invite: mayInvite } = await api.rooms());
    $('invite').hidden = !mayInvite;
    // After a reload the page keeps its session but not what the login said.
    if (typeof readOnly === 'boolean') api.readOnly = readOnly;
    if (typeof max === 'number') {
      maxFileBytes = max;
      $('attach').hidden = max === 0;
    }
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

function leaveRoom() {
  if (!current) return;
  current.abort.abort();
  closeViewer();
  for (const url of current.urls) URL.revokeObjectURL(url);
  current.urls.clear();
}

function openRoom(name, key) {
  leaveRoom();
  current = { name, key, next: 0, tokens: new Set(), lastDate: null, oldest: null, atBeginning: false, loadingOlder: false, abort: new AbortController(), first: true, seenSent: -1, urls: new Set(), opened: 0, foreign: 0, sent: new Set() };
  unread = 0;
  updateTitle();
  $('room-title').textContent = name;
  $('messages').replaceChildren();
  $('seen-by').textContent = '';
  $('key-warning').hidden = true;
  showError('send-error', '');
  const canSend = !api.readOnly;
  $('composer').disabled = !canSend;
  $('send').disabled = !canSend;
  $('attach').disabled = !canSend;
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

/** Messages shown before the rest of a room's backlog is opened: the newest screenful. */
const FIRST_PAINT = 40;

/** Opens the lines of one /api/log answer (side by side, see history.js) and counts what
 *  opened for the key check. */
async function openAnswer(room, lines, from) {
  const opened = await backlog.openLines(lines, from, room.tokens, (t) => codec.open(room.key, t));
  for (const r of opened) {
    if (r.kind === 'wrong-key') room.foreign++;
    else if (r.m && !room.sent.has(r.token)) room.opened++;
  }
  return opened;
}

// A frame, or 50 ms in a hidden tab (which gets no frames).
const nextFrame = () => new Promise((r) => { requestAnimationFrame(() => setTimeout(r, 0)); setTimeout(r, 50); });

/** Shows the lines of one /api/log answer, like the terminal client: messages in order,
 *  runs of lines under another key and unreadable lines as muted notices. Opening a
 *  room, the newest screenful is shown first and the rest put above it. */
async function ingest(room, res) {
  if (room.oldest === null) {
    room.oldest = res.from;
    room.atBeginning = res.first !== undefined && res.from <= res.first;
  }
  if (room.first && res.lines.length > FIRST_PAINT) {
    // No scrolling back until the rest of this answer is in place above the first paint.
    room.loadingOlder = true;
    const cut = backlog.tailStart(res.lines, FIRST_PAINT);
    const head = res.lines.slice(0, cut);
    const tail = await openAnswer(room, res.lines.slice(cut), backlog.offsets(res.from, head).end);
    if (room !== current) return;
    const t = backlog.layout(tail, null);
    room.lastDate = t.lastDay;
    append(nodesOf(room, t.items));
    await nextFrame(); // on screen before the rest is opened
    const older = await openAnswer(room, head, res.from);
    room.loadingOlder = false;
    if (room !== current) return;
    const h = backlog.layout(older, null);
    prepend(nodesOf(room, h.items), h.lastDay);
  } else {
    const opened = await openAnswer(room, res.lines, res.from);
    if (room !== current) return;
    const { items, lastDay } = backlog.layout(opened, room.lastDate);
    room.lastDate = lastDay;
    append(nodesOf(room, items));
    for (const it of items) if (it.kind === 'msg') attention(room, it.m);
  }
  if (room.atBeginning) beginning(room);
  checkKey(room);
  // Too few messages to scroll: the older ones come without a scroll.
  if (!room.atBeginning && $('messages').scrollTop < 300) loadOlder(room);
}

/** Older messages, when the reader scrolls near the top: back through the archives to
 *  the oldest line the relay keeps. */
async function loadOlder(room) {
  if (room.loadingOlder || room.atBeginning || room.oldest === null) return;
  room.loadingOlder = true;
  try {
    const res = await api.logBefore(room.name, room.oldest);
    if (room !== current) return;
    const opened = await openAnswer(room, res.lines, res.from);
    if (room !== current) return;
    const { items, lastDay } = backlog.layout(opened, null);
    prepend(nodesOf(room, items), lastDay);
    room.oldest = res.from;
    if (!res.lines.length || res.from <= res.first) {
      room.atBeginning = true;
      beginning(room);
    }
    checkKey(room);
  } catch (e) {
    if (!needsLogin(e)) notice(`older messages could not be read: ${e.message}`);
  } finally {
    room.loadingOlder = false;
  }
  // Still near the top (a short screen of old messages): go on.
  const box = $('messages');
  if (room === current && !room.atBeginning && box.scrollTop < 300) loadOlder(room);
}

/** The "beginning of the kept history" mark, once, above everything. */
function beginning(room) {
  const box = $('messages');
  if (box.querySelector('.beginning') || !box.querySelector('.msg, .notice')) return;
  const li = el('li', 'beginning', 'The beginning of the history this relay keeps');
  const fromBottom = box.scrollHeight - box.scrollTop;
  box.prepend(li);
  box.scrollTop = box.scrollHeight - fromBottom;
}

/** FTPChat v1.7 readers stop for good at the first line they cannot decrypt. A key that
 *  opens none of a room's messages is most likely mistyped, and what is sent under it
 *  would freeze those readers: say so, as `loft send` does, until a message that this
 *  page did not send opens (its own always do). */
function checkKey(room) {
  const suspect = room.opened === 0 && room.foreign > 0;
  const box = $('key-warning');
  if (suspect) {
    const n = room.foreign;
    box.textContent = (n === 1 ? 'This room key does not open the room\'s only message. ' : `This room key opens none of the room's ${n} messages. `) +
      'If it is mistyped, the others cannot read what you send, and FTPChat readers of this room stop at your message for good. ' +
      'Check the key (open the room again from the menu with the right one).';
  }
  box.hidden = !suspect;
}

function weekday(d) { return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()]; }

function append(node) {
  const box = $('messages');
  const scroller = box;
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  box.append(node);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

/** Puts older messages above those shown, where they join (one day mark, one run of
 *  other-key lines), without moving what the reader looks at. */
function prepend(frag, lastDay) {
  const box = $('messages');
  // Measured before anything above the reader's place changes.
  const fromBottom = box.scrollHeight - box.scrollTop;
  const mark = box.querySelector('.beginning');
  let first = mark ? mark.nextElementSibling : box.firstElementChild;
  // The older part ends on the day the shown part starts with (after any notices at its
  // top): one day mark for both.
  let day = first;
  while (day && day.classList.contains('notice')) day = day.nextElementSibling;
  if (day && day.classList.contains('day') && day.dataset.day === lastDay) {
    if (day === first) first = day.nextElementSibling;
    day.remove();
  }
  const last = frag.lastElementChild;
  if (last && first && last.classList.contains('other-key') && first.classList.contains('other-key')) {
    const n = Number(last.dataset.count) + Number(first.dataset.count);
    first.replaceWith(otherKeyNode(n));
    first = box.querySelector('.other-key');
    last.remove();
  }
  box.insertBefore(frag, first);
  box.scrollTop = box.scrollHeight - fromBottom;
}

function noticeNode(text, kind = 'info') {
  return el('li', `notice ${kind}`, text);
}

function notice(text, kind = 'info') {
  append(noticeNode(text, kind));
}

function otherKeyNode(n) {
  const li = noticeNode(`${n} line${n === 1 ? '' : 's'} encrypted with another key (a wrong room key, or other people sharing the file)`, 'other-key');
  li.dataset.count = String(n);
  return li;
}

/** The nodes of laid-out items (backlog.layout), in one fragment. */
function nodesOf(room, items) {
  const frag = document.createDocumentFragment();
  const today = codec.formatTime(new Date()).slice(0, 10);
  for (const it of items) {
    if (it.kind === 'msg') frag.append(messageNode(room, it.m));
    else if (it.kind === 'day') {
      const li = el('li', 'day', it.day === today ? `Today, ${weekday(it.when)} ${it.day}` : `${weekday(it.when)} ${it.day}`);
      li.dataset.day = it.day;
      frag.append(li);
    } else if (it.kind === 'other-key') frag.append(otherKeyNode(it.count));
    else if (it.kind === 'malformed') frag.append(noticeNode(`skipped byte ${it.at}: ${it.message}`, 'malformed'));
    else frag.append(noticeNode(`skipped ${it.count} more lines`, 'malformed'));
  }
  return frag;
}

function messageNode(room, m) {
  const own = m.user === me;
  const li = el('li', `msg c${codec.colourOf(m.user)}${own ? ' own' : ''}`);
  li.dataset.user = m.user;
  const meta = el('div', 'meta');
  meta.append(el('span', 'user', codec.cleanName(m.user)), el('time', 'time', m.time.slice(11)));
  meta.lastChild.dateTime = new Date(m.sent * 1000).toISOString();
  meta.lastChild.title = new Date(m.sent * 1000).toLocaleString();
  const ref = files.parseFileRef(m.text);
  const text = el('div', 'text', codec.clean(ref ? ref.display : m.text));
  if (ref && ref.display.startsWith('📎 ')) {
    // The paperclip as the page's own icon: it shows the same without an emoji font.
    const clip = $('attach').querySelector('svg').cloneNode(true);
    clip.setAttribute('class', 'clip');
    clip.setAttribute('role', 'img');
    clip.setAttribute('aria-label', 'file');
    clip.removeAttribute('aria-hidden');
    text.textContent = codec.clean(ref.display.slice(2)); // '📎' is two UTF-16 units
    text.prepend(clip);
  }
  li.append(meta, text);
  if (ref) li.append(fileLine(room, ref));
  return li;
}

/** A new message from someone else while the page is not looked at: the unread count,
 *  and a notification while it is hidden. */
function attention(room, m) {
  if (m.user === me || room.first || (!document.hidden && document.hasFocus())) return;
  unread++;
  updateTitle();
  if (document.hidden) {
    const ref = files.parseFileRef(m.text);
    notify(room, ref ? { ...m, text: ref.display } : m);
  }
}

// ---- shared files in messages --------------------------------------------------------

/** The part of a message that shows a shared file: a thumbnail for an image (fetched and
 *  checked by itself), else the name, size and a download button. */
function fileLine(room, ref) {
  const box = el('div', 'file');
  box.dataset.name = ref.name;
  const error = el('p', 'error file-error');
  error.setAttribute('role', 'alert');
  const label = `${codec.cleanName(ref.name)} (${files.humanSize(ref.size)})`;
  if (files.isImageName(ref.name) && ref.size <= AUTO_IMAGE_BYTES) {
    box.classList.add('image', 'loading');
    const thumb = el('button', 'thumb');
    thumb.type = 'button';
    thumb.setAttribute('aria-label', `Open the image ${label}`);
    const img = el('img');
    img.alt = codec.cleanName(ref.name);
    thumb.append(img);
    thumb.addEventListener('click', (ev) => { ev.stopPropagation(); if (img.src) openViewer(img.src, img.alt); });
    box.append(thumb, error);
    limited(() => fetchFile(room, ref)).then((bytes) => {
      if (room !== current) return;
      const url = roomUrl(room, new Blob([bytes], { type: files.imageType(ref.name) }));
      img.addEventListener('load', () => {
        // The thumbnail grows the list: stay at the bottom if the reader was there.
        const list = $('messages');
        const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
        box.classList.remove('loading');
        if (atBottom) list.scrollTop = list.scrollHeight;
      }, { once: true });
      img.addEventListener('error', () => {
        box.classList.remove('loading');
        box.classList.add('failed');
        error.textContent = `${codec.cleanName(ref.name)}: checked, but not an image this browser can show`;
      }, { once: true });
      img.src = url;
    }, (e) => {
      if (room !== current) return;
      box.classList.remove('loading');
      box.classList.add('failed');
      error.textContent = `Cannot show ${codec.cleanName(ref.name)}: ${e.message}`;
    });
    return box;
  }
  const get = el('button', 'download', 'Download');
  get.type = 'button';
  get.setAttribute('aria-label', `Download ${label}`);
  get.addEventListener('click', async (ev) => {
    ev.stopPropagation();
    get.disabled = true;
    get.textContent = 'Downloading…';
    error.textContent = '';
    try {
      const bytes = await fetchFile(room, ref);
      if (room !== current) return;
      const url = roomUrl(room, new Blob([bytes], { type: 'application/octet-stream' }));
      const a = el('a');
      a.href = url;
      a.download = files.safeFileName(ref.name, ref.id);
      document.body.append(a);
      a.click();
      a.remove();
      // The browser reads the blob when the download starts; then it is only memory.
      setTimeout(() => { URL.revokeObjectURL(url); room.urls.delete(url); }, 60000);
    } catch (e) {
      if (needsLogin(e)) return;
      error.textContent = `Not saved: ${e.message}`;
    } finally {
      get.disabled = false;
      get.textContent = 'Download';
    }
  });
  // The name and size, unless the message's text already says them (the text is the
  // sender's; what is saved is named by the reference).
  const said = ref.display.startsWith(`📎 ${ref.name.replace(/[\r\n\t]+/g, ' ')} (${files.humanSize(ref.size)})`);
  if (!said) box.append(el('span', 'file-name', codec.cleanName(ref.name)), el('span', 'file-size', files.humanSize(ref.size)));
  box.append(get, error);
  return box;
}

/** Fetches, decrypts and checks a shared file: its bytes, or an error saying what is wrong. */
async function fetchFile(room, ref) {
  let lff;
  try {
    lff = await api.getFile(room.name, ref.id, room.abort.signal);
  } catch (e) {
    if (e.status === 404) throw new Error('not on the relay (removed with old history, or never uploaded)');
    throw e;
  }
  return files.decryptFile(ref.key, lff, ref);
}

/** A blob URL that lives as long as the room stays open. */
function roomUrl(room, blob) {
  const url = URL.createObjectURL(blob);
  room.urls.add(url);
  return url;
}

// At most two files fetched at once: a history full of photos must not flood a phone.
let running = 0;
const waiting = [];
function limited(job) {
  return new Promise((resolve, reject) => {
    const start = () => {
      running++;
      job().then(resolve, reject).finally(() => {
        running--;
        if (waiting.length) waiting.shift()();
      });
    };
    if (running < 2) start(); else waiting.push(start);
  });
}

function openViewer(src, alt) {
  $('viewer-img').src = src;
  $('viewer-img').alt = alt;
  $('viewer').hidden = false;
  $('viewer').focus();
}

function closeViewer() {
  $('viewer').hidden = true;
  $('viewer-img').removeAttribute('src');
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

/** Shows a notification for `m` in `room`: through the service worker where there is one
 *  (the only way Android Chrome shows them), else with `new Notification`. The title is
 *  the room; the body the sender and the first line, unless previews are off. */
async function notify(room, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const line = codec.clean(m.text).split('\n')[0].slice(0, 200);
  const opts = {
    tag: `loft-${room.name}`,
    icon: '/assets/icon-192.png',
    data: { room: room.name },
    ...(localStorage.getItem('loft.previews') === 'off' ? {} : { body: `${codec.cleanName(m.user)}: ${line}` }),
  };
  if (worker) {
    try {
      await worker.showNotification(room.name, opts);
      return;
    } catch { /* fall back to a page notification */ }
  }
  try {
    const n = new Notification(room.name, opts);
    n.onclick = () => { window.focus(); n.close(); showRoom(room.name); };
  } catch { /* some mobile browsers notify only through a service worker */ }
}

/** Brings `name` on screen (a tapped notification): the open room, or that room. */
function showRoom(name) {
  if (!name || $('chat-view').hidden) return;
  if (!current || current.name !== name) pickRoom(name);
  drawer(false);
}

// ---- the app: service worker, install, updates -----------------------------------------

let worker = null; // the service worker's registration, once registered

/** One line saying why the page is not an app here, with the way out. */
function appNote(why, trust) {
  const note = $('app-note');
  note.replaceChildren(document.createTextNode(why));
  if (trust) {
    const a = el('a', '', 'Trust this relay');
    a.href = '/trust';
    note.append(' ', a, '.');
  }
  note.hidden = false;
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) {
    const why = window.isSecureContext ? 'this browser has no service workers' : 'the page is not on HTTPS';
    return appNote(`Not installable, and notifications only while this tab is open: ${why}.`, window.isSecureContext);
  }
  try {
    const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    worker = reg;
    const offer = (w) => { if (w && navigator.serviceWorker.controller) showUpdate(w); };
    const watch = (w) => { if (w) w.addEventListener('statechange', () => { if (w.state === 'installed') offer(w); }); };
    offer(reg.waiting);
    watch(reg.installing); // an update already installing when the page registered
    reg.addEventListener('updatefound', () => watch(reg.installing));
  } catch (e) {
    // Chromium refuses a service worker from a certificate it does not trust.
    const cert = /SSL|certificate/i.test(e.message);
    appNote(cert
      ? 'This browser does not trust the relay\'s certificate yet, so the page cannot be installed or notify in the background.'
      : `The page cannot be installed here (${e.message}).`, cert);
  }
}

let reloading = false;
function showUpdate(waiting) {
  $('update').hidden = false;
  $('update-reload').onclick = () => {
    reloading = true;
    waiting.postMessage('take-over');
  };
}

function onVisible() {
  if (document.hidden) return;
  unread = 0;
  updateTitle();
  if (current) markSeen(current);
  wake();
}

// ---- sending -------------------------------------------------------------------------

/** Seals `text` as a message from me and appends it to `room`. */
async function post(room, text) {
  const token = await codec.seal(room.key, me, text);
  room.sent.add(token); // (its opening says nothing about the key: see checkKey)
  await api.append(room.name, `${token}\n`);
  wake(); // the follower may be waiting out a backoff
}

function sendFailed(e) {
  const why = {
    403: 'not allowed (a read-only user, or a room this user may not write)',
    413: 'the message is too large',
    507: 'the relay\'s disk is full',
  }[e.status];
  const detail = why && e.message && !why.includes(e.message) ? ` (${e.message})` : '';
  showError('send-error', `Not sent: ${why || e.message}${detail}. Your text is kept.`);
}

async function send() {
  const room = current;
  const box = $('composer');
  const text = box.value;
  if (!room || !codec.rstrip(text)) return;
  $('send').disabled = true;
  showError('send-error', '');
  try {
    await post(room, text);
    if (box.value === text) box.value = '';
    autosize();
  } catch (e) {
    if (needsLogin(e)) return;
    sendFailed(e);
  } finally {
    $('send').disabled = api.readOnly;
    box.focus();
  }
}

// Files are shared one after the other, in the order they were picked, dropped or pasted.
let sharing = Promise.resolve();
function shareFiles(list) {
  const room = current; // the room they were given to, even if another is opened meanwhile
  for (const file of list) sharing = sharing.then(() => shareFile(room, file));
}

/** Encrypts `file`, uploads it, then announces it in `room` with the text in the box as a
 *  caption (when `room` is still the open one). */
async function shareFile(room, file) {
  if (!room || !api.session || api.readOnly) return;
  const box = $('composer');
  const name = codec.cleanName(file.name);
  showError('send-error', '');
  if (maxFileBytes === 0) return showError('send-error', `Not sent: ${name}: file sharing is off on this relay.`);
  if (maxFileBytes && file.size > maxFileBytes) {
    return showError('send-error', `Not sent: ${name} is ${files.humanSize(file.size)}, over this relay's limit of ${files.humanSize(maxFileBytes)}.`);
  }
  const state = $('send-state');
  state.textContent = `sending ${name}…`;
  $('attach').disabled = true;
  try {
    const f = await files.encryptFile(new Uint8Array(await file.arrayBuffer()));
    await api.putFile(room.name, f.id, f.body);
    const caption = room === current ? box.value : '';
    await post(room, files.fileAnnouncement({ ...f, name: file.name }, caption));
    if (caption && room === current && box.value === caption) {
      box.value = '';
      autosize();
    }
  } catch (e) {
    if (needsLogin(e)) return;
    // The relay's own words (quota full, too large, sharing off, …) say it best.
    showError('send-error', `Not sent: ${name}: ${e.message}`);
  } finally {
    state.textContent = '';
    $('attach').disabled = api.readOnly;
  }
}

/** Whether a drag carries files (not text or a link from the page). */
const carriesFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes('Files');

function autosize() {
  const box = $('composer');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

// ---- invites: joining with a link, and making one -------------------------------------

let invite = null; // the link's {token, room, key, fp} while the join form is shown

function inviteOf(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const token = p.get('invite');
  if (!token) return null;
  return { token, room: p.get('room') || '', key: p.get('key') || '', fp: (p.get('fp') || '').toLowerCase() };
}

/** Forgets the link in the address bar (its token and key should not stay in the history). */
function dropFragment() { history.replaceState(null, '', location.pathname + location.search); }

async function showJoin(inv) {
  invite = inv;
  // The token (and any room key) out of the address bar and the history at once: the
  // page keeps them while the form is open.
  dropFragment();
  $('login-view').hidden = true;
  $('chat-view').hidden = true;
  $('join-view').hidden = false;
  $('join-fields').hidden = true;
  let info;
  try {
    info = await api.inviteInfo(inv.token);
  } catch (e) {
    $('join-who').textContent = e.message;
    return;
  }
  const room = info.room ? ` to the room “${info.room}”` : '';
  $('join-who').textContent = `${info.by} invited you${room} on this relay.` +
    (info.read_only ? ' Your account will read, not write.' : '');
  const theirs = (info.fingerprint || '').replace(/:/g, '').toLowerCase();
  const relay = $('join-relay');
  relay.className = 'hint';
  if (inv.fp) {
    // The link names the CA of the relay that made it: a relay without it, or with
    // another, is not that relay (this tells a wrong address from the right one; it
    // cannot stop someone who serves this page itself).
    const same = inv.fp === theirs;
    relay.className = same ? 'hint ok' : 'warn';
    relay.textContent = same
      ? '✓ This is the relay that invited you: its certificate authority is the one the link names.'
      : '⚠ This is not the relay the link names (another certificate authority). Ask who invited you before you go on.';
  } else {
    relay.textContent = 'The link names no certificate authority, so it cannot vouch for this relay.';
  }
  $('join-fields').hidden = false;
  $('join-user').focus();
}

/** A password that is easy to read out: 4 groups of 4 letters and digits (as `loft user add`). */
function makePassword() {
  const abc = 'abcdefghjkmnpqrstuvwxyz23456789';
  const r = crypto.getRandomValues(new Uint8Array(16));
  const chars = [...r].map((b) => abc[b % abc.length]).join('');
  return chars.match(/.{4}/g).join('-');
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Select and copy it';
  }
}

async function onJoin(ev) {
  ev.preventDefault();
  const user = $('join-user').value.trim();
  const bad = codec.checkUserName(user);
  if (bad) return showError('join-error', `That name cannot be used: ${bad}.`);
  $('join-submit').disabled = true;
  showError('join-error', '');
  try {
    await api.redeem(invite.token, user, $('join-password').value);
  } catch (e) {
    return showError('join-error', e.message);
  } finally {
    $('join-submit').disabled = false;
  }
  $('join-password').value = '';
  localStorage.setItem('loft.user', user);
  localStorage.setItem('loft.name', user);
  me = user;
  const { room, key } = invite;
  invite = null;
  dropFragment();
  $('join-view').hidden = true;
  enterChat();
  if (room && key) {
    try {
      const k = await codec.keyFromFernet(key);
      keys.set(room, k);
      openRoom(room, k);
      return;
    } catch { /* a damaged key: ask for it */ }
  }
  if (room) {
    $('room-input').value = room;
    $('room-key').focus();
  }
}

function openInvitePanel() {
  $('invite-room').value = current ? current.name : $('room-input').value.trim();
  $('invite-result').hidden = true;
  showError('invite-error', '');
  inviteKeyChoice();
  $('invite-panel').hidden = false;
  $('invite-room').focus();
}

/** The key can go in the link only for a room whose key this page holds. */
function inviteKeyChoice() {
  const room = $('invite-room').value.trim();
  const box = $('invite-key');
  box.disabled = !keys.has(room);
  if (box.disabled) box.checked = false;
  const note = $('invite-key-note');
  note.hidden = !box.checked;
  note.textContent = `The link will carry the key of “${room}”: anyone holding it can read and write that room, ` +
    'not only join the relay. The key stays after the # of the link, a part browsers never send to the relay.';
}

async function onInviteMake(ev) {
  ev.preventDefault();
  const room = $('invite-room').value.trim().replace(/\.txt$/, '');
  const uses = Number($('invite-uses').value) || 1;
  showError('invite-error', '');
  $('invite-make').disabled = true;
  let r;
  try {
    r = await api.makeInvite({ room: room || null, uses, expires: $('invite-expires').value, read_only: $('invite-read-only').checked });
  } catch (e) {
    if (!needsLogin(e)) showError('invite-error', e.message);
    return;
  } finally {
    $('invite-make').disabled = false;
  }
  let link = r.link;
  let svg = r.qr_svg;
  const withKey = $('invite-key').checked && keys.has(room);
  if (withKey) {
    // Made here: the relay must never see the key.
    link += `&key=${encodeURIComponent(keys.get(room).fernetKey)}`;
    svg = qr.svgOf(link);
  }
  // The SVG is the relay's (or ours): a QR code, never text anyone else wrote.
  $('invite-qr').innerHTML = svg || '';
  $('invite-link').value = link;
  $('invite-copy').textContent = 'Copy the link';
  const until = new Date(r.expires * 1000).toLocaleString();
  const who = r.uses === 1 ? 'one account' : `${r.uses} accounts`;
  $('invite-says').textContent = `Anyone holding this link can make ${who} on this relay until ${until}` +
    (withKey ? `, and read and write “${room}” with the key it carries.` : '; they still need the room key from you.') +
    ' Send it to the person you invite, and to nobody else.';
  $('invite-result').hidden = false;
}

// ---- wiring --------------------------------------------------------------------------

function init() {
  $('login-form').addEventListener('submit', onLogin);
  // Disabled in the HTML: a tap before this script runs would submit the form natively.
  $('login-submit').disabled = false;
  $('room-form').addEventListener('submit', onRoomOpen);
  $('composer-form').addEventListener('submit', (ev) => { ev.preventDefault(); send(); });
  // Enter sends and Shift+Enter starts a line, on a keyboard; on a touch screen Enter
  // starts a line and the Send button sends (a phone's Enter is too easy to hit).
  const touch = matchMedia('(pointer: coarse)').matches;
  if (touch) {
    $('composer').setAttribute('enterkeyhint', 'enter');
    $('composer').title = 'Send with the Send button';
  }
  $('composer').addEventListener('keydown', (ev) => {
    if (touch) return;
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
  });
  $('composer').addEventListener('input', autosize);
  $('attach').addEventListener('click', () => $('attach-input').click());
  $('attach-input').addEventListener('change', () => {
    const input = $('attach-input');
    shareFiles([...input.files]);
    input.value = ''; // the same file can be picked again
  });
  $('composer').addEventListener('paste', (ev) => {
    const list = [...(ev.clipboardData?.files || [])];
    if (!list.length || !current || api.readOnly) return;
    ev.preventDefault();
    shareFiles(list);
  });
  // A file dropped anywhere on the page is shared in the open room, never opened by the
  // browser in place of the chat.
  document.addEventListener('dragover', (ev) => {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    const ok = current && !api.readOnly && !$('chat-view').hidden;
    ev.dataTransfer.dropEffect = ok ? 'copy' : 'none';
    document.body.classList.toggle('dropping', !!ok);
  });
  document.addEventListener('dragleave', (ev) => { if (!ev.relatedTarget) document.body.classList.remove('dropping'); });
  document.addEventListener('drop', (ev) => {
    if (!carriesFiles(ev)) return;
    ev.preventDefault();
    document.body.classList.remove('dropping');
    if (current && !api.readOnly && !$('chat-view').hidden) shareFiles([...ev.dataTransfer.files]);
  });
  $('viewer').addEventListener('click', closeViewer);
  $('messages').addEventListener('scroll', () => {
    if (current && $('messages').scrollTop < 300) loadOlder(current);
  }, { passive: true });
  $('menu').addEventListener('click', () => {
    const open = !document.body.classList.contains('drawer-open');
    drawer(open);
    if (open) loadRooms();
  });
  $('notify').addEventListener('click', askNotifications);
  // The phone drawer closes like a menu: a tap beside it or Escape.
  $('main').addEventListener('click', () => drawer(false));
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    if (!$('viewer').hidden) closeViewer();
    else if (!$('invite-panel').hidden) $('invite-panel').hidden = true;
    else drawer(false);
  });
  $('logout').addEventListener('click', async () => {
    leaveRoom();
    current = null;
    keys.clear(); // remembered keys stay: that is what "remember on this device" means
    await api.logout();
    showLogin('');
  });
  $('previews').checked = localStorage.getItem('loft.previews') !== 'off';
  $('previews').addEventListener('change', () => localStorage.setItem('loft.previews', $('previews').checked ? 'on' : 'off'));
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('controllerchange', () => { if (reloading) location.reload(); });
    navigator.serviceWorker.addEventListener('message', (ev) => {
      if (ev.data && ev.data.type === 'open-room') showRoom(ev.data.room);
    });
  }
  window.addEventListener('offline', () => setStatus('reconnecting', 'offline'));
  registerWorker();
  $('join-form').addEventListener('submit', onJoin);
  $('join-generate').addEventListener('click', () => {
    const pw = makePassword();
    $('join-password').value = pw;
    $('join-made-pw').textContent = pw;
    $('join-made').hidden = false;
  });
  $('join-copy').addEventListener('click', () => copy($('join-made-pw').textContent, $('join-copy')));
  $('join-login').addEventListener('click', () => { invite = null; dropFragment(); $('join-view').hidden = true; showLogin(''); });
  $('invite').addEventListener('click', openInvitePanel);
  $('invite-form').addEventListener('submit', onInviteMake);
  $('invite-room').addEventListener('input', inviteKeyChoice);
  $('invite-key').addEventListener('change', inviteKeyChoice);
  $('invite-copy').addEventListener('click', () => copy($('invite-link').value, $('invite-copy')));
  $('invite-close').addEventListener('click', () => { $('invite-panel').hidden = true; });
  window.addEventListener('hashchange', () => { const inv = inviteOf(location.hash); if (inv) showJoin(inv); });
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('focus', onVisible);
  window.addEventListener('online', wake);

  me = localStorage.getItem('loft.name') || '';
  // A session survives a reload of the tab (sessionStorage); the room keys do not, unless
  // remembered on this device.
  const inv = inviteOf(location.hash);
  // A tapped notification opens /#room=NAME when no page was open.
  const asked = new URLSearchParams(location.hash.replace(/^#/, '')).get('room');
  if (inv) {
    showJoin(inv);
  } else if (api.session && me) {
    api.user = localStorage.getItem('loft.user') || '';
    enterChat();
    if (asked) {
      dropFragment();
      pickRoom(asked);
    }
  } else {
    showLogin('');
  }
}

init();
