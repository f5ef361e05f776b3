package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/sp/store"
)

// Private keys stay out of every error message.

const selectSPKey = `SELECT group_id, id, state, certificate_pem, private_key_pem, created_at FROM sp_keys `

func scanSPKey(row rowScanner) (store.SPKey, error) {
	var k store.SPKey
	var state string
	var createdAt int64
	if err := row.Scan(&k.GroupID, &k.ID, &state, &k.CertificatePEM, &k.PrivateKeyPEM, &createdAt); err != nil {
		return store.SPKey{}, err
	}
	k.State, k.CreatedAt = store.SPKeyState(state), instant(createdAt)
	return k, nil
}

// CreateSPKey implements store.Store.
func (s *Store) CreateSPKey(ctx context.Context, k store.SPKey) error {
	createdAt, err := unixNanos(k.CreatedAt)
	if err != nil {
		return fmt.Errorf("sqlite: create SP key: created at: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO sp_keys (group_id, id, state, certificate_pem, private_key_pem, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.GroupID, k.ID, string(k.State), k.CertificatePEM, k.PrivateKeyPEM, createdAt)
	if isMissingReference(err) {
		return fmt.Errorf("sqlite: create SP key %q: group %d: %w", k.ID, k.GroupID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create SP key %q: %w", k.ID, duplicateAsAlreadyExists(err))
	}
	return nil
}

// ListSPKeys implements store.Store.
func (s *Store) ListSPKeys(ctx context.Context, groupID int64) ([]store.SPKey, error) {
	rows, err := s.db.QueryContext(ctx, selectSPKey+`WHERE group_id = ? ORDER BY created_at, id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list SP keys of group %d: %w", groupID, err)
	}
	defer rows.Close()
	var keys []store.SPKey
	for rows.Next() {
		k, err := scanSPKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list SP keys of group %d: %w", groupID, err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list SP keys of group %d: %w", groupID, err)
	}
	return keys, nil
}

// UpdateSPKey implements store.Store.
func (s *Store) UpdateSPKey(ctx context.Context, groupID int64, id string, update func(old store.SPKey) (store.SPKey, error)) error {
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		old, err := scanSPKey(tx.QueryRowContext(ctx, selectSPKey+`WHERE group_id = ? AND id = ?`, groupID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		updated, err := update(old)
		if err != nil {
			return err
		}
		if updated.GroupID != groupID || updated.ID != id {
			return fmt.Errorf("the update changed the key's group or ID")
		}
		_, err = tx.ExecContext(ctx, `UPDATE sp_keys SET state = ?, certificate_pem = ?, private_key_pem = ? WHERE group_id = ? AND id = ?`,
			string(updated.State), updated.CertificatePEM, updated.PrivateKeyPEM, groupID, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: update SP key %q of group %d: %w", id, groupID, err)
	}
	return nil
}

// DeleteSPKey implements store.Store.
func (s *Store) DeleteSPKey(ctx context.Context, groupID int64, id string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM sp_keys WHERE group_id = ? AND id = ?`, groupID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete SP key %q of group %d: %w", id, groupID, err)
	}
	if n, err := result.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: SP key %q of group %d: %w", id, groupID, store.ErrNotFound)
	}
	return nil
}
