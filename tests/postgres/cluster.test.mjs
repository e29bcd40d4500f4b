// One balance, several servers (run by the ctest entry integration_postgres under
// scripts/with_postgres.sh): three `glmgate serve` processes on one PostgreSQL store share an
// account through leases of its balance. A burst of parallel requests spread over them never
// spends more than the account holds, balance = ledger sum, every server reports the same
// balance, and nobody gets a 402 while the account as a whole can still pay. An output one server
// made is found, chained and deleted on the others at once. A server killed with SIGKILL while it
// holds a lease gives it back to the others when the lease's ttl runs out. Keys and the pause
// switch reach every server within a second, by push; a key's rate is counted once, in Redis;
// failed console sign-ins from one address are counted once, in the store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chat, user, eventually, sleep } from '../lib/harness.mjs';
import { Browser } from '../lib/console_browser.mjs';
import { cluster, sum, MAX_TOKENS } from './cluster_lib.mjs';

describe('several servers on one PostgreSQL store', () => {
  it('share one balance: no overspending, one figure everywhere, no 402 while it can pay', async () => {
    const c = await cluster('money', { usd: 1, n: 3 });
    try {
      const { servers, ask } = c;
      // A burst: 60 requests at once, 20 on each server.
      const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(servers[i % 3])));
      const statuses = burst.map((r) => r.status);
      for (const r of burst) await r.arrayBuffer();
      assert.ok(statuses.every((s) => s === 200 || s === 402), `only 200s and 402s: ${statuses}`);
      assert.ok(statuses.includes(200) && statuses.includes(402), `the grant ran out: ${statuses}`);
      // Then one at a time, around the servers, until the account cannot pay three times running.
      let refusals = 0;
      let hold = 0;
      for (let i = 0; refusals < 3 && i < 200; i++) {
        const r = await ask(servers[i % 3]);
        const body = await r.json();
        if (r.status === 402) {
          refusals++;
          hold = Math.max(hold, Number(body.error.message.match(/needs up to \$([\d.]+)/)[1]) * 1e9);
        } else {
          assert.equal(r.status, 200, JSON.stringify(body));
          refusals = 0;
        }
      }
      assert.equal(refusals, 3);
      const settled = await eventually(() => {
        const b = c.balance();
        return sum(c.ledger()) === b.balance_nano_usd ? b : null;
      }, { what: 'balance = ledger sum once the writers committed' });
      assert.ok(settled.balance_nano_usd >= 0, `never below zero: ${settled.balance_nano_usd}`);
      // The last refusals were right: what is left cannot pay a request's hold.
      assert.ok(settled.balance_nano_usd < hold,
        `402 only when the account cannot pay: ${settled.balance_nano_usd} left, a hold needs ${hold}`);
      // Every server reports the store's figure.
      const figures = await Promise.all(servers.map(async (gw) => {
        const r = await fetch(`${gw.url}/admin/v1/accounts/alice`, { headers: { authorization: `Bearer ${c.admin}` } });
        assert.equal(r.status, 200);
        return (await r.json()).balance_nano_usd;
      }));
      assert.deepEqual(figures, [settled.balance_nano_usd, settled.balance_nano_usd, settled.balance_nano_usd]);
    } finally {
      await c.stop();
    }
  });

  it('find, chain and delete an output on any server right after another made it', async () => {
    // A writer that commits once a second: a GET on another server comes before the commit.
    const c = await cluster('outputs', { usd: 100, n: 3, flushMs: 1000 });
    const key = JSON.parse(c.cli('keys', 'create', '--account', 'alice', '--rpm', '100000', '--json')).key;
    const call = (gw, method, path, body) => fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    try {
      const [a, b, d] = c.servers;
      const first = await call(a, 'POST', '/v1/responses', { model: 'glm-test', input: 'Remember 42.', max_output_tokens: 20 });
      assert.equal(first.status, 200);
      const made = await first.json();
      // At once on another server: its writer has not committed yet when the GET arrives.
      const got = await call(b, 'GET', `/v1/responses/${made.id}`);
      assert.equal(got.status, 200, await got.clone().text());
      assert.equal((await got.json()).id, made.id);
      const chained = await call(d, 'POST', '/v1/responses', { model: 'glm-test', input: 'What was it?', previous_response_id: made.id, max_output_tokens: 20 });
      assert.equal(chained.status, 200, await chained.clone().text());
      const next = await chained.json();
      assert.equal(next.previous_response_id, made.id);
      const gone = await call(b, 'DELETE', `/v1/responses/${next.id}`);
      assert.equal(gone.status, 200, await gone.clone().text());
      await gone.arrayBuffer();
      const after = await call(a, 'GET', `/v1/responses/${next.id}`);
      assert.equal(after.status, 404);
      await after.arrayBuffer();
      const never = await call(a, 'GET', '/v1/responses/resp_000000aaaaaaaaaaaaaaaaaa');
      assert.equal(never.status, 404);
      await never.arrayBuffer();
    } finally {
      await c.stop();
    }
  });

  it('count a key\'s rate once for the whole gateway, through Redis', async () => {
    const c = await cluster('limits', { usd: 100, n: 3 });
    try {
      // What one server allows a key with rpm 6 in a burst, and what three allow another one.
      const keyOf = () => JSON.parse(c.cli('keys', 'create', '--account', 'alice', '--rpm', '6', '--json')).key;
      const burst = async (key, servers) => {
        const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
          chat({ gw: servers[i % servers.length] }, { model: 'glm-test', messages: user('hi'), max_tokens: 5 }, { key })));
        for (const r of answers) await r.arrayBuffer();
        const statuses = answers.map((r) => r.status);
        assert.ok(statuses.every((s) => s === 200 || s === 429), `${statuses}`);
        return statuses.filter((s) => s === 200).length;
      };
      const one = await burst(keyOf(), [c.servers[0]]);
      const three = await burst(keyOf(), c.servers);
      assert.ok(one > 0 && one < 30, `the limit refuses part of the burst: ${one}`);
      assert.equal(three, one, 'three servers allow what one does');
    } finally {
      await c.stop();
    }
  });

  it('count a provider\'s max_concurrency once for the whole gateway, through Redis', async () => {
    // Two calls at once to the provider, waiting a third of a second for a slot.
    const c = await cluster('provider_cap', { usd: 100, n: 3, provider: { max_concurrency: 2, queue_timeout_ms: 300 } });
    try {
      const slow = (gw) => chat({ gw }, { model: 'glm-test', messages: user('fake: head_delay_ms=1500'), max_tokens: MAX_TOKENS }, { key: c.key });
      // Six slow calls, two on each server: each server alone would let its two through.
      const answers = await Promise.all(c.servers.flatMap((gw) => [slow(gw), slow(gw)]));
      const bodies = await Promise.all(answers.map((r) => r.json()));
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429], JSON.stringify(bodies));
      for (const [i, r] of answers.entries())
        if (r.status === 429) assert.equal(bodies[i].error.code, 'provider_concurrency_limit');
      // The slots came back: two more go through on any server.
      const again = await Promise.all([slow(c.servers[2]), slow(c.servers[1])]);
      assert.deepEqual(again.map((r) => r.status), [200, 200]);
      await Promise.all(again.map((r) => r.arrayBuffer()));
    } finally {
      await c.stop();
    }
  });

  it('give an account its free calls per model once for the whole gateway, through Redis', async () => {
    // Two free calls per model, and next to no credit: every call beyond them is a 402.
    const c = await cluster('free_calls', { usd: 0.000001, n: 3, extra: 'free_calls_per_model = 2' });
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await c.ask(c.servers[i % 3]));
      await Promise.all(answers.map((r) => r.arrayBuffer()));
      // Each server alone would give two.
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 402, 402, 402, 402]);
      // Free calls are recorded at no cost: the grant is untouched.
      const usage = await eventually(() => {
        const rows = JSON.parse(c.cli('usage', '--account', 'alice', '--format', 'json'));
        return rows.filter((u) => u.status === 200).length === 2 ? rows : null;
      }, { what: 'the two free calls recorded' });
      assert.ok(usage.filter((u) => u.status === 200).every((u) => u.free === true && u.cost_nano_usd === 0), JSON.stringify(usage));
      assert.equal(c.balance().balance_nano_usd, 1000);
    } finally {
      await c.stop();
    }
  });

  it('hear of new and revoked keys and of the pause switch within a second, pushed', async () => {
    // A poll once a minute: only PostgreSQL's notifications can tell the servers in time.
    const c = await cluster('push', { usd: 10, n: 3, refreshMs: 60000 });
    try {
      const [a, b, d] = c.servers;
      const fresh = JSON.parse(c.cli('keys', 'create', '--account', 'alice', '--rpm', '100000', '--json'));
      for (const gw of [a, b, d]) {  // the first request on each server already works
        const r = await chat({ gw }, { model: 'glm-test', messages: user('hi'), max_tokens: 5 }, { key: fresh.key });
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
      c.cli('keys', 'revoke', fresh.id);
      for (const gw of [a, b, d]) {
        await eventually(async () => {
          const r = await chat({ gw }, { model: 'glm-test', messages: user('hi'), max_tokens: 5 }, { key: fresh.key });
          await r.arrayBuffer();
          return r.status === 401;
        }, { timeoutMs: 1000, what: 'the revoked key refused on every server within a second' });
      }
      const paused = await fetch(`${a.url}/admin/v1/pause`, { method: 'POST', headers: { authorization: `Bearer ${c.admin}` } });
      assert.equal(paused.status, 200);
      await paused.arrayBuffer();
      for (const gw of [b, d]) {
        await eventually(async () => {
          const r = await c.ask(gw);
          await r.arrayBuffer();
          return r.status === 503;
        }, { timeoutMs: 1000, what: 'the pause on every server within a second' });
      }
    } finally {
      await c.stop();
    }
  });

  it('count failed console sign-ins from one address once for the whole gateway', async () => {
    const c = await cluster('signin', { usd: 1, n: 3 });
    try {
      const link = c.cli('users', 'invite', '--account', 'alice', '--email', 'ann@example.com').trim();
      const token = link.split('\n').at(-1).split('/#/set-password/')[1];
      const [a, b, d] = c.servers;
      const password = 'a long enough password';
      assert.equal((await new Browser(a.url).call('POST', 'set-password', { token, password })).status, 200);
      // A spray from one address over the three servers: a wrong password for ann, then unknown
      // emails. No server sees more than four, under its own limits (10 a minute per address, 5
      // a quarter per email); the store counts all ten.
      for (let i = 0; i < 10; i++) {
        const email = i < 3 ? 'ann@example.com' : `nobody${i}@example.com`;
        const r = await new Browser(c.servers[i % 3].url).call('POST', 'sign-in', { email, password: 'wrong password, long' });
        assert.equal(r.status, 401, `${i}: ${JSON.stringify(r.body)}`);
      }
      // The 10th locked the address for 1 s; two more after each lock ends make it 4 s, time
      // enough to see on a busy machine.
      for (const wait of [1100, 2100]) {
        await sleep(wait);
        const r = await new Browser(a.url).call('POST', 'sign-in', { email: 'nobody@example.com', password: 'wrong password, long' });
        assert.equal(r.status, 401, JSON.stringify(r.body));
      }
      // The right password from that address now waits, on a server that saw three of them.
      const locked = await new Browser(b.url).call('POST', 'sign-in', { email: 'ann@example.com', password });
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.match(locked.body.error.message, /too many failed sign-ins from this address/);
      const retry = Number(locked.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 4, `retry-after ${retry}`);
      await sleep(retry * 1000 + 100);
      assert.equal((await new Browser(d.url).call('POST', 'sign-in', { email: 'ann@example.com', password })).status, 200);
    } finally {
      await c.stop();
    }
  });

  it('gives a killed server\'s lease back to the others after its ttl', async () => {
    // A ttl long enough that b's first ask, however slow a loaded machine makes it, comes before
    // the killed server's lease lapses.
    const c = await cluster('lease', { usd: 1, n: 2, extra: 'lease_ttl_ms = 6000' });
    try {
      const [a, b] = c.servers;
      // a leases what its first hold needs and a slice beyond it: the whole dollar.
      const first = await c.ask(a);
      assert.equal(first.status, 200);
      await first.arrayBuffer();
      // Its hold gone from the store first: a's writer may have stored it before the call ended,
      // and it is as large as the next call's.
      await eventually(() => c.balance().reserved_nano_usd === 0 || null,
        { what: 'the first call\'s hold released in the store' });
      // A call a holds open is reported as reserved by every server and by the CLI...
      const open = chat({ gw: a }, { model: 'glm-test', messages: user('fake: head_delay_ms=20000'), max_tokens: MAX_TOKENS },
        { key: c.key }).catch((e) => e);
      const held = await eventually(() => {
        const r = c.balance().reserved_nano_usd;
        return r > 0 ? r : null;
      }, { what: 'the open call is reserved in the store' });
      // (b reads the store as the CLI does; a batch of a's may land between the two reads.)
      await eventually(async () => {
        const seen = await fetch(`${b.url}/admin/v1/accounts/alice`, { headers: { authorization: `Bearer ${c.admin}` } });
        return (await seen.json()).reserved_nano_usd === held || null;
      }, { what: `b reporting the open call's ${held} nano-USD as reserved` });
      await a.kill();
      await open;
      // b finds every cent leased to a server that can no longer give it back...
      const refused = await c.ask(b);
      assert.equal(refused.status, 402);
      await refused.arrayBuffer();
      // ...until a's lease lapses.
      await sleep(6000);
      const after = await c.ask(b);
      assert.equal(after.status, 200, await after.text());
      // ...and no more once the killed server's lease has lapsed.
      await eventually(() => c.balance().reserved_nano_usd === 0 || null,
        { what: 'the killed server\'s holds no longer reserved' });
    } finally {
      await c.stop();
    }
  });
});
