// The official `@anthropic-ai/sdk` against the real glmgate and the fake provider (an OpenAI-
// compatible upstream): what a Claude-SDK user sees for messages, streams (the SDK's own stream
// helper and finalMessage), thinking, tool use over two turns, token counting and errors, and that
// a generation costs the same on this surface as on OpenAI's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startStack, newAccount, chat, eventually } from '../lib/harness.mjs';

describe('anthropic SDK', () => {
  let s;
  let client;
  before(async () => {
    s = await startStack({
      config: {
        extra: 'stream_ping_interval_ms = 100\nflush_interval_ms = 50',
        models: [
          { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
            input_price_per_mtok: 1, cached_input_price_per_mtok: 0.5, output_price_per_mtok: 2 },
        ],
      },
    });
    client = new Anthropic({ apiKey: s.key, baseURL: s.gw.url, maxRetries: 0, timeout: 20000 });
  });
  after(async () => { await s.stop(); });

  const ask = (content, extra = {}) => ({
    model: 'glm-test', max_tokens: 256, messages: [{ role: 'user', content }], ...extra,
  });

  it('creates a message', async () => {
    const m = await client.messages.create(ask('Say hello'));
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.model, 'glm-test');
    assert.match(m.id, /^msg_/);
    assert.deepEqual(m.content, [{ type: 'text', text: 'Hello from the fake provider.' }]);
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
  });

  it('streams with the SDK helper, thinking first, and a final message with usage', async () => {
    const stream = client.messages.stream(ask('think then answer fake: reasoning=3 chunks=4 delay_ms=20 cached=2'));
    let text = '';
    let thinking = '';
    stream.on('text', (t) => { text += t; });
    stream.on('thinking', (t) => { thinking += t; });
    const final = await stream.finalMessage();
    assert.equal(text, 'Hello from the fake provider.');
    assert.equal(thinking, 'Let me think about this carefully.');
    assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
    assert.equal(final.content[1].text, text);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.cache_read_input_tokens, 2);
    assert.ok(final.usage.output_tokens > 0);
  });

  it('runs a two-turn tool loop, sending thinking back as reasoning_content', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const first = await client.messages.create(ask('weather? fake: tool=get_weather reasoning=2', { tools, tool_choice: { type: 'any' } }));
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.input.city, 'Paris');
    assert.equal((await s.fake.last()).body.tool_choice, 'required');
    const second = await client.messages.create({
      model: 'glm-test', max_tokens: 256, tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: [{ type: 'text', text: '18C' }] }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    const upstream = (await s.fake.last()).body.messages;
    const assistant = upstream.find((m) => m.role === 'assistant');
    assert.equal(assistant.reasoning_content, 'Let me think about this carefully.');
    assert.equal(assistant.tool_calls[0].id, call.id);
    assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), call.input);
    const tool = upstream.find((m) => m.role === 'tool');
    assert.deepEqual([tool.tool_call_id, tool.content], [call.id, '18C']);
  });

  it('streams a tool call the SDK turns into a parsed input', async () => {
    const stream = client.messages.stream(ask('fake: tool=lookup chunks=3', {
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
    }));
    const jsonParts = [];
    stream.on('inputJson', (partial) => { jsonParts.push(partial); });
    const final = await stream.finalMessage();
    const call = final.content.find((b) => b.type === 'tool_use');
    assert.equal(call.name, 'lookup');
    assert.deepEqual(call.input, { city: 'Paris', unit: 'celsius', tool: 'lookup' });
    assert.ok(jsonParts.length >= 1);
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('lists and retrieves models in Anthropic shape', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    assert.deepEqual(models.map((m) => [m.type, m.id]), [['model', 'glm-test']]);
    assert.ok(models[0].display_name.length > 0);
    assert.ok(!Number.isNaN(Date.parse(models[0].created_at)), models[0].created_at);
    const one = await client.models.retrieve('glm-test');
    assert.equal(one.type, 'model');
    assert.equal(one.id, 'glm-test');
  });

  it('takes adaptive thinking and a system entry inside messages, as Claude Code sends them', async () => {
    const stream = client.messages.stream({
      model: 'glm-test',
      max_tokens: 256,
      thinking: { type: 'adaptive' },
      messages: [
        { role: 'user', content: 'x fake: reasoning=2' },
        { role: 'system', content: [{ type: 'text', text: '# Environment' }] },
      ],
    });
    const final = await stream.finalMessage();
    assert.equal(final.content.at(-1).text, 'Hello from the fake provider.');
    assert.ok(final.content.some((b) => b.type === 'thinking'), JSON.stringify(final.content));
    const sent = (await s.fake.last()).body;
    assert.deepEqual(sent.thinking, { type: 'enabled' });
    assert.deepEqual(sent.messages.map((m) => m.role), ['user', 'system']);
  });

  it('counts tokens', async () => {
    const r = await client.messages.countTokens({ model: 'glm-test', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    assert.ok(r.input_tokens >= 100 && r.input_tokens < 200, String(r.input_tokens));
  });

  const rejects = (promise, Class, status, type) => assert.rejects(promise, (e) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${e.constructor.name}: ${e.message}`);
    assert.equal(e.status, status);
    if (type) assert.equal(e.error?.error?.type, type);
    return true;
  });

  it('raises the SDK error classes in Anthropic error shape', async () => {
    const bad = new Anthropic({ apiKey: 'sk-glm-nope', baseURL: s.gw.url, maxRetries: 0 });
    await rejects(bad.messages.create(ask('x')), Anthropic.AuthenticationError, 401, 'authentication_error');
    await rejects(client.messages.create({ ...ask('x'), model: 'nope' }), Anthropic.NotFoundError, 404, 'not_found_error');
    await rejects(client.messages.create({ model: 'glm-test', messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.BadRequestError, 400, 'invalid_request_error');
    const broke = await newAccount(s.gw, { credits: '0' });
    const poor = new Anthropic({ apiKey: broke.key, baseURL: s.gw.url, maxRetries: 0 });
    await rejects(poor.messages.create(ask('x')), Anthropic.APIError, 402, 'billing_error');
    const limited = await newAccount(s.gw, { keyArgs: ['--rpm', '6'] });
    const slow = new Anthropic({ apiKey: limited.key, baseURL: s.gw.url, maxRetries: 0 });
    await slow.messages.create(ask('x'));
    await rejects(slow.messages.create(ask('x')), Anthropic.RateLimitError, 429, 'rate_limit_error');
    await rejects(client.messages.create(ask('x fake: status=503')), Anthropic.InternalServerError, 503, 'overloaded_error');
  });

  it('ends a stream the upstream breaks with an error event the SDK raises', async () => {
    const stream = client.messages.stream(ask('x fake: chunks=6 reset_after=3'));
    await assert.rejects(stream.finalMessage(), (e) => e instanceof Anthropic.APIError && /upstream/i.test(e.message));
  });

  it('charges the same generation the same on the Anthropic and OpenAI surfaces', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const mine = new Anthropic({ apiKey: a.key, baseURL: s.gw.url, maxRetries: 0 });
    const prompt = 'same prompt fake: chunks=3 reasoning=2';
    const m = await mine.messages.create(ask(prompt));
    const r = await chat(s, { model: 'glm-test', max_tokens: 256, messages: [{ role: 'user', content: prompt }] }, { key: a.key });
    const o = await r.json();
    assert.equal(m.usage.output_tokens, o.usage.completion_tokens);
    const rows = await eventually(() => {
      const u = JSON.parse(s.gw.cli('usage', '--account', a.name, '--format', 'json'));
      return u.length === 2 ? u : null;
    });
    assert.deepEqual(rows.map((u) => u.surface).sort(), ['anthropic', 'openai']);
    assert.equal(rows[0].cost_nano_usd, rows[1].cost_nano_usd);
    assert.ok(rows[0].cost_nano_usd > 0);
  });
});
