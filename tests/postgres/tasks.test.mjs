// Background tasks with several servers on one PostgreSQL store (run by the ctest entry
// integration_postgres under scripts/with_postgres.sh). A task submitted on a server that is then
// killed with SIGKILL mid-run is taken over by another server once the dead one's claim runs out
// (task_lease_ms) and completed, charged exactly once; a cancel sent to one server stops the task
// another server runs, charging nothing; and each task's webhook is received once, even when a
// server joins while the webhooks are still being retried.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, sleep } from '../lib/harness.mjs';
import { startReceiver } from '../lib/webhooks.mjs';
import { cluster as startCluster, sum } from './cluster_lib.mjs';

const LEASE_MS = 3000;

// Two servers whose task claims last LEASE_MS, and alice's task calls on them.
async function cluster(tag, { extra = '' } = {}) {
  const c = await startCluster(tag, { usd: 100, n: 2,
    extra: `task_lease_ms = ${LEASE_MS}\nwebhook_allow_private = true\n${extra}` });
  c.api = (gw, method, path, body) => fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
  c.submit = async (gw, content, callback_url) => {
    const r = await c.api(gw, 'POST', '/v1/tasks', {
      path: '/v1/chat/completions', callback_url,
      body: { model: 'glm-test', messages: [{ role: 'user', content }] },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.id;
  };
  c.status = async (gw, id) => (await c.api(gw, 'GET', `/v1/tasks/${id}`)).body;
  c.charges = (id) => c.ledger().filter((e) => e.kind === 'charge' && e.request_id === id);
  return c;
}

describe('tasks on several servers', () => {
  it('takes over a task whose server was killed mid-run after its lease, and charges it once', async () => {
    const c = await cluster('takeover');
    try {
      const [a, b] = c.servers;
      const id = await c.submit(a, 'slow fake: head_delay_ms=2000');
      await eventually(async () => (await c.status(b, id)).status === 'in_progress', { what: 'in_progress' });
      await a.kill();
      const killed = Date.now();
      // The dead server's claim holds for its lease: nobody runs the task meanwhile.
      await sleep(LEASE_MS / 2);
      assert.equal((await c.status(b, id)).status, 'in_progress');
      const done = await eventually(async () => {
        const t = await c.status(b, id);
        return t.status === 'completed' ? t : null;
      }, { what: 'the task completed by the other server', timeoutMs: 20000 });
      // Claimed once the lease ran out (its last renewal at most half a second before the kill),
      // then run from the start.
      assert.ok(Date.now() - killed >= LEASE_MS - 500 + 2000, `done ${Date.now() - killed} ms after the kill`);
      assert.equal(done.result.choices[0].message.content, 'Hello from the fake provider.');
      const charges = await eventually(() => {
        const rows = c.charges(id);
        return rows.length > 0 ? rows : null;
      }, { what: 'the charge' });
      await sleep(500);  // a second charge would come with the next commits
      assert.equal(c.charges(id).length, 1, JSON.stringify(charges));
      const b2 = c.balance();
      assert.equal(b2.balance_nano_usd, sum(c.ledger()));
    } finally {
      await c.stop();
    }
  });

  it('stops a task another server runs when the cancel comes to this one, and charges nothing', async () => {
    const c = await cluster('cancel');
    try {
      const [a, b] = c.servers;
      const before = c.balance().balance_nano_usd;
      const id = await c.submit(a, 'slow fake: head_delay_ms=4000');
      await eventually(async () => (await c.status(b, id)).status === 'in_progress', { what: 'in_progress' });
      const t0 = Date.now();
      const cancelled = await c.api(b, 'POST', `/v1/tasks/${id}/cancel`, {});
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      // What the server running it wrote once it stopped: well before the upstream would answer.
      await eventually(async () => (await c.status(a, id)).status === 'cancelled', { what: 'cancelled on the store' });
      assert.ok(Date.now() - t0 < 2500, `the run stopped ${Date.now() - t0} ms after the cancel`);
      await sleep(4000 - (Date.now() - t0) + 500);  // past the moment the upstream would have answered
      assert.equal((await c.status(b, id)).status, 'cancelled');
      assert.deepEqual(c.charges(id), []);
      assert.equal(c.balance().balance_nano_usd, before);
      assert.equal(sum(c.ledger()), before);
    } finally {
      await c.stop();
    }
  });

  it('sends each task\'s webhook once with two servers, and a third that joins sends none again', async () => {
    const c = await cluster('webhooks', { extra: 'webhook_retry_seconds = 60' });
    const hook = await startReceiver();
    try {
      const [a, b] = c.servers;
      // The receiver refuses at first: every webhook stays pending, retried by its sender.
      hook.refusing = true;
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(await c.submit(i % 2 ? b : a, `task ${i}`, hook.url));
      const eventOf = (r) => JSON.parse(r.body).data.id;
      await eventually(() => ids.every((id) => hook.received.some((r) => eventOf(r) === id)),
        { what: 'a first attempt of every webhook' });
      await c.add();  // a server starting now leaves the webhooks to their senders
      await sleep(1000);
      hook.refusing = false;
      await eventually(async () => {
        const all = await Promise.all(ids.map((id) => c.status(a, id)));
        return all.every((t) => t.webhook_status === 'delivered');
      }, { what: 'every webhook delivered', timeoutMs: 15000 });
      await sleep(2500);  // a second sender's next attempt would come within its backoff
      for (const id of ids) {
        const calls = hook.received.filter((r) => eventOf(r) === id);
        assert.equal(calls.filter((r) => r.status === 200).length, 1, `one delivery of ${id}`);
        assert.equal(new Set(calls.map((r) => r.headers['webhook-id'])).size, 1, `one webhook-id for ${id}`);
        assert.equal(JSON.parse(calls[0].body).type, 'task.completed');
      }
    } finally {
      await hook.close();
      await c.stop();
    }
  });
});
