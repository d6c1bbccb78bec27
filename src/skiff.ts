/** Bundle entry: tiny, so start-up loads only the dispatcher and the one command it runs. */
import { runCli } from './cli/main.ts';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
process.exitCode = code;
