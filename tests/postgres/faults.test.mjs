// PostgreSQL going away for a few seconds under two servers (run by the ctest entry
// integration_postgres under scripts/with_postgres.sh). The servers reach the store through a TCP
// proxy the test cuts (every connection dropped, new ones too, as when the database restarts) and
// opens again. Meanwhile known keys keep being served on the credit the servers hold, what
// cannot be served is a 503 (never a 500: the admin API's reads included), nothing crashes, and
// when the store is back every call served is in the ledger once, with balance = ledger sum, and
// the servers have reconnected by themselves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { eventually, sleep } from '../lib/harness.mjs';
import { cluster, sum } from './cluster_lib.mjs';

// A TCP proxy to 127.0.0.1:`target`. While cut, it drops every connection it carries and each new
// one as soon as it comes, as a database that restarts does.
async function tcpProxy(target) {
  const sockets = new Set();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    const done = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', done);
      s.on('close', done);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: (base) => { const u = new URL(base); u.port = String(port); return u.toString(); },
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    open: () => { cut = false; },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('PostgreSQL away for a few seconds', () => {
  it('costs no data: known keys are served, the rest is a 503, and all is written when it is back', async () => {
    const proxy = await tcpProxy(Number(new URL(process.env.GLMGATE_TEST_POSTGRES_URL).port));
    const c = await cluster('faults', { usd: 50, n: 2, serverStore: proxy.url });
    const admin = (gw) => fetch(`${gw.url}/admin/v1/accounts/alice`, { headers: { authorization: `Bearer ${c.admin}` } });
    let served = 0;
    try {
      const [a, b] = c.servers;
      for (const gw of [a, b, a, b]) {  // each server leases credit while the store is there
        const r = await c.ask(gw);
        assert.equal(r.status, 200);
        await r.arrayBuffer();
        served++;
      }
      proxy.cut();
      const cutAt = Date.now();
      for (let i = 0; i < 10; i++) {  // within the credit each server holds: served
        const r = await c.ask(c.servers[i % 2]);
        assert.equal(r.status, 200, await r.clone().text());
        await r.arrayBuffer();
        served++;
      }
      const away = await admin(a);
      assert.equal(away.status, 503, 'the admin API says the store is away');
      await away.arrayBuffer();
      await sleep(Math.max(0, 3000 - (Date.now() - cutAt)));
      proxy.open();
      for (const gw of [a, b]) {  // reconnected by themselves
        await eventually(async () => {
          const r = await admin(gw);
          await r.arrayBuffer();
          return r.status === 200;
        }, { timeoutMs: 10000, what: 'the admin API answering again' });
        const r = await c.ask(gw);
        assert.equal(r.status, 200);
        await r.arrayBuffer();
        served++;
      }
      const ledger = await eventually(() => {
        const rows = c.ledger();
        return rows.filter((row) => row.kind === 'charge').length === served ? rows : null;
      }, { timeoutMs: 10000, what: `every served call charged once (${served})` });
      assert.equal(c.balance().balance_nano_usd, sum(ledger));
      for (const gw of [a, b]) assert.ok(!/\b500\b.*internal/.test(gw.stderr()), 'no internal error');
    } finally {
      proxy.open();
      await c.stop();
      await proxy.close();
    }
  });
});
