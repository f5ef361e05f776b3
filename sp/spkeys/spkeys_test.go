package spkeys

import (
	"context"
	"errors"
	"testing"

	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

func TestRotation(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateGroup(ctx, store.Group{ID: 1, Name: "one"}); err != nil {
		t.Fatal(err)
	}
	m := &Manager{Store: st, Bits: 1024}

	first, err := m.Keys(ctx, 1)
	if err != nil || len(first) != 1 || first[0].State != store.SPKeyCurrent {
		t.Fatalf("first use: %+v %v", first, err)
	}
	again, _ := m.Keys(ctx, 1)
	if len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatalf("a second use generated another key: %+v", again)
	}
	if err := m.Retire(ctx, 1, first[0].ID); !errors.Is(err, ErrLastKey) {
		t.Fatalf("retiring the only key: %v", err)
	}
	next, err := m.AddNext(ctx, 1)
	if err != nil || next.State != store.SPKeyNext {
		t.Fatalf("AddNext: %+v %v", next, err)
	}
	if _, err := m.AddNext(ctx, 1); !errors.Is(err, ErrNextExists) {
		t.Fatalf("a second next key: %v", err)
	}
	both, _ := m.Keys(ctx, 1)
	if len(both) != 2 || both[0].ID != first[0].ID || both[1].ID != next.ID {
		t.Fatalf("keys = %+v, want current then next", both)
	}
	if err := m.Retire(ctx, 1, first[0].ID); err != nil {
		t.Fatal(err)
	}
	after, _ := m.Keys(ctx, 1)
	if len(after) != 1 || after[0].ID != next.ID || after[0].State != store.SPKeyCurrent {
		t.Fatalf("after retiring the current key: %+v", after)
	}
	if err := m.Retire(ctx, 1, "sha256:nope"); err == nil {
		t.Error("retired an unknown key")
	}
	if !after[0].PrivateKey.PublicKey.Equal(after[0].Certificate.PublicKey) {
		t.Error("certificate does not match its private key")
	}
}
