// The page's reader of room lines (src/relay/web/assets/history.js): byte offsets as FTP
// REST counts them, lines opened side by side but shown in order, notices as before, and
// reading backwards with `before` meeting the forward reading exactly.
// Run: node --test tests/web/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as history from '../../src/relay/web/assets/history.js';

const msg = (user, text, time = '2026-12-01 10:00') => ({ user, text, time, when: new Date(time) });

/** A fake `open`: "ok:USER:TEXT[:DAY]" opens, "wk:…" is another key, anything else is malformed;
 *  each call resolves after a random delay so that completion order differs from line order. */
function opener() {
  return (token) => new Promise((resolve, reject) => {
    setTimeout(() => {
      const [kind, user, text, day] = token.split(':');
      if (kind === 'ok') resolve(msg(user, text, `${day || '2026-12-01'} 10:00`));
      else if (kind === 'wk') reject(Object.assign(new Error('wrong key'), { kind: 'wrong-key' }));
      else reject(Object.assign(new Error('not a token'), { kind: 'not-a-token' }));
    }, Math.random() * 5);
  });
}

test('offsets count UTF-8 bytes and the newline, from where the read started', () => {
  const { offsets, end } = history.offsets(100, ['ab', 'é', '', '😀x']);
  assert.deepEqual(offsets, [100, 103, 106, 107]);
  assert.equal(end, 113);
});

test('lines open side by side but come back in order, each token once', async () => {
  const lines = [];
  for (let i = 0; i < 200; i++) lines.push(`ok:u${i % 3}:m${i}`);
  lines.splice(50, 0, '', 'ok:u0:m0'); // a blank line and a repeated token
  const seen = new Set();
  const out = await history.openLines(lines, 0, seen, opener(), 16);
  assert.deepEqual(out.map((r) => r.m.text), lines.filter((l) => l).slice(0, 50).concat(lines.slice(52)).map((l) => l.split(':')[2]));
  assert.equal(seen.size, 200);
  // Offsets are those of the lines themselves.
  const { offsets } = history.offsets(0, lines);
  assert.equal(out[50].at, offsets[52]);
});

test('layout: days, one notice per run of other-key lines, at most 3 malformed notices', async () => {
  const lines = ['ok:a:1:2026-12-01', 'wk:x', 'wk:y', 'ok:b:2:2026-12-01', 'ok:c:3:2026-12-02', 'bad1', 'bad2', 'bad3', 'bad4', 'bad5', 'wk:z'];
  const out = await history.openLines(lines, 0, new Set(), opener());
  const { items, lastDay } = history.layout(out, '2026-12-01');
  assert.deepEqual(items.map((i) => i.kind === 'msg' ? `msg ${i.m.text}` : i.kind === 'day' ? `day ${i.day}` : `${i.kind} ${i.count ?? i.at}`), [
    'msg 1', 'other-key 2', 'msg 2', 'day 2026-12-02', 'msg 3',
    `malformed ${history.offsets(0, lines).offsets[5]}`, `malformed ${history.offsets(0, lines).offsets[6]}`,
    `malformed ${history.offsets(0, lines).offsets[7]}`, 'other-key 1', 'more-malformed 2',
  ]);
  assert.equal(lastDay, '2026-12-02');
});

test('the first paint takes the newest lines that are not blank', () => {
  const lines = ['a', 'b', '', 'c', 'd', ''];
  assert.equal(history.tailStart(lines, 2), 3);
  assert.equal(history.tailStart(lines, 10), 0);
});

test('reading backwards with `before` meets reading forwards, byte for byte', async () => {
  // A room as the relay answers it: lines of varying UTF-8 length from offset 5000 (what
  // the archives keep), read back in answers of at most `max` bytes of whole lines, as
  // GET /api/log?before=N does, then laid out oldest first.
  const lines = [];
  for (let i = 0; i < 300; i++) lines.push(`ok:u:${'é'.repeat(i % 7)}${i}`);
  const first = 5000;
  const { offsets, end } = history.offsets(first, lines);
  const before = (n, max) => {
    let i = offsets.findIndex((o, k) => (k + 1 < offsets.length ? offsets[k + 1] : end) > n);
    if (i < 0) i = lines.length;
    const stop = i; // lines [.., stop) end at or before n
    let start = stop;
    let bytes = 0;
    while (start > 0) {
      const len = (start < lines.length ? offsets[start] : end) - offsets[start - 1];
      if (bytes + len > max && start < stop) break;
      bytes += len;
      start--;
    }
    return { from: start < lines.length ? offsets[start] : end, lines: lines.slice(start, stop), first };
  };
  const seen = new Set();
  const shown = [];
  let at = end;
  for (;;) {
    const res = before(at, 700);
    const out = await history.openLines(res.lines, res.from, seen, opener());
    shown.unshift(...out.map((r) => [r.at, r.m.text]));
    if (!res.lines.length || res.from <= res.first) break;
    at = res.from;
  }
  const forward = await history.openLines(lines, first, new Set(), opener());
  assert.deepEqual(shown, forward.map((r) => [r.at, r.m.text]));
});
