// The console in a real browser (Debian's Chromium through playwright-core), as its users meet it:
// an operator sets a password from the CLI's link, creates an account, grants it credits and
// invites a member in the console; the member sets a password from that link, signs out and back in, creates a key (copied from the
// page) and calls the gateway with it through the official OpenAI SDK, then revokes it and the
// SDK is refused; the operator pauses the public API and resumes it. Everything is found by role
// and accessible name. Screenshots of each page go to $CONSOLE_OUT (the build folder's
// console-test/).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium } from 'playwright-core';
import { startStack, sleep } from '../lib/harness.mjs';

const OUT = process.env.CONSOLE_OUT ?? join(process.cwd(), 'console-test');
const PASSWORD = 'correct horse battery staple';

// The CLI's link, on the server's address (the tests' servers listen on a port of their own,
// which the config's listen = 127.0.0.1:0 does not name).
function linkOf(output, base) {
  const link = output.trim().split('\n').at(-1);
  assert.match(link, /\/#\/set-password\/[0-9A-Za-z]{43}$/);
  return `${base}/#/set-password/${link.split('/#/set-password/')[1]}`;
}

describe('the console in Chromium', () => {
  let s, browser, operator, member;
  const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    s = await startStack();
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', headless: true });
    const origin = s.gw.url;
    operator = await (await browser.newContext()).newPage();
    const memberContext = await browser.newContext();
    await memberContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    member = await memberContext.newPage();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  async function setPassword(page, link, shotName) {
    await page.goto(link);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await shot(page, shotName);
    await page.getByRole('button', { name: 'Set password' }).click();
  }

  it('lets an operator in from a CLI link, to create an account and grant it credits', async () => {
    await setPassword(operator, linkOf(s.gw.cli('users', 'create', '--operator', '--email', 'root@example.com'), s.gw.url), '01-set-password');
    await operator.getByRole('heading', { name: 'Public API' }).waitFor();
    assert.ok(!operator.url().includes('set-password'), 'the token left the address bar');
    await operator.getByRole('link', { name: 'Accounts' }).click();
    await operator.getByLabel('New account name').fill('acme');
    await operator.getByRole('button', { name: 'Create account' }).click();
    await operator.getByRole('cell', { name: 'acme', exact: true }).waitFor();
    await operator.getByLabel('Account to credit').fill('acme');
    await operator.getByLabel('Amount in USD').fill('10');
    await operator.getByLabel('Note').fill('welcome');
    await operator.getByRole('button', { name: 'Grant credits' }).click();
    await operator.getByRole('cell', { name: '$10.000000000' }).waitFor();
    await shot(operator, '02-operator-accounts');
    const ledger = JSON.parse(s.gw.cli('ledger', 'acme', '--json'));
    assert.equal(ledger.at(-1).note, 'welcome');
  });

  let secret;
  it('lets an invited member in, out and in again, and make a key shown once', async () => {
    // The operator invites the member in the console and hands the link over.
    await operator.getByRole('link', { name: 'Members' }).click();
    await operator.getByLabel("Member's account").fill('acme');
    await operator.getByLabel("Member's email").fill('ann@example.com');
    await operator.getByRole('button', { name: 'Invite member' }).click();
    const invitation = await operator.getByRole('status').locator('code').textContent();
    await operator.getByRole('cell', { name: 'invited' }).waitFor();
    await shot(operator, '03-operator-invited');
    assert.ok(invitation.startsWith(`${s.gw.url}/#/set-password/`), invitation);
    await setPassword(member, invitation, '03-member-set-password');
    await member.getByRole('heading', { name: 'Credits of acme' }).waitFor();
    await member.getByText('$10.000000000').first().waitFor();
    await member.getByRole('button', { name: 'Sign out' }).click();
    await member.getByRole('heading', { name: 'Sign in to glmgate' }).waitFor();
    await member.getByLabel('Email').fill('ann@example.com');
    await member.getByLabel('Password').fill('not the password');
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.getByRole('alert').filter({ hasText: 'the email or the password is wrong' }).waitFor();
    await member.getByLabel('Password').fill(PASSWORD);
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.getByRole('heading', { name: 'Credits of acme' }).waitFor();
    await shot(member, '04-member-overview');

    await member.getByRole('link', { name: 'Keys' }).click();
    await member.getByLabel('Key name').fill('sdk');
    await member.getByRole('button', { name: 'Create key' }).click();
    const shown = member.getByRole('status').locator('code');
    await shown.waitFor();
    await member.getByRole('button', { name: 'Copy key' }).click();
    secret = await member.evaluate(() => navigator.clipboard.readText());
    assert.match(secret, /^sk-glm-[0-9A-Za-z]{43}$/);
    assert.equal(await shown.textContent(), secret);
    await shot(member, '05-member-key-created');
    await member.getByRole('button', { name: 'Done' }).click();
    assert.equal(await member.getByText(secret).count(), 0, 'shown once');
  });

  it('bills the key, and refuses it once revoked', async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const done = await client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(done.choices[0].message.content.length > 0);
    await member.getByRole('button', { name: 'Revoke sdk' }).click();
    await member.getByRole('cell', { name: 'revoked' }).waitFor();
    await shot(member, '06-member-key-revoked');
    await assert.rejects(client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e.status === 401);
  });

  it('lets the operator pause the public API and resume it', async () => {
    const key = JSON.parse(s.gw.cli('keys', 'create', '--account', 'acme', '--json')).key;
    const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    await operator.getByRole('link', { name: 'Overview' }).click();
    await operator.getByRole('button', { name: 'Pause the API' }).click();
    await operator.getByText('Paused: every call answers 503.').waitFor();
    await shot(operator, '07-operator-paused');
    await assert.rejects(client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e.status === 503);
    await operator.getByRole('button', { name: 'Resume the API' }).click();
    await operator.getByText('Serving.').waitFor();
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = await client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }).then(() => true, () => false);
      if (!ok) await sleep(50);
    }
    assert.ok(ok, 'served again');
  });
});
