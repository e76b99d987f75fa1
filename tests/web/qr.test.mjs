// The web QR encoder (src/relay/web/assets/qr.js): its codes are drawn as PBM images and read
// back with zbar's `zbarimg` (Debian: zbar-tools), plus structural checks against ISO/IEC 18004.
// Run: node --test tests/web/
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encode, svg, svgOf } from '../../src/relay/web/assets/qr.js';

// Byte-mode capacities of level M, versions 1..40 (the standard's capacity table).
const CAPACITY = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
  711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];

const INVITE = 'https://192.168.1.1:8443/#invite=AbCdEfGhIjKlMnOpQrStUv&room=team%2Fdev&key='
  + 'Xy0_-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ab'.slice(0, 44)
  + '&fp=' + '0123456789abcdef'.repeat(4);

// Text of exactly `bytes` UTF-8 bytes (printable ASCII, not one repeated character).
const filler = (bytes) => Array.from({ length: bytes }, (_, i) => String.fromCharCode(33 + ((i * 7) % 94))).join('');

const zbar = spawnSync('zbarimg', ['--version']).error ? null : 'zbarimg';
const dir = mkdtempSync(join(tmpdir(), 'loft-qr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A plain PBM (P1) of the code: 4 pixels per module, with the 4-module quiet zone.
function pbm(qr, scale = 4) {
  const width = (qr.size + 8) * scale;
  const rows = [];
  for (let py = 0; py < width; py++) {
    let row = '';
    for (let px = 0; px < width; px++) {
      const x = Math.floor(px / scale) - 4, y = Math.floor(py / scale) - 4;
      row += x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.dark(x, y) ? '1' : '0';
    }
    rows.push(row);
  }
  return `P1\n${width} ${width}\n${rows.join('\n')}\n`;
}

// What zbarimg reads from the code, as raw bytes (-Sbinary: no charset guessing, no newline;
// D-Bus complaints go to stderr).
let images = 0;
function scan(qr) {
  const file = join(dir, `qr${images++}.pbm`);
  writeFileSync(file, pbm(qr));
  const r = spawnSync(zbar, ['-q', '--raw', '-Sbinary', file]);
  assert.equal(r.status, 0, `zbarimg found no code in version ${qr.version} (status ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function needZbar(t) {
  if (zbar) return true;
  if (process.env.CI) assert.fail('zbarimg not found (apt install zbar-tools)');
  t.skip('SKIP: zbarimg not found (apt install zbar-tools)');
  return false;
}

const samples = [
  ['short ASCII', 'Loft', 1],
  ['an invite link with its room key', INVITE, 10],
  ['UTF-8', 'Salut, café ☕ — on se voit à 18h 🎉👍🏽', 4],
  ['version 7', filler(CAPACITY[5] + 1), 7],
  ['version 10', filler(200), 10],
  ['version 20', filler(640), 20],
  ['version 40', filler(2331), 40],
];

for (const [name, text, version] of samples) {
  test(`zbarimg reads ${name} (version ${version})`, (t) => {
    const qr = encode(text);
    assert.equal(qr.version, version);
    if (!needZbar(t)) return;
    assert.deepEqual(scan(qr), Buffer.from(text, 'utf8'));
  });
}

test('zbarimg reads every version, filled to capacity', (t) => {
  if (!needZbar(t)) return;
  for (let v = 1; v <= 40; v++) {
    const text = filler(CAPACITY[v - 1]);
    const qr = encode(text);
    assert.equal(qr.version, v);
    assert.equal(scan(qr).toString('latin1'), text, `version ${v}`);
  }
});

test('picks the smallest version that fits (the capacity table)', () => {
  for (let v = 1; v <= 40; v++) {
    assert.equal(encode('a'.repeat(CAPACITY[v - 1])).version, v, `${CAPACITY[v - 1]} bytes`);
    if (v < 40) assert.equal(encode('a'.repeat(CAPACITY[v - 1] + 1)).version, v + 1, `${CAPACITY[v - 1] + 1} bytes`);
  }
  assert.equal(encode('').version, 1);
});

test('a text too long for version 40-M throws', () => {
  assert.throws(() => encode('a'.repeat(2332)), /too long.*2332.*40-M/);
  assert.throws(() => encode('é'.repeat(1166)), /too long/); // 2332 UTF-8 bytes
  assert.equal(encode('é'.repeat(1165)).version, 40);
});

test('function patterns, dark module and format information are in place', () => {
  for (const text of ['Loft', INVITE, filler(1500), filler(2331)]) {
    const qr = encode(text);
    const { size, version, dark } = qr;
    assert.equal(size, 4 * version + 17);
    for (const [x, y] of [[0, 0], [6, 6], [6, 0], [0, 6], [2, 2], [4, 4]]) {
      assert.ok(dark(x, y) && dark(size - 1 - x, y) && dark(x, size - 1 - y), `finder at ${x},${y}`);
    }
    for (const [x, y] of [[1, 1], [5, 5], [7, 7], [7, 0]]) {
      assert.ok(!dark(x, y) && !dark(size - 1 - x, y) && !dark(x, size - 1 - y), `light at ${x},${y}`);
    }
    for (let i = 8; i < size - 8; i++) {
      assert.equal(dark(i, 6), i % 2 === 0, `timing row at x=${i}`);
      assert.equal(dark(6, i), i % 2 === 0, `timing column at y=${i}`);
    }
    assert.ok(dark(8, 4 * version + 9), 'the dark module');
    if (version >= 2) assert.ok(dark(size - 7, size - 7) && !dark(size - 8, size - 7), 'an alignment pattern');

    // Both copies of the format information say level M and the mask used, BCH-valid.
    const bits = (cells) => cells.reduce((v, [x, y], i) => v | (dark(x, y) ? 1 << i : 0), 0);
    const first = bits([[8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8],
      [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8]]);
    const second = bits([...Array.from({ length: 8 }, (_, i) => [size - 1 - i, 8]),
      ...Array.from({ length: 7 }, (_, i) => [8, size - 7 + i])]);
    assert.equal(first, second);
    const format = first ^ 0x5412;
    assert.equal(format >> 13, 0b00, 'level M');
    assert.equal((format >> 10) & 7, qr.mask);
    let rem = format;
    for (let bit = 14; bit >= 10; bit--) if (rem & (1 << bit)) rem ^= 0x537 << (bit - 10);
    assert.equal(rem, 0, 'format BCH code');

    if (version >= 7) { // both copies of the version information: version, then BCH(18,6)
      let top = 0, left = 0;
      for (let i = 0; i < 18; i++) {
        if (dark(size - 11 + (i % 3), Math.floor(i / 3))) top |= 1 << i;
        if (dark(Math.floor(i / 3), size - 11 + (i % 3))) left |= 1 << i;
      }
      assert.equal(top, left);
      assert.equal(top >> 12, version);
    }
  }
});

test('the SVG: quiet zone of 4, one h1v1h-1z per dark module', () => {
  for (const text of ['Loft', INVITE]) {
    const qr = encode(text);
    const out = svg(qr);
    const n = qr.size + 8;
    assert.match(out, new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" `
      + `shape-rendering="crispEdges"><rect width="${n}" height="${n}" fill="#fff"/>`
      + `<path fill="#000" d="(M\\d+ \\d+h1v1h-1z)+"/></svg>$`));
    let darkCount = 0;
    for (let y = 0; y < qr.size; y++) for (let x = 0; x < qr.size; x++) if (qr.dark(x, y)) darkCount++;
    assert.equal(out.split('h1v1h-1z').length - 1, darkCount);
    assert.ok(out.includes('"M4 4h1v1h-1zM5 4h1v1h-1z'), 'module (0,0) is drawn at (4,4)');
    assert.equal(svgOf(text), out);
  }
});
