// A store written by an older glmgate (tests/fixtures/store-a67425d: schema 6, made by the binary
// of a67425d with make.mjs there) upgrades in place: `glmgate migrate` reports 6 -> the newest and
// then "already current"; the upgraded store serves everything it held (keys, revoked keys,
// balances equal to their ledger sums, usage, stored Chat and Responses outputs, a finished task,
// the admin key) and a new call is billed on top.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startFake, startGateway, fakeConfig, tempDir, chat, user, admin, GLMGATE_BIN } from '../lib/harness.mjs';

const fixture = new URL('../fixtures/store-a67425d/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(fixture, 'manifest.json'), 'utf8'));
const MODELS = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', input_price_per_mtok: 1, output_price_per_mtok: 2 }];

describe('store upgrade', () => {
  it('opens a store written by a67425d: migrate, then everything readable and billing on', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const store = join(dir, 'data', 'glmgate.db');
    writeFileSync(store, gunzipSync(readFileSync(join(fixture, 'store.db.gz'))));
    const configPath = join(dir, 'migrate.toml');
    writeFileSync(configPath, `store = ${JSON.stringify(`sqlite:${store}`)}\n`);
    const migrate = () => execFileSync(GLMGATE_BIN, ['migrate', '--config', configPath]).toString().trim();
    const first = migrate();
    const m = first.match(/^schema version (\d+) -> (\d+): migrated$/);
    assert.ok(m, first);
    assert.equal(Number(m[1]), manifest.schema_version);
    const latest = Number(m[2]);
    assert.ok(latest > manifest.schema_version);
    assert.equal(migrate(), `schema version ${latest} -> ${latest}: already current`);

    const fake = await startFake();
    const gw = await startGateway(fakeConfig({ baseUrl: `${fake.url}/v1`, models: MODELS }), { dir });
    const get = (key, path) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
      .then(async (r) => ({ status: r.status, body: await r.json() }));
    const audit = (name) => {
      const shown = JSON.parse(gw.cli('credits', 'show', name, '--json'));
      const ledger = JSON.parse(gw.cli('ledger', name, '--json'));
      assert.equal(shown.balance_nano_usd, ledger.reduce((s, e) => s + e.amount_nano_usd, 0), `${name}: balance = ledger sum`);
      assert.equal(shown.reserved_nano_usd, 0);
      return { shown, ledger };
    };
    try {
      assert.equal(gw.adminKey, undefined, 'no new admin key: the old one is there');
      assert.equal((await admin(gw, 'GET', 'accounts', undefined, { key: manifest.admin_key })).status, 200);
      for (const [name, a] of Object.entries(manifest.accounts)) {
        const { shown, ledger } = audit(name);
        assert.equal(shown.balance_nano_usd, a.balance_nano_usd, name);
        assert.equal(ledger.length, a.ledger_rows, name);
        assert.equal((await get(a.key, '/v1/models')).status, 200, `${name}'s key works`);
      }
      assert.equal((await get(manifest.revoked_key.key, '/v1/models')).status, 401, 'a revoked key stays revoked');
      const usage = JSON.parse(gw.cli('usage', '--format', 'json'));
      assert.equal(usage.length, manifest.usage_rows);

      const { alice, bob } = manifest.accounts;
      for (const id of manifest.chat_outputs.alice) {
        const r = await get(alice.key, `/v1/chat/completions/${id}`);
        assert.equal(r.status, 200, id);
        assert.equal(r.body.id, id);
      }
      assert.equal((await get(bob.key, `/v1/chat/completions/${manifest.chat_outputs.bob[0]}`)).status, 200);
      assert.equal((await get(bob.key, `/v1/chat/completions/${manifest.chat_outputs.alice[0]}`)).status, 404, 'not bob\'s');
      const response = await get(alice.key, `/v1/responses/${manifest.response_id}`);
      assert.equal(response.status, 200);
      assert.equal(response.body.status, 'completed');
      const task = await get(alice.key, `/v1/tasks/${manifest.task.id}`);
      assert.equal(task.body.status, 'completed');
      assert.equal(task.body.output_id, manifest.task.output_id);
      assert.equal((await get(alice.key, `/v1/chat/completions/${manifest.task.output_id}`)).status, 200);

      // A new call on the upgraded store is billed after the old rows.
      const r = await chat({ gw }, { model: 'glm-test', messages: user('after the upgrade') }, { key: alice.key });
      assert.equal(r.status, 200);
      await r.json();
      await gw.stop({ keep: true });
      const after = audit('alice');
      assert.equal(after.ledger.length, alice.ledger_rows + 1);
      assert.ok(after.shown.balance_nano_usd < alice.balance_nano_usd);
      assert.equal(migrate(), `schema version ${latest} -> ${latest}: already current`);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
