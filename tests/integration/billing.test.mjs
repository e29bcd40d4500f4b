// Prepaid credits through the real binary: the charge is the real usage at the model's prices,
// 402 before the upstream is called, full refunds of failed generations, charges for abandoned
// streams and estimates for streams without usage, free calls, the ledger and usage reports, and
// hundreds of parallel requests that never overspend a small balance.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startGateway, fakeConfig, newAccount, chat, user, readSse, eventually, sleep, cancelledStats, reachedUpstream } from '../lib/harness.mjs';

// 1 USD / 0.5 USD / 2 USD per 1M tokens: 1000, 500 and 2000 nano-USD per token.
const PRICED = [
  {
    id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
    input_price_per_mtok: 1, cached_input_price_per_mtok: 0.5, output_price_per_mtok: 2,
  },
];
const nano = (usage) => {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return (usage.prompt_tokens - cached) * 1000 + cached * 500 + usage.completion_tokens * 2000;
};

const ledger = (gw, account) => JSON.parse(gw.cli('ledger', account, '--json'));
const balance = (gw, account) => JSON.parse(gw.cli('credits', 'show', account, '--json'));
const usageRows = (gw, account) => JSON.parse(gw.cli('usage', '--account', account, '--format', 'json'));
const charges = (rows) => rows.filter((r) => r.kind === 'charge');

describe('billing', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { models: PRICED, extra: 'flush_interval_ms = 50' } });
  });
  after(async () => { await s.stop(); });

  it('charges the real usage at the model prices, cached input at its own price', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const r = await chat(s, { model: 'glm-test', messages: user('hello there fake: cached=3') }, { key: a.key });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.usage.prompt_tokens_details.cached_tokens, 3);
    const cost = nano(body.usage);
    const rows = await eventually(() => { const c = charges(ledger(s.gw, a.name)); return c.length ? c : null; });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].amount_nano_usd, -cost);
    assert.equal(rows[0].request_id, r.headers.get('x-request-id'));
    const b = balance(s.gw, a.name);
    assert.equal(b.account, a.name);
    assert.equal(b.balance_nano_usd, 1e9 - cost);
    assert.equal(b.balance_usd, ((1e9 - cost) / 1e9).toFixed(9));
    assert.equal(b.reserved_usd, '0.000000000');
    const [u] = usageRows(s.gw, a.name);
    assert.equal(u.status, 200);
    assert.equal(u.model, 'glm-test');
    assert.equal(u.provider, 'fake');
    assert.equal(u.surface, 'openai');
    assert.equal(u.key_id, a.keyId);
    assert.equal(u.prompt_tokens, body.usage.prompt_tokens);
    assert.equal(u.cached_tokens, 3);
    assert.equal(u.completion_tokens, body.usage.completion_tokens);
    assert.equal(u.reasoning_tokens, body.usage.completion_tokens_details?.reasoning_tokens ?? 0);
    assert.equal(u.cost_nano_usd, cost);
    assert.equal(u.estimated, false);
    assert.ok(u.latency_ms > 0 && u.ttft_ms > 0);
  });

  it('answers 402 insufficient_quota and never calls the upstream when the balance is short', async () => {
    const a = await newAccount(s.gw, { credits: '0.001' });
    const before = (await s.fake.stats()).requests;
    // Up to 4096 output tokens at 2000 nano each is 0.008 USD: more than the balance.
    const r = await chat(s, { model: 'glm-test', messages: user('hi'), max_tokens: 4096 }, { key: a.key });
    assert.equal(r.status, 402);
    const body = await r.json();
    assert.equal(body.error.code, 'insufficient_quota');
    assert.equal(body.error.type, 'insufficient_quota');
    assert.equal((await s.fake.stats()).requests, before);
    // A smaller max_tokens fits.
    const ok = await chat(s, { model: 'glm-test', messages: user('hi'), max_tokens: 100 }, { key: a.key });
    assert.equal(ok.status, 200);
    await ok.json();
  });

  it('refunds a failed generation in full and records it at cost 0', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const r = await chat(s, { model: 'glm-test', messages: user('fake: status=500') }, { key: a.key });
    assert.equal(r.status, 502);
    await r.json();
    const st = await chat(s, { model: 'glm-test', stream: true, messages: user('fake: chunks=4 reset_after=2') }, { key: a.key });
    await readSse(st);
    const rows = await eventually(() => { const u = usageRows(s.gw, a.name); return u.length === 2 ? u : null; });
    assert.deepEqual(rows.map((u) => u.cost_nano_usd), [0, 0]);
    assert.equal(charges(ledger(s.gw, a.name)).length, 0);
    const b = balance(s.gw, a.name);
    assert.equal(b.balance_nano_usd, 1e9);
    assert.equal(b.reserved_nano_usd, 0);
  });

  it('charges a stream the client abandons for the prompt and what was generated', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const ctl = new AbortController();
    const r = await chat(s, { model: 'glm-test', stream: true, messages: user('fake: chunks=100 delay_ms=30 usage=0') },
      { key: a.key, signal: ctl.signal });
    const reader = r.body.getReader();
    let seen = 0;
    while (seen < 5) { const { value } = await reader.read(); seen += (new TextDecoder().decode(value).match(/data:/g) ?? []).length; }
    ctl.abort();
    const [u] = await eventually(() => { const rows = usageRows(s.gw, a.name); return rows.length ? rows : null; });
    assert.equal(u.status, 499);
    assert.equal(u.estimated, true);
    assert.ok(u.prompt_tokens > 0 && u.completion_tokens > 0, JSON.stringify(u));
    assert.ok(u.cost_nano_usd > 0);
    const [c] = await eventually(() => { const c = charges(ledger(s.gw, a.name)); return c.length ? c : null; });
    assert.equal(c.amount_nano_usd, -u.cost_nano_usd);
  });

  it('cancels a non-streamed call the client abandons, and charges nothing for it', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    await s.fake.reset();
    const ctl = new AbortController();
    const pending = chat(s, { model: 'glm-test', messages: user('fake: head_delay_ms=5000') },
      { key: a.key, signal: ctl.signal }).catch((e) => e);
    await reachedUpstream(s.fake);  // abandoned once the call is upstream
    ctl.abort();
    assert.equal((await pending).name, 'AbortError');
    const [u] = await eventually(() => { const rows = usageRows(s.gw, a.name); return rows.length ? rows : null; });
    assert.equal(u.status, 499);
    assert.equal(u.cost_nano_usd, 0);
    const stats = await cancelledStats(s.fake, 30);
    assert.equal(stats.streams_cancelled, 1, 'the fake saw glmgate give up the call long before its 5 s');
    assert.equal(charges(ledger(s.gw, a.name)).length, 0);
    const b = balance(s.gw, a.name);
    assert.equal(b.balance_nano_usd, 1e9);
    assert.equal(b.reserved_nano_usd, 0);
  });

  it('charges an estimate for a stream that ends without usage, and says so', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    const r = await chat(s, { model: 'glm-test', stream: true, messages: user('fake: chunks=6 usage=0') }, { key: a.key });
    const { data } = await readSse(r);
    assert.equal(data.at(-1), '[DONE]');
    const [u] = await eventually(() => { const rows = usageRows(s.gw, a.name); return rows.length ? rows : null; });
    assert.equal(u.status, 200);
    assert.equal(u.estimated, true);
    assert.ok(u.cost_nano_usd > 0);
    assert.equal(u.cost_nano_usd, u.prompt_tokens * 1000 + u.completion_tokens * 2000);
  });

  it('never overspends a small balance under hundreds of parallel requests', async () => {
    // Each call reserves about 0.0002 USD (max_tokens 100) and costs far less: with 0.002 USD
    // the account can hold about ten reservations at once, so most of the 300 calls are refused.
    const a = await newAccount(s.gw, { credits: '0.002' });
    const body = { model: 'glm-test', messages: user('spend fake: delay_ms=5'), max_tokens: 100 };
    const results = await Promise.all(Array.from({ length: 300 }, async () => {
      const r = await chat(s, body, { key: a.key });
      return { status: r.status, body: await r.json() };
    }));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    assert.equal(ok.length + refused.length, 300);
    assert.ok(ok.length > 0 && refused.length > 0, `ok ${ok.length}, refused ${refused.length}`);
    const spent = ok.reduce((sum, r) => sum + nano(r.body.usage), 0);
    const rows = await eventually(() => { const c = charges(ledger(s.gw, a.name)); return c.length === ok.length ? c : null; },
      { what: 'one charge per answered call' });
    assert.equal(new Set(rows.map((c) => c.request_id)).size, ok.length);
    assert.equal(rows.reduce((sum, c) => sum - c.amount_nano_usd, 0), spent);
    const b = balance(s.gw, a.name);
    assert.equal(b.balance_nano_usd, 2_000_000 - spent);
    assert.ok(b.balance_nano_usd >= 0);
    assert.equal(b.balance_nano_usd, ledger(s.gw, a.name).reduce((sum, e) => sum + e.amount_nano_usd, 0));
    assert.equal(b.reserved_nano_usd, 0);
  });

  it('reports usage grouped by model and day, as CSV and JSON', async () => {
    const a = await newAccount(s.gw, { credits: '1' });
    for (let i = 0; i < 3; i++) { const r = await chat(s, { model: 'glm-test', messages: user('hi') }, { key: a.key }); await r.json(); }
    await eventually(() => usageRows(s.gw, a.name).length === 3);
    const grouped = JSON.parse(s.gw.cli('usage', '--account', a.name, '--group-by', 'model,day', '--format', 'json'));
    assert.equal(grouped.length, 1);
    assert.equal(grouped[0].model, 'glm-test');
    assert.equal(grouped[0].requests, 3);
    assert.match(grouped[0].day, /^\d{4}-\d{2}-\d{2}$/);
    const csv = s.gw.cli('usage', '--account', a.name, '--format', 'csv', '--since', '1h').trim().split('\n');
    assert.equal(csv.length, 4);
    assert.match(csv[0], /^time,request_id,/);
    const table = s.gw.cli('usage', '--account', a.name, '--group-by', 'model');
    assert.match(table, /glm-test\s+3\s/);
  });

  it('rejects unreadable amounts and unknown accounts on the command line', async () => {
    assert.throws(() => s.gw.cli('credits', 'grant', 'test', '1.2.3'), /not an amount/);
    assert.throws(() => s.gw.cli('credits', 'grant', 'nobody', '5'), /no account/);
    assert.throws(() => s.gw.cli('keys', 'create', '--name', 'orphan'), /needs an account/);
  });
});

describe('free calls', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { models: PRICED, extra: 'flush_interval_ms = 50\nfree_calls_per_model = 2' }, credits: '0' });
  });
  after(async () => { await s.stop(); });

  it('records the first calls per model at cost 0, then bills', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await chat(s, { model: 'glm-test', messages: user('hi') });
      assert.equal(r.status, 200);
      await r.json();
    }
    const third = await chat(s, { model: 'glm-test', messages: user('hi') });
    assert.equal(third.status, 402);
    await third.json();
    const rows = await eventually(() => { const u = usageRows(s.gw, 'test'); return u.length === 3 ? u : null; });
    // Records are written as calls finish, which need not be the order their answers arrived in.
    assert.deepEqual(rows.map((u) => [u.status, u.free, u.cost_nano_usd]).sort(),
      [[200, true, 0], [200, true, 0], [402, false, 0]]);
    assert.equal(ledger(s.gw, 'test').length, 0);
  });

  it('counts free calls across a restart', async () => {
    await sleep(100);  // the writer's interval: the free calls are on disk
    await s.gw.stop({ keep: true });
    const gw = await startGateway(fakeConfig({ baseUrl: `${s.fake.url}/v1`, models: PRICED, extra: 'free_calls_per_model = 2' }), { dir: s.gw.dir });
    try {
      const r = await chat({ gw }, { model: 'glm-test', messages: user('hi') }, { key: s.key });
      assert.equal(r.status, 402);
      await r.json();
    } finally {
      s.gw = gw;
    }
  });
});
