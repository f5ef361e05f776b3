package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/sp/store"
)

// defaultAccessLogLimit is how many entries ListAccessLog returns when the
// query sets no Limit.
const defaultAccessLogLimit = 100

// AppendAccessLog implements store.Store. It sets e.ID, which grows with
// every entry appended.
func (s *Store) AppendAccessLog(ctx context.Context, e *store.AccessLogEntry) error {
	if e == nil {
		return errors.New("sqlite: append access log: nil entry")
	}
	at, err := unixNanos(e.Time)
	if err != nil {
		return fmt.Errorf("sqlite: append access log: time: %w", err)
	}
	// No attributes are stored as "", not "null" or "{}".
	var attributes string
	if len(e.Attributes) > 0 {
		encoded, err := json.Marshal(e.Attributes)
		if err != nil {
			return fmt.Errorf("sqlite: append access log: encode attributes: %w", err)
		}
		attributes = string(encoded)
	}
	result, err := s.db.ExecContext(ctx, `INSERT INTO access_log (time, group_id, outcome, reason, detail, correlation_id, issuer, name_id,
	glance_address, name_id_format, signature_algorithm, verified_by, attributes_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		at, e.GroupID, e.Outcome, e.Reason, e.Detail, e.CorrelationID, e.Issuer, e.NameID,
		e.GlanceAddress, e.NameIDFormat, e.SignatureAlgorithm, e.VerifiedBy, attributes)
	if err != nil {
		return fmt.Errorf("sqlite: append access log: %w", err)
	}
	id, err := result.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: append access log: %w", err)
	}
	e.ID = id
	return nil
}

// ListAccessLog implements store.Store. Entries come newest first, in the
// reverse of the order they were appended. A negative Limit is an error.
func (s *Store) ListAccessLog(ctx context.Context, q store.AccessLogQuery) ([]store.AccessLogEntry, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return nil, fmt.Errorf("sqlite: list access log: negative limit %d", limit)
	case limit == 0:
		limit = defaultAccessLogLimit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, group_id, outcome, reason, detail, correlation_id, issuer, name_id,
	glance_address, name_id_format, signature_algorithm, verified_by, attributes_json
FROM access_log
WHERE (?1 = 0 OR group_id = ?1) AND (?2 = '' OR outcome = ?2)
ORDER BY id DESC
LIMIT ?3`, q.GroupID, q.Outcome, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list access log: %w", err)
	}
	defer rows.Close()
	entries := []store.AccessLogEntry{}
	for rows.Next() {
		var e store.AccessLogEntry
		var at int64
		var attributes string
		if err := rows.Scan(&e.ID, &at, &e.GroupID, &e.Outcome, &e.Reason, &e.Detail, &e.CorrelationID, &e.Issuer, &e.NameID,
			&e.GlanceAddress, &e.NameIDFormat, &e.SignatureAlgorithm, &e.VerifiedBy, &attributes); err != nil {
			return nil, fmt.Errorf("sqlite: list access log: %w", err)
		}
		e.Time = instant(at)
		if attributes != "" {
			if err := json.Unmarshal([]byte(attributes), &e.Attributes); err != nil {
				return nil, fmt.Errorf("sqlite: list access log: decode attributes of entry %d: %w", e.ID, err)
			}
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list access log: %w", err)
	}
	return entries, nil
}
