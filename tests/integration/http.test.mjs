// HTTP details every client relies on, checked over raw sockets (and curl where it is the real
// client): HTTP/1.0 streams, Expect: 100-continue, compressed request bodies, HEAD, 405 with
// Allow, CORS, request framing (RFC 9112 transfer codings) and absolute-form targets.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startStack, startGateway, user, sleep } from '../lib/harness.mjs';

const kMaxBody = 4 * 1024 * 1024;
const kOrigin = 'https://app.example.com';

// Splits what a server sent into responses. `methods` are the requests' methods in order (a HEAD
// answer has no body); interim 1xx answers take no method. A response without Content-Length or
// chunked framing runs to the end of what was received.
function parseResponses(buf, methods = []) {
  const s = buf.toString('latin1');
  const out = [];
  let pos = 0;
  let next = 0;
  while (pos < s.length) {
    const end = s.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const lines = s.slice(pos, end).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    }
    const r = { status, statusLine: lines[0], headers, body: '' };
    pos = end + 4;
    out.push(r);
    if (status >= 100 && status < 200) continue;
    const method = methods[next++];
    if (method === 'HEAD' || status === 204 || status === 304) continue;
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      for (;;) {
        const nl = s.indexOf('\r\n', pos);
        if (nl < 0) { pos = s.length; break; }
        const size = parseInt(s.slice(pos, nl), 16);
        pos = nl + 2;
        if (size === 0) { pos += 2; break; }
        r.body += s.slice(pos, pos + size);
        pos += size + 2;
      }
    } else if ('content-length' in headers) {
      const n = Number(headers['content-length']);
      r.body = s.slice(pos, pos + n);
      pos += n;
    } else {
      r.body = s.slice(pos);
      pos = s.length;
    }
  }
  return out;
}

// Opens a connection and collects everything the server sends.
async function open(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  const conn = { sock, data: Buffer.alloc(0), closed: false };
  sock.on('data', (d) => { conn.data = Buffer.concat([conn.data, d]); });
  sock.on('close', () => { conn.closed = true; });
  sock.on('error', () => {});
  conn.text = () => conn.data.toString('latin1');
  conn.until = async (cond, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!cond() && Date.now() < deadline) await sleep(10);
    return cond();
  };
  return conn;
}

// Sends `raw` on a new connection; waits for `count` final answers (to `methods`) or the close.
async function exchange(port, raw, { methods = [], count = 1, ms = 5000 } = {}) {
  const conn = await open(port);
  conn.sock.write(raw);
  const finals = () => parseResponses(conn.data, methods).filter((r) => r.status >= 200);
  await conn.until(() => conn.closed || finals().length >= count, ms);
  return { conn, responses: parseResponses(conn.data, methods), finals: finals() };
}

const chatBody = (content, extra = {}) =>
  JSON.stringify({ model: 'glm-test', messages: user(content), ...extra });

describe('http', () => {
  let s;
  let postHead;
  before(async () => {
    s = await startStack({
      config: { extra: `max_body_bytes = ${kMaxBody}\ncors_origins = ["${kOrigin}", "http://localhost:5173"]` },
    });
    postHead = (path, length, extra = '') => `POST ${path} HTTP/1.1\r\nHost: x\r\n` +
      `Authorization: Bearer ${s.key}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${length}\r\n${extra}\r\n`;
  });
  after(async () => { await s.stop(); });

  describe('HTTP/1.0', () => {
    it('sends a stream to an HTTP/1.0 client close-delimited, not chunked', async () => {
      const body = chatBody('fake: text=one_two_three chunks=3', { stream: true });
      const { conn, finals } = await exchange(s.gw.port, `POST /v1/chat/completions HTTP/1.0\r\n` +
        `Authorization: Bearer ${s.key}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`, { methods: ['POST'] });
      await conn.until(() => conn.closed);
      assert.ok(conn.closed, 'the connection closes at the end of the stream');
      const [r] = parseResponses(conn.data, ['POST']);
      assert.equal(r.status, 200);
      assert.equal(r.headers['transfer-encoding'], undefined, 'no chunked framing for HTTP/1.0');
      assert.equal(r.headers['content-length'], undefined);
      assert.match(r.headers.connection, /close/i);
      assert.match(r.headers['content-type'], /text\/event-stream/);
      assert.match(r.body, /^data: \{/, 'the body is the raw stream, no chunk-size lines');
      assert.match(r.body, /data: \[DONE\]\n\n$/);
      const text = r.body.split('\n\n').filter((f) => f.startsWith('data: {'))
        .map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '').join('');
      assert.equal(text, 'one two three');
      assert.equal(finals.length, 1);
    });

    it('keeps an HTTP/1.0 keep-alive connection for unary answers, and closes it after a stream', async () => {
      const conn = await open(s.gw.port);
      conn.sock.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await conn.until(() => parseResponses(conn.data, ['GET']).length === 1);
      const body = chatBody('fake: text=streamed', { stream: true });
      conn.sock.write(`POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\n` +
        `Authorization: Bearer ${s.key}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      await conn.until(() => conn.closed);
      const [a, b] = parseResponses(conn.data, ['GET', 'POST']);
      assert.equal(a.status, 200);
      assert.equal(a.headers['content-length'], String(a.body.length));
      assert.match(a.headers.connection ?? '', /keep-alive/i,
        'an HTTP/1.0 client is told the connection stays open');
      assert.equal(a.body, '{"status":"ok"}');
      assert.equal(b.status, 200);
      assert.equal(b.headers['transfer-encoding'], undefined);
      assert.match(b.headers.connection, /close/i);
      assert.match(b.body, /data: \[DONE\]\n\n$/);
      assert.ok(conn.closed);
    });
  });

  describe('Expect: 100-continue', () => {
    it('answers 100 Continue before the body, and not when the head alone refuses it', async () => {
      const body = chatBody('fake: text=after_continue');
      const conn = await open(s.gw.port);
      conn.sock.write(postHead('/v1/chat/completions', body.length, 'Expect: 100-continue\r\n'));
      const got100 = await conn.until(() => conn.text().length >= 25, 2000);
      assert.ok(got100, 'the server answered the head before the body was sent');
      assert.equal(conn.text(), 'HTTP/1.1 100 Continue\r\n\r\n');
      conn.sock.write(body);
      await conn.until(() => parseResponses(conn.data, ['POST']).length === 2);
      const [interim, final] = parseResponses(conn.data, ['POST']);
      assert.equal(interim.status, 100);
      assert.equal(final.status, 200);
      assert.equal(JSON.parse(final.body).choices[0].message.content, 'after continue');

      // Content-Length over max_body_bytes: the final 413 at once, no 100.
      const big = await exchange(s.gw.port, postHead('/v1/chat/completions', kMaxBody + 1,
        'Expect: 100-continue\r\n'));
      assert.match(big.conn.text(), /^HTTP\/1\.1 413 /);
      assert.equal(big.responses.length, 1);

      // HTTP/1.0 requests never get 100 (RFC 9110 10.1.1); the body is simply read.
      const old = await open(s.gw.port);
      old.sock.write(`POST /v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer ${s.key}\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      await sleep(300);
      assert.equal(old.text(), '');
      old.sock.write(body);
      await old.until(() => old.closed);
      const answers = parseResponses(old.data, ['POST']);
      assert.deepEqual(answers.map((r) => r.status), [200]);
    });

    it('lets curl send a body over 1 MB without waiting for the Expect timeout', () => {
      const dir = s.gw.dir;
      const path = join(dir, 'big.json');
      writeFileSync(path, chatBody(`fake: text=big_${'x'.repeat(1536 * 1024)}`));
      const r = spawnSync('curl', ['-sv', '-o', '/dev/null', '-w', '%{http_code}',
        '-H', `Authorization: Bearer ${s.key}`, '-H', 'Content-Type: application/json',
        '--data-binary', `@${path}`, `${s.gw.url}/v1/chat/completions`], { encoding: 'utf8', timeout: 20000 });
      assert.match(r.stderr, /> Expect: 100-continue/, 'curl asked');
      assert.match(r.stderr, /< HTTP\/1\.1 100 Continue/, 'and was answered');
      assert.equal(r.stdout, '200');
    });
  });

  describe('Content-Encoding', () => {
    const codings = [
      ['gzip', 'gzip', zlib.gzipSync],
      ['x-gzip', 'gzip', zlib.gzipSync],
      ['deflate', 'zlib-wrapped', zlib.deflateSync],
      ['deflate', 'raw, as some clients send it', zlib.deflateRawSync],
      ['identity', 'beside a gzip request', (b) => b],
      ['gzip, gzip', 'gzip twice, undone in reverse', (b) => zlib.gzipSync(zlib.gzipSync(b))],
    ];
    for (const [coding, what, compress] of codings) {
      it(`inflates a request body sent with Content-Encoding: ${coding} (${what})`, async () => {
        if (coding === 'identity') {
          // Identity alone was served before too; this one rides along with a gzip request on the
          // same connection so that the case proves something.
          const plain = chatBody('fake: text=plain');
          const packed = zlib.gzipSync(chatBody('fake: text=packed'));
          const conn = await open(s.gw.port);
          conn.sock.write(postHead('/v1/chat/completions', plain.length, 'Content-Encoding: identity\r\n'));
          conn.sock.write(plain);
          conn.sock.write(postHead('/v1/chat/completions', packed.length, 'Content-Encoding: GZIP\r\n'));
          conn.sock.write(packed);
          await conn.until(() => parseResponses(conn.data, ['POST', 'POST']).length === 2);
          const [a, b] = parseResponses(conn.data, ['POST', 'POST']);
          assert.equal(a.status, 200);
          assert.equal(JSON.parse(a.body).choices[0].message.content, 'plain');
          assert.equal(b.status, 200, b.body);
          assert.equal(JSON.parse(b.body).choices[0].message.content, 'packed');
          return;
        }
        const text = `inflated ${coding} ${'word '.repeat(50)}`.trim();
        const packed = compress(Buffer.from(chatBody(`fake: text=${text.replaceAll(' ', '_')}`)));
        const conn = await open(s.gw.port);
        conn.sock.write(postHead('/v1/chat/completions', packed.length, `Content-Encoding: ${coding}\r\n`));
        conn.sock.write(packed);
        await conn.until(() => parseResponses(conn.data, ['POST']).length === 1);
        const [r] = parseResponses(conn.data, ['POST']);
        assert.equal(r.status, 200, r.body);
        assert.equal(JSON.parse(r.body).choices[0].message.content, text);
        // The connection is still good for the next request.
        conn.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await conn.until(() => parseResponses(conn.data, ['POST', 'GET']).length === 2);
        assert.equal(parseResponses(conn.data, ['POST', 'GET'])[1].status, 200);
      });
    }

    it('refuses codings it cannot undo with 415 naming them, in the surface\'s shape', async () => {
      const body = chatBody('hello');
      for (const [coding, packed] of [
        ['br', zlib.brotliCompressSync(body)],
        ['zstd', Buffer.from(body)],
        ['compress', Buffer.from(body)],
        ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(body))],
      ]) {
        const { finals } = await exchange(s.gw.port,
          Buffer.concat([Buffer.from(postHead('/v1/chat/completions', packed.length, `Content-Encoding: ${coding}\r\n`)), packed]),
          { methods: ['POST'] });
        assert.equal(finals[0].status, 415, coding);
        const err = JSON.parse(finals[0].body).error;
        assert.match(err.message, new RegExp(`\\bbr\\b|\\b${coding}\\b`));
        assert.match(err.message, /Content-Encoding/);
      }
      // Anthropic's path answers in Anthropic's shape.
      const packed = zlib.brotliCompressSync(body);
      const { finals } = await exchange(s.gw.port,
        Buffer.concat([Buffer.from(postHead('/v1/messages', packed.length, 'Content-Encoding: br\r\n')), packed]),
        { methods: ['POST'] });
      assert.equal(finals[0].status, 415);
      const err = JSON.parse(finals[0].body);
      assert.equal(err.type, 'error');
      assert.match(err.error.message, /\bbr\b/);
    });

    it('answers a corrupt or truncated gzip body with 400 that says so', async () => {
      const good = zlib.gzipSync(chatBody('hello'));
      const corrupt = Buffer.from(good);
      corrupt.fill(0x41, 12, 30);
      for (const [what, packed] of [
        ['corrupt', corrupt],
        ['truncated', good.subarray(0, good.length - 10)],
        ['not gzip at all', Buffer.from(chatBody('hello'))],
      ]) {
        const { finals } = await exchange(s.gw.port,
          Buffer.concat([Buffer.from(postHead('/v1/chat/completions', packed.length, 'Content-Encoding: gzip\r\n')), packed]),
          { methods: ['POST'] });
        assert.equal(finals[0].status, 400, what);
        const err = JSON.parse(finals[0].body).error;
        assert.match(err.message, /gzip/, what);
        assert.doesNotMatch(err.message, /JSON/i, what);
      }
    });

    it('applies max_body_bytes to the inflated size: a zip bomb gets 413', async () => {
      const bomb = zlib.gzipSync(Buffer.alloc(kMaxBody * 4, 0x20));
      assert.ok(bomb.length < kMaxBody / 50);
      const { finals } = await exchange(s.gw.port,
        Buffer.concat([Buffer.from(postHead('/v1/chat/completions', bomb.length, 'Content-Encoding: gzip\r\n')), bomb]),
        { methods: ['POST'] });
      assert.equal(finals[0].status, 413);
      assert.equal(JSON.parse(finals[0].body).error.code, 'request_too_large');
    });
  });

  describe('HEAD and 405', () => {
    it('serves HEAD for GET routes: GET\'s status and headers, no body, connection kept', async () => {
      const conn = await open(s.gw.port);
      const auth = `Authorization: Bearer ${s.key}\r\n`;
      conn.sock.write(`HEAD /v1/models HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      conn.sock.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      conn.sock.write('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      conn.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      conn.sock.write(`HEAD /admin/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.gw.adminKey}\r\n\r\n`);
      conn.sock.write('HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');  // no key
      const methods = ['HEAD', 'GET', 'HEAD', 'GET', 'HEAD', 'HEAD'];
      await conn.until(() => parseResponses(conn.data, methods).length === 6);
      await sleep(100);
      const [h1, g1, h2, g2, h4, h3] = parseResponses(conn.data, methods);
      assert.equal(h1.status, 200);
      assert.equal(g1.status, 200);
      assert.equal(h1.headers['content-length'], String(Buffer.byteLength(g1.body, 'latin1')));
      assert.equal(h1.headers['content-type'], g1.headers['content-type']);
      assert.equal(h2.status, 200);
      assert.equal(h2.headers['content-length'], String(g2.body.length));
      assert.equal(g2.body, '{"status":"ok"}');
      assert.equal(h4.status, 200, 'a handler that branches on the method sees HEAD as GET');
      assert.ok(Number(h4.headers['content-length']) > 2);
      assert.equal(h3.status, 401, 'HEAD is authenticated as GET is');
      assert.ok(!conn.closed, 'the connection stays usable');
      // Nothing trails the last HEAD answer: its body was not sent.
      assert.ok(conn.text().endsWith('\r\n\r\n'));
    });

    it('names the allowed methods in 405 answers', async () => {
      const conn = await open(s.gw.port);
      conn.sock.write('DELETE /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
      conn.sock.write('GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n');
      conn.sock.write('HEAD /v1/messages HTTP/1.1\r\nHost: x\r\n\r\n');
      conn.sock.write('PUT /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const methods = ['DELETE', 'GET', 'HEAD', 'PUT'];
      await conn.until(() => parseResponses(conn.data, methods).length === 4);
      const [a, b, c, d] = parseResponses(conn.data, methods);
      assert.equal(a.status, 405);
      assert.equal(a.headers.allow, 'GET, HEAD');
      assert.equal(b.status, 405);
      assert.equal(b.headers.allow, 'POST');
      assert.equal(JSON.parse(b.body).error.code, 'method_not_allowed');
      assert.equal(c.status, 405);
      assert.equal(c.headers.allow, 'POST');
      assert.equal(d.headers.allow, 'GET, HEAD');
      assert.ok(!conn.closed);
    });

    it('routes paths with parameters by method: 405 with Allow, in the surface\'s shape', async () => {
      const conn = await open(s.gw.port);
      const auth = `Authorization: Bearer ${s.key}\r\n`;
      conn.sock.write(`POST /v1/responses/resp_x HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\n`);
      conn.sock.write(`GET /v1/responses/resp_x/cancel HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      conn.sock.write(`DELETE /v1/tasks/task_x HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      conn.sock.write(`GET /v1/responses/resp_x HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      const methods = ['POST', 'GET', 'DELETE', 'GET'];
      await conn.until(() => parseResponses(conn.data, methods).length === 4);
      const [a, b, c, d] = parseResponses(conn.data, methods);
      assert.equal(a.status, 405);
      assert.equal(a.headers.allow, 'GET, HEAD, DELETE');
      assert.equal(JSON.parse(a.body).error.code, 'method_not_allowed');
      assert.equal(b.status, 405);
      assert.equal(b.headers.allow, 'POST');
      assert.equal(c.status, 405);
      assert.equal(c.headers.allow, 'GET, HEAD');
      assert.equal(d.status, 404, 'the parameter reaches the handler: an unknown ID');
      assert.match(JSON.parse(d.body).error.message, /resp_x/);
      assert.ok(!conn.closed);
    });
  });

  describe('CORS', () => {
    const preflight = (origin, path = '/v1/chat/completions', extra = '') =>
      `OPTIONS ${path} HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\n` +
      `Access-Control-Request-Method: POST\r\n${extra}\r\n`;

    it('answers a preflight from an allowed origin without a key', async () => {
      const { finals, conn } = await exchange(s.gw.port, preflight(kOrigin, '/v1/chat/completions',
        'Access-Control-Request-Headers: authorization, content-type, x-stainless-os\r\n'),
      { methods: ['OPTIONS'] });
      const [r] = finals;
      assert.equal(r.status, 204);
      assert.equal(r.headers['access-control-allow-origin'], kOrigin);
      assert.equal(r.headers['access-control-allow-methods'], 'POST');
      assert.equal(r.headers['access-control-allow-headers'], 'authorization, content-type, x-stainless-os');
      assert.ok(Number(r.headers['access-control-max-age']) > 0);
      assert.match(r.headers.vary, /Origin/);
      assert.ok(!conn.closed);

      // Without Access-Control-Request-Headers: the headers the SDKs send.
      const { finals: [m] } = await exchange(s.gw.port, preflight('http://localhost:5173', '/v1/models'),
        { methods: ['OPTIONS'] });
      assert.equal(m.status, 204);
      assert.equal(m.headers['access-control-allow-origin'], 'http://localhost:5173');
      assert.equal(m.headers['access-control-allow-methods'], 'GET, HEAD');
      for (const h of ['authorization', 'content-type', 'x-api-key', 'x-goog-api-key', 'anthropic-version',
        'anthropic-beta', 'anthropic-dangerous-direct-browser-access'])
        assert.match(m.headers['access-control-allow-headers'], new RegExp(`\\b${h}\\b`, 'i'), h);
    });

    it('refuses a preflight from another origin with 403 and no CORS headers', async () => {
      const { finals } = await exchange(s.gw.port, preflight('https://evil.example.com'), { methods: ['OPTIONS'] });
      const [r] = finals;
      assert.equal(r.status, 403);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      assert.match(JSON.parse(r.body).error.message, /evil\.example\.com/);
    });

    it('marks answers, streams and errors for an allowed origin, and only for it', async () => {
      const headers = { origin: kOrigin, authorization: `Bearer ${s.key}`, 'content-type': 'application/json' };
      const url = `${s.gw.url}/v1/chat/completions`;
      const unary = await fetch(url, { method: 'POST', headers, body: chatBody('hi') });
      await unary.arrayBuffer();
      assert.equal(unary.status, 200);
      assert.equal(unary.headers.get('access-control-allow-origin'), kOrigin);
      assert.match(unary.headers.get('vary'), /Origin/);
      const exposed = unary.headers.get('access-control-expose-headers').split(/,\s*/);
      for (const h of ['x-request-id', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests',
        'x-ratelimit-reset-requests', 'retry-after'])
        assert.ok(exposed.includes(h), `${h} in ${exposed}`);

      const stream = await fetch(url, { method: 'POST', headers, body: chatBody('hi', { stream: true }) });
      await stream.text();
      assert.equal(stream.headers.get('access-control-allow-origin'), kOrigin);
      assert.match(stream.headers.get('access-control-expose-headers'), /x-request-id/);

      const denied = await fetch(url, { method: 'POST', headers: { origin: kOrigin }, body: chatBody('hi') });
      await denied.arrayBuffer();
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get('access-control-allow-origin'), kOrigin);

      const missing = await fetch(`${s.gw.url}/nope`, { headers: { origin: kOrigin } });
      await missing.arrayBuffer();
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('access-control-allow-origin'), kOrigin);

      const other = await fetch(url, { method: 'POST', headers: { ...headers, origin: 'https://evil.example.com' }, body: chatBody('hi') });
      await other.arrayBuffer();
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      assert.equal(other.headers.get('access-control-expose-headers'), null);
    });

    it('allows any origin with "*", and none by default', async () => {
      const any = await startGateway('cors_origins = ["*"]');
      const none = await startGateway('');
      try {
        const { finals: [p] } = await exchange(any.port, preflight('https://anything.test', '/healthz'),
          { methods: ['OPTIONS'] });
        assert.equal(p.status, 204);
        assert.equal(p.headers['access-control-allow-origin'], '*');
        assert.equal(p.headers['access-control-allow-methods'], 'GET, HEAD');
        const r = await fetch(`${any.url}/healthz`, { headers: { origin: 'https://anything.test' } });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), '*');

        const { finals: [q] } = await exchange(none.port, preflight('https://anything.test', '/healthz'),
          { methods: ['OPTIONS'] });
        assert.equal(q.status, 403);
        assert.equal(q.headers['access-control-allow-origin'], undefined);
        const n = await fetch(`${none.url}/healthz`, { headers: { origin: 'https://anything.test' } });
        await n.arrayBuffer();
        assert.equal(n.headers.get('access-control-allow-origin'), null);
      } finally {
        await any.stop();
        await none.stop();
      }
    });
  });

  describe('framing', () => {
    // Each bad request is followed on the same connection by a GET that must never be answered:
    // after a framing error the server cannot know where the next request starts.
    const smuggle = (headers, body) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n${headers}\r\n${body}` +
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const chunked = (text) => `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`;

    it('refuses every transfer coding but a single final chunked with 400, and closes', async () => {
      const body = chatBody('hi');
      const cases = [
        ['identity with Content-Length', `Transfer-Encoding: identity\r\nContent-Length: ${body.length}\r\n`, body],
        ['xchunked', 'Transfer-Encoding: xchunked\r\n', chunked(body)],
        ['gzip', 'Transfer-Encoding: gzip\r\n', chunked(body)],
        ['chunked, identity', 'Transfer-Encoding: chunked, identity\r\n', chunked(body)],
        ['gzip, chunked', 'Transfer-Encoding: gzip, chunked\r\n', chunked(body)],
        ['two fields', 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', chunked(body)],
        ['chunked with Content-Length', `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n`, chunked(body)],
        ['Content-Length then chunked', `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`, chunked(body)],
      ];
      for (const [what, headers, payload] of cases) {
        const { conn, responses } = await exchange(s.gw.port, smuggle(headers, payload).replace('KEY', s.key),
          { methods: ['POST', 'GET'], count: 2, ms: 3000 });
        assert.ok(conn.closed, `${what}: the connection is closed`);
        assert.deepEqual(responses.map((r) => r.status), [400], `${what}: one 400, the pipelined GET unanswered`);
        assert.match(responses[0].headers.connection, /close/i, what);
      }
      // HTTP/1.0 has no chunked coding (RFC 9112 6.1).
      const { conn, responses } = await exchange(s.gw.port,
        `POST /v1/chat/completions HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(body)}`,
        { methods: ['POST'], ms: 3000 });
      assert.ok(conn.closed);
      assert.deepEqual(responses.map((r) => r.status), [400]);
    });

    it('still reads a chunked body (any case) and the request after it', async () => {
      const body = chatBody('fake: text=chunked_ok');
      const { responses } = await exchange(s.gw.port,
        smuggle('Transfer-Encoding: Chunked\r\n', chunked(body)).replace('KEY', s.key),
        { methods: ['POST', 'GET'], count: 2 });
      assert.deepEqual(responses.map((r) => r.status), [200, 200]);
      assert.equal(JSON.parse(responses[0].body).choices[0].message.content, 'chunked ok');
      // The same through a framing the old parser took for bodiless: its bytes are not a request.
      const bad = await exchange(s.gw.port, smuggle('Transfer-Encoding: xchunked\r\n',
        chunked('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).replace('KEY', s.key),
      { methods: ['POST', 'GET', 'GET'], count: 3, ms: 2000 });
      assert.deepEqual(bad.responses.map((r) => r.status), [400]);
    });
  });

  describe('request targets', () => {
    it('serves absolute-form targets by their path and query', async () => {
      const body = chatBody('fake: text=absolute');
      const conn = await open(s.gw.port);
      conn.sock.write(postHead(`http://127.0.0.1:${s.gw.port}/v1/chat/completions`, body.length) + body);
      conn.sock.write('GET http://localhost/healthz?probe=1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
      conn.sock.write(`GET HTTP://127.0.0.1/v1/models/glm-test HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\n\r\n`);
      const methods = ['POST', 'GET', 'GET'];
      await conn.until(() => parseResponses(conn.data, methods).length === 3);
      const [a, b, c] = parseResponses(conn.data, methods);
      assert.equal(a.status, 200, a.body);
      assert.equal(JSON.parse(a.body).choices[0].message.content, 'absolute');
      assert.equal(b.status, 200);
      assert.equal(b.body, '{"status":"ok"}');
      assert.equal(c.status, 200, c.body);
      assert.equal(JSON.parse(c.body).id, 'glm-test');
    });

    it('refuses an asterisk-form OPTIONS and other targets it cannot serve with 400', async () => {
      for (const target of ['*', 'ftp://x/healthz', 'http://']) {
        const { conn, responses } = await exchange(s.gw.port, `OPTIONS ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
        assert.deepEqual(responses.map((r) => r.status), [400], target);
        assert.ok(conn.closed || await conn.until(() => conn.closed, 1000), target);
      }
      // An absolute-form GET in the same session is fine, so the 400s above are about the target.
      const { responses } = await exchange(s.gw.port, 'GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n',
        { methods: ['GET'] });
      assert.deepEqual(responses.map((r) => r.status), [200]);
    });
  });
});
