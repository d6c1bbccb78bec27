/**
 * The command table: every command, registered here explicitly and loaded only when run.
 * A command file is `src/cli/<group>/<verb>.ts` exporting `command: CommandSpec`.
 */
import type { CommandEntry, CommandSpec } from './command.ts';

type Loader = () => Promise<{ command: CommandSpec }>;
const lazy = (load: Loader) => async (): Promise<CommandSpec> => (await load()).command;

const images = lazy(() => import('./image/list.ts'));
const imageInspect = lazy(() => import('./image/inspect.ts'));
const history = lazy(() => import('./image/history.ts'));
const imp = lazy(() => import('./image/import.ts'));
const load = lazy(() => import('./image/load.ts'));
const save = lazy(() => import('./image/save.ts'));
const tag = lazy(() => import('./image/tag.ts'));
const untag = lazy(() => import('./image/untag.ts'));
const rmi = lazy(() => import('./image/rm.ts'));
const prune = lazy(() => import('./image/prune.ts'));
const exists = lazy(() => import('./image/exists.ts'));
const tree = lazy(() => import('./image/tree.ts'));

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'help', short: 'Help about any command', load: lazy(() => import('./system/help.ts')) },
  { name: 'history', short: 'Show history of a specified image', load: history },
  {
    name: 'image',
    short: 'Manage images',
    subcommands: [
      { name: 'exists', short: 'Check if an image exists in local storage', load: exists },
      { name: 'history', short: 'Show history of a specified image', load: history },
      { name: 'import', short: 'Import a tarball to create a filesystem image', load: imp },
      { name: 'inspect', short: 'Display the configuration of an image', load: imageInspect },
      { name: 'list', aliases: ['ls'], short: 'List images in local storage', load: images },
      { name: 'load', short: 'Load image(s) from a tar archive', load },
      { name: 'prune', short: 'Remove unused images', load: prune },
      { name: 'rm', short: 'Removes one or more images from local storage', load: rmi },
      { name: 'save', short: 'Save image(s) to an archive', load: save },
      { name: 'tag', short: 'Add an additional name to a local image', load: tag },
      { name: 'tree', short: 'Prints layer hierarchy of an image in a tree format', load: tree },
      { name: 'untag', short: 'Remove a name from a local image', load: untag },
    ],
  },
  { name: 'images', short: 'List images in local storage', load: images },
  { name: 'import', short: 'Import a tarball to create a filesystem image', load: imp },
  { name: 'info', short: 'Display skiff system information', load: lazy(() => import('./system/info.ts')) },
  { name: 'inspect', short: 'Display the configuration of object denoted by ID', load: lazy(() => import('./inspect.ts')) },
  { name: 'load', short: 'Load image(s) from a tar archive', load },
  { name: 'rmi', short: 'Removes one or more images from local storage', load: rmi },
  { name: 'save', short: 'Save image(s) to an archive', load: save },
  {
    name: 'system',
    short: 'Manage skiff',
    subcommands: [{ name: 'info', short: 'Display skiff system information', load: lazy(() => import('./system/info.ts')) }],
  },
  { name: 'tag', short: 'Add an additional name to a local image', load: tag },
  { name: 'untag', short: 'Remove a name from a local image', load: untag },
  { name: 'version', short: 'Display the skiff version information', load: lazy(() => import('./system/version.ts')) },
];

export function findCommand(entries: readonly CommandEntry[], name: string): CommandEntry | undefined {
  return entries.find((e) => e.name === name || e.aliases?.includes(name));
}
