/** Global options: what the user set with skiff's global flags (all optional). */
export interface GlobalOptions {
  readonly root?: string;
  readonly runroot?: string;
  readonly storageDriver?: string;
  readonly storageOpts?: readonly string[];
  readonly runtime?: string;
  readonly runtimeFlags?: readonly string[];
  readonly conmon?: string;
  readonly logLevel?: string;
  readonly cgroupManager?: string;
  readonly eventsBackend?: string;
  readonly tmpdir?: string;
}
