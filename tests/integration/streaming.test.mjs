// Streaming through the real binary: SSE pass-through, usage chunks, keep-alive pings, client
// disconnects cancelling the upstream, and upstream streams that break.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStack, chat, readSse, user, sleep, cancelledStats } from '../lib/harness.mjs';

describe('streaming', () => {
  let s;
  before(async () => {
    s = await startStack({
      config: { provider: { idle_timeout_ms: 1500 }, extra: 'stream_ping_interval_ms = 100' },
    });
  });
  after(async () => { await s.stop(); });

  const stream = (content, extra = {}) =>
    chat(s, { model: 'glm-test', messages: user(content), stream: true, ...extra });

  it('relays chunks as SSE with the public model id and ends with [DONE]', async () => {
    const r = await stream('hi fake: chunks=4');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const { data } = await readSse(r);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'glm-test'));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from the fake provider.');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.ok(chunks.every((c) => !('usage' in c)), 'no usage without include_usage');
  });

  it('gives the upstream connection of a finished stream back to the pool', async () => {
    await s.fake.reset();
    for (let i = 0; i < 20; i++) {
      const { data } = await readSse(await stream('hi fake: chunks=3'));
      assert.equal(data.at(-1), '[DONE]');
    }
    const opened = (await s.fake.stats()).chat_connections;
    // One pool per I/O thread; a stream that left its terminator unread would cost a connect.
    assert.ok(opened <= 2, `opened ${opened} upstream connections for 20 streams`);
  });

  it('always asks the upstream for usage but forwards it only when the client asked', async () => {
    await stream('hi');
    assert.deepEqual((await s.fake.last()).body.stream_options, { include_usage: true });
    const { data } = await readSse(await stream('hi', { stream_options: { include_usage: true } }));
    const last = data.at(-2);
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
    assert.ok(data.slice(0, -2).every((c) => c.usage === null), 'earlier chunks carry usage: null');
  });

  it('gives a usage chunk even when the upstream puts usage on every chunk instead', async () => {
    const { data } = await readSse(await stream('hi fake: usage_every=1', { stream_options: { include_usage: true } }));
    const usageChunks = data.filter((c) => c !== '[DONE]' && c.choices.length === 0);
    assert.equal(usageChunks.length, 1);
    assert.ok(usageChunks[0].usage.completion_tokens > 0);
  });

  it('streams reasoning_content and tool-call argument fragments untouched', async () => {
    const { data } = await readSse(await stream('x fake: reasoning=3 tool=lookup chunks=3'));
    const deltas = data.slice(0, -1).map((c) => c.choices[0].delta);
    assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'Let me think about this carefully.');
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    assert.equal(calls[0].function.name, 'lookup');
    assert.ok(calls.length >= 3);
    const args = calls.map((c) => c.function.arguments).join('');
    assert.deepEqual(JSON.parse(args), { city: 'Paris', unit: 'celsius', tool: 'lookup' });
    assert.equal(data.at(-2).choices[0].finish_reason, 'tool_calls');
  });

  it('relays a long stream of many separate events to the end', async () => {
    // Each event arrives in its own read; per-read state must not grow with the stream's length.
    const { data } = await readSse(await stream('long fake: chunks=60 delay_ms=15 text=' + 'abcdefghij'.repeat(6)));
    assert.equal(data.at(-1), '[DONE]');
    const text = data.slice(0, -1).map((c) => c.choices[0].delta.content ?? '').join('');
    assert.equal(text, 'abcdefghij'.repeat(6));
  });

  it('sends : ping comments while the upstream is silent', async () => {
    const { data, comments } = await readSse(await stream('slow fake: stall_after=1 stall_ms=700'));
    assert.ok(comments >= 3, `expected pings during a 700 ms stall at 100 ms, got ${comments}`);
    assert.equal(data.at(-1), '[DONE]');
  });

  it('cancels the upstream request when the client goes away', async () => {
    await s.fake.reset();
    const ctl = new AbortController();
    const r = await chat(s, { model: 'glm-test', stream: true, messages: user('long fake: chunks=50 delay_ms=100') },
      { signal: ctl.signal });
    const reader = r.body.getReader();
    await reader.read();
    ctl.abort();
    const stats = await cancelledStats(s.fake, 40);
    assert.equal(stats.streams_cancelled, 1, 'the fake saw glmgate close the upstream stream');
    assert.equal(stats.streams_completed, 0);
  });

  it('cancels the upstream when the client leaves while the upstream is silent', async () => {
    await s.fake.reset();
    const sock = net.connect(s.gw.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    const body = JSON.stringify({ model: 'glm-test', stream: true, messages: user('x fake: stall_after=1 stall_ms=3000') });
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await new Promise((r) => sock.once('data', r));
    sock.destroy();
    const stats = await cancelledStats(s.fake, 20);
    assert.equal(stats.streams_cancelled, 1, 'cancelled well before the 3 s stall ended');
  });

  it('ends with an error event when the upstream resets mid-stream', async () => {
    const r = await stream('x fake: chunks=6 reset_after=3');
    assert.equal(r.status, 200);
    const { data } = await readSse(r);
    const last = data.at(-1);
    assert.notEqual(last, '[DONE]');
    assert.equal(last.error.type, 'upstream_error');
    assert.equal(data.filter((c) => c.choices).length, 3);
  });

  it('ends with a timeout error event when the upstream goes silent past the idle timeout', async () => {
    const { data } = await readSse(await stream('x fake: stall_after=2 stall_ms=5000'));
    const last = data.at(-1);
    assert.equal(last.error.code, 'upstream_timeout');
  });

  it('treats a stream cut before its finish reason as an error, but accepts a missing [DONE]', async () => {
    const cut = await readSse(await stream('x fake: done=0 finish=length'));
    assert.equal(cut.data.at(-1), '[DONE]', 'finish reason seen: a missing [DONE] is fine');
    assert.equal(cut.data.at(-2).choices[0].finish_reason, 'length');
  });

  it('maps GLM finish reasons: sensitive to content_filter, network_error to an error', async () => {
    const a = await readSse(await stream('x fake: finish=sensitive'));
    assert.equal(a.data.at(-2).choices[0].finish_reason, 'content_filter');
    const b = await readSse(await stream('x fake: finish=network_error'));
    assert.equal(b.data.at(-1).error.type, 'upstream_error');
  });

  it('returns the upstream error status before the stream starts', async () => {
    const r = await stream('x fake: status=429 zai_code=1302 message=Too_many');
    assert.equal(r.status, 429);
    assert.equal((await r.json()).error.code, 'rate_limit_exceeded');
  });
});
