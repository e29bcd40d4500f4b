// HTTPS upstreams: certificate verification with a provider's own CA file, and refusal of a
// certificate nobody vouches for.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeConfig, makeCertificate, tempDir, user } from '../lib/harness.mjs';

describe('TLS upstream', () => {
  let fake;
  let cert;
  before(async () => {
    cert = makeCertificate(tempDir());
    fake = await startFake({ tls: cert });
  });
  after(async () => { await fake.stop(); });

  const call = (gw, body) => fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${gw.adminKey}` }, body: JSON.stringify(body),
  });

  it('talks to a self-signed upstream when the provider names its CA file', async () => {
    const gw = await startGateway(fakeConfig({ baseUrl: `${fake.url}/v1`, caFile: cert.cert }));
    try {
      const r = await call(gw, { model: 'glm-test', messages: user('hi') });
      assert.equal(r.status, 200);
      assert.equal((await r.json()).model, 'glm-test');
      const s = await call(gw, { model: 'glm-test', stream: true, messages: user('hi fake: chunks=3') });
      const text = await s.text();
      assert.match(text, /data: \[DONE\]/);
    } finally {
      await gw.stop();
    }
  });

  it('refuses an upstream whose certificate does not verify', async () => {
    const gw = await startGateway(fakeConfig({ baseUrl: `${fake.url}/v1` }));
    try {
      const r = await call(gw, { model: 'glm-test', messages: user('hi') });
      assert.equal(r.status, 502);
      assert.match((await r.json()).error.message, /TLS|certificate|handshake/i);
    } finally {
      await gw.stop();
    }
  });
});
