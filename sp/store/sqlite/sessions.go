package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

// Session IDs stay out of error messages: though only hashes of cookie
// values, they are what a session is looked up by.

// CreateSession implements store.Store. The ID must not be empty.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	createdAt, err := unixNanos(sess.CreatedAt)
	if err != nil {
		return fmt.Errorf("sqlite: create session: created at: %w", err)
	}
	expiresAt, err := unixNanos(sess.ExpiresAt)
	if err != nil {
		return fmt.Errorf("sqlite: create session: expires at: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO sessions (id, group_id, glance_address, name_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.GroupID, sess.GlanceAddress, sess.NameID, createdAt, expiresAt)
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", duplicateAsAlreadyExists(err))
	}
	return nil
}

// GetSession implements store.Store.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (store.Session, error) {
	nowNanos, err := unixNanos(now)
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: get session: now: %w", err)
	}
	var sess store.Session
	var createdAt, expiresAt int64
	err = s.db.QueryRowContext(ctx, `SELECT id, group_id, glance_address, name_id, created_at, expires_at FROM sessions WHERE id = ? AND expires_at > ?`,
		id, nowNanos).Scan(&sess.ID, &sess.GroupID, &sess.GlanceAddress, &sess.NameID, &createdAt, &expiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: get session: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt = instant(createdAt), instant(expiresAt)
	return sess, nil
}

// DeleteSession implements store.Store. Deleting a session that does not
// exist returns an error wrapping store.ErrNotFound; an expired one is
// deleted without error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	deleted, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	if deleted == 0 {
		return fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	return nil
}
