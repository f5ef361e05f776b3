package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

func testAuditRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := store.AuditEntry{
		ID: 0, Time: time.Date(2026, 1, 2, 4, 4, 5, 123456789, berlin), GroupID: 7,
		Actor: "ann.acme.glance.net", Field: "sso.idpSSOURL", Old: "https://old.example/sso", New: "https://new.example/sso",
	}
	if err := s.AppendAudit(ctx, full); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	created := store.AuditEntry{Time: t0, GroupID: 8, Actor: "admin", Field: "spKeys", New: "sha256:aa next"}
	if err := s.AppendAudit(ctx, created); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	all, err := s.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	if len(all) != 2 || all[0].ID == 0 || all[1].ID == 0 || all[0].ID == all[1].ID {
		t.Fatalf("ListAudit(all) = %+v, want two entries with distinct non-zero IDs", all)
	}
	full.ID, created.ID = all[1].ID, all[0].ID
	checkRecords(t, "ListAudit(all)", all, []store.AuditEntry{created, full})

	own, err := s.ListAudit(ctx, 7, 0)
	if err != nil {
		t.Fatalf("ListAudit(7): %v", err)
	}
	checkRecords(t, "ListAudit(7)", own, []store.AuditEntry{full})

	for _, bad := range []store.AuditEntry{{Time: t0, GroupID: 7, Field: "name"}, {Time: t0, GroupID: 7, Actor: "admin"}} {
		checkRefused(t, "AppendAudit without actor or field", s.AppendAudit(ctx, bad))
	}
	if _, err := s.ListAudit(ctx, 7, -1); err == nil {
		t.Error("ListAudit with a negative limit succeeded, want an error")
	}
}

func testAuditNewestFirstAndLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 5 {
		if err := s.AppendAudit(ctx, store.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute), GroupID: 1, Actor: "admin", Field: "sso.description", New: string(rune('a' + i))}); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	got, err := s.ListAudit(ctx, 1, 3)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	if len(got) != 3 || got[0].New != "e" || got[1].New != "d" || got[2].New != "c" {
		t.Errorf("ListAudit(1, 3) = %+v, want the newest three, newest first", got)
	}
}

func testGroupUpdateAudited(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	entry := store.AuditEntry{Time: t0, GroupID: 1, Actor: "admin", Field: "name", Old: "one", New: "uno"}
	err := s.UpdateGroupAudited(ctx, 1, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		old.Name = "uno"
		return old, []store.AuditEntry{entry}, nil
	})
	if err != nil {
		t.Fatalf("UpdateGroupAudited: %v", err)
	}
	if g, err := s.GetGroup(ctx, 1); err != nil || g.Name != "uno" {
		t.Errorf("after the update GetGroup = %+v, %v", g, err)
	}
	if got, err := s.ListAudit(ctx, 1, 0); err != nil || len(got) != 1 || got[0].Field != "name" || got[0].New != "uno" {
		t.Errorf("ListAudit after the update = %+v, %v", got, err)
	}

	// A refused update writes neither the group nor its entries.
	err = s.UpdateGroupAudited(ctx, 1, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		old.Name = "eins"
		return old, []store.AuditEntry{entry}, errUpdateRefused
	})
	if !errors.Is(err, errUpdateRefused) {
		t.Errorf("refused update: %v, want errUpdateRefused", err)
	}
	// A duplicate name rolls the entries back too.
	err = s.UpdateGroupAudited(ctx, 1, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		old.Name = "two"
		return old, []store.AuditEntry{entry}, nil
	})
	checkErrorIs(t, "UpdateGroupAudited to a duplicate name", err, store.ErrAlreadyExists)
	// An invalid entry rolls the group back.
	err = s.UpdateGroupAudited(ctx, 1, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		old.Name = "ein"
		return old, []store.AuditEntry{{Time: t0, GroupID: 1}}, nil
	})
	if err == nil {
		t.Error("UpdateGroupAudited with an entry lacking actor and field succeeded")
	}
	if g, err := s.GetGroup(ctx, 1); err != nil || g.Name != "uno" {
		t.Errorf("after refused updates GetGroup = %+v, %v; want name uno", g, err)
	}
	if got, err := s.ListAudit(ctx, 1, 0); err != nil || len(got) != 1 {
		t.Errorf("after refused updates ListAudit = %+v, %v; want the one entry", got, err)
	}
	checkErrorIs(t, "UpdateGroupAudited of a missing group", s.UpdateGroupAudited(ctx, 9, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		return old, nil, nil
	}), store.ErrNotFound)
}
