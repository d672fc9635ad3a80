//! The database schema, as numbered migrations applied in order at start. A migration is never
//! edited once it has shipped: a change is a new one at the end.

use rusqlite_migration::M;

pub(super) const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE profiles (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        environment  TEXT NOT NULL,
        base_url     TEXT NOT NULL,
        merchant_id  TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        last_used_at TEXT
    );
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        os_user      TEXT NOT NULL,
        profile_id   TEXT,
        profile_name TEXT,
        environment  TEXT,
        action       TEXT NOT NULL,
        target       TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        detail       TEXT
    );",
    ),
    M::up(
        "CREATE TABLE rollout_batches (
        id            TEXT PRIMARY KEY,
        profile_id    TEXT NOT NULL,
        name          TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_in_ms INTEGER NOT NULL
    );
    CREATE TABLE rollout_rows (
        batch_id      TEXT NOT NULL REFERENCES rollout_batches(id) ON DELETE CASCADE,
        row_number    INTEGER NOT NULL,
        location_id   TEXT NOT NULL,
        location_name TEXT NOT NULL,
        device_label  TEXT,
        metadata      TEXT NOT NULL,
        state         TEXT NOT NULL,
        enrollment_id TEXT,
        code          TEXT,
        expires_at    TEXT,
        error         TEXT,
        live_status   TEXT,
        PRIMARY KEY (batch_id, row_number)
    );",
    ),
    M::up(
        "CREATE TABLE fleet_devices (
        profile_id TEXT NOT NULL,
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (profile_id, id)
    );
    CREATE TABLE fleet_sync (
        profile_id   TEXT PRIMARY KEY,
        synced_at    TEXT NOT NULL,
        device_count INTEGER NOT NULL
    );
    CREATE TABLE saved_views (
        profile_id TEXT NOT NULL,
        name       TEXT NOT NULL,
        query      TEXT NOT NULL,
        PRIMARY KEY (profile_id, name)
    );",
    ),
    M::up(
        "CREATE TABLE tracked_sessions (
        id           TEXT PRIMARY KEY,
        profile_id   TEXT NOT NULL,
        body         TEXT NOT NULL,
        status       TEXT NOT NULL,
        device_id    TEXT NOT NULL,
        location_id  TEXT,
        first_seen   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        status_since TEXT NOT NULL
    );
    CREATE TABLE session_events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        at         TEXT NOT NULL,
        kind       TEXT NOT NULL,
        status     TEXT,
        detail     TEXT,
        source     TEXT NOT NULL,
        callback_id TEXT,
        dedupe_key TEXT NOT NULL UNIQUE
    );
    CREATE INDEX session_events_by_session ON session_events (session_id, id);
    CREATE TABLE webhook_deliveries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at TEXT NOT NULL,
        webhook_id  TEXT,
        event_type  TEXT,
        session_id  TEXT,
        verdict     TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        detail      TEXT
    );",
    ),
    // Only verified deliveries are remembered, by id, to refuse their replays; rejected ones are
    // kept in memory only (sessions::receiver). Pruned past the replay window.
    M::up(
        "DROP TABLE webhook_deliveries;
    CREATE TABLE webhook_replay (
        webhook_id  TEXT PRIMARY KEY,
        received_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX webhook_replay_by_age ON webhook_replay (received_at);",
    ),
    // A synced fleet is kept as the pages it came in, under a generation number; the sync's last
    // step makes its generation current (fleet_cache). Devices changed since (renamed, moved,
    // deregistered) are rows of their own on top: `fleet_devices`, until now the whole fleet, is
    // from here on those changes, so an existing cache reads back the same (generation 0 has no
    // pages; all its devices are changes).
    M::up(
        "CREATE TABLE fleet_pages (
        profile_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        page       INTEGER NOT NULL,
        body       BLOB NOT NULL,
        PRIMARY KEY (profile_id, generation, page)
    );
    CREATE TABLE fleet_removed (
        profile_id TEXT NOT NULL,
        id         TEXT NOT NULL,
        PRIMARY KEY (profile_id, id)
    );
    ALTER TABLE fleet_sync ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;",
    ),
    // Whether a profile is production is a fact Rust derives (profiles::profile): a stored key's
    // kind is part of it, kept here (never the key) so it is known without asking the keychain.
    M::up("ALTER TABLE profiles ADD COLUMN api_key_kind TEXT;"),
    // The codes this computer issued: the location each was made for and the device that paired
    // with it, which the API does not give back (enrollments::issued). Never the code itself.
    // And a device's sessions, found without reading the whole history (a device's drawer).
    M::up(
        "CREATE TABLE issued_codes (
        profile_id    TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        location_id   TEXT NOT NULL,
        expires_at    TEXT NOT NULL,
        issued_at     TEXT NOT NULL,
        device_id     TEXT,
        PRIMARY KEY (profile_id, enrollment_id)
    ) WITHOUT ROWID;
    CREATE INDEX issued_codes_by_age ON issued_codes (profile_id, issued_at);
    CREATE INDEX tracked_sessions_by_device ON tracked_sessions (profile_id, device_id, first_seen);",
    ),
    // The audit log becomes the activity log (audit): an entry per device changed, with the
    // value before and after, what a sync saw change outside Fleetdesk, and each entry's digest
    // over the one before it (tamper-evident). Entries from before have no digest.
    M::up(
        "ALTER TABLE audit_log ADD COLUMN source TEXT NOT NULL DEFAULT 'app';
    ALTER TABLE audit_log ADD COLUMN device_id TEXT;
    ALTER TABLE audit_log ADD COLUMN hardware_id TEXT;
    ALTER TABLE audit_log ADD COLUMN location_id TEXT;
    ALTER TABLE audit_log ADD COLUMN old_value TEXT;
    ALTER TABLE audit_log ADD COLUMN new_value TEXT;
    ALTER TABLE audit_log ADD COLUMN job_id TEXT;
    ALTER TABLE audit_log ADD COLUMN hash TEXT;
    CREATE INDEX audit_by_device ON audit_log (device_id, id) WHERE device_id IS NOT NULL;
    CREATE INDEX audit_by_hardware ON audit_log (hardware_id, id) WHERE hardware_id IS NOT NULL;
    CREATE INDEX audit_by_profile ON audit_log (profile_id, id);
    CREATE INDEX audit_by_location ON audit_log (location_id, id) WHERE location_id IS NOT NULL;
    CREATE INDEX audit_by_time ON audit_log (at);",
    ),
    // Bulk work as durable jobs (jobs::store): the job, and each device's state, written before
    // anything is sent; a lease so one process runs a job at a time.
    M::up(
        "CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        profile_id  TEXT NOT NULL,
        label       TEXT NOT NULL,
        action      TEXT NOT NULL,
        state       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        finished_at TEXT,
        lease_owner TEXT,
        lease_until TEXT
    );
    CREATE INDEX jobs_by_profile ON jobs (profile_id, created_at);
    CREATE TABLE job_devices (
        job_id      TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        device_id   TEXT NOT NULL,
        name        TEXT NOT NULL,
        location_id TEXT,
        planned     TEXT,
        target      TEXT,
        state       TEXT NOT NULL,
        outcome     TEXT,
        updated_at  TEXT,
        PRIMARY KEY (job_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX job_devices_by_state ON job_devices (job_id, state, seq);",
    ),
    // A page's body is from here on its devices as Fleetdesk encodes them, one a line
    // (fleet::page_lines); the pages already stored keep the API's JSON until the next sync.
    M::up("ALTER TABLE fleet_pages ADD COLUMN format TEXT NOT NULL DEFAULT 'api_page';"),
];
