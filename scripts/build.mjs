// Bundles src/skiff.ts into dist/ as ESM with one chunk per lazily imported command.
//
// dist/ is not wiped first: a skiff already running (a test, a detached container's exit
// command) loads chunks lazily and would fail to find them. Chunk names carry a content hash,
// so a rebuild only adds files; chunks the new build does not use are deleted once they are
// ten minutes old, long after any process that started with them has loaded them.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const result = await build({
  entryPoints: { skiff: 'src/skiff.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunks/[name]-[hash]',
  // Native modules stay in node_modules; everything else is bundled.
  external: ['koffi', 'node-unix-socket'],
  sourcemap: 'linked',
  legalComments: 'none',
  minify: true,
  keepNames: false,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __skiffCreateRequire } from 'node:module'; const require = __skiffCreateRequire(import.meta.url);" },
  metafile: true,
});

const current = new Set(Object.keys(result.metafile.outputs).map((f) => basename(f)));
const chunks = join(dist, 'chunks');
for (const name of readdirSync(chunks)) {
  const path = join(chunks, name);
  if (!current.has(name) && Date.now() - statSync(path).mtimeMs > 10 * 60_000) rmSync(path, { force: true });
}
