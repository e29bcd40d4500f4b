// The console's calls to its API (/console/api/), same-origin with the session cookie. Writes
// carry the session's CSRF token, which every session answer brings.
let csrf = '';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  const r = await fetch(`/console/api/${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (data.csrf) csrf = data.csrf;
  if (!r.ok) throw new ApiError(r.status, data.error?.message ?? `the gateway answered ${r.status}`);
  return data;
}

export function forgetSession() {
  csrf = '';
}
