// Keys made with the CLI while the server runs work on their very first request, long before
// the next refresh (key_refresh_ms is a minute here): a key the cache misses is looked up in the
// store before a 401. A key revoked before its first use stays refused, and a burst of unknown
// keys is refused promptly while good keys keep working.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeConfig, user } from '../lib/harness.mjs';

describe('keys the cache has not seen yet', () => {
  let fake;
  let gw;
  before(async () => {
    fake = await startFake();
    gw = await startGateway(fakeConfig({ baseUrl: `${fake.url}/v1`, extra: 'key_refresh_ms = 60000' }));
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const newKey = (account, ...args) => JSON.parse(gw.cli('keys', 'create', '--account', account, '--rpm', '100000', ...args, '--json'));
  const ask = (key) => fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-test', messages: user('hi') }),
  });

  it('serves a key made with the CLI on its very first request', async () => {
    gw.cli('accounts', 'create', 'fresh');
    gw.cli('credits', 'grant', 'fresh', '5');
    const k = newKey('fresh');
    const r = await ask(k.key);  // no waiting for the refresh
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).choices[0].message.content, 'Hello from the fake provider.');
    // Other surfaces and the task routes look it up the same way.
    const k2 = newKey('fresh');
    const m = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': k2.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'glm-test', max_tokens: 20, messages: user('hi') }),
    });
    assert.equal(m.status, 200);
    const k3 = newKey('fresh');
    const t = await fetch(`${gw.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k3.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/v1/chat/completions', body: { model: 'glm-test', messages: user('hi') } }),
    });
    assert.equal(t.status, 200);
    // So do the model lists and token counts (the harness's waitForKey asks /v1/models).
    const k4 = newKey('fresh');
    const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${k4.key}` } });
    assert.equal(models.status, 200);
    const k5 = newKey('fresh');
    const count = await fetch(`${gw.url}/v1beta/models/glm-test:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': k5.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(count.status, 200);
  });

  it('keeps refusing a key revoked before its first use', async () => {
    gw.cli('accounts', 'create', 'gone');
    gw.cli('credits', 'grant', 'gone', '5');
    const k = newKey('gone');
    gw.cli('keys', 'revoke', k.id);
    for (let i = 0; i < 3; i++) {
      const r = await ask(k.key);
      assert.equal(r.status, 401);
      assert.equal((await r.json()).error.code, 'invalid_api_key');
    }
  });

  it('refuses a burst of unknown keys promptly while a good key keeps working', async () => {
    gw.cli('accounts', 'create', 'busy');
    gw.cli('credits', 'grant', 'busy', '5');
    const good = newKey('busy');
    assert.equal((await ask(good.key)).status, 200);
    const t0 = Date.now();
    const bad = await Promise.all(Array.from({ length: 1000 }, (_, i) => ask(`sk-glm-not-a-key-${i}`).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    })));
    assert.ok(bad.every((s) => s === 401));
    assert.ok(Date.now() - t0 < 10000, `1000 unknown keys took ${Date.now() - t0} ms`);
    assert.equal((await ask(good.key)).status, 200);
    // The same unknown key again is refused from the negative cache.
    assert.equal((await ask('sk-glm-not-a-key-1')).status, 401);
  });
});
