// Upstream failures as a client sees them: status mapping, Z.ai business codes, one retry for
// connect errors and 5xx, timeouts, and never the provider's key in a message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStack, startGateway, fakeConfig, chat, user } from '../lib/harness.mjs';

const PROVIDER_KEY = 'sk-providersecret-0123456789abcdef';

describe('upstream errors', () => {
  let s;
  before(async () => {
    s = await startStack({
      config: { apiKeyEnv: 'FAKE_PROVIDER_KEY', provider: { first_byte_timeout_ms: 800 } },
      env: { FAKE_PROVIDER_KEY: PROVIDER_KEY },
    });
  });
  after(async () => { await s.stop(); });

  const ask = (directive) => chat(s, { model: 'glm-test', messages: user(`x fake: ${directive}`) });

  it('sends the provider key upstream as a Bearer token', async () => {
    await ask('chunks=1');
    assert.equal((await s.fake.last()).headers.authorization, `Bearer ${PROVIDER_KEY}`);
  });

  it('maps Z.ai rate and overload codes to 429 and 503', async () => {
    for (const [code, status, ourCode] of [['1302', 429, 'rate_limit_exceeded'], ['1303', 429, 'rate_limit_exceeded'],
      ['1305', 429, 'rate_limit_exceeded'], ['1313', 429, 'rate_limit_exceeded'], ['1312', 503, 'upstream_overloaded']]) {
      const r = await ask(`status=429 zai_code=${code} message=busy_now`);
      assert.equal(r.status, status, code);
      const e = (await r.json()).error;
      assert.equal(e.code, ourCode);
      assert.match(e.message, /busy now/);
    }
    const r = await ask('status=400 zai_code=1261 message=prompt_too_long');
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.code, 'context_length_exceeded');
  });

  it('passes a 400 from the upstream as a 400 with its message', async () => {
    const r = await ask('status=400 message=bad_temperature');
    assert.equal(r.status, 400);
    const e = (await r.json()).error;
    assert.equal(e.type, 'invalid_request_error');
    assert.match(e.message, /bad temperature/);
  });

  it('maps upstream auth failures to 502 without leaking the provider key', async () => {
    const r = await ask(`status=401 message=Incorrect_API_key_provided:_${PROVIDER_KEY}`);
    assert.equal(r.status, 502);
    const text = await r.text();
    assert.equal(JSON.parse(text).error.type, 'upstream_error');
    assert.ok(!text.includes('providersecret'), text);
    assert.ok(!s.gw.stderr().includes('providersecret'), 'not in the log either');
  });

  it('redacts the provider key from every field of an upstream error, its code included', async () => {
    for (const status of [400, 401, 429, 500]) {
      const r = await ask(`status=${status} code=${PROVIDER_KEY} message=nope`);
      const text = await r.text();
      assert.ok(!text.includes('providersecret'), `${status}: ${text}`);
      assert.ok(!text.includes('0123456789abcdef'), `${status}: ${text}`);
    }
    const coded = await ask('status=400 code=temperature_out_of_range message=nope');
    assert.equal((await coded.json()).error.code, 'temperature_out_of_range', 'a real code still passes on');
    const streamed = await chat(s, { model: 'glm-test', stream: true, messages: user(`x fake: status=400 code=${PROVIDER_KEY}`) });
    assert.ok(!(await streamed.text()).includes('providersecret'));
    assert.ok(!s.gw.stderr().includes('providersecret'), 'not in the log either');
  });

  it('retries a 5xx once before the first byte and succeeds', async () => {
    await s.fake.reset();
    const r = await ask('status=500 fail_first=1');
    assert.equal(r.status, 200);
    assert.equal((await s.fake.stats()).requests, 2);
  });

  it('gives 502 upstream_error when the retry fails too', async () => {
    await s.fake.reset();
    const r = await ask('status=500 fail_first=5');
    assert.equal(r.status, 502);
    assert.equal((await r.json()).error.type, 'upstream_error');
    assert.equal((await s.fake.stats()).requests, 2, 'exactly one retry');
  });

  it('gives 504 when the upstream sends nothing within the first-byte timeout', async () => {
    const t0 = Date.now();
    const r = await ask('head_delay_ms=3000');
    assert.equal(r.status, 504);
    assert.equal((await r.json()).error.code, 'upstream_timeout');
    assert.ok(Date.now() - t0 < 2500);
  });

  it('gives 502 when the upstream cannot be reached, after one retry', async () => {
    const server = net.createServer();
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    await new Promise((r) => server.close(r));  // nothing listens there now
    const gw = await startGateway(fakeConfig({ baseUrl: `http://127.0.0.1:${port}/v1` }));
    try {
      const key = gw.adminKey;
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'glm-test', messages: user('hi') }),
      });
      assert.equal(r.status, 502);
      assert.match((await r.json()).error.message, /connect/);
    } finally {
      await gw.stop();
    }
  });
});
