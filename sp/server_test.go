package sp

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

const (
	idpEntityID   = "http://idp.test/metadata"
	adminPassword = "correct horse battery"
)

type harness struct {
	srv    *Server
	http   *httptest.Server
	client *http.Client
	store  store.Store
	group  store.Group
	key    response.Key
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kp := fixtures.MustLoad(fixtures.IdPKeyA)
	g := store.Group{ID: 42, Name: "acme", AccountID: "00D-acme", SSO: store.SSOSettings{
		Method: store.MethodSAML2, Status: store.StatusProvisioning, IdPEntityID: idpEntityID,
		IdPSSOURL: "http://idp.test/sso", IdPBinding: store.BindingRedirect,
		IdPCertificates: []string{kp.CertificatePEM}, EntityID: "glance.net/sp/1", NameIDPolicy: store.NameIDEmail,
		AllowIdPInitiated: true, IdPInitiatedRedirect: "/agentjoin/AgentJoin.aspx",
		ClockSkewSeconds: 180, MaxResponseBytes: 256 << 10,
	}}
	ctx := context.Background()
	if err := st.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{GlanceAddress: "ann.acme.glance.net", GroupID: 42, Email: "ann@acme.test", Role: "admin", Status: store.UserActive},
		{GlanceAddress: "ben.acme.glance.net", GroupID: 42, Email: "ben@acme.test", Role: "agent", Status: store.UserActive},
	} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{store: st, group: g, key: response.Key{Name: "a", Signer: kp.PrivateKey, Certificate: kp.Certificate}}
	h.http = httptest.NewUnstartedServer(nil)
	h.srv = New(Options{Store: st, BaseURL: "http://" + h.http.Listener.Addr().String(), AdminPassword: adminPassword, Logger: slog.New(slog.DiscardHandler)})
	h.http.Config.Handler = h.srv
	h.http.Start()
	t.Cleanup(h.http.Close)
	jar, _ := cookiejar.New(nil)
	h.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

func (h *harness) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (h *harness) postForm(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := h.client.PostForm(h.http.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// signIn answers the SP's AuthnRequest (taken from its redirect) as an IdP would.
func (h *harness) signIn(t *testing.T, path, nameID string, opts ...response.Option) (*http.Response, string) {
	t.Helper()
	resp, _ := h.get(t, path)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: status %d, want a redirect to the IdP", path, resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	relay := loc.Query().Get("RelayState")
	reqID := requestIDFromRedirect(t, loc)
	return h.postForm(t, "/account/GetLoginKey.aspx?sso=1&idpid=42", url.Values{
		"SAMLResponse": {h.respond(t, reqID, nameID, opts...)}, "RelayState": {relay},
	})
}

func (h *harness) respond(t *testing.T, reqID, nameID string, opts ...response.Option) string {
	t.Helper()
	var spec response.Spec
	response.Apply(&spec, opts...)
	xml, err := response.Build(response.Input{
		Spec: spec, IdPEntityID: idpEntityID, SPEntityID: "glance.net/sp/1", ACSURL: h.srv.SignOn().ACSURL(h.group),
		RequestID: reqID, Subject: response.Subject{NameID: nameID}, Keys: []response.Key{h.key}, Now: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(xml)
}

func TestProtectedPageStartsSignOnAndComesBack(t *testing.T) {
	h := newHarness(t)
	resp, body := h.get(t, "/whoami")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "no session") {
		t.Fatalf("whoami before sign-on: %d %s", resp.StatusCode, body)
	}
	resp, _ = h.signIn(t, "/agentjoin/AgentView.aspx?SessionKey=1234&idptoken=00D-acme", "ann@acme.test")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agentjoin/AgentView.aspx?SessionKey=1234&idptoken=00D-acme" {
		t.Fatalf("ACS answered %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
		t.Fatalf("session cookie = %+v (want HttpOnly, SameSite=Lax, not Secure over plain http)", cookie)
	}
	resp, body = h.get(t, "/agentjoin/AgentView.aspx?SessionKey=1234")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="agent-page"`) || !strings.Contains(body, "1234") {
		t.Fatalf("agent page: %d %s", resp.StatusCode, body)
	}
	resp, body = h.get(t, "/whoami")
	var who whoamiAnswer
	if err := json.Unmarshal([]byte(body), &who); err != nil || resp.StatusCode != 200 || who.User.GlanceAddress != "ann.acme.glance.net" || who.Group.ID != 42 {
		t.Fatalf("whoami: %d %s", resp.StatusCode, body)
	}
	h.get(t, "/logout")
	if resp, _ := h.get(t, "/whoami"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("whoami after logout: %d", resp.StatusCode)
	}
}

func TestGroupsAreSelectedByIdNameOrToken(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"idpid=42", "idpname=acme", "idptoken=00D-acme"} {
		if resp, _ := h.get(t, "/saml/login?"+q); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "http://idp.test/sso?") {
			t.Errorf("%s: %d %s", q, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/saml/login?idpid=7", http.StatusNotFound},
		{"/saml/login?idpid=x", http.StatusNotFound},
		{"/saml/login?idpname=nope", http.StatusNotFound},
		{"/saml/login", http.StatusBadRequest},
		{"/agentjoin/AgentJoin.aspx", http.StatusUnauthorized},
	} {
		if resp, body := h.get(t, tc.path); resp.StatusCode != tc.status || strings.Contains(body, "panic") {
			t.Errorf("%s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
	}
}

func TestRefusalsAreReadableAndGrantNoSession(t *testing.T) {
	h := newHarness(t)
	resp, body := h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "stranger@acme.test")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "unknown_user") || !strings.Contains(body, `id="correlation-id"`) {
		t.Fatalf("unknown user: %d %s", resp.StatusCode, body)
	}
	resp, body = h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ann@acme.test", response.Expired())
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, ">expired<") {
		t.Fatalf("expired: %d %s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie && c.Value != "" {
			t.Fatal("a refusal set a session cookie")
		}
	}
	if resp, _ := h.get(t, "/whoami"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatal("a refusal granted a session")
	}
}

func TestOversizedACSPostIsRefusedAndLogged(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.postForm(t, "/account/GetLoginKey.aspx?sso=1&idpid=42", url.Values{"SAMLResponse": {strings.Repeat("A", maxFormBytes+1)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
	entries, _ := h.store.ListAccessLog(context.Background(), store.AccessLogQuery{GroupID: 42})
	if len(entries) != 1 || entries[0].Reason != "too_large" {
		t.Fatalf("access log = %+v", entries)
	}
	if resp, _ := h.get(t, "/account/GetLoginKey.aspx?sso=1&idpid=42"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET ACS: %d", resp.StatusCode)
	}
}

func TestAccessLogNeedsAdminAccess(t *testing.T) {
	h := newHarness(t)
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "nobody@acme.test")

	if resp, _ := h.get(t, "/admin/api/accesslog"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous JSON: %d", resp.StatusCode)
	}
	if resp, _ := h.get(t, "/admin/accesslog"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous page: %d", resp.StatusCode)
	}
	if resp, _ := h.get(t, "/admin/api/accesslog", "Authorization", "Bearer wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong bearer: %d", resp.StatusCode)
	}
	if resp, _ := h.postForm(t, "/admin/login", url.Values{"password": {"wrong"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}

	resp, body := h.get(t, "/admin/api/accesslog?outcome=refused", "Authorization", "Bearer "+adminPassword)
	var got struct{ Entries []store.AccessLogEntry }
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || len(got.Entries) != 1 || got.Entries[0].Reason != "unknown_user" {
		t.Fatalf("bearer JSON: %d %s", resp.StatusCode, body)
	}

	// A non-admin user's session is not enough; an admin user's is, for their group.
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ben@acme.test")
	if resp, _ := h.get(t, "/admin/api/accesslog"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("agent session: %d", resp.StatusCode)
	}
	h.get(t, "/logout")
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ann@acme.test")
	resp, body = h.get(t, "/admin/accesslog?outcome=success")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-outcome="success"`) || strings.Contains(body, `data-outcome="refused"`) {
		t.Fatalf("admin page filtered by outcome: %d %s", resp.StatusCode, body)
	}

	// The admin password form sets its own cookie.
	if resp, _ := h.postForm(t, "/admin/login", url.Values{"password": {adminPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin login: %d", resp.StatusCode)
	}
}

func TestMetadataIsServedPerGroup(t *testing.T) {
	h := newHarness(t)
	resp, body := h.get(t, "/saml/metadata?idpid=42")
	if resp.StatusCode != 200 || !strings.Contains(body, `entityID="glance.net/sp/1"`) || !strings.Contains(body, "GetLoginKey.aspx?sso=1&amp;idpid=42") {
		t.Fatalf("metadata: %d %s", resp.StatusCode, body)
	}
}

func requestIDFromRedirect(t *testing.T, loc *url.URL) string {
	t.Helper()
	compressed, err := base64.StdEncoding.DecodeString(loc.Query().Get("SAMLRequest"))
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
	return req.ID
}
