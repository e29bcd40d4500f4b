// Rate limits through the real binary: GCRA requests per minute with OpenAI's x-ratelimit-*
// headers and retry-after, tokens per minute, usage tiers, the per-key concurrency cap, the
// per-provider concurrency cap that queues before it refuses, and pausing the public API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, newAccount, chat, user, admin, eventually, sleep, reachedUpstream } from '../lib/harness.mjs';

const call = async (s, key, content = 'hi', extra = {}) => {
  const r = await chat(s, { model: 'glm-test', messages: user(content), ...extra }, { key });
  return { r, body: await r.json() };
};

describe('rate limits', () => {
  let s;
  before(async () => {
    s = await startStack({
      config: {
        provider: { max_concurrency: 1, queue_timeout_ms: 300 },
        models: [
          { id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096, input_price_per_mtok: 1, output_price_per_mtok: 2 },
        ],
        extra: '[[tiers]]\nmin_spend_usd = 0\nrpm = 3\n[[tiers]]\nmin_spend_usd = 0.000001\nrpm = 1000\n',
      },
    });
  });
  after(async () => { await s.stop(); });

  it('lets a burst of a tenth of the rpm through, then answers 429 with retry-after', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '60'] });  // burst: 10 requests
    const remaining = [];
    for (let i = 0; i < 10; i++) {
      const { r } = await call(s, a.key);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '60');
      assert.match(r.headers.get('x-ratelimit-reset-requests'), /^\d+(\.\d+)?(ms|s)$/);
      remaining.push(Number(r.headers.get('x-ratelimit-remaining-requests')));
    }
    assert.deepEqual(remaining, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const { r, body } = await call(s, a.key);
    assert.equal(r.status, 429);
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(r.headers.get('retry-after'), '1');
    const waitMs = Number(r.headers.get('retry-after-ms'));
    assert.ok(waitMs > 0 && waitMs <= 1000, `retry-after-ms ${waitMs}`);
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    // Smooth: one more request is allowed once its interval (1 s at 60 rpm) has passed.
    await sleep(waitMs + 20);
    assert.equal((await call(s, a.key)).r.status, 200);
    assert.equal((await call(s, a.key)).r.status, 429);
  });

  it('limits tokens per minute and sends the token headers', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '1000', '--tpm', '40'] });
    const first = await call(s, a.key, 'a question long enough to use a few dozen tokens '.repeat(5) + 'fake: chunks=1');
    assert.equal(first.r.status, 200);
    assert.equal(first.r.headers.get('x-ratelimit-limit-tokens'), '40');
    assert.equal(first.r.headers.get('x-ratelimit-remaining-tokens'), '40');
    assert.ok(first.body.usage.total_tokens > 40);
    const second = await call(s, a.key);
    assert.equal(second.r.status, 429);
    assert.match(second.body.error.message, /tokens per minute/);
    assert.equal(second.r.headers.get('x-ratelimit-remaining-tokens'), '0');
    assert.ok(Number(second.r.headers.get('retry-after')) >= 1);
  });

  it('raises the limit of keys without their own rpm as the account spends (tiers)', async () => {
    const a = await newAccount(s.gw, { keyArgs: [] });
    const first = await call(s, a.key);
    assert.equal(first.r.status, 200);
    assert.equal(first.r.headers.get('x-ratelimit-limit-requests'), '3');
    const second = await call(s, a.key);  // the first call's spend reached the second tier
    assert.equal(second.r.status, 200);
    assert.equal(second.r.headers.get('x-ratelimit-limit-requests'), '1000');
    // An account that has spent nothing stays at 3 rpm, whose burst is a single request: a
    // refunded call (nothing spent) and then an immediate second one is over the limit.
    const b = await newAccount(s.gw, { keyArgs: [] });
    const failed = await call(s, b.key, 'fake: status=400');
    assert.equal(failed.r.status, 400);
    const refused = await call(s, b.key);
    assert.equal(refused.r.status, 429);
    assert.equal(refused.r.headers.get('x-ratelimit-limit-requests'), '3');
  });

  it('caps the requests a key has in flight', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '1000', '--max-concurrency', '1'] });
    await s.fake.reset();
    const slow = chat(s, { model: 'glm-test', stream: true, messages: user('fake: chunks=5 delay_ms=100') }, { key: a.key });
    await reachedUpstream(s.fake);
    const { r, body } = await call(s, a.key);
    assert.equal(r.status, 429);
    assert.equal(body.error.code, 'concurrency_limit_exceeded');
    await (await slow).text();
    // The finished stream gave its slot back; the provider gate (1 slot) is free again too.
    await eventually(async () => (await call(s, a.key)).r.status === 200);
  });

  it('queues calls over a provider cap briefly, then refuses them', async () => {
    const a = await newAccount(s.gw);
    await s.fake.reset();
    const t0 = Date.now();
    const [one, two] = await Promise.all([
      call(s, a.key, 'fake: head_delay_ms=1000'),
      reachedUpstream(s.fake).then(() => call(s, a.key)),
    ]);
    assert.equal(one.r.status, 200);
    assert.equal(two.r.status, 429);
    assert.equal(two.body.error.code, 'provider_concurrency_limit');
    assert.ok(Date.now() - t0 >= 300);
    // Within the queue time, a waiting call gets the slot when it frees.
    await s.fake.reset();
    const [three, four] = await Promise.all([
      call(s, a.key, 'fake: head_delay_ms=150'),
      reachedUpstream(s.fake).then(() => call(s, a.key)),
    ]);
    assert.equal(three.r.status, 200);
    assert.equal(four.r.status, 200);
  });
});

describe('pause', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('makes public calls answer 503 while the admin API still works', async () => {
    s.gw.cli('pause');
    const paused = await eventually(async () => {
      const { r, body } = await call(s, s.key);
      return r.status === 503 ? body : null;
    }, { timeoutMs: 2000 });
    assert.equal(paused.error.code, 'service_unavailable');
    const st = await admin(s.gw, 'GET', 'status');
    assert.equal(st.status, 200);
    assert.equal(st.body.paused, true);
    const resumed = await admin(s.gw, 'POST', 'resume');
    assert.equal(resumed.body.paused, false);
    assert.equal((await call(s, s.key)).r.status, 200);  // the admin API waits for its change
    assert.equal((await admin(s.gw, 'POST', 'pause')).status, 200);
    assert.equal((await call(s, s.key)).r.status, 503);
    s.gw.cli('resume');
    await eventually(async () => (await call(s, s.key)).r.status === 200, { timeoutMs: 2000 });
  });
});
