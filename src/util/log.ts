/**
 * Debug lines on stderr in Podman's logrus form (`time="…" level=debug msg="…"`), written only
 * at `--log-level debug` or `trace`. Callers pass what may be shown: URLs without their
 * query, never headers or bodies (credentials and tokens travel there).
 */
import { goQuote } from './goquote.ts';

let sink: ((text: string) => void) | undefined;

/** Called once by the CLI with the global --log-level. */
export function setLogLevel(level: string | undefined, write: (text: string) => void): void {
  sink = level === 'debug' || level === 'trace' ? write : undefined;
}

export function debug(message: string): void {
  sink?.(`time="${new Date().toISOString().slice(0, 19)}Z" level=debug msg=${goQuote(message)}\n`);
}

/** A warning from below the CLI (a skipped network file, a teardown refused), in the same form; always shown. */
export function warning(message: string): void {
  process.stderr.write(`time="${new Date().toISOString().slice(0, 19)}Z" level=warning msg=${goQuote(message)}\n`);
}
