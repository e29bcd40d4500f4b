// The Gemini surface on the wire: ?key= and x-goog-api-key auth, alt=sse framing versus one JSON
// array, and errors in Gemini's {"error":{code,message,status}} shape, never charged upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/harness.mjs';

describe('gemini surface', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  const post = (path, body, headers = {}) => fetch(`${s.gw.url}/v1beta/models/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const ask = { contents: [{ role: 'user', parts: [{ text: 'hi fake: chunks=3' }] }] };

  it('takes the key from ?key= or x-goog-api-key', async () => {
    const a = await post(`glm-test:generateContent?key=${s.key}`, ask);
    assert.equal(a.status, 200);
    assert.equal((await a.json()).candidates[0].content.parts[0].text, 'Hello from the fake provider.');
    const b = await post('glm-test:generateContent', ask, { 'x-goog-api-key': s.key });
    assert.equal(b.status, 200);
    await b.json();
  });

  it('streams SSE with alt=sse and one JSON array without it', async () => {
    const sse = await post(`glm-test:streamGenerateContent?alt=sse&key=${s.key}`, ask);
    assert.match(sse.headers.get('content-type'), /^text\/event-stream/);
    const frames = (await sse.text()).split('\n\n').filter(Boolean);
    assert.ok(frames.every((f) => f.startsWith('data: ')));
    const last = JSON.parse(frames.at(-1).slice(6));
    assert.equal(last.candidates[0].finishReason, 'STOP');
    assert.ok(last.usageMetadata.totalTokenCount > 0);

    const arr = await post(`glm-test:streamGenerateContent?key=${s.key}`, ask);
    assert.match(arr.headers.get('content-type'), /^application\/json/);
    const list = JSON.parse(await arr.text());
    assert.ok(Array.isArray(list) && list.length === frames.length);
    assert.equal(list.map((r) => r.candidates[0].content.parts.map((p) => p.text ?? '').join('')).join(''),
      'Hello from the fake provider.');
  });

  it('answers errors in the Gemini shape', async () => {
    const before = (await s.fake.stats()).requests;
    const cases = [
      [`glm-test:generateContent?key=${s.key}`, '{"contents":', 400, 'INVALID_ARGUMENT'],
      [`glm-test:generateContent?key=${s.key}`, { contents: [] }, 400, 'INVALID_ARGUMENT'],
      [`glm-test:countEverything?key=${s.key}`, ask, 404, 'NOT_FOUND'],
      [`nope:generateContent?key=${s.key}`, ask, 404, 'NOT_FOUND'],
      ['glm-test:generateContent?key=sk-glm-wrong', ask, 401, 'UNAUTHENTICATED'],
    ];
    for (const [path, body, code, status] of cases) {
      const r = await post(path, body);
      assert.equal(r.status, code, path);
      const e = await r.json();
      assert.equal(e.error.code, code);
      assert.equal(e.error.status, status);
      assert.equal(typeof e.error.message, 'string');
    }
    assert.equal((await s.fake.stats()).requests, before);
  });
});
