package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/sp/store"
)

// selectGroup is the start of a query for groups, in the column order scanGroup reads.
const selectGroup = `SELECT id, name, account_id, sso_json FROM groups `

func scanGroup(row rowScanner) (store.Group, error) {
	var g store.Group
	var sso string
	if err := row.Scan(&g.ID, &g.Name, &g.AccountID, &sso); err != nil {
		return store.Group{}, err
	}
	if err := json.Unmarshal([]byte(sso), &g.SSO); err != nil {
		return store.Group{}, fmt.Errorf("decode SSO settings of group %d: %w", g.ID, err)
	}
	return g, nil
}

// CreateGroup implements store.Store.
func (s *Store) CreateGroup(ctx context.Context, g store.Group) error {
	sso, err := json.Marshal(g.SSO)
	if err != nil {
		return fmt.Errorf("sqlite: create group %d: encode SSO settings: %w", g.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO groups (id, name, account_id, sso_json) VALUES (?, ?, ?, ?)`,
		g.ID, g.Name, g.AccountID, string(sso))
	if err != nil {
		return fmt.Errorf("sqlite: create group %d: %w", g.ID, duplicateAsAlreadyExists(err))
	}
	return nil
}

// GetGroup implements store.Store.
func (s *Store) GetGroup(ctx context.Context, id int64) (store.Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, selectGroup+`WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Group{}, fmt.Errorf("sqlite: group %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: get group %d: %w", id, err)
	}
	return g, nil
}

// GetGroupByName implements store.Store.
func (s *Store) GetGroupByName(ctx context.Context, name string) (store.Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, selectGroup+`WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Group{}, fmt.Errorf("sqlite: group named %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: get group named %q: %w", name, err)
	}
	return g, nil
}

// GetGroupByAccountID implements store.Store. An empty accountID matches no
// group, although groups without an Account ID store it empty.
func (s *Store) GetGroupByAccountID(ctx context.Context, accountID string) (store.Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, selectGroup+`WHERE account_id = ? AND account_id <> ''`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Group{}, fmt.Errorf("sqlite: group with account ID %q: %w", accountID, store.ErrNotFound)
	}
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: get group with account ID %q: %w", accountID, err)
	}
	return g, nil
}

// ListGroups implements store.Store. Groups come in ID order.
func (s *Store) ListGroups(ctx context.Context) ([]store.Group, error) {
	rows, err := s.db.QueryContext(ctx, selectGroup+`ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list groups: %w", err)
	}
	defer rows.Close()
	groups := []store.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list groups: %w", err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list groups: %w", err)
	}
	return groups, nil
}

// UpdateGroup implements store.Store. update may change anything but the ID.
func (s *Store) UpdateGroup(ctx context.Context, id int64, update func(old store.Group) (store.Group, error)) error {
	return s.UpdateGroupAudited(ctx, id, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		g, err := update(old)
		return g, nil, err
	})
}

// UpdateGroupAudited implements store.Store: the group and the audit entries
// update returns are written in one transaction.
func (s *Store) UpdateGroupAudited(ctx context.Context, id int64, update func(old store.Group) (store.Group, []store.AuditEntry, error)) error {
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		old, err := scanGroup(tx.QueryRowContext(ctx, selectGroup+`WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		updated, entries, err := update(old)
		if err != nil {
			return err
		}
		if updated.ID != id {
			return fmt.Errorf("the update changed the group ID to %d", updated.ID)
		}
		sso, err := json.Marshal(updated.SSO)
		if err != nil {
			return fmt.Errorf("encode SSO settings: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = ?, account_id = ?, sso_json = ? WHERE id = ?`,
			updated.Name, updated.AccountID, string(sso), id)
		if err != nil {
			return duplicateAsAlreadyExists(err)
		}
		for _, e := range entries {
			if err := appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: update group %d: %w", id, err)
	}
	return nil
}
