// The console's users from the CLI (`glmgate users`): an invitation or a reset prints a one-time
// link once, as the last line, pointing at console_url (or the listen address) with the token in
// the fragment; the store keeps only the token's SHA-256; emails are normalized and unique;
// members need an account; disabling ends a user's sessions and enabling lets them back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cliFor, writeConfig } from '../lib/harness.mjs';

function setup(extra = '') {
  const { configPath, store } = writeConfig(extra, { listen: '127.0.0.1:18099' });
  const cli = cliFor(configPath);
  cli('accounts', 'create', 'acme');
  return { cli, store };
}

// Runs a CLI command that must fail; resolves with its exit status and standard error.
function failing(cli, ...args) {
  try {
    cli(...args);
  } catch (e) {
    return { status: e.status, stderr: e.stderr.toString() };
  }
  assert.fail(`glmgate ${args.join(' ')} succeeded`);
}

describe('users (CLI)', () => {
  it('invites a member with a one-time link printed once, keeping only its hash', () => {
    const { cli, store } = setup('console_url = "https://gw.example.com/glm/"');
    const out = cli('users', 'invite', '--account', 'acme', '--email', ' Ann@Example.com ').trim().split('\n');
    const link = out.at(-1);
    const m = link.match(/^https:\/\/gw\.example\.com\/glm\/#\/set-password\/([0-9A-Za-z]{43})$/);
    assert.ok(m, link);
    assert.match(out[0], /^Invited ann@example\.com \(usr_[0-9A-Za-z]+, member\)\. This link sets a password once, within 168 hours/);
    const token = m[1];
    const hashes = execFileSync('sqlite3', [store, 'SELECT token_hash, purpose FROM user_links']).toString().trim();
    const expected = execFileSync('sh', ['-c', `printf %s '${token}' | sha256sum`]).toString().split(' ')[0];
    assert.equal(hashes, `${expected}|invite`);
    assert.ok(!execFileSync('sqlite3', [store, '.dump']).toString().includes(token));

    const [ann] = JSON.parse(cli('users', 'list', '--json'));
    assert.deepEqual(Object.keys(ann).sort(), ['account_id', 'created_at', 'disabled', 'email', 'id', 'password_set', 'role']);
    assert.equal(ann.email, 'ann@example.com');
    assert.equal(ann.role, 'member');
    assert.equal(ann.password_set, false);
    assert.match(cli('users', 'list'), /ann@example\.com\s+member\s+acct_\S+\s+invited/);
  });

  it('creates an operator, links to the listen address by default, and gives JSON', () => {
    const { cli } = setup();
    const op = JSON.parse(cli('users', 'create', '--operator', '--email', 'root@example.com', '--json'));
    assert.equal(op.role, 'operator');
    assert.equal(op.account_id, '');
    assert.match(op.link, /^http:\/\/127\.0\.0\.1:18099\/#\/set-password\/[0-9A-Za-z]{43}$/);
    assert.ok(op.link_expires_at > Date.now() / 1000 + 167 * 3600);
    const reset = JSON.parse(cli('users', 'reset', '--email', 'ROOT@example.com', '--json'));
    assert.notEqual(reset.link, op.link);
    const err = failing(cli, 'users', 'create', '--email', 'x@example.com');
    assert.match(err.stderr, /--operator is required/);
  });

  it('refuses a taken email, a bad one, an unknown account or user, with what went wrong', () => {
    const { cli } = setup();
    cli('users', 'invite', '--account', 'acme', '--email', 'ann@example.com');
    const cases = [
      [['users', 'invite', '--account', 'acme', '--email', 'ANN@example.com'], /a user with the email ann@example\.com exists already/],
      [['users', 'invite', '--account', 'nobody', '--email', 'bob@example.com'], /no account is named or has the id "nobody"/],
      [['users', 'invite', '--account', 'acme', '--email', 'bob@localhost'], /"bob@localhost" is not an email address/],
      [['users', 'reset', '--email', 'nobody@example.com'], /no user has the email "nobody@example\.com"/],
      [['users', 'disable', 'usr_nobody'], /no user has the id "usr_nobody"/],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = failing(cli, ...args);
      assert.equal(status, 1, args.join(' '));
      assert.match(stderr, message);
    }
    assert.equal(JSON.parse(cli('users', 'list', '--json')).length, 1);
  });

  it('disables a user (their sessions end) and enables them again', () => {
    const { cli, store } = setup();
    const ann = JSON.parse(cli('users', 'invite', '--account', 'acme', '--email', 'ann@example.com', '--json'));
    execFileSync('sqlite3', [store, `INSERT INTO sessions VALUES ('h1', '${ann.id}', 1, 1, 9999999999999)`]);
    assert.match(cli('users', 'disable', ann.id), /^Disabled ann@example\.com .*their sessions ended/);
    assert.equal(execFileSync('sqlite3', [store, 'SELECT count(*) FROM sessions']).toString().trim(), '0');
    assert.equal(JSON.parse(cli('users', 'list', '--json'))[0].disabled, true);
    assert.match(failing(cli, 'users', 'reset', '--email', 'ann@example.com').stderr, /is disabled: enable it first/);
    cli('users', 'enable', ann.id);
    assert.equal(JSON.parse(cli('users', 'list', '--account', 'acme', '--json'))[0].disabled, false);
  });
});
