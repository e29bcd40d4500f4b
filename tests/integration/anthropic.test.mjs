// The Anthropic Messages surface on the wire: x-api-key auth, the exact event framing, ping while
// the upstream is silent, and bad input answered in Anthropic's error shape, never charged.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/harness.mjs';

function messages(s, body, { key = s.key, headers = {} } = {}) {
  return fetch(`${s.gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// "event: X\ndata: {...}" frames into [{event, data}].
function events(text) {
  return text.split('\n\n').filter(Boolean).map((frame) => {
    const [e, d] = frame.split('\n');
    return { event: e.replace(/^event: /, ''), data: JSON.parse(d.replace(/^data: /, '')) };
  });
}

describe('anthropic surface', () => {
  let s;
  before(async () => { s = await startStack({ config: { extra: 'stream_ping_interval_ms = 100' } }); });
  after(async () => { await s.stop(); });

  it('streams the event sequence, with pings while the upstream thinks', async () => {
    const r = await messages(s, { model: 'glm-test', max_tokens: 100, stream: true,
      messages: [{ role: 'user', content: 'fake: chunks=2 stall_after=1 stall_ms=700' }] });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const list = events(await r.text());
    for (const e of list) assert.equal(e.data.type, e.event);
    const names = list.map((e) => e.event).filter((n) => n !== 'ping');
    assert.deepEqual(names, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(list.filter((e) => e.event === 'ping').length >= 2);
    assert.equal(list.at(-2).data.delta.stop_reason, 'end_turn');
    assert.ok(list.at(-2).data.usage.output_tokens > 0);
  });

  it('answers bad input in the Anthropic error shape', async () => {
    const cases = [
      ['{"model":', 400, 'invalid_request_error'],
      [{ model: 'glm-test', messages: [{ role: 'user', content: 'x' }] }, 400, 'invalid_request_error'],
      [{ model: 'glm-test', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 400, 'invalid_request_error'],
      [{ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 404, 'not_found_error'],
    ];
    const before = (await s.fake.stats()).requests;
    for (const [body, status, type] of cases) {
      const r = await messages(s, body);
      assert.equal(r.status, status, JSON.stringify(body));
      const e = await r.json();
      assert.equal(e.type, 'error');
      assert.equal(e.error.type, type);
      assert.equal(typeof e.error.message, 'string');
    }
    const unauth = await messages(s, { model: 'glm-test', max_tokens: 5, messages: [] }, { key: 'sk-glm-wrong' });
    assert.equal(unauth.status, 401);
    assert.equal((await unauth.json()).error.type, 'authentication_error');
    assert.equal((await s.fake.stats()).requests, before);
  });

  it('takes the key as a Bearer token too', async () => {
    const r = await fetch(`${s.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.key}` },
      body: JSON.stringify({ model: 'glm-test', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).content[0].type, 'text');
  });
});
