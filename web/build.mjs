// Builds the console's assets for the binary: bundles src/main.jsx and src/app.css with esbuild
// (names carry a content hash, so they are cached for good), writes index.html pointing at them,
// gzips every file (level 9; the binary embeds only the gzip copies) and writes manifest.json
// ([{path, type, gz, size, etag}]) for cmake/embed_assets.cmake. Fails when the gzipped assets exceed
// --budget bytes.
//   node build.mjs --out DIR --modules DIR/node_modules [--budget BYTES]
import { mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const out = resolve(args.out ?? join(here, 'dist'));
const modules = resolve(args.modules ?? join(here, 'node_modules'));
const budget = Number(args.budget ?? 300 * 1024);

const esbuild = createRequire(join(modules, 'x.js'))('esbuild');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, 'src/main.jsx'), join(here, 'src/app.css')],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  nodePaths: [modules],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const built = Object.keys(result.metafile.outputs).map((p) => resolve(p));
const js = built.find((p) => p.endsWith('.js'));
const css = built.find((p) => p.endsWith('.css'));
const name = (p) => p.slice(out.length + 1);
const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('%MAIN_JS%', `/${name(js)}`)
  .replace('%MAIN_CSS%', `/${name(css)}`);
if (/<script(?![^>]*\bsrc=)/i.test(html) || /\sstyle=/i.test(html)) throw new Error('index.html: no inline script or style');
writeFileSync(join(out, 'index.html'), html);

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const manifest = [];
let total = 0;
for (const file of [join(out, 'index.html'), ...readdirSync(join(out, 'assets')).map((f) => join(out, 'assets', f))]) {
  const ext = file.slice(file.lastIndexOf('.'));
  if (!types[ext]) continue;
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(`${file}.gz`, gz);
  total += gz.length;
  const etag = `"${createHash('sha256').update(raw).digest('hex').slice(0, 20)}"`;
  manifest.push({ path: `/${name(file)}`, type: types[ext], gz: `${name(file)}.gz`, size: raw.length, etag });
}
if (total > budget) throw new Error(`the console's gzipped assets are ${total} bytes, over the budget of ${budget}`);
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(`console assets: ${manifest.length} files, ${total} bytes gzipped`);
