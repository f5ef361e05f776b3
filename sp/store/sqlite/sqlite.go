// Package sqlite is the SQLite backend of store.Store, built on the pure-Go
// driver modernc.org/sqlite (no cgo) through database/sql.
//
// A Store reaches its database through a single connection, so statements
// and transactions of one process run one at a time, and an in-memory
// database (":memory:") is the same database for every call. Transactions
// begin IMMEDIATE, taking the write lock up front, so a read-modify-write
// cannot interleave with a write from another process sharing the file.
//
// Open creates the schema and upgrades it; see migrations. Instants are stored
// as INTEGER Unix nanoseconds, which compare and sort correctly in SQL, and
// come back as UTC time.Time values. Instants int64 nanoseconds cannot hold
// (before 1678 or after 2262) are refused rather than stored wrongly.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ssoharness/ssoharness/sp/store"
)

var _ store.Store = (*Store)(nil)

// Store is a store.Store kept in one SQLite database. It is safe for
// concurrent use. The update functions given to UpdateGroup and UpdateUser
// run inside a transaction holding the Store's only connection, so they must
// not call the Store.
type Store struct {
	db *sql.DB
}

// memoryPath is SQLite's name for a private in-memory database.
const memoryPath = ":memory:"

// Open opens the SQLite database file at path, creating it if needed, and
// brings its schema up to date. path ":memory:" opens a fresh in-memory
// database that lives until Close. path is a file name, not a URI, and must
// not contain '?'.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, migrations)
}

// open is Open with the schema history as a parameter, so that tests can
// add a migration to an existing database.
func open(ctx context.Context, path string, history []string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if strings.Contains(path, "?") {
		// The driver would take everything after '?' for connection parameters.
		return nil, fmt.Errorf("sqlite: open %q: path must not contain '?'", path)
	}
	db, err := sql.Open("sqlite", dataSourceName(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, history); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %q: %w", path, err), db.Close())
	}
	return &Store{db: db}, nil
}

// dataSourceName is the driver's connection string for path: the pragmas
// every connection runs, and IMMEDIATE transactions.
func dataSourceName(path string) string {
	pragmas := []string{"busy_timeout(5000)", "foreign_keys(1)", "synchronous(NORMAL)"}
	if path != memoryPath {
		pragmas = append(pragmas, "journal_mode(WAL)")
	}
	params := url.Values{"_pragma": pragmas, "_txlock": {"immediate"}}
	return path + "?" + params.Encode()
}

// Close closes the database. Calling it again does nothing and returns nil.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing when fn returns nil and rolling
// back when it returns an error or panics.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // After Commit this does nothing.
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// rowScanner is what decoding one row needs; *sql.Row and *sql.Rows have it.
type rowScanner interface {
	Scan(dest ...any) error
}

// resultCode returns SQLite's extended result code for err, or 0 when err
// does not come from SQLite.
func resultCode(err error) int {
	var sqliteErr *sqlitedriver.Error
	if errors.As(err, &sqliteErr) {
		return sqliteErr.Code()
	}
	return 0
}

// isDuplicate reports whether err is a PRIMARY KEY or UNIQUE violation.
func isDuplicate(err error) bool {
	code := resultCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// isMissingReference reports whether err is a FOREIGN KEY violation.
func isMissingReference(err error) bool {
	return resultCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// duplicateAsAlreadyExists returns err, wrapping store.ErrAlreadyExists in
// when err is a PRIMARY KEY or UNIQUE violation.
func duplicateAsAlreadyExists(err error) error {
	if isDuplicate(err) {
		return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
	}
	return err
}

// The instants int64 Unix nanoseconds can hold.
var (
	earliestInstant = time.Unix(0, math.MinInt64)
	latestInstant   = time.Unix(0, math.MaxInt64)
)

// unixNanos is the stored form of t. It refuses instants outside what int64
// Unix nanoseconds can hold, for which time.Time.UnixNano is undefined.
func unixNanos(t time.Time) (int64, error) {
	if t.Before(earliestInstant) || t.After(latestInstant) {
		return 0, fmt.Errorf("time %s is outside the storable range %s to %s",
			t.Format(time.RFC3339Nano), earliestInstant.UTC().Format(time.RFC3339Nano), latestInstant.UTC().Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

// instant is the time.Time, in UTC, of a stored Unix-nanoseconds value.
func instant(nanos int64) time.Time {
	return time.Unix(0, nanos).UTC()
}
