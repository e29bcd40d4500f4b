// The admin API through the real binary: admin keys only; accounts, credits, keys (the secret
// once), the ledger and usage; every write visible to the public API as soon as it returns; and
// the same service layer as the CLI (a change by one is seen by the other).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chat, user, admin, eventually } from '../lib/harness.mjs';

describe('admin API', () => {
  let s;
  before(async () => {
    s = await startStack({
      config: {
        models: [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }],
        extra: 'flush_interval_ms = 50',
      },
    });
  });
  after(async () => { await s.stop(); });

  it('needs an admin key', async () => {
    const none = await admin(s.gw, 'GET', 'accounts', undefined, { key: 'sk-glm-nope' });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'invalid_api_key');
    const user_key = await admin(s.gw, 'GET', 'accounts', undefined, { key: s.key });
    assert.equal(user_key.status, 403);
    assert.equal(user_key.body.error.type, 'permission_error');
  });

  it('creates an account, grants credits and issues a key that works at once', async () => {
    const created = await admin(s.gw, 'POST', 'accounts', { name: 'acme' });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^acct_/);
    assert.equal((await admin(s.gw, 'POST', 'accounts', { name: 'acme' })).status, 409);
    const grant = await admin(s.gw, 'POST', 'accounts/acme/credits', { amount_usd: '2.5', note: 'welcome' });
    assert.equal(grant.status, 201);
    assert.equal(grant.body.kind, 'grant');
    assert.equal(grant.body.balance_after_usd, '2.500000000');
    const key = await admin(s.gw, 'POST', 'keys', { account: 'acme', name: 'ci', rpm: 100 });
    assert.equal(key.status, 201);
    assert.match(key.body.key, /^sk-glm-/);
    assert.equal(key.body.rpm, 100);
    // No polling: the admin API returns once the running server has seen its write.
    const r = await chat(s, { model: 'glm-test', messages: user('hi') }, { key: key.body.key });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-limit-requests'), '100');
    const body = await r.json();
    const cost = body.usage.prompt_tokens * 1000 + body.usage.completion_tokens * 2000;
    // Live figures: the charge shows before the writer has flushed it.
    const live = await admin(s.gw, 'GET', `accounts/${created.body.id}/credits`);
    assert.equal(live.body.balance_nano_usd, 2_500_000_000 - cost);
    const listed = await admin(s.gw, 'GET', 'keys?account=acme');
    assert.equal(listed.body.data.length, 1);
    assert.ok(!JSON.stringify(listed.body).includes(key.body.key));
    const ledger = await eventually(async () => {
      const l = await admin(s.gw, 'GET', 'accounts/acme/ledger');
      return l.body.data.length === 2 ? l.body.data : null;
    });
    assert.deepEqual(ledger.map((e) => e.kind), ['grant', 'charge']);
    assert.equal(ledger[1].amount_nano_usd, -cost);
    const usage = await admin(s.gw, 'GET', `usage?account=acme&group_by=model`);
    assert.equal(usage.body.data[0].requests, 1);
    assert.equal(usage.body.data[0].cost_nano_usd, cost);
    const revoked = await admin(s.gw, 'DELETE', `keys/${key.body.id}`);
    assert.equal(revoked.status, 200);
    const refused = await chat(s, { model: 'glm-test', messages: user('hi') }, { key: key.body.key });
    assert.equal(refused.status, 401);
  });

  it('invites console members and operators, each with a one-time link shown once', async () => {
    const member = await admin(s.gw, 'POST', 'users/invitations', { account: 'test', email: 'Pat@Example.com' });
    assert.equal(member.status, 201);
    assert.equal(member.body.email, 'pat@example.com');
    assert.equal(member.body.state, 'invited');
    assert.ok(member.body.link.startsWith(`${s.gw.url}/#/set-password/`), member.body.link);  // the port it got
    assert.match(member.body.link, /\/#\/set-password\/[0-9A-Za-z]{43}$/);
    const listed = await admin(s.gw, 'GET', 'users?account=test');
    assert.equal(listed.body.data.length, 1);
    assert.ok(!JSON.stringify(listed.body).includes(member.body.link.split('/').at(-1)), 'the link is shown once');
    assert.equal((await admin(s.gw, 'POST', 'users/invitations', { account: 'test', email: 'pat@example.com' })).status, 409);
    assert.equal((await admin(s.gw, 'POST', 'users/invitations', { account: 'nobody', email: 'q@example.com' })).status, 404);
    assert.equal((await admin(s.gw, 'POST', 'users', { role: 'member', email: 'q@example.com' })).status, 400);
    const cli = JSON.parse(s.gw.cli('users', 'list', '--json'));
    assert.ok(cli.some((u) => u.email === 'pat@example.com'));
  });

  it('shares the service layer with the CLI', async () => {
    s.gw.cli('accounts', 'create', 'from-cli');
    s.gw.cli('credits', 'grant', 'from-cli', '1', '--note', 'cli grant');
    const seen = await admin(s.gw, 'GET', 'accounts/from-cli');
    assert.equal(seen.status, 200);
    assert.equal(seen.body.account, 'from-cli');
    await admin(s.gw, 'POST', 'accounts/from-cli/credits', { amount_usd: '-0.25', kind: 'adjustment', note: 'fix' });
    const shown = JSON.parse(s.gw.cli('credits', 'show', 'from-cli', '--json'));
    assert.equal(shown.balance_usd, '0.750000000');
    const rows = JSON.parse(s.gw.cli('ledger', 'from-cli', '--json'));
    assert.deepEqual(rows.map((e) => [e.kind, e.origin]), [['grant', 'cli'], ['adjustment', 'admin-api']]);
  });

  it('answers bad input with 400 or 404 in the OpenAI error shape', async () => {
    const cases = [
      ['POST', 'accounts', { name: '' }, 400],
      ['POST', 'accounts', { name: 42 }, 400],
      ['POST', 'accounts/acme/credits', { amount_usd: 'ten' }, 400],
      ['POST', 'accounts/acme/credits', { amount_usd: '-1' }, 400],
      ['POST', 'accounts/nobody/credits', { amount_usd: '1' }, 404],
      ['POST', 'keys', { account: 'nobody' }, 404],
      ['POST', 'keys', { account: 'acme', rpm: -1 }, 400],
      ['GET', 'usage?since=yesterday-ish', undefined, 400],
      ['DELETE', 'keys/key_nope', undefined, 404],
      ['GET', 'nothing-here', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await admin(s.gw, method, path, body);
      assert.equal(r.status, status, `${method} ${path}`);
      assert.equal(typeof r.body.error.message, 'string');
    }
    const raw = await fetch(`${s.gw.url}/admin/v1/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${s.gw.adminKey}` }, body: '{"name":',
    });
    assert.equal(raw.status, 400);
  });
});
