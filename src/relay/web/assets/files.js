// Shared files, as docs/files.md "Shared files" says (the normative format; `loft send --file`
// and `loft get` write and read the same):
//
//   - each file gets a fresh random Fernet key (32 bytes) and a random id (32 lowercase hex);
//   - the file is cut into chunks of 49152 bytes (an empty file is one empty chunk), each
//     Fernet-encrypted on its own with the file key, WITHOUT compression, one token per
//     line, each line ending in "\n": that is the `.lff` file the relay stores;
//   - one ordinary chat message announces it:
//       📎 NAME (SIZE)[ — CAPTION] loft-file:ID?name=NAME&size=BYTES&sha256=HEX&key=KEY
//   - a reader decrypts every line in order and keeps the result only if every line
//     decrypts, the last one ends with "\n", and the length and SHA-256 match.
//
// Only WebCrypto: the file key is made and used in the page, the relay sees token lines.

import { b64decode, b64urlEncode, keyFromFernet, sealBytes } from './codec.js';

export const CHUNK = 49152;
// Fernet: version byte, 8-byte timestamp, 16-byte IV, at least one AES block, 32-byte HMAC.
const MIN_TOKEN_BYTES = 1 + 8 + 16 + 16 + 32;
const subtle = globalThis.crypto.subtle;
const ascii = new TextDecoder('utf-8');

/** Why a shared file cannot be used. `kind`: 'key' (the message's key is not a key),
 *  'truncated' (no final newline, or no line at all), 'token' (a line is not a token or does
 *  not verify/decrypt with the file key: changed or damaged), 'length', 'hash'. */
export class FileError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const asBytes = (b) => (b instanceof Uint8Array ? b : new Uint8Array(b));

async function sha256Hex(bytes) {
  return hex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
}

/**
 * Encrypts a file's bytes for sharing: {id, key, body, size, sha256}. `key` is the Fernet
 * key (44 characters, with its final "="), `body` the `.lff` bytes (token lines) to upload,
 * `sha256` the lowercase hex SHA-256 of the original bytes.
 */
export async function encryptFile(bytes) {
  bytes = asBytes(bytes);
  const rng = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  const key = await keyFromFernet(b64urlEncode(rng(new Uint8Array(32))));
  const id = hex(rng(new Uint8Array(16)));
  const now = Math.floor(Date.now() / 1000);
  const lines = [];
  let total = 0;
  for (let at = 0; at === 0 || at < bytes.length; at += CHUNK) {
    const token = await sealBytes(key, bytes.subarray(at, at + CHUNK), now);
    lines.push(token);
    total += token.length + 1;
  }
  const body = new Uint8Array(total);
  const enc = new TextEncoder();
  let w = 0;
  for (const t of lines) {
    w += enc.encodeInto(t, body.subarray(w)).written; // ASCII: one byte a character
    body[w++] = 0x0a;
  }
  return { id, key: key.fernetKey, body, size: bytes.length, sha256: await sha256Hex(bytes) };
}

/**
 * Decrypts and checks a shared file: the original bytes, or a thrown FileError saying what
 * is wrong (never part of a file). `keyString` is the Fernet key, with or without its final
 * "="; `lff` the encrypted file (Uint8Array or ArrayBuffer); `size` and `sha256` are what the
 * announcement says.
 */
export async function decryptFile(keyString, lff, { size, sha256 }) {
  let key;
  try {
    key = await keyFromFernet(keyString.length === 43 ? `${keyString}=` : keyString);
  } catch {
    throw new FileError('key', 'the file key in the message is not a Fernet key');
  }
  lff = asBytes(lff);
  if (lff.length === 0) throw new FileError('truncated', 'the encrypted file is empty (not even one line): it was cut short');
  if (lff[lff.length - 1] !== 0x0a) {
    throw new FileError('truncated', 'the encrypted file was cut short: its last line does not end with a newline');
  }
  // The plaintext is shorter than its base64 tokens, so this bounds what a lying size allocates.
  const out = new Uint8Array(Math.min(size, lff.length));
  let n = 0;
  let line = 0;
  for (let start = 0; start < lff.length;) {
    const end = lff.indexOf(0x0a, start);
    line++;
    let text = ascii.decode(lff.subarray(start, end));
    if (text.endsWith('\r')) text = text.slice(0, -1);
    start = end + 1;
    const raw = /^[A-Za-z0-9_-]+={0,2}$/.test(text) ? b64decode(text) : null;
    if (!raw || raw.length < MIN_TOKEN_BYTES || raw[0] !== 0x80 || (raw.length - 57) % 16 !== 0) {
      throw new FileError('token', `line ${line} of the encrypted file is not a Fernet token: the file is damaged`);
    }
    const body = raw.subarray(0, raw.length - 32);
    if (!await subtle.verify('HMAC', key.sign, raw.subarray(raw.length - 32), body)) {
      throw new FileError('token', `line ${line} of the encrypted file does not verify with the file key: the file was changed or damaged`);
    }
    let chunk;
    try {
      chunk = new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: raw.subarray(9, 25) }, key.aes, raw.subarray(25, body.length)));
    } catch {
      throw new FileError('token', `line ${line} of the encrypted file is signed with the file key but does not decrypt`);
    }
    if (n + chunk.length > size || n + chunk.length > out.length) {
      throw new FileError('length', `wrong length: the file decrypts to more than the ${size} bytes the message says`);
    }
    out.set(chunk, n);
    n += chunk.length;
  }
  if (n !== size) {
    throw new FileError('length', `wrong length: the file decrypts to ${n} bytes, the message says ${size} (cut short?)`);
  }
  const got = await sha256Hex(out);
  if (got !== sha256) {
    throw new FileError('hash', 'wrong SHA-256: this is not the file the message announced');
  }
  return out;
}

// ---- the announcement -----------------------------------------------------------------

/**
 * A size for people, in decimal units as file managers show them: "12 B", "4.5 KB",
 * "340 KB", "2.1 MB", "1.3 GB". The same rule as the terminal client (human_size in
 * src/client/files.rs): under 1000 bytes exact; else the largest unit (KB, MB, GB, TB)
 * that leaves under 999.95; one decimal under 9.95 of it, whole numbers above
 * (999999 bytes is "1.0 MB").
 */
export function humanSize(n) {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 999.95 && u + 1 < units.length) {
    v /= 1000;
    u++;
  }
  return `${v < 9.95 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

/** A name percent-encoded as UTF-8: everything but A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved). */
export function encodeName(name) {
  const wellFormed = typeof name.toWellFormed === 'function' ? name.toWellFormed() : name;
  return encodeURIComponent(wellFormed).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The text of the chat message that announces a shared file (docs/files.md "Shared files"). */
export function fileAnnouncement({ id, name, size, sha256, key }, caption = '') {
  // The visible part is one line: a name with a newline would look like another message.
  const shown = name.replace(/[\r\n\t]+/g, ' ');
  const cap = (caption || '').trim();
  const ref = `loft-file:${id}?name=${encodeName(name)}&size=${size}&sha256=${sha256}&key=${key.replace(/=+$/, '')}`;
  return `📎 ${shown} (${humanSize(size)})${cap ? ` — ${cap}` : ''} ${ref}`;
}

/**
 * The shared file a message's text refers to: {id, name, size, sha256, key, display}, or
 * null when it refers to none (or to one that cannot be valid). The reference is the last
 * whitespace-separated word starting with "loft-file:"; its parameters come in any order,
 * unknown ones are ignored (the last of a repeated one counts, as in the terminal client);
 * name, size, sha256 and key are required. `key` is returned as a Fernet key (with its
 * "="), `display` is the text without the reference.
 */
export function parseFileRef(text) {
  const re = /(^|\s)(loft-file:\S*)/g;
  let m;
  let last = null;
  while ((m = re.exec(text))) last = { start: m.index + m[1].length, word: m[2] };
  if (!last) return null;
  const rest = last.word.slice('loft-file:'.length);
  const q = rest.indexOf('?');
  if (q < 0) return null;
  const id = rest.slice(0, q);
  const params = {};
  for (const part of rest.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq);
    try {
      params[k] = decodeURIComponent(part.slice(eq + 1));
    } catch {
      if (k === 'name') return null;
    }
  }
  const { name, size, sha256, key } = params;
  if (!/^[0-9a-f]{32}$/.test(id) || !name) return null;
  if (!/^[0-9a-f]{64}$/.test(sha256 || '')) return null;
  if (!/^\d{1,16}$/.test(size || '') || !Number.isSafeInteger(Number(size))) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(key || '')) return null;
  const raw = b64decode(`${key}=`);
  if (!raw || raw.length !== 32) return null;
  const before = text.slice(0, last.start).trimEnd();
  const after = text.slice(last.start + last.word.length).trim();
  return {
    id,
    name,
    size: Number(size),
    sha256,
    key: `${key}=`,
    display: before && after ? `${before} ${after}` : before || after,
  };
}

/** Whether a file's name says it is an image the page shows as a thumbnail. */
export function isImageName(name) {
  return /\.(jpe?g|png|gif|webp)$/i.test(name);
}

/** A name safe to save under, as the terminal client picks it (safe_file_name): the last
 *  part of the name only, without control, bidi and zero-width characters, nor leading dots;
 *  `ID.bin` when nothing is left. */
export function safeFileName(name, id = 'file') {
  const base = name.split(/[/\\]/).pop();
  const s = base.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u180e]/g, '')
    .trim().replace(/^\.+/, '');
  return s || `${id}.bin`;
}

/** The MIME type of an image by its name (for the blob the page shows). */
export function imageType(name) {
  const ext = name.toLowerCase().split('.').pop();
  return { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' }[ext] || 'application/octet-stream';
}
