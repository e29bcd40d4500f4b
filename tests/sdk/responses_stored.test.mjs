// The official `openai` SDK on stored outputs: responses.retrieve / delete, chat.completions.retrieve,
// a function tool over two turns joined by previous_response_id, background responses polled to
// the end and cancelled, store: false, outputs of the Anthropic surface, and the 404 every other
// account's key gets.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, newAccount, eventually, admin } from '../lib/harness.mjs';

describe('openai SDK: stored responses, previous_response_id, background', () => {
  let s;
  let client;
  let other;  // a key of another account
  before(async () => {
    s = await startStack({ config: { extra: 'task_concurrency = 4', models: [{
      id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
      input_price_per_mtok: 1, output_price_per_mtok: 2 }] } });
    client = new OpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const acct = await newAccount(s.gw, { name: 'other' });
    other = new OpenAI({ apiKey: acct.key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => { await s.stop(); });

  // The running server's live figures (the store's lag the writer's commit interval).
  const balance = async () => (await admin(s.gw, 'GET', 'accounts/test')).body;

  it('retrieves a response right after creating it, and a streamed one alike', async () => {
    const created = await client.responses.create({ model: 'glm-test', input: 'x fake: reasoning=1', metadata: { run: 'a' } });
    const got = await client.responses.retrieve(created.id);
    assert.equal(got.id, created.id);
    assert.equal(got.status, 'completed');
    assert.equal(got.output_text, created.output_text);
    assert.deepEqual(got.output.map((o) => o.id), created.output.map((o) => o.id));
    assert.deepEqual(got.metadata, { run: 'a' });
    assert.deepEqual(got.usage, created.usage);

    const stream = client.responses.stream({ model: 'glm-test', input: 'y fake: chunks=4' });
    const final = await stream.finalResponse();
    const again = await client.responses.retrieve(final.id);
    assert.equal(again.output_text, 'Hello from the fake provider.');
    assert.deepEqual(again.output.map((o) => o.id), final.output.map((o) => o.id));
    assert.equal(again.usage.output_tokens, final.usage.output_tokens);
  });

  it('continues a function call over two turns with previous_response_id', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const first = await client.responses.create({
      model: 'glm-test', instructions: 'Use tools.', input: 'weather in Paris? fake: tool=get_weather', tools,
    });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    const second = await client.responses.create({
      model: 'glm-test', instructions: 'Use tools.', tools, previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18C' }],
    });
    assert.equal(second.output_text, 'Hello from the fake provider.');
    assert.equal(second.previous_response_id, first.id);
    const messages = (await s.fake.last()).body.messages;
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool']);
    assert.equal(messages[0].content, 'Use tools.');  // this turn's instructions, once
    assert.equal(messages[1].content, 'weather in Paris? fake: tool=get_weather');
    assert.equal(messages[2].tool_calls[0].id, call.call_id);
    assert.equal(messages[2].tool_calls[0].function.arguments, call.arguments);
    assert.deepEqual(messages[3], { role: 'tool', tool_call_id: call.call_id, content: '18C' });

    // A third turn sees the whole chain.
    await client.responses.create({ model: 'glm-test', previous_response_id: second.id, input: 'thanks' });
    const third = (await s.fake.last()).body.messages;
    assert.deepEqual(third.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant', 'user']);
    assert.equal(third[3].content, 'Hello from the fake provider.');
  });

  it('refuses an unknown previous_response_id with a 400 naming the parameter', async () => {
    await assert.rejects(client.responses.create({ model: 'glm-test', input: 'x', previous_response_id: 'resp_unknown' }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'previous_response_id');
  });

  it('deletes a response; it is gone afterwards', async () => {
    const r = await client.responses.create({ model: 'glm-test', input: 'to delete' });
    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(client.responses.delete(r.id), (e) => e instanceof OpenAI.NotFoundError);
  });

  it('keeps nothing when store is false', async () => {
    const r = await client.responses.create({ model: 'glm-test', input: 'private', store: false });
    assert.equal(r.store, false);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
  });

  it('retrieves chat completions, streamed and not, by their ID', async () => {
    const c = await client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi fake: tool=lookup' }] });
    const got = await client.chat.completions.retrieve(c.id);
    assert.deepEqual(got.choices[0].message.tool_calls, c.choices[0].message.tool_calls);
    assert.deepEqual(got.usage, c.usage);

    const stream = await client.chat.completions.create({ model: 'glm-test', stream: true, messages: [{ role: 'user', content: 'hi fake: chunks=5 reasoning=1' }] });
    let id;
    let text = '';
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    const stored = await client.chat.completions.retrieve(id);
    assert.equal(stored.id, id);
    assert.equal(stored.choices[0].message.content, text);
    assert.equal(stored.choices[0].message.reasoning_content, 'Let me think about this carefully.');
    assert.equal(stored.choices[0].finish_reason, 'stop');
  });

  it('stores what the Anthropic surface answered under its message ID', async () => {
    const r = await fetch(`${s.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': s.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm-test', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const msg = await r.json();
    assert.match(msg.id, /^msg_/);
    const stored = await client.chat.completions.retrieve(msg.id);
    assert.equal(stored.choices[0].message.content, msg.content[0].text);
  });

  it('answers 404 to another account, exactly as for an unknown ID', async () => {
    const r = await client.responses.create({ model: 'glm-test', input: 'mine' });
    const c = await client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'mine' }] });
    const unknown = await assert.rejects(other.responses.retrieve('resp_doesnotexist'), (e) => e instanceof OpenAI.NotFoundError).then(() => null);
    void unknown;
    await assert.rejects(other.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
    await assert.rejects(other.responses.delete(r.id), (e) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(other.chat.completions.retrieve(c.id), (e) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(other.responses.create({ model: 'glm-test', input: 'x', previous_response_id: r.id }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'previous_response_id');
    assert.equal((await client.responses.retrieve(r.id)).id, r.id);  // still there for its owner
  });

  it('runs a background response: queued, then polled to completed', async () => {
    const r = await client.responses.create({ model: 'glm-test', input: 'slow fake: head_delay_ms=400', background: true });
    assert.equal(r.status, 'queued');
    assert.equal(r.background, true);
    const seen = new Set([r.status]);
    const done = await eventually(async () => {
      const got = await client.responses.retrieve(r.id);
      seen.add(got.status);
      return got.status === 'completed' ? got : null;
    }, { what: 'the background response to complete' });
    assert.ok(seen.has('in_progress'), [...seen].join(','));
    assert.equal(done.output_text, 'Hello from the fake provider.');
    assert.ok(done.usage.output_tokens > 0);
  });

  it('cancels a running background response and releases its reservation', async () => {
    const before = await balance();
    const r = await client.responses.create({ model: 'glm-test', input: 'long fake: head_delay_ms=5000', background: true, max_output_tokens: 1000 });
    await eventually(async () => (await client.responses.retrieve(r.id)).status === 'in_progress', { what: 'in_progress' });
    await eventually(async () => (await balance()).reserved_usd !== '0.000000000', { what: 'the reservation held' });
    const cancelled = await client.responses.cancel(r.id);
    assert.equal(cancelled.status, 'cancelled');
    await eventually(async () => (await client.responses.retrieve(r.id)).status === 'cancelled', { what: 'cancelled' });
    await eventually(async () => (await balance()).reserved_usd === '0.000000000', { what: 'the reservation released' });
    assert.equal((await balance()).balance_usd, before.balance_usd);  // nothing charged for it
    await assert.rejects(client.responses.cancel(r.id).then(() => client.responses.create({
      model: 'glm-test', input: 'x', background: true, stream: true })), (e) => e instanceof OpenAI.BadRequestError && e.param === 'stream');
  });
});
