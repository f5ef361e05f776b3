package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the schema history: migrations[i] brings the schema from
// version i to version i+1. Databases record in schema_migrations which
// versions they have applied, so entries are append-only: never edit,
// reorder or remove one that has been released.
var migrations = []string{
	// Version 1: the initial schema.
	`
CREATE TABLE groups (
	id         INTEGER PRIMARY KEY CHECK (id > 0),
	name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
	account_id TEXT NOT NULL,
	sso_json   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX groups_account_id ON groups (account_id) WHERE account_id <> '';

CREATE TABLE users (
	glance_address  TEXT NOT NULL PRIMARY KEY COLLATE NOCASE CHECK (glance_address <> ''),
	group_id        INTEGER NOT NULL REFERENCES groups (id),
	partner_user_id TEXT NOT NULL,
	email           TEXT NOT NULL,
	first_name      TEXT NOT NULL,
	last_name       TEXT NOT NULL,
	phone           TEXT NOT NULL,
	role            TEXT NOT NULL,
	status          TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX users_group_partner_user_id ON users (group_id, partner_user_id) WHERE partner_user_id <> '';
CREATE INDEX users_group_email ON users (group_id, email COLLATE NOCASE);

CREATE TABLE pending_requests (
	id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
	group_id    INTEGER NOT NULL,
	relay_state TEXT NOT NULL UNIQUE CHECK (relay_state <> ''),
	target      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX pending_requests_expires_at ON pending_requests (expires_at);

CREATE TABLE assertions (
	group_id     INTEGER NOT NULL,
	assertion_id TEXT NOT NULL CHECK (assertion_id <> ''),
	expires_at   INTEGER NOT NULL,
	PRIMARY KEY (group_id, assertion_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX assertions_expires_at ON assertions (expires_at);

CREATE TABLE sessions (
	id             TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
	group_id       INTEGER NOT NULL,
	glance_address TEXT NOT NULL,
	name_id        TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE access_log (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	time                INTEGER NOT NULL,
	group_id            INTEGER NOT NULL,
	outcome             TEXT NOT NULL,
	reason              TEXT NOT NULL,
	detail              TEXT NOT NULL,
	correlation_id      TEXT NOT NULL,
	issuer              TEXT NOT NULL,
	name_id             TEXT NOT NULL,
	glance_address      TEXT NOT NULL,
	name_id_format      TEXT NOT NULL,
	signature_algorithm TEXT NOT NULL,
	verified_by         TEXT NOT NULL,
	attributes_json     TEXT NOT NULL
) STRICT;
CREATE INDEX access_log_group_id ON access_log (group_id, id);
`,
	// Version 2: the SP's own key pairs per group.
	`
CREATE TABLE sp_keys (
	group_id        INTEGER NOT NULL REFERENCES groups (id),
	id              TEXT NOT NULL CHECK (id <> ''),
	state           TEXT NOT NULL CHECK (state IN ('current', 'next')),
	certificate_pem TEXT NOT NULL,
	private_key_pem TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (group_id, id)
) STRICT, WITHOUT ROWID;
`,
	// Version 3: the audit trail of settings changes.
	`
CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	time      INTEGER NOT NULL,
	group_id  INTEGER NOT NULL,
	actor     TEXT NOT NULL CHECK (actor <> ''),
	field     TEXT NOT NULL CHECK (field <> ''),
	old_value TEXT NOT NULL,
	new_value TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_group_id ON audit_log (group_id, id);
`,
}

// migrate applies, in order, each migration of history that db has not
// applied yet, each in its own transaction together with its
// schema_migrations row. Whether a version is applied is decided inside that
// transaction, so two processes opening a new database at once cannot both
// apply it. A database at a version newer than history knows is refused.
func migrate(ctx context.Context, db *sql.DB, history []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newest > len(history) {
		return fmt.Errorf("schema version %d is newer than this program's %d", newest, len(history))
	}
	for i, migration := range history {
		version := i + 1
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			var applied bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version).Scan(&applied); err != nil {
				return err
			}
			if applied {
				return nil
			}
			if _, err := tx.ExecContext(ctx, migration); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("apply schema migration %d: %w", version, err)
		}
	}
	return nil
}
