package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/origin"
	"github.com/ssoharness/ssoharness/sp/store"
)

// The demo tenant `ssoharness up` seeds. The credentials are public demo
// data, printed at start-up.
const (
	DemoGroupID   int64 = 12345
	DemoGroupName       = "demo"
	DemoAccountID       = "demo-org"
	DemoEntityID        = "glance.net/sp/1"
)

// DemoCredential is a user a newcomer can sign in as.
type DemoCredential struct {
	Username, Password, Note string
}

// DemoIdPUsers are the mock IdP's directory in the demo: two users the SP
// knows and one it does not.
var DemoIdPUsers = []DemoCredential{
	{"alice@example.com", "alice-password", "SP user alice.demo.glance.net, role admin (can see the access log)"},
	{"bob@example.com", "bob-password", "SP user bob.demo.glance.net, role agent"},
	{"mallory@example.com", "mallory-password", "unknown to the SP: sign-on is refused (unknown_user)"},
}

// DemoOriginUsers are the originating system's accounts in the demo.
var DemoOriginUsers = []DemoCredential{
	{"alice@example.com", "alice-password", "originating-system account"},
}

func demoOriginUsers() []origin.User {
	var us []origin.User
	for _, c := range DemoOriginUsers {
		us = append(us, origin.User{Email: c.Username, Password: c.Password, Name: c.Username})
	}
	return us
}

// SeedDemo creates or refreshes the demo group, its users, and the mock
// IdP's directory and SP entry. Running it twice changes nothing; users
// added later (by hand or by provisioning) are kept.
func (s *Stack) SeedDemo(ctx context.Context) error {
	kp, err := fixtures.Load(KeyA)
	if err != nil {
		return err
	}
	g := store.Group{ID: DemoGroupID, Name: DemoGroupName, AccountID: DemoAccountID, SSO: store.SSOSettings{
		Method: store.MethodSAML2, Status: store.StatusProvisioning,
		Description: "Demo group signed in by the ssoharness mock IdP",
		IdPEntityID: s.IdP.EntityID(), IdPSSOURL: s.IdP.SSOURL(), IdPBinding: store.BindingRedirect,
		IdPCertificates: []string{kp.CertificatePEM}, EntityID: DemoEntityID,
		IdentityAttribute: "email", NameIDPolicy: store.NameIDEmail,
		AllowIdPInitiated: true, IdPInitiatedRedirect: "/agentjoin/AgentJoin.aspx",
		ClockSkewSeconds: 180, MaxResponseBytes: 256 << 10,
	}}
	err = s.Store.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) { return g, nil })
	if errors.Is(err, store.ErrNotFound) {
		err = s.Store.CreateGroup(ctx, g)
	}
	if err != nil {
		return fmt.Errorf("demo group: %w", err)
	}
	for _, u := range []store.User{
		{GlanceAddress: "alice.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-001", Email: "alice@example.com", FirstName: "Alice", LastName: "Admin", Role: "admin", Status: store.UserActive},
		{GlanceAddress: "bob.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-002", Email: "bob@example.com", FirstName: "Bob", LastName: "Agent", Role: "agent", Status: store.UserActive},
	} {
		err := s.Store.UpdateUser(ctx, u.GlanceAddress, func(store.User) (store.User, error) { return u, nil })
		if errors.Is(err, store.ErrNotFound) {
			err = s.Store.CreateUser(ctx, u)
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.GlanceAddress, err)
		}
	}
	for _, c := range DemoIdPUsers {
		err := s.IdP.AddUser(mockidp.User{Username: c.Username, Password: c.Password, NameID: c.Username,
			Attributes: map[string][]string{"email": {c.Username}}})
		if err != nil && !errors.Is(err, mockidp.ErrAlreadyExists) {
			return fmt.Errorf("demo IdP user %s: %w", c.Username, err)
		}
	}
	err = s.IdP.AddServiceProvider(mockidp.ServiceProvider{EntityID: DemoEntityID, ACSURLs: []string{s.ACSURL(g)}, ACSMatch: mockidp.ACSMatchQuerySuperset})
	if err != nil && !errors.Is(err, mockidp.ErrAlreadyExists) {
		return fmt.Errorf("demo SP at the IdP: %w", err)
	}
	return nil
}
