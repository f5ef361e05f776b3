package storetest

import (
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

// testClosed checks that every method of a closed store fails, without
// panicking and without calling an update function.
func testClosed(t *testing.T, s store.Store) {
	ctx := t.Context()
	group := plainGroup(1, "one")
	user := plainUser(1, "doe.john.example.glance.net", "john@example.com")
	mustCreateGroup(t, s, group)
	mustCreateUser(t, s, user)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close again: %v", err)
	}

	updateCalled := false
	updateGroup := func(old store.Group) (store.Group, error) {
		updateCalled = true
		return old, nil
	}
	updateUser := func(old store.User) (store.User, error) {
		updateCalled = true
		return old, nil
	}
	calls := map[string]func() error{
		"CreateGroup": func() error { return s.CreateGroup(ctx, plainGroup(2, "two")) },
		"GetGroup": func() error {
			_, err := s.GetGroup(ctx, group.ID)
			return err
		},
		"GetGroupByName": func() error {
			_, err := s.GetGroupByName(ctx, group.Name)
			return err
		},
		"GetGroupByAccountID": func() error {
			_, err := s.GetGroupByAccountID(ctx, "account")
			return err
		},
		"ListGroups": func() error {
			_, err := s.ListGroups(ctx)
			return err
		},
		"UpdateGroup": func() error { return s.UpdateGroup(ctx, group.ID, updateGroup) },
		"CreateUser":  func() error { return s.CreateUser(ctx, plainUser(1, "doe.jane.example.glance.net", "")) },
		"GetUser": func() error {
			_, err := s.GetUser(ctx, user.GlanceAddress)
			return err
		},
		"ListUsers": func() error {
			_, err := s.ListUsers(ctx, group.ID)
			return err
		},
		"FindUsers": func() error {
			_, err := s.FindUsers(ctx, group.ID, user.Email)
			return err
		},
		"UpdateUser":           func() error { return s.UpdateUser(ctx, user.GlanceAddress, updateUser) },
		"CreatePendingRequest": func() error { return s.CreatePendingRequest(ctx, pendingRequest(1, "_request", "handle")) },
		"TakePendingRequest": func() error {
			_, err := s.TakePendingRequest(ctx, 1, "_request", t0)
			return err
		},
		"GetPendingRequestByRelayState": func() error {
			_, err := s.GetPendingRequestByRelayState(ctx, "handle", t0)
			return err
		},
		"RememberAssertion": func() error { return s.RememberAssertion(ctx, 1, "_assertion", t0.Add(time.Minute), t0) },
		"CreateSession":     func() error { return s.CreateSession(ctx, session("hash")) },
		"GetSession": func() error {
			_, err := s.GetSession(ctx, "hash", t0)
			return err
		},
		"DeleteSession":   func() error { return s.DeleteSession(ctx, "hash") },
		"AppendAccessLog": func() error { return s.AppendAccessLog(ctx, &store.AccessLogEntry{Time: t0}) },
		"ListAccessLog": func() error {
			_, err := s.ListAccessLog(ctx, store.AccessLogQuery{})
			return err
		},
		"UpdateGroupAudited": func() error {
			return s.UpdateGroupAudited(ctx, group.ID, func(old store.Group) (store.Group, []store.AuditEntry, error) {
				updateCalled = true
				return old, nil, nil
			})
		},
		"AppendAudit": func() error {
			return s.AppendAudit(ctx, store.AuditEntry{Time: t0, GroupID: 1, Actor: "admin", Field: "name"})
		},
		"ListAudit": func() error {
			_, err := s.ListAudit(ctx, 1, 0)
			return err
		},
		"DeleteExpired": func() error {
			_, err := s.DeleteExpired(ctx, t0)
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s on a closed store succeeded, want an error", name)
		}
	}
	if updateCalled {
		t.Error("an Update method of a closed store called the update function")
	}
}
