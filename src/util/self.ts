/**
 * The command line that runs this skiff again (for conmon's exit command, the chrooted
 * copier): the same Node with the same Node options bin/skiff gave it, then the bundle.
 * "--" ends Node's own options, so that an argument such as --env-file stays skiff's.
 */
export function selfCommand(args: readonly string[]): string[] {
  return [process.execPath, ...process.execArgv, '--', process.argv[1] as string, ...args];
}
