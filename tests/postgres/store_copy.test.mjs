// Moving a single-box install to PostgreSQL (run by the ctest entry integration_postgres under
// scripts/with_postgres.sh): a SQLite store filled through the CLI and served requests (keys, a
// revoked one among them, a grant, charges, stored outputs, a background task, a setting, a
// webhook secret) is copied with `glmgate store copy` into an empty PostgreSQL schema; a server
// on PostgreSQL then takes the same key, shows the same balance, ledger, usage, outputs and task,
// refuses the revoked key, and bills on. The copy goes back to SQLite too. It refuses a source a
// running server holds, and a target that is not empty, and never shows the password.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  GLMGATE_BIN, startFake, startGateway, fakeConfig, writeConfig, cliFor, chat, user, eventually,
  freshPostgresStore,
} from '../lib/harness.mjs';

const PRICED = [{
  id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096,
  input_price_per_mtok: 1, output_price_per_mtok: 2,
}];

// `glmgate store copy`: its exit status and what it printed.
function storeCopy(from, to) {
  const r = spawnSync(GLMGATE_BIN, ['store', 'copy', '--from', from, '--to', to], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

// What the CLI shows of an install: alice's balance, ledger and usage, the keys.
function snapshot(cli) {
  return {
    balance: JSON.parse(cli('credits', 'show', 'alice', '--json')).balance_nano_usd,
    ledger: JSON.parse(cli('ledger', 'alice', '--json')),
    usage: JSON.parse(cli('usage', '--account', 'alice', '--format', 'json')),
    keys: JSON.parse(cli('keys', 'list', '--json')),
  };
}

const call = (gw, key, method, path, body) => fetch(`${gw.url}${path}`, {
  method,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: body && JSON.stringify(body),
});

describe('glmgate store copy', () => {
  it('moves a SQLite install to PostgreSQL, where a server serves it as it was', async () => {
    const base = process.env.GLMGATE_TEST_POSTGRES_URL;
    assert.ok(base, 'GLMGATE_TEST_POSTGRES_URL names the test database (scripts/with_postgres.sh)');
    const password = decodeURIComponent(new URL(base).password);
    const pg = freshPostgresStore(base, 'copy');
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: PRICED, extra: 'flush_interval_ms = 50' });
    // The single box: a SQLite store, its server and its CLI.
    const box = await startGateway(config);
    const sqlite = `sqlite:${box.store}`;
    const { configPath: pgConfig, dir: pgDir } = writeConfig(config, { store: pg.url });
    const pgCli = cliFor(pgConfig);
    const back = join(box.dir, 'back', 'glmgate.db');
    let served;
    try {
      const account = JSON.parse(box.cli('accounts', 'create', 'alice', '--json'));
      box.cli('credits', 'grant', 'alice', '3', '--note', 'welcome');
      const key = JSON.parse(box.cli('keys', 'create', '--account', 'alice', '--rpm', '1000', '--json'));
      const revoked = JSON.parse(box.cli('keys', 'create', '--account', 'alice', '--json'));
      box.cli('keys', 'revoke', revoked.id);
      box.cli('webhooks', 'secret', 'alice');
      box.cli('pause');
      box.cli('resume');  // the setting stays, "0"
      // Charges and outputs through the server: a chat completion, a Responses turn, a task.
      const chatted = await chat({ gw: box }, { model: 'glm-test', messages: user('Before the move.') }, { key: key.key });
      assert.equal(chatted.status, 200);
      const completion = await chatted.json();
      const turned = await call(box, key.key, 'POST', '/v1/responses', { model: 'glm-test', input: 'Remember 42.' });
      assert.equal(turned.status, 200);
      const response = await turned.json();
      const queued = await call(box, key.key, 'POST', '/v1/tasks',
        { path: '/v1/chat/completions', body: { model: 'glm-test', messages: user('Later.') } });
      const taskId = (await queued.json()).id;
      const task = await eventually(async () => {
        const t = await (await call(box, key.key, 'GET', `/v1/tasks/${taskId}`)).json();
        return t.status === 'completed' ? t : null;
      }, { what: 'the task to complete' });

      // A server holds the store: the copy is refused, naming it.
      const busy = storeCopy(sqlite, pg.url);
      assert.equal(busy.status, 1);
      assert.match(busy.stderr, new RegExp(`server \\(pid ${box.pid}\\) is serving the source store`));
      assert.match(busy.stderr, /Stop it first/);
      await box.stop({ keep: true });  // commits what was left to write
      const before = snapshot(box.cli);
      assert.equal(before.ledger.filter((e) => e.kind === 'charge').length, 3);
      assert.equal(before.keys.length, 3);  // the admin key made at first start, alice's two

      const copied = storeCopy(sqlite, pg.url);
      assert.equal(copied.status, 0, copied.all);
      assert.match(copied.stdout, /copying 1 account, 3 keys \(1 revoked\), 4 ledger rows, 3 usage records, 3 outputs, 1 task, 1 setting, 1 webhook secret/);
      assert.match(copied.stdout, /copied and checked/);
      assert.ok(copied.stdout.includes('postgres://glmgate:***@'), 'the target is named without its password');
      assert.ok(!copied.all.includes(password), 'no password in what it printed');
      const after = snapshot(pgCli);
      assert.deepEqual(after, before);
      assert.equal(after.balance, after.ledger.reduce((sum, e) => sum + e.amount_nano_usd, 0));

      // A server on PostgreSQL takes it from there.
      served = await startGateway(config, { store: pg.url });
      assert.equal(served.adminKey, undefined, 'the copied store has keys: no admin key is made');
      const shown = await (await call(served, box.adminKey, 'GET', '/admin/v1/accounts/alice')).json();
      assert.equal(shown.balance_nano_usd, before.balance);
      const stored = await call(served, key.key, 'GET', `/v1/chat/completions/${completion.id}`);
      assert.equal(stored.status, 200);
      assert.equal((await stored.json()).choices[0].message.content, completion.choices[0].message.content);
      const chained = await call(served, key.key, 'POST', '/v1/responses',
        { model: 'glm-test', input: 'What was it?', previous_response_id: response.id });
      assert.equal(chained.status, 200, await chained.clone().text());
      await chained.arrayBuffer();
      const gotTask = await (await call(served, key.key, 'GET', `/v1/tasks/${taskId}`)).json();
      assert.equal(gotTask.status, 'completed');
      assert.deepEqual(gotTask.result, task.result);
      const refused = await chat({ gw: served }, { model: 'glm-test', messages: user('hi') }, { key: revoked.key });
      assert.equal(refused.status, 401);
      await refused.arrayBuffer();
      const billed = await eventually(() => {
        const s = snapshot(pgCli);  // its reads may straddle the commit: wait for one after it
        return s.ledger.length === before.ledger.length + 1 && s.balance !== before.balance ? s : null;
      }, { what: 'the chained turn billed on PostgreSQL' });
      const next = billed.ledger.at(-1);
      assert.ok(next.id > before.ledger.at(-1).id, 'new ledger rows come after the copied ones');
      assert.equal(billed.balance, before.balance + next.amount_nano_usd);
      assert.equal(billed.usage[0].request_id, chained.headers.get('x-request-id'));
      assert.equal(billed.usage.length, before.usage.length + 1);
      assert.equal(JSON.parse(pgCli('accounts', 'list', '--json'))[0].id, account.id);
      await served.stop({ keep: true });
      assert.ok(!served.stderr().includes(password));
      served = undefined;

      // The target holds an install now: a second copy into it is refused, saying what it holds.
      const again = storeCopy(sqlite, pg.url);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /is not empty: it holds 1 account, 3 keys \(1 revoked\), 5 ledger rows/);
      assert.match(again.stderr, /Copy into an empty store/);
      assert.ok(!again.all.includes(password));

      // And back: PostgreSQL to a new SQLite file.
      const home = storeCopy(pg.url, `sqlite:${back}`);
      assert.equal(home.status, 0, home.all);
      assert.match(home.stdout, /copied and checked/);
      const backConfig = writeConfig(config, { store: `sqlite:${back}` });
      assert.deepEqual(snapshot(cliFor(backConfig.configPath)), snapshot(pgCli));
      rmSync(backConfig.dir, { recursive: true, force: true });
    } finally {
      if (served) await served.stop({ keep: true });
      await fake.stop();
      rmSync(box.dir, { recursive: true, force: true });
      rmSync(pgDir, { recursive: true, force: true });
      pg.drop();
    }
  });
});
