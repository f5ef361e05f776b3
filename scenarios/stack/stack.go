// Package stack runs the harness's three servers together in one process:
// the Service Provider (sp), the mock IdP (mockidp) and the mock originating
// system (mockidp/origin), each on its own 127.0.0.1 listener and under its
// own host name (sp.localhost, idp.localhost, crm.localhost by default), so
// their cookies stay apart as they would in production. The scenario suites
// start one per Ginkgo process on random ports; `ssoharness up` starts one on
// fixed ports with a persistent store and the demo tenant.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/origin"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/sp"
	"github.com/ssoharness/ssoharness/sp/idpmetadata"
	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

// Options place the stack. Zero values pick random loopback ports, the
// default host names and an in-memory store.
type Options struct {
	SPHost, IdPHost, OriginHost       string // default sp.localhost, idp.localhost, crm.localhost
	SPListen, IdPListen, OriginListen string // default 127.0.0.1:0
	// StorePath is the SP's SQLite file; "" keeps it in memory.
	StorePath string
	// AdminPassword enables the SP's admin pages.
	AdminPassword string
	Logger        *slog.Logger
}

// Stack is a running SP, mock IdP and originating system.
type Stack struct {
	SP     *sp.Server
	Store  store.Store
	IdP    *mockidp.IdP
	Origin *origin.Origin

	SPURL, IdPURL, OriginURL string
	// Hosts are the host names the servers answer to; a browser must
	// resolve them to 127.0.0.1.
	Hosts []string

	servers []*http.Server
	nextID  atomic.Int64
}

// Fixture key names the mock IdP holds: A signs and is published; B is
// published for rotation; the rogue key is known to the IdP only, so a
// response it signs is one no SP was told about.
const (
	KeyA     = fixtures.IdPKeyA
	KeyB     = fixtures.IdPKeyB
	KeyRogue = fixtures.IdPKeyRogue
)

func key(name string) (response.Key, error) {
	kp, err := fixtures.Load(name)
	if err != nil {
		return response.Key{}, err
	}
	return response.Key{Name: name, Signer: kp.PrivateKey, Certificate: kp.Certificate}, nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// Start binds the three listeners, then builds each server with its
// external URL, and serves.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	hosts := []string{orDefault(o.SPHost, "sp.localhost"), orDefault(o.IdPHost, "idp.localhost"), orDefault(o.OriginHost, "crm.localhost")}
	addrs := []string{orDefault(o.SPListen, "127.0.0.1:0"), orDefault(o.IdPListen, "127.0.0.1:0"), orDefault(o.OriginListen, "127.0.0.1:0")}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	urls := make([]string, 3)
	for i, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("stack: listen %s for %s: %w", addr, hosts[i], err)
		}
		lns = append(lns, ln)
		urls[i] = "http://" + net.JoinHostPort(hosts[i], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	s := &Stack{SPURL: urls[0], IdPURL: urls[1], OriginURL: urls[2], Hosts: hosts}
	s.nextID.Store(100000)

	storePath := o.StorePath
	if storePath == "" {
		storePath = ":memory:"
	}
	st, err := sqlite.Open(ctx, storePath)
	if err != nil {
		closeAll()
		return nil, err
	}
	s.Store = st
	s.SP = sp.New(sp.Options{Store: st, BaseURL: s.SPURL, AdminPassword: o.AdminPassword, Logger: o.Logger.With("server", "sp")})

	var keys [3]response.Key
	for i, name := range []string{KeyA, KeyB, KeyRogue} {
		if keys[i], err = key(name); err != nil {
			closeAll()
			st.Close()
			return nil, err
		}
	}
	s.IdP, err = mockidp.New(mockidp.Config{BaseURL: s.IdPURL, SigningKey: KeyA},
		mockidp.WithKeys(keys[0], keys[1]), mockidp.WithUnpublishedKeys(keys[2]),
		mockidp.WithLogger(o.Logger.With("server", "idp")))
	if err != nil {
		closeAll()
		st.Close()
		return nil, err
	}
	s.Origin, err = origin.New(origin.Config{BaseURL: s.OriginURL, Users: demoOriginUsers(), PortalLinks: []origin.PortalLink{
		{Title: "Partner portal: agent join page", URL: s.SPURL + "/agentjoin/AgentJoin.aspx?idpid=" + strconv.FormatInt(DemoGroupID, 10)},
	}}, origin.WithLogger(o.Logger.With("server", "origin")))
	if err != nil {
		closeAll()
		st.Close()
		return nil, err
	}

	for i, h := range []http.Handler{s.SP, s.IdP, s.Origin} {
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn)}
		s.servers = append(s.servers, hs)
		go func(ln net.Listener) {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				o.Logger.Error("stack: serve", "host", hosts[i], "err", err)
			}
		}(lns[i])
	}
	return s, nil
}

// Close shuts the servers down, letting in-flight requests finish, then
// closes the store.
func (s *Stack) Close(ctx context.Context) error {
	var errs []error
	for _, hs := range s.servers {
		errs = append(errs, hs.Shutdown(ctx))
	}
	errs = append(errs, s.Store.Close())
	return errors.Join(errs...)
}

// ACSURL is the group's ACS on this stack's SP.
func (s *Stack) ACSURL(g store.Group) string { return s.SP.SignOn().ACSURL(g) }

// GroupSpec describes a tenant to create for one scenario.
type GroupSpec struct {
	Name string
	// EntityID of the SP for this group; "" gives a unique one, so responses
	// armed at the mock IdP for one group never reach another.
	EntityID string
	Binding  store.Binding
	// Edit adjusts the settings before the group is stored.
	Edit  func(*store.SSOSettings)
	Users []store.User
}

// NewGroup creates a group whose SSO points at the mock IdP (trusting key
// A), stores its users, and registers the group's SP with the mock IdP.
func (s *Stack) NewGroup(ctx context.Context, spec GroupSpec) (store.Group, error) {
	id := s.nextID.Add(1)
	g := store.Group{ID: id, Name: orDefault(spec.Name, "group-"+strconv.FormatInt(id, 10))}
	kp, err := fixtures.Load(KeyA)
	if err != nil {
		return store.Group{}, err
	}
	g.SSO = store.SSOSettings{
		Method: store.MethodSAML2, Status: store.StatusProvisioning,
		IdPEntityID: s.IdP.EntityID(), IdPSSOURL: s.IdP.SSOURL(), IdPBinding: orDefaultBinding(spec.Binding),
		IdPCertificates: []string{kp.CertificatePEM},
		EntityID:        orDefault(spec.EntityID, "glance.net/sp/"+strconv.FormatInt(id, 10)),
		NameIDPolicy:    store.NameIDEmail, IdentityAttribute: "email",
		AllowIdPInitiated: true, IdPInitiatedRedirect: "/agentjoin/AgentJoin.aspx",
		ClockSkewSeconds: 180, MaxResponseBytes: 256 << 10,
	}
	if spec.Edit != nil {
		spec.Edit(&g.SSO)
	}
	if err := s.Store.CreateGroup(ctx, g); err != nil {
		return store.Group{}, err
	}
	for _, u := range spec.Users {
		u.GroupID = g.ID
		if u.Status == "" {
			u.Status = store.UserActive
		}
		if err := s.Store.CreateUser(ctx, u); err != nil {
			return store.Group{}, err
		}
	}
	err = s.IdP.AddServiceProvider(mockidp.ServiceProvider{EntityID: g.SSO.EntityID, ACSURLs: []string{s.ACSURL(g)}, ACSMatch: mockidp.ACSMatchQuerySuperset})
	if err != nil && !errors.Is(err, mockidp.ErrAlreadyExists) {
		return store.Group{}, err
	}
	return g, nil
}

func orDefaultBinding(b store.Binding) store.Binding {
	if b == "" {
		return store.BindingRedirect
	}
	return b
}

// CollectExpired deletes expired requests, assertions and sessions every
// interval until ctx ends.
func (s *Stack) CollectExpired(ctx context.Context, every time.Duration) {
	sp.CollectExpired(ctx, s.Store, every, slog.Default())
}

// RefreshMetadata refetches the IdP metadata URL of every group that has
// one every interval until ctx ends.
func (s *Stack) RefreshMetadata(ctx context.Context, every time.Duration) {
	idpmetadata.RefreshEvery(ctx, every, s.Store, idpmetadata.NewHTTPClient(), slog.Default().With("task", "idp-metadata-refresh"))
}
