// Rate limits shared through Redis (`redis = ...`): a key's rpm counted in Redis with the usual
// headers and 429; with Redis killed the gateway keeps serving on local counts (never a 500),
// says so once in its log without the password, and counts in Redis again once it is back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startFake, startGateway, fakeConfig, newAccount, chat, user, eventually } from '../lib/harness.mjs';
import { startRedis } from '../lib/redis.mjs';

const call = async (stack, key) => {
  const r = await chat(stack, { model: 'glm-test', messages: user('hi') }, { key });
  return { r, body: await r.json() };
};

const redisKeys = (redis, pattern) => execFileSync('redis-cli',
  ['-h', '127.0.0.1', '-p', String(redis.port), '--scan', '--pattern', pattern],
  { env: { ...process.env, REDISCLI_AUTH: redis.password } }).toString().split('\n').filter(Boolean);

describe('rate limits in Redis', () => {
  let redis, fake, gw;
  const stack = {};
  before(async () => {
    redis = await startRedis();
    fake = await startFake();
    // A burst of a whole minute: a key with rpm = N gets exactly N answers at once.
    gw = await startGateway(fakeConfig({
      baseUrl: `${fake.url}/v1`,
      extra: `redis = "${redis.url}"\nrate_limit_burst_seconds = 60\n`,
    }));
    stack.gw = gw;
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it('answers a key with rpm = N exactly N times, then 429 with the usual headers', async () => {
    const a = await newAccount(gw, { keyArgs: ['--rpm', '4'] });
    for (let i = 0; i < 4; i++) {
      const { r } = await call(stack, a.key);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '4');
      assert.equal(r.headers.get('x-ratelimit-remaining-requests'), String(3 - i));
      assert.match(r.headers.get('x-ratelimit-reset-requests'), /^\d+(\.\d+)?(ms|s)$/);
    }
    const { r, body } = await call(stack, a.key);
    assert.equal(r.status, 429);
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.ok(Number(r.headers.get('retry-after-ms')) > 0);
    // Counted in Redis, not in the process.
    assert.equal(redisKeys(redis, `glmgate:rl:{${a.keyId}}`).length, 1);
  });

  it('runs the background tasks of a key with --max-concurrency, its slot taken in Redis', async () => {
    const a = await newAccount(gw, { keyArgs: ['--rpm', '100', '--max-concurrency', '1'] });
    const api = async (method, path, body) => {
      const r = await fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    const ids = [];
    for (let i = 0; i < 2; i++) {
      const created = await api('POST', '/v1/tasks', {
        path: '/v1/chat/completions',
        body: { model: 'glm-test', messages: user(`task ${i} fake: delay_ms=50`) },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      ids.push(created.body.id);
    }
    for (const id of ids) {
      await eventually(async () => (await api('GET', `/v1/tasks/${id}`)).body.status === 'completed',
        { what: `task ${id} to complete`, timeoutMs: 10000 });
    }
    // Both ran one after the other on the one slot, which is free again (a task shows completed
    // just before its slot's release reaches Redis).
    await eventually(async () => (await call(stack, a.key)).r.status === 200,
      { what: 'the slot free again' });
  });

  it('keeps serving on local counts while Redis is down, and goes back to it', async () => {
    const a = await newAccount(gw, { keyArgs: ['--rpm', '3', '--max-concurrency', '2'] });
    assert.equal((await call(stack, a.key)).r.status, 200);
    await redis.kill();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(stack, a.key)).r.status);
    // Fresh local counts: the key's burst of 3 once more in this instance, then 429; never 5xx.
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    const b = await newAccount(gw, { keyArgs: ['--rpm', '2'] });
    assert.deepEqual([(await call(stack, b.key)).r.status, (await call(stack, b.key)).r.status,
      (await call(stack, b.key)).r.status], [200, 200, 429]);
    // The log thread writes in batches (every 100 ms).
    await eventually(() => /is unreachable/.test(gw.stderr()), { what: 'the outage warning' });
    const log = gw.stderr();
    // Once per outage for each part on Redis: the limits (and the breakers, which share it too).
    assert.equal(log.match(/is unreachable.*rate limits are counted per instance/g).length, 1, log);
    assert.ok((log.match(/is unreachable.*breakers count/g) ?? []).length <= 1, log);
    assert.ok(!log.includes(redis.password), 'the Redis password is in the log');

    await redis.restart();
    const c = await newAccount(gw, { keyArgs: ['--rpm', '5'] });
    await eventually(async () => {
      await call(stack, c.key);
      return redisKeys(redis, `glmgate:rl:{${c.keyId}}`).length === 1;
    }, { timeoutMs: 15000, what: 'counting in Redis again' });
    await eventually(() => /answers again:/.test(gw.stderr()), { what: 'the end of the outage in the log' });
  });
});
