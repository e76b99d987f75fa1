// The FTPChat v1.7 wire format, byte for byte, for browsers and Node 20.
//
// A port of src/client/codec.rs (and the display rules of src/client/output.rs): the room
// is shared with FTPChat and `loft`, so nothing here is a design choice. Key: PBKDF2-HMAC-
// SHA256(password, SALT, 100000, 32 bytes), URL-safe base64, used as a Fernet key. Message:
// `YYYY-MM-DD HH:MM:<user>: <text>` (sender's local time, trailing whitespace stripped),
// zlib-compressed, Fernet-encrypted; a room holds one token per line.
//
// Only WebCrypto and (De)CompressionStream('deflate') (= zlib format) are used, so the room
// key never leaves the page and no third-party crypto is needed.

export const SALT = 'q6334#Q0q8294%E$(#$%^&^%$#@!#%^YHB>$W#CX>E';
export const ITERATIONS = 100000;
// A decompressed message larger than this is refused (a zlib bomb must not eat a phone).
const MAX_PLAINTEXT = 4 * 1024 * 1024;
// Fernet: version byte, 8-byte timestamp, 16-byte IV, at least one AES block, 32-byte HMAC.
const MIN_TOKEN_BYTES = 1 + 8 + 16 + 16 + 32;

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a room line is not a message; `kind` is 'malformed' (not a Fernet token at all),
 *  'wrong-key' (a token for another room password) or 'not-a-message' (decrypts with this
 *  key, but is not an FTPChat message). None of them should stop a reader. */
export class LineError extends Error {
  constructor(kind, reason) {
    super(kind === 'wrong-key' ? 'encrypted with another room key'
      : kind === 'malformed' ? `malformed line (${reason})`
        : `decrypts, but is not a chat message (${reason})`);
    this.kind = kind;
    this.reason = reason || '';
  }
}

// ---- base64 -------------------------------------------------------------------------

export function b64urlEncode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_');
}

// Like the Rust side: URL-safe base64 first, then standard, both with canonical padding
// and canonical trailing bits (atob() alone accepts a changed last character).
export function b64decode(s) {
  if (s.length % 4 !== 0) return null;
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s) && !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const url = s.replace(/\+/g, '-').replace(/\//g, '_');
  let bin;
  try {
    bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return b64urlEncode(out) === url ? out : null;
}

// ---- key ----------------------------------------------------------------------------

/** Derives a room key from its password (slow on purpose: do it once per room).
 *  Returns {fernetKey, sign, aes}; `fernetKey` is the key as FTPChat writes it. */
export async function deriveKey(password) {
  const base = await subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: enc.encode(SALT), iterations: ITERATIONS }, base, 256);
  return keyFromRaw(new Uint8Array(bits));
}

/** A key given as the Fernet key string (URL-safe base64 of 32 bytes). */
export async function keyFromFernet(fernetKey) {
  const raw = b64decode(fernetKey);
  if (!raw || raw.length !== 32) throw new Error('not a Fernet key');
  return keyFromRaw(raw);
}

async function keyFromRaw(raw) {
  const sign = await subtle.importKey('raw', raw.slice(0, 16), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const aes = await subtle.importKey('raw', raw.slice(16), 'AES-CBC', false, ['encrypt', 'decrypt']);
  return Object.freeze({ fernetKey: b64urlEncode(raw), sign, aes });
}

// ---- zlib ---------------------------------------------------------------------------

async function pump(stream, data, limit) {
  const writer = stream.writable.getWriter();
  // Errors surface on the reader; the writer's own promise must not go unhandled.
  writer.write(data).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

export function compress(bytes) {
  return pump(new CompressionStream('deflate'), bytes, Infinity);
}

async function decompress(data) {
  let out;
  try {
    out = await pump(new DecompressionStream('deflate'), data, MAX_PLAINTEXT);
  } catch {
    // FTPChat before zlib wrote the plaintext itself; accept it when it looks like one.
    try {
      const s = utf8.decode(data);
      parseMessage(s);
      return s;
    } catch {
      throw new LineError('not-a-message', 'not zlib data');
    }
  }
  if (out === null) throw new LineError('not-a-message', `larger than ${MAX_PLAINTEXT >> 20} MiB once decompressed`);
  try {
    return utf8.decode(out);
  } catch {
    throw new LineError('not-a-message', 'not UTF-8 text');
  }
}

// ---- Fernet -------------------------------------------------------------------------

/** The bytes of a line that looks like a Fernet token (any key), or a 'malformed' error. */
function tokenBytes(line) {
  const token = line.trim();
  if (token === '') throw new LineError('malformed', 'empty line');
  const raw = b64decode(token);
  if (!raw) throw new LineError('malformed', 'not base64');
  if (raw.length < MIN_TOKEN_BYTES || raw[0] !== 0x80 || (raw.length - 57) % 16 !== 0) {
    throw new LineError('malformed', 'not a Fernet token');
  }
  return raw;
}

/** Whether a line has the shape of a Fernet token (any key). */
export function isToken(line) {
  try { tokenBytes(line); return true; } catch { return false; }
}

/** Compresses and encrypts one plaintext into a token (no newline). */
export async function sealPlaintext(key, plaintext, nowSeconds = Math.floor(Date.now() / 1000)) {
  return sealBytes(key, await compress(enc.encode(plaintext)), nowSeconds);
}

/** Encrypts bytes as they are into a token (no newline): a chunk of a shared file. */
export async function sealBytes(key, data, nowSeconds = Math.floor(Date.now() / 1000)) {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, key.aes, data)); // PKCS7
  const body = new Uint8Array(25 + ct.length);
  body[0] = 0x80;
  new DataView(body.buffer).setBigUint64(1, BigInt(nowSeconds));
  body.set(iv, 9);
  body.set(ct, 25);
  const mac = new Uint8Array(await subtle.sign('HMAC', key.sign, body));
  const token = new Uint8Array(body.length + 32);
  token.set(body);
  token.set(mac, body.length);
  return b64urlEncode(token);
}

/** Decrypts and decompresses one token into its plaintext. Tokens stamped in the future
 *  (a sender whose clock runs fast) are read, like Python's Fernet without a TTL. */
export async function openPlaintext(key, line) {
  const raw = tokenBytes(line);
  const body = raw.subarray(0, raw.length - 32);
  // The HMAC alone first, so that "another key" is told apart from "this key, unreadable".
  if (!await subtle.verify('HMAC', key.sign, raw.subarray(raw.length - 32), body)) throw new LineError('wrong-key');
  // The Rust client's Fernet decrypt reads URL-safe base64 only: a standard-alphabet token
  // (never written by FTPChat) is signed but unreadable there, so it is here too.
  if (/[+/]/.test(line)) throw new LineError('not-a-message', 'the token is signed with this key but does not decrypt');
  let compressed;
  try {
    compressed = new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: raw.subarray(9, 25) }, key.aes, raw.subarray(25, raw.length - 32)));
  } catch {
    throw new LineError('not-a-message', 'the token is signed with this key but does not decrypt');
  }
  return { plaintext: await decompress(compressed), sent: Number(new DataView(raw.buffer, raw.byteOffset).getBigUint64(1)) };
}

// ---- messages -----------------------------------------------------------------------

// Python's str.isspace() set, which FTPChat's rstrip() strips (JS's \s differs: it lacks
// U+0085 and U+001C..U+001F and has U+FEFF).
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRAILING_WS = new RegExp(`[${WS}]+$`);
const LEADING_WS = new RegExp(`^[${WS.replace('\\x1c-\\x1f', '')}]`);

export function rstrip(s) {
  return s.replace(TRAILING_WS, '');
}

const pad = (n) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM` of a Date in local time. */
export function formatTime(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The plaintext of a message: `YYYY-MM-DD HH:MM:<user>: <text>`, trailing whitespace
 *  stripped (so an empty text leaves `…:<user>:`). */
export function formatMessage(user, text, date = new Date()) {
  return rstrip(`${formatTime(date)}:${user}: ${text}`);
}

const TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;

/** Splits a plaintext into {time, when, user, text}; throws a string saying why not. A user
 *  name cannot contain ": ", so the first ": " after the timestamp ends it; the text is
 *  everything after (colons and newlines included). */
export function parseMessage(plain) {
  if (plain.length < 16) throw 'too short for a timestamp';
  const time = plain.slice(0, 16);
  const m = TS.exec(time);
  const when = m && new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  if (!m || +m[4] > 23 || +m[5] > 59 || when.getMonth() !== +m[2] - 1 || when.getDate() !== +m[3]) {
    throw 'no YYYY-MM-DD HH:MM timestamp';
  }
  if (plain[16] !== ':') throw "no ':' after the timestamp";
  const rest = plain.slice(17);
  const i = rest.indexOf(': ');
  if (i >= 0) return { time, when, user: rest.slice(0, i), text: rest.slice(i + 2) };
  if (rest.endsWith(':') && !rest.includes('\n')) return { time, when, user: rest.slice(0, -1), text: '' };
  throw "no ': ' after the user name";
}

/** Null when `name` can be used as a sender name (it must survive parseMessage), else why not. */
export function checkUserName(name) {
  if (name === '') return 'the name is empty';
  if (name.includes(': ')) return 'it contains ": ", which ends a name in the FTPChat format';
  if (/[\x00-\x1f\x7f-\x9f]/.test(name)) return 'it contains a control character';
  if (name.endsWith(':') || name !== rstrip(name) || LEADING_WS.test(name)) {
    return "it starts or ends with a space or ends with ':', which other clients misread";
  }
  return null;
}

/** The token of a message from `user` (at `date`, default now): what `loft send` appends. */
export function seal(key, user, text, date = new Date()) {
  return sealPlaintext(key, formatMessage(user, text, date), Math.floor(date.getTime() / 1000));
}

/** Reads one room line: {plaintext, time, when, user, text, sent} or throws a LineError.
 *  `time` is the sender's `YYYY-MM-DD HH:MM`, `when` that as a local Date, `sent` the Unix
 *  seconds of the Fernet header (comparable across time zones). */
export async function open(key, line) {
  const { plaintext, sent } = await openPlaintext(key, line);
  try {
    return { plaintext, sent, ...parseMessage(plaintext) };
  } catch (why) {
    throw new LineError('not-a-message', String(why));
  }
}

// ---- display ------------------------------------------------------------------------

/** Text made safe to show (as output.rs does for terminals): newlines and tabs stay, a \r
 *  before a newline goes, other control characters and bidi overrides become U+FFFD. */
export function clean(s) {
  return s.replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '\ufffd');
}

/**
 * A sender's name made safe to show (as the terminal client's clean_name): like clean(),
 * and newlines (U+2028 and U+2029 too), tabs and zero-width characters become U+FFFD, so a name cannot
 * forge a separate, clean-looking line from someone else.
 */
export function cleanName(s) {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u180e\u2028\u2029]/g, '\ufffd');
}

/** A stable colour index 0..11 per user name: the same FNV-1a pick as the terminal client. */
export function colourOf(user) {
  let h = 2166136261;
  for (const b of enc.encode(user)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h % 12;
}
