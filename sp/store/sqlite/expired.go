package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DeleteExpired implements store.Store.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	nowNanos, err := unixNanos(now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired: now: %w", err)
	}
	var deleted int64
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, table := range []string{"pending_requests", "assertions", "sessions"} {
			result, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at <= ?`, nowNanos)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n, err := result.RowsAffected()
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			deleted += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired: %w", err)
	}
	return int(deleted), nil
}
