// Several servers on one machine behind one address (run by the ctest entry integration_postgres
// under scripts/with_postgres.sh): two `glmgate serve` processes with `reuse_port = true` listen
// on the same fixed port over one PostgreSQL store, and connections to that port are served by
// both (each server's charges carry its own instance name as their ledger origin). A third
// without reuse_port is refused the port with a message that says how to share it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import {
  startFake, startGateway, fakeConfig, writeConfig, cliFor, eventually, freshPostgresStore,
} from '../lib/harness.mjs';

const PRICED = [{
  id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096,
  input_price_per_mtok: 1, output_price_per_mtok: 2,
}];

// A port nothing listens on now.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A chat completion on a connection of its own (no keep-alive pool): the kernel picks the
// listener for each.
function chatOnce(port, key) {
  const body = JSON.stringify({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent: false,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('reuse_port', () => {
  it('lets two servers share one address, both serving, and refuses a third without it', async () => {
    const store = freshPostgresStore(process.env.GLMGATE_TEST_POSTGRES_URL, 'reuseport');
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: PRICED, extra: 'flush_interval_ms = 50' });
    const { dir, configPath } = writeConfig(config, { store: store.url });
    const cli = cliFor(configPath);
    const servers = [];
    try {
      cli('accounts', 'create', 'alice');
      cli('credits', 'grant', 'alice', '10');
      const key = JSON.parse(cli('keys', 'create', '--account', 'alice', '--rpm', '100000', '--json')).key;
      const port = await freePort();
      const listen = `127.0.0.1:${port}`;
      const shared = `reuse_port = true\n${config}`;
      for (let i = 0; i < 2; i++) servers.push(await startGateway(shared, { store: store.url, listen }));
      for (const gw of servers) assert.equal(gw.port, port);

      // 40 connections at once: with both listening, all on one would be a 1 in 2^39 chance.
      const statuses = await Promise.all(Array.from({ length: 40 }, () => chatOnce(port, key)));
      assert.deepEqual(new Set(statuses), new Set([200]));
      const charges = await eventually(() => {
        const rows = JSON.parse(cli('ledger', 'alice', '--json')).filter((e) => e.kind === 'charge');
        return rows.length === 40 ? rows : null;
      }, { what: 'the 40 charges committed' });
      const origins = new Set(charges.map((e) => e.origin));
      assert.equal(origins.size, 2, `both servers served: ${[...origins]}`);

      // Without reuse_port, the port is taken.
      await assert.rejects(startGateway(config, { store: store.url, listen }), (e) => {
        assert.match(e.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: Address already in use`));
        assert.match(e.message, /servers on one machine share an address when each sets reuse_port = true/);
        return true;
      });
    } finally {
      for (const gw of servers) await gw.stop({ keep: true });
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
      store.drop();
    }
  });
});
