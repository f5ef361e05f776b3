package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/sp/store"
)

// selectUser is the start of a query for users, in the column order scanUser reads.
const selectUser = `SELECT glance_address, group_id, partner_user_id, email, first_name, last_name, phone, role, status FROM users `

func scanUser(row rowScanner) (store.User, error) {
	var u store.User
	err := row.Scan(&u.GlanceAddress, &u.GroupID, &u.PartnerUserID, &u.Email, &u.FirstName, &u.LastName, &u.Phone, &u.Role, &u.Status)
	return u, err
}

// userError is err from writing u: store.ErrNotFound wrapped in when u's
// group does not exist, store.ErrAlreadyExists when its Glance Address, or
// its Partner User ID within the group, is taken.
func userError(u store.User, err error) error {
	if isMissingReference(err) {
		return fmt.Errorf("group %d: %w", u.GroupID, store.ErrNotFound)
	}
	return duplicateAsAlreadyExists(err)
}

// CreateUser implements store.Store. Glance Addresses are unique regardless
// of ASCII case. The user's group must exist, else the error wraps
// store.ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO users (glance_address, group_id, partner_user_id, email, first_name, last_name, phone, role, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.GlanceAddress, u.GroupID, u.PartnerUserID, u.Email, u.FirstName, u.LastName, u.Phone, u.Role, u.Status)
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.GlanceAddress, userError(u, err))
	}
	return nil
}

// GetUser implements store.Store. glanceAddress matches regardless of ASCII case.
func (s *Store) GetUser(ctx context.Context, glanceAddress string) (store.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, selectUser+`WHERE glance_address = ?`, glanceAddress))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlite: user %q: %w", glanceAddress, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: get user %q: %w", glanceAddress, err)
	}
	return u, nil
}

// ListUsers implements store.Store. Users come in Glance Address order.
func (s *Store) ListUsers(ctx context.Context, groupID int64) ([]store.User, error) {
	users, err := s.queryUsers(ctx, selectUser+`WHERE group_id = ? ORDER BY glance_address`, groupID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users of group %d: %w", groupID, err)
	}
	return users, nil
}

// FindUsers implements store.Store. Case-insensitive means ASCII case only:
// Unicode case folding would let look-alikes such as the Kelvin sign match
// a plain "k". An empty value matches no user, although users without an
// Email or Partner User ID store them empty. Users come in Glance Address order.
func (s *Store) FindUsers(ctx context.Context, groupID int64, value string) ([]store.User, error) {
	if value == "" {
		return []store.User{}, nil
	}
	users, err := s.queryUsers(ctx, selectUser+`WHERE group_id = ?1
	AND (email = ?2 COLLATE NOCASE OR glance_address = ?2 COLLATE NOCASE OR partner_user_id = ?2 COLLATE BINARY)
ORDER BY glance_address`, groupID, value)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find users of group %d: %w", groupID, err)
	}
	return users, nil
}

func (s *Store) queryUsers(ctx context.Context, query string, args ...any) ([]store.User, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := []store.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// UpdateUser implements store.Store. update may change anything but the
// Glance Address, apart from its ASCII case; a new group must exist.
func (s *Store) UpdateUser(ctx context.Context, glanceAddress string, update func(old store.User) (store.User, error)) error {
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		old, err := scanUser(tx.QueryRowContext(ctx, selectUser+`WHERE glance_address = ?`, glanceAddress))
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
		if !sameGlanceAddress(updated.GlanceAddress, old.GlanceAddress) {
			return fmt.Errorf("the update changed the Glance Address to %q", updated.GlanceAddress)
		}
		_, err = tx.ExecContext(ctx, `UPDATE users
SET glance_address = ?, group_id = ?, partner_user_id = ?, email = ?, first_name = ?, last_name = ?, phone = ?, role = ?, status = ?
WHERE glance_address = ?`,
			updated.GlanceAddress, updated.GroupID, updated.PartnerUserID, updated.Email, updated.FirstName, updated.LastName, updated.Phone, updated.Role, updated.Status,
			old.GlanceAddress)
		return userError(updated, err)
	})
	if err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", glanceAddress, err)
	}
	return nil
}

// sameGlanceAddress reports whether a and b are the same key: equal but for
// ASCII case, as the users table's NOCASE collation compares them.
// strings.EqualFold would not do: it also equates Unicode look-alikes, such
// as the Kelvin sign and "k", which the table keeps apart.
func sameGlanceAddress(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
