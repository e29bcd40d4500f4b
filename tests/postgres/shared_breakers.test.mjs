// Breakers shared through Redis (run by the ctest entry integration_postgres, which starts the
// test Redis): two servers on one Redis, each on its own store. A deployment that fails the calls
// of one server opens its breaker on the other within a second, before the other sent it
// anything; failures spread over both, too few on either alone, open it on both; a pool key one
// server saw refused is set aside on the other.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, newAccount, chat, user, eventually, admin } from '../lib/harness.mjs';

const KEY_A = 'sk-shared-key-a-0123456789';
const KEY_B = 'sk-shared-key-b-0123456789';

describe('breakers shared through Redis', () => {
  const f = {};
  const servers = [];
  const accounts = [];
  const tag = `t${process.pid}x${Date.now()}`;  // model names of this run in the shared Redis
  const model = `routed-${tag}`;
  const pooled = `pooled-${tag}`;

  before(async () => {
    const redis = process.env.GLMGATE_TEST_REDIS_URL;
    assert.ok(redis, 'GLMGATE_TEST_REDIS_URL names the test Redis (scripts/with_redis.sh)');
    for (const name of ['a', 'b', 'pool']) f[name] = await startFake();
    const config = [
      `redis = "${redis}"`,
      'breaker_min_calls = 6', 'breaker_error_ratio = 0.5', 'breaker_window_ms = 10000',
      'breaker_cooldown_ms = 20000', 'breaker_max_cooldown_ms = 20000',
      ...['a', 'b'].flatMap((n) => ['[[providers]]', `name = "${n}"`, `base_url = "${f[n].url}/v1"`, '']),
      '[[providers]]', 'name = "pool"', `base_url = "${f.pool.url}/v1"`,
      'api_key_env = ["POOL_KEY_A", "POOL_KEY_B"]', '',
      '[[models]]', `id = "${model}"`,
      '  [[models.deployments]]', '  provider = "a"', '  upstream_model = "up-a"',
      '  [[models.deployments]]', '  provider = "b"', '  upstream_model = "up-b"', '',
      '[[models]]', `id = "${pooled}"`, 'provider = "pool"', '',
    ].join('\n');
    for (let i = 0; i < 2; i++) {
      const gw = await startGateway(config, { env: { POOL_KEY_A: KEY_A, POOL_KEY_B: KEY_B } });
      servers.push(gw);
      accounts.push(await newAccount(gw));
    }
  });
  after(async () => {
    for (const gw of servers) await gw.stop();
    for (const fake of Object.values(f)) await fake.stop();
  });
  beforeEach(async () => {
    for (const fake of Object.values(f)) await fake.reset();
  });

  const ask = (i, m = model) => chat({ gw: servers[i] }, { model: m, messages: user('hi') }, { key: accounts[i].key });
  const state = async (i, name) => {
    const detail = (await admin(servers[i], 'GET', 'routing')).body;
    const all = [...detail.models.flatMap((m) => m.deployments ?? []), ...(detail.keys ?? [])];
    return all.find((d) => d.name === name);
  };

  it('opens on every server when one server\'s calls fail', async () => {
    await f.a.script('status=500 message=exploded');
    // Calls on server 0 until its breaker on a opens (the deployment order is drawn per call).
    await eventually(async () => {
      for (let i = 0; i < 4; i++) assert.equal((await ask(0)).status, 200);
      return (await state(0, `${model}@a`))?.state === 'open';
    }, { timeoutMs: 10000, what: 'a open on server 0' });
    const seen = (await f.a.stats()).requests;
    // Server 1 sent a nothing, yet learns within a second.
    const started = Date.now();
    const other = await eventually(async () => {
      const d = await state(1, `${model}@a`);
      return d?.state === 'open' && d;
    }, { timeoutMs: 3000, what: 'a open on server 1' });
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.match(other.last_error, /exploded/, 'the fault server 0 saw');
    for (let i = 0; i < 10; i++) {
      const r = await ask(1);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-glmgate-deployment'), 'b');
      assert.equal(r.headers.get('x-glmgate-attempts'), '1');
    }
    assert.equal((await f.a.stats()).requests, seen, 'server 1 sent a nothing');
  });

  it('sets a refused pool key aside on every server', async () => {
    await f.pool.script(`refuse_key=${KEY_A}`);
    for (let i = 0; i < 4; i++) assert.equal((await ask(0, pooled)).status, 200);
    await eventually(async () => (await state(1, 'pool#key0'))?.state === 'open',
      { timeoutMs: 3000, what: 'key 0 set aside on server 1' });
    await f.pool.reset();
    for (let i = 0; i < 6; i++) assert.equal((await ask(1, pooled)).status, 200);
    const keys = (await f.pool.requests()).map((q) => q.headers.authorization);
    assert.ok(keys.every((k) => k === `Bearer ${KEY_B}`), 'server 1 used key B only');
  });
});
