// The page's API client (src/relay/web/assets/api.js) for shared files, against a fake
// fetch: what it asks the relay, and how the relay's answers come back. Run: node --test tests/web/
import { test } from 'node:test';
import assert from 'node:assert/strict';

const store = new Map();
globalThis.sessionStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
const { Api, ApiError, AuthError, NetError } = await import('../../src/relay/web/assets/api.js');

const calls = [];
let answers = [];
globalThis.fetch = async (url, init) => {
  calls.push({ url, ...init });
  const a = answers.shift();
  if (a instanceof Error) throw a;
  return a;
};
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

test('putFile sends the encrypted bytes with the session; getFile brings bytes back', async () => {
  const api = new Api();
  api.session = 'S1';
  const body = new TextEncoder().encode('gAAAAtoken\n');
  answers = [json(201, { id: 'ab'.repeat(16), bytes: body.length })];
  assert.deepEqual(await api.putFile('team/dev', 'ab'.repeat(16), body), { id: 'ab'.repeat(16), bytes: body.length });
  const put = calls.at(-1);
  assert.equal(put.method, 'PUT');
  assert.equal(put.url, `/api/files?room=team%2Fdev&id=${'ab'.repeat(16)}`);
  assert.equal(put.headers.Authorization, 'Bearer S1');
  assert.equal(put.headers['Content-Type'], 'application/octet-stream');
  assert.equal(put.body, body);

  answers = [new Response(body, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } })];
  const got = await api.getFile('lobby', 'cd'.repeat(16));
  assert.ok(got instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(got), body);
  assert.equal(calls.at(-1).method, 'GET');
  assert.equal(calls.at(-1).url, `/api/files?room=lobby&id=${'cd'.repeat(16)}`);
});

test('the relay\'s refusals come back with its words and status', async () => {
  const api = new Api();
  api.session = 'S1';
  for (const [status, error] of [[400, 'bad id'], [403, 'read-only'], [404, 'no such room'], [409, 'exists'], [413, 'too large'], [507, 'quota full']]) {
    answers = [json(status, { error })];
    await assert.rejects(api.putFile('lobby', 'ab'.repeat(16), new Uint8Array(1)), (e) => e instanceof ApiError && e.status === status && e.message === error);
  }
  answers = [json(422, { error: 'line 2: not a token', line: 2 })];
  await assert.rejects(api.putFile('lobby', 'ab'.repeat(16), new Uint8Array(1)), (e) => e.status === 422 && e.data.line === 2);
  answers = [json(404, { error: 'no shared file' })];
  await assert.rejects(api.getFile('lobby', 'ab'.repeat(16)), (e) => e instanceof ApiError && e.status === 404);
  answers = [new TypeError('network down')];
  await assert.rejects(api.getFile('lobby', 'ab'.repeat(16)), NetError);
});

test('an expired session logs in again once and repeats the upload', async () => {
  const api = new Api();
  api.session = 'old';
  api.user = 'chat';
  api.password = 'pw';
  answers = [json(401, { error: 'session expired' }), json(200, { session: 'new', user: 'chat', read_only: false }), json(201, { id: 'x', bytes: 1 })];
  const n = calls.length;
  assert.deepEqual(await api.putFile('lobby', 'ab'.repeat(16), new Uint8Array(1)), { id: 'x', bytes: 1 });
  assert.deepEqual(calls.slice(n).map((c) => [c.method, c.url.split('?')[0], c.headers.Authorization]),
    [['PUT', '/api/files', 'Bearer old'], ['POST', '/api/login', undefined], ['PUT', '/api/files', 'Bearer new']]);
  api.password = '';
  answers = [json(401, { error: 'session expired' })];
  await assert.rejects(api.getFile('lobby', 'ab'.repeat(16)), AuthError);
});
