// The console's reports and Chat credential, through /console/api/ as the pages call them: the
// usage series and per-account totals from the rollups the batch commit keeps, the request log
// paged by keyset (with filters and a scan budget), the ledger by page, the catalog with prices
// and state, a stored output by ID; and the chat token, a short-lived key of the member's
// account that no listing shows, that stops at its end and dies with the session. Last, every
// route of the admin table (`GET routes`) called with another account's session: a 404, or the
// caller's own account's answer with nothing of the other's in it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from '../lib/harness.mjs';
import { Browser } from '../lib/console_browser.mjs';

const PW = 'a long enough password';

async function chat(gw, key, content, extra = {}) {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-test', messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: r.status, body: await r.json() };
}

describe('console reports and the chat token', () => {
  let s, acme, beta, member, other, op, acmeKey, betaKey;
  let address = 0;
  // Each browser comes from an address of its own (the gateway trusts 127.0.0.1 as a proxy), so
  // the per-address sign-in limit does not slow the setup.
  async function signedIn(email, { account, operator } = {}) {
    const args = operator ? ['users', 'create', '--operator', '--email', email]
      : ['users', 'invite', '--account', account, '--email', email];
    const token = s.gw.cli(...args).trim().split('\n').at(-1).split('/#/set-password/')[1];
    const b = new Browser(s.gw.url);
    const from = `203.0.113.${++address}`;
    const call = b.call.bind(b);
    b.call = (method, path, body, opts = {}) =>
      call(method, path, body, { ...opts, headers: { 'x-forwarded-for': from, ...(opts.headers ?? {}) } });
    const r = await b.call('POST', 'set-password', { token, password: PW });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return b;
  }

  before(async () => {
    s = await startStack({ config: { extra: 'trusted_proxies = ["127.0.0.1"]', models: [
      { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, input_price_per_mtok: 2, output_price_per_mtok: 8 },
      { id: 'no-tools', upstream_model: 'fake-plain', tools: false },
    ] } });
    acme = JSON.parse(s.gw.cli('accounts', 'create', 'acme', '--json')).id;
    beta = JSON.parse(s.gw.cli('accounts', 'create', 'beta', '--json')).id;
    s.gw.cli('credits', 'grant', 'acme', '5', '--note', 'first');
    s.gw.cli('credits', 'grant', 'beta', '5');
    acmeKey = JSON.parse(s.gw.cli('keys', 'create', '--account', 'acme', '--json'));
    betaKey = JSON.parse(s.gw.cli('keys', 'create', '--account', 'beta', '--json'));
    member = await signedIn('m@acme.example', { account: 'acme' });
    other = await signedIn('m@beta.example', { account: 'beta' });
    op = await signedIn('op@example.com', { operator: true });
  });
  after(async () => { await s.stop(); });

  it('counts each call once in the series and the totals, by model and bucket', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await chat(s.gw, acmeKey.key, 'hi')).status, 200);
    assert.equal((await chat(s.gw, acmeKey.key, 'fake: status=500')).status >= 500, true);
    assert.equal((await chat(s.gw, betaKey.key, 'hi')).status, 200);
    // Every call committed first: beta's, the last, may go in the writer's next batch.
    await eventually(async () => {
      const r = await op.call('GET', 'v1/usage/series?since=24h');
      return r.body.data?.reduce((n, d) => n + d.requests, 0) === 5;
    }, { what: 'all five calls in the operator\'s series' });
    const series = await member.call('GET', 'v1/usage/series?since=24h&bucket=hour');
    assert.equal(series.body.data.reduce((n, p) => n + p.requests, 0), 4);
    assert.equal(series.status, 200);
    assert.equal(series.body.bucket, 'hour');
    assert.equal(series.body.data.length, 1);  // one hour, one model (unless the hour turned)
    const p = series.body.data[0];
    assert.equal(p.model, 'glm-test');
    assert.equal(p.errors, 1);
    assert.equal(p.t % 3600, 0);
    assert.ok(p.prompt_tokens > 0 && p.completion_tokens > 0);
    assert.ok(Number(p.cost_usd) > 0);
    // The day's rollup says the same; the member's ?account= is ignored (their own, always).
    const days = await member.call('GET', `v1/usage/series?since=7d&bucket=day&account=${beta}`);
    assert.equal(days.body.data.reduce((n, d) => n + d.requests, 0), 4);
    assert.equal(days.body.data[0].t % 86400, 0);

    // An operator's: every account's, or one's; and the totals per account, by cost.
    const all = await op.call('GET', 'v1/usage/series?since=24h');
    assert.equal(all.body.data.reduce((n, d) => n + d.requests, 0), 5);
    const betaOnly = await op.call('GET', 'v1/usage/series?since=24h&account=beta');
    assert.equal(betaOnly.body.data.reduce((n, d) => n + d.requests, 0), 1);
    const totals = await op.call('GET', 'v1/usage/accounts?since=7d');
    assert.equal(totals.status, 200);
    const byName = Object.fromEntries(totals.body.data.map((t) => [t.account, t]));
    assert.equal(byName.acme.requests, 4);
    assert.equal(byName.acme.errors, 1);
    assert.equal(byName.beta.requests, 1);
    assert.equal((await member.call('GET', 'v1/usage/accounts')).status, 404);
    for (const q of ['bucket=week', 'since=soon', 'since=400d&bucket=hour', 'since=1&until=0'])
      assert.equal((await member.call('GET', `v1/usage/series?${q}`)).status, 400, q);
  });

  it('pages the request log by cursor, filters it, and stops a scan at its budget', async () => {
    const log = await member.call('GET', 'v1/requests?limit=2');
    assert.equal(log.status, 200);
    assert.equal(log.body.data.length, 2);
    assert.ok(log.body.data.every((r) => r.account_id === acme));
    assert.ok(log.body.data[0].created_at >= log.body.data[1].created_at);
    assert.ok(!('messages' in log.body.data[0]) && !('input' in log.body.data[0]));
    const rest = await member.call('GET', `v1/requests?limit=2&cursor=${log.body.next_cursor}`);
    assert.equal(rest.body.data.length, 2);
    const ids = [...log.body.data, ...rest.body.data].map((r) => r.request_id);
    assert.equal(new Set(ids).size, 4);
    const end = await member.call('GET', `v1/requests?limit=2&cursor=${rest.body.next_cursor}`);
    assert.equal(end.body.data.length, 0);
    assert.equal(end.body.next_cursor, null);

    const errors = await member.call('GET', 'v1/requests?status=error');
    assert.deepEqual(errors.body.data.map((r) => r.status >= 500), [true]);
    assert.equal((await member.call('GET', 'v1/requests?status=ok')).body.data.length, 3);
    assert.equal((await member.call('GET', 'v1/requests?model=no-tools')).body.data.length, 0);
    assert.equal((await member.call('GET', `v1/requests?key=${acmeKey.id}&surface=chat`)).status, 200);
    // Another account's calls never show, whatever the member asks.
    const theirs = await other.call('GET', `v1/requests?account=${acme}`);
    assert.deepEqual(theirs.body.data.map((r) => r.account_id), [beta]);
    assert.equal((await member.call('GET', 'v1/requests?cursor=nonsense')).status, 400);
    assert.equal((await op.call('GET', 'v1/requests?limit=100')).body.data.length, 5);
  });

  it('pages a member\'s ledger of grants and refunds, newest first', async () => {
    s.gw.cli('credits', 'grant', 'acme', '1', '--note', 'second');
    const page = await member.call('GET', 'v1/accounts/me/ledger?limit=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.data.length, 1);
    assert.equal(page.body.data[0].note, 'second');
    const next = await member.call('GET', `v1/accounts/me/ledger?limit=1&before=${page.body.next_before}`);
    assert.equal(next.body.data[0].note, 'first');
    assert.ok(next.body.data.every((e) => e.kind !== 'charge'));
    assert.equal((await other.call('GET', `v1/accounts/${acme}/ledger?limit=5`)).status, 404);
    // An operator names the account by ID or by name.
    const byName = await op.call('GET', 'v1/accounts/acme/ledger?limit=5');
    assert.deepEqual(byName.body.data.map((e) => e.note), ['second', 'first']);
  });

  it('lists the catalog with prices and state, and opens a stored output by ID for its owner', async () => {
    const models = await member.call('GET', 'v1/models');
    assert.equal(models.status, 200);
    const m = models.body.data.find((x) => x.id === 'glm-test');
    assert.ok(m && 'input_usd_per_mtok' in m && 'output_usd_per_mtok' in m);
    assert.equal(m.status, 'operational');
    assert.ok(!('provider' in m) && !('upstream_model' in m));  // where it runs is the operator's
    const theirs = (await op.call('GET', 'v1/models')).body.data.find((x) => x.id === 'glm-test');
    assert.equal(theirs.provider, 'fake');
    assert.equal(theirs.upstream_model, 'fake-glm-upstream');

    const r = await fetch(`${s.gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acmeKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm-test', input: 'hi' }),
    });
    const id = (await r.json()).id;
    const mine = await eventually(async () => {
      const o = await member.call('GET', `v1/outputs/${id}`);
      return o.status === 200 && o;
    }, { what: 'the stored output' });
    assert.equal(mine.body.id, id);
    assert.equal(mine.body.model, 'glm-test');
    assert.equal(typeof mine.body.body, 'object');
    assert.equal((await other.call('GET', `v1/outputs/${id}`)).status, 404);
    assert.equal((await op.call('GET', `v1/outputs/${id}`)).status, 200);
  });

  it('pages the keys by ID for an operator, one account\'s or all', async () => {
    const first = await op.call('GET', 'v1/keys?limit=1');
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 1);
    assert.ok(first.body.next_after);
    const rest = await op.call('GET', `v1/keys?limit=100&after=${first.body.next_after}`);
    const all = [...first.body.data, ...rest.body.data].map((k) => k.id);
    assert.ok(all.includes(acmeKey.id) && all.includes(betaKey.id));
    assert.equal(rest.body.next_after, null);
    const acmeOnly = await op.call('GET', 'v1/keys?limit=100&account=acme');
    assert.deepEqual(acmeOnly.body.data.map((k) => k.account_id), [acme]);
    // A member's pages are their account's, whatever they ask.
    const mine = await member.call('GET', 'v1/keys?limit=100&account=beta');
    assert.ok(mine.body.data.length > 0 && mine.body.data.every((k) => k.account_id === acme));
  });

  it('gives a member a chat key that works, is listed nowhere, and dies with the session', async () => {
    const b = await signedIn('chat@acme.example', { account: 'acme' });
    const t = await b.call('POST', 'chat-token', {});
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.match(t.body.token, /^sk-glm-/);
    const minutes = (t.body.expires_at - Date.now() / 1000) / 60;
    assert.ok(minutes > 14 && minutes <= 15, `${minutes} minutes`);
    assert.equal((await chat(s.gw, t.body.token, 'hi')).status, 200);
    const models = await fetch(`${s.gw.url}/v1/models`, { headers: { authorization: `Bearer ${t.body.token}` } });
    assert.equal(models.status, 200);
    // Not an admin key, and not in any listing.
    const asAdmin = await fetch(`${s.gw.url}/admin/v1/accounts`, { headers: { authorization: `Bearer ${t.body.token}` } });
    assert.equal(asAdmin.status, 403);
    assert.ok((await b.call('GET', 'v1/keys')).body.data.every((k) => k.name !== 'console chat'));
    assert.ok((await op.call('GET', 'v1/keys')).body.data.every((k) => k.name !== 'console chat'));
    // Without the CSRF token, or as an operator: no key.
    assert.equal((await b.call('POST', 'chat-token', {}, { csrf: false })).status, 403);
    assert.equal((await op.call('POST', 'chat-token', {})).status, 403);

    // Signing out revokes it at once.
    assert.equal((await b.call('POST', 'sign-out', {})).status, 200);
    assert.equal((await chat(s.gw, t.body.token, 'hi')).status, 401);
  });

  it('revokes a user\'s chat keys when they sign out everywhere or are disabled', async () => {
    const b = await signedIn('two@acme.example', { account: 'acme' });
    const first = (await b.call('POST', 'chat-token', {})).body.token;
    const second = (await b.call('POST', 'chat-token', {})).body.token;
    assert.equal((await chat(s.gw, second, 'hi')).status, 200);
    assert.equal((await b.call('POST', 'sign-out-everywhere', {})).status, 200);
    assert.equal((await chat(s.gw, first, 'hi')).status, 401);
    assert.equal((await chat(s.gw, second, 'hi')).status, 401);

    const c = await signedIn('three@acme.example', { account: 'acme' });
    const token = (await c.call('POST', 'chat-token', {})).body.token;
    const who = (await op.call('GET', 'v1/users?account=acme')).body.data.find((u) => u.email === 'three@acme.example');
    assert.equal((await op.call('POST', `v1/users/${who.id}/disable`)).status, 200);
    assert.equal((await chat(s.gw, token, 'hi')).status, 401);
  });

  it('answers every admin route called with another account\'s session as if acme did not exist', async () => {
    // Something of acme's for every kind of route: a call in its usage and request log, a stored
    // output, a key, a member.
    const r = await fetch(`${s.gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acmeKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm-test', input: 'walk' }),
    });
    assert.equal(r.status, 200);
    const output = (await r.json()).id;
    const request = r.headers.get('x-request-id');
    await eventually(async () => (await member.call('GET', `v1/outputs/${output}`)).status === 200,
      { what: 'the stored output' });
    const user = (await op.call('GET', 'v1/users?account=acme')).body.data.find((u) => u.email === 'm@acme.example').id;
    const acmeSecrets = [acme, acmeKey.id, acmeKey.prefix, output, request, user, 'm@acme.example'];
    for (const secret of acmeSecrets) assert.ok(typeof secret === 'string' && secret.length >= 8, secret);
    const balance = (await op.call('GET', `v1/accounts/${acme}`)).body.balance_usd;

    const table = (await op.call('GET', 'v1/routes')).body.data;
    assert.ok(table.length >= 27, `${table.length} routes`);
    assert.ok(table.some((t) => t.method === 'GET' && t.path === 'requests' && t.scope === 'account'));
    assert.equal((await other.call('GET', 'v1/routes')).status, 404);  // operators' only
    const ids = { 'keys/': acmeKey.id, 'outputs/': output, 'users/': user };
    const walked = [];
    for (const { method, path, scope } of table) {
      const what = `${method} ${path}`;
      const filled = path.replace('{account}', acme)
        .replace('{id}', ids[Object.keys(ids).find((p) => path.startsWith(p))]);
      const body = method === 'POST' ? { name: 'walk', account: acme, email: 'walk@acme.example', amount_usd: '1' } : undefined;
      if (scope === 'operator' || filled !== path) {
        // An operator's route, or one that names acme's account or one of its things: the 404 of
        // an unknown path.
        const res = await other.call(method, `v1/${filled}`, body);
        assert.equal(res.status, 404, `${what}: ${JSON.stringify(res.body)}`);
      } else if (method === 'GET') {
        // A route of the caller's own account: acme asked for by ID and by name, beta's answered.
        for (const account of [acme, 'acme']) {
          const res = await other.call('GET', `v1/${path}?account=${account}`);
          assert.equal(res.status, 200, what);
          const text = JSON.stringify(res.body);
          for (const secret of acmeSecrets) assert.ok(!text.includes(secret), `${what} shows ${secret}`);
        }
      } else if (what === 'POST keys') {
        const res = await other.call('POST', 'v1/keys', body);
        assert.equal(res.status, 201);
        assert.equal(res.body.account_id, beta);
        assert.equal((await other.call('DELETE', `v1/keys/${res.body.id}`)).status, 200);
      } else {
        assert.fail(`no cross-account check for ${what}: add one`);
      }
      walked.push(what);
    }
    assert.equal(walked.length, table.length);
    // And nothing of acme's changed: its balance, key, member and the gateway's pause switch.
    assert.equal((await op.call('GET', `v1/accounts/${acme}`)).body.balance_usd, balance);
    assert.equal((await chat(s.gw, acmeKey.key, 'still here')).status, 200);
    assert.equal((await member.call('GET', 'session')).status, 200);
    assert.equal((await op.call('GET', 'v1/status')).body.paused, false);
  });
});
