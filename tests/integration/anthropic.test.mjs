// The Anthropic Messages surface on the wire: x-api-key auth, the exact event framing, ping while
// the upstream is silent, what Claude Code sends (adaptive thinking shown as "omitted", a system
// entry among the messages, server tools beside its own), the tokens a stream without upstream
// usage reports, and bad input answered in Anthropic's error shape, never charged.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from '../lib/harness.mjs';

// glm-test at 1 USD per 1M input tokens and 2 USD per 1M output tokens.
const PRICED = [
  { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
    input_price_per_mtok: 1, output_price_per_mtok: 2 },
  { id: 'no-tools', upstream_model: 'fake-plain', tools: false },
];

// The shape of Claude Code 2.1's first request of a session (texts shortened; the fake provider
// takes its directive from the last message, here the system entry).
const environment = '# Environment\nlinux';
const claudeCode = (extra = {}) => ({
  model: 'glm-test',
  messages: [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>\nbe nice\n</system-reminder>' }, { type: 'text', text: 'say hi fake: reasoning=3 tool=Bash' }] },
    { role: 'system', content: [{ type: 'text', text: environment, cache_control: { type: 'ephemeral' } }] },
  ],
  system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2' },
    { type: 'text', text: 'You are a Claude agent', cache_control: { type: 'ephemeral' } }],
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
    { name: 'DeferredToolPlaceholder', description: 'later', input_schema: { type: 'object' }, defer_loading: true },
  ],
  metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
  max_tokens: 32000,
  thinking: { type: 'adaptive', display: 'omitted' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  output_config: { effort: 'high' },
  stream: true,
  ...extra,
});
const claudeHeaders = {
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
};

function messages(s, body, { key = s.key, headers = {}, path = '/v1/messages' } = {}) {
  return fetch(`${s.gw.url}${path}`, {
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
  before(async () => {
    s = await startStack({ config: { models: PRICED, extra: 'stream_ping_interval_ms = 100\nflush_interval_ms = 50' } });
  });
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

  it('accepts what Claude Code sends, thinking on, and sends thinking blocks without their text', async () => {
    const r = await messages(s, claudeCode(), { path: '/v1/messages?beta=true', headers: claudeHeaders });
    assert.equal(r.status, 200, await r.clone().text());
    const list = events(await r.text());
    const upstream = (await s.fake.last()).body;
    // adaptive thinking is GLM's thinking on; the system entry stays where Claude Code put it;
    // the server tool is left out, the custom tools go through; the rest is not forwarded.
    assert.deepEqual(upstream.thinking, { type: 'enabled' });
    assert.deepEqual(upstream.messages.map((m) => m.role), ['system', 'user', 'system']);
    assert.equal(upstream.messages[2].content, environment);
    assert.deepEqual(upstream.tools.map((t) => t.function.name), ['Bash', 'DeferredToolPlaceholder']);
    for (const field of ['context_management', 'output_config', 'metadata'])
      assert.equal(upstream[field], undefined, field);
    // display "omitted": a thinking block with empty text, its signature carrying the reasoning.
    const start = list.find((e) => e.event === 'content_block_start' && e.data.content_block.type === 'thinking');
    assert.ok(start, 'a thinking block');
    assert.equal(start.data.content_block.thinking, '');
    const deltas = list.filter((e) => e.event === 'content_block_delta' && e.data.index === start.data.index);
    assert.deepEqual(deltas.map((e) => e.data.delta.type), ['signature_delta']);
    const signature = deltas[0].data.delta.signature;
    assert.ok(signature.length > 0);
    assert.ok(!list.some((e) => e.data.delta?.type === 'thinking_delta'));
    const tool = list.find((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use');
    assert.equal(tool.data.content_block.name, 'Bash');

    // The next turn sends the block back as it came: GLM gets its reasoning again.
    const next = claudeCode({ messages: [
      ...claudeCode().messages,
      { role: 'assistant', content: [
        { type: 'thinking', thinking: '', signature },
        { type: 'tool_use', id: tool.data.content_block.id, name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: tool.data.content_block.id, content: 'a.txt' }] },
    ] });
    const r2 = await messages(s, next, { path: '/v1/messages?beta=true', headers: claudeHeaders });
    assert.equal(r2.status, 200);
    await r2.text();
    const assistant = (await s.fake.last()).body.messages.find((m) => m.role === 'assistant');
    assert.equal(assistant.reasoning_content, 'Let me think about this carefully.');
  });

  it('shows thinking text when display is not "omitted"', async () => {
    const r = await messages(s, { model: 'glm-test', max_tokens: 100, thinking: { type: 'adaptive' },
      messages: [{ role: 'user', content: 'hi fake: reasoning=2' }] });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.deepEqual(body.content[0], { type: 'thinking', thinking: 'Let me think about this carefully.', signature: '' });
  });

  it('refuses unknown thinking types and bad output bounds, in Anthropic\'s shape, uncharged', async () => {
    const before = (await s.fake.stats()).requests;
    const ask = [{ role: 'user', content: 'x' }];
    const cases = [
      [{ model: 'glm-test', max_tokens: 5, thinking: { type: 'sometimes' }, messages: ask }, 'thinking.type'],
      [{ model: 'glm-test', max_tokens: '18446744073709551615', messages: ask }, 'max_tokens'],
      ['{"model":"glm-test","max_tokens":18446744073709551615,"messages":[{"role":"user","content":"x"}]}', 'max_tokens'],
      ['{"model":"glm-test","max_tokens":1e30,"messages":[{"role":"user","content":"x"}]}', 'max_tokens'],
      [{ model: 'glm-test', max_tokens: -1, messages: ask }, 'max_tokens'],
      [{ model: 'glm-test', max_tokens: 0, messages: ask }, 'max_tokens'],
    ];
    for (const [body, field] of cases) {
      const r = await messages(s, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = await r.json();
      assert.equal(e.error.type, 'invalid_request_error');
      assert.match(e.error.message, new RegExp(field.replace('.', '\\.')));
    }
    assert.equal((await s.fake.stats()).requests, before);
  });

  it('reports the tokens it charges when the upstream sends no usage', async () => {
    const r = await messages(s, { model: 'glm-test', max_tokens: 100, stream: true,
      messages: [{ role: 'user', content: 'count me fake: chunks=4 reasoning=2 usage=0' }] });
    const list = events(await r.text());
    const start = list.find((e) => e.event === 'message_start').data.message.usage;
    const end = list.find((e) => e.event === 'message_delta').data.usage;
    const row = await eventually(() => JSON.parse(s.gw.cli('usage', '--account', s.account.name, '--format', 'json'))
      .find((u) => u.estimated), { what: 'an estimated usage record' });
    assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0);
    assert.equal(start.input_tokens, row.prompt_tokens);
    assert.equal(end.input_tokens, row.prompt_tokens);
    assert.equal(end.output_tokens, row.completion_tokens);
    assert.equal(row.cost_nano_usd, row.prompt_tokens * 1000 + row.completion_tokens * 2000);
  });
});
