// An upstream that floods (fake flood=1: an endless answer whose reads never wait) cannot defeat
// the total timeout or the memory bounds: the call ends near total_timeout_ms, a stream stops
// after max_output_bytes with a mid-stream error (a non-streamed call with a 502), the call is
// refunded as any broken generation, and the gateway's resident memory comes back after several
// floods instead of keeping what it relayed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startStack, newAccount, chat, user, eventually, sleep } from '../lib/harness.mjs';

const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }];
const MiB = 1024 * 1024;

// Reads a response to its end, counting its bytes and keeping only the tail.
async function drain(response) {
  let bytes = 0;
  let tail = '';
  const decoder = new TextDecoder();
  for await (const piece of response.body) {
    bytes += piece.length;
    tail = (tail + decoder.decode(piece, { stream: true })).slice(-4096);
  }
  return { bytes, tail };
}

function pidOf(gw) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(gw.configPath)) return Number(entry);
    } catch { /* gone */ }
  }
  throw new Error('no glmgate process for this config');
}

const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1]);

describe('an upstream that floods: the total timeout', () => {
  let s;
  before(async () => {
    // A cap far above what 1.5 s of flood relays: the deadline must end it.
    s = await startStack({ config: { models: MODELS, provider: { total_timeout_ms: 1500, max_output_bytes: 4096 * MiB } } });
  });
  after(async () => { await s.stop(); });

  it('ends a never-waiting stream at the total timeout with a mid-stream error', async () => {
    const t0 = Date.now();
    const r = await chat(s, { model: 'glm-test', stream: true, messages: user('x fake: flood=1') });
    assert.equal(r.status, 200);
    const { tail } = await drain(r);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 1500 + 1500, `the stream ran ${elapsed} ms past a 1500 ms total timeout`);
    const last = tail.trim().split('\n\n').pop();
    assert.match(last, /"code":"upstream_timeout"/);
    assert.match(last, /total timeout/);
  });
});

describe('an upstream that floods: max_output_bytes', () => {
  let s;
  const cap = 4 * MiB;
  before(async () => {
    s = await startStack({
      config: { models: MODELS, provider: { max_output_bytes: cap }, extra: 'flush_interval_ms = 50' },
    });
  });
  after(async () => { await s.stop(); });

  it('stops relaying a stream at max_output_bytes with a clear error, and refunds it', async () => {
    const a = await newAccount(s.gw, { credits: '5' });
    const before = JSON.parse(s.gw.cli('credits', 'show', a.name, '--json')).balance_nano_usd;
    const t0 = Date.now();
    const r = await chat(s, { model: 'glm-test', stream: true, messages: user('x fake: flood=1') }, { key: a.key });
    assert.equal(r.status, 200);
    const { bytes, tail } = await drain(r);
    assert.ok(bytes > cap * 0.75 && bytes < cap * 1.25, `relayed ${bytes} bytes with a cap of ${cap}`);
    const last = tail.trim().split('\n\n').pop();
    assert.match(last, /"code":"upstream_output_too_large"/);
    assert.match(last, /max_output_bytes/);
    assert.ok(Date.now() - t0 < 10000);
    // Refunded as a generation the upstream broke: no charge, the usage row says 502.
    await eventually(() => JSON.parse(s.gw.cli('usage', '--account', a.name, '--format', 'json')).length === 1,
      { what: 'the usage record' });
    const [u] = JSON.parse(s.gw.cli('usage', '--account', a.name, '--format', 'json'));
    assert.equal(u.status, 502);
    assert.equal(u.cost_nano_usd, 0);
    assert.equal(JSON.parse(s.gw.cli('credits', 'show', a.name, '--json')).balance_nano_usd, before);
  });

  it('answers a non-streamed flood with a 502 before the first byte', async () => {
    const r = await chat(s, { model: 'glm-test', messages: user('x fake: flood=1') });
    assert.equal(r.status, 502);
    const e = (await r.json()).error;
    assert.equal(e.code, 'upstream_output_too_large');
    assert.match(e.message, /max_output_bytes/);
  });

  it('gives its memory back after several floods', async () => {
    const pid = pidOf(s.gw);
    const post = (path, body) => fetch(`${s.gw.url}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const flood = 'x fake: flood=1';
    // Two of each: a stored chat stream, a non-streamed chat, a Responses stream kept and not.
    const floods = () => [1, 2].flatMap(() => [
      post('/v1/chat/completions', { model: 'glm-test', stream: true, messages: user(flood) }).then(drain),
      post('/v1/chat/completions', { model: 'glm-test', messages: user(flood) }).then((r) => r.text()),
      post('/v1/responses', { model: 'glm-test', stream: true, store: false, input: flood }).then(drain),
      post('/v1/responses', { model: 'glm-test', stream: true, input: flood }).then(drain),
    ]);
    await Promise.all(floods());  // the first round sizes the allocator's pools and the store's cache
    await sleep(1500);  // the allocator's free pages go back once a second (main.cpp)
    const before = rssKiB(pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 20);
    try {
      for (let round = 0; round < 3; round++) await Promise.all(floods());
    } finally {
      clearInterval(sampler);
    }
    // The allocator's free pages go back once a second, 1 MiB a step (main.cpp), which a loaded
    // machine stretches: look for up to 5 s instead of once.
    const asan = readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');
    let after = rssKiB(pid);
    for (const until = Date.now() + 5000; Date.now() < until;) {
      await sleep(250);
      after = rssKiB(pid);
      if (!asan && after - before < (peak - before) / 2) break;
    }
    const grown = after - before;
    // The bound: tcmalloc keeps up to 16 MiB of free pages, SQLite's page cache is 16 MiB, and
    // the writer may still hold the last round's stored answers (four of the eight calls store,
    // at most a cap each, plus their encoding): 16 + 16 + 4 x 2 x 4 MiB = 64 MiB = 16 caps.
    // Without the cap and the deadline checks it grew by what was relayed (hundreds of MiB).
    // AddressSanitizer holds freed memory in a quarantine of up to 256 MiB (its default).
    const bound = 16 * cap + (asan ? 256 * MiB : 0);
    assert.ok(grown * 1024 < bound, `resident memory grew by ${grown} KiB over three rounds of floods`);
    // And it came back down: what the floods held at their peak was returned, not kept.
    if (!asan) {
      assert.ok(grown < (peak - before) / 2,
        `resident memory ${before} KiB before, ${peak} KiB at the peak, ${after} KiB after`);
    }
  });
});
