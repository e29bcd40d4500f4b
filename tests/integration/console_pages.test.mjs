// The console's pages from the binary: GET / is index.html with the strict CSP, revalidated by
// its ETag, loading only hashed files under /assets/ (no inline script or style), which are
// cached for good; gzip for clients that take it and plain bytes for those that do not; the
// whole console well under 300 KB gzipped; none of it with `console = false`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startGateway, fakeConfig } from '../lib/harness.mjs';

// A GET without fetch's own decoding: the raw bytes and headers.
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console pages', () => {
  let gw;
  before(async () => { gw = await startGateway(fakeConfig({ baseUrl: 'http://127.0.0.1:9/v1' })); });
  after(async () => { await gw.stop(); });

  it('serves index.html at / with the strict CSP, revalidated by its ETag', async () => {
    const r = await get(`${gw.url}/`, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.headers['content-security-policy'], /script-src 'self'; style-src 'self'/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    const html = gunzipSync(r.body).toString();
    assert.match(html, /<div id="app"><\/div>/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/i, 'no inline script');
    assert.doesNotMatch(html, /\sstyle=/i, 'no inline style');
    const again = await get(`${gw.url}/`, { 'if-none-match': r.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const plain = await get(`${gw.url}/`);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), html);
  });

  it('serves the hashed assets it names, cached for good, the whole under 300 KB gzipped', async () => {
    const html = (await get(`${gw.url}/`)).body.toString();
    const paths = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.equal(paths.length, 2, html);
    let total = (await get(`${gw.url}/`, { 'accept-encoding': 'gzip' })).body.length;
    for (const path of paths) {
      assert.match(path, /^\/assets\/(main|app)-[A-Z0-9]+\.(js|css)$/);
      const r = await get(`${gw.url}${path}`, { 'accept-encoding': 'gzip' });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(r.headers['content-type'], path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      assert.ok(gunzipSync(r.body).length > 100);
      total += r.body.length;
    }
    assert.ok(total < 300 * 1024, `${total} bytes`);
    assert.equal((await get(`${gw.url}/assets/nope.js`)).status, 404);
  });
});

describe('console pages switched off', () => {
  it('leaves / a 404 with console = false', async () => {
    const gw = await startGateway(`console = false\n${fakeConfig({ baseUrl: 'http://127.0.0.1:9/v1' })}`);
    try {
      assert.equal((await get(`${gw.url}/`)).status, 404);
      assert.equal((await get(`${gw.url}/assets/x.js`)).status, 404);
    } finally {
      await gw.stop();
    }
  });
});
