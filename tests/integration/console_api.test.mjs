// The console's own API (/console/api/): an invitation link checked and redeemed once, which
// signs the member in with an HttpOnly, SameSite=Strict cookie; the session read back with its
// CSRF token; writes refused without the token, from another origin or without a JSON body;
// sign-in refusals alike for every wrong case and limited per address; sign-out and sign-out
// everywhere; the security headers on every answer; `console = false` leaves no console API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startStack, startGateway, fakeConfig, sleep } from '../lib/harness.mjs';
import { Browser } from '../lib/console_browser.mjs';

const PASSWORD = 'a long enough password';

function invite(s, email) {
  const out = s.gw.cli('users', 'invite', '--account', 'test', '--email', email).trim().split('\n');
  return out.at(-1).split('/#/set-password/')[1];
}

describe('console API', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('redeems an invitation once, signing the member in with a strict cookie', async () => {
    const token = invite(s, 'ann@example.com');
    const b = new Browser(s.gw.url);
    const check = await b.call('POST', 'links/check', { token });
    assert.equal(check.status, 200);
    assert.equal(check.body.email, 'ann@example.com');
    assert.equal(check.body.role, 'member');
    const weak = await b.call('POST', 'set-password', { token, password: 'short' });
    assert.equal(weak.status, 400);
    const set = await b.call('POST', 'set-password', { token, password: PASSWORD });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.match(b.lastSetCookie, /^glmgate_session=[0-9A-Za-z]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.equal(set.body.user.email, 'ann@example.com');
    const again = await new Browser(s.gw.url).call('POST', 'set-password', { token, password: 'another long password' });
    assert.equal(again.status, 410);
    assert.equal(again.body.error.code, 'link_used_or_expired');

    const session = await b.call('GET', 'session');
    assert.equal(session.status, 200);
    assert.equal(session.body.user.role, 'member');
    assert.match(session.body.csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.headers.get('cache-control'), 'no-store');
  });

  it('refuses a write without the CSRF token, from another origin, or not JSON', async () => {
    const token = invite(s, 'bob@example.com');
    const b = new Browser(s.gw.url);
    await b.call('POST', 'set-password', { token, password: PASSWORD });
    const cases = [
      { opts: { csrf: false } },
      { opts: { headers: { 'x-csrf-token': 'A'.repeat(43) }, csrf: false } },
      { opts: { headers: { origin: 'https://evil.example' } } },
      { opts: { headers: { 'sec-fetch-site': 'cross-site' } } },
      { opts: { headers: { 'content-type': 'text/plain' } } },
    ];
    for (const { opts } of cases) {
      const r = await b.call('POST', 'password', { current: PASSWORD, new: 'a different password' }, opts);
      assert.equal(r.status, 403, JSON.stringify(opts));
      assert.equal(r.body.error.code, 'csrf_failed');
    }
    const ok = await b.call('POST', 'password', { current: PASSWORD, new: 'a different password' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await b.call('GET', 'session')).status, 200);  // the session it came from stays
  });

  it('refuses every wrong sign-in alike, and limits attempts per address', async () => {
    const token = invite(s, 'cat@example.com');
    await new Browser(s.gw.url).call('POST', 'set-password', { token, password: PASSWORD });
    const b = new Browser(s.gw.url);
    const wrong = [
      { email: 'cat@example.com', password: 'wrong password!!' },
      { email: 'nobody@example.com', password: PASSWORD },
    ];
    for (const body of wrong) {
      const r = await b.call('POST', 'sign-in', body);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.message, 'the email or the password is wrong');
    }
    const ok = await b.call('POST', 'sign-in', { email: 'CAT@example.com', password: PASSWORD });
    assert.equal(ok.status, 200);
    // The address has had 3 of its 10 a minute: 7 more, then 429 with Retry-After.
    let limited;
    for (let i = 0; i < 10 && !limited; i++) {
      const r = await new Browser(s.gw.url).call('POST', 'sign-in', { email: `guess${i}@example.com`, password: 'x'.repeat(12) });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401);
    }
    assert.ok(limited, 'the address is limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.body.error.code, 'rate_limited');
  });

  it('signs out one session, or every session of the user', async () => {
    const token = invite(s, 'dan@example.com');
    const first = new Browser(s.gw.url);
    await first.call('POST', 'set-password', { token, password: PASSWORD });
    // Sign-ins of this test come from the same address as the last test's: wait for a slot.
    await sleep(6100);
    const second = new Browser(s.gw.url);
    assert.equal((await second.call('POST', 'sign-in', { email: 'dan@example.com', password: PASSWORD })).status, 200);
    const out = await first.call('POST', 'sign-out');
    assert.equal(out.status, 200);
    assert.match(first.lastSetCookie, /^glmgate_session=; .*Max-Age=0$/);
    assert.equal((await first.call('GET', 'session')).status, 401);
    assert.equal((await second.call('GET', 'session')).status, 200);
    const everywhere = await second.call('POST', 'sign-out-everywhere');
    assert.equal(everywhere.status, 200);
    assert.equal(everywhere.body.sessions_ended, 1);
    assert.equal((await second.call('GET', 'session')).status, 401);
  });

  it('sends the security headers on every console answer, an unknown path included', async () => {
    for (const [method, path] of [['GET', 'session'], ['GET', 'nothing-here'], ['POST', 'sign-in']]) {
      const r = await fetch(`${s.gw.url}/console/api/${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{' : undefined });
      assert.ok([400, 401, 404].includes(r.status), `${path}: ${r.status}`);
      const csp = r.headers.get('content-security-policy');
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      assert.ok((await r.json()).error);
    }
  });
});

describe('console API: the admin endpoints for a session', () => {
  let s, acme, beta, member, other, op, acmeKey;
  const PW = 'a long enough password';
  async function signedIn(email, { account, operator } = {}) {
    const args = operator ? ['users', 'create', '--operator', '--email', email]
      : ['users', 'invite', '--account', account, '--email', email];
    const token = s.gw.cli(...args).trim().split('\n').at(-1).split('/#/set-password/')[1];
    const b = new Browser(s.gw.url);
    const r = await b.call('POST', 'set-password', { token, password: PW });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return b;
  }
  before(async () => {
    s = await startStack();
    acme = JSON.parse(s.gw.cli('accounts', 'create', 'acme', '--json')).id;
    beta = JSON.parse(s.gw.cli('accounts', 'create', 'beta', '--json')).id;
    s.gw.cli('credits', 'grant', 'acme', '5');
    acmeKey = JSON.parse(s.gw.cli('keys', 'create', '--account', 'acme', '--json'));
    member = await signedIn('m@acme.example', { account: 'acme' });
    await sleep(6100);  // sign-ins from this address: a slot each
    other = await signedIn('m@beta.example', { account: 'beta' });
    await sleep(6100);
    op = await signedIn('op@example.com', { operator: true });
  });
  after(async () => { await s.stop(); });

  it('shows a member their own account, by "me", id or name, and nothing of another', async () => {
    const me = await member.call('GET', 'v1/accounts/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.account_id, acme);
    assert.equal(me.body.account, 'acme');
    assert.equal(me.body.balance_usd, '5.000000000');
    assert.equal(me.headers.get('x-frame-options'), 'DENY');
    assert.equal((await member.call('GET', `v1/accounts/${acme}/ledger`)).status, 200);
    // Another account's, by id or name, on every route that names one: the 404 of an unknown one.
    for (const path of [`v1/accounts/${beta}`, 'v1/accounts/beta', `v1/accounts/${beta}/credits`,
      `v1/accounts/${beta}/ledger`, `v1/keys/${acmeKey.id}`]) {
      const r = await other.call(path.startsWith('v1/keys') ? 'DELETE' : 'GET', path.replace(beta, acme).replace('/beta', '/acme'));
      assert.equal(r.status, 404, path);
    }
    // Operators' endpoints are not there for a member.
    for (const [method, path, body] of [['GET', 'v1/accounts'], ['POST', 'v1/accounts', { name: 'x' }],
      ['POST', `v1/accounts/${acme}/credits`, { amount_usd: '100' }], ['POST', 'v1/pause'], ['GET', 'v1/routing']]) {
      const r = await member.call(method, path, body);
      assert.equal(r.status, 404, `${method} ${path}`);
    }
    assert.equal((await member.call('GET', 'v1/accounts/me')).body.balance_usd, '5.000000000');
  });

  it('lets a member create a key for their own account only, use it, and revoke it', async () => {
    const made = await member.call('POST', 'v1/keys', { name: 'mine', account: 'beta' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.account_id, acme);  // whatever the body said
    assert.match(made.body.key, /^sk-glm-/);
    const listed = (await member.call('GET', 'v1/keys?account=beta')).body.data;
    assert.ok(listed.every((k) => k.account_id === acme));
    assert.ok(listed.some((k) => k.id === made.body.id));
    assert.equal((await other.call('GET', 'v1/keys')).body.data.length, 0);
    for (const body of [{ name: 'x', admin: true }, { name: 'x', tpm: 5 }, { name: 'x', rpm: 1000000 }]) {
      const r = await member.call('POST', 'v1/keys', body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const chat = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${made.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(chat.status, 200);
    assert.equal((await other.call('DELETE', `v1/keys/${made.body.id}`)).status, 404);
    assert.equal((await member.call('DELETE', `v1/keys/${made.body.id}`, undefined, { csrf: false })).status, 403);
    assert.equal((await member.call('DELETE', `v1/keys/${made.body.id}`)).status, 200);
  });

  it('lets an operator invite, reset and disable people; a member only sees their account\'s', async () => {
    const invited = await op.call('POST', 'v1/users/invitations', { account: 'beta', email: 'new@beta.example' });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    assert.equal(invited.body.state, 'invited');
    assert.match(invited.body.link, /\/#\/set-password\/[0-9A-Za-z]{43}$/);
    const token = invited.body.link.split('/#/set-password/')[1];
    assert.equal((await new Browser(s.gw.url).call('POST', 'links/check', { token })).body.email, 'new@beta.example');

    const seen = (await other.call('GET', 'v1/users?account=acme')).body.data;
    assert.deepEqual(seen.map((u) => u.email).sort(), ['m@beta.example', 'new@beta.example']);
    assert.ok(seen.every((u) => !('password_hash' in u)));
    for (const [path, body] of [['v1/users/invitations', { account: 'beta', email: 'x@beta.example' }],
      ['v1/users', { role: 'operator', email: 'x@example.com' }], [`v1/users/${invited.body.id}/reset`]]) {
      assert.equal((await other.call('POST', path, body)).status, 404, path);
    }
    const reset = await op.call('POST', `v1/users/${invited.body.id}/reset`);
    assert.equal(reset.status, 201);
    assert.notEqual(reset.body.link, invited.body.link);
    const root = await op.call('POST', 'v1/users', { role: 'operator', email: 'second@example.com' });
    assert.equal(root.body.role, 'operator');

    // Disabling ends the member's session at once.
    const beta = (await op.call('GET', 'v1/users?account=beta')).body.data.find((u) => u.email === 'm@beta.example');
    assert.equal((await op.call('POST', `v1/users/${beta.id}/disable`)).body.state, 'disabled');
    assert.equal((await other.call('GET', 'v1/accounts/me')).status, 401);
    assert.equal((await op.call('POST', `v1/users/${beta.id}/enable`)).body.state, 'active');
    await sleep(6100);  // this address's sign-in slot
    assert.equal((await other.call('POST', 'sign-in', { email: 'm@beta.example', password: PW })).status, 200);
  });

  it('gives an operator every account, credits and the pause switch', async () => {
    const all = await op.call('GET', 'v1/accounts');
    assert.equal(all.status, 200);
    assert.ok(all.body.data.some((a) => a.id === beta));
    const grant = await op.call('POST', `v1/accounts/${beta}/credits`, { amount_usd: '2', note: 'welcome' });
    assert.equal(grant.status, 201);
    assert.equal((await other.call('GET', 'v1/accounts/me')).body.balance_usd, '2.000000000');
    assert.equal((await op.call('POST', 'v1/pause')).status, 200);
    assert.equal((await member.call('GET', 'v1/status')).body.paused, true);
    assert.equal((await op.call('POST', 'v1/resume')).status, 200);
    const anon = await fetch(`${s.gw.url}/console/api/v1/accounts`);
    assert.equal(anon.status, 401);
  });
});

describe('console API behind a trusted proxy', () => {
  it('counts sign-ins by the client the proxy names, however many X-Forwarded-For lines come', async () => {
    const gw = await startGateway(`trusted_proxies = ["127.0.0.1"]\n${fakeConfig({ baseUrl: 'http://127.0.0.1:9/v1' })}`);
    try {
      // The client's own (forged, new each time) line first, then the line the proxy adds.
      const attempt = (i) => new Promise((resolve, reject) => {
        const req = request(`${gw.url}/console/api/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': [`10.9.0.${i}`, '198.51.100.7'] },
        }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.on('error', reject);
        req.end(JSON.stringify({ email: `who${i}@example.com`, password: 'x'.repeat(12) }));
      });
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push(await attempt(i));
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
      assert.equal(statuses[10], 429);
    } finally {
      await gw.stop();
    }
  });
});

describe('console API switched off', () => {
  it('answers 404 under /console/api/ with console = false', async () => {
    const gw = await startGateway(`console = false\n${fakeConfig({ baseUrl: 'http://127.0.0.1:9/v1' })}`);
    try {
      const r = await fetch(`${gw.url}/console/api/session`);
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('content-security-policy'), null);
    } finally {
      await gw.stop();
    }
  });
});
