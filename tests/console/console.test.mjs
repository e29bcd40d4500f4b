// The console in a real browser (Debian's Chromium through playwright-core), as its users meet it:
// an operator sets a password from the CLI's link, creates an account, grants it credits and
// invites a member in the console; the member sets a password from that link, signs out and back in, creates a key (copied from the
// page) and calls the gateway with it through the official OpenAI SDK; the member finds that call
// in the request log, the usage chart and the stored outputs, chats (streamed, with the reasoning
// folded away, and stopped midway), then revokes the key and the SDK is refused; the operator
// pauses the public API (the chat says so) and resumes it, and reads the catalog and the health
// pages. Everything is found by role and accessible name. Screenshots of each page go to
// $CONSOLE_OUT (the build folder's console-test/), with page_calls.json: the API calls of a full
// load of each page, by role ({"member": {"#/usage": ["GET /console/api/session", ...]}}), which
// the plan caps at 5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium } from 'playwright-core';
import { startStack, sleep } from '../lib/harness.mjs';

const OUT = process.env.CONSOLE_OUT ?? join(process.cwd(), 'console-test');
const PASSWORD = 'correct horse battery staple';
const MAX_CALLS_PER_PAGE = 5;

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
    await operator.getByLabel('Amount in USD').fill('10.5');
    await operator.getByLabel('Note').fill('welcome');
    await operator.getByRole('button', { name: 'Grant credits' }).click();
    await operator.getByRole('cell', { name: '$10.500000000' }).waitFor();
    // An adjustment takes some back, with its own note.
    await operator.getByLabel('Account to credit').fill('acme');
    await operator.getByLabel('Kind').selectOption('adjustment');
    await operator.getByLabel('Amount in USD').fill('-0.5');
    await operator.getByLabel('Note').fill('over-granted');
    await operator.getByRole('button', { name: 'Adjust balance' }).click();
    await operator.getByRole('cell', { name: '$10.000000000' }).waitFor();
    await shot(operator, '02-operator-accounts');
    const ledger = JSON.parse(s.gw.cli('ledger', 'acme', '--json'));
    assert.deepEqual(ledger.slice(-2).map((e) => [e.kind, e.note]), [['grant', 'welcome'], ['adjustment', 'over-granted']]);
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

  let requestId, outputId;
  it('bills the key', async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const { data: done, response } = await client.chat.completions
      .create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.ok(done.choices[0].message.content.length > 0);
    requestId = response.headers.get('x-request-id');
    outputId = done.id;
    assert.ok(requestId);
  });

  // Usage reaches the store with the next batch commit (about 200 ms): reload until it shows.
  async function reloadUntil(page, locator, what) {
    for (let i = 0; i < 30; i++) {
      if (await locator.waitFor({ timeout: 1000 }).then(() => true, () => false)) return;
      await page.reload();
    }
    assert.fail(`${what} never showed`);
  }

  it('shows the call in the request log, the usage chart and the stored outputs', async () => {
    await member.getByRole('link', { name: 'Requests', exact: true }).click();
    await reloadUntil(member, member.getByRole('cell', { name: requestId }), 'the SDK call in the request log');
    const row = member.getByRole('row').filter({ has: member.getByRole('cell', { name: requestId }) });
    await row.getByRole('cell', { name: 'glm-test', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'sdk', exact: true }).waitFor();
    await shot(member, '08-member-requests');

    await member.getByRole('link', { name: 'Usage', exact: true }).click();
    await reloadUntil(member, member.getByRole('img', { name: 'Requests per day: 1 in total' }), 'the call in the usage chart');
    await member.getByRole('table', { name: 'Totals by model' }).getByRole('cell', { name: 'glm-test', exact: true }).waitFor();
    await member.getByText('Requests per day as a table').click();
    await member.getByRole('table', { name: 'Requests per day' }).getByRole('cell', { name: '1', exact: true }).first().waitFor();
    await shot(member, '09-member-usage');

    await member.getByRole('link', { name: 'Overview', exact: true }).click();
    await member.getByRole('img', { name: 'Requests per day: 1 in total' }).waitFor();
    await member.getByRole('table', { name: 'Latest requests' }).getByRole('cell', { name: requestId }).waitFor();
    await shot(member, '10-member-overview-week');

    await member.getByRole('link', { name: 'Outputs', exact: true }).click();
    await member.getByLabel('Output ID').fill(outputId);
    await member.getByRole('button', { name: 'Open output' }).click();
    await member.getByRole('article', { name: 'Output' }).getByText('Hello from the fake provider.', { exact: true }).waitFor();
    await shot(member, '11-member-output');

    await member.getByRole('link', { name: 'Ledger', exact: true }).click();
    await member.getByRole('cell', { name: 'welcome' }).waitFor();
    await shot(member, '12-member-ledger');
  });

  const assistant = () => member.getByRole('article', { name: 'Assistant' }).last();
  const answerText = () => assistant().locator('.md').textContent().catch(() => '');

  it('chats: a streamed answer in Markdown, with its reasoning folded away', async () => {
    await member.getByRole('link', { name: 'Chat', exact: true }).click();
    await member.getByLabel('Model').selectOption('glm-test');
    await member.getByLabel('Message').fill('hi fake: chunks=5 delay_ms=50 reasoning=2');
    await member.getByRole('button', { name: 'Send' }).click();
    await assistant().getByText('Hello from the fake provider.').waitFor();
    await assistant().getByText(/prompt \+ \d+ completion tokens/).waitFor();
    const reasoning = assistant().locator('details');
    assert.equal(await reasoning.evaluate((d) => d.open), false, 'the reasoning starts folded');
    assert.equal(await assistant().getByText('Let me think about this carefully.').isVisible(), false);
    await assistant().getByText('Reasoning', { exact: true }).click();
    await assistant().getByText('Let me think about this carefully.').waitFor();
    await member.getByRole('button', { name: 'Send' }).waitFor();
    await shot(member, '13-member-chat');
  });

  it('stops a long answer midway, and Send is back', async () => {
    await member.getByRole('button', { name: 'New chat' }).click();
    // 400 one-letter chunks, 50 ms apart: 20 s of answer unless stopped.
    await member.getByLabel('Message').fill(`fake: chunks=400 delay_ms=50 text=${'word_'.repeat(80)}`);
    await member.getByRole('button', { name: 'Send' }).click();
    for (let i = 0; i < 100 && (await answerText()).length < 20; i++) await sleep(50);
    assert.ok((await answerText()).length >= 20, 'the answer streams');
    await member.getByRole('button', { name: 'Stop' }).click();
    await assistant().getByText('Stopped.').waitFor();
    const stopped = await answerText();
    await sleep(500);
    assert.equal(await answerText(), stopped, 'no text after Stop');
    assert.ok(stopped.length < 390, `stopped midway (${stopped.length} characters)`);
    assert.ok(await member.getByRole('button', { name: 'Send' }).isEnabled());
    await shot(member, '14-member-chat-stopped');
    // The conversations outlive a reload (localStorage), the chat token does not need to.
    await member.reload();
    await member.getByRole('navigation', { name: 'Conversations' }).getByText('hi fake: chunks=5').waitFor();
  });

  it('refuses the key once revoked', async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    await member.getByRole('link', { name: 'Keys', exact: true }).click();
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
    await member.getByRole('link', { name: 'Chat', exact: true }).click();
    await member.getByLabel('Message').fill('hello?');
    await member.getByRole('button', { name: 'Send' }).click();
    await assistant().getByRole('alert').filter({ hasText: 'paused' }).waitFor();
    await shot(member, '15-member-chat-paused');
    await operator.getByRole('button', { name: 'Resume the API' }).click();
    await operator.getByText('Serving.').waitFor();
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = await client.chat.completions.create({ model: 'glm-test', messages: [{ role: 'user', content: 'hi' }] }).then(() => true, () => false);
      if (!ok) await sleep(50);
    }
    assert.ok(ok, 'served again');
  });

  it('shows the operator the catalog, the health of the routes and usage across accounts', async () => {
    await operator.getByRole('link', { name: 'Models', exact: true }).click();
    const catalog = operator.getByRole('table', { name: 'Model catalog' });
    await catalog.getByText('fake-glm-upstream').waitFor();
    await catalog.getByText('operational').first().waitFor();
    await shot(operator, '16-operator-models');

    await operator.getByRole('link', { name: 'Health', exact: true }).click();
    await operator.getByRole('table', { name: 'Deployments of glm-test' }).getByText('closed').first().waitFor();
    await operator.getByText('Serving', { exact: true }).waitFor();
    await shot(operator, '17-operator-health');

    await operator.getByRole('link', { name: 'Usage', exact: true }).click();
    await operator.getByRole('table', { name: 'Top accounts' }).getByRole('cell', { name: 'acme', exact: true }).waitFor();
    await operator.getByRole('img', { name: /^Requests per day: \d+ in total$/ }).waitFor();
    await shot(operator, '18-operator-usage');

    await operator.getByRole('link', { name: 'Keys', exact: true }).click();
    await operator.getByLabel('Account').selectOption({ label: 'acme' });
    await operator.getByRole('cell', { name: 'sdk', exact: true }).waitFor();
    await shot(operator, '19-operator-keys');
  });

  it('loads each page with at most 5 API calls', async () => {
    const calls = { member: {}, operator: {} };
    const pages = {
      member: ['/', '/usage', '/requests', '/ledger', '/outputs', `/outputs/${outputId}`, '/keys', '/chat', '/models', '/settings'],
      operator: ['/', '/accounts', '/members', '/keys', '/usage', '/requests', '/models', '/health', '/settings'],
    };
    for (const [role, page] of [['member', member], ['operator', operator]]) {
      for (const hash of pages[role]) {
        const seen = [];
        const record = (r) => {
          const u = new URL(r.url());
          if (u.pathname.startsWith('/console/api/') || u.pathname.startsWith('/v1/') || u.pathname === '/status')
            seen.push(`${r.method()} ${u.pathname}${u.search}`);
        };
        // A full load: the app starts from nothing, as from a bookmark.
        await page.goto('about:blank');
        page.on('request', record);
        await page.goto(`${s.gw.url}/#${hash}`, { waitUntil: 'networkidle' });
        page.off('request', record);
        calls[role][`#${hash.replace(outputId, '<id>')}`] = seen;
      }
    }
    writeFileSync(join(OUT, 'page_calls.json'), `${JSON.stringify(calls, null, 1)}\n`);
    for (const [role, byPage] of Object.entries(calls))
      for (const [hash, seen] of Object.entries(byPage)) {
        assert.ok(seen.includes('GET /console/api/session'), `${role} ${hash}: ${seen}`);
        assert.ok(seen.length <= MAX_CALLS_PER_PAGE, `${role} ${hash} makes ${seen.length} calls: ${seen.join(', ')}`);
      }
  });

  it('lets the member change the password and sign out everywhere', async () => {
    const NEW_PASSWORD = 'a different horse battery';
    await member.goto(`${s.gw.url}/#/settings`);
    await member.getByLabel('Current password').fill(PASSWORD);
    await member.getByLabel('New password').fill(NEW_PASSWORD);
    await member.getByLabel('Repeat the password').fill(NEW_PASSWORD);
    await member.getByRole('button', { name: 'Change password' }).click();
    await member.getByRole('status').filter({ hasText: 'Your password is changed.' }).waitFor();
    await shot(member, '20-member-settings');
    await member.getByRole('button', { name: 'Sign out everywhere' }).click();
    await member.getByRole('heading', { name: 'Sign in to glmgate' }).waitFor();
    await member.getByLabel('Email').fill('ann@example.com');
    await member.getByLabel('Password').fill(NEW_PASSWORD);
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.getByRole('heading', { name: 'Credits of acme' }).waitFor();
  });
});
