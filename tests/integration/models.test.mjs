// GET /v1/models and /v1/models/{id}: the OpenAI list shape with glmgate's extra fields and prices
// a person can read, Anthropic's shape for Anthropic's SDKs, Gemini's for Gemini's, and the
// built-in catalog when no [[models]] are configured.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startGateway } from '../lib/harness.mjs';

describe('models', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });
  const get = (path, key = s.key) => fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const getWith = (path, headers) => fetch(`${s.gw.url}${path}`, { headers });
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  it('lists the configured models with limits, tool support and prices', async () => {
    const r = await get('/v1/models');
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((m) => m.id), ['glm-test', 'no-tools']);
    const m = body.data[0];
    assert.equal(m.object, 'model');
    assert.equal(m.owned_by, 'fake');
    assert.equal(m.max_output_tokens, 4096);
    assert.equal(m.supports_tools, true);
    assert.equal(body.data[1].supports_tools, false);
    assert.ok('input' in m.pricing && 'output' in m.pricing && 'cached_input' in m.pricing);
  });

  it('gets one model, and 404 model_not_found for an unknown one', async () => {
    const r = await get('/v1/models/no-tools');
    assert.equal(r.status, 200);
    assert.equal((await r.json()).id, 'no-tools');
    const r2 = await get('/v1/models/nope');
    assert.equal(r2.status, 404);
    assert.equal((await r2.json()).error.code, 'model_not_found');
  });

  it('needs a key', async () => {
    const r = await get('/v1/models', 'sk-glm-wrong');
    assert.equal(r.status, 401);
  });

  it('answers Anthropic\'s shape to x-api-key, and to a Bearer key with anthropic-version', async () => {
    for (const headers of [{ 'x-api-key': s.key }, { 'x-api-key': s.key, 'anthropic-version': '2023-06-01' },
      { authorization: `Bearer ${s.key}`, 'anthropic-version': '2026-10-21' }]) {
      const r = await getWith('/v1/models', headers);
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.deepEqual(body.data.map((m) => m.id), ['glm-test', 'no-tools']);
      for (const m of body.data) {
        assert.equal(m.type, 'model');
        assert.equal(typeof m.display_name, 'string');
        assert.match(m.created_at, rfc3339);
      }
      assert.equal(body.data[0].max_tokens, 4096);
      assert.equal(body.has_more, false);
      assert.equal(body.first_id, 'glm-test');
      assert.equal(body.last_id, 'no-tools');
    }
    const one = await getWith('/v1/models/no-tools', { 'x-api-key': s.key });
    assert.equal(one.status, 200);
    const m = await one.json();
    assert.equal(m.type, 'model');
    assert.equal(m.id, 'no-tools');
    assert.match(m.created_at, rfc3339);
    const missing = await getWith('/v1/models/nope', { 'x-api-key': s.key });
    assert.equal(missing.status, 404);
    const e = await missing.json();
    assert.equal(e.type, 'error');
    assert.equal(e.error.type, 'not_found_error');
    const bad = await getWith('/v1/models', { 'x-api-key': 'sk-glm-wrong' });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error.type, 'authentication_error');
  });

  it('answers Gemini\'s shape to x-goog-api-key or ?key=, under /v1/ and /v1beta/', async () => {
    for (const [path, headers] of [['/v1/models', { 'x-goog-api-key': s.key }], [`/v1/models?key=${s.key}`, {}],
      ['/v1beta/models', { 'x-goog-api-key': s.key }]]) {
      const r = await getWith(path, headers);
      assert.equal(r.status, 200, path);
      const { models } = await r.json();
      assert.deepEqual(models.map((m) => m.name), ['models/glm-test', 'models/no-tools']);
      assert.equal(models[0].outputTokenLimit, 4096);
      assert.ok(models[0].supportedGenerationMethods.includes('generateContent'));
      assert.ok(models[0].supportedGenerationMethods.includes('countTokens'));
    }
    const one = await getWith('/v1/models/glm-test', { 'x-goog-api-key': s.key });
    assert.equal(one.status, 200);
    assert.equal((await one.json()).name, 'models/glm-test');
    const missing = await getWith('/v1/models/nope', { 'x-goog-api-key': s.key });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.status, 'NOT_FOUND');
    const bad = await getWith('/v1/models', { 'x-goog-api-key': 'sk-glm-wrong' });
    assert.equal(bad.status, 401);
    const e = await bad.json();
    assert.equal(e.error.code, 401);
    assert.equal(e.error.status, 'UNAUTHENTICATED');
  });

  it('has the built-in catalog and prices when the config names no models', async () => {
    const gw = await startGateway('');
    try {
      const r = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.adminKey}` } });
      const text = await r.text();
      // Plain decimals a person can read, never 2.5E0 or 3E1.
      assert.doesNotMatch(text, /\d[eE][+-]?\d/);
      assert.match(text, /"input":2\.5,/);
      assert.match(text, /"input":30,/);
      const { data } = JSON.parse(text);
      const byId = Object.fromEntries(data.map((m) => [m.id, m]));
      assert.deepEqual(Object.keys(byId).sort(), ['deepseek-r1', 'glm-4.5', 'glm-4.5-air', 'glm-4.6', 'glm-4.7',
        'glm-5', 'glm-5-turbo', 'glm-5.1', 'glm-5.2', 'kimi-k2'].sort());
      assert.deepEqual([byId['glm-5.2'].pricing.input, byId['glm-5.2'].pricing.output], [2.5, 7.5]);
      assert.deepEqual([byId['glm-5'].pricing.input, byId['glm-5'].pricing.output], [1.5, 5]);
      assert.deepEqual([byId['kimi-k2'].pricing.input, byId['kimi-k2'].pricing.output], [1.5, 6]);
      assert.deepEqual([byId['deepseek-r1'].pricing.input, byId['deepseek-r1'].pricing.output], [1.75, 6.5]);
      assert.equal(byId['glm-5.1'].pricing.input, 30, '$0.030 per 1K');
      assert.equal(byId['glm-4.5-air'].pricing.output, 10, '$0.010 per 1K');
      assert.equal(byId['glm-4.7'].pricing.input, 20, '$0.020 per 1K');
      assert.equal(byId['deepseek-r1'].supports_tools, false);
      for (const m of data) assert.equal(m.max_output_tokens, 8192);
      assert.equal(byId['glm-5.2'].owned_by, 'zai');
    } finally {
      await gw.stop();
    }
  });
});
