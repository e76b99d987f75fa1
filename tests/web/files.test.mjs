// Shared files in the page (src/relay/web/assets/files.js) against docs/files.md "Shared files"
// and against Python's `cryptography` (tests/web/files_py.py). Run: node --test tests/web/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as files from '../../src/relay/web/assets/files.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const text = new TextDecoder();
const bytesOf = (s) => new TextEncoder().encode(s);

function python(mode, req) {
  const py = spawnSync('python3', [here('files_py.py'), mode], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(py.status, 0, `python3 files_py.py ${mode} failed: ${py.stderr || py.error}`);
  return JSON.parse(py.stdout);
}

function random(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

const sizes = [0, 1, 49151, 49152, 49153, 3 * 49152 + 7];

test('Python cryptography opens the files we encrypt, chunk by chunk', async () => {
  for (const n of sizes) {
    const data = random(n);
    const f = await files.encryptFile(data);
    assert.match(f.id, /^[0-9a-f]{32}$/);
    assert.match(f.key, /^[A-Za-z0-9_-]{43}=$/);
    assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.equal(f.size, n);
    const lff = text.decode(f.body);
    assert.ok(lff.endsWith('\n'));
    assert.equal(lff.split('\n').length - 1, Math.max(1, Math.ceil(n / files.CHUNK)), `lines for ${n} bytes`);
    const { data: back } = python('open', { key: f.key, lff, size: f.size, sha256: f.sha256 });
    assert.deepEqual(new Uint8Array(Buffer.from(back, 'base64')), data, `${n} bytes`);
    // and our own reader agrees
    assert.deepEqual(await files.decryptFile(f.key, f.body, f), data);
  }
});

test('a file made by Python per docs/files.md decrypts here', async () => {
  for (const n of [0, 100, 49152, 120000]) {
    const data = random(n);
    const p = python('make', { data: Buffer.from(data).toString('base64') });
    const lff = bytesOf(p.lff);
    assert.deepEqual(await files.decryptFile(p.key, lff, p), data, `${n} bytes`);
    // the key as the announcement carries it: without its "="
    assert.deepEqual(await files.decryptFile(p.key.slice(0, 43), lff.buffer, p), data);
  }
});

test('fresh keys and ids every time; no compression', async () => {
  const data = new Uint8Array(49152 * 2); // zeros: compression would show
  const a = await files.encryptFile(data);
  const b = await files.encryptFile(data);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.key, b.key);
  assert.equal(a.sha256, b.sha256);
  // A Fernet token of 49152 bytes: 1 + 8 + 16 + (49152 + 16) + 32 bytes, base64.
  assert.equal(text.decode(a.body).split('\n')[0].length, Math.ceil((1 + 8 + 16 + 49168 + 32) / 3) * 4);
});

async function rejects(promise, kind, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof files.FileError, `not a FileError: ${e}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('tampered, truncated, wrong length and wrong hash are each refused, saying which', async () => {
  const data = random(49152 + 5000);
  const f = await files.encryptFile(data);
  const lines = text.decode(f.body).split('\n').slice(0, -1);
  assert.equal(lines.length, 2);
  const join = (ls) => bytesOf(ls.map((l) => `${l}\n`).join(''));

  // One byte changed inside a token (decoded, flipped, encoded again: still a token).
  const raw = Buffer.from(lines[0], 'base64url');
  raw[100] ^= 1;
  const flipped = raw.toString('base64url').padEnd(lines[0].length, '=');
  assert.notEqual(flipped, lines[0]);
  await rejects(files.decryptFile(f.key, join([flipped, lines[1]]), f), 'token', /line 1 .*does not verify with the file key: the file was changed or damaged/);
  // One character changed in the second line's base64.
  const l2 = lines[1];
  const c = l2[200] === 'A' ? 'B' : 'A';
  await rejects(files.decryptFile(f.key, join([lines[0], l2.slice(0, 200) + c + l2.slice(201)]), f), 'token', /line 2 .*does not verify/);
  // Not a token at all.
  await rejects(files.decryptFile(f.key, join([lines[0], 'hello']), f), 'token', /line 2 .*is not a Fernet token/);
  await rejects(files.decryptFile(f.key, join([lines[0], '', lines[1]]), f), 'token', /line 2 .*is not a Fernet token/);
  // Another key.
  const other = await files.encryptFile(new Uint8Array(1));
  await rejects(files.decryptFile(other.key, f.body, f), 'token', /line 1 .*does not verify/);
  await rejects(files.decryptFile('not a key', f.body, f), 'key', /not a Fernet key/);

  // Truncated: the last line dropped, the final newline missing, nothing at all.
  await rejects(files.decryptFile(f.key, join([lines[0]]), f), 'length', /wrong length: the file decrypts to 49152 bytes, the message says 54152 \(cut short\?\)/);
  await rejects(files.decryptFile(f.key, f.body.subarray(0, f.body.length - 1), f), 'truncated', /last line does not end with a newline/);
  await rejects(files.decryptFile(f.key, f.body.subarray(0, f.body.length - 30), f), 'truncated', /cut short/);
  await rejects(files.decryptFile(f.key, new Uint8Array(0), f), 'truncated', /empty/);

  // The announcement does not match what decrypts.
  await rejects(files.decryptFile(f.key, f.body, { ...f, size: f.size + 1 }), 'length', /wrong length: the file decrypts to 54152 bytes, the message says 54153/);
  await rejects(files.decryptFile(f.key, f.body, { ...f, size: f.size - 1 }), 'length', /wrong length: the file decrypts to more than the 54151 bytes/);
  await rejects(files.decryptFile(f.key, f.body, { ...f, size: 0 }), 'length', /wrong length/);
  const wrong = (f.sha256[0] === '0' ? '1' : '0') + f.sha256.slice(1);
  await rejects(files.decryptFile(f.key, f.body, { ...f, sha256: wrong }), 'hash', /^wrong SHA-256: this is not the file the message announced$/);
  // The lines swapped: each verifies, the whole does not.
  await rejects(files.decryptFile(f.key, join([lines[1], lines[0]]), f), 'hash', /wrong SHA-256/);

  // And the untouched file is fine, with "\r\n" line ends too.
  assert.deepEqual(await files.decryptFile(f.key, f.body, f), data);
  assert.deepEqual(await files.decryptFile(f.key, bytesOf(lines.map((l) => `${l}\r\n`).join('')), f), data);
});

test('an empty file is one empty chunk and round-trips', async () => {
  const f = await files.encryptFile(new Uint8Array(0));
  assert.equal(f.size, 0);
  assert.equal(f.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(text.decode(f.body).split('\n').length, 2);
  assert.deepEqual(await files.decryptFile(f.key, f.body, f), new Uint8Array(0));
  const msg = files.fileAnnouncement({ ...f, name: 'empty.txt' });
  assert.equal(msg.split(' loft-file:')[0], '📎 empty.txt (0 B)');
  const ref = files.parseFileRef(msg);
  assert.equal(ref.size, 0);
  assert.deepEqual(await files.decryptFile(ref.key, f.body, ref), new Uint8Array(0));
});

test('human sizes', () => {
  const cases = [[0, '0 B'], [12, '12 B'], [999, '999 B'], [1000, '1.0 KB'], [4500, '4.5 KB'], [9949, '9.9 KB'],
    [9950, '10 KB'], [340000, '340 KB'], [999499, '999 KB'], [999949, '1000 KB'], [999950, '1.0 MB'], [999999, '1.0 MB'],
    [2100000, '2.1 MB'], [16777216, '17 MB'], [1300000000, '1.3 GB'], [5e15, '5000 TB']];
  for (const [n, s] of cases) assert.equal(files.humanSize(n), s, String(n));
});

test('the announcement is docs/files.md\'s text and round-trips through parseFileRef', async () => {
  const f = { id: '0123456789abcdef0123456789abcdef', size: 2100000, sha256: 'ab'.repeat(32), key: `${'A'.repeat(42)}E=` };
  assert.equal(files.fileAnnouncement({ ...f, name: 'photo.jpg' }),
    `📎 photo.jpg (2.1 MB) loft-file:${f.id}?name=photo.jpg&size=2100000&sha256=${f.sha256}&key=${'A'.repeat(42)}E`);
  assert.equal(files.fileAnnouncement({ ...f, name: 'photo.jpg' }, '  the view  '),
    `📎 photo.jpg (2.1 MB) — the view loft-file:${f.id}?name=photo.jpg&size=2100000&sha256=${f.sha256}&key=${'A'.repeat(42)}E`);
  assert.equal(files.encodeName("café & co #1?.jpg"), 'caf%C3%A9%20%26%20co%20%231%3F.jpg');
  assert.equal(files.encodeName("it's (a) *star*!~-._"), 'it%27s%20%28a%29%20%2Astar%2A%21~-._');
  for (const name of ['café & co #1?.jpg', 'a b c.png', 'x=1&y=2.txt', '100%.pdf', '日本語 ファイル.webp', '🎉 party.gif', "it's (a) *star*!.txt", 'loft-file:x.bin', '+plus+.txt']) {
    for (const caption of ['', 'look at this', 'a caption with loft-file:fake words & #tags?']) {
      const msg = files.fileAnnouncement({ ...f, name }, caption);
      const ref = msg.slice(msg.lastIndexOf(' loft-file:') + 1);
      assert.match(ref, /^loft-file:[0-9a-f]{32}\?name=[A-Za-z0-9\-._~%]+&size=\d+&sha256=[0-9a-f]{64}&key=[A-Za-z0-9_-]{43}$/, ref);
      const p = files.parseFileRef(msg);
      assert.ok(p, msg);
      assert.deepEqual({ id: p.id, name: p.name, size: p.size, sha256: p.sha256, key: p.key }, { ...f, name });
      assert.equal(p.display, `📎 ${name} (2.1 MB)${caption ? ` — ${caption}` : ''}`);
    }
  }
});

test('parseFileRef: any order, unknown and repeated parameters, the last reference, and what it refuses', () => {
  const id = 'ffeeddccbbaa99887766554433221100';
  const sha = '0f'.repeat(32);
  const key = `${'_-'.repeat(21)}A`;
  const ok = `loft-file:${id}?size=12&v=2&key=${key}&sha256=${sha}&name=a%20b.txt`;
  const p = files.parseFileRef(`hello ${ok}`);
  assert.deepEqual(p, { id, name: 'a b.txt', size: 12, sha256: sha, key: `${key}=`, display: 'hello' });
  assert.equal(files.parseFileRef(`${ok}`).display, '');
  assert.equal(files.parseFileRef(`📎 x loft-file:nothing ${ok}\n`).id, id);
  assert.equal(files.parseFileRef(`${ok} then words`).display, 'then words');
  assert.equal(files.parseFileRef(`${ok}&size=13&name=c.txt`).size, 13, 'the last of a repeated parameter');
  assert.equal(files.parseFileRef(`${ok}&size=13&name=c.txt`).name, 'c.txt');
  // the last loft-file: word counts, even when it is not a valid one
  assert.equal(files.parseFileRef(`${ok} loft-file:junk`), null);
  const bad = [
    'no reference here', 'xloft-file:abc', `loft-file:${id}`,
    ok.replace(id, id.toUpperCase()), ok.replace(id, id.slice(1)),
    ok.replace(sha, sha.slice(2)), ok.replace(sha, sha.toUpperCase()),
    ok.replace(`key=${key}`, `key=${key}=`), ok.replace(`key=${key}`, `key=${key.slice(1)}`), ok.replace(`key=${key}`, 'key='),
    ok.replace(`key=${key}`, `key=${key.slice(0, -1)}B`), // non-canonical last character
    ok.replace('size=12', 'size=-1'), ok.replace('size=12', 'size=1.5'), ok.replace('size=12', 'size='), ok.replace('size=12&', ''),
    ok.replace('size=12', 'size=99999999999999999'), ok.replace('a%20b', 'a%E9b'),
    ok.replace('&name=a%20b.txt', ''), ok.replace('&name=a%20b.txt', '&name='),
  ];
  for (const t of bad) assert.equal(files.parseFileRef(t), null, t);
});

test('names: images, safe names, types', () => {
  for (const n of ['a.jpg', 'B.JPEG', 'c.Png', 'd.gif', 'e.webp']) assert.ok(files.isImageName(n), n);
  for (const n of ['a.svg', 'a.jpg.txt', 'png', 'a.bmp']) assert.ok(!files.isImageName(n), n);
  // as the terminal client's safe_file_name (src/client/files.rs)
  assert.equal(files.safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(files.safeFileName('..\\x\\boot.ini'), 'boot.ini');
  assert.equal(files.safeFileName('.bashrc'), 'bashrc');
  assert.equal(files.safeFileName('a\nb\u202ec.txt'), 'abc.txt');
  assert.equal(files.safeFileName('...', 'abc'), 'abc.bin');
  assert.equal(files.safeFileName('café & co #1?.jpg'), 'café & co #1?.jpg');
  assert.equal(files.imageType('X.JPG'), 'image/jpeg');
  assert.equal(files.imageType('x.webp'), 'image/webp');
});
