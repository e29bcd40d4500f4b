// Callback URLs a task may not take, refused at submit with a 400 naming callback_url: the IANA
// special-purpose blocks (documentation ranges included), IPv6 forms that carry a loopback or
// private IPv4, IPv4 shorthands, localhost names and this host's own interface addresses. Nothing
// is queued for them. (No test here sends anything beyond 127.0.0.1.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startStack } from '../lib/harness.mjs';

const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream' }];

describe('webhook targets', () => {
  let s;
  before(async () => { s = await startStack({ config: { models: MODELS } }); });
  after(async () => { await s.stop(); });

  const submit = (callback_url) => fetch(`${s.gw.url}/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/v1/chat/completions', callback_url, body: { model: 'glm-test', messages: [{ role: 'user', content: 'x' }] } }),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('refuses special-purpose, embedded-IPv4 and shorthand targets at submit', async () => {
    await s.fake.reset();
    const refused = [
      'http://192.0.2.10/hook', 'http://198.51.100.7/hook', 'https://203.0.113.9/hook',
      'http://[::127.0.0.1]/hook', 'http://[::ffff:127.0.0.1]:8080/hook', 'http://[64:ff9b::7f00:1]/hook',
      'http://[64:ff9b::a00:1]/hook', 'http://[2002:7f00:1::1]/hook', 'http://[2001:0:7f00:1::1]/hook',
      'http://[2001:db8::1]/hook', 'http://[3fff::1]/hook', 'http://[fe80::1]/hook', 'http://[fd00::1]/hook',
      'http://127.1/hook', 'http://2130706433/hook', 'http://0x7f.0.0.1/hook', 'http://localhost:9/hook',
      'http://api.localhost/hook', 'http://100.64.0.1/hook', 'http://198.18.0.1/hook', 'http://192.88.99.1/hook',
    ];
    for (const url of refused) {
      const r = await submit(url);
      assert.equal(r.status, 400, url);
      assert.equal(r.body.error.param, 'callback_url', url);
      assert.match(r.body.error.message, /does not call/, url);
    }
    const doc = await submit('http://198.51.100.7/hook');
    assert.match(doc.body.error.message, /documentation .*RFC 5737/);
    const nat64 = await submit('http://[64:ff9b::7f00:1]/hook');
    assert.match(nat64.body.error.message, /loopback/);
    assert.equal((await s.fake.stats()).requests, 0, 'nothing was queued to run');
  });

  it('refuses every address of this host\'s own interfaces', async () => {
    const own = Object.values(os.networkInterfaces()).flat().filter((i) => !i.address.startsWith('fe80'));
    assert.ok(own.length > 0);
    for (const i of own) {
      const host = i.family === 'IPv6' ? `[${i.address}]` : i.address;
      const r = await submit(`http://${host}:9/hook`);
      assert.equal(r.status, 400, i.address);
      assert.equal(r.body.error.param, 'callback_url');
    }
  });
});
