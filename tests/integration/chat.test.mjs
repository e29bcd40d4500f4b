// The OpenAI chat surface through the real binary: requests, validation, routing and rewriting.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStack, chat, user, sleep } from '../lib/harness.mjs';

describe('chat completions', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('answers a plain completion with the public model id and usage', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('hello') });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'glm-test');
    assert.equal(body.choices[0].message.content, 'Hello from the fake provider.');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0);
  });

  it('delivers a large answer whole to a client that reads it late', async () => {
    // Far more than loopback's socket buffers hold: the answer's first part is written at once,
    // the rest waits until the client reads.
    const text = 'abcdefgh'.repeat(768 * 1024);
    const body = JSON.stringify({ model: 'glm-test', messages: user(`fake: text=${text}`) });
    const sock = net.connect(s.gw.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    sock.pause();
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    await sleep(1500);
    const parts = [];
    sock.on('data', (d) => parts.push(d));
    sock.resume();
    await new Promise((r) => sock.on('end', r));
    const raw = Buffer.concat(parts).toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 200/);
    const answer = JSON.parse(raw.slice(head.length + 4));
    assert.equal(answer.choices[0].message.content, text);
  });

  it('reads a request however its bytes arrive: in pieces, or two in one write', async () => {
    // The server parses what it has buffered before it waits for more: a header alone, half a
    // body, or a second request behind the first must all still be read whole.
    const body = JSON.stringify({ model: 'glm-test', messages: user('in pieces') });
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const sock = net.connect(s.gw.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    let raw = '';
    sock.on('data', (d) => { raw += d; });
    const answers = () => (raw.match(/"object":"chat\.completion"/g) ?? []).length;
    const until = async (n) => {
      for (let i = 0; i < 100 && answers() < n; i++) await sleep(20);
      return answers();
    };
    sock.write(head.slice(0, 20));
    await sleep(60);
    sock.write(head.slice(20));
    await sleep(60);
    sock.write(body.slice(0, 10));
    await sleep(60);
    sock.write(body.slice(10));
    assert.equal(await until(1), 1, 'the request sent in four pieces is answered');
    sock.write(head + body + head + body);
    assert.equal(await until(3), 3, 'both requests of one write are answered');
    assert.equal((raw.match(/HTTP\/1\.1 200 /g) ?? []).length, 3);
    sock.destroy();
  });

  it('sends the upstream model name, max_tokens and unknown fields upstream', async () => {
    const r = await chat(s, {
      model: 'glm-test', messages: user('hi'), thinking: { type: 'enabled' }, do_sample: false,
      top_k: 5, user: 'u1', request_id: 'client-rid',
    });
    assert.equal(r.status, 200);
    const { body } = await s.fake.last();
    assert.equal(body.model, 'fake-glm-upstream');
    assert.deepEqual(body.thinking, { type: 'enabled' });
    assert.equal(body.do_sample, false);
    assert.equal(body.top_k, 5);
    assert.equal(body.request_id, 'client-rid');
    assert.equal(body.max_tokens, 4096, 'default 8192 capped by the model max of 4096');
  });

  it('caps max_tokens at the model limit and maps max_completion_tokens', async () => {
    await chat(s, { model: 'glm-test', messages: user('hi'), max_tokens: 100000 });
    assert.equal((await s.fake.last()).body.max_tokens, 4096);
    await chat(s, { model: 'glm-test', messages: user('hi'), max_completion_tokens: 77 });
    const { body } = await s.fake.last();
    assert.equal(body.max_tokens, 77);
    assert.equal(body.max_completion_tokens, undefined);
    await chat(s, { model: 'no-tools', messages: user('hi') });
    assert.equal((await s.fake.last()).body.max_tokens, 8192);
  });

  it('passes GLM reasoning_content through in responses', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('think fake: reasoning=2') });
    const body = await r.json();
    assert.equal(body.choices[0].message.reasoning_content, 'Let me think about this carefully.');
    assert.ok(body.usage.completion_tokens_details.reasoning_tokens > 0);
  });

  it('answers under its own id and model, GLM finish reasons in OpenAI names', async () => {
    // The plain answer goes out as the upstream's text with id and model replaced; the renamed
    // finish reason needs the answer serialized again. Both must read the same to a client.
    const get = async (id) => (await fetch(`http://127.0.0.1:${s.gw.port}/v1/chat/completions/${id}`,
      { headers: { authorization: `Bearer ${s.key}` } })).json();
    for (const [prompt, finish] of [['hello', 'stop'], ['fake: finish=sensitive', 'content_filter']]) {
      const r = await chat(s, { model: 'glm-test', messages: user(prompt) });
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.match(body.id, /^chatcmpl-[0-9A-Za-z]{24}$/);
      assert.equal(body.model, 'glm-test');
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.choices[0].finish_reason, finish);
      const stored = await get(body.id);
      assert.deepEqual([stored.id, stored.model, stored.choices[0].message, stored.choices[0].finish_reason],
        [body.id, body.model, body.choices[0].message, finish]);
    }
    const failed = await chat(s, { model: 'glm-test', messages: user('fake: finish=network_error') });
    assert.equal(failed.status, 502);
    assert.equal((await failed.json()).error.type, 'upstream_error');
  });

  it('keeps x-request-id: echoes the client one, sends it upstream, or makes one', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('hi') }, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(r.headers.get('x-request-id'), 'abc-123');
    assert.equal((await s.fake.last()).headers['x-request-id'], 'abc-123');
    const r2 = await chat(s, { model: 'glm-test', messages: user('hi') });
    assert.match(r2.headers.get('x-request-id'), /^req_[A-Za-z0-9]{24}$/);
    const bad = await chat(s, 'nope', { key: 'wrong' });
    assert.match(bad.headers.get('x-request-id'), /^req_/);
  });

  it('refuses a missing or unknown key with 401 invalid_api_key', async () => {
    const r = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'invalid_api_key');
    const r2 = await chat(s, { model: 'glm-test', messages: user('hi') }, { key: 'sk-glm-not-a-real-key' });
    assert.equal(r2.status, 401);
    const e = (await r2.json()).error;
    assert.equal(e.code, 'invalid_api_key');
    assert.ok(!e.message.includes('not-a-real-key'), 'the presented secret is not echoed whole');
  });

  it('answers malformed JSON with 400 invalid_request_error', async () => {
    for (const body of ['{"model": ', '[1,2]', '"text"', '']) {
      const r = await chat(s, body);
      assert.equal(r.status, 400, body);
      const e = (await r.json()).error;
      assert.equal(e.type, 'invalid_request_error');
      assert.match(e.message, /JSON/);
    }
  });

  it('names the offending field of a wrong-typed request', async () => {
    await s.fake.reset();
    const cases = [
      [{ messages: user('hi') }, 'model'],
      [{ model: 7, messages: user('hi') }, 'model'],
      [{ model: 'glm-test' }, 'messages'],
      [{ model: 'glm-test', messages: 'hi' }, 'messages'],
      [{ model: 'glm-test', messages: [] }, 'messages'],
      [{ model: 'glm-test', messages: [{ content: 'x' }] }, 'messages[0].role'],
      [{ model: 'glm-test', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [{ model: 'glm-test', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      [{ model: 'glm-test', messages: [...user('a'), { role: 'tool', content: 'r' }] }, 'messages[1].tool_call_id'],
      [{ model: 'glm-test', messages: user('a'), temperature: 'hot' }, 'temperature'],
      [{ model: 'glm-test', messages: user('a'), temperature: 3 }, 'temperature'],
      [{ model: 'glm-test', messages: user('a'), max_tokens: 1.5 }, 'max_tokens'],
      [{ model: 'glm-test', messages: user('a'), max_tokens: 0 }, 'max_tokens'],
      [{ model: 'glm-test', messages: user('a'), stream: 'yes' }, 'stream'],
      [{ model: 'glm-test', messages: user('a'), stop: [1] }, 'stop'],
      [{ model: 'glm-test', messages: user('a'), tools: {} }, 'tools'],
      [{ model: 'glm-test', messages: user('a'), tools: [{ type: 'function' }] }, 'tools[0].function'],
      [{ model: 'glm-test', messages: user('a'), tool_choice: 'always' }, 'tool_choice'],
      [{ model: 'glm-test', messages: user('a'), stream_options: { include_usage: 'y' } }, 'stream_options.include_usage'],
    ];
    for (const [body, param] of cases) {
      const r = await chat(s, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = (await r.json()).error;
      assert.equal(e.type, 'invalid_request_error');
      assert.equal(e.param, param, JSON.stringify(body));
      assert.ok(e.message.includes(param), e.message);
    }
    assert.equal((await s.fake.stats()).requests, 0, 'no invalid request reached the upstream');
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    const r = await chat(s, { model: 'gpt-9', messages: user('hi') });
    assert.equal(r.status, 404);
    const e = (await r.json()).error;
    assert.equal(e.code, 'model_not_found');
    assert.match(e.message, /gpt-9/);
  });

  it('refuses tools on a model without tool support with unsupported_parameter', async () => {
    await s.fake.reset();
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const r = await chat(s, { model: 'no-tools', messages: user('hi'), tools });
    assert.equal(r.status, 400);
    const e = (await r.json()).error;
    assert.equal(e.code, 'unsupported_parameter');
    assert.equal(e.param, 'tools');
    assert.equal((await s.fake.stats()).requests, 0, 'the upstream was not called');
  });

  it('relays a tool call and the assistant turn that carries it', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const r = await chat(s, { model: 'glm-test', messages: user('weather? fake: tool=get_weather'), tools });
    const body = await r.json();
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    const call = body.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius', tool: 'get_weather' });
  });

  it('rejects a body over the limit with 413 in the OpenAI shape', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('x'.repeat(17 * 1024 * 1024)) });
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.code, 'request_too_large');
  });

  it('answers unknown paths and methods in the OpenAI error shape', async () => {
    const r = await fetch(`${s.gw.url}/v1/nothing-here`);
    assert.equal(r.status, 404);
    assert.ok((await r.json()).error.message);
    const r2 = await fetch(`${s.gw.url}/v1/chat/completions`);
    assert.equal(r2.status, 405);
  });

  it('reuses upstream connections across requests (keep-alive pool)', async () => {
    await s.fake.reset();
    for (let i = 0; i < 20; i++) {
      const r = await chat(s, { model: 'glm-test', messages: user('hi') });
      assert.equal(r.status, 200);
    }
    const opened = (await s.fake.stats()).chat_connections;
    // One pool per I/O thread: at most one new connection per thread, not one per request.
    assert.ok(opened <= 2, `opened ${opened} upstream connections for 20 requests`);
  });

  it('serves /healthz without a key', async () => {
    const r = await fetch(`${s.gw.url}/healthz`);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).status, 'ok');
  });
});
