// A small QR code encoder (ISO/IEC 18004: byte mode, UTF-8, error correction level M,
// versions 1-40), for the chat page's invite links.
//
// Why it exists: when the inviter adds the room key to the link's fragment
// (`https://host:8443/#invite=TOKEN&room=lobby&key=…`), the QR code of that link must be made
// in the browser, because the key must never reach the relay. (Without the key the relay
// makes the QR itself with the Rust `qrcodegen` crate; svg() draws the same SVG shape.)
//
// No dependencies and no DOM: encode(text) -> { version, size, dark(x, y) }; svg(qr) -> string.

// Level M, per version 1..40: error-correction codewords per block, and number of blocks.
const ECC_PER_BLOCK = [
  10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
  26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
const BLOCKS = [
  1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
  17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];
const FORMAT_MASK = 0x5412;
const LEVEL_M = 0b00; // the two level bits of the format information

// GF(256) with the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator α = 2.
const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
for (let i = 0, v = 1; i < 255; i++, v = (v << 1) ^ (v & 0x80 ? 0x11d : 0)) {
  EXP[i] = EXP[i + 255] = v;
  LOG[v] = i;
}
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

// The Reed–Solomon generator polynomial (x - α^0)(x - α^1)…(x - α^(n-1)), highest degree first.
function generator(n) {
  let g = [1];
  for (let i = 0; i < n; i++) {
    const next = [...g, 0];
    for (let j = 0; j < g.length; j++) next[j + 1] ^= mul(g[j], EXP[i]);
    g = next;
  }
  return g;
}

// The n error-correction codewords of `data`: the remainder of data(x)·x^n divided by g(x).
function errorCorrection(data, n) {
  const g = generator(n);
  const rem = new Array(n).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let j = 0; j < n; j++) rem[j] ^= mul(g[j + 1], factor);
  }
  return rem;
}

// The remainder of the BCH code: data·x^(degree of poly) mod poly, over GF(2).
function bch(data, poly) {
  const degree = 31 - Math.clz32(poly);
  let rem = data << degree;
  for (let bit = 31 - Math.clz32(rem); bit >= degree; bit--) {
    if (rem & (1 << bit)) rem ^= poly << (bit - degree);
  }
  return (data << degree) | rem;
}

// Centres of the alignment patterns along one axis: 6, then evenly spaced (even steps) up to size - 7.
function alignmentCentres(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = 4 * version + 10;
  const step = version === 32 ? 26 : Math.ceil((last - 6) / (count - 1) / 2) * 2;
  const centres = [6];
  for (let i = count - 2; i >= 0; i--) centres.push(last - i * step);
  return centres;
}

// A symbol of one version with its function patterns drawn; `fixed` marks their modules.
class Matrix {
  constructor(version) {
    this.version = version;
    this.size = 4 * version + 17;
    this.modules = new Uint8Array(this.size * this.size);
    this.fixed = new Uint8Array(this.size * this.size);
    const n = this.size;
    for (let i = 0; i < n; i++) {
      this.set(6, i, i % 2 === 0); // timing patterns
      this.set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]]) { // finders, with their separators
      this.square(cx, cy, 4, (ring) => ring !== 2 && ring !== 4);
    }
    const centres = alignmentCentres(version);
    for (const cy of centres) {
      for (const cx of centres) {
        if ((cx === 6 && (cy === 6 || cy === n - 7)) || (cy === 6 && cx === n - 7)) continue; // on a finder
        this.square(cx, cy, 2, (ring) => ring !== 1);
      }
    }
    this.drawFormat(0); // reserves the format areas; drawn again once the mask is chosen
    if (version >= 7) {
      const bits = bch(version, 0x1f25);
      for (let i = 0; i < 18; i++) {
        const a = n - 11 + (i % 3), b = Math.floor(i / 3), dark = ((bits >> i) & 1) === 1;
        this.set(a, b, dark);
        this.set(b, a, dark);
      }
    }
  }

  // The square of radius r around (cx, cy), dark on the rings where isDark(ring), clipped to the symbol.
  square(cx, cy, r, isDark) {
    for (let y = Math.max(0, cy - r); y <= Math.min(this.size - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(this.size - 1, cx + r); x++) {
        this.set(x, y, isDark(Math.max(Math.abs(x - cx), Math.abs(y - cy))));
      }
    }
  }

  set(x, y, dark) {
    this.modules[y * this.size + x] = dark ? 1 : 0;
    this.fixed[y * this.size + x] = 1;
  }

  drawFormat(mask) {
    const n = this.size;
    const bits = bch((LEVEL_M << 3) | mask, 0x537) ^ FORMAT_MASK;
    const bit = (i) => ((bits >> i) & 1) === 1;
    for (let i = 0; i < 6; i++) this.set(8, i, bit(i)); // around the top-left finder
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(n - 1 - i, 8, bit(i)); // the copy, split between the other two
    for (let i = 8; i < 15; i++) this.set(8, n - 15 + i, bit(i));
    this.set(8, n - 8, true); // the dark module
  }

  // Codewords that fit (the leftover modules are the remainder bits, left light).
  get capacity() {
    return Math.floor(this.fixed.reduce((free, f) => free + 1 - f, 0) / 8);
  }

  // Places the codewords in two-module columns, zigzagging up and down from the bottom right.
  place(codewords) {
    const n = this.size;
    let i = 0, upward = true;
    for (let right = n - 1; right > 0; right -= 2, upward = !upward) {
      if (right === 6) right = 5; // the vertical timing pattern is skipped
      for (let k = 0; k < n; k++) {
        const y = upward ? n - 1 - k : k;
        for (const x of [right, right - 1]) {
          if (this.fixed[y * n + x]) continue;
          const dark = i < codewords.length * 8 && (codewords[i >> 3] >> (7 - (i & 7))) & 1;
          this.modules[y * n + x] = dark ? 1 : 0;
          i++;
        }
      }
    }
  }

  applyMask(mask) { // an XOR: applying the same mask again undoes it
    const n = this.size;
    for (let k = 0; k < n * n; k++) if (!this.fixed[k] && MASKS[mask](k % n, Math.floor(k / n))) this.modules[k] ^= 1;
  }

  // The four penalty rules: runs of 5+, 2×2 blocks, finder-like 1:1:3:1:1 runs, dark/light balance.
  penalty() {
    const n = this.size;
    let score = 0;
    for (let a = 0; a < n; a++) {
      for (const line of [this.line(a, true), this.line(a, false)]) {
        for (const run of line.match(/0{5,}|1{5,}/g) ?? []) score += run.length - 2;
        // 1:1:3:1:1 with 4 light on one side; the quiet zone around the symbol counts as light.
        score += 40 * (`0000${line}0000`.match(/(?=10111010000|00001011101)/g) ?? []).length;
      }
    }
    const m = this.modules;
    for (let y = 0; y + 1 < n; y++) {
      for (let x = 0; x + 1 < n; x++) {
        const c = m[y * n + x];
        if (c === m[y * n + x + 1] && c === m[(y + 1) * n + x] && c === m[(y + 1) * n + x + 1]) score += 3;
      }
    }
    const dark = m.reduce((s, v) => s + v, 0);
    return score + Math.floor(Math.abs((dark * 100) / (n * n) - 50) / 5) * 10;
  }

  line(a, row) { // row a, or column a, as a string of 0 and 1
    return Array.from({ length: this.size }, (_, b) => this.modules[row ? a * this.size + b : b * this.size + a]).join('');
  }
}

// The eight data masks: module (x, y) = (column j, row i) is inverted where the condition holds.
const MASKS = [
  (j, i) => (i + j) % 2 === 0,
  (j, i) => i % 2 === 0,
  (j, i) => j % 3 === 0,
  (j, i) => (i + j) % 3 === 0,
  (j, i) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (j, i) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (j, i) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (j, i) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

// The data codewords: mode 0100 (byte), the length, the bytes, terminator, pad bytes 0xEC 0x11.
function dataCodewords(bytes, version, count) {
  const bits = [];
  const put = (value, length) => { for (let i = length - 1; i >= 0; i--) bits.push((value >> i) & 1); };
  put(0b0100, 4);
  put(bytes.length, version < 10 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, count * 8 - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const out = [];
  for (let i = 0; i < bits.length; i += 8) out.push(bits.slice(i, i + 8).reduce((v, b) => (v << 1) | b, 0));
  for (let pad = 0xec; out.length < count; pad ^= 0xec ^ 0x11) out.push(pad);
  return out;
}

// Splits the data into blocks (the shorter ones first), adds each block's error correction,
// and interleaves: the i-th data codeword of every block in turn, then the same for the ECC.
function interleave(data, total, blocks, eccLength) {
  const shortLength = Math.floor(total / blocks) - eccLength;
  const shortBlocks = blocks - (total % blocks);
  let at = 0;
  const parts = Array.from({ length: blocks }, (_, b) => data.slice(at, (at += shortLength + (b < shortBlocks ? 0 : 1))));
  const eccs = parts.map((p) => errorCorrection(p, eccLength));
  const out = [];
  for (let i = 0; i <= shortLength; i++) for (const p of parts) if (i < p.length) out.push(p[i]);
  for (let i = 0; i < eccLength; i++) for (const e of eccs) out.push(e[i]);
  return out;
}

export function encode(text) {
  const bytes = new TextEncoder().encode(text);
  for (let version = 1; version <= 40; version++) {
    const sym = new Matrix(version);
    const total = sym.capacity, blocks = BLOCKS[version - 1], eccLength = ECC_PER_BLOCK[version - 1];
    const dataLength = total - blocks * eccLength;
    if (4 + (version < 10 ? 8 : 16) + 8 * bytes.length > 8 * dataLength) continue;
    sym.place(interleave(dataCodewords(bytes, version, dataLength), total, blocks, eccLength));
    let best = 0, bestScore = Infinity;
    for (let mask = 0; mask < 8; mask++) {
      sym.applyMask(mask);
      sym.drawFormat(mask);
      const score = sym.penalty();
      if (score < bestScore) [best, bestScore] = [mask, score];
      sym.applyMask(mask);
    }
    sym.applyMask(best);
    sym.drawFormat(best);
    const { size, modules } = sym;
    return { version, size, mask: best, dark: (x, y) => modules[y * size + x] === 1 };
  }
  throw new Error(`text too long for a QR code: ${bytes.length} UTF-8 bytes, at most 2331 fit (version 40-M)`);
}

// The SVG of a code, with a 4-module quiet zone: the same shape as the relay's.
export function svg(qr) {
  const n = qr.size + 8;
  let d = '';
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) if (qr.dark(x, y)) d += `M${x + 4} ${y + 4}h1v1h-1z`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges">`
    + `<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}

export const svgOf = (text) => svg(encode(text));
