/**
 * Bundle entry: tiny, so start-up loads only the dispatcher and the one command it runs.
 * V8's compile cache (on disk, keyed by file content) spares re-parsing skiff's chunks on
 * every run; it is skipped silently where the cache directory cannot be written.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
// A reader that goes away (`skiff ps | head -1`) ends skiff quietly, as SIGPIPE ends podman,
// instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(128 + 13);
    throw e;
  });
}
const { runCli } = await import('./cli/main.ts');
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: creating process.stdin loads Node's stream modules; only commands that read input pay for them.
  get stdin() {
    return process.stdin;
  },
});
process.exitCode = code;
