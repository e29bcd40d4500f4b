// `n`: an upstream that honours it (vLLM, SGLang) generates up to max_tokens for every choice,
// so the reservation counts them all: a balance that covers one completion but not n is refused
// with 402 before the upstream is called, and a call that passes never leaves the balance below
// the README's bound. `n` itself is an integer from 1 to 128.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, newAccount, chat, user, eventually } from '../lib/harness.mjs';

// $1 per 1,000 output tokens, $1 per 1M input tokens.
const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096, input_price_per_mtok: 1, output_price_per_mtok: 1000 }];
const shown = (s, name) => JSON.parse(s.gw.cli('credits', 'show', name, '--json'));

describe('n choices', () => {
  let s;
  before(async () => { s = await startStack({ config: { models: MODELS, extra: 'flush_interval_ms = 50' } }); });
  after(async () => { await s.stop(); });

  // fill=1: the fake reports max_tokens completion tokens for every choice, as a long answer would.
  const ask = (key, n, max_tokens, extra = {}) => chat(s, { model: 'glm-test', n, max_tokens, messages: user('x fake: fill=1'), ...extra }, { key });

  it('reserves n times the output bound: 402 where a single completion would pass', async () => {
    const a = await newAccount(s.gw, { credits: '2' });
    await s.fake.reset();
    for (const extra of [{}, { stream: true }]) {
      const r = await ask(a.key, 8, 1000, extra);
      assert.equal(r.status, 402, JSON.stringify(extra));
      assert.equal((await r.json()).error.code, 'insufficient_quota');
    }
    assert.equal((await s.fake.stats()).requests, 0, 'the upstream was never called');
    const one = await ask(a.key, 1, 1000);
    assert.equal(one.status, 200);
    await one.json();
    const after = await eventually(() => { const b = shown(s, a.name); return b.balance_nano_usd < 2e9 && b; });
    assert.ok(after.balance_nano_usd >= 0, `balance ${after.balance_usd}`);
  });

  it('charges every choice of a call that passes, never below the README bound', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const r = await ask(a.key, 8, 100);
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.choices.length, 8);
    assert.equal(body.usage.completion_tokens, 800);
    const b = await eventually(() => { const x = shown(s, a.name); return x.balance_nano_usd < 1e9 && x; });
    // The charge is the real usage; the fake counts fewer prompt tokens than bytes / 3, so the
    // README's bound for going below zero is 0 here.
    assert.equal(b.balance_nano_usd, 1e9 - 800 * 1e6 - body.usage.prompt_tokens * 1000);
    assert.ok(b.balance_nano_usd >= 0);
    const again = await ask(a.key, 8, 100);
    assert.equal(again.status, 402, 'what is left cannot cover eight more');
    assert.ok(shown(s, a.name).balance_nano_usd >= 0);
  });

  it('refuses an n that is not an integer from 1 to 128, naming it', async () => {
    for (const n of [0, -2, 129, 1.5, 'two']) {
      const r = await chat(s, { model: 'glm-test', n, messages: user('x') });
      assert.equal(r.status, 400, String(n));
      assert.equal((await r.json()).error.param, 'n', String(n));
    }
    const r = await chat(s, { model: 'glm-test', n: 3, messages: user('x') });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices.length, 3);
  });
});
