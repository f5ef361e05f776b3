package signon

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/sp/spkeys"
	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

const (
	idpEntityID = "http://idp.localhost:9082/metadata"
	baseURL     = "http://sp.localhost:9081"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// clock is an injectable clock tests move by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type fixture struct {
	svc   *Service
	store store.Store
	clock *clock
	group store.Group
	keys  []response.Key
	// spCert, when set, is the SP encryption certificate the IdP encrypts to.
	spCert *x509.Certificate
}

func newFixture(t testing.TB, edit ...func(*store.Group)) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := store.Group{ID: 12345, Name: "demo", SSO: store.SSOSettings{
		Method: store.MethodSAML2, Status: store.StatusProvisioning,
		IdPEntityID: idpEntityID, IdPSSOURL: "http://idp.localhost:9082/sso", IdPBinding: store.BindingRedirect,
		IdPCertificates: []string{fixtures.MustLoad(fixtures.IdPKeyA).CertificatePEM},
		EntityID:        "glance.net/sp/1", IdentityAttribute: "email", NameIDPolicy: store.NameIDEmail,
		IdPInitiatedRedirect: "/agentjoin/AgentJoin.aspx",
	}}
	for _, e := range edit {
		e(&g)
	}
	ctx := context.Background()
	if err := st.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{GlanceAddress: "alice.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-001", Email: "alice@example.com", Status: store.UserActive, Role: "admin"},
		{GlanceAddress: "bob.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-002", Email: "bob@example.com", Status: store.UserActive},
		{GlanceAddress: "dora.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-004", Email: "dora@example.com", Status: store.UserDisabled},
		{GlanceAddress: "pat.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-005", Email: "pat@example.com", Status: store.UserPending},
		// Ambiguous: carol's email is eve's Partner User ID.
		{GlanceAddress: "carol.demo.glance.net", GroupID: g.ID, PartnerUserID: "agent-003", Email: "carol@example.com", Status: store.UserActive},
		{GlanceAddress: "eve.demo.glance.net", GroupID: g.ID, PartnerUserID: "carol@example.com", Email: "eve@example.com", Status: store.UserActive},
	} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{now: t0}
	var keys []response.Key
	for _, n := range []string{fixtures.IdPKeyA, fixtures.IdPKeyRogue} {
		kp := fixtures.MustLoad(n)
		keys = append(keys, response.Key{Name: n, Signer: kp.PrivateKey, Certificate: kp.Certificate})
	}
	quiet := slog.New(slog.DiscardHandler)
	spKeys := &spkeys.Manager{Store: st, Now: c.Now}
	return &fixture{svc: &Service{Store: st, BaseURL: baseURL, Now: c.Now, Logger: quiet, Keys: spKeys}, store: st, clock: c, group: g, keys: keys}
}

// respond builds the IdP's answer to requestID ("" for IdP-initiated) for
// user, sent to the group's plain ACS URL.
func (f *fixture) respond(t testing.TB, requestID, nameID string, opts ...response.Option) string {
	t.Helper()
	return f.respondAt(t, f.svc.ACSURL(f.group), requestID, nameID, opts...)
}

// answer builds the IdP's answer to a request this SP started.
func (f *fixture) answer(t testing.TB, start Start, nameID string, opts ...response.Option) string {
	t.Helper()
	return f.respondAt(t, start.ACSURL, start.RequestID, nameID, opts...)
}

// consume posts an answer to the ACS URL the request named.
func (f *fixture) consume(start Start, resp string) Outcome {
	return f.svc.ConsumeAt(context.Background(), f.group, resp, start.RelayState, start.ACSURL)
}

func (f *fixture) respondAt(t testing.TB, acsURL, requestID, nameID string, opts ...response.Option) string {
	t.Helper()
	var spec response.Spec
	response.Apply(&spec, opts...)
	out, err := response.Build(response.Input{
		Spec: spec, IdPEntityID: idpEntityID, SPEntityID: f.group.SSO.EntityID, ACSURL: acsURL,
		RequestID: requestID, Subject: response.Subject{NameID: nameID, Attributes: []response.Attribute{{Name: "email", Values: []string{nameID}}}},
		Keys: f.keys, Now: f.clock.now, SPEncryptionCertificate: f.spCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

func (f *fixture) begin(t *testing.T, target string) Start {
	t.Helper()
	start, err := f.svc.Begin(context.Background(), f.group, target)
	if err != nil {
		t.Fatal(err)
	}
	return start
}

func (f *fixture) lastLog(t *testing.T) store.AccessLogEntry {
	t.Helper()
	entries, err := f.store.ListAccessLog(context.Background(), store.AccessLogQuery{GroupID: f.group.ID, Limit: 1})
	if err != nil || len(entries) != 1 {
		t.Fatalf("access log: %v %v", entries, err)
	}
	return entries[0]
}

func mustRefuse(t *testing.T, f *fixture, out Outcome, reason string) {
	t.Helper()
	if !out.Refused || out.Reason != reason {
		t.Fatalf("outcome = %+v, want refusal %s", out, reason)
	}
	if out.SessionToken != "" {
		t.Fatal("a refusal carries a session token")
	}
	e := f.lastLog(t)
	if e.Outcome != store.OutcomeRefused || e.Reason != reason || e.CorrelationID != out.CorrelationID {
		t.Fatalf("access log = %+v, want refused/%s", e, reason)
	}
}

func TestSPInitiatedSignOnLandsOnTheTarget(t *testing.T) {
	f := newFixture(t)
	start := f.begin(t, "/agentjoin/AgentView.aspx?SessionKey=1234")
	if len(start.RelayState) > MaxRelayState || start.RedirectURL == "" {
		t.Fatalf("start = %+v", start)
	}
	req := decodeRedirect(t, start.RedirectURL)
	if req.ID != start.RequestID || req.AssertionConsumerServiceURL != f.svc.ACSURL(f.group)+"&redirect=%2Fagentjoin%2FAgentView.aspx%3FSessionKey%3D1234" || req.Issuer.Value != "glance.net/sp/1" {
		t.Errorf("AuthnRequest = %+v", req)
	}
	if req.NameIDPolicy == nil || *req.NameIDPolicy.Format != string(saml.EmailAddressNameIDFormat) {
		t.Errorf("NameIDPolicy = %+v", req.NameIDPolicy)
	}

	// The user lingers 14 minutes on the IdP's login page.
	f.clock.now = f.clock.now.Add(14 * time.Minute)
	out := f.consume(start, f.answer(t, start, "alice@example.com"))
	if out.Refused {
		t.Fatalf("refused: %+v", out)
	}
	if out.Target != "/agentjoin/AgentView.aspx?SessionKey=1234" || out.User.GlanceAddress != "alice.demo.glance.net" {
		t.Errorf("outcome = %+v", out)
	}
	sess, err := f.svc.Session(context.Background(), out.SessionToken)
	if err != nil || sess.GlanceAddress != "alice.demo.glance.net" || sess.GroupID != f.group.ID {
		t.Fatalf("session = %+v, %v", sess, err)
	}
	e := f.lastLog(t)
	if e.Outcome != store.OutcomeSuccess || e.Reason != ReasonOK || e.Issuer != idpEntityID || e.NameID != "alice@example.com" ||
		!strings.HasPrefix(e.VerifiedBy, "key 1") || e.Attributes["email"][0] != "alice@example.com" {
		t.Errorf("access log = %+v", e)
	}
	if strings.Contains(e.Detail, out.SessionToken) {
		t.Error("the access log holds the session token")
	}
	// The session expires.
	f.clock.now = f.clock.now.Add(DefaultSessionTTL)
	if _, err := f.svc.Session(context.Background(), out.SessionToken); err == nil {
		t.Error("session outlived its TTL")
	}
}

func TestPOSTBindingSendsAnAutoSubmittingForm(t *testing.T) {
	f := newFixture(t, func(g *store.Group) { g.SSO.IdPBinding = store.BindingPOST })
	start := f.begin(t, "/agentjoin/AgentJoin.aspx")
	if start.RedirectURL != "" || !bytes.Contains(start.PostForm, []byte(`name="SAMLRequest"`)) ||
		!bytes.Contains(start.PostForm, []byte(`value="`+start.RelayState+`"`)) {
		t.Fatalf("form = %s", start.PostForm)
	}
}

func TestOffSiteTargetsLandOnTheDefaultPage(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"https://evil.test/", "//evil.test", "/\\evil.test", "javascript:alert(1)"} {
		start := f.begin(t, target)
		out := f.consume(start, f.answer(t, start, "alice@example.com"))
		if out.Refused || out.Target != DefaultLanding {
			t.Errorf("target %q led to %+v", target, out)
		}
	}
}

func TestAResponseIsAcceptedOnce(t *testing.T) {
	f := newFixture(t, func(g *store.Group) { g.SSO.AllowIdPInitiated = true })
	resp := f.respond(t, "", "alice@example.com")
	if out := f.svc.Consume(context.Background(), f.group, resp, ""); out.Refused {
		t.Fatalf("first use refused: %+v", out)
	}
	mustRefuse(t, f, f.svc.Consume(context.Background(), f.group, resp, ""), ReasonReplay)

	start := f.begin(t, "/x")
	resp = f.answer(t, start, "alice@example.com")
	if out := f.consume(start, resp); out.Refused {
		t.Fatalf("first use refused: %+v", out)
	}
	mustRefuse(t, f, f.consume(start, resp), ReasonReplay)
}

func TestInResponseToMustNameAnOutstandingRequest(t *testing.T) {
	f := newFixture(t)
	mustRefuse(t, f, f.svc.Consume(context.Background(), f.group, f.respond(t, "_never-issued", "alice@example.com"), ""), ReasonUnknownRequest)

	start := f.begin(t, "/x")
	f.clock.now = f.clock.now.Add(DefaultRequestTTL + time.Second)
	mustRefuse(t, f, f.consume(start, f.answer(t, start, "alice@example.com")), ReasonUnknownRequest)
}

func TestUnsolicitedResponsesNeedTheGroupsConsent(t *testing.T) {
	f := newFixture(t)
	mustRefuse(t, f, f.svc.Consume(context.Background(), f.group, f.respond(t, "", "alice@example.com"), ""), ReasonUnsolicited)

	f = newFixture(t, func(g *store.Group) { g.SSO.AllowIdPInitiated = true })
	out := f.svc.Consume(context.Background(), f.group, f.respond(t, "", "alice@example.com"), "https://evil.test/")
	if out.Refused || out.Target != "/agentjoin/AgentJoin.aspx" {
		t.Fatalf("IdP-initiated outcome = %+v", out)
	}
}

// Two groups trust the same IdP with the same entity ID; a request of one
// and a response for the other never mix.
func TestGroupsNeverShareASignOn(t *testing.T) {
	f := newFixture(t)
	other := f.group
	other.ID, other.Name = 777, "other"
	if err := f.store.CreateGroup(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateUser(context.Background(), store.User{GlanceAddress: "alice.other.glance.net", GroupID: 777, Email: "alice@example.com", Status: store.UserActive}); err != nil {
		t.Fatal(err)
	}
	start := f.begin(t, "/x") // group 12345's request
	// The response made for group 12345, posted to group 777's ACS.
	out := f.svc.Consume(context.Background(), other, f.answer(t, start, "alice@example.com"), start.RelayState)
	if !out.Refused || out.Reason != "destination" {
		t.Fatalf("outcome = %+v", out)
	}
	// A response made for group 777 answering group 12345's request.
	g := f.group
	f.group = other
	resp := f.respond(t, start.RequestID, "alice@example.com")
	f.group = g
	out = f.svc.Consume(context.Background(), other, resp, start.RelayState)
	if !out.Refused || out.Reason != ReasonUnknownRequest {
		t.Fatalf("outcome = %+v", out)
	}
}

func TestUsersAreMatchedAndRefusedWithAReason(t *testing.T) {
	for _, tc := range []struct {
		nameID, reason, user string
	}{
		{"alice@example.com", "", "alice.demo.glance.net"},
		{"ALICE@example.com", "", "alice.demo.glance.net"},
		{"agent-002", "", "bob.demo.glance.net"},
		{"bob.demo.glance.net", "", "bob.demo.glance.net"},
		{"pat@example.com", "", "pat.demo.glance.net"},
		{"nobody@example.com", ReasonUnknownUser, ""},
		{"carol@example.com", ReasonAmbiguousUser, ""},
		{"dora@example.com", ReasonDisabledUser, ""},
	} {
		t.Run(tc.nameID, func(t *testing.T) {
			f := newFixture(t)
			start := f.begin(t, "/x")
			out := f.consume(start, f.answer(t, start, tc.nameID))
			if tc.reason != "" {
				mustRefuse(t, f, out, tc.reason)
				return
			}
			if out.Refused || out.User.GlanceAddress != tc.user {
				t.Fatalf("outcome = %+v", out)
			}
		})
	}
}

func TestIdentityAttributeFindsTheUser(t *testing.T) {
	f := newFixture(t, func(g *store.Group) { g.SSO.IdentityAttribute = "employeeNumber" })
	start := f.begin(t, "/x")
	resp := f.answer(t, start, "opaque-123", response.WithAttributes(response.Attribute{Name: "employeeNumber", Values: []string{"agent-002"}}))
	out := f.consume(start, resp)
	if out.Refused || out.User.GlanceAddress != "bob.demo.glance.net" {
		t.Fatalf("outcome = %+v", out)
	}
}

func TestValidationRefusalsAreLoggedWithTheClaimedIssuer(t *testing.T) {
	f := newFixture(t)
	start := f.begin(t, "/x")
	mustRefuse(t, f, f.consume(start, f.answer(t, start, "alice@example.com", response.SignedBy(fixtures.IdPKeyRogue))), "bad_signature")
	if e := f.lastLog(t); e.Issuer != idpEntityID || e.NameID != "alice@example.com" || !strings.Contains(e.Detail, "no configured key") {
		t.Errorf("access log = %+v", e)
	}
	mustRefuse(t, f, f.consume(start, f.answer(t, start, "alice@example.com", response.Expired())), "expired")
	mustRefuse(t, f, f.svc.Consume(context.Background(), f.group, "garbage", ""), "malformed")
}

func TestSSOOffRefusesEverything(t *testing.T) {
	f := newFixture(t, func(g *store.Group) { g.SSO.Method = store.MethodOff })
	if _, err := f.svc.Begin(context.Background(), f.group, "/x"); err == nil {
		t.Error("Begin with SSO off succeeded")
	}
	mustRefuse(t, f, f.svc.Consume(context.Background(), f.group, f.respond(t, "", "alice@example.com"), ""), ReasonSSOOff)
}

func TestProductionLogsOutcomesOnly(t *testing.T) {
	f := newFixture(t, func(g *store.Group) { g.SSO.Status = store.StatusProduction })
	start := f.begin(t, "/x")
	if out := f.consume(start, f.answer(t, start, "alice@example.com")); out.Refused {
		t.Fatal(out)
	}
	if e := f.lastLog(t); e.Attributes != nil || e.SignatureAlgorithm != "" || e.VerifiedBy != "" || strings.Contains(e.Detail, "verified") || e.Outcome != store.OutcomeSuccess {
		t.Errorf("production entry keeps detail: %+v", e)
	}
}

func TestMetadataNamesTheGroupsACS(t *testing.T) {
	f := newFixture(t)
	md, err := f.svc.Metadata(context.Background(), f.group)
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != "glance.net/sp/1" || md.SPSSODescriptors[0].AssertionConsumerServices[0].Location != f.svc.ACSURL(f.group) {
		t.Errorf("metadata = %+v", md)
	}
}

func decodeRedirect(t *testing.T, u string) saml.AuthnRequest {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	compressed, err := base64.StdEncoding.DecodeString(parsed.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(compressed)))
	if err != nil {
		t.Fatal(err)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	return req
}
