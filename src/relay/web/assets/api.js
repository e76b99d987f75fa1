// The relay's HTTP API (notes/web-api.md): JSON in and out, a bearer session, errors as
// {"error": "…"}. A 401 logs in again once with the password kept in memory (a session
// expires after 12 h idle, and a relay restart forgets sessions); without one it is an
// AuthError and the page shows the login form.

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data || {};
  }
}
export class AuthError extends ApiError {}
/** The relay could not be reached (down, restarting, network gone). */
export class NetError extends Error {}

export class Api {
  constructor() {
    this.session = sessionStorage.getItem('loft.session') || '';
    this.user = '';
    this.password = ''; // memory only: never written anywhere
    this.readOnly = false;
  }

  async login(user, password) {
    const r = await this.raw('POST', '/api/login', { body: JSON.stringify({ user, password }), type: 'application/json', auth: false });
    return this.started(r, user, password);
  }

  /** Makes the account an invite offers; answers as login() does, logged in. */
  async redeem(invite, user, password) {
    const r = await this.raw('POST', '/api/invites/redeem', { body: JSON.stringify({ invite, user, password }), type: 'application/json', auth: false });
    return this.started(r, user, password);
  }

  started(r, user, password) {
    this.session = r.session;
    this.user = r.user || user;
    this.password = password;
    this.readOnly = !!r.read_only;
    sessionStorage.setItem('loft.session', this.session);
    return r;
  }

  /** Who invited, to what: {by, room, read_only, expires, uses_left, fingerprint}. */
  inviteInfo(invite) { return this.raw('POST', '/api/invites/info', { body: JSON.stringify({ invite }), type: 'application/json', auth: false }); }
  /** A new invite link: {id, link, qr_svg, uses, expires, read_only, room, fingerprint}. */
  makeInvite(opts) { return this.call('POST', '/api/invites', { body: JSON.stringify(opts), type: 'application/json' }); }

  async logout() {
    try { await this.raw('POST', '/api/logout', {}); } catch { /* gone anyway */ }
    this.forget();
  }

  forget() {
    this.session = '';
    this.password = '';
    sessionStorage.removeItem('loft.session');
  }

  /** A call that logs in again once on 401 when it can. */
  async call(method, path, opts = {}) {
    try {
      return await this.raw(method, path, opts);
    } catch (e) {
      if (!(e instanceof AuthError) || !this.password || opts.signal?.aborted) throw e;
      await this.login(this.user, this.password);
      return this.raw(method, path, opts);
    }
  }

  rooms() { return this.call('GET', '/api/rooms'); }
  log(room, from, wait, signal) { return this.call('GET', '/api/log', { query: { room, from, wait }, signal }); }
  /** The complete lines that end at `before`, read backwards: {from, next, lines, first}. */
  logBefore(room, before) { return this.call('GET', '/api/log', { query: { room, before } }); }
  append(room, lines) { return this.call('POST', '/api/append', { query: { room }, body: lines, type: 'text/plain; charset=utf-8' }); }
  seen(room) { return this.call('GET', '/api/seen', { query: { room } }); }
  markSeen(room, offset) { return this.call('POST', '/api/seen', { query: { room }, body: JSON.stringify({ offset }), type: 'application/json' }); }
  /** Uploads a shared file's encrypted bytes (token lines): {id, bytes}. */
  putFile(room, id, body) { return this.call('PUT', '/api/files', { query: { room, id }, body, type: 'application/octet-stream' }); }
  /** A shared file's encrypted bytes, as an ArrayBuffer. */
  getFile(room, id, signal) { return this.call('GET', '/api/files', { query: { room, id }, signal, binary: true }); }

  async raw(method, path, { query, body, type, signal, auth = true, binary = false }) {
    const url = query ? `${path}?${new URLSearchParams(query)}` : path;
    const headers = {};
    if (type) headers['Content-Type'] = type;
    if (auth) headers.Authorization = `Bearer ${this.session}`;
    let res;
    try {
      res = await fetch(url, { method, headers, body, signal, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new NetError(`the relay cannot be reached, or is too busy to answer (${e.message})`);
    }
    if (res.status === 204) return {};
    if (binary && res.ok) {
      try {
        return await res.arrayBuffer();
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new NetError(`the download was cut (${e.message})`);
      }
    }
    let data = {};
    try { data = await res.json(); } catch { /* an error page or a cut connection */ }
    if (res.ok) return data;
    const msg = data.error || `HTTP ${res.status}`;
    if (res.status === 401) throw new AuthError(401, msg, data);
    if (res.status >= 500 && res.status !== 507) throw new NetError(msg); // restarting, overloaded: retry
    throw new ApiError(res.status, msg, data);
  }
}
