package sqlite

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/storetest"
)

func TestConformanceFile(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "sp.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), memoryPath)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// appliedVersions returns the schema_migrations rows of s: version → applied_at.
func appliedVersions(t *testing.T, s *Store) map[int]string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	applied := map[int]string{}
	for rows.Next() {
		var version int
		var appliedAt string
		if err := rows.Scan(&version, &appliedAt); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		applied[version] = appliedAt
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return applied
}

func TestReopenAppliesOnlyNewMigrations(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sp.db")
	group := store.Group{ID: 1, Name: "one", AccountID: "account-1", SSO: store.SSOSettings{Method: store.MethodSAML2}}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open a new database: %v", err)
	}
	if err := s.CreateGroup(ctx, group); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	first := appliedVersions(t, s)
	if len(first) != len(migrations) {
		t.Errorf("a new database has versions %v applied, want all %d", first, len(migrations))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Re-opening with the same history applies nothing; with one more
	// migration, applies just that one.
	probe := `CREATE TABLE probe (id INTEGER PRIMARY KEY); INSERT INTO probe (id) VALUES (1);`
	for _, history := range [][]string{migrations, slices.Concat(migrations, []string{probe})} {
		s, err := open(ctx, path, history)
		if err != nil {
			t.Fatalf("re-open with %d migrations: %v", len(history), err)
		}
		got, err := s.GetGroup(ctx, group.ID)
		if err != nil {
			t.Errorf("GetGroup after re-opening with %d migrations: %v", len(history), err)
		} else if got.Name != group.Name || got.AccountID != group.AccountID || got.SSO.Method != group.SSO.Method {
			t.Errorf("GetGroup after re-opening with %d migrations = %+v, want %+v", len(history), got, group)
		}
		applied := appliedVersions(t, s)
		if len(applied) != len(history) {
			t.Errorf("re-opened with %d migrations: versions %v applied, want %d", len(history), applied, len(history))
		}
		for version, appliedAt := range first {
			if applied[version] != appliedAt {
				t.Errorf("re-opened with %d migrations: version %d applied at %q, first at %q", len(history), version, applied[version], appliedAt)
			}
		}
		var probes int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'probe'`).Scan(&probes); err != nil {
			t.Fatalf("look for table probe: %v", err)
		}
		if wantProbes := len(history) - len(migrations); probes != wantProbes {
			t.Errorf("re-opened with %d migrations: %d probe tables, want %d", len(history), probes, wantProbes)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}

	// The database is now newer than this program's schema.
	if s, err := Open(ctx, path); err == nil {
		s.Close()
		t.Error("Open of a database with a newer schema succeeded, want an error")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a database with a newer schema: error %q does not say it is newer", err)
	}
}

func TestOpenRefusesBadPaths(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "missing", "sp.db")
	for _, path := range []string{missingDir, "", "sp.db?mode=ro"} {
		s, err := Open(t.Context(), path)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%q): error %q does not mention the path", path, err)
		}
	}
}

// TestInstants checks what the conformance suite leaves to the backend: times
// come back in UTC, and instants Unix nanoseconds cannot hold are refused.
func TestInstants(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, memoryPath)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	created := time.Date(2026, 1, 2, 4, 4, 5, 6, time.FixedZone("CET", 60*60))
	session := store.Session{ID: "hash", GroupID: 1, CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
	if err := s.CreateSession(ctx, session); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.GetSession(ctx, session.ID, created)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if got.CreatedAt.Location() != time.UTC || got.ExpiresAt.Location() != time.UTC {
		t.Errorf("GetSession returned times in %v and %v, want UTC", got.CreatedAt.Location(), got.ExpiresAt.Location())
	}

	for _, at := range []time.Time{{}, time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC)} {
		session := store.Session{ID: "out of range " + at.String(), GroupID: 1, CreatedAt: created, ExpiresAt: at}
		if err := s.CreateSession(ctx, session); err == nil {
			t.Errorf("CreateSession expiring at %v succeeded, want an error", at)
		}
	}
}
