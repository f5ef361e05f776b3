package mockidp_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

const (
	sp1     = "https://sp1.example.com/saml/metadata"
	sp1ACS  = "https://sp1.example.com/saml/acs"
	sp1ACS2 = "https://sp1.example.com/saml/acs?alt=1&x=y"
	sp2     = "https://sp2.example.com/metadata"
	sp2ACS  = "https://sp2.example.com/acs"
)

var loadTestKeys = sync.OnceValues(func() (map[string]response.Key, error) {
	keys := map[string]response.Key{}
	for _, name := range []string{"idp-2025", "idp-2026", "rogue"} {
		c, err := os.ReadFile(filepath.Join("testdata", "keys", name+".crt"))
		if err != nil {
			return nil, err
		}
		k, err := os.ReadFile(filepath.Join("testdata", "keys", name+".key"))
		if err != nil {
			return nil, err
		}
		if keys[name], err = response.ParseKey(name, c, k); err != nil {
			return nil, err
		}
	}
	return keys, nil
})

func testKeys(t testing.TB) map[string]response.Key {
	t.Helper()
	k, err := loadTestKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fakeClock starts at the real time (so crewjam's SP, which reads the real
// clock, agrees with it) and moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	alice = mockidp.User{Username: "alice", Password: "alice-pw", NameID: "alice@example.com",
		Attributes: map[string][]string{"email": {"alice@example.com"}, "groups": {"admins", "agents"}}}
	bob = mockidp.User{Username: "bob", Password: "bob-pw", NameID: "bob-persistent-id", NameIDFormat: response.NameIDFormatPersistent}
)

type env struct {
	t       *testing.T
	idp     *mockidp.Server
	clock   *fakeClock
	browser *http.Client
}

// newEnv starts an IdP with two published keys and one unpublished, two
// users and two SPs, a pinned clock and deterministic randomness.
func newEnv(t *testing.T, opts ...mockidp.Option) *env {
	t.Helper()
	keys := testKeys(t)
	clock := newFakeClock()
	base := []mockidp.Option{
		mockidp.WithKeys(keys["idp-2025"], keys["idp-2026"]),
		mockidp.WithUnpublishedKeys(keys["rogue"]),
		mockidp.WithUser(alice, bob),
		mockidp.WithServiceProvider(
			mockidp.ServiceProvider{EntityID: sp1, ACSURLs: []string{sp1ACS, sp1ACS2}},
			mockidp.ServiceProvider{EntityID: sp2, ACSURLs: []string{sp2ACS}, NameIDFormat: response.NameIDFormatUnspecified},
		),
		mockidp.WithClock(clock.Now),
		mockidp.WithRand(rand.NewChaCha8([32]byte{1})),
	}
	idp := mockidp.Start(t, append(base, opts...)...)
	return &env{t: t, idp: idp, clock: clock, browser: newBrowser(t)}
}

func newBrowser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// page is an HTML answer of the IdP.
type page struct {
	status int
	body   string
	url    *url.URL
	header http.Header
}

var markerRE = regexp.MustCompile(`<meta name="mockidp-page" content="([^"]+)">`)

func (p page) marker() string {
	if m := markerRE.FindStringSubmatch(p.body); m != nil {
		return m[1]
	}
	return ""
}

// input returns the value of the form input called name.
func (p page) input(name string) string {
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" [^>]*value="([^"]*)"`)
	if m := re.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func (p page) formAction(id string) string {
	re := regexp.MustCompile(`<form id="` + regexp.QuoteMeta(id) + `" method="post" action="([^"]*)"`)
	if m := re.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func (e *env) do(req *http.Request) page {
	e.t.Helper()
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(b), url: resp.Request.URL, header: resp.Header}
}

func (e *env) get(u string) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

func (e *env) post(u string, form url.Values) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewBufferString(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// login submits the login page p as user with password.
func (e *env) login(p page, user, password string) page {
	e.t.Helper()
	if p.marker() != mockidp.PageLogin {
		e.t.Fatalf("expected the login page, got %q (status %d):\n%s", p.marker(), p.status, p.body)
	}
	return e.post(e.idp.URL()+"/login", url.Values{"username": {user}, "password": {password}, "req": {p.input("req")}})
}

// crewjamSP is an independent SAML SP implementation, used to make
// AuthnRequests and to validate the IdP's responses.
func (e *env) crewjamSP(entityID, acs string) *saml.ServiceProvider {
	e.t.Helper()
	acsURL, err := url.Parse(acs)
	if err != nil {
		e.t.Fatal(err)
	}
	return &saml.ServiceProvider{
		EntityID:          entityID,
		AcsURL:            *acsURL,
		IDPMetadata:       e.idp.Metadata(),
		AllowIDPInitiated: true,
		AuthnNameIDFormat: saml.EmailAddressNameIDFormat,
	}
}

// redirectRequest starts SP-initiated sign-on by HTTP-Redirect and returns
// the IdP's page and the request's ID.
func (e *env) redirectRequest(sp *saml.ServiceProvider, relayState string) (page, string) {
	e.t.Helper()
	req, err := sp.MakeAuthenticationRequest(e.idp.SSOURL(), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.get(u.String()), req.ID
}

// postRequest starts SP-initiated sign-on by HTTP-POST.
func (e *env) postRequest(sp *saml.ServiceProvider, relayState string) (page, string) {
	e.t.Helper()
	req, err := sp.MakeAuthenticationRequest(e.idp.SSOURL(), saml.HTTPPostBinding, saml.HTTPPostBinding)
	if err != nil {
		e.t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.Element())
	b, err := doc.WriteToBytes()
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(e.idp.SSOURL(), url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(b)}, "RelayState": {relayState}}), req.ID
}

// sendXML sends a hand-written AuthnRequest by HTTP-Redirect.
func (e *env) sendXML(xml, relayState string) page {
	e.t.Helper()
	q := url.Values{"SAMLRequest": {deflateBase64(e.t, xml)}}
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	return e.get(e.idp.SSOURL() + "?" + q.Encode())
}

func deflateBase64(t testing.TB, s string) string {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// authnRequestXML returns an AuthnRequest; attrs are extra attributes of
// the root, inner extra children after the Issuer.
func authnRequestXML(id, issuer, attrs, inner string) string {
	return fmt.Sprintf(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="%s" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"%s><saml:Issuer>%s</saml:Issuer>%s</samlp:AuthnRequest>`, id, attrs, issuer, inner)
}

// samlResponse checks that p is the auto-POST page and returns the
// decoded response, its root element and the RelayState.
func (e *env) samlResponse(p page) (raw []byte, root *etree.Element, relayState string) {
	e.t.Helper()
	if p.marker() != mockidp.PageSAMLPost {
		e.t.Fatalf("expected the SAML POST page, got %q (status %d):\n%s", p.marker(), p.status, p.body)
	}
	raw, err := base64.StdEncoding.DecodeString(p.input("SAMLResponse"))
	if err != nil {
		e.t.Fatalf("SAMLResponse is not base64: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		e.t.Fatalf("SAMLResponse is not XML: %v", err)
	}
	return raw, doc.Root(), p.input("RelayState")
}

func attr(root *etree.Element, path, name string) string {
	el := root
	if path != "" {
		el = root.FindElement(path)
	}
	if el == nil {
		return "<no element " + path + ">"
	}
	a := el.SelectAttr(name)
	if a == nil {
		return "<absent>"
	}
	return a.Value
}

func takeRequest(t testing.TB, idp *mockidp.Server, sp string) mockidp.ReceivedRequest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := idp.TakeRequest(ctx, sp)
	if err != nil {
		t.Fatalf("TakeRequest(%s): %v", sp, err)
	}
	return r
}
