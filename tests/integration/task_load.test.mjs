// Background tasks under load and under a key's limits: a flood of tasks beyond task_concurrency
// never stalls the gateway (health, chat and polling answer meanwhile, every task ends charged
// once, SIGTERM still stops it), a task takes the key's requests-per-minute when it is queued,
// and a key's --max-concurrency holds for its tasks while they run (POST /v1/tasks and Responses'
// background: true alike).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, newAccount, chat, user, eventually, sleep } from '../lib/harness.mjs';

const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }];

const api = (s, method, path, body, key = s.key, signal = undefined) => fetch(`${s.gw.url}${path}`, {
  method,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
  signal,
}).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));

const task = (content) => ({ path: '/v1/chat/completions', body: { model: 'glm-test', messages: user(content) } });

// Polls every task until all have ended; returns the largest number seen in_progress at once.
// How many tasks were in progress together: the GETs of one round are not one snapshot (a task
// seen in progress may end, and the next start, before the round's next GET), so a task counts
// as running beside another only when two rounds in a row see both in progress (they run 300 ms;
// rounds are 30 ms apart).
function overlap() {
  let before = new Set();
  let most = 0;
  return {
    see(ids, statuses) {
      const now = new Set(ids.filter((_, i) => statuses[i] === 'in_progress'));
      most = Math.max(most, [...now].filter((id) => before.has(id)).length);
      before = now;
    },
    get most() { return most; },
  };
}

async function watch(s, ids, key, { timeoutMs = 30000 } = {}) {
  const running = overlap();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(ids.map((id) => api(s, 'GET', `/v1/tasks/${id}`, undefined, key)));
    const statuses = all.map((t) => t.body.status);
    running.see(ids, statuses);
    const most = running.most;
    if (statuses.every((x) => x === 'completed' || x === 'failed' || x === 'cancelled')) return { most, tasks: all.map((t) => t.body) };
    if (Date.now() > until) throw new Error(`tasks did not end: ${JSON.stringify(statuses)}`);
    await sleep(30);
  }
}

describe('a flood of tasks', () => {
  it('keeps the gateway answering, runs every task, charges each once and stops on SIGTERM', async () => {
    const s = await startStack({ config: { models: MODELS, extra: 'task_concurrency = 16\nflush_interval_ms = 50' } });
    let stopped = false;
    try {
      const submitted = await Promise.all(Array.from({ length: 40 }, (_, i) =>
        api(s, 'POST', '/v1/tasks', task(`task ${i} fake: head_delay_ms=250`))));
      for (const t of submitted) assert.equal(t.status, 200, JSON.stringify(t.body));
      const ids = submitted.map((t) => t.body.id);

      // While the queue drains: every probe answers within a second.
      const probes = (async () => {
        for (let i = 0; i < 6; i++) {
          const t0 = Date.now();
          const h = await fetch(`${s.gw.url}/healthz`, { signal: AbortSignal.timeout(1000) });
          assert.equal(h.status, 200);
          const c = await chat(s, { model: 'glm-test', messages: user('probe') }, { signal: AbortSignal.timeout(1000) });
          assert.equal(c.status, 200);
          await c.json();
          assert.ok(Date.now() - t0 < 1000, `probe ${i} took ${Date.now() - t0} ms`);
          await sleep(100);
        }
      })();
      const { tasks } = await watch(s, ids, s.key);
      await probes;
      for (const t of tasks) assert.equal(t.status, 'completed', JSON.stringify(t));

      const t0 = Date.now();
      await s.gw.stop({ keep: true });  // SIGTERM; asserts exit code 0
      stopped = true;
      assert.ok(Date.now() - t0 < 5000, `stopping took ${Date.now() - t0} ms`);
      const ledger = JSON.parse(s.gw.cli('ledger', 'test', '--json'));
      for (const id of ids)
        assert.equal(ledger.filter((e) => e.kind === 'charge' && e.request_id === id).length, 1, id);
      const shown = JSON.parse(s.gw.cli('credits', 'show', 'test', '--json'));
      assert.equal(shown.balance_nano_usd, ledger.reduce((sum, e) => sum + e.amount_nano_usd, 0));
    } finally {
      if (!stopped) await s.gw.stop().catch(() => {});
      await s.fake.stop();
    }
  });
});

describe('a key\'s limits and its tasks', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { models: MODELS, extra: 'task_concurrency = 16' } });
  });
  after(async () => { await s.stop(); });

  it('takes the key\'s requests per minute when a task is queued, and queues nothing over it', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '2'] });
    const before = JSON.parse(s.gw.cli('credits', 'show', a.name, '--json')).balance_nano_usd;
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await api(s, 'POST', '/v1/tasks', task(`rpm ${i}`), a.key));
    const queued = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.ok(queued.length >= 1 && queued.length <= 2, `queued ${queued.length} of 12 at rpm 2`);
    assert.equal(queued.length + refused.length, 12);
    for (const r of refused) {
      assert.equal(r.body.error.code, 'rate_limit_exceeded');
      assert.equal(r.body.error.type, 'rate_limit_error');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '2');
    }
    // The refused ones were never queued or charged; the queued ones ran and were charged.
    await watch(s, queued.map((r) => r.body.id), a.key);
    const ledger = JSON.parse(s.gw.cli('ledger', a.name, '--json'));
    await eventually(() => JSON.parse(s.gw.cli('ledger', a.name, '--json')).filter((e) => e.kind === 'charge').length === queued.length,
      { what: 'one charge per queued task' });
    assert.ok(ledger.every((e) => e.kind !== 'charge' || queued.some((q) => q.body.id === e.request_id)));
    assert.ok(JSON.parse(s.gw.cli('credits', 'show', a.name, '--json')).balance_nano_usd < before);
    // A chat request right after is refused as well: the tasks used the key's budget.
    assert.equal((await chat(s, { model: 'glm-test', messages: user('x') }, { key: a.key })).status, 429);
  });

  it('runs a key\'s tasks no more at once than its --max-concurrency', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '100000', '--max-concurrency', '1'] });
    const t0 = Date.now();
    const submitted = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      api(s, 'POST', '/v1/tasks', task(`mc ${i} fake: head_delay_ms=700`), a.key)));
    for (const t of submitted) assert.equal(t.status, 200, JSON.stringify(t.body));
    // Another key's tasks are not held up behind them: its one 300 ms task ends long before the
    // six 700 ms ones, one at a time, can (a claim round and a loaded sanitizer build take some
    // of that lead; 300 ms ones left too little of it once in CI).
    const b = await newAccount(s.gw, { keyArgs: ['--rpm', '100000'] });
    const other = await api(s, 'POST', '/v1/tasks', task('other fake: head_delay_ms=300'), b.key);
    const watching = watch(s, submitted.map((t) => t.body.id), a.key);
    await eventually(async () => (await api(s, 'GET', `/v1/tasks/${other.body.id}`, undefined, b.key)).body.status === 'completed',
      { what: 'the other key\'s task', timeoutMs: 10000 });
    const mine = await Promise.all(submitted.map((t) => api(s, 'GET', `/v1/tasks/${t.body.id}`, undefined, a.key)));
    assert.ok(mine.filter((t) => t.body.status === 'completed').length < 6, 'the other key\'s task did not wait for all six');
    const { most, tasks } = await watching;
    const elapsed = Date.now() - t0;
    for (const t of tasks) assert.equal(t.status, 'completed');
    assert.equal(most, 1, 'never more than one of the key\'s tasks in progress');
    assert.ok(elapsed >= 6 * 700, `six 700 ms tasks one at a time took only ${elapsed} ms`);
  });

  it('holds --max-concurrency for Responses background runs too', async () => {
    const a = await newAccount(s.gw, { keyArgs: ['--rpm', '100000', '--max-concurrency', '1'] });
    const t0 = Date.now();
    const started = await Promise.all(Array.from({ length: 4 }, (_, i) =>
      api(s, 'POST', '/v1/responses', { model: 'glm-test', background: true, input: `bg ${i} fake: head_delay_ms=300` }, a.key)));
    for (const r of started) assert.equal(r.status, 200, JSON.stringify(r.body));
    const running = overlap();
    const ids = started.map((r) => r.body.id);
    await eventually(async () => {
      const all = await Promise.all(ids.map((id) => api(s, 'GET', `/v1/responses/${id}`, undefined, a.key)));
      running.see(ids, all.map((x) => x.body.status));
      return all.every((x) => x.body.status === 'completed');
    }, { timeoutMs: 15000, what: 'the background responses to complete' });
    assert.equal(running.most, 1);
    assert.ok(Date.now() - t0 >= 4 * 300);
  });
});
