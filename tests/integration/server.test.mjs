// The server against bad clients and bad configs: header-read timeout, idle keep-alive timeout,
// the connection cap, the first-start admin key, and start-up errors that name the file and key.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startGateway, tempDir, GLMGATE_BIN, sleep } from '../lib/harness.mjs';

function connect(port) {
  const sock = net.connect(port, '127.0.0.1');
  const state = { closedAt: null, data: '' };
  sock.on('data', (d) => { state.data += d; });
  sock.on('close', () => { state.closedAt = Date.now(); });
  sock.on('error', () => {});
  return new Promise((resolve) => sock.on('connect', () => resolve({ sock, state })));
}

async function waitClosed(state, ms) {
  const until = Date.now() + ms;
  while (state.closedAt === null && Date.now() < until) await sleep(20);
  return state.closedAt !== null;
}

describe('server', () => {
  let gw;
  before(async () => {
    gw = await startGateway('header_timeout_ms = 500\nidle_timeout_ms = 400\nmax_connections = 4');
  });
  after(async () => { await gw.stop(); });

  it('cuts off a client that trickles its headers', async () => {
    const { sock, state } = await connect(gw.port);
    const t0 = Date.now();
    sock.write('GET /healthz HTTP/1.1\r\n');
    const trickle = setInterval(() => sock.writable && sock.write('X'), 100);
    const closed = await waitClosed(state, 3000);
    clearInterval(trickle);
    assert.ok(closed, 'the server closed the connection');
    assert.ok(state.closedAt - t0 < 1500, `closed after ${state.closedAt - t0} ms`);
    assert.equal(state.data, '', 'and answered nothing');
  });

  it('closes an idle keep-alive connection after the idle timeout', async () => {
    const { sock, state } = await connect(gw.port);
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    assert.match(state.data, /200 OK/);
    const t0 = Date.now();
    assert.ok(await waitClosed(state, 2000));
    assert.ok(state.closedAt - t0 < 1000);
  });

  it('refuses connections over the cap and accepts again when one closes', async () => {
    const held = [];
    for (let i = 0; i < 4; i++) {
      const c = await connect(gw.port);
      c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      held.push(c);
    }
    await sleep(100);
    const extra = await connect(gw.port);
    extra.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(await waitClosed(extra.state, 1000), 'the fifth connection is closed');
    assert.equal(extra.state.data, '');
    held.forEach((c) => c.sock.destroy());
    await sleep(100);
    const r = await fetch(`${gw.url}/healthz`);
    assert.equal(r.status, 200);
  });

  it('answers a malformed request line with 400 and closes', async () => {
    const { sock, state } = await connect(gw.port);
    sock.write('THIS IS NOT HTTP\r\n\r\n');
    assert.ok(await waitClosed(state, 2000));
    assert.match(state.data, /^HTTP\/1\.1 400/);
  });

  it('prints an admin key on first start only, and that key works', async () => {
    const dir = tempDir();
    const first = await startGateway('', { dir });
    assert.match(first.adminKey, /^sk-glm-[0-9A-Za-z]{43}$/);
    const r = await fetch(`${first.url}/v1/models`, { headers: { authorization: `Bearer ${first.adminKey}` } });
    assert.equal(r.status, 200);
    await first.stop({ keep: true });
    const second = await startGateway('', { dir });
    assert.equal(second.adminKey, undefined, 'no new key when the store has one');
    const rows = JSON.parse(second.cli('keys', 'list', '--json'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].admin, true);
    await second.stop();
  });
});

describe('config errors', () => {
  const run = (text) => {
    const dir = tempDir();
    const path = join(dir, 'bad.toml');
    writeFileSync(path, text);
    const r = spawnSync(GLMGATE_BIN, ['serve', '--config', path], { encoding: 'utf8', timeout: 10000 });
    return { ...r, path };
  };

  for (const [name, text, pattern] of [
    ['a TOML syntax error', 'listen = ', /bad\.toml:1:/],
    ['an unknown key', 'lisen = "127.0.0.1:1"', /bad\.toml: lisen: unknown key/],
    ['a wrong type', 'max_body_bytes = "big"', /bad\.toml: max_body_bytes: expected an integer/],
    ['a bad listen address', 'listen = "localhost"', /bad\.toml: listen: expected "host:port"/],
    ['a model on an unknown provider',
      '[[providers]]\nname="a"\nbase_url="http://127.0.0.1:1"\n[[models]]\nid="m"\nprovider="b"',
      /bad\.toml: models\[0\]\.provider: no \[\[providers\]\] entry is named "b"/],
    ['a negative price',
      '[[providers]]\nname="a"\nbase_url="http://127.0.0.1:1"\n[[models]]\nid="m"\nprovider="a"\ninput_price_per_mtok=-1',
      /bad\.toml: models\[0\]\.input_price_per_mtok/],
    ['a bad base_url', '[[providers]]\nname="a"\nbase_url="ftp://x"', /bad\.toml: providers\[0\]\.base_url/],
  ]) {
    it(`stops start-up on ${name}, naming the file and key`, () => {
      const r = run(text);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, pattern);
    });
  }
});
