/**
 * Classifying OCI runtime failures the way Podman does (libpod/oci_util.go getOCIRuntimeError,
 * define.ExitCode), because both the error line and the exit code are the interface:
 *
 *   crun: executable file `/x` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found
 *   crun: open executable: Permission denied: OCI permission denied
 */
import { readFileSync } from 'node:fs';
import { SkiffError } from '../util/errors.ts';

export type OciErrorKind = 'oci-permission-denied' | 'oci-not-found' | 'oci-runtime-error';

const REASON: Record<OciErrorKind, string> = {
  'oci-permission-denied': 'OCI permission denied',
  'oci-not-found': 'OCI runtime attempted to invoke a command that was not found',
  'oci-runtime-error': 'OCI runtime error',
};

// Each pattern matches the whole line that holds the phrase (`.` stops at a newline), and that
// line, not the whole message, is what Podman quotes.
const PERMISSION = /.*permission denied.*|.*operation not permitted.*/i;
const NOT_FOUND = /.*executable file not found in.*|.*no such file or directory.*/i;

/** Which of Podman's three OCI error kinds a runtime message falls in, and the text it quotes. */
export function classifyOciMessage(message: string): { kind: OciErrorKind; text: string } {
  const perm = PERMISSION.exec(message);
  if (perm) return { kind: 'oci-permission-denied', text: trimNewlines(perm[0]) };
  const missing = NOT_FOUND.exec(message);
  if (missing) return { kind: 'oci-not-found', text: trimNewlines(missing[0]) };
  return { kind: 'oci-runtime-error', text: trimNewlines(message) };
}

/**
 * The exit code of `run`/`start -a` for a failed start (define.ExitCode): 127 when the
 * lower-cased error text says "not found" or "no such file", else 126.
 */
export function startFailureExitCode(errorText: string): number {
  const e = errorText.toLowerCase();
  return e.includes('not found') || e.includes('executable path is empty') || e.includes('no such file') ? 127 : 126;
}

/** The exit code of `exec` when the process could not be started (TranslateExecErrorToExitCode). */
export function execFailureExitCode(kind: OciErrorKind): number {
  switch (kind) {
    case 'oci-not-found':
      return 127;
    case 'oci-permission-denied':
      return 126;
    case 'oci-runtime-error':
      return 255;
  }
}

/**
 * The error for a runtime message: `<runtime name>: <text>: <reason>`. `exitCode` defaults to the
 * `run` semantics; exec callers pass their own.
 */
export function ociRuntimeError(runtimeName: string, message: string, exitCode?: (kind: OciErrorKind) => number): SkiffError {
  const { kind, text } = classifyOciMessage(message);
  const full = `${runtimeName}: ${text}: ${REASON[kind]}`;
  return new SkiffError(kind, full, { exitCode: exitCode ? exitCode(kind) : startFailureExitCode(full) });
}

/**
 * The error message crun wrote with `--log-format=json --log <file>`, or undefined when the file
 * is missing, empty or not crun's JSON. Podman parses the whole file as one object; when crun
 * wrote several lines (warnings first) the last `error` record is the one that explains.
 */
export async function readOciLogMessage(path: string): Promise<string | undefined> {
  let text: string;
  try {
    // Read synchronously: a short file, and node:fs/promises costs start-up time to load.
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let found: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const rec: unknown = JSON.parse(line);
      if (typeof rec === 'object' && rec !== null && 'msg' in rec && typeof rec.msg === 'string') {
        const level = 'level' in rec ? rec.level : undefined;
        if (found === undefined || level === 'error') found = rec.msg;
      }
    } catch {
      // not crun's JSON: ignore the line
    }
  }
  return found;
}

function trimNewlines(s: string): string {
  return s.replace(/^\n+|\n+$/g, '');
}
