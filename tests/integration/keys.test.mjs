// API keys from the CLI: shown once, stored hashed, listed without secrets, and revocation seen
// by a running server within a second even though another process changed the store.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startStack, chat, user, sleep } from '../lib/harness.mjs';

describe('keys', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  it('prints a new key once, as the last line of standard output', () => {
    const out = s.gw.cli('keys', 'create', '--account', 'test', '--name', 'ci').trim().split('\n');
    assert.match(out.at(-1), /^sk-glm-[0-9A-Za-z]{43}$/);
  });

  it('gives {id,key,prefix,name} with --json', () => {
    const k = JSON.parse(s.gw.cli('keys', 'create', '--account', 'test', '--name', 'json-key', '--json'));
    assert.deepEqual(Object.keys(k).sort(), ['account_id', 'id', 'key', 'name', 'prefix']);
    assert.equal(k.name, 'json-key');
    assert.ok(k.key.startsWith(k.prefix));
    assert.match(k.id, /^key_/);
  });

  it('lists keys by id, name, prefix and state, never the secret', () => {
    const k = JSON.parse(s.gw.cli('keys', 'create', '--account', 'test', '--name', 'listed', '--json'));
    const table = s.gw.cli('keys', 'list');
    assert.ok(table.includes(k.id) && table.includes('listed') && table.includes(k.prefix));
    assert.ok(!table.includes(k.key));
    const rows = JSON.parse(s.gw.cli('keys', 'list', '--json'));
    const row = rows.find((r) => r.id === k.id);
    assert.equal(row.state, 'active');
    assert.ok(!JSON.stringify(rows).includes(k.key));
  });

  it('keeps only a SHA-256 hash of the secret in the store', () => {
    const k = JSON.parse(s.gw.cli('keys', 'create', '--account', 'test', '--name', 'hashed', '--json'));
    const dir = dirname(s.gw.store);
    const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
    assert.ok(!bytes.includes(k.key.slice(12)), 'the secret is not in the database files');
    const hash = execFileSync('sqlite3', [s.gw.store, `SELECT hash FROM api_keys WHERE id='${k.id}'`]).toString().trim();
    const expected = execFileSync('sh', ['-c', `printf %s '${k.key}' | sha256sum`]).toString().split(' ')[0];
    assert.equal(hash, expected);
  });

  it('accepts a key created by the CLI while the server runs, and refuses it within 1 s of revoke', async () => {
    const k = JSON.parse(s.gw.cli('keys', 'create', '--account', 'test', '--name', 'short-lived', '--json'));
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = (await chat(s, { model: 'glm-test', messages: user('hi') }, { key: k.key })).status === 200;
      if (!ok) await sleep(50);
    }
    assert.ok(ok, 'a new key works within a second');
    s.gw.cli('keys', 'revoke', k.id);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3000) {
      status = (await chat(s, { model: 'glm-test', messages: user('hi') }, { key: k.key })).status;
      if (status === 200) await sleep(25);
    }
    assert.equal(status, 401);
    assert.ok(Date.now() - revokedAt < 1000, `refused after ${Date.now() - revokedAt} ms`);
    const rows = JSON.parse(s.gw.cli('keys', 'list', '--json'));
    assert.equal(rows.find((r) => r.id === k.id).state, 'revoked');
  });

  it('says so when revoking an unknown id', () => {
    assert.throws(() => s.gw.cli('keys', 'revoke', 'key_nope'), (e) => e.status === 1 && /no key/.test(e.stderr));
  });
});
