// Several `glmgate serve` processes on one PostgreSQL store, for the tests of tests/postgres/ (run
// by the ctest entry integration_postgres under scripts/with_postgres.sh).
import { rmSync } from 'node:fs';
import { startFake, startGateway, fakeConfig, writeConfig, cliFor, chat, user, freshPostgresStore } from '../lib/harness.mjs';

// Dear enough that a few dozen calls spend the grant: 1,000 USD and 2,000 USD per 1M tokens.
export const PRICED = [{
  id: 'glm-test', upstream_model: 'fake-glm-upstream', max_output_tokens: 4096,
  input_price_per_mtok: 1000, output_price_per_mtok: 2000,
}];
export const MAX_TOKENS = 40;

// A store with alice holding `usd`, a key of hers and an admin key, and `n` servers on it (one
// more with `add()`), sharing
// the Redis of GLMGATE_TEST_REDIS_URL (scripts/with_redis.sh) unless `redis` is false. The
// servers reach the store at `serverStore(url)` (a proxy a test can cut), the CLI directly.
export async function cluster(tag, { usd, n, extra = '', flushMs = 50, refreshMs = 100, serverStore = (url) => url, redis = true, provider = {} }) {
  const redisUrl = process.env.GLMGATE_TEST_REDIS_URL;
  if (redis) {
    if (!redisUrl) throw new Error('GLMGATE_TEST_REDIS_URL names the test Redis (scripts/with_redis.sh)');
    extra = `redis = "${redisUrl}"\n${extra}`;
  }
  const store = freshPostgresStore(process.env.GLMGATE_TEST_POSTGRES_URL, tag);
  const fake = await startFake();
  const config = fakeConfig({ baseUrl: `${fake.url}/v1`, models: PRICED, provider,
    extra: `flush_interval_ms = ${flushMs}\nkey_refresh_ms = ${refreshMs}\n${extra}` });
  const { dir, configPath } = writeConfig(config, { store: store.url });
  const cli = cliFor(configPath);
  cli('migrate');
  cli('accounts', 'create', 'alice');
  cli('credits', 'grant', 'alice', String(usd));
  const key = JSON.parse(cli('keys', 'create', '--account', 'alice', '--rpm', '100000', '--json')).key;
  const admin = JSON.parse(cli('keys', 'create', '--admin', '--json')).key;
  const servers = [];
  const add = async () => {
    const gw = await startGateway(config, { store: serverStore(store.url) });
    servers.push(gw);
    return gw;
  };
  for (let i = 0; i < n; i++) await add();
  const ask = (gw) => chat({ gw }, { model: 'glm-test', messages: user('Spend a little.'), max_tokens: MAX_TOKENS }, { key });
  const balance = () => JSON.parse(cli('credits', 'show', 'alice', '--json'));
  const ledger = () => JSON.parse(cli('ledger', 'alice', '--json'));
  const stop = async () => {
    for (const gw of servers) await gw.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
    store.drop();
  };
  return { servers, add, key, ask, balance, ledger, admin, cli, stop, fake };
}

export const sum = (rows) => rows.reduce((s, row) => s + row.amount_nano_usd, 0);

