// item_reference inputs: the Vercel AI SDK (Responses mode, store left on) sends the reasoning and
// message items of the previous step as references to what glmgate stored. They resolve from the
// account's stored outputs (reasoning, messages, function and namespaced calls); a reference to
// nothing known, to another account's item or to an output kept with store: false is a 400 naming
// the reference, and charges nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, newAccount } from '../lib/harness.mjs';

async function responses(s, body, { key = s.key } = {}) {
  const r = await fetch(`${s.gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!body.stream || r.status !== 200) return { status: r.status, body: JSON.parse(text) };
  const events = text.split('\n\n').filter((f) => f.startsWith('event: ')).map((f) => JSON.parse(f.split('\ndata: ')[1]));
  return { status: r.status, body: events.at(-1).response, events };
}

const weather = {
  type: 'function', name: 'weather', description: 'w',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const prompt = { role: 'user', content: [{ type: 'input_text', text: 'weather in Paris? fake: reasoning=2 tool=weather text=Let_me_check.' }] };
const thought = 'Let me think about this carefully.';

// What @ai-sdk/openai 3.0 sends on a tool loop's second step when store is on: the reasoning and
// the text as references, the call inline, then its output.
function secondStep(first, { refs = ['reasoning', 'message'] } = {}) {
  const byType = (t) => first.output.find((o) => o.type === t);
  const call = byType('function_call');
  return {
    model: 'glm-test',
    tools: [weather],
    input: [
      prompt,
      ...refs.map((t) => ({ type: 'item_reference', id: byType(t).id })),
      ...(refs.includes('function_call') ? [] : [{ type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }]),
      { type: 'function_call_output', call_id: call.call_id, output: '18C' },
    ],
  };
}

describe('responses: item_reference', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('resolves the AI SDK\'s references to a stored reasoning item and message', async () => {
    const first = await responses(s, { model: 'glm-test', tools: [weather], input: [prompt] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.output.map((o) => o.type), ['reasoning', 'message', 'function_call']);
    const call = first.body.output[2];
    const second = await responses(s, secondStep(first.body));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const up = (await s.fake.last()).body;
    assert.deepEqual(up.messages, [
      { role: 'user', content: prompt.content[0].text },
      {
        role: 'assistant', content: 'Let me check.', reasoning_content: thought,
        tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'weather', arguments: call.arguments } }],
      },
      { role: 'tool', tool_call_id: call.call_id, content: '18C' },
    ]);
  });

  it('resolves references to the items of a streamed response, function call included', async () => {
    const first = await responses(s, { model: 'glm-test', tools: [weather], input: [prompt], stream: true });
    assert.equal(first.status, 200);
    const second = await responses(s, secondStep(first.body, { refs: ['reasoning', 'message', 'function_call'] }));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const [, assistant, tool] = (await s.fake.last()).body.messages;
    assert.equal(assistant.reasoning_content, thought);
    assert.equal(assistant.content, 'Let me check.');
    assert.equal(assistant.tool_calls[0].function.name, 'weather');
    assert.equal(assistant.tool_calls[0].id, tool.tool_call_id);
  });

  it('resolves a reference to a namespaced call under its flat upstream name', async () => {
    const tools = [{ type: 'namespace', name: 'crm', description: 'CRM', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }] }];
    const first = await responses(s, { model: 'glm-test', tools, input: 'who? fake: tool=crm__lookup' });
    const call = first.body.output.find((o) => o.type === 'function_call');
    assert.deepEqual([call.name, call.namespace], ['lookup', 'crm']);
    const second = await responses(s, {
      model: 'glm-test', tools,
      input: [{ type: 'item_reference', id: call.id }, { type: 'function_call_output', call_id: call.call_id, output: 'Ada' }],
    });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal((await s.fake.last()).body.messages[0].tool_calls[0].function.name, 'crm__lookup');
  });

  it('refuses a reference to an unknown item with a 400 naming it, and charges nothing', async () => {
    const first = await responses(s, { model: 'glm-test', tools: [weather], input: [prompt] });
    const before = (await s.fake.stats()).requests;
    for (const id of ['rs_nosuchresponse_0', 'msg_123', 'nonsense', first.body.output[1].id.replace(/_\d+$/, 'x_1')]) {
      const body = secondStep(first.body);
      body.input[1] = { type: 'item_reference', id };
      const r = await responses(s, body);
      assert.equal(r.status, 400, id);
      assert.equal(r.body.error.param, 'input[1]');
      assert.ok(r.body.error.message.includes(`'${id}'`), r.body.error.message);
    }
    const missing = await responses(s, { model: 'glm-test', input: [{ type: 'item_reference' }] });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.param, 'input[0].id');
    assert.equal((await s.fake.stats()).requests, before, 'nothing reached the upstream');
  });

  it('refuses a reference to another account\'s item exactly as an unknown one', async () => {
    const first = await responses(s, { model: 'glm-test', tools: [weather], input: [prompt] });
    const other = await newAccount(s.gw);
    const r = await responses(s, secondStep(first.body), { key: other.key });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.param, 'input[1]');
    assert.match(r.body.error.message, new RegExp(`'${first.body.output[0].id}' not found`));
  });

  it('refuses a reference to an item of a response made with store: false', async () => {
    const first = await responses(s, { model: 'glm-test', tools: [weather], input: [prompt], store: false });
    assert.equal(first.status, 200);
    const r = await responses(s, secondStep(first.body));
    assert.equal(r.status, 400);
    assert.equal(r.body.error.param, 'input[1]');
  });
});
