// The coding agents users point at glmgate — Claude Code (Anthropic Messages), Codex (OpenAI
// Responses) and Gemini CLI (Gemini) — at their current npm releases, unmodified, each through one
// tool loop with thinking on: the fake provider (behind glmgate) streams reasoning and asks for a
// tool call with real arguments, the CLI runs its own tool on a file only it can read, sends the
// result back through glmgate, and prints the final answer. Every call is billed once, with no
// refused request on the way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, sleep } from '../lib/harness.mjs';
import { workspace, toolDirective, runCli, usageRows, toolResults, explain } from './lib.mjs';

const FINAL = 'Hello from the fake provider.';
const models = [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 32000,
  input_price_per_mtok: 1, output_price_per_mtok: 2 }];

// The usage rows of one CLI run, once the batching writer has committed them.
async function settledRows(stack, atLeast) {
  for (let i = 0; i < 50; i++) {
    const rows = usageRows(stack);
    if (rows.length >= atLeast) return rows;
    await sleep(100);
  }
  return usageRows(stack);
}

function assertBilledLoop(rows, surface) {
  assert.ok(rows.length >= 2, `a tool loop is at least two calls: ${JSON.stringify(rows)}`);
  for (const r of rows) {
    assert.equal(r.status, 200, `no call was refused or failed: ${JSON.stringify(r)}`);
    assert.equal(r.surface, surface);
    assert.ok(Number(r.cost_nano_usd) > 0, 'every call is charged');
  }
  assert.ok(rows.some((r) => r.reasoning_tokens > 0), 'the reasoning stream reached the client');
}

describe('Claude Code', () => {
  let s;
  before(async () => { s = await startStack({ config: { models } }); });
  after(async () => { await s.stop(); });

  const env = (w, auth) => ({
    HOME: w.home,
    ANTHROPIC_BASE_URL: s.gw.url,
    ...auth,
    ANTHROPIC_MODEL: 'glm-test',
    ANTHROPIC_SMALL_FAST_MODEL: 'glm-test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  });

  for (const [output, auth] of [['json', 'ANTHROPIC_API_KEY'], ['stream-json', 'ANTHROPIC_AUTH_TOKEN']]) {
    it(`runs a Read tool loop with adaptive thinking (-p, ${output} output, ${auth})`, async () => {
      await s.fake.reset();
      const before = usageRows(s).length;
      const w = workspace();
      const prompt = `What does the marker file say? fake: reasoning=2 ${toolDirective('Read', { file_path: w.markerFile })}`;
      const args = ['-p', prompt, '--output-format', output, '--model', 'glm-test'];
      if (output === 'stream-json') args.push('--verbose');
      const run = await runCli('claude', args, { cwd: w.work, env: env(w, { [auth]: s.key }) });
      assert.equal(run.code, 0, explain(run));

      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const result = lines.at(-1);
      assert.equal(result.type, 'result', explain(run));
      assert.equal(result.is_error, false, explain(run));
      assert.equal(result.result, FINAL);
      assert.ok(result.num_turns >= 2, explain(run));
      if (output === 'stream-json') {
        const toolUses = lines.filter((l) => l.type === 'assistant')
          .flatMap((l) => l.message.content).filter((b) => b.type === 'tool_use');
        assert.deepEqual(toolUses.map((b) => [b.name, b.input]), [['Read', { file_path: w.markerFile }]]);
      }

      // What glmgate sent upstream: thinking on (Claude Code asks for `adaptive`), and the
      // file's content — which only the CLI could read — as the tool's result.
      const sent = await s.fake.requests();
      assert.ok(sent.length >= 2, `upstream saw ${sent.length} requests`);
      assert.deepEqual(sent[0].body.thinking, { type: 'enabled' });
      assert.ok(toolResults(sent).some((t) => t.includes(w.marker)), 'the tool result reached the upstream');

      const rows = (await settledRows(s, before + sent.length)).slice(before);
      assertBilledLoop(rows, 'anthropic');
      assert.equal(rows.length, sent.length, 'one billed call per upstream request, none refused');
    });
  }
});

describe('Codex CLI', () => {
  let s;
  before(async () => { s = await startStack({ config: { models } }); });
  after(async () => { await s.stop(); });

  function codexHome(w) {
    const home = join(w.dir, 'codex');
    mkdirSync(home);
    writeFileSync(join(home, 'config.toml'), [
      'model = "glm-test"',
      'model_provider = "glmgate"',
      '[model_providers.glmgate]',
      'name = "glmgate"',
      `base_url = "${s.gw.url}/v1"`,
      'env_key = "GLMGATE_KEY"',
      'wire_api = "responses"',
      // A refused request must fail the test, not be retried into a pass.
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'));
    return home;
  }

  it('runs an exec_command tool loop over the Responses API', async () => {
    await s.fake.reset();
    const before = usageRows(s).length;
    const w = workspace();
    const prompt = `Show me the marker. fake: reasoning=2 ${toolDirective('exec_command', { cmd: 'cat marker.txt' })}`;
    const run = await runCli('codex', ['exec', '--skip-git-repo-check', '--json',
      '--dangerously-bypass-approvals-and-sandbox', prompt],
    { cwd: w.work, env: { HOME: w.home, CODEX_HOME: codexHome(w), GLMGATE_KEY: s.key } });
    assert.equal(run.code, 0, explain(run));

    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(!events.some((e) => e.type === 'turn.failed' || e.type === 'error'), explain(run));
    const items = events.filter((e) => e.type === 'item.completed').map((e) => e.item);
    const command = items.find((i) => i.type === 'command_execution');
    assert.ok(command, explain(run));
    assert.match(command.aggregated_output, new RegExp(w.marker));
    assert.equal(items.filter((i) => i.type === 'agent_message').at(-1)?.text, FINAL);
    assert.ok(events.some((e) => e.type === 'turn.completed'), explain(run));

    const sent = await s.fake.requests();
    assert.ok(sent.length >= 2, `upstream saw ${sent.length} requests`);
    // Codex's instructions come as `developer` messages; the upstream gets them as `system`.
    assert.equal(sent[0].body.messages[0].role, 'system');
    assert.ok(!sent.some((r) => r.body.messages.some((m) => m.role === 'developer')));
    assert.ok(toolResults(sent).some((t) => t.includes(w.marker)), 'the command output reached the upstream');

    const rows = (await settledRows(s, before + sent.length)).slice(before);
    assertBilledLoop(rows, 'responses');
    assert.equal(rows.length, sent.length);
  });

  // Codex groups its sub-agent tools in a `namespace`: glmgate offers them upstream under one flat
  // name each and hands a call back as Codex's router expects it (the name and its namespace), so
  // Codex's own handler answers — here refusing an agent id that does not exist.
  it('routes a call of a namespaced tool to the Codex handler it belongs to', async () => {
    await s.fake.reset();
    const w = workspace();
    const prompt = `Close it. fake: ${toolDirective('multi_agent_v1__close_agent', { target: 'nobody' })}`;
    const run = await runCli('codex', ['exec', '--skip-git-repo-check', '--json',
      '--dangerously-bypass-approvals-and-sandbox', prompt],
    { cwd: w.work, env: { HOME: w.home, CODEX_HOME: codexHome(w), GLMGATE_KEY: s.key } });
    assert.equal(run.code, 0, explain(run));
    const sent = await s.fake.requests();
    const offered = sent[0].body.tools.map((t) => t.function.name);
    assert.ok(offered.includes('multi_agent_v1__close_agent'), offered.join(' '));
    assert.ok(!sent[0].body.tools.some((t) => t.type !== 'function'), 'built-ins (web_search) stay out');
    const results = toolResults(sent);
    assert.equal(results.length, 1, JSON.stringify(results));
    assert.match(results[0], /invalid agent id nobody/);
  });
});

describe('Gemini CLI', () => {
  let s;
  before(async () => { s = await startStack({ config: { models } }); });
  after(async () => { await s.stop(); });

  it('runs a read_file tool loop with thoughts on', async () => {
    await s.fake.reset();
    const before = usageRows(s).length;
    const w = workspace();
    mkdirSync(join(w.home, '.gemini'));
    writeFileSync(join(w.home, '.gemini', 'settings.json'),
      JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
    const prompt = `What does the marker file say? fake: reasoning=2 ${toolDirective('read_file', { file_path: w.markerFile })}`;
    const run = await runCli('gemini', ['-p', prompt, '-m', 'glm-test', '--output-format', 'json',
      '--approval-mode', 'yolo'], {
      cwd: w.work,
      env: { HOME: w.home, GEMINI_API_KEY: s.key, GOOGLE_GEMINI_BASE_URL: s.gw.url, GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    });
    assert.equal(run.code, 0, explain(run));
    const out = JSON.parse(run.stdout);
    assert.equal(out.response, FINAL, explain(run));
    assert.equal(out.stats.models['glm-test'].api.totalErrors, 0);
    assert.ok(out.stats.models['glm-test'].tokens.thoughts > 0, 'thoughts reached the CLI');
    assert.equal(out.stats.tools.byName.read_file.success, 1, explain(run));

    const sent = await s.fake.requests();
    assert.ok(toolResults(sent).some((t) => t.includes(w.marker)), 'the file reached the upstream');
    const rows = (await settledRows(s, before + sent.length)).slice(before);
    assertBilledLoop(rows, 'gemini');
    assert.equal(rows.length, sent.length);
  });
});
