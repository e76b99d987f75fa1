// A room's lines turned into what the page shows, fast: the HMAC, AES and inflate of each
// token are independent, so they run side by side in batches instead of one after another
// (a busy room opened in 1.5-2 s that way on a 2-core laptop, 4-8 times that on a phone),
// and the caller renders the newest screenful first. No DOM here: node --test checks it.

/** Lines opened at once: enough to keep WebCrypto busy, few enough to bound memory. */
export const BATCH = 64;

const encoder = new TextEncoder();

/** The logical byte offset of each of `lines`, read from `from` (each line ends in \n). */
export function offsets(from, lines) {
  const out = new Array(lines.length);
  let at = from;
  for (let i = 0; i < lines.length; i++) {
    out[i] = at;
    at += encoder.encode(lines[i]).length + 1;
  }
  return { offsets: out, end: at };
}

/**
 * Opens `lines` (read from offset `from`) with `open(token)`, in order, skipping blank
 * lines and tokens in `seen` (which it fills). Each result is
 * `{at, token, m}` (a message), `{at, token, kind: 'wrong-key'}`, or
 * `{at, token, kind: 'malformed', message}`; `open` throws errors with a `kind`.
 */
export async function openLines(lines, from, seen, open, batch = BATCH) {
  const { offsets: at } = offsets(from, lines);
  const todo = [];
  for (let i = 0; i < lines.length; i++) {
    const token = lines[i].trim();
    if (!token || seen.has(token)) continue;
    seen.add(token);
    todo.push({ at: at[i], token });
  }
  const out = new Array(todo.length);
  for (let i = 0; i < todo.length; i += batch) {
    const part = todo.slice(i, i + batch);
    const done = await Promise.all(part.map(({ at, token }) => open(token).then(
      (m) => ({ at, token, m }),
      (e) => (e && e.kind === 'wrong-key'
        ? { at, token, kind: 'wrong-key' }
        : { at, token, kind: 'malformed', message: (e && e.message) || String(e) }),
    )));
    for (let j = 0; j < done.length; j++) out[i + j] = done[j];
  }
  return out;
}

/**
 * What to show for opened lines, in order: messages, a day before the first message of
 * each day (after `lastDay`), one notice per run of lines under another key, and notices
 * for the first 3 unreadable lines (then one for how many more). Returns the items and
 * the day of the last message.
 */
export function layout(opened, lastDay = null) {
  const items = [];
  let otherKey = 0;
  let malformed = 0;
  let day = lastDay;
  const flush = () => {
    if (otherKey) items.push({ kind: 'other-key', count: otherKey });
    otherKey = 0;
  };
  for (const r of opened) {
    if (r.kind === 'wrong-key') { otherKey++; continue; }
    flush();
    if (r.kind === 'malformed') {
      if (++malformed <= 3) items.push({ kind: 'malformed', at: r.at, message: r.message });
      continue;
    }
    const d = r.m.time.slice(0, 10);
    if (d !== day) {
      items.push({ kind: 'day', day: d, when: r.m.when });
      day = d;
    }
    items.push({ kind: 'msg', m: r.m, token: r.token, at: r.at });
  }
  flush();
  if (malformed > 3) items.push({ kind: 'more-malformed', count: malformed - 3 });
  return { items, lastDay: day };
}

/** The index in `lines` where the newest `n` non-blank lines start (for the first paint). */
export function tailStart(lines, n) {
  let seen = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trim() && ++seen === n) return i;
  }
  return 0;
}
