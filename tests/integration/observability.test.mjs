// Active health checks and OTLP traces through the real binary: with health_check_interval_ms a
// deployment that goes down is set aside by a check before any user's call meets it, and taken
// back by a check once it answers again; with otlp_endpoint every call sends a server span and a
// client span per upstream attempt to the collector (an HTTP server of the test's own), in the
// client's trace when it sent a traceparent, and the upstream is told the attempt's span.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startFake, startGateway, newAccount, chat, user, eventually, admin } from '../lib/harness.mjs';

// A stand-in OTLP/HTTP collector: keeps the spans of every POST to /v1/traces.
async function startCollector() {
  const spans = [];
  const posts = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      posts.push({ path: req.url, type: req.headers['content-type'] });
      const doc = JSON.parse(body);
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, spans, posts, stop: () => new Promise((r) => server.close(r)) };
}

const attr = (span, key) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v && (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue));
};

function config(f, extra) {
  const provider = (name, fake) => ['[[providers]]', `name = "${name}"`, `base_url = "${fake.url}/v1"`, ''];
  return [
    ...extra,
    ...provider('a', f.a),
    ...provider('b', f.b),
    '[[models]]', 'id = "routed"',
    '  [[models.deployments]]', '  provider = "a"', '  upstream_model = "up-a"',
    '  [[models.deployments]]', '  provider = "b"', '  upstream_model = "up-b"',
    '',
  ].join('\n');
}

describe('active health checks', () => {
  const f = {};
  let gw;
  let acct;
  before(async () => {
    f.a = await startFake();
    f.b = await startFake();
    gw = await startGateway(config(f, ['health_check_interval_ms = 300', 'breaker_cooldown_ms = 5000']));
    acct = await newAccount(gw);
  });
  after(async () => {
    await gw.stop();
    await f.a.stop();
    await f.b.stop();
  });

  const deployment = async (name) => (await admin(gw, 'GET', 'routing')).body.models
    .find((m) => m.id === 'routed').deployments.find((d) => d.provider === name);

  it('checks every deployment with a one-token call, without a user\'s call', async () => {
    await eventually(async () => (await f.a.stats()).requests >= 2 && (await f.b.stats()).requests >= 2,
      { what: 'two rounds of checks' });
    const q = await f.a.last();
    assert.equal(q.body.model, 'up-a');
    assert.equal(q.body.max_tokens, 1);
    assert.equal((await deployment('a')).state, 'closed');
  });

  it('sets a deployment that fails its check aside before users meet it, and takes it back', async () => {
    await f.a.script('status=503 message=maintenance');
    const down = await eventually(async () => {
      const d = await deployment('a');
      return d.state !== 'closed' && d;
    }, { what: 'a set aside by a check' });
    assert.match(down.last_error, /health check: .*503.*maintenance/);
    // Users' calls go to b without an attempt on a (the checks alone reach a).
    for (let i = 0; i < 10; i++) {
      const r = await chat({ gw }, { model: 'routed', messages: user('hi') }, { key: acct.key });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-glmgate-deployment'), 'b');
      assert.equal(r.headers.get('x-glmgate-attempts'), '1');
    }
    const status = await (await fetch(`${gw.url}/status`)).json();
    assert.equal(status.models.find((m) => m.id === 'routed').status, 'degraded');
    await f.a.reset();
    // Recovered: the next check closes it (well before the 5 s cooldown a user's probe waits for).
    await eventually(async () => (await deployment('a')).state === 'closed',
      { timeoutMs: 3000, what: 'a taken back by a check' });
  });
});

describe('OTLP traces', () => {
  const f = {};
  let gw;
  let acct;
  let collector;
  before(async () => {
    f.a = await startFake();
    f.b = await startFake();
    collector = await startCollector();
    gw = await startGateway(config(f, [`otlp_endpoint = "${collector.url}"`]));
    acct = await newAccount(gw);
  });
  after(async () => {
    await gw.stop();
    await f.a.stop();
    await f.b.stop();
    await collector.stop();
  });
  beforeEach(async () => {
    await f.a.reset();
    await f.b.reset();
  });

  it('sends the call\'s span and one per attempt, in the client\'s trace', async () => {
    await f.a.script('status=500 message=exploded');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    let r;
    // Until a call tried a first (weighted: either may be first), so that it has two attempts.
    for (let i = 0; i < 20; i++) {
      r = await chat({ gw }, { model: 'routed', messages: user('hi') },
        { key: acct.key, headers: { traceparent: `00-${traceId}-${parent}-01` } });
      assert.equal(r.status, 200);
      if (r.headers.get('x-glmgate-attempts') === '2') break;
    }
    assert.equal(r.headers.get('x-glmgate-attempts'), '2');
    const id = r.headers.get('x-request-id');
    const callSpan = await eventually(() => collector.spans.find((s) => attr(s, 'glmgate.request_id') === id),
      { what: 'the call\'s span at the collector' });
    assert.equal(callSpan.traceId, traceId);
    assert.equal(callSpan.parentSpanId, parent);
    assert.equal(callSpan.kind, 2);
    assert.equal(callSpan.name, 'chat routed');
    assert.equal(callSpan.service, 'glmgate');
    assert.equal(attr(callSpan, 'gen_ai.request.model'), 'routed');
    assert.equal(attr(callSpan, 'gen_ai.provider.name'), 'b');
    assert.equal(attr(callSpan, 'glmgate.attempts'), 2);
    assert.ok(attr(callSpan, 'gen_ai.usage.output_tokens') > 0);
    assert.ok(BigInt(callSpan.endTimeUnixNano) >= BigInt(callSpan.startTimeUnixNano));
    const attempts = collector.spans.filter((s) => s.parentSpanId === callSpan.spanId);
    assert.equal(attempts.length, 2);
    const [failed, answered] = attempts.sort((x, y) => attr(x, 'glmgate.attempt') - attr(y, 'glmgate.attempt'));
    assert.equal(failed.kind, 3);
    assert.equal(failed.name, 'chat up-a');
    assert.equal(failed.status.code, 2);
    assert.match(failed.status.message, /exploded/);
    assert.equal(attr(failed, 'http.response.status_code'), 500);
    assert.equal(answered.name, 'chat up-b');
    assert.notEqual(answered.status.code, 2);
    assert.ok(attempts.every((s) => s.traceId === traceId));
    // The upstream that answered was told its attempt's span as the parent.
    assert.equal((await f.b.last()).headers.traceparent, `00-${traceId}-${answered.spanId}-01`);
    assert.ok(collector.posts.every((p) => p.path === '/v1/traces' && p.type === 'application/json'));
  });

  it('starts a trace of its own for a call without a traceparent, and traces a refused call', async () => {
    const r = await chat({ gw }, { model: 'routed', messages: user('hi') }, { key: acct.key });
    assert.equal(r.status, 200);
    const id = r.headers.get('x-request-id');
    const span = await eventually(() => collector.spans.find((s) => attr(s, 'glmgate.request_id') === id),
      { what: 'the span' });
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.equal(span.parentSpanId ?? '', '');
    const upstream = (await f[attr(span, 'gen_ai.provider.name')].last()).headers.traceparent;
    assert.match(upstream, new RegExp(`^00-${span.traceId}-[0-9a-f]{16}-01$`));

    const bad = await chat({ gw }, { model: 'routed', messages: user('hi'), temperature: 'hot' }, { key: acct.key });
    assert.equal(bad.status, 400);
    const badId = bad.headers.get('x-request-id');
    const refused = await eventually(() => collector.spans.find((s) => attr(s, 'glmgate.request_id') === badId),
      { what: 'the refused call\'s span' });
    assert.equal(refused.status.code, 2);
    assert.equal(attr(refused, 'http.response.status_code'), 400);
    assert.equal(collector.spans.filter((s) => s.parentSpanId === refused.spanId).length, 0, 'no attempt');
  });

  it('sends nothing of a trace the client does not sample, and takes no malformed traceparent', async () => {
    const traceId = 'aaf92f3577b34da6a3ce929d0e0e4736';
    const unsampled = await chat({ gw }, { model: 'routed', messages: user('hi') },
      { key: acct.key, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    assert.equal(unsampled.status, 200);
    const junk = await chat({ gw }, { model: 'routed', messages: user('hi') },
      { key: acct.key, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-zz` } });
    assert.equal(junk.status, 200);
    const junkId = junk.headers.get('x-request-id');
    const span = await eventually(() => collector.spans.find((s) => attr(s, 'glmgate.request_id') === junkId),
      { what: 'the span of the call with a malformed traceparent' });
    assert.notEqual(span.traceId, traceId, 'a new trace, not the malformed one');
    const unsampledId = unsampled.headers.get('x-request-id');
    assert.ok(!collector.spans.some((s) => s.traceId === traceId || attr(s, 'glmgate.request_id') === unsampledId));
  });
});
