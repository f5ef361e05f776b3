package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

func spKey(group int64, id string, state store.SPKeyState, created time.Time) store.SPKey {
	return store.SPKey{ID: id, GroupID: group, State: state, CertificatePEM: "cert " + id, PrivateKeyPEM: "key " + id, CreatedAt: created}
}

func testSPKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	current := spKey(1, "sha256:aa", store.SPKeyCurrent, t0)
	next := spKey(1, "sha256:bb", store.SPKeyNext, t0.Add(time.Hour).In(berlin))
	for _, k := range []store.SPKey{next, current, spKey(2, "sha256:aa", store.SPKeyCurrent, t0)} {
		if err := s.CreateSPKey(ctx, k); err != nil {
			t.Fatalf("CreateSPKey(%q, group %d): %v", k.ID, k.GroupID, err)
		}
	}
	checkErrorIs(t, "CreateSPKey of a duplicate", s.CreateSPKey(ctx, current), store.ErrAlreadyExists)
	checkErrorIs(t, "CreateSPKey for a missing group", s.CreateSPKey(ctx, spKey(9, "sha256:cc", store.SPKeyCurrent, t0)), store.ErrNotFound)

	keys, err := s.ListSPKeys(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != current.ID || keys[1].ID != next.ID {
		t.Fatalf("ListSPKeys = %+v, want current then next (oldest first)", keys)
	}
	if k := keys[1]; k.State != store.SPKeyNext || k.PrivateKeyPEM != "key sha256:bb" || k.CertificatePEM != "cert sha256:bb" || !k.CreatedAt.Equal(next.CreatedAt) {
		t.Errorf("round trip: %+v", k)
	}

	// Promote next, refuse a key change, keep data on a failed update.
	if err := s.UpdateSPKey(ctx, 1, next.ID, func(k store.SPKey) (store.SPKey, error) { k.State = store.SPKeyCurrent; return k, nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateSPKey(ctx, 1, next.ID, func(k store.SPKey) (store.SPKey, error) { k.ID = "other"; return k, nil }); err == nil {
		t.Error("UpdateSPKey changed the key ID")
	}
	if err := s.UpdateSPKey(ctx, 1, next.ID, func(k store.SPKey) (store.SPKey, error) { k.State = store.SPKeyNext; return k, errUpdateRefused }); !errors.Is(err, errUpdateRefused) {
		t.Errorf("UpdateSPKey error = %v", err)
	}
	checkErrorIs(t, "UpdateSPKey of a missing key", s.UpdateSPKey(ctx, 2, next.ID, func(k store.SPKey) (store.SPKey, error) { return k, nil }), store.ErrNotFound)
	keys, _ = s.ListSPKeys(ctx, 1)
	if keys[1].State != store.SPKeyCurrent {
		t.Errorf("after promotion: %+v", keys[1])
	}

	if err := s.DeleteSPKey(ctx, 1, current.ID); err != nil {
		t.Fatal(err)
	}
	checkErrorIs(t, "DeleteSPKey twice", s.DeleteSPKey(ctx, 1, current.ID), store.ErrNotFound)
	if keys, _ := s.ListSPKeys(ctx, 2); len(keys) != 1 {
		t.Errorf("deleting group 1's key touched group 2: %+v", keys)
	}
	if keys, err := s.ListSPKeys(ctx, 1); err != nil || len(keys) != 1 || keys[0].ID != next.ID {
		t.Errorf("after delete: %+v %v", keys, err)
	}
}
