// One server per SQLite store: a second `glmgate serve` on the same store refuses to start, naming
// the running server's PID and the lock file, while the CLI goes on working beside it; after the
// first is killed with -9 (no clean exit, so nothing removed the lock file), a new server starts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startFake, startGateway, fakeConfig, newAccount, chat, user, GLMGATE_BIN } from '../lib/harness.mjs';

describe('store guard', () => {
  it('refuses a second server on the same SQLite store, naming the first', async () => {
    const fake = await startFake();
    const config = fakeConfig({ baseUrl: `${fake.url}/v1` });
    let gw = await startGateway(config);
    const dir = gw.dir;
    try {
      const second = spawnSync(GLMGATE_BIN, ['serve', '--config', gw.configPath], { timeout: 20000 });
      assert.notEqual(second.status, 0, 'the second server exited with an error');
      assert.equal(second.signal, null, 'it exited by itself');
      const stderr = second.stderr.toString();
      assert.match(stderr, new RegExp(`another glmgate server \\(pid ${gw.pid}\\)`), stderr);
      assert.ok(stderr.includes(`${gw.store}.lock`), stderr);
      assert.ok(!/listening/.test(second.stdout.toString()), 'it never listened');

      // The CLI works beside the running server, which goes on serving.
      const a = await newAccount(gw, { name: 'beside' });
      const r = await chat({ gw }, { model: 'glm-test', messages: user('hi') }, { key: a.key });
      assert.equal(r.status, 200);
      await r.json();

      await gw.kill();  // -9: the lock goes with the process
      gw = await startGateway(config, { dir });
      const again = await chat({ gw }, { model: 'glm-test', messages: user('again') }, { key: a.key });
      assert.equal(again.status, 200);
      await again.json();
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
