// Bundles src/skiff.ts into dist/ as ESM with one chunk per lazily imported command.
//
// dist/ is not wiped first: a skiff already running (a test, a detached container's exit
// command) loads chunks lazily and would fail to find them. Chunk names carry a content hash,
// so a rebuild only adds files; chunks the new build does not use are deleted once they are
// a day old: a skiff that runs long (an attached run, logs -f) may still load one late.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));

// Node's built-in modules are reached through require(), not `import`: an ESM import of a
// built-in reads every one of its exports, and reading some of them loads more of Node (the
// `promises` of node:fs compiles fs/promises and readline, node:util's TextDecoder its parseArgs
// and worker_threads). esbuild's CommonJS interop reads them all too. So each `node:` module
// becomes a small module that requires it and exports, by name, only what skiff's sources
// import from it, collected here. Every command that loads the wrapper reads those names, so
// the names that load more of Node are refused outright. Dynamic import()s of built-ins stay
// as they are: they load on demand anyway.
const HEAVY_EXPORTS = new Map([
  ['fs', new Set(['promises'])],
  ['util', new Set(['TextDecoder', 'TextEncoder'])],
]);
const bareBuiltins = new Set(builtinModules.filter((m) => !m.startsWith('_') && !m.startsWith('node:')));
const importedNames = new Map();
function collectBuiltinImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collectBuiltinImports(path);
    else if (entry.name.endsWith('.ts')) {
      for (const m of readFileSync(path, 'utf8').matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+['"]([^'"]+)['"]/gm)) {
        const [, clause, spec] = m;
        if (bareBuiltins.has(spec)) throw new Error(`${path}: import Node's built-ins as 'node:${spec}'`);
        if (!spec.startsWith('node:')) continue;
        const brace = /^\{([^}]*)\}$/.exec(clause.trim());
        if (!brace) throw new Error(`${path}: only named imports of built-ins are supported: import ${clause} from '${spec}'`);
        const key = spec.slice('node:'.length);
        const names = importedNames.get(key) ?? new Set();
        for (const part of brace[1].split(',')) {
          const name = part.trim().split(/\s+as\s+/)[0];
          if (!name || name.startsWith('type ')) continue;
          if (HEAVY_EXPORTS.get(key)?.has(name)) throw new Error(`${path}: reading ${spec}'s ${name} loads more of Node on every command; import it where it is used, or lazily`);
          names.add(name);
        }
        importedNames.set(key, names);
      }
    }
  }
}
collectBuiltinImports(fileURLToPath(new URL('../src', import.meta.url)));
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      // The wrapper's own require() stays a real one; so does a dynamic import().
      if (args.namespace === 'node-builtin' || args.kind === 'dynamic-import') return { path: args.path, external: true };
      return { path: args.path.slice('node:'.length), namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const names = [...(importedNames.get(args.path) ?? [])];
      const lines = [`const m = require(${JSON.stringify(`node:${args.path}`)});`, ...names.map((n) => `export const ${n} = m.${n};`)];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

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
  plugins: [builtinsViaRequire],
});

const current = new Set(Object.keys(result.metafile.outputs).map((f) => basename(f)));
const chunks = join(dist, 'chunks');
for (const name of readdirSync(chunks)) {
  const path = join(chunks, name);
  if (!current.has(name) && Date.now() - statSync(path).mtimeMs > 24 * 3_600_000) rmSync(path, { force: true });
}
