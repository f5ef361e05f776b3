package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

// pendingRequestColumns are the columns scanPendingRequest reads, in order.
const pendingRequestColumns = `id, group_id, relay_state, target, created_at, expires_at`

func scanPendingRequest(row rowScanner) (store.PendingRequest, error) {
	var r store.PendingRequest
	var createdAt, expiresAt int64
	if err := row.Scan(&r.ID, &r.GroupID, &r.RelayState, &r.Target, &createdAt, &expiresAt); err != nil {
		return store.PendingRequest{}, err
	}
	r.CreatedAt, r.ExpiresAt = instant(createdAt), instant(expiresAt)
	return r, nil
}

// CreatePendingRequest implements store.Store. The ID and the RelayState
// handle must not be empty, and each must be unused.
func (s *Store) CreatePendingRequest(ctx context.Context, r store.PendingRequest) error {
	createdAt, err := unixNanos(r.CreatedAt)
	if err != nil {
		return fmt.Errorf("sqlite: create pending request %q: created at: %w", r.ID, err)
	}
	expiresAt, err := unixNanos(r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("sqlite: create pending request %q: expires at: %w", r.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO pending_requests (`+pendingRequestColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.GroupID, r.RelayState, r.Target, createdAt, expiresAt)
	if err != nil {
		return fmt.Errorf("sqlite: create pending request %q: %w", r.ID, duplicateAsAlreadyExists(err))
	}
	return nil
}

// TakePendingRequest implements store.Store. A request of another group is
// left in place; an expired one is deleted.
func (s *Store) TakePendingRequest(ctx context.Context, groupID int64, id string, now time.Time) (store.PendingRequest, error) {
	// One statement, so two concurrent takes cannot both get the request.
	r, err := scanPendingRequest(s.db.QueryRowContext(ctx,
		`DELETE FROM pending_requests WHERE id = ? AND group_id = ? RETURNING `+pendingRequestColumns, id, groupID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.PendingRequest{}, fmt.Errorf("sqlite: pending request %q of group %d: %w", id, groupID, store.ErrNotFound)
	}
	if err != nil {
		return store.PendingRequest{}, fmt.Errorf("sqlite: take pending request %q: %w", id, err)
	}
	if !r.ExpiresAt.After(now) {
		return store.PendingRequest{}, fmt.Errorf("sqlite: pending request %q of group %d expired at %s: %w",
			id, groupID, r.ExpiresAt.Format(time.RFC3339Nano), store.ErrNotFound)
	}
	return r, nil
}

// GetPendingRequestByRelayState implements store.Store.
func (s *Store) GetPendingRequestByRelayState(ctx context.Context, handle string, now time.Time) (store.PendingRequest, error) {
	nowNanos, err := unixNanos(now)
	if err != nil {
		return store.PendingRequest{}, fmt.Errorf("sqlite: get pending request by RelayState: now: %w", err)
	}
	r, err := scanPendingRequest(s.db.QueryRowContext(ctx,
		`SELECT `+pendingRequestColumns+` FROM pending_requests WHERE relay_state = ? AND expires_at > ?`, handle, nowNanos))
	if errors.Is(err, sql.ErrNoRows) {
		// The handle is a bearer value, so it stays out of the message.
		return store.PendingRequest{}, fmt.Errorf("sqlite: pending request for RelayState: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.PendingRequest{}, fmt.Errorf("sqlite: get pending request by RelayState: %w", err)
	}
	return r, nil
}

// RememberAssertion implements store.Store. assertionID must not be empty.
func (s *Store) RememberAssertion(ctx context.Context, groupID int64, assertionID string, expires time.Time, now time.Time) error {
	expiresNanos, err := unixNanos(expires)
	if err != nil {
		return fmt.Errorf("sqlite: remember assertion %q: expires: %w", assertionID, err)
	}
	nowNanos, err := unixNanos(now)
	if err != nil {
		return fmt.Errorf("sqlite: remember assertion %q: now: %w", assertionID, err)
	}
	// One statement, so of two concurrent calls only one can insert or
	// replace: the row is replaced only if it has expired at now.
	result, err := s.db.ExecContext(ctx, `INSERT INTO assertions (group_id, assertion_id, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (group_id, assertion_id) DO UPDATE SET expires_at = excluded.expires_at WHERE assertions.expires_at <= ?4`,
		groupID, assertionID, expiresNanos, nowNanos)
	if err != nil {
		return fmt.Errorf("sqlite: remember assertion %q of group %d: %w", assertionID, groupID, err)
	}
	changed, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: remember assertion %q of group %d: %w", assertionID, groupID, err)
	}
	if changed == 0 {
		return fmt.Errorf("sqlite: assertion %q of group %d was seen before: %w", assertionID, groupID, store.ErrAlreadyExists)
	}
	return nil
}
