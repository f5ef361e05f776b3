package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

func mustAppendAccessLog(t *testing.T, s store.Store, e *store.AccessLogEntry) {
	t.Helper()
	if err := s.AppendAccessLog(t.Context(), e); err != nil {
		t.Fatalf("AppendAccessLog: %v", err)
	}
}

// entryIDs are the IDs of entries, in order.
func entryIDs(entries []store.AccessLogEntry) []int64 {
	ids := make([]int64, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	return ids
}

func testAccessLogRoundTrip(t *testing.T, s store.Store) {
	full := store.AccessLogEntry{
		Time:               time.Date(2026, 1, 2, 4, 4, 5, 123456789, berlin),
		GroupID:            4711,
		Outcome:            store.OutcomeSuccess,
		Reason:             "ok",
		Detail:             "signed in as oersted.zoe.example.glance.net (verified by primary)",
		CorrelationID:      "c0ffee-42",
		Issuer:             "https://idp.acme.example/metadata",
		NameID:             "zoë.ørsted@example.com",
		GlanceAddress:      "oersted.zoe.example.glance.net",
		NameIDFormat:       "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		SignatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
		VerifiedBy:         "primary",
		Attributes: map[string][]string{
			"urn:oid:0.9.2342.19200300.100.1.3": {"zoë.ørsted@example.com"},
			"groups":                            {"agents", "東京"},
			"empty":                             {""},
		},
	}
	minimal := store.AccessLogEntry{
		Time:          t0,
		Outcome:       store.OutcomeRefused,
		Reason:        "bad_signature",
		Detail:        "no configured key verified the signature",
		CorrelationID: "c0ffee-43",
	}
	mustAppendAccessLog(t, s, &full)
	mustAppendAccessLog(t, s, &minimal)
	checkEveryFieldSet(t, "access log entry", full)
	if minimal.ID == 0 || minimal.ID == full.ID {
		t.Errorf("AppendAccessLog assigned IDs %d and %d, want two different non-zero ones", full.ID, minimal.ID)
	}

	entries, err := s.ListAccessLog(t.Context(), store.AccessLogQuery{})
	if err != nil {
		t.Fatalf("ListAccessLog: %v", err)
	}
	checkRecords(t, "ListAccessLog", entries, []store.AccessLogEntry{minimal, full})

	if err := s.AppendAccessLog(t.Context(), nil); err == nil {
		t.Error("AppendAccessLog(nil) succeeded, want an error")
	}
}

func testAccessLogQuery(t *testing.T, s store.Store) {
	// Appended in this order, a minute apart: groups 1, 2, 1, 0, 1, 2.
	appended := []store.AccessLogEntry{
		{GroupID: 1, Outcome: store.OutcomeSuccess},
		{GroupID: 2, Outcome: store.OutcomeRefused},
		{GroupID: 1, Outcome: store.OutcomeRefused},
		{GroupID: 0, Outcome: store.OutcomeRefused},
		{GroupID: 1, Outcome: store.OutcomeSuccess},
		{GroupID: 2, Outcome: store.OutcomeSuccess},
	}
	for i := range appended {
		appended[i].Time = t0.Add(time.Duration(i) * time.Minute)
		appended[i].Reason = "reason"
		mustAppendAccessLog(t, s, &appended[i])
	}
	// newest are the IDs of the entries whose indexes in appended are given,
	// newest first.
	newest := func(indexes ...int) []int64 {
		ids := make([]int64, 0, len(indexes))
		for _, i := range indexes {
			ids = append(ids, appended[i].ID)
		}
		return ids
	}

	tests := []struct {
		query store.AccessLogQuery
		want  []int64
	}{
		{store.AccessLogQuery{}, newest(5, 4, 3, 2, 1, 0)},
		{store.AccessLogQuery{GroupID: 1}, newest(4, 2, 0)},
		{store.AccessLogQuery{GroupID: 2}, newest(5, 1)},
		{store.AccessLogQuery{GroupID: 3}, nil},
		{store.AccessLogQuery{Outcome: store.OutcomeRefused}, newest(3, 2, 1)},
		{store.AccessLogQuery{Outcome: "unknown"}, nil},
		{store.AccessLogQuery{GroupID: 1, Outcome: store.OutcomeSuccess}, newest(4, 0)},
		{store.AccessLogQuery{GroupID: 2, Outcome: store.OutcomeRefused}, newest(1)},
		{store.AccessLogQuery{Limit: 2}, newest(5, 4)},
		{store.AccessLogQuery{Limit: 1}, newest(5)},
		{store.AccessLogQuery{Limit: 7}, newest(5, 4, 3, 2, 1, 0)},
		{store.AccessLogQuery{GroupID: 1, Limit: 2}, newest(4, 2)},
		{store.AccessLogQuery{Outcome: store.OutcomeRefused, Limit: 1}, newest(3)},
	}
	for _, test := range tests {
		entries, err := s.ListAccessLog(t.Context(), test.query)
		if err != nil {
			t.Errorf("ListAccessLog(%+v): %v", test.query, err)
			continue
		}
		if got := entryIDs(entries); !slices.Equal(got, test.want) {
			t.Errorf("ListAccessLog(%+v) IDs = %v, want %v", test.query, got, test.want)
		}
	}

	if _, err := s.ListAccessLog(t.Context(), store.AccessLogQuery{Limit: -1}); err == nil {
		t.Error("ListAccessLog with a negative limit succeeded, want an error")
	}
}

func testAccessLogDefaultLimit(t *testing.T, s store.Store) {
	const defaultLimit = 100
	ids := make([]int64, 0, defaultLimit+1)
	for i := range defaultLimit + 1 {
		e := store.AccessLogEntry{Time: t0.Add(time.Duration(i) * time.Second), GroupID: 1, Outcome: store.OutcomeSuccess}
		mustAppendAccessLog(t, s, &e)
		ids = append(ids, e.ID)
	}
	slices.Reverse(ids)

	entries, err := s.ListAccessLog(t.Context(), store.AccessLogQuery{})
	if err != nil {
		t.Fatalf("ListAccessLog: %v", err)
	}
	if got := entryIDs(entries); !slices.Equal(got, ids[:defaultLimit]) {
		t.Errorf("ListAccessLog without a limit: IDs %v, want the newest %d: %v", got, defaultLimit, ids[:defaultLimit])
	}
	entries, err = s.ListAccessLog(t.Context(), store.AccessLogQuery{Limit: defaultLimit + 1})
	if err != nil {
		t.Fatalf("ListAccessLog: %v", err)
	}
	if got := entryIDs(entries); !slices.Equal(got, ids) {
		t.Errorf("ListAccessLog with limit %d: IDs %v, want %v", defaultLimit+1, got, ids)
	}
}
