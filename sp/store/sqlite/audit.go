package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/sp/store"
)

// defaultAuditLimit is how many entries ListAudit returns when limit is 0.
const defaultAuditLimit = 100

// statementRunner is *sql.DB or *sql.Tx.
type statementRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	if err := appendAudit(ctx, s.db, e); err != nil {
		return fmt.Errorf("sqlite: append audit: %w", err)
	}
	return nil
}

func appendAudit(ctx context.Context, db statementRunner, e store.AuditEntry) error {
	if e.Actor == "" || e.Field == "" {
		return errors.New("an audit entry needs an actor and a field")
	}
	at, err := unixNanos(e.Time)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO audit_log (time, group_id, actor, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
		at, e.GroupID, e.Actor, e.Field, e.Old, e.New)
	return err
}

// ListAudit implements store.Store. Entries come newest first, in the
// reverse of the order they were appended.
func (s *Store) ListAudit(ctx context.Context, groupID int64, limit int) ([]store.AuditEntry, error) {
	switch {
	case limit < 0:
		return nil, fmt.Errorf("sqlite: list audit: negative limit %d", limit)
	case limit == 0:
		limit = defaultAuditLimit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, group_id, actor, field, old_value, new_value
FROM audit_log WHERE (?1 = 0 OR group_id = ?1) ORDER BY id DESC LIMIT ?2`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	defer rows.Close()
	entries := []store.AuditEntry{}
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.GroupID, &e.Actor, &e.Field, &e.Old, &e.New); err != nil {
			return nil, fmt.Errorf("sqlite: list audit: %w", err)
		}
		e.Time = instant(at)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	return entries, nil
}
