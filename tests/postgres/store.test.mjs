// A user's path on a PostgreSQL store, through the real binaries (run by the ctest entry
// integration_postgres under scripts/with_postgres.sh, which sets GLMGATE_TEST_POSTGRES_URL): the
// operator points `store` at the database, `glmgate migrate` makes the schema, the CLI creates an
// account, grants credits and makes a key, and `glmgate serve` on the same store answers a chat
// completion through the fake provider and bills it: the balance is the ledger's sum, and the call
// is in `glmgate usage`. No output of the CLI or the server shows the database's password.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startFake, startGateway, fakeConfig, writeConfig, cliFor, chat, user, eventually, freshPostgresStore } from '../lib/harness.mjs';

// 1 USD / 2 USD per 1M tokens: 1000 and 2000 nano-USD per token.
const PRICED = [{
  id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096,
  input_price_per_mtok: 1, output_price_per_mtok: 2,
}];

describe('a store on PostgreSQL', () => {
  it('takes a user from migrate to a billed chat completion', async () => {
    const base = process.env.GLMGATE_TEST_POSTGRES_URL;
    assert.ok(base, 'GLMGATE_TEST_POSTGRES_URL names the test database (scripts/with_postgres.sh)');
    const password = decodeURIComponent(new URL(base).password);
    assert.ok(password.length > 0, 'the test database has a password');
    const store = freshPostgresStore(base, 'it');  // empty, whatever ran before
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: PRICED, extra: 'flush_interval_ms = 50' });
    const { dir, configPath } = writeConfig(config, { store: store.url });
    const cli = cliFor(configPath);
    let gw;
    try {
      const migrated = cli('migrate');
      assert.match(migrated, /^schema version 0 -> [1-9]\d*: migrated$/m);
      const latest = migrated.match(/-> (\d+)/)[1];
      assert.match(cli('migrate'), new RegExp(`^schema version ${latest} -> ${latest}: already current$`, 'm'));

      const account = JSON.parse(cli('accounts', 'create', 'alice', '--json'));
      cli('credits', 'grant', 'alice', '2');
      const key = JSON.parse(cli('keys', 'create', '--account', 'alice', '--json'));

      gw = await startGateway(config, { dir, store: store.url });
      assert.equal(gw.adminKey, undefined, 'the store had a key: no admin key is made');
      const r = await chat({ gw }, { model: 'glm-test', messages: user('hello from postgres') }, { key: key.key });
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.object, 'chat.completion');
      const cost = body.usage.prompt_tokens * 1000 + body.usage.completion_tokens * 2000;
      assert.ok(cost > 0);

      const ledger = await eventually(() => {
        const rows = JSON.parse(cli('ledger', 'alice', '--json'));
        return rows.some((row) => row.kind === 'charge') ? rows : null;
      }, { what: 'the charge in the ledger' });
      assert.deepEqual(ledger.map((row) => row.kind), ['grant', 'charge']);
      const charge = ledger[1];
      assert.equal(charge.amount_nano_usd, -cost);
      assert.equal(charge.request_id, r.headers.get('x-request-id'));
      const balance = JSON.parse(cli('credits', 'show', 'alice', '--json'));
      assert.equal(balance.balance_nano_usd, 2e9 - cost);
      assert.equal(balance.balance_nano_usd, ledger.reduce((sum, row) => sum + row.amount_nano_usd, 0));

      const usage = JSON.parse(cli('usage', '--account', 'alice', '--format', 'json'));
      assert.equal(usage.length, 1);
      assert.equal(usage[0].request_id, r.headers.get('x-request-id'));
      assert.equal(usage[0].account_id, account.id);
      assert.equal(usage[0].key_id, key.id);
      assert.equal(usage[0].model, 'glm-test');
      assert.equal(usage[0].status, 200);
      assert.equal(usage[0].cost_nano_usd, cost);
      assert.equal(usage[0].prompt_tokens, body.usage.prompt_tokens);
      assert.equal(usage[0].completion_tokens, body.usage.completion_tokens);

      await gw.stop({ keep: true });
      assert.ok(!gw.stderr().includes(password), 'the server never logs the password');
      gw = undefined;
      assert.ok(!migrated.includes(password));
    } finally {
      if (gw) await gw.stop({ keep: true });
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
      store.drop();
    }
  });
});
