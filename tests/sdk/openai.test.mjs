// The official `openai` npm SDK against the real glmgate and the fake provider: what a user of
// the SDK sees for completions, streams, tool loops, GLM reasoning, usage and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, newAccount } from '../lib/harness.mjs';

describe('openai SDK', () => {
  let s;
  let client;
  before(async () => {
    s = await startStack({
      config: {
        extra: 'stream_ping_interval_ms = 100',
        models: [
          { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096 },
          { id: 'no-tools', upstream_model: 'fake-plain', tools: false },
          { id: 'priced', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 },
        ],
      },
    });
    client = new OpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0, timeout: 20000 });
  });
  after(async () => { await s.stop(); });

  it('creates a completion', async () => {
    const c = await client.chat.completions.create({
      model: 'glm-test', messages: [{ role: 'user', content: 'Say hello' }],
    });
    assert.equal(c.model, 'glm-test');
    assert.equal(c.choices[0].message.role, 'assistant');
    assert.equal(c.choices[0].message.content, 'Hello from the fake provider.');
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  });

  it('streams a completion, with usage when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-test', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream please fake: chunks=5 delay_ms=30' }],
    });
    let text = '';
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      assert.equal(chunk.model, 'glm-test');
      if (chunk.choices.length) {
        text += chunk.choices[0].delta.content ?? '';
        finish = chunk.choices[0].finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from the fake provider.');
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens > 0);
  });

  it('streams without a usage chunk when the client did not ask', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-test', stream: true, messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const chunk of stream) {
      assert.ok(chunk.choices.length > 0);
      assert.equal(chunk.usage, undefined);
    }
  });

  it('runs a two-turn tool loop, keeping tool_call_id and reasoning_content upstream', async () => {
    const tools = [{
      type: 'function',
      function: { name: 'get_weather', description: 'Weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    }];
    const messages = [{ role: 'user', content: 'Weather in Paris? fake: tool=get_weather reasoning=2' }];
    const first = await client.chat.completions.create({ model: 'glm-test', messages, tools });
    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.equal(JSON.parse(call.function.arguments).city, 'Paris');
    assert.equal(choice.message.reasoning_content, 'Let me think about this carefully.');

    messages.push(choice.message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temp_c: 18 }) });
    const second = await client.chat.completions.create({ model: 'glm-test', messages, tools });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(second.choices[0].message.content, 'Hello from the fake provider.');

    const { body } = await s.fake.last();
    const sent = body.messages;
    assert.equal(sent.length, 3);
    assert.equal(sent[1].tool_calls[0].id, call.id);
    assert.equal(sent[1].reasoning_content, 'Let me think about this carefully.');
    assert.equal(sent[2].role, 'tool');
    assert.equal(sent[2].tool_call_id, call.id);
  });

  it('streams a tool call the SDK can accumulate', async () => {
    const stream = client.chat.completions.stream({
      model: 'glm-test',
      messages: [{ role: 'user', content: 'x fake: tool=lookup chunks=4' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'lookup');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius', tool: 'lookup' });
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
  });

  it('carries GLM reasoning_content in streamed deltas', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-test', stream: true, messages: [{ role: 'user', content: 'think fake: reasoning=4' }],
    });
    let reasoning = '';
    let content = '';
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta ?? {};
      reasoning += d.reasoning_content ?? '';
      content += d.content ?? '';
    }
    assert.equal(reasoning, 'Let me think about this carefully.');
    assert.equal(content, 'Hello from the fake provider.');
  });

  it('lists and retrieves models', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['glm-test', 'no-tools', 'priced']);
    const m = await client.models.retrieve('no-tools');
    assert.equal(m.id, 'no-tools');
  });

  const rejects = (promise, Class, status) => assert.rejects(promise, (e) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.status, status);
    return true;
  });

  it('raises AuthenticationError for a bad key', async () => {
    const bad = new OpenAI({ apiKey: 'sk-glm-nope', baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    await rejects(bad.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.AuthenticationError, 401);
  });

  it('raises NotFoundError for an unknown model', async () => {
    await rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.NotFoundError, 404);
  });

  it('raises BadRequestError for tools on a model without tools, naming the param', async () => {
    await assert.rejects(client.chat.completions.create({
      model: 'no-tools', messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    }), (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.code, 'unsupported_parameter');
      assert.equal(e.param, 'tools');
      return true;
    });
  });

  it('raises RateLimitError for an upstream rate limit and InternalServerError for a dead upstream', async () => {
    await rejects(client.chat.completions.create({
      model: 'glm-test', messages: [{ role: 'user', content: 'x fake: status=429 zai_code=1302' }],
    }), OpenAI.RateLimitError, 429);
    await rejects(client.chat.completions.create({
      model: 'glm-test', messages: [{ role: 'user', content: 'x fake: status=500 fail_first=9' }],
    }), OpenAI.InternalServerError, 502);
  });

  it('raises APIError when the upstream fails mid-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-test', stream: true, messages: [{ role: 'user', content: 'x fake: chunks=6 reset_after=3' }],
    });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    }, (e) => e instanceof OpenAI.APIError && /upstream/i.test(e.message));
  });

  it('raises RateLimitError with the headers for a key over its rpm', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '6'] });  // a burst of one request
    const limited = new OpenAI({ apiKey: a.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const body = { model: 'glm-test', messages: [{ role: 'user', content: 'x' }] };
    const { response } = await limited.chat.completions.create(body).withResponse();
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '6');
    await assert.rejects(limited.chat.completions.create(body), (e) => {
      assert.ok(e instanceof OpenAI.RateLimitError, e.constructor.name);
      assert.equal(e.status, 429);
      assert.equal(e.code, 'rate_limit_exceeded');
      assert.ok(Number(e.headers.get('retry-after')) >= 1);
      assert.equal(e.headers.get('x-ratelimit-remaining-requests'), '0');
      return true;
    });
  });

  it('raises APIError with status 402 when the credits run out', async () => {
    const a = await newAccount(s.gw, { credits: '0' });
    const broke = new OpenAI({ apiKey: a.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(broke.chat.completions.create({
      model: 'priced', messages: [{ role: 'user', content: 'x' }],
    }), (e) => {
      assert.ok(e instanceof OpenAI.APIError, e.constructor.name);
      assert.equal(e.status, 402);
      assert.equal(e.code, 'insufficient_quota');
      assert.equal(e.type, 'insufficient_quota');
      return true;
    });
  });
});
