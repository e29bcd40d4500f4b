// Token counts at the edges, on the OpenAI chat surface: output bounds that are not integers from
// 1 to 2^63-1 are a 400 naming the field (18446744073709551615 was once a 500, -1 once went
// upstream, where llama.cpp reads it as "unlimited"), and a stream whose upstream sends no usage
// tells a client that asked for usage the estimate it is charged.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chat, user, readSse, eventually } from '../lib/harness.mjs';

// glm-test at 1 USD per 1M input tokens and 2 USD per 1M output tokens.
const PRICED = [
  { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
    input_price_per_mtok: 1, output_price_per_mtok: 2 },
];

describe('tokens', () => {
  let s;
  before(async () => { s = await startStack({ config: { models: PRICED, extra: 'flush_interval_ms = 50' } }); });
  after(async () => { await s.stop(); });
  const usageRows = () => JSON.parse(s.gw.cli('usage', '--account', s.account.name, '--format', 'json'));

  it('refuses output bounds outside 1..2^63-1 with a 400 naming the field, never sent upstream', async () => {
    const before = (await s.fake.stats()).requests;
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      for (const bound of ['18446744073709551615', '9223372036854775808', '1e30', '-1', '0', '2.5']) {
        const body = `{"model":"glm-test","messages":[{"role":"user","content":"hi"}],"${field}":${bound}}`;
        const r = await chat(s, body);
        assert.equal(r.status, 400, `${field}: ${bound}`);
        const { error } = await r.json();
        assert.equal(error.type, 'invalid_request_error');
        assert.equal(error.param, field);
        assert.match(error.message, new RegExp(field));
      }
    }
    assert.equal((await s.fake.stats()).requests, before);
    // The largest that fits is taken, and capped at the model's limit.
    const r = await chat(s, '{"model":"glm-test","messages":[{"role":"user","content":"hi"}],"max_tokens":9223372036854775807}');
    assert.equal(r.status, 200);
    await r.json();
    assert.equal((await s.fake.last()).body.max_tokens, 4096);
  });

  it('tells a client that asked for usage the estimate it is charged when the upstream sends none', async () => {
    const r = await chat(s, { model: 'glm-test', stream: true, stream_options: { include_usage: true },
      messages: user('count me fake: chunks=5 reasoning=2 usage=0') });
    const { data } = await readSse(r);
    assert.equal(data.at(-1), '[DONE]');
    const usage = data.at(-2).usage;
    assert.deepEqual(data.at(-2).choices, []);
    const row = await eventually(() => usageRows().find((u) => u.estimated), { what: 'an estimated usage record' });
    assert.equal(usage.prompt_tokens, row.prompt_tokens);
    assert.equal(usage.completion_tokens, row.completion_tokens);
    assert.equal(usage.total_tokens, row.prompt_tokens + row.completion_tokens);
    assert.equal(row.cost_nano_usd, row.prompt_tokens * 1000 + row.completion_tokens * 2000);
  });

  // A non-streamed answer without usage was once free: nothing counted its characters.
  it('charges a non-streamed answer without usage an estimate, and tells the client', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('no usage fake: reasoning=2 text=a_longer_answer_than_usual usage=0') });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.choices[0].message.content, 'a longer answer than usual');
    const row = await eventually(() => usageRows().find((u) => u.request_id === r.headers.get('x-request-id')),
      { what: 'the usage record' });
    assert.equal(row.estimated, true);
    assert.ok(row.completion_tokens > 0 && row.prompt_tokens > 0, JSON.stringify(row));
    assert.equal(body.usage.prompt_tokens, row.prompt_tokens);
    assert.equal(body.usage.completion_tokens, row.completion_tokens);
    assert.equal(row.cost_nano_usd, row.prompt_tokens * 1000 + row.completion_tokens * 2000);
  });
});
