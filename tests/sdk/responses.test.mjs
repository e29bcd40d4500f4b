// The official `openai` SDK's Responses API against the real glmgate and the fake provider: plain
// and streamed (the SDK's stream helper), reasoning, a function tool over two turns given as
// input items, incomplete answers, usage, and a broken stream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack } from '../lib/harness.mjs';

describe('openai SDK: responses', () => {
  let s;
  let client;
  before(async () => {
    s = await startStack({ config: { extra: 'stream_ping_interval_ms = 100' } });
    client = new OpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => { await s.stop(); });

  it('creates a response from a string input with instructions', async () => {
    const r = await client.responses.create({ model: 'glm-test', instructions: 'Be brief.', input: 'Say hello', max_output_tokens: 64 });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.status, 'completed');
    assert.equal(r.output_text, 'Hello from the fake provider.');
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    const body = (await s.fake.last()).body;
    assert.deepEqual(body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }]);
    assert.equal(body.max_tokens, 64);
  });

  it('streams with the SDK helper: reasoning, text, and the final response', async () => {
    const stream = client.responses.stream({ model: 'glm-test', input: 'x fake: reasoning=2 chunks=4 delay_ms=10' });
    let text = '';
    const types = new Set();
    const seq = [];
    stream.on('response.output_text.delta', (e) => { text += e.delta; });
    stream.on('event', (e) => { types.add(e.type); seq.push(e.sequence_number); });
    const final = await stream.finalResponse();
    assert.equal(text, 'Hello from the fake provider.');
    assert.equal(final.output[1].content[0].text, text);  // this SDK's stream helper sets no output_text
    assert.deepEqual(final.output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal(final.output[0].content[0].text, 'Let me think about this carefully.');
    assert.ok(final.usage.output_tokens > 0);
    for (const t of ['response.created', 'response.in_progress', 'response.reasoning_text.delta',
      'response.output_text.done', 'response.output_item.done', 'response.completed']) assert.ok(types.has(t), t);
    assert.deepEqual(seq, seq.map((_, i) => i));
  });

  it('calls a function and continues with its output as input items', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const first = await client.responses.create({ model: 'glm-test', input: 'weather? fake: tool=get_weather', tools, tool_choice: 'required' });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris', unit: 'celsius', tool: 'get_weather' });
    const second = await client.responses.create({
      model: 'glm-test', tools,
      input: [{ role: 'user', content: 'weather?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '18C' }],
    });
    assert.equal(second.output_text, 'Hello from the fake provider.');
    const messages = (await s.fake.last()).body.messages;
    assert.equal(messages[1].tool_calls[0].id, call.call_id);
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: call.call_id, content: '18C' });
  });

  it('streams function call arguments', async () => {
    const stream = client.responses.stream({ model: 'glm-test', input: 'fake: tool=lookup chunks=3',
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }] });
    let args = '';
    stream.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
    const final = await stream.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.equal(call.arguments, args);
    assert.deepEqual(JSON.parse(args), { city: 'Paris', unit: 'celsius', tool: 'lookup' });
  });

  it('reports an answer cut by max_output_tokens as incomplete', async () => {
    const r = await client.responses.create({ model: 'glm-test', input: 'x fake: finish=length' });
    assert.equal(r.status, 'incomplete');
    assert.equal(r.incomplete_details.reason, 'max_output_tokens');
  });

  it('raises APIError when the upstream breaks the stream', async () => {
    const stream = await client.responses.create({ model: 'glm-test', stream: true, input: 'x fake: chunks=6 reset_after=3' });
    const seen = [];
    await assert.rejects(async () => { for await (const e of stream) seen.push(e.type); }, (e) => e instanceof OpenAI.APIError);
    assert.ok(seen.includes('response.failed'));
  });

});
