// GET /v1/models and /v1/models/{id}: the OpenAI list shape with glmgate's extra fields, and the
// built-in catalog when no [[models]] are configured.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startGateway } from '../lib/harness.mjs';

describe('models', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });
  const get = (path, key = s.key) => fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

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

  it('has the built-in catalog and prices when the config names no models', async () => {
    const gw = await startGateway('');
    try {
      const r = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.adminKey}` } });
      const { data } = await r.json();
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
