// A browser of one for the console's API: keeps the session cookie between calls, sends JSON and
// the CSRF token the last session answer brought.
export class Browser {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }
  async call(method, path, body, { headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (body !== undefined) h['content-type'] ??= 'application/json';
    if (csrf && this.csrf) h['x-csrf-token'] = this.csrf;
    const r = await fetch(`${this.base}/console/api/${path}`, {
      method, headers: h, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const setCookie = r.headers.get('set-cookie');
    if (setCookie) {
      this.lastSetCookie = setCookie;
      const value = setCookie.split(';')[0];
      this.cookie = value.endsWith('=') ? '' : value;
    }
    const json = await r.json();
    if (json.csrf) this.csrf = json.csrf;
    return { status: r.status, body: json, headers: r.headers };
  }
}

