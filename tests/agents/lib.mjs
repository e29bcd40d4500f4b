// Helpers for driving the agent CLIs installed in tests/agents/node_modules: each runs in its own
// temporary HOME and working folder with nothing of the machine's configuration, against a
// glmgate started by tests/lib/harness.mjs, with the network beyond 127.0.0.1 unused.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../lib/harness.mjs';

const here = new URL('.', import.meta.url).pathname;
export const BIN = join(here, 'node_modules', '.bin');

// A scratch folder with a file whose content the agent can only know by running its tool.
export function workspace() {
  const dir = tempDir();
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  const marker = `marker-${randomBytes(6).toString('hex')}`;
  const markerFile = join(work, 'marker.txt');
  writeFileSync(markerFile, `${marker}\n`);
  return { dir, home, work, marker, markerFile };
}

// The fake provider's directive for one tool call with these arguments (see scenario.hpp).
export function toolDirective(name, args) {
  return `tool=${name} args=${encodeURIComponent(JSON.stringify(args))}`;
}

// Runs `cli` (a name in node_modules/.bin) to its end; resolves { code, stdout, stderr }. The
// PATH puts the Node that came with the tests first: the CLIs' scripts start with
// `#!/usr/bin/env node` and need Node 22 or later.
export function runCli(cli, args, { cwd, env = {}, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, cli), args, {
      cwd,
      env: { PATH: `${BIN}:/usr/bin:/bin`, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cli} did not finish in ${timeoutMs} ms\nstdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
  });
}

// What the gateway recorded for the stack's account, oldest first.
export function usageRows(stack) {
  return JSON.parse(stack.gw.cli('usage', '--account', stack.account.name, '--format', 'json', '--limit', '1000'))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
}

// The text of every tool result the upstream was sent, in canonical (OpenAI chat) form.
export function toolResults(requests) {
  const out = [];
  for (const r of requests)
    for (const m of r.body.messages ?? [])
      if (m.role === 'tool') out.push(typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
  return out;
}

export const explain = (run) => `exit ${run.code}\nstdout:\n${run.stdout.slice(-4000)}\nstderr:\n${run.stderr.slice(-4000)}`;
