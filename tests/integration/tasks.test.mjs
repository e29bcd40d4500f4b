// Background tasks through the real binary: POST /v1/tasks for the chat and Anthropic surfaces,
// polled with GET /v1/tasks/{id}; the webhook a receiver in this test gets, its Standard Webhooks
// signature checked with node's own HMAC; retries until the receiver answers 2xx; callbacks to
// loopback refused unless the config allows them; and a task that survives kill -9 mid-run,
// charged exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startStack, startGateway, fakeConfig, newAccount, eventually } from '../lib/harness.mjs';
import { startReceiver } from '../lib/webhooks.mjs';

const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }];

// Standard Webhooks verification, written from the specification, not from glmgate's code.
function verify(secret, headers, body) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = crypto.createHmac('sha256', key).update(signed).digest('base64');
  return headers['webhook-signature'].split(' ').some((s) => {
    const [version, sig] = s.split(',');
    return version === 'v1' && sig.length === expected.length &&
      crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
  });
}

describe('tasks and webhooks', () => {
  let s;
  let secret;
  const api = (method, path, body, key = s.key) => fetch(`${s.gw.url}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

  before(async () => {
    s = await startStack({ config: { models: MODELS, extra: 'webhook_allow_private = true\nwebhook_retry_seconds = 30' } });
    secret = JSON.parse(s.gw.cli('webhooks', 'secret', 'test', '--json')).secret;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  });
  after(async () => { await s.stop(); });

  it('runs a chat task, keeps its result, and calls back signed', async () => {
    const hook = await startReceiver();
    try {
      const created = await api('POST', '/v1/tasks', {
        path: '/v1/chat/completions', callback_url: hook.url,
        body: { model: 'glm-test', messages: [{ role: 'user', content: 'later fake: head_delay_ms=200' }] },
      });
      assert.equal(created.status, 200);
      assert.match(created.body.id, /^task_/);
      assert.equal(created.body.status, 'queued');
      const done = await eventually(async () => {
        const t = await api('GET', `/v1/tasks/${created.body.id}`);
        return t.body.status === 'completed' ? t.body : null;
      }, { what: 'the task to complete' });
      assert.equal(done.result.object, 'chat.completion');
      assert.equal(done.result.choices[0].message.content, 'Hello from the fake provider.');
      assert.equal(done.output_id, done.result.id);
      // The result is the stored output.
      const stored = await api('GET', `/v1/chat/completions/${done.output_id}`);
      assert.deepEqual(stored.body, done.result);

      await eventually(() => hook.received.length === 1, { what: 'the webhook' });
      const [call] = hook.received;
      assert.equal(call.url, '/hooks/glm?src=test');
      assert.ok(verify(secret, call.headers, call.body), 'the signature verifies');
      assert.ok(!verify(secret, call.headers, call.body + ' '), 'a changed body does not');
      assert.ok(Math.abs(Number(call.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
      const event = JSON.parse(call.body);
      assert.equal(event.type, 'task.completed');
      assert.equal(event.data.id, created.body.id);
      assert.deepEqual(event.data.result, done.result);
      await eventually(async () => (await api('GET', `/v1/tasks/${created.body.id}`)).body.webhook_status === 'delivered',
        { what: 'the webhook marked delivered' });
    } finally {
      await hook.close();
    }
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    const hook = await startReceiver([500, 503]);
    try {
      const created = await api('POST', '/v1/tasks', {
        path: '/v1/messages', callback_url: hook.url,
        body: { model: 'glm-test', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      });
      await eventually(() => hook.received.length === 3, { what: 'three deliveries', timeoutMs: 10000 });
      const ids = new Set(hook.received.map((r) => r.headers['webhook-id']));
      assert.equal(ids.size, 1);
      for (const r of hook.received) assert.ok(verify(secret, r.headers, r.body));
      const event = JSON.parse(hook.received[2].body);
      assert.equal(event.data.result.type, 'message');  // the Anthropic surface's shape
      assert.equal(event.data.path, '/v1/messages');
      await eventually(async () => (await api('GET', `/v1/tasks/${created.body.id}`)).body.webhook_status === 'delivered',
        { what: 'delivered' });
    } finally {
      await hook.close();
    }
  });

  it('reports a failed generation as a failed task, refunded', async () => {
    const shown = () => JSON.parse(s.gw.cli('credits', 'show', 'test', '--json')).balance_nano_usd;
    const before = shown();
    const created = await api('POST', '/v1/tasks', {
      path: '/v1/chat/completions',
      body: { model: 'glm-test', messages: [{ role: 'user', content: 'x fake: status=500' }] },
    });
    const t = await eventually(async () => {
      const got = await api('GET', `/v1/tasks/${created.body.id}`);
      return got.body.status === 'failed' ? got.body : null;
    }, { what: 'the task to fail' });
    assert.equal(t.http_status, 502);
    assert.equal(typeof t.error.message, 'string');
    assert.equal(shown(), before);
  });

  it('refuses bad tasks with a 400 naming the field', async () => {
    const cases = [
      [{ body: {} }, 'path'],
      [{ path: '/v1/models', body: {} }, 'path'],
      [{ path: '/v1/chat/completions' }, 'body'],
      [{ path: '/v1/chat/completions', body: { model: 'glm-test', stream: true, messages: [] } }, 'body.stream'],
      [{ path: '/v1/chat/completions', body: {}, callback_url: 'ftp://x/y' }, 'callback_url'],
    ];
    for (const [body, param] of cases) {
      const r = await api('POST', '/v1/tasks', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.param, param);
    }
    const r = await fetch(`${s.gw.url}/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${s.key}` }, body: '{not json' });
    assert.equal(r.status, 400);
  });

  it('shows a task only to keys of its account', async () => {
    const other = await newAccount(s.gw, { name: 'stranger' });
    const created = await api('POST', '/v1/tasks', { path: '/v1/chat/completions', body: { model: 'glm-test', messages: [{ role: 'user', content: 'x' }] } });
    const theirs = await api('GET', `/v1/tasks/${created.body.id}`, undefined, other.key);
    const unknown = await api('GET', '/v1/tasks/task_nope', undefined, other.key);
    assert.equal(theirs.status, 404);
    assert.deepEqual(theirs.body.error.type, unknown.body.error.type);
    assert.equal((await api('POST', `/v1/tasks/${created.body.id}/cancel`, {}, other.key)).status, 404);
  });

  it('refuses loopback callbacks unless the config allows them', async () => {
    const strict = await startGateway(fakeConfig({ baseUrl: `${s.fake.url}/v1`, models: MODELS }));
    try {
      const a = await newAccount(strict, { name: 'strict' });
      const r = await fetch(`${strict.url}/v1/tasks`, {
        method: 'POST', headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/v1/chat/completions', callback_url: 'http://127.0.0.1:9/x', body: { model: 'glm-test', messages: [] } }),
      });
      assert.equal(r.status, 400);
      assert.match((await r.json()).error.message, /private or loopback/);
    } finally {
      await strict.stop();
    }
  });
});

describe('a task that waits for room', () => {
  it('is cancelled at once, never runs and is charged nothing', async () => {
    const s = await startStack({ config: { models: MODELS, extra: 'task_concurrency = 1\nflush_interval_ms = 20' } });
    const api = (method, path, body) => fetch(`${s.gw.url}${path}`, {
      method, headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const submit = (content) => api('POST', '/v1/tasks', { path: '/v1/chat/completions', body: { model: 'glm-test', messages: [{ role: 'user', content }] } });
    try {
      const first = (await submit('slow fake: head_delay_ms=1000')).body.id;
      const waiting = (await submit('next')).body.id;
      assert.equal((await api('GET', `/v1/tasks/${waiting}`)).body.status, 'queued');
      const cancelled = await api('POST', `/v1/tasks/${waiting}/cancel`, {});
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.status, 'cancelled');
      assert.equal((await api('GET', `/v1/tasks/${waiting}`)).body.status, 'cancelled');
      await eventually(async () => (await api('GET', `/v1/tasks/${first}`)).body.status === 'completed',
        { what: 'the running task to complete' });
      await eventually(() => JSON.parse(s.gw.cli('ledger', 'test', '--json')).some((e) => e.request_id === first),
        { what: 'the first task\'s charge' });
      assert.equal((await api('GET', `/v1/tasks/${waiting}`)).body.status, 'cancelled');
      const ledger = JSON.parse(s.gw.cli('ledger', 'test', '--json'));
      assert.equal(ledger.filter((e) => e.request_id === waiting).length, 0);
    } finally {
      await s.stop();
    }
  });
});

describe('tasks across a crash', () => {
  it('runs a task again after kill -9 mid-run and charges it once', async () => {
    const { startFake } = await import('../lib/harness.mjs');
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: MODELS, extra: 'flush_interval_ms = 20' });
    let gw = await startGateway(config);
    const dir = gw.dir;
    try {
      const a = await newAccount(gw, { name: 'crash' });
      const post = (g, path, body) => fetch(`${g.url}${path}`, {
        method: path.startsWith('/v1/tasks/') ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      }).then((r) => r.json());
      const created = await post(gw, '/v1/tasks', { path: '/v1/chat/completions', body: { model: 'glm-test', messages: [{ role: 'user', content: 'slow fake: head_delay_ms=1500' }] } });
      await eventually(async () => (await post(gw, `/v1/tasks/${created.id}`)).status === 'in_progress', { what: 'in_progress' });
      await gw.kill();

      gw = await startGateway(config, { dir });
      const done = await eventually(async () => {
        const t = await post(gw, `/v1/tasks/${created.id}`);
        return t.status === 'completed' ? t : null;
      }, { what: 'the task to complete after the restart', timeoutMs: 10000 });
      assert.equal(done.result.choices[0].message.content, 'Hello from the fake provider.');
      await gw.stop({ keep: true });
      const ledger = JSON.parse(gw.cli('ledger', 'crash', '--json'));
      const charges = ledger.filter((e) => e.kind === 'charge' && e.request_id === created.id);
      assert.equal(charges.length, 1);
      const shown = JSON.parse(gw.cli('credits', 'show', 'crash', '--json'));
      assert.equal(shown.balance_nano_usd, ledger.reduce((sum, e) => sum + e.amount_nano_usd, 0));
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
