// The Gemini surface on the wire: ?key= and x-goog-api-key auth, alt=sse framing versus one JSON
// array, the same routes under /v1/ (the current @google/genai) and /v1beta/, countTokens, the
// tokens a stream without upstream usage reports, and errors in Gemini's
// {"error":{code,message,status}} shape, never charged upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from '../lib/harness.mjs';

// glm-test at 1 USD per 1M input tokens and 2 USD per 1M output tokens.
const PRICED = [
  { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
    input_price_per_mtok: 1, output_price_per_mtok: 2 },
  { id: 'no-tools', upstream_model: 'fake-plain', tools: false },
];

describe('gemini surface', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { models: PRICED, extra: 'flush_interval_ms = 50\nmax_body_bytes = 4096' } });
  });
  after(async () => { await s.stop(); });
  const usageRows = () => JSON.parse(s.gw.cli('usage', '--account', s.account.name, '--format', 'json'));

  const post = (path, body, headers = {}, version = 'v1beta') => fetch(`${s.gw.url}/${version}/models/${path}`, {
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

  it('serves generateContent and streamGenerateContent under /v1/ as under /v1beta/', async () => {
    const a = await post('glm-test:generateContent', ask, { 'x-goog-api-key': s.key }, 'v1');
    assert.equal(a.status, 200);
    assert.equal((await a.json()).candidates[0].content.parts[0].text, 'Hello from the fake provider.');
    const sse = await post(`glm-test:streamGenerateContent?alt=sse&key=${s.key}`, ask, {}, 'v1');
    assert.equal(sse.status, 200);
    const frames = (await sse.text()).split('\n\n').filter(Boolean).map((f) => JSON.parse(f.slice(6)));
    assert.equal(frames.at(-1).candidates[0].finishReason, 'STOP');
    assert.equal(frames.map((r) => r.candidates[0].content.parts.map((p) => p.text ?? '').join('')).join(''),
      'Hello from the fake provider.');
  });

  it('answers errors on /v1/models/{m}:... in the Gemini shape, before and after routing', async () => {
    const bad = await post('glm-test:generateContent', ask, { 'x-goog-api-key': 'sk-glm-wrong' }, 'v1');
    assert.equal(bad.status, 401);
    assert.deepEqual(Object.keys((await bad.json()).error).sort(), ['code', 'message', 'status']);
    const counted = await post('glm-test:countTokens', ask, { 'x-goog-api-key': 'sk-glm-wrong' }, 'v1');
    assert.equal(counted.status, 401);
    assert.equal((await counted.json()).error.status, 'UNAUTHENTICATED');
    // Refused before any handler runs (the body is over max_body_bytes).
    const big = { contents: [{ role: 'user', parts: [{ text: 'x'.repeat(8000) }] }] };
    const huge = await post('glm-test:generateContent', big, { 'x-goog-api-key': s.key }, 'v1');
    assert.equal(huge.status, 413);
    assert.equal((await huge.json()).error.code, 413);
  });

  it('counts tokens on both versions, from contents or a generateContentRequest, without the upstream', async () => {
    const before = (await s.fake.stats()).requests;
    const long = { contents: [{ role: 'user', parts: [{ text: 'a much longer prompt '.repeat(20) }] }] };
    for (const version of ['v1', 'v1beta']) {
      const r = await post('glm-test:countTokens', ask, { 'x-goog-api-key': s.key }, version);
      assert.equal(r.status, 200);
      const { totalTokens } = await r.json();
      assert.ok(Number.isInteger(totalTokens) && totalTokens > 0);
      const wrapped = await post(`glm-test:countTokens?key=${s.key}`,
        { generateContentRequest: { model: 'models/glm-test', ...long } }, {}, version);
      assert.equal(wrapped.status, 200);
      assert.ok((await wrapped.json()).totalTokens > totalTokens);
    }
    const empty = await post('glm-test:countTokens', {}, { 'x-goog-api-key': s.key }, 'v1');
    assert.equal(empty.status, 400);
    assert.equal((await empty.json()).error.status, 'INVALID_ARGUMENT');
    const unknown = await post('nope:countTokens', ask, { 'x-goog-api-key': s.key }, 'v1');
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.status, 'NOT_FOUND');
    assert.equal((await s.fake.stats()).requests, before);
  });

  it('refuses a maxOutputTokens that is not a positive integer, naming it, uncharged', async () => {
    const before = (await s.fake.stats()).requests;
    for (const bound of ['-1', '0', '1.5', '1e30', '18446744073709551615', '"100"']) {
      const body = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":${bound}}}`;
      for (const version of ['v1', 'v1beta']) {
        const r = await post('glm-test:generateContent', body, { 'x-goog-api-key': s.key }, version);
        assert.equal(r.status, 400, `${bound} on ${version}`);
        const e = await r.json();
        assert.equal(e.error.status, 'INVALID_ARGUMENT');
        assert.match(e.error.message, /generationConfig\.maxOutputTokens/);
      }
    }
    assert.equal((await s.fake.stats()).requests, before);
  });

  it('reports the tokens it charges when the upstream sends no usage', async () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'count me fake: chunks=4 reasoning=2 usage=0' }] }] };
    const r = await post(`glm-test:streamGenerateContent?alt=sse&key=${s.key}`, body);
    const frames = (await r.text()).split('\n\n').filter(Boolean).map((f) => JSON.parse(f.slice(6)));
    const meta = frames.at(-1).usageMetadata;
    const row = await eventually(() => usageRows().find((u) => u.estimated), { what: 'an estimated usage record' });
    assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0);
    assert.equal(meta.promptTokenCount, row.prompt_tokens);
    assert.equal(meta.totalTokenCount, row.prompt_tokens + row.completion_tokens);
    assert.equal(meta.candidatesTokenCount + (meta.thoughtsTokenCount ?? 0), row.completion_tokens);
    assert.equal(row.cost_nano_usd, row.prompt_tokens * 1000 + row.completion_tokens * 2000);
  });
});
