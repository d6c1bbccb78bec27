// Bundles src/skiff.ts into dist/ as ESM with one chunk per lazily imported command.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
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
});
