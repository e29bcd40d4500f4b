// Test harness: starts tools/fake_provider and the real glmgate binary on free ports with a
// temporary config and store, and stops them at the end of a test (asserting a clean exit, so a
// sanitizer report fails the test). Used by tests/integration and tests/sdk.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..');
export const GLMGATE_BIN = process.env.GLMGATE_BIN ?? join(root, 'build/release/glmgate');
export const FAKE_BIN = process.env.FAKE_PROVIDER_BIN ?? join(root, 'build/release/fake_provider');

// Spawns `bin` and resolves once a stdout line matches `ready`; returns the child, that match,
// and all stdout lines seen so far.
function startProcess(bin, args, ready, { env, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let stderr = '';
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not start in time; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        const m = line.match(ready);
        if (m) {
          clearTimeout(timer);
          resolve({ child, match: m, lines, stderr: () => stderr });
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code} before it was ready; stderr:\n${stderr}`));
    });
  });
}

async function stopProcess(proc, name) {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
  const { code, signal } = await exited;
  clearTimeout(killer);
  assert.equal(code, 0, `${name} exited with ${code ?? signal}; stderr:\n${proc.stderr().slice(-4000)}`);
  return code;
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'glmgate-test-'));
}

// A self-signed certificate for localhost and 127.0.0.1.
export function makeCertificate(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  { stdio: 'ignore' });
  return { cert, key };
}

export async function startFake({ tls } = {}) {
  const args = ['--port', '0'];
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  const proc = await startProcess(FAKE_BIN, args, /listening on (https?):\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(proc.match[2]);
  const url = `${proc.match[1]}://${tls ? 'localhost' : '127.0.0.1'}:${port}`;
  const admin = `http://127.0.0.1:${port}`;
  const get = async (path) => {
    if (tls) return JSON.parse(execFileSync('curl', ['-sk', `https://127.0.0.1:${port}${path}`]).toString());
    return (await fetch(`${admin}${path}`)).json();
  };
  return {
    url,
    port,
    stats: () => get('/_fake/stats'),
    last: () => get('/_fake/last'),
    requests: () => get('/_fake/requests'),
    // A directive for every request until reset (e.g. 'status=500': a provider that is down).
    script: (directive) => fetch(`${admin}/_fake/script`, { method: 'POST', body: directive }),
    reset: () => (tls ? execFileSync('curl', ['-sk', '-XPOST', `https://127.0.0.1:${port}/_fake/reset`])
      : fetch(`${admin}/_fake/reset`, { method: 'POST' })),
    stop: () => stopProcess(proc, 'fake_provider'),
  };
}

const tomlString = (s) => JSON.stringify(String(s));

// The default test catalog: a tool-capable reasoning model and one without tools, both on `fake`.
export function fakeConfig({ baseUrl, caFile, apiKeyEnv, provider = {}, models, extra = '' } = {}) {
  const p = [
    '[[providers]]',
    'name = "fake"',
    `kind = ${tomlString(provider.kind ?? 'openai')}`,
    `base_url = ${tomlString(baseUrl)}`,
  ];
  if (caFile) p.push(`ca_file = ${tomlString(caFile)}`);
  if (apiKeyEnv) p.push(`api_key_env = ${tomlString(apiKeyEnv)}`);
  for (const [k, v] of Object.entries(provider).filter(([k]) => k !== 'kind')) p.push(`${k} = ${typeof v === 'string' ? tomlString(v) : v}`);
  const m = models ?? [
    { id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096 },
    { id: 'no-tools', upstream_model: 'fake-plain', tools: false },
  ];
  const modelLines = m.flatMap((model) => ['[[models]]', 'provider = "fake"',
    ...Object.entries(model).map(([k, v]) => `${k} = ${typeof v === 'string' ? tomlString(v) : v}`), '']);
  return [extra, ...p, '', ...modelLines].join('\n');
}

// Writes `configText` to glmgate.toml in `dir` with listen and store filled in: `listen` (a free
// port unless given), `store` (a store URL) when given, else a SQLite store in `dir`. Returns the
// config's path and the SQLite file's.
export function writeConfig(configText, { dir = tempDir(), store, listen = '127.0.0.1:0' } = {}) {
  const configPath = join(dir, 'glmgate.toml');
  const sqlite = join(dir, 'data', 'glmgate.db');
  writeFileSync(configPath, [
    `listen = ${tomlString(listen)}`,
    `store = ${tomlString(store ?? `sqlite:${sqlite}`)}`,
    'log_level = "warn"',
    configText,
  ].join('\n'));
  return { dir, configPath, store: sqlite };
}

// Runs a CLI command on the config at `configPath`; resolves with its stdout.
export function cliFor(configPath, env) {
  // Listings of a busy test (the crash test's usage and ledger) run past execFileSync's 1 MB default.
  return (...args) => execFileSync(GLMGATE_BIN, [...args, '--config', configPath],
    { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 }).toString();
}

// Starts glmgate with `configText` (listen and store are filled in: `listen`, else a free port;
// `store`, a store URL, or a SQLite file in `dir`). Resolves with its URL, the admin key it
// printed on first start, and helpers to run CLI commands on the same store.
export async function startGateway(configText, { env, dir = tempDir(), timeoutMs, store: storeUrl, listen } = {}) {
  const { configPath, store } = writeConfig(configText, { dir, store: storeUrl, listen });
  const proc = await startProcess(GLMGATE_BIN, ['serve', '--config', configPath],
    /glmgate listening on http:\/\/127\.0\.0\.1:(\d+)/, { env, timeoutMs });
  const port = Number(proc.match[1]);
  const adminKey = proc.lines.find((l) => l.startsWith('sk-glm-'));
  const cli = cliFor(configPath, env);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.child.pid,
    adminKey,
    dir,
    configPath,
    store,
    cli,
    stderr: proc.stderr,
    // SIGKILL, as a crash: nothing gets to flush. The store stays for a restart.
    kill: async () => {
      const { child } = proc;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    // `keep` leaves the store behind for a restart on the same directory.
    stop: async ({ keep = false } = {}) => {
      await stopProcess(proc, 'glmgate');
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A schema of its own in the PostgreSQL database at `base` (GLMGATE_TEST_POSTGRES_URL), created
// empty: `url` is a store URL that works in it, `drop()` removes it.
export function freshPostgresStore(base, tag) {
  const schema = `glmgate_${tag}_${process.pid}`;
  const psql = (sql) => execFileSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql],
    { stdio: 'pipe' });
  psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  return {
    url: `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`,
    drop: () => psql(`DROP SCHEMA ${schema} CASCADE`),
  };
}

// A key made by the CLI reaches a running server's cache within its refresh interval.
export async function waitForKey(url, key, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await r.arrayBuffer();
    if (r.status === 200) return;
    await sleep(20);
  }
  throw new Error('the new key never became valid');
}

// Creates an account with `credits` USD and a key for it (with `keyArgs`, e.g. ['--rpm', '5']),
// and waits until the running gateway accepts the key. Returns { account, key, keyId }.
export async function newAccount(gw, { name = `acct-${++accountCounter}`, credits = '1000', keyArgs = ['--rpm', '1000000'] } = {}) {
  const account = JSON.parse(gw.cli('accounts', 'create', name, '--json'));
  if (Number(credits) > 0) gw.cli('credits', 'grant', name, String(credits));
  const k = JSON.parse(gw.cli('keys', 'create', '--account', name, ...keyArgs, '--json'));
  await waitForKey(gw.url, k.key);
  return { account, name, key: k.key, keyId: k.id };
}
let accountCounter = 0;

// Fake provider + gateway in one call, with a fresh account and key (generous credits and rate
// limit unless `credits` / `keyArgs` say otherwise).
export async function startStack({ config = {}, env, tls, credits, keyArgs } = {}) {
  const fake = await startFake({ tls });
  // `config.baseUrlSuffix`: the path after the fake's URL ('/v1' for OpenAI-kind providers).
  const gw = await startGateway(fakeConfig({ baseUrl: `${fake.url}${config.baseUrlSuffix ?? '/v1'}`, ...config }), { env });
  const acct = await newAccount(gw, { name: 'test', credits, keyArgs });
  const key = acct.key;
  const stack = {
    account: acct,
    fake,
    gw,
    key,
    // Stops the gateway the stack holds now (a test may have restarted it) and the fake.
    stop: async () => {
      await stack.gw.stop();
      await fake.stop();
    },
  };
  return stack;
}

// Calls the admin API with the gateway's admin key; resolves with { status, body }.
export async function admin(gw, method, path, body, { key = gw.adminKey } = {}) {
  const r = await fetch(`${gw.url}/admin/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

// Polls `fn` until it returns a truthy value (or throws after `timeoutMs`).
export async function eventually(fn, { timeoutMs = 5000, what = 'the condition' } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await sleep(25);
  }
  throw new Error(`${what} did not hold within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

// Polls a fake provider's stats every 100 ms, up to `tries` times, until it saw a cancelled
// stream; the last stats either way.
export async function cancelledStats(fake, tries) {
  let stats;
  for (let i = 0; i < tries; i++) {
    await sleep(100);
    stats = await fake.stats();
    if (stats.streams_cancelled > 0) break;
  }
  return stats;
}

// Until a fake provider has received `n` requests since its last reset: a call is upstream (a
// fixed wait could end before it got there on a loaded machine).
export function reachedUpstream(fake, n = 1) {
  return eventually(async () => (await fake.stats()).requests >= n,
    { what: `${n} request(s) at the fake provider` });
}

// POSTs JSON to the gateway's chat endpoint with `key`.
export function chat(stack, body, { key = stack.key, headers = {}, signal } = {}) {
  return fetch(`${stack.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

// Reads an SSE response into its frames: { data: [...parsed JSON or '[DONE]'], comments: n }.
export async function readSse(response) {
  const text = await response.text();
  const frames = text.split('\n\n').filter((f) => f.length > 0);
  const data = [];
  let comments = 0;
  for (const f of frames) {
    if (f.startsWith(':')) { comments++; continue; }
    const payload = f.replace(/^data: /, '');
    data.push(payload === '[DONE]' ? payload : JSON.parse(payload));
  }
  return { data, comments, text };
}

export const user = (content) => [{ role: 'user', content }];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
