package storetest

import (
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := t0
	// before is an instant at which every record below is live.
	before := now.Add(-2 * time.Hour)
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateUser(t, s, plainUser(1, "doe.john.example.glance.net", "john@example.com"))
	mustAppendAccessLog(t, s, &store.AccessLogEntry{Time: before, GroupID: 1, Outcome: store.OutcomeSuccess})

	expiringAtNow := pendingRequest(1, "_at-now", "at-now handle")
	expiringAtNow.CreatedAt, expiringAtNow.ExpiresAt = before, now
	expiredEarlier := pendingRequest(1, "_earlier", "earlier handle")
	expiredEarlier.CreatedAt, expiredEarlier.ExpiresAt = before, now.Add(-time.Hour)
	live := pendingRequest(1, "_live", "live handle")
	live.CreatedAt, live.ExpiresAt = before, now.Add(time.Nanosecond)
	for _, r := range []store.PendingRequest{expiringAtNow, expiredEarlier, live} {
		mustCreatePendingRequest(t, s, r)
	}
	for id, expires := range map[string]time.Time{"_expired": now.Add(-time.Second), "_live": now.Add(time.Hour)} {
		if err := s.RememberAssertion(ctx, 1, id, expires, before); err != nil {
			t.Fatalf("RememberAssertion(%q): %v", id, err)
		}
	}
	expiredSession, liveSession := session("expired"), session("live")
	expiredSession.CreatedAt, expiredSession.ExpiresAt = before, now
	liveSession.CreatedAt, liveSession.ExpiresAt = before, now.Add(time.Hour)
	mustCreateSession(t, s, expiredSession)
	mustCreateSession(t, s, liveSession)

	removed, err := s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if removed != 4 {
		t.Errorf("DeleteExpired removed %d records, want 4 (2 pending requests, 1 assertion, 1 session)", removed)
	}
	removed, err = s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpired again: %v", err)
	}
	if removed != 0 {
		t.Errorf("DeleteExpired again removed %d records, want 0", removed)
	}

	// Looked at from before, the removed records would still be live.
	for _, r := range []store.PendingRequest{expiringAtNow, expiredEarlier} {
		_, err := s.GetPendingRequestByRelayState(ctx, r.RelayState, before)
		checkErrorIs(t, "GetPendingRequestByRelayState of removed request "+r.ID, err, store.ErrNotFound)
	}
	_, err = s.GetSession(ctx, expiredSession.ID, before)
	checkErrorIs(t, "GetSession of the removed session", err, store.ErrNotFound)
	if err := s.RememberAssertion(ctx, 1, "_expired", now.Add(time.Hour), before); err != nil {
		t.Errorf("RememberAssertion of the removed assertion: %v", err)
	}

	checkPendingRequest(t, s, live)
	if _, err := s.GetSession(ctx, liveSession.ID, now); err != nil {
		t.Errorf("GetSession of the live session: %v", err)
	}
	checkErrorIs(t, "RememberAssertion of the live assertion", s.RememberAssertion(ctx, 1, "_live", now.Add(time.Hour), now), store.ErrAlreadyExists)
	if _, err := s.GetUser(ctx, "doe.john.example.glance.net"); err != nil {
		t.Errorf("GetUser after DeleteExpired: %v", err)
	}
	entries, err := s.ListAccessLog(ctx, store.AccessLogQuery{})
	if err != nil {
		t.Fatalf("ListAccessLog: %v", err)
	}
	if len(entries) != 1 {
		t.Errorf("ListAccessLog after DeleteExpired: %d entries, want 1", len(entries))
	}
}
