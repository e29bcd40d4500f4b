// Stores and clusters on the test PostgreSQL server (scripts/with_postgres.sh sets
// GLMGATE_TEST_POSTGRES_URL): a schema of the test's own, so that a store starts empty whatever ran
// before, and several `glmgate serve` processes on one such store. Used by tests/postgres.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startFake, startGateway, fakeConfig, writeConfig, cliFor } from './harness.mjs';

// A new schema `glmgate_<tag>_<pid>` in the test database; its URL reaches every connection of
// the store through libpq's `options`.
export function freshStore(base, tag) {
  const schema = `glmgate_${tag}_${process.pid}`;
  const psql = (sql) => execFileSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql],
    { stdio: 'pipe' });  // not DROP ... CASCADE's notices
  psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  return {
    url: `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`,
    drop: () => psql(`DROP SCHEMA ${schema} CASCADE`),
  };
}

// A store with alice holding `usd`, a key of hers and an admin key, and `n` servers on it (more
// with `add()`). `extra`: config lines for every server.
export async function startCluster(tag, { usd, n, models, extra = '', flushMs = 50 }) {
  const store = freshStore(process.env.GLMGATE_TEST_POSTGRES_URL, tag);
  const fake = await startFake();
  const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models,
    extra: `flush_interval_ms = ${flushMs}\nkey_refresh_ms = 100\n${extra}` });
  const { dir, configPath } = writeConfig(config, { store: store.url });
  const cli = cliFor(configPath);
  cli('migrate');
  cli('accounts', 'create', 'alice');
  cli('credits', 'grant', 'alice', String(usd));
  const key = JSON.parse(cli('keys', 'create', '--account', 'alice', '--rpm', '100000', '--json')).key;
  const admin = JSON.parse(cli('keys', 'create', '--admin', '--json')).key;
  const servers = [];
  const add = async () => {
    const gw = await startGateway(config, { store: store.url });
    servers.push(gw);
    return gw;
  };
  for (let i = 0; i < n; i++) await add();
  const balance = () => JSON.parse(cli('credits', 'show', 'alice', '--json'));
  const ledger = () => JSON.parse(cli('ledger', 'alice', '--json'));
  const stop = async () => {
    for (const gw of servers) await gw.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
    store.drop();
  };
  return { servers, add, key, admin, cli, balance, ledger, stop };
}
