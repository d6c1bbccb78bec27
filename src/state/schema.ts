/**
 * Schema migrations, applied in order; PRAGMA user_version is the number applied.
 * Never edit a released migration: append a new one.
 *
 * Times are integer milliseconds since the epoch. Digests are stored as `sha256:<hex>`,
 * IDs as bare hex.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE layers (
    id                TEXT PRIMARY KEY,
    parent            TEXT REFERENCES layers(id),
    driver            TEXT NOT NULL,
    link              TEXT NOT NULL,            -- short name under <driver>/l/ for overlay lowerdirs
    diff_digest       TEXT NOT NULL,            -- sha256 of the uncompressed tar (the diffID)
    diff_size         INTEGER NOT NULL,         -- bytes of the uncompressed tar
    compressed_digest TEXT,                     -- digest of the blob it came from, if compressed
    compressed_size   INTEGER,
    content_size      INTEGER NOT NULL,         -- sum of regular file sizes
    created           INTEGER NOT NULL
  );
  CREATE INDEX layers_parent ON layers(parent);
  CREATE INDEX layers_diff ON layers(diff_digest);

  CREATE TABLE images (
    id                  TEXT PRIMARY KEY,       -- hex of the config digest
    top_layer           TEXT REFERENCES layers(id),
    manifest_digest     TEXT NOT NULL,
    manifest_media_type TEXT NOT NULL,
    created             INTEGER NOT NULL,       -- from the config's "created"
    stored              INTEGER NOT NULL,       -- when it entered this store
    size                INTEGER NOT NULL        -- sum of the layers' content sizes
  );

  -- One row per name ("localhost/busybox:latest"); a name belongs to at most one image.
  CREATE TABLE image_names (
    name     TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    added    INTEGER NOT NULL
  );
  CREATE INDEX image_names_image ON image_names(image_id);

  -- Every manifest digest an image is known by (for RepoDigests and name@digest lookups).
  CREATE TABLE image_digests (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    digest   TEXT NOT NULL,
    PRIMARY KEY (image_id, digest)
  );
  CREATE INDEX image_digests_digest ON image_digests(digest);

  -- Names an image has had, newest first (Podman's NamesHistory).
  CREATE TABLE image_name_history (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    added    INTEGER NOT NULL,
    PRIMARY KEY (image_id, name)
  );
  `,
  `
  -- A container: its immutable config (spec, JSON of ContainerSpec) and its mutable state.
  -- Writers re-read the row inside their transaction before changing state.
  CREATE TABLE containers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    image_id     TEXT NOT NULL,
    spec         TEXT NOT NULL,
    created      INTEGER NOT NULL,
    state        TEXT NOT NULL,             -- configured|created|running|paused|stopped|exited|removing
    pid          INTEGER NOT NULL DEFAULT 0,
    conmon_pid   INTEGER NOT NULL DEFAULT 0,
    exit_code    INTEGER,
    started_at   INTEGER NOT NULL DEFAULT 0,
    finished_at  INTEGER NOT NULL DEFAULT 0,
    oom_killed   INTEGER NOT NULL DEFAULT 0,
    mounted      INTEGER NOT NULL DEFAULT 0,
    restarts     INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX containers_image ON containers(image_id);
  `,
  `
  -- A volume: a directory under <graphroot>/volumes/<name>/_data, or a filesystem mounted there
  -- (options type=/device=/o=) while at least one container that uses it is running.
  CREATE TABLE volumes (
    name          TEXT PRIMARY KEY,
    driver        TEXT NOT NULL,
    created       INTEGER NOT NULL,
    labels        TEXT NOT NULL,            -- JSON object
    options       TEXT NOT NULL,            -- JSON object, as given to volume create
    anonymous     INTEGER NOT NULL DEFAULT 0,
    needs_copy_up INTEGER NOT NULL DEFAULT 1, -- image content at the first mount point not copied yet
    needs_chown   INTEGER NOT NULL DEFAULT 1, -- ownership not yet taken from the first mount point
    mount_count   INTEGER NOT NULL DEFAULT 0  -- running users of a mounted (type=/device=) volume
  );

  -- Which containers use which volumes; \`mounted\` marks a user that holds one mount_count.
  CREATE TABLE container_volumes (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    volume       TEXT NOT NULL REFERENCES volumes(name),
    mounted      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (container_id, volume)
  );
  CREATE INDEX container_volumes_volume ON container_volumes(volume);
  `,
  `
  -- A container stopped by the user is not restarted by its restart policy.
  ALTER TABLE containers ADD COLUMN stopped_by_user INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- A manifest list (\`manifest create\`): its instances as descriptors (JSON array of
  -- {descriptor, source}), where \`source\` says where an instance's blobs come from when the
  -- list is pushed (\`docker://REPO\` or \`containers-storage:IMAGEID\`).
  CREATE TABLE manifest_lists (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    instances TEXT NOT NULL,
    created   INTEGER NOT NULL
  );

  -- The digest of the manifest list an image was pulled through (Podman's Digest is then the
  -- list's); NULL when it was not.
  ALTER TABLE images ADD COLUMN list_digest TEXT;
  `,
  `
  -- A secret (\`secret create\`): its name and driver. Never its value: the driver keeps that
  -- (the file driver in <graphroot>/secrets/filedriver/<id>, 0600 in a 0700 directory).
  CREATE TABLE secrets (
    id             TEXT PRIMARY KEY,        -- 25 hex digits
    name           TEXT NOT NULL UNIQUE,
    driver         TEXT NOT NULL,
    driver_options TEXT NOT NULL,           -- JSON object (the file driver's \`path\` among them)
    labels         TEXT NOT NULL,           -- JSON object
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL
  );
  `,
  `
  -- The networks a container joins (bridge networking), eth0 first, with what it asked of
  -- each: aliases and static addresses (JSON arrays), a static MAC address.
  CREATE TABLE container_networks (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    network      TEXT NOT NULL,
    position     INTEGER NOT NULL,
    interface    TEXT NOT NULL,
    aliases      TEXT NOT NULL,
    static_ips   TEXT NOT NULL,
    static_mac   TEXT,
    PRIMARY KEY (container_id, network)
  );
  CREATE INDEX container_networks_network ON container_networks(network);

  -- Addresses handed out (IPAM): one row per address a container holds on a network while its
  -- network is set up. A lease whose container has no network namespace any more is stale.
  CREATE TABLE network_leases (
    network      TEXT NOT NULL,
    ip           TEXT NOT NULL,
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    PRIMARY KEY (network, ip)
  );
  CREATE INDEX network_leases_container ON network_leases(container_id);

  -- The last address handed out on each subnet of a network: the next search starts after it.
  CREATE TABLE network_last_ip (
    network TEXT NOT NULL,
    subnet  TEXT NOT NULL,
    ip      TEXT NOT NULL,
    PRIMARY KEY (network, subnet)
  );
  `,
];
