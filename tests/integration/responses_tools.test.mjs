// The Responses surface with what Codex CLI sends (a custom provider, wire_api = "responses"):
// developer-role messages, function tools beside a `namespace` group and built-in tools, custom
// (free-form) tools, fields glmgate has no use for, and the calls coming back the way Codex reads
// them (function_call with `namespace`, custom_tool_call), over a second turn as input items.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/harness.mjs';

// POSTs to /v1/responses; resolves with { status, body } (body: JSON, or the SSE events parsed).
async function responses(s, body, { key = s.key } = {}) {
  const r = await fetch(`${s.gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!body.stream || r.status !== 200) return { status: r.status, body: JSON.parse(text) };
  const events = text.split('\n\n').filter((f) => f.startsWith('event: ')).map((f) => {
    const [head, data] = f.split('\ndata: ');
    const e = JSON.parse(data);
    assert.equal(head.slice(7), e.type, 'the event line names the payload type');
    return e;
  });
  return { status: r.status, body: events };
}

const params = { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] };
// The tools of Codex 0.171's first request, descriptions and schemas shortened.
const codexTools = [
  { type: 'function', name: 'exec_command', description: 'Runs a command in a PTY.', strict: false, parameters: params },
  {
    type: 'namespace', name: 'multi_agent_v1', description: 'Tools for spawning and managing sub-agents.',
    tools: [
      { type: 'function', name: 'spawn_agent', description: 'Spawn a sub-agent.', strict: false, parameters: params },
      { type: 'function', name: 'wait_agent', description: 'Wait for agents.', strict: false, parameters: params },
    ],
  },
  { type: 'web_search', external_web_access: false },
];
const applyPatch = {
  type: 'custom', name: 'apply_patch', description: 'Use the `apply_patch` tool to edit files.',
  format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' },
};

function codexRequest(lastText, extra = {}) {
  return {
    model: 'glm-test',
    stream: true,
    input: [
      { type: 'message', id: 'msg_c6485dfe', role: 'developer', content: [{ type: 'input_text', text: 'You are a coding agent running in the Codex CLI.' }] },
      { type: 'message', id: 'msg_01a2', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>' }, { type: 'input_text', text: '<skills>' }] },
      { type: 'message', id: 'msg_01a3', role: 'user', content: [{ type: 'input_text', text: lastText }] },
    ],
    tools: codexTools,
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning: { summary: 'auto' },
    store: false,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '01a24949-351a',
    client_metadata: { 'x-codex-installation-id': '2be5aba4', thread_id: '01a24949' },
    text: { verbosity: 'low' },
    service_tier: 'auto',
    safety_identifier: 'u1',
    truncation: 'disabled',
    ...extra,
  };
}

const doneItems = (events) => events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);

describe('responses: Codex tools', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('accepts Codex\'s first request: developer roles as system, namespace flattened, built-ins left out', async () => {
    const r = await responses(s, codexRequest('say hi'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const types = r.body.map((e) => e.type);
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(r.body.at(-1).response.output[0].content[0].text, 'Hello from the fake provider.');
    const up = (await s.fake.last()).body;
    assert.deepEqual(up.messages.map((m) => m.role), ['system', 'system', 'user']);
    assert.equal(up.messages[1].content, '<permissions instructions><skills>');
    assert.deepEqual(up.tools.map((t) => t.function.name), ['exec_command', 'multi_agent_v1__spawn_agent', 'multi_agent_v1__wait_agent']);
    assert.ok(up.tools.every((t) => t.type === 'function'));
    assert.deepEqual(up.tools[1].function.parameters, params);
    assert.match(up.tools[1].function.description, /^Spawn a sub-agent\.[\s\S]*multi_agent_v1: Tools for spawning/);
    assert.equal(up.tool_choice, 'auto');
    for (const k of ['prompt_cache_key', 'client_metadata', 'include', 'service_tier', 'safety_identifier', 'truncation']) assert.equal(up[k], undefined, k);
  });

  it('gives a namespaced call back as a function_call with its namespace, streamed and not', async () => {
    const streamed = await responses(s, codexRequest('go fake: tool=multi_agent_v1__spawn_agent'));
    assert.equal(streamed.status, 200);
    const added = streamed.body.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
    assert.equal(added.item.name, 'spawn_agent');
    assert.equal(added.item.namespace, 'multi_agent_v1');
    const call = doneItems(streamed.body).find((i) => i.type === 'function_call');
    assert.equal(call.name, 'spawn_agent');
    assert.equal(call.namespace, 'multi_agent_v1');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris', unit: 'celsius', tool: 'multi_agent_v1__spawn_agent' });
    assert.equal(streamed.body.at(-1).type, 'response.completed');
    assert.deepEqual(streamed.body.at(-1).response.output.find((i) => i.type === 'function_call'), call);

    const plain = await responses(s, codexRequest('go fake: tool=multi_agent_v1__wait_agent tool=exec_command', { stream: false }));
    assert.equal(plain.status, 200);
    const calls = plain.body.output.filter((o) => o.type === 'function_call');
    assert.deepEqual(calls.map((c) => [c.name, c.namespace]), [['wait_agent', 'multi_agent_v1'], ['exec_command', undefined]]);
  });

  it('sends a namespaced call and its output back upstream under the flat name', async () => {
    const req = codexRequest('go');
    req.input.push(
      { type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"cmd":"x"}', call_id: 'call_9' },
      { type: 'function_call_output', call_id: 'call_9', output: 'agent started' },
    );
    const r = await responses(s, req);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const up = (await s.fake.last()).body;
    assert.deepEqual(up.messages.slice(3), [
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"cmd":"x"}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: 'agent started' },
    ]);
  });

  it('offers a custom tool as a function with one text input, grammar included', async () => {
    const r = await responses(s, codexRequest('hi', { tools: [...codexTools, applyPatch], stream: false }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const fn = (await s.fake.last()).body.tools.find((t) => t.function.name === 'apply_patch').function;
    assert.deepEqual(fn.parameters.required, ['input']);
    assert.equal(fn.parameters.properties.input.type, 'string');
    assert.match(fn.description, /^Use the `apply_patch` tool[\s\S]*free-form text[\s\S]*lark grammar:\nstart: begin_patch hunk\+ end_patch$/);
  });

  it('gives a custom tool call back as custom_tool_call with its input events', async () => {
    const r = await responses(s, codexRequest('patch fake: tool=apply_patch', { tools: [...codexTools, applyPatch] }));
    assert.equal(r.status, 200);
    const added = r.body.find((e) => e.type === 'response.output_item.added' && e.item.type === 'custom_tool_call');
    assert.ok(added, 'an output_item.added for the custom call');
    assert.equal(added.item.input, '');
    assert.match(added.item.id, /^ctc_/);
    // The fake's arguments are not {"input": ...}: the text is then the arguments as sent.
    const expected = JSON.stringify({ city: 'Paris', unit: 'celsius', tool: 'apply_patch' });
    const deltas = r.body.filter((e) => e.type === 'response.custom_tool_call_input.delta');
    assert.equal(deltas.map((d) => d.delta).join(''), expected);
    assert.ok(deltas.every((d) => d.item_id === added.item.id));
    const done = r.body.find((e) => e.type === 'response.custom_tool_call_input.done');
    assert.equal(done.input, expected);
    assert.equal(r.body.filter((e) => e.type.startsWith('response.function_call_arguments')).length, 0);
    const item = doneItems(r.body).find((i) => i.type === 'custom_tool_call');
    assert.deepEqual({ ...item, call_id: undefined }, { type: 'custom_tool_call', id: added.item.id, call_id: undefined, name: 'apply_patch', input: expected, status: 'completed' });
  });

  it('sends a custom tool call and its output back upstream', async () => {
    const req = codexRequest('go', { tools: [...codexTools, applyPatch] });
    req.input.push(
      { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done!' },
    );
    const r = await responses(s, req);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const up = (await s.fake.last()).body;
    const call = up.messages[3].tool_calls[0];
    assert.equal(call.function.name, 'apply_patch');
    assert.deepEqual(JSON.parse(call.function.arguments), { input: '*** Begin Patch\n*** End Patch' });
    assert.deepEqual(up.messages[4], { role: 'tool', tool_call_id: 'call_p', content: 'Done!' });
  });

  it('seals reasoning into encrypted_content when asked, and reads it back on the next turn', async () => {
    const r = await responses(s, codexRequest('think fake: reasoning=2 tool=exec_command'));
    assert.equal(r.status, 200);
    const items = doneItems(r.body);
    const reasoning = items.find((i) => i.type === 'reasoning');
    assert.equal(typeof reasoning.encrypted_content, 'string');
    assert.ok(reasoning.encrypted_content.length > 0);
    const call = items.find((i) => i.type === 'function_call');
    // Codex sends reasoning back without its content (it skips reasoning_text) and without ID.
    const next = codexRequest('go');
    next.input.push(
      { type: 'reasoning', summary: [], encrypted_content: reasoning.encrypted_content },
      { type: 'function_call', name: call.name, arguments: call.arguments, call_id: call.call_id },
      { type: 'function_call_output', call_id: call.call_id, output: 'ok' },
    );
    const r2 = await responses(s, next);
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    const up = (await s.fake.last()).body;
    assert.equal(up.messages[3].reasoning_content, 'Let me think about this carefully.');
    assert.equal(up.messages[3].tool_calls[0].id, call.call_id);

    const notAsked = await responses(s, codexRequest('think fake: reasoning=2', { include: undefined }));
    assert.equal(doneItems(notAsked.body).find((i) => i.type === 'reasoning').encrypted_content, undefined);
  });

  it('ignores an encrypted_content it did not make', async () => {
    const req = codexRequest('go');
    req.input.push(
      { type: 'reasoning', summary: [], encrypted_content: 'gAAAAABo-opaque-blob-from-elsewhere' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'earlier answer' }] },
      { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and now?' }] },
    );
    const r = await responses(s, req);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const up = (await s.fake.last()).body;
    assert.deepEqual(up.messages.slice(3), [{ role: 'assistant', content: 'earlier answer' }, { role: 'user', content: 'and now?' }]);
  });

  it('refuses a tool_choice that forces a built-in tool, naming tool_choice', async () => {
    const r = await responses(s, codexRequest('hi', { tool_choice: { type: 'web_search' }, stream: false }));
    assert.equal(r.status, 400);
    assert.equal(r.body.error.param, 'tool_choice');
    assert.match(r.body.error.message, /web_search/);
    const custom = await responses(s, codexRequest('hi', { tools: [...codexTools, applyPatch], tool_choice: { type: 'custom', name: 'apply_patch' }, stream: false }));
    assert.equal(custom.status, 200);
    assert.deepEqual((await s.fake.last()).body.tool_choice, { type: 'function', function: { name: 'apply_patch' } });
  });

  it('sends no tools upstream when every tool is a built-in', async () => {
    const r = await responses(s, { model: 'glm-test', input: 'hi', tools: [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }], tool_choice: 'auto' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const up = (await s.fake.last()).body;
    assert.equal(up.tools, undefined);
    assert.equal(up.tool_choice, undefined);
  });
});
