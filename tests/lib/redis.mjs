// A redis-server of a test's own: a temporary folder, a random 127.0.0.1 port, a password, no
// persistence; stopped by its PID. `url` is what the gateway's `redis` key takes.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir, sleep } from './harness.mjs';

function ping(port, password) {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'],
      { env: { ...process.env, REDISCLI_AUTH: password }, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString().includes('PONG');
  } catch {
    return false;
  }
}

export async function startRedis() {
  const dir = tempDir();
  const password = randomBytes(18).toString('hex');
  let child = null;
  let port = 0;
  const start = async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      port = port || 20000 + Math.floor(Math.random() * 40000);
      writeFileSync(join(dir, 'redis.conf'), [
        'bind 127.0.0.1', `port ${port}`, `dir ${dir}`, `pidfile ${join(dir, 'redis.pid')}`,
        `logfile ${join(dir, 'redis.log')}`, 'daemonize no', 'save ""', 'appendonly no',
        `requirepass ${password}`, ''].join('\n'), { mode: 0o600 });
      child = spawn('redis-server', [join(dir, 'redis.conf')], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', () => resolve(true)));
      for (let i = 0; i < 100; i++) {
        if (ping(port, password)) return;
        if (await Promise.race([exited, sleep(50).then(() => false)])) break;
      }
      child.kill('SIGKILL');
      port = 0;  // taken: try another
    }
    throw new Error('redis-server did not start');
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    password,
    get port() { return port; },
    get url() { return `redis://:${password}@127.0.0.1:${port}/0`; },
    get pid() { return child.pid; },
    kill,
    restart: start,  // on the same port
    stop: async () => { await kill(); rmSync(dir, { recursive: true, force: true }); },
  };
}
