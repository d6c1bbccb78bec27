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
const pull = lazy(() => import('./image/pull.ts'));
const push = lazy(() => import('./image/push.ts'));
const trust = (pick: (m: typeof import('./image/trust.ts')) => CommandSpec) => async () => pick(await import('./image/trust.ts'));
const login = lazy(() => import('./registry/login.ts'));
const manifest = (pick: (m: typeof import('./manifest/manifest.ts')) => CommandSpec) => async () => pick(await import('./manifest/manifest.ts'));
const logout = lazy(() => import('./registry/logout.ts'));
const search = lazy(() => import('./registry/search.ts'));
const save = lazy(() => import('./image/save.ts'));
const tag = lazy(() => import('./image/tag.ts'));
const untag = lazy(() => import('./image/untag.ts'));
const rmi = lazy(() => import('./image/rm.ts'));
const prune = lazy(() => import('./image/prune.ts'));
const exists = lazy(() => import('./image/exists.ts'));
const tree = lazy(() => import('./image/tree.ts'));
const run = lazy(() => import('./container/run.ts'));
const create = lazy(() => import('./container/create.ts'));
const start = lazy(() => import('./container/start.ts'));
const stop = lazy(() => import('./container/stop.ts'));
const kill = lazy(() => import('./container/kill.ts'));
const rm = lazy(() => import('./container/rm.ts'));
const ps = lazy(() => import('./container/ps.ts'));
const wait = lazy(() => import('./container/wait.ts'));
const restart = lazy(() => import('./container/restart.ts'));
const rename = lazy(() => import('./container/rename.ts'));
const logs = lazy(() => import('./container/logs.ts'));
const pause = async () => (await import('./container/pause.ts')).pauseCommand;
const unpause = async () => (await import('./container/pause.ts')).unpauseCommand;
const inspect = lazy(() => import('./inspect.ts'));
const exec = lazy(() => import('./container/exec.ts'));
const commit = lazy(() => import('./container/commit.ts'));
const exportCmd = lazy(() => import('./container/export.ts'));
const diff = lazy(() => import('./container/diff.ts'));
const attachCmd = lazy(() => import('./container/attach.ts'));
const mountCmd = async () => (await import('./container/mount.ts')).mountCommand;
const unmountCmd = async () => (await import('./container/mount.ts')).unmountCommand;
const cp = lazy(() => import('./container/cp.ts'));
const stats = lazy(() => import('./container/stats.ts'));
const top = lazy(() => import('./container/top.ts'));
const info = lazy(() => import('./system/info.ts'));

const CONTAINER_COMMANDS: readonly CommandEntry[] = [
  { name: 'attach', short: 'Attach to a running container', load: attachCmd },
  { name: 'cleanup', short: 'Clean up network and mountpoints of one or more containers', load: lazy(() => import('./container/cleanup.ts')) },
  { name: 'commit', short: 'Create new image based on the changed container', load: commit },
  { name: 'cp', short: 'Copy files/folders between a container and the local filesystem', load: cp },
  { name: 'create', short: 'Create but do not start a container', load: create },
  { name: 'diff', short: 'Inspect changes to the container\'s file systems', load: diff },
  { name: 'exec', short: 'Run a process in a running container', load: exec },
  { name: 'exists', short: 'Check if a container exists in local storage', load: lazy(() => import('./container/exists.ts')) },
  { name: 'export', short: 'Export container\'s filesystem contents as a tar archive', load: exportCmd },
  { name: 'inspect', short: 'Display the configuration of a container', load: lazy(() => import('./container/inspect.ts')) },
  { name: 'kill', short: 'Kill one or more running containers with a specific signal', load: kill },
  { name: 'list', aliases: ['ls', 'ps'], short: 'List containers', load: ps },
  { name: 'logs', short: 'Fetch the logs of one or more containers', load: logs },
  { name: 'mount', short: 'Mount a working container\'s root filesystem', userns: 'unshare', load: mountCmd },
  { name: 'pause', short: 'Pause all the processes in one or more containers', load: pause },
  { name: 'port', short: 'List port mappings or a specific mapping for the container', load: lazy(() => import('./container/port.ts')) },
  { name: 'prune', short: 'Remove all non running containers', load: lazy(() => import('./container/prune.ts')) },
  { name: 'rename', short: 'Rename an existing container', load: rename },
  { name: 'restart', short: 'Restart one or more containers', load: restart },
  { name: 'rm', short: 'Remove one or more containers', load: rm },
  { name: 'run', short: 'Run a command in a new container', load: run },
  { name: 'start', short: 'Start one or more containers', load: start },
  { name: 'stats', short: 'Display a live stream of container resource usage statistics', load: stats },
  { name: 'stop', short: 'Stop one or more containers', load: stop },
  { name: 'top', short: 'Display the running processes of a container', load: top },
  { name: 'unmount', aliases: ['umount'], short: 'Unmount working container\'s root filesystem', load: unmountCmd },
  { name: 'unpause', short: 'Unpause the processes in one or more containers', load: unpause },
  { name: 'wait', short: 'Block on one or more containers', load: wait },
];

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'attach', short: 'Attach to a running container', load: attachCmd },
  { name: 'commit', short: 'Create new image based on the changed container', load: commit },
  { name: 'container', short: 'Manage containers', subcommands: CONTAINER_COMMANDS },
  { name: 'cp', short: 'Copy files/folders between a container and the local filesystem', load: cp },
  { name: 'create', short: 'Create but do not start a container', load: create },
  { name: 'diff', short: 'Display the changes to the object\'s file system', load: diff },
  { name: 'exec', short: 'Run a process in a running container', load: exec },
  { name: 'export', short: 'Export container\'s filesystem contents as a tar archive', load: exportCmd },
  { name: 'help', short: 'Help about any command', userns: 'host', load: lazy(() => import('./system/help.ts')) },
  { name: 'history', short: 'Show history of a specified image', load: history },
  {
    name: 'image',
    short: 'Manage images',
    subcommands: [
      { name: 'exists', short: 'Check if an image exists in local storage', load: exists },
      { name: 'generate-sigstore-key', short: 'Generate a sigstore key pair for signing images', load: lazy(() => import('./image/sigstore-key.ts')) },
      { name: 'history', short: 'Show history of a specified image', load: history },
      { name: 'import', short: 'Import a tarball to create a filesystem image', load: imp },
      { name: 'inspect', short: 'Display the configuration of an image', load: imageInspect },
      { name: 'list', aliases: ['ls'], short: 'List images in local storage', load: images },
      { name: 'load', short: 'Load image(s) from a tar archive', load },
      { name: 'mount', short: 'Mount an image\'s root filesystem', userns: 'unshare', load: async () => (await import('./image/mount.ts')).mountCommand },
      { name: 'prune', short: 'Remove unused images', load: prune },
      { name: 'pull', short: 'Pull an image from a registry', load: pull },
      { name: 'push', short: 'Push an image to a specified destination', load: push },
      { name: 'rm', short: 'Removes one or more images from local storage', load: rmi },
      { name: 'save', short: 'Save image(s) to an archive', load: save },
      { name: 'sign', short: 'Sign an image', load: lazy(() => import('./image/sign.ts')) },
      { name: 'tag', short: 'Add an additional name to a local image', load: tag },
      { name: 'tree', short: 'Prints layer hierarchy of an image in a tree format', load: tree },
      {
        name: 'trust',
        short: 'Manage container image trust policy',
        subcommands: [
          { name: 'explain', short: 'Explain which trust policy decides for an image, and why', load: trust((m) => m.explainCommand) },
          { name: 'set', short: 'Set default trust policy or a new trust policy for a registry', load: trust((m) => m.setCommand) },
          { name: 'show', short: 'Display trust policy for the system', load: trust((m) => m.showCommand) },
        ],
      },
      { name: 'unmount', aliases: ['umount'], short: 'Unmount an image\'s root filesystem', load: async () => (await import('./image/mount.ts')).unmountCommand },
      { name: 'untag', short: 'Remove a name from a local image', load: untag },
    ],
  },
  { name: 'images', short: 'List images in local storage', load: images },
  { name: 'import', short: 'Import a tarball to create a filesystem image', load: imp },
  { name: 'info', short: 'Display skiff system information', load: info },
  { name: 'inspect', short: 'Display the configuration of object denoted by ID', load: inspect },
  { name: 'kill', short: 'Kill one or more running containers with a specific signal', load: kill },
  { name: 'load', short: 'Load image(s) from a tar archive', load },
  { name: 'login', short: 'Login to a container registry', load: login },
  { name: 'logout', short: 'Logout of a container registry', load: logout },
  { name: 'logs', short: 'Fetch the logs of one or more containers', load: logs },
  {
    name: 'manifest',
    short: 'Manipulate manifest lists and image indexes',
    subcommands: [
      { name: 'add', short: 'Add images to a manifest list or image index', load: manifest((m) => m.addCommand) },
      { name: 'annotate', short: 'Add or update information about an entry in a manifest list or image index', load: manifest((m) => m.annotateCommand) },
      { name: 'create', short: 'Create manifest list or image index', load: manifest((m) => m.createCommand) },
      { name: 'exists', short: 'Check if a manifest list exists in local storage', load: manifest((m) => m.existsCommand) },
      { name: 'inspect', short: 'Display the contents of a manifest list or image index', load: manifest((m) => m.inspectCommand) },
      { name: 'push', short: 'Push a manifest list or image index to a registry', load: manifest((m) => m.pushCommand) },
      { name: 'rm', short: 'Remove manifest list or image index from local storage', load: manifest((m) => m.rmCommand) },
    ],
  },
  { name: 'mount', short: 'Mount a working container\'s root filesystem', userns: 'unshare', load: mountCmd },
  {
    name: 'network',
    short: 'Manage networks',
    subcommands: [
      { name: 'connect', short: 'Connect a container to a network', load: lazy(() => import('./network/connect.ts')) },
      { name: 'create', short: 'Create a network', load: lazy(() => import('./network/create.ts')) },
      { name: 'disconnect', short: 'Disconnect a container from a network', load: lazy(() => import('./network/disconnect.ts')) },
      { name: 'exists', short: 'Network exists', load: lazy(() => import('./network/exists.ts')) },
      { name: 'inspect', short: 'Display detailed information on one or more networks', load: lazy(() => import('./network/inspect.ts')) },
      { name: 'ls', aliases: ['list'], short: 'List networks', load: lazy(() => import('./network/ls.ts')) },
      { name: 'prune', short: 'Remove all networks no container uses', load: lazy(() => import('./network/prune.ts')) },
      { name: 'reload', short: 'Reload firewall rules for one or more containers', load: lazy(() => import('./network/reload.ts')) },
      { name: 'rm', aliases: ['remove'], short: 'Remove one or more networks', load: lazy(() => import('./network/rm.ts')) },
    ],
  },
  { name: 'pause', short: 'Pause all the processes in one or more containers', load: pause },
  { name: 'port', short: 'List port mappings or a specific mapping for the container', load: lazy(() => import('./container/port.ts')) },
  { name: 'ps', short: 'List containers', load: ps },
  { name: 'pull', short: 'Pull an image from a registry', load: pull },
  { name: 'push', short: 'Push an image to a specified destination', load: push },
  { name: 'rename', short: 'Rename an existing container', load: rename },
  { name: 'restart', short: 'Restart one or more containers', load: restart },
  { name: 'rm', short: 'Remove one or more containers', load: rm },
  { name: 'rmi', short: 'Removes one or more images from local storage', load: rmi },
  { name: 'run', short: 'Run a command in a new container', load: run },
  { name: 'save', short: 'Save image(s) to an archive', load: save },
  { name: 'search', short: 'Search registry for image', load: search },
  {
    name: 'secret',
    short: 'Manage secrets',
    subcommands: [
      { name: 'create', short: 'Create a new secret', load: lazy(() => import('./secret/create.ts')) },
      { name: 'exists', short: 'Check if a secret exists in local storage', load: lazy(() => import('./secret/exists.ts')) },
      { name: 'inspect', short: 'Inspect a secret', load: lazy(() => import('./secret/inspect.ts')) },
      { name: 'ls', aliases: ['list'], short: 'List secrets', load: lazy(() => import('./secret/ls.ts')) },
      { name: 'rm', short: 'Remove one or more secrets', load: lazy(() => import('./secret/rm.ts')) },
    ],
  },
  { name: 'start', short: 'Start one or more containers', load: start },
  { name: 'stats', short: 'Display a live stream of container resource usage statistics', load: stats },
  { name: 'stop', short: 'Stop one or more containers', load: stop },
  {
    name: 'system',
    short: 'Manage skiff',
    subcommands: [
      { name: 'check', short: 'Check that this host and user can run containers, and say how to fix what is missing', userns: 'host', load: lazy(() => import('./system/check.ts')) },
      { name: 'info', short: 'Display skiff system information', load: info },
      { name: 'migrate', short: 'Migrate containers', load: lazy(() => import('./system/migrate.ts')) },
      { name: 'reset', short: 'Reset skiff storage', load: lazy(() => import('./system/reset.ts')) },
    ],
  },
  { name: 'tag', short: 'Add an additional name to a local image', load: tag },
  { name: 'top', short: 'Display the running processes of a container', load: top },
  { name: 'unmount', aliases: ['umount'], short: 'Unmount working container\'s root filesystem', load: unmountCmd },
  { name: 'unshare', short: 'Run a command in a modified user namespace', load: lazy(() => import('./system/unshare.ts')) },
  { name: 'unpause', short: 'Unpause the processes in one or more containers', load: unpause },
  { name: 'untag', short: 'Remove a name from a local image', load: untag },
  { name: 'version', short: 'Display the skiff version information', userns: 'host', load: lazy(() => import('./system/version.ts')) },
  {
    name: 'volume',
    short: 'Manage volumes',
    subcommands: [
      { name: 'create', short: 'Create a new volume', load: lazy(() => import('./volume/create.ts')) },
      { name: 'exists', short: 'Volume exists', load: lazy(() => import('./volume/exists.ts')) },
      { name: 'inspect', short: 'Display detailed information on one or more volumes', load: lazy(() => import('./volume/inspect.ts')) },
      { name: 'ls', aliases: ['list'], short: 'List volumes', load: lazy(() => import('./volume/ls.ts')) },
      { name: 'prune', short: 'Remove all unused volumes', load: lazy(() => import('./volume/prune.ts')) },
      { name: 'rm', aliases: ['remove'], short: 'Remove one or more volumes', load: lazy(() => import('./volume/rm.ts')) },
    ],
  },
  { name: 'wait', short: 'Block on one or more containers', load: wait },
];

export function findCommand(entries: readonly CommandEntry[], name: string): CommandEntry | undefined {
  return entries.find((e) => e.name === name || e.aliases?.includes(name));
}
