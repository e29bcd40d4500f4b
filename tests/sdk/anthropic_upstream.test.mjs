// A provider of kind "anthropic" (Z.ai's Anthropic endpoint, or Anthropic itself), exercised
// through the official `openai` SDK: glmgate sends Anthropic Messages requests upstream (the fake
// provider's /v1/messages) and turns the answers and streams back into Chat Completions —
// reasoning, tool calls over two turns, usage, Z.ai's error codes and a broken stream included.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack } from '../lib/harness.mjs';

describe('anthropic-kind upstream through the openai SDK', () => {
  let s;
  let client;
  before(async () => {
    s = await startStack({
      env: { FAKE_ANTHROPIC_KEY: 'sk-ant-fake-upstream-key-123456' },
      config: {
        provider: { kind: 'anthropic', api_key_env: 'FAKE_ANTHROPIC_KEY' },
        baseUrlSuffix: '',
        models: [{ id: 'glm-claude', upstream_model: 'glm-4.7', reasoning: true, max_output_tokens: 4096 }],
      },
    });
    client = new OpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => { await s.stop(); });

  it('sends an Anthropic request upstream and answers as Chat Completions', async () => {
    const c = await client.chat.completions.create({
      model: 'glm-claude', max_tokens: 300, temperature: 1.5, stop: 'END',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }],
    });
    assert.equal(c.choices[0].message.content, 'Hello from the fake provider.');
    assert.equal(c.choices[0].finish_reason, 'stop');
    assert.ok(c.usage.prompt_tokens > 0 && c.usage.completion_tokens > 0);
    const last = await s.fake.last();
    assert.equal(last.headers['x-api-key'], 'sk-ant-fake-upstream-key-123456');
    assert.equal(last.headers['anthropic-version'], '2023-06-01');
    assert.equal(last.body.model, 'glm-4.7');
    assert.equal(last.body.system, 'Be brief.');
    assert.equal(last.body.max_tokens, 300);
    assert.equal(last.body.temperature, 1);  // Anthropic's range is 0..1
    assert.deepEqual(last.body.stop_sequences, ['END']);
    assert.deepEqual(last.body.messages, [{ role: 'user', content: 'Say hello' }]);
  });

  it('streams reasoning and a tool call, with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-claude', stream: true, stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      messages: [{ role: 'user', content: 'weather fake: reasoning=2 tool=get_weather chunks=3' }],
    });
    let reasoning = '';
    let args = '';
    let name = '';
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta ?? {};
      reasoning += d.reasoning_content ?? '';
      for (const t of d.tool_calls ?? []) { name ||= t.function?.name ?? ''; args += t.function?.arguments ?? ''; }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(reasoning, 'Let me think about this carefully.');
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris', unit: 'celsius', tool: 'get_weather' });
    assert.equal(finish, 'tool_calls');
    assert.ok(usage.completion_tokens > 0);
    assert.equal((await s.fake.last()).body.tools[0].name, 'get_weather');
  });

  it('carries reasoning and tool results upstream in the second turn', async () => {
    await client.chat.completions.create({
      model: 'glm-claude',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, reasoning_content: 'Need the tool.',
          tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_9', content: '18C' },
      ],
    });
    const messages = (await s.fake.last()).body.messages;
    assert.deepEqual(messages[1], { role: 'assistant', content: [
      { type: 'thinking', thinking: 'Need the tool.', signature: '' },
      { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Paris' } }] });
    assert.deepEqual(messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '18C' }] });
  });

  it("maps Z.ai's error codes from the Anthropic endpoint, without leaking the upstream key", async () => {
    await assert.rejects(client.chat.completions.create({
      model: 'glm-claude', messages: [{ role: 'user', content: 'x fake: status=429 zai_code=1302' }],
    }), (e) => e instanceof OpenAI.RateLimitError && e.status === 429);
    await assert.rejects(client.chat.completions.create({
      model: 'glm-claude', messages: [{ role: 'user', content: 'x fake: status=500 fail_first=9 message=bad_sk-ant-fake-upstream-key-123456' }],
    }), (e) => e instanceof OpenAI.InternalServerError && e.status === 502 && !e.message.includes('upstream-key-123456'));
  });

  it('raises APIError when the Anthropic stream breaks', async () => {
    const stream = await client.chat.completions.create({
      model: 'glm-claude', stream: true, messages: [{ role: 'user', content: 'x fake: chunks=6 reset_after=4' }],
    });
    await assert.rejects(async () => { for await (const c of stream) void c; }, (e) => e instanceof OpenAI.APIError);
  });

  it('serves the Anthropic surface from the Anthropic upstream too', async () => {
    const r = await fetch(`${s.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': s.key },
      body: JSON.stringify({ model: 'glm-claude', max_tokens: 50, messages: [{ role: 'user', content: 'hi fake: reasoning=1' }] }),
    });
    const m = await r.json();
    assert.deepEqual(m.content.map((b) => b.type), ['thinking', 'text']);
    assert.equal(m.stop_reason, 'end_turn');
  });
});
