// The web codec (src/relay/web/assets/codec.js) against the FTPChat v1.7 vectors and against
// Python's `cryptography`. Run: node --test tests/web/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as codec from '../../src/relay/web/assets/codec.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const vectors = JSON.parse(readFileSync(here('../fixtures/ftpchat-v1.7.json'), 'utf8'));

const keys = new Map();
const keyOf = async (password) => {
  if (!keys.has(password)) keys.set(password, await codec.deriveKey(password));
  return keys.get(password);
};

async function kindOf(promise) {
  try {
    await promise;
    return 'opened';
  } catch (e) {
    assert.ok(e instanceof codec.LineError, `not a LineError: ${e}`);
    return e.kind;
  }
}

test('the constants are the vectors\'', () => {
  assert.equal(codec.SALT, vectors.salt);
  assert.equal(codec.ITERATIONS, vectors.iterations);
});

test('derives every key of the vectors', async () => {
  for (const v of vectors.keys) {
    assert.equal((await keyOf(v.password)).fernetKey, v.fernet_key, JSON.stringify(v.password));
  }
});

test('opens every token of the vectors', async () => {
  for (const v of vectors.tokens) {
    const m = await codec.open(await keyOf(v.password), v.token);
    assert.equal(m.plaintext, v.plaintext);
    assert.equal(m.sent, v.time);
    const p = codec.parseMessage(v.plaintext);
    assert.deepEqual([m.time, m.user, m.text], [p.time, p.user, p.text]);
    assert.equal(codec.formatMessage(m.user, m.text, m.when), v.plaintext, 'formatMessage inverts parseMessage');
    // A room line carries "\n" (or "\r\n" from Windows); both are read.
    assert.equal((await codec.open(await keyOf(v.password), `${v.token}\r\n`)).plaintext, v.plaintext);
  }
});

test('tokens under another key are wrong-key', async () => {
  const other = await keyOf('not the password');
  for (const v of vectors.tokens) assert.equal(await kindOf(codec.open(other, v.token)), 'wrong-key');
  // A bit flip in a signed token cannot be told from another key (the Rust client says the same).
  const t = vectors.tokens[0].token;
  const flipped = t.slice(0, 40) + (t[40] === 'A' ? 'B' : 'A') + t.slice(41);
  assert.equal(await kindOf(codec.open(await keyOf('secret'), flipped)), 'wrong-key');
});

test('garbage and broken tokens are malformed', async () => {
  const k = await keyOf('secret');
  const t = vectors.tokens[0].token;
  const bad = [
    '', '   ', 'hello', 'gAAAAA', t.slice(0, -8), t.slice(0, -4), `x${t}`, t.replace('g', 'h'),
    t.slice(0, 30) + ' ' + t.slice(30), t.slice(0, 30) + '+' + t.slice(31, -1) + '_',
    'g' + 'A'.repeat(99) + '==',
  ];
  for (const line of bad) {
    assert.equal(await kindOf(codec.open(k, line)), 'malformed', JSON.stringify(line));
    assert.equal(codec.isToken(line), false, JSON.stringify(line));
  }
  assert.equal(codec.isToken(t), true);
  // Non-canonical trailing bits: the same bytes to atob(), "not base64" to the Rust client.
  const t2 = vectors.tokens[1].token; // ends in "=="; its last character carries 2 bits of data
  const last = t2.at(-3);
  const loose = t2.slice(0, -3) + String.fromCharCode(last.charCodeAt(0) + 1) + '==';
  assert.equal(await kindOf(codec.open(await keyOf(vectors.tokens[1].password), loose)), 'malformed');
  // Standard base64 (+/): a token to the Rust client's shape check, but its Fernet decrypt
  // reads URL-safe only, so the line is "signed with this key but does not decrypt".
  const std = t.replace(/-/g, '+').replace(/_/g, '/');
  assert.notEqual(std, t);
  assert.equal(codec.isToken(std), true);
  assert.equal(await kindOf(codec.open(k, std)), 'not-a-message');
  assert.equal(await kindOf(codec.open(await keyOf('other'), std)), 'wrong-key');
});

test('a token of this key that is not a chat message is not-a-message', async () => {
  const k = await keyOf('secret');
  assert.equal(await kindOf(codec.open(k, await codec.sealPlaintext(k, 'just some text'))), 'not-a-message');
  const m = await codec.openPlaintext(k, await codec.sealPlaintext(k, 'just some text'));
  assert.equal(m.plaintext, 'just some text');
});

const samples = [
  ['alice', 'hello'],
  ['أحمد', 'مرحبا بالعالم 👋'],
  ['bob', 'three\nlines\nhere'],
  ['carol', 'colons: in: the: text'],
  ['dave', ''],
  ['emoji', '🎉🇫🇷👩‍👩‍👧 ok'],
  ['eve', 'trailing spaces   \n\t'],
  ['frank', 'x'.repeat(5000)],
];

test('round trip', async () => {
  const k = await keyOf('secret');
  const date = new Date(2026, 10, 22, 10, 15);
  for (const [user, text] of samples) {
    const token = await codec.seal(k, user, text, date);
    assert.ok(codec.isToken(token));
    const m = await codec.open(k, token);
    assert.equal(m.user, user);
    assert.equal(m.text, codec.rstrip(text));
    assert.equal(m.time, '2026-11-22 10:15');
    assert.equal(m.sent, Math.floor(date.getTime() / 1000));
  }
  const now = await codec.open(k, await codec.seal(k, 'me', 'now'));
  assert.ok(Math.abs(now.sent - Date.now() / 1000) < 5);
});

test('Python cryptography opens the tokens we seal', async () => {
  const k = await keyOf('correct horse battery staple');
  const date = new Date(2026, 0, 2, 3, 4);
  const tokens = [];
  for (const [user, text] of samples) tokens.push(await codec.seal(k, user, text, date));
  const py = spawnSync('python3', [here('open_tokens.py')], {
    input: JSON.stringify({ key: k.fernetKey, tokens }), encoding: 'utf8',
  });
  assert.equal(py.status, 0, `python3 failed: ${py.stderr || py.error}`);
  const { plaintexts } = JSON.parse(py.stdout);
  assert.deepEqual(plaintexts, samples.map(([u, t]) => codec.rstrip(`2026-01-02 03:04:${u}: ${t}`)));
  assert.equal(plaintexts[4], '2026-01-02 03:04:dave:');
});

test('parseMessage follows the Rust rules', () => {
  const p = (s) => { try { const m = codec.parseMessage(s); return [m.user, m.text]; } catch (e) { return String(e); } };
  assert.deepEqual(p('2026-11-22 10:18:carol: colons: in: the: text'), ['carol', 'colons: in: the: text']);
  assert.deepEqual(p('2026-11-22 10:19:dave:'), ['dave', '']);
  assert.deepEqual(p('2026-11-22 10:19:a:b: x'), ['a:b', 'x']);
  assert.deepEqual(p('2026-11-22 10:16:bob: 1\n2: 3\n'), ['bob', '1\n2: 3\n']);
  assert.equal(p('2026-11-22 10:16:bob:x'), "no ': ' after the user name");
  assert.equal(p('2026-11-22 10:16:bo\nb:'), "no ': ' after the user name");
  for (const bad of ['2026-11-22 10:16', 'hello world, this is not it', '2026-13-22 10:16:bob: x',
    '2026-02-30 10:16:bob: x', '2026-11-22 24:00:bob: x', '', 'ééééééééé: x', '2026-11-22 10:16 bob: x']) {
    assert.equal(typeof p(bad), 'string', JSON.stringify(bad));
  }
});

test('formatMessage strips like Python', () => {
  const t = new Date(2026, 10, 22, 10, 19);
  assert.equal(codec.formatMessage('dave', '', t), '2026-11-22 10:19:dave:');
  assert.equal(codec.formatMessage('dave', 'hi \n\t\u001f\u0085\u3000', t), '2026-11-22 10:19:dave: hi');
  assert.equal(codec.formatMessage('a', ' lead', new Date(2026, 10, 22, 9, 5)), '2026-11-22 09:05:a:  lead');
  // U+FEFF is not whitespace to Python: it stays.
  assert.equal(codec.formatMessage('a', 'x\ufeff', t), '2026-11-22 10:19:a: x\ufeff');
});

test('user names', () => {
  for (const ok of ['alice', 'a:b', 'أحمد']) assert.equal(codec.checkUserName(ok), null, ok);
  for (const bad of ['', 'a: b', 'a\nb', 'bob:', ' bob', 'bob ', 'x\u0085']) {
    assert.equal(typeof codec.checkUserName(bad), 'string', JSON.stringify(bad));
  }
});

test('display cleaning and colours match output.rs', () => {
  assert.equal(codec.clean('\x1b]0;pwned\x07x\u202e'), '\ufffd]0;pwned\ufffdx\ufffd');
  assert.equal(codec.clean('a\r\nb\tc\rd'), 'a\nb\tc\ufffdd');
  // A name cannot forge a line (output.rs clean_name).
  assert.equal(codec.cleanName('eve: hi\n10:16 admin'), 'eve: hi\ufffd10:16 admin');
  assert.equal(codec.cleanName('ad\u200bmin\u202e\u200f'), 'ad\ufffdmin\ufffd\ufffd');
  assert.equal(codec.cleanName('أحمد'), 'أحمد');
  // Unicode's own line and paragraph separators end a line too (issue 19.16).
  assert.equal(codec.cleanName('eve\u2028admin\u2029x'), 'eve\ufffdadmin\ufffdx');
  assert.equal(codec.clean('a\u200fb\nc'), 'a\ufffdb\nc');
  // FNV-1a of the UTF-8 bytes, mod 12: the terminal's COLOURS index.
  assert.equal(codec.colourOf('bob'), codec.colourOf('bob'));
  const fnv = (s) => [...Buffer.from(s)].reduce((h, b) => Number((BigInt(h ^ b) * 16777619n) & 0xffffffffn), 2166136261) % 12;
  for (const u of ['alice', 'bob', 'أحمد', '🎉']) assert.equal(codec.colourOf(u), fnv(u), u);
});
