package stack

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

func start(t *testing.T, path string) *Stack {
	t.Helper()
	s, err := Start(context.Background(), Options{StorePath: path, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// `ssoharness up` keeps its data across restarts, and seeding the demo
// again changes nothing.
func TestDataSurvivesARestartAndSeedingIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sp.db")
	s := start(t, path)
	if err := s.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.AppendAccessLog(ctx, &store.AccessLogEntry{Time: time.Now(), GroupID: DemoGroupID, Outcome: store.OutcomeRefused, Reason: "expired"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.CreateUser(ctx, store.User{GlanceAddress: "later.demo.glance.net", GroupID: DemoGroupID, Email: "later@example.com", Status: store.UserActive}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s = start(t, path)
	defer s.Close(ctx)
	if err := s.SeedDemo(ctx); err != nil {
		t.Fatalf("seeding again: %v", err)
	}
	entries, err := s.Store.ListAccessLog(ctx, store.AccessLogQuery{GroupID: DemoGroupID})
	if err != nil || len(entries) != 1 || entries[0].Reason != "expired" {
		t.Fatalf("access log after restart = %+v, %v", entries, err)
	}
	users, err := s.Store.ListUsers(ctx, DemoGroupID)
	if err != nil || len(users) != 3 {
		t.Fatalf("users after restart = %+v, %v", users, err)
	}
	g, err := s.Store.GetGroup(ctx, DemoGroupID)
	if err != nil || g.SSO.IdPSSOURL != s.IdP.SSOURL() {
		t.Fatalf("demo group after restart = %+v, %v (the IdP URL must follow the new port)", g, err)
	}
}

func TestNewGroupsAreIsolated(t *testing.T) {
	ctx := context.Background()
	s := start(t, "")
	defer s.Close(ctx)
	a, err := s.NewGroup(ctx, GroupSpec{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.NewGroup(ctx, GroupSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.SSO.EntityID == b.SSO.EntityID || s.ACSURL(a) == s.ACSURL(b) {
		t.Errorf("groups share identifiers: %+v %+v", a, b)
	}
}
