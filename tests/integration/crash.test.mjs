// kill -9 in the middle of load: after a restart the balance equals the ledger sum, no request is
// charged twice, every charge has its usage record, and the account goes on working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeConfig, newAccount, chat, user, sleep } from '../lib/harness.mjs';

const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }];

function audit(gw, account) {
  const shown = JSON.parse(gw.cli('credits', 'show', account, '--json'));
  const ledger = JSON.parse(gw.cli('ledger', account, '--json'));
  const usage = JSON.parse(gw.cli('usage', '--account', account, '--format', 'json', '--limit', '100000'));
  return { shown, ledger, usage };
}

describe('crash', () => {
  it('keeps balance and ledger consistent across kill -9 under load', async () => {
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: MODELS, extra: 'flush_interval_ms = 20' });
    let gw = await startGateway(config);
    const dir = gw.dir;
    try {
      const a = await newAccount(gw, { name: 'load', credits: '100' });
      const stack = { gw };
      let stop = false;
      let answered = 0;
      const worker = async () => {
        while (!stop) {
          try {
            const r = await chat(stack, { model: 'glm-test', stream: answered % 2 === 0, messages: user('load fake: delay_ms=2') }, { key: a.key });
            await r.text();
            if (r.status === 200) answered++;
          } catch {
            return;  // the gateway died under us
          }
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await sleep(1500);
      await gw.kill();
      stop = true;
      await Promise.all(workers);
      assert.ok(answered > 50, `only ${answered} calls answered before the kill`);

      gw = await startGateway(config, { dir });
      stack.gw = gw;
      const before = audit(gw, 'load');
      const sum = before.ledger.reduce((s, e) => s + e.amount_nano_usd, 0);
      assert.equal(before.shown.balance_nano_usd, sum, 'balance equals the ledger sum');
      assert.equal(before.shown.reserved_nano_usd, 0, 'no reservation survives the process');
      const charges = before.ledger.filter((e) => e.kind === 'charge');
      assert.ok(charges.length > 0, 'some charges were committed before the kill');
      assert.ok(charges.length <= answered);
      assert.equal(new Set(charges.map((c) => c.request_id)).size, charges.length, 'no request charged twice');
      const charged = new Set(before.usage.filter((u) => u.cost_nano_usd > 0).map((u) => u.request_id));
      for (const c of charges) assert.ok(charged.has(c.request_id), `charge ${c.request_id} has its usage record`);
      assert.equal(before.shown.balance_nano_usd, 100e9 - charges.reduce((s, c) => s - c.amount_nano_usd, 0));

      // The restarted server starts from the stored balance and keeps billing.
      const r = await chat(stack, { model: 'glm-test', messages: user('after fake: chunks=1') }, { key: a.key });
      assert.equal(r.status, 200);
      await r.json();
      await gw.stop({ keep: true });
      const after = audit(gw, 'load');
      assert.equal(after.ledger.length, before.ledger.length + 1);
      assert.equal(after.shown.balance_nano_usd, after.ledger.reduce((s, e) => s + e.amount_nano_usd, 0));
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
