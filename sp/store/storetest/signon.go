package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

// pendingRequest is a request of groupID created at t0 that expires five
// minutes later.
func pendingRequest(groupID int64, id, relayState string) store.PendingRequest {
	return store.PendingRequest{
		ID:         id,
		GroupID:    groupID,
		RelayState: relayState,
		Target:     "/agent?view=queue",
		CreatedAt:  t0,
		ExpiresAt:  t0.Add(5 * time.Minute),
	}
}

func mustCreatePendingRequest(t *testing.T, s store.Store, r store.PendingRequest) {
	t.Helper()
	if err := s.CreatePendingRequest(t.Context(), r); err != nil {
		t.Fatalf("CreatePendingRequest(%q): %v", r.ID, err)
	}
}

// checkPendingRequest compares the request stored under want.RelayState, as
// seen at t0, with want.
func checkPendingRequest(t *testing.T, s store.Store, want store.PendingRequest) {
	t.Helper()
	got, err := s.GetPendingRequestByRelayState(t.Context(), want.RelayState, t0)
	if err != nil {
		t.Fatalf("GetPendingRequestByRelayState(%q): %v", want.RelayState, err)
	}
	checkFields(t, "pending request", got, want)
}

// session is a session of group 1 created at t0 that expires an hour later.
func session(id string) store.Session {
	return store.Session{
		ID:            id,
		GroupID:       1,
		GlanceAddress: "doe.john.example.glance.net",
		NameID:        "john@example.com",
		CreatedAt:     t0,
		ExpiresAt:     t0.Add(time.Hour),
	}
}

func mustCreateSession(t *testing.T, s store.Store, sess store.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession(%q): %v", sess.ID, err)
	}
}

// race calls do from racers goroutines at once and returns their errors.
func race(do func() error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = do()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner reports an error unless exactly one of errs is nil and all
// others wrap loss.
func checkOneWinner(t *testing.T, what string, errs []error, loss error) {
	t.Helper()
	winners := 0
	for _, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, loss):
			t.Errorf("%s: error %v, want nil or one wrapping %q", what, err, loss)
		}
	}
	if winners != 1 {
		t.Errorf("%s: %d of %d concurrent calls succeeded, want 1", what, winners, len(errs))
	}
}

func testPendingRequestRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := store.PendingRequest{
		ID:         "_3f2b9c1e-request",
		GroupID:    1,
		RelayState: "kJ8x-relay_state~handle",
		Target:     "/agent/ü?q=東京&x=1#frag",
		CreatedAt:  time.Date(2026, 1, 2, 4, 4, 5, 123456789, berlin),
		ExpiresAt:  time.Date(2026, 1, 2, 3, 9, 5, 987654321, time.UTC),
	}
	checkEveryFieldSet(t, "pending request", want)
	mustCreatePendingRequest(t, s, want)

	// Looking a request up by its RelayState does not consume it.
	for range 2 {
		checkPendingRequest(t, s, want)
	}
	got, err := s.TakePendingRequest(ctx, want.GroupID, want.ID, t0)
	if err != nil {
		t.Fatalf("TakePendingRequest: %v", err)
	}
	checkFields(t, "taken request", got, want)

	_, err = s.TakePendingRequest(ctx, want.GroupID, want.ID, t0)
	checkErrorIs(t, "TakePendingRequest of a taken request", err, store.ErrNotFound)
	_, err = s.GetPendingRequestByRelayState(ctx, want.RelayState, t0)
	checkErrorIs(t, "GetPendingRequestByRelayState of a taken request", err, store.ErrNotFound)
	_, err = s.TakePendingRequest(ctx, 1, "_unknown", t0)
	checkErrorIs(t, "TakePendingRequest of an unknown ID", err, store.ErrNotFound)
	_, err = s.GetPendingRequestByRelayState(ctx, "unknown", t0)
	checkErrorIs(t, "GetPendingRequestByRelayState of an unknown handle", err, store.ErrNotFound)
}

func testPendingRequestDuplicates(t *testing.T, s store.Store) {
	ctx := t.Context()
	original := pendingRequest(1, "_request", "handle")
	mustCreatePendingRequest(t, s, original)

	sameID := pendingRequest(2, original.ID, "other handle")
	checkErrorIs(t, "CreatePendingRequest with a taken ID", s.CreatePendingRequest(ctx, sameID), store.ErrAlreadyExists)
	sameRelayState := pendingRequest(2, "_other", original.RelayState)
	checkErrorIs(t, "CreatePendingRequest with a taken RelayState", s.CreatePendingRequest(ctx, sameRelayState), store.ErrAlreadyExists)
	checkPendingRequest(t, s, original)
	_, err := s.GetPendingRequestByRelayState(ctx, sameID.RelayState, t0)
	checkErrorIs(t, "GetPendingRequestByRelayState of a refused request", err, store.ErrNotFound)
}

func testPendingRequestInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	checkRefused(t, "CreatePendingRequest with an empty ID", s.CreatePendingRequest(ctx, pendingRequest(1, "", "handle")))
	checkRefused(t, "CreatePendingRequest with an empty RelayState", s.CreatePendingRequest(ctx, pendingRequest(1, "_request", "")))
	_, err := s.GetPendingRequestByRelayState(ctx, "handle", t0)
	checkErrorIs(t, "GetPendingRequestByRelayState of a refused request", err, store.ErrNotFound)
	_, err = s.TakePendingRequest(ctx, 1, "_request", t0)
	checkErrorIs(t, "TakePendingRequest of a refused request", err, store.ErrNotFound)
}

func testPendingRequestWrongGroup(t *testing.T, s store.Store) {
	r := pendingRequest(1, "_request", "handle")
	mustCreatePendingRequest(t, s, r)
	_, err := s.TakePendingRequest(t.Context(), 2, r.ID, t0)
	checkErrorIs(t, "TakePendingRequest for another group", err, store.ErrNotFound)
	// The attempt left the request to its own group.
	got, err := s.TakePendingRequest(t.Context(), 1, r.ID, t0)
	if err != nil {
		t.Fatalf("TakePendingRequest for the request's group: %v", err)
	}
	checkFields(t, "taken request", got, r)
}

func testPendingRequestExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	taken := pendingRequest(1, "_taken", "taken handle")
	looked := pendingRequest(1, "_looked", "looked handle")
	mustCreatePendingRequest(t, s, taken)
	mustCreatePendingRequest(t, s, looked)

	// A request expires at its ExpiresAt, and is gone for good once a take found it expired.
	_, err := s.TakePendingRequest(ctx, 1, taken.ID, taken.ExpiresAt)
	checkErrorIs(t, "TakePendingRequest at ExpiresAt", err, store.ErrNotFound)
	_, err = s.TakePendingRequest(ctx, 1, taken.ID, t0)
	checkErrorIs(t, "TakePendingRequest before ExpiresAt of a request found expired", err, store.ErrNotFound)

	_, err = s.GetPendingRequestByRelayState(ctx, looked.RelayState, looked.ExpiresAt)
	checkErrorIs(t, "GetPendingRequestByRelayState at ExpiresAt", err, store.ErrNotFound)
	got, err := s.GetPendingRequestByRelayState(ctx, looked.RelayState, looked.ExpiresAt.Add(-time.Nanosecond))
	if err != nil {
		t.Fatalf("GetPendingRequestByRelayState a nanosecond before ExpiresAt: %v", err)
	}
	checkFields(t, "pending request", got, looked)
	_, err = s.TakePendingRequest(ctx, 1, looked.ID, looked.ExpiresAt.Add(time.Hour))
	checkErrorIs(t, "TakePendingRequest after ExpiresAt", err, store.ErrNotFound)
}

func testPendingRequestConcurrentTake(t *testing.T, s store.Store) {
	r := pendingRequest(1, "_request", "handle")
	mustCreatePendingRequest(t, s, r)
	errs := race(func() error {
		_, err := s.TakePendingRequest(t.Context(), 1, r.ID, t0)
		return err
	})
	checkOneWinner(t, "TakePendingRequest", errs, store.ErrNotFound)
}

func testAssertionReplay(t *testing.T, s store.Store) {
	ctx := t.Context()
	const id = "_assertion-1"
	expires := t0.Add(5 * time.Minute)
	if err := s.RememberAssertion(ctx, 1, id, expires, t0); err != nil {
		t.Fatalf("RememberAssertion: %v", err)
	}
	checkErrorIs(t, "RememberAssertion replayed", s.RememberAssertion(ctx, 1, id, expires.Add(time.Hour), t0.Add(time.Minute)), store.ErrAlreadyExists)
	checkErrorIs(t, "RememberAssertion replayed a nanosecond before expiry", s.RememberAssertion(ctx, 1, id, expires, expires.Add(-time.Nanosecond)), store.ErrAlreadyExists)
	if err := s.RememberAssertion(ctx, 2, id, expires, t0); err != nil {
		t.Errorf("RememberAssertion of the same ID for another group: %v", err)
	}

	// Once expired, the ID may be remembered again, with the new expiry.
	renewed := expires.Add(5 * time.Minute)
	if err := s.RememberAssertion(ctx, 1, id, renewed, expires); err != nil {
		t.Fatalf("RememberAssertion at expiry: %v", err)
	}
	checkErrorIs(t, "RememberAssertion replayed after renewal", s.RememberAssertion(ctx, 1, id, renewed, renewed.Add(-time.Nanosecond)), store.ErrAlreadyExists)

	checkRefused(t, "RememberAssertion with an empty ID", s.RememberAssertion(ctx, 1, "", expires, t0))
}

func testAssertionConcurrentReplay(t *testing.T, s store.Store) {
	errs := race(func() error {
		return s.RememberAssertion(t.Context(), 1, "_assertion", t0.Add(5*time.Minute), t0)
	})
	checkOneWinner(t, "RememberAssertion", errs, store.ErrAlreadyExists)

	// The same race for an expired assertion: one replaces it, the others are replays.
	errs = race(func() error {
		return s.RememberAssertion(t.Context(), 1, "_assertion", t0.Add(time.Hour), t0.Add(5*time.Minute))
	})
	checkOneWinner(t, "RememberAssertion of an expired ID", errs, store.ErrAlreadyExists)
}

func testSessionRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := store.Session{
		ID:            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		GroupID:       4711,
		GlanceAddress: "oersted.zoe.example.glance.net",
		NameID:        "zoë.ørsted@example.com",
		CreatedAt:     time.Date(2026, 1, 2, 4, 4, 5, 123456789, berlin),
		ExpiresAt:     time.Date(2026, 1, 2, 11, 4, 5, 1, time.UTC),
	}
	checkEveryFieldSet(t, "session", want)
	mustCreateSession(t, s, want)
	got, err := s.GetSession(ctx, want.ID, t0)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	checkFields(t, "session", got, want)
	_, err = s.GetSession(ctx, "unknown", t0)
	checkErrorIs(t, "GetSession of an unknown ID", err, store.ErrNotFound)
	checkRefused(t, "CreateSession with an empty ID", s.CreateSession(ctx, session("")))
}

func testSessionDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	original := session("hash-1")
	mustCreateSession(t, s, original)
	duplicate := session(original.ID)
	duplicate.GlanceAddress = "intruder.example.glance.net"
	checkErrorIs(t, "CreateSession with a taken ID", s.CreateSession(ctx, duplicate), store.ErrAlreadyExists)
	got, err := s.GetSession(ctx, original.ID, t0)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	checkFields(t, "session", got, original)
}

func testSessionExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := session("hash-1")
	mustCreateSession(t, s, sess)
	_, err := s.GetSession(ctx, sess.ID, sess.ExpiresAt)
	checkErrorIs(t, "GetSession at ExpiresAt", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, sess.ID, sess.ExpiresAt.Add(time.Hour))
	checkErrorIs(t, "GetSession after ExpiresAt", err, store.ErrNotFound)
	got, err := s.GetSession(ctx, sess.ID, sess.ExpiresAt.Add(-time.Nanosecond))
	if err != nil {
		t.Fatalf("GetSession a nanosecond before ExpiresAt: %v", err)
	}
	checkFields(t, "session", got, sess)
}

func testSessionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	deleted, kept := session("hash-1"), session("hash-2")
	mustCreateSession(t, s, deleted)
	mustCreateSession(t, s, kept)
	if err := s.DeleteSession(ctx, deleted.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err := s.GetSession(ctx, deleted.ID, t0)
	checkErrorIs(t, "GetSession of a deleted session", err, store.ErrNotFound)
	checkErrorIs(t, "DeleteSession of a deleted session", s.DeleteSession(ctx, deleted.ID), store.ErrNotFound)
	if _, err := s.GetSession(ctx, kept.ID, t0); err != nil {
		t.Errorf("GetSession of the other session: %v", err)
	}
}
