package mockidp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

func TestSPInitiatedRoundTrip(t *testing.T) {
	for _, binding := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		t.Run(binding[strings.LastIndex(binding, ":")+1:], func(t *testing.T) {
			e := newEnv(t)
			sp := e.crewjamSP(sp1, sp1ACS2)
			var p page
			var reqID string
			if binding == saml.HTTPRedirectBinding {
				p, reqID = e.redirectRequest(sp, "relay-123")
			} else {
				p, reqID = e.postRequest(sp, "relay-123")
			}
			if p.url.Path != "/sso/continue" || p.status != http.StatusOK {
				t.Fatalf("landed on %s (status %d); want the login page at /sso/continue", p.url, p.status)
			}
			if !strings.Contains(p.body, "<td>alice</td><td><code>alice-pw</code></td>") {
				t.Errorf("the login page does not list alice and her password:\n%s", p.body)
			}
			p = e.login(p, "alice", "alice-pw")
			raw, root, relay := e.samlResponse(p)
			if got := p.formAction(mockidp.PostFormID); got != sp1ACS2 {
				t.Errorf("form action %q; want the request's ACS %q", got, sp1ACS2)
			}
			if relay != "relay-123" {
				t.Errorf("RelayState %q", relay)
			}
			if got := attr(root, "", "InResponseTo"); got != reqID {
				t.Errorf("InResponseTo %q; want the request ID %q", got, reqID)
			}
			if got := attr(root, "", "Destination"); got != sp1ACS2 {
				t.Errorf("Destination %q; want %q", got, sp1ACS2)
			}
			if !strings.Contains(p.body, `<script>document.getElementById("saml-post").submit();</script>`) ||
				!strings.Contains(p.body, `<button type="submit">`) {
				t.Error("the POST page lacks the auto-submit script or the no-JS button")
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
				t.Errorf("CSP %q", csp)
			}
			// An independent SP implementation accepts it.
			assertion, err := sp.ParseXMLResponse(raw, []string{reqID}, *mustURL(t, sp1ACS2))
			if err != nil {
				t.Fatalf("crewjam SP refuses the response: %v", describe(err))
			}
			if assertion.Subject.NameID.Value != "alice@example.com" {
				t.Errorf("NameID %q", assertion.Subject.NameID.Value)
			}
			// The IdP recorded the request.
			rr := takeRequest(t, e.idp, sp1)
			if rr.ID != reqID || rr.Binding != binding || rr.RelayState != "relay-123" || rr.ACSURL != sp1ACS2 || rr.Rejected != "" {
				t.Errorf("received request %+v", rr)
			}
			if rr.NameIDPolicyFormat != string(saml.EmailAddressNameIDFormat) || !strings.Contains(rr.XML, reqID) {
				t.Errorf("NameIDPolicy %q, XML %q", rr.NameIDPolicyFormat, rr.XML)
			}
		})
	}
}

func describe(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) {
		return ire.PrivateErr
	}
	return err
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSessionIsReused(t *testing.T) {
	e := newEnv(t)
	p, _ := e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "")
	e.samlResponse(e.login(p, "bob", "bob-pw"))

	// A second request, to another SP, gets its response without a login.
	p, id := e.redirectRequest(e.crewjamSP(sp2, sp2ACS), "")
	_, root, _ := e.samlResponse(p)
	if got := attr(root, "", "InResponseTo"); got != id {
		t.Errorf("InResponseTo %q, want %q", got, id)
	}
	// sp2 asks for unspecified NameIDs; bob's own format loses to the SP's.
	if got := attr(root, "./Assertion/Subject/NameID", "Format"); got != response.NameIDFormatUnspecified {
		t.Errorf("NameID Format %q", got)
	}
	if got := root.FindElement("./Assertion/Subject/NameID").Text(); got != "bob-persistent-id" {
		t.Errorf("NameID %q", got)
	}
}

func TestSessionExpiresAndLogout(t *testing.T) {
	e := newEnv(t)
	sp := e.crewjamSP(sp1, sp1ACS)
	p, _ := e.redirectRequest(sp, "")
	e.samlResponse(e.login(p, "alice", "alice-pw"))

	e.clock.Advance(8*time.Hour + time.Second)
	p, _ = e.redirectRequest(sp, "")
	if p.marker() != mockidp.PageLogin {
		t.Fatalf("after the session lifetime: page %q; want the login page", p.marker())
	}
	e.samlResponse(e.login(p, "alice", "alice-pw"))

	if p := e.get(e.idp.URL() + "/logout"); p.marker() != mockidp.PageSignedOut {
		t.Fatalf("logout page %q", p.marker())
	}
	if p, _ := e.redirectRequest(sp, ""); p.marker() != mockidp.PageLogin {
		t.Fatalf("after logout: page %q; want the login page", p.marker())
	}
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t)
	p, _ := e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "")
	for _, creds := range [][2]string{{"alice", "wrong"}, {"nobody", "alice-pw"}, {"alice", ""}} {
		q := e.login(p, creds[0], creds[1])
		if q.status != http.StatusUnauthorized || q.marker() != mockidp.PageLogin || !strings.Contains(q.body, "Wrong username or password.") {
			t.Fatalf("%s/%q: status %d, page %q; want 401 and the login page with an error", creds[0], creds[1], q.status, q.marker())
		}
		if q.input("req") != p.input("req") {
			t.Error("the login page lost the pending request")
		}
		p = q
	}
	if cookies := e.browser.Jar.Cookies(mustURL(t, e.idp.URL())); len(cookies) != 0 {
		t.Errorf("failed logins set cookies: %v", cookies)
	}
	e.samlResponse(e.login(p, "alice", "alice-pw"))
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	p, _ := e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "")
	// Submit the login without following the redirect, to see Set-Cookie.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(e.idp.URL()+"/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}, "req": {p.input("req")}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sso/continue?req=") {
		t.Fatalf("login answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if !strings.HasPrefix(c.Name, "mockidp_session_") || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 40 {
		t.Errorf("session cookie %+v; want mockidp_session_<port>, HttpOnly, SameSite=Lax, Path=/", c)
	}
}

func TestUnknownSPAndUnregisteredACS(t *testing.T) {
	e := newEnv(t)
	p := e.sendXML(authnRequestXML("_r1", "https://stranger.example.com", "", ""), "")
	if p.status != http.StatusBadRequest || p.marker() != mockidp.PageError || !strings.Contains(p.body, "The AuthnRequest&#39;s Issuer &#34;https://stranger.example.com&#34; is not a service provider this IdP knows.") {
		t.Errorf("unknown SP: status %d\n%s", p.status, p.body)
	}

	p = e.sendXML(authnRequestXML("_r2", sp1, ` AssertionConsumerServiceURL="https://evil.example.com/acs"`, ""), "")
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "AssertionConsumerServiceURL &#34;https://evil.example.com/acs&#34; is not registered for "+sp1) {
		t.Errorf("unregistered ACS: status %d\n%s", p.status, p.body)
	}
	rr := takeRequest(t, e.idp, sp1)
	if rr.ID != "_r2" || !strings.Contains(rr.Rejected, "is not registered") {
		t.Errorf("recorded %+v; want _r2 with the refusal", rr)
	}

	// Without an ACS URL the SP's first is used; an index picks another.
	p = e.sendXML(authnRequestXML("_r3", sp1, "", ""), "")
	_, root, _ := e.samlResponse(e.login(p, "alice", "alice-pw"))
	if got := attr(root, "", "Destination"); got != sp1ACS {
		t.Errorf("Destination %q; want the first ACS %q", got, sp1ACS)
	}
	p = e.sendXML(authnRequestXML("_r4", sp1, ` AssertionConsumerServiceIndex="1"`, ""), "")
	if _, root, _ = e.samlResponse(p); attr(root, "", "Destination") != sp1ACS2 {
		t.Errorf("ACS index 1: Destination %q", attr(root, "", "Destination"))
	}
}

func TestIdPInitiated(t *testing.T) {
	e := newEnv(t)
	p := e.get(e.idp.InitiateURL(sp1, sp1ACS2, "/after/login"))
	raw, root, relay := e.samlResponse(e.login(p, "alice", "alice-pw"))
	if got := attr(root, "", "InResponseTo"); got != "<absent>" {
		t.Errorf("IdP-initiated response has InResponseTo %q", got)
	}
	if got := attr(root, "", "Destination"); got != sp1ACS2 || relay != "/after/login" {
		t.Errorf("Destination %q, RelayState %q", got, relay)
	}
	sp := e.crewjamSP(sp1, sp1ACS2)
	if _, err := sp.ParseXMLResponse(raw, nil, *mustURL(t, sp1ACS2)); err != nil {
		t.Errorf("crewjam SP (IdP-initiated allowed) refuses: %v", describe(err))
	}
	// Already signed in: straight to the response, first ACS by default.
	p = e.get(e.idp.URL() + "/initiate?sp=" + url.QueryEscape(sp2))
	if _, root, _ = e.samlResponse(p); attr(root, "", "Destination") != sp2ACS {
		t.Errorf("default ACS: %q", attr(root, "", "Destination"))
	}
	for _, c := range []struct{ query, want string }{
		{"sp=" + url.QueryEscape("https://nope.example.com"), "No service provider has the entity ID &#34;https://nope.example.com&#34;."},
		{"sp=" + url.QueryEscape(sp1) + "&acs=" + url.QueryEscape("https://evil.example.com/acs"), "is not registered for " + sp1},
		{"", "The sp parameter is missing."},
	} {
		p := e.get(e.idp.URL() + "/initiate?" + c.query)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, c.want) {
			t.Errorf("initiate?%s: status %d, want 400 with %q:\n%s", c.query, p.status, c.want, p.body)
		}
	}
}

func TestArmNextOneResponseOneSPInOrder(t *testing.T) {
	e := newEnv(t)
	if err := e.idp.ArmNext(sp1, response.Expired()); err != nil {
		t.Fatal(err)
	}
	if err := e.idp.ArmNext(sp1, response.WrongAudience(), response.SignedBy("rogue")); err != nil {
		t.Fatal(err)
	}
	if st := e.idp.State(); st.ServiceProviders[0].Queued != 2 || st.ServiceProviders[1].Queued != 0 {
		t.Fatalf("queued %+v", st.ServiceProviders)
	}
	spA, spB := e.crewjamSP(sp1, sp1ACS), e.crewjamSP(sp2, sp2ACS)
	p, _ := e.redirectRequest(spB, "")
	e.samlResponse(e.login(p, "alice", "alice-pw"))

	// sp2's response is unaffected by sp1's queue.
	p, id := e.redirectRequest(spB, "")
	raw, _, _ := e.samlResponse(p)
	if _, err := spB.ParseXMLResponse(raw, []string{id}, *mustURL(t, sp2ACS)); err != nil {
		t.Errorf("sp2 response: %v", describe(err))
	}

	now := e.clock.Now()
	// 1st to sp1: expired.
	p, _ = e.redirectRequest(spA, "")
	_, root, _ := e.samlResponse(p)
	if noa, _ := time.Parse(time.RFC3339, attr(root, "./Assertion/Conditions", "NotOnOrAfter")); !noa.Before(now) {
		t.Errorf("1st armed response: NotOnOrAfter %v not before now %v", noa, now)
	}
	// 2nd: wrong audience, signed by the unpublished key.
	p, id = e.redirectRequest(spA, "")
	raw, root, _ = e.samlResponse(p)
	if got := root.FindElement("./Assertion/Conditions/AudienceRestriction/Audience").Text(); got != response.WrongAudienceValue {
		t.Errorf("2nd armed response: Audience %q", got)
	}
	if _, err := spA.ParseXMLResponse(raw, []string{id}, *mustURL(t, sp1ACS)); err == nil {
		t.Error("crewjam accepted a response signed by an unpublished key")
	}
	// 3rd: back to the default.
	p, id = e.redirectRequest(spA, "")
	raw, _, _ = e.samlResponse(p)
	if _, err := spA.ParseXMLResponse(raw, []string{id}, *mustURL(t, sp1ACS)); err != nil {
		t.Errorf("3rd response (default again): %v", describe(err))
	}

	if err := e.idp.ArmNext("https://nope.example.com"); !errors.Is(err, mockidp.ErrUnknownServiceProvider) || !strings.Contains(err.Error(), `"https://nope.example.com"`) {
		t.Errorf("ArmNext unknown SP: %v", err)
	}
	if err := e.idp.ArmNext(sp1, response.SignedBy("nokey")); !errors.Is(err, mockidp.ErrUnknownKey) {
		t.Errorf("ArmNext unknown key: %v", err)
	}
	if err := e.idp.Arm(sp1, response.Spec{Sign: "sometimes"}); !errors.Is(err, response.ErrInvalidSpec) {
		t.Errorf("Arm invalid spec: %v", err)
	}
}

func TestArmNextBuildsOnTheSPDefault(t *testing.T) {
	e := newEnv(t, mockidp.WithServiceProvider(mockidp.ServiceProvider{
		EntityID: "https://sp3.example.com", ACSURLs: []string{"https://sp3.example.com/acs"},
		Response: response.New(response.SignResponse(), response.Algorithm(response.RSASHA512)),
	}))
	if err := e.idp.ArmNext("https://sp3.example.com", response.WrongDestination()); err != nil {
		t.Fatal(err)
	}
	p := e.get(e.idp.InitiateURL("https://sp3.example.com", "", ""))
	_, root, _ := e.samlResponse(e.login(p, "alice", "alice-pw"))
	if attr(root, "", "Destination") != response.WrongDestinationValue {
		t.Errorf("Destination %q", attr(root, "", "Destination"))
	}
	if attr(root, "./Signature/SignedInfo/SignatureMethod", "Algorithm") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" {
		t.Error("the armed response lost the SP default's algorithm")
	}
	if root.FindElement("./Assertion/Signature") != nil {
		t.Error("the armed response lost the SP default's sign mode (response only)")
	}
}

func TestTakeRequest(t *testing.T) {
	e := newEnv(t)
	// A waiter started before the request arrives gets it.
	got := make(chan mockidp.ReceivedRequest, 1)
	errc := make(chan error, 1)
	go func() {
		r, err := e.idp.TakeRequest(context.Background(), sp2)
		if err != nil {
			errc <- err
			return
		}
		got <- r
	}()
	e.sendXML(authnRequestXML("_full", sp2, ` Destination="`+e.idp.SSOURL()+`" ForceAuthn="1" IsPassive="false" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" AssertionConsumerServiceURL="`+sp2ACS+`"`,
		`<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/>`+
			`<samlp:RequestedAuthnContext Comparison="minimum"><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:X509</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>`), "rs")
	var r mockidp.ReceivedRequest
	select {
	case r = <-got:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("TakeRequest did not return the request")
	}
	if r.ID != "_full" || r.Issuer != sp2 || r.Destination != e.idp.SSOURL() || !r.ForceAuthn || r.IsPassive ||
		r.ProtocolBinding != saml.HTTPPostBinding || r.ACSURL != sp2ACS || r.NameIDPolicyFormat != response.NameIDFormatPersistent ||
		r.AllowCreate == nil || !*r.AllowCreate || r.Binding != saml.HTTPRedirectBinding || r.RelayState != "rs" || r.Signed ||
		r.ReceivedAt != e.clock.Now() {
		t.Errorf("decoded %+v", r)
	}
	if rac := r.RequestedAuthnContext; rac == nil || rac.Comparison != "minimum" || len(rac.ClassRefs) != 2 || rac.ClassRefs[1] != response.AuthnContextX509 {
		t.Errorf("RequestedAuthnContext %+v", rac)
	}

	// Cancellation ends a wait.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := e.idp.TakeRequest(ctx, sp1)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled TakeRequest: %v", err)
	}
	if _, err := e.idp.TakeRequest(context.Background(), "https://nope.example.com"); !errors.Is(err, mockidp.ErrUnknownServiceProvider) {
		t.Errorf("unknown SP: %v", err)
	}
}

func TestForceAuthnAndIsPassive(t *testing.T) {
	e := newEnv(t)
	// IsPassive without a session: a NoPassive status, no login page.
	p := e.sendXML(authnRequestXML("_passive", sp1, ` IsPassive="true"`, ""), "")
	_, root, _ := e.samlResponse(p)
	if attr(root, "./Status/StatusCode", "Value") != response.StatusResponder || attr(root, "./Status/StatusCode/StatusCode", "Value") != response.StatusNoPassive {
		t.Errorf("IsPassive without session: status %q / %q", attr(root, "./Status/StatusCode", "Value"), attr(root, "./Status/StatusCode/StatusCode", "Value"))
	}
	if root.FindElement("./Assertion") != nil || attr(root, "", "InResponseTo") != "_passive" {
		t.Error("NoPassive response has an assertion or lacks InResponseTo")
	}
	// Log in, then ForceAuthn asks again although the session exists.
	p = e.sendXML(authnRequestXML("_first", sp1, "", ""), "")
	e.samlResponse(e.login(p, "alice", "alice-pw"))
	p = e.sendXML(authnRequestXML("_force", sp1, ` ForceAuthn="true"`, ""), "")
	if p.marker() != mockidp.PageLogin {
		t.Fatalf("ForceAuthn with a session: page %q; want the login page", p.marker())
	}
	// ... and the fresh login may be another user.
	_, root, _ = e.samlResponse(e.login(p, "bob", "bob-pw"))
	if root.FindElement("./Assertion/Subject/NameID").Text() != "bob-persistent-id" {
		t.Error("ForceAuthn response is not for the user who just logged in")
	}
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	sso := e.idp.SSOURL()
	valid := authnRequestXML("_x", sp1, "", "")
	cases := []struct {
		name   string
		method string
		value  string
		want   string
	}{
		{"missing", http.MethodGet, "", "the SAMLRequest parameter is missing or empty"},
		{"not base64", http.MethodGet, "%%%not-base64", "SAMLRequest is not valid base64"},
		{"unescaped plus", http.MethodGet, "ab cd", "a &#39;&#43;&#39; of the base64 was probably not URL-encoded"},
		{"redirect not deflated", http.MethodGet, base64.StdEncoding.EncodeToString([]byte(valid)), "decodes to uncompressed XML; HTTP-Redirect requires raw DEFLATE"},
		{"redirect zlib", http.MethodGet, base64.StdEncoding.EncodeToString([]byte{0x78, 0x9c, 0x01, 0x02}), "it looks like zlib"},
		{"redirect garbage deflate", http.MethodGet, base64.StdEncoding.EncodeToString([]byte{0xff, 0xff, 0xff}), "SAMLRequest does not inflate"},
		{"post deflated", http.MethodPost, deflateBase64(t, valid), "HTTP-POST carries the base64 of the XML itself, without DEFLATE"},
		{"not XML", http.MethodPost, base64.StdEncoding.EncodeToString([]byte("<unclosed")), "SAMLRequest is not a samlp:AuthnRequest"},
		{"wrong root", http.MethodPost, base64.StdEncoding.EncodeToString([]byte(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)), "expected element type &lt;AuthnRequest&gt; but have &lt;LogoutRequest&gt;"},
		{"no ID", http.MethodPost, base64.StdEncoding.EncodeToString([]byte(authnRequestXML("", sp1, "", ""))), "has no ID attribute"},
		{"bad boolean", http.MethodPost, base64.StdEncoding.EncodeToString([]byte(authnRequestXML("_b", sp1, ` ForceAuthn="yes"`, ""))), "ForceAuthn &#34;yes&#34; is not an xs:boolean"},
		{"entity", http.MethodPost, base64.StdEncoding.EncodeToString([]byte(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + authnRequestXML("_e", "&e;", "", ""))), "SAMLRequest is not a samlp:AuthnRequest"},
		{"artifact binding", http.MethodPost, base64.StdEncoding.EncodeToString([]byte(authnRequestXML("_a", sp1, ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"`, ""))), "the mock IdP answers with HTTP-POST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p page
			if c.method == http.MethodGet {
				p = e.get(sso + "?SAMLRequest=" + url.QueryEscape(c.value))
			} else {
				p = e.post(sso, url.Values{"SAMLRequest": {c.value}})
			}
			if p.status != http.StatusBadRequest || p.marker() != mockidp.PageError || !strings.Contains(p.body, c.want) {
				t.Errorf("status %d, page %q; want 400 containing %q:\n%s", p.status, p.marker(), c.want, p.body)
			}
		})
	}
}

func TestMetadataListsAllPublishedKeys(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.idp.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/samlmetadata+xml" {
		t.Errorf("Content-Type %q", ct)
	}
	body, _ := io.ReadAll(resp.Body)
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(body, &md); err != nil {
		t.Fatal(err)
	}
	if md.EntityID != e.idp.EntityID() || md.EntityID != e.idp.URL()+"/metadata" {
		t.Errorf("entityID %q", md.EntityID)
	}
	d := md.IDPSSODescriptors[0]
	keys := testKeys(t)
	var got []string
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "signing" {
			t.Errorf("KeyDescriptor use %q", kd.Use)
		}
		got = append(got, kd.KeyInfo.X509Data.X509Certificates[0].Data)
	}
	want := []string{
		base64.StdEncoding.EncodeToString(keys["idp-2025"].Certificate.Raw),
		base64.StdEncoding.EncodeToString(keys["idp-2026"].Certificate.Raw),
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("metadata keys: got %d, want idp-2025 and idp-2026 (and not the unpublished rogue key)", len(got))
	}
	bindings := map[string]string{}
	for _, s := range d.SingleSignOnServices {
		bindings[s.Binding] = s.Location
	}
	if bindings[saml.HTTPRedirectBinding] != e.idp.SSOURL() || bindings[saml.HTTPPostBinding] != e.idp.SSOURL() {
		t.Errorf("SSO endpoints %v", bindings)
	}
	var formats []string
	for _, f := range d.NameIDFormats {
		formats = append(formats, string(f))
	}
	if strings.Join(formats, " ") != response.NameIDFormatEmailAddress+" "+response.NameIDFormatUnspecified+" "+response.NameIDFormatPersistent {
		t.Errorf("NameIDFormats %v", formats)
	}
}

func TestRotateSigningKey(t *testing.T) {
	e := newEnv(t)
	keys := testKeys(t)
	if err := e.idp.RotateSigningKey("idp-2026"); err != nil {
		t.Fatal(err)
	}
	p := e.get(e.idp.InitiateURL(sp1, "", ""))
	_, root, _ := e.samlResponse(e.login(p, "alice", "alice-pw"))
	if got := root.FindElement("./Assertion/Signature/KeyInfo/X509Data/X509Certificate").Text(); got != base64.StdEncoding.EncodeToString(keys["idp-2026"].Certificate.Raw) {
		t.Error("after rotation the assertion is not signed with idp-2026")
	}
	if err := e.idp.RotateSigningKey("idp-1999"); !errors.Is(err, mockidp.ErrUnknownKey) || !strings.Contains(err.Error(), `"idp-2025", "idp-2026", "rogue"`) {
		t.Errorf("unknown key: %v", err)
	}
}

// TestLogsHoldNoSecrets checks that passwords and cookie values never reach
// the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, mockidp.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	p, _ := e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "")
	p = e.login(p, "alice", "not-the-password")
	e.samlResponse(e.login(p, "alice", "alice-pw"))
	e.get(e.idp.URL() + "/logout")
	logs := buf.String()
	if !strings.Contains(logs, "login failed") || !strings.Contains(logs, "response issued") {
		t.Fatalf("expected log lines missing:\n%s", logs)
	}
	secrets := []string{"alice-pw", "not-the-password", p.input("req")}
	for _, c := range e.browser.Jar.Cookies(mustURL(t, e.idp.URL())) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("log contains the secret %q", s)
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAddUserAndServiceProvider(t *testing.T) {
	e := newEnv(t)
	if err := e.idp.AddUser(mockidp.User{Username: "carol", Password: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := e.idp.AddUser(mockidp.User{Username: "carol", Password: "c"}); !errors.Is(err, mockidp.ErrAlreadyExists) {
		t.Errorf("duplicate user: %v", err)
	}
	if err := e.idp.AddUser(mockidp.User{Username: "dave"}); !errors.Is(err, mockidp.ErrInvalid) || !strings.Contains(err.Error(), "user.password: empty") {
		t.Errorf("user without password: %v", err)
	}
	sp := mockidp.ServiceProvider{EntityID: "https://sp9.example.com", ACSURLs: []string{"https://sp9.example.com/acs"}}
	if err := e.idp.AddServiceProvider(sp); err != nil {
		t.Fatal(err)
	}
	if err := e.idp.AddServiceProvider(sp); !errors.Is(err, mockidp.ErrAlreadyExists) {
		t.Errorf("duplicate SP: %v", err)
	}
	if err := e.idp.AddServiceProvider(mockidp.ServiceProvider{EntityID: "x"}); !errors.Is(err, mockidp.ErrInvalid) || !strings.Contains(err.Error(), "serviceProvider.acsURLs: empty") {
		t.Errorf("SP without ACS: %v", err)
	}
	p := e.get(e.idp.InitiateURL("https://sp9.example.com", "", ""))
	_, root, _ := e.samlResponse(e.login(p, "carol", "c"))
	if root.FindElement("./Assertion/Subject/NameID").Text() != "carol" {
		t.Error("NameID does not default to the username")
	}
}

func TestPendingRequestsExpireAndAreSingleUse(t *testing.T) {
	e := newEnv(t)
	p := e.sendXML(authnRequestXML("_once", sp1, "", ""), "")
	cont := p.url.String()
	e.samlResponse(e.login(p, "alice", "alice-pw"))
	if p := e.get(cont); p.status != http.StatusBadRequest || !strings.Contains(p.body, "unknown, already answered or expired") {
		t.Errorf("replaying /sso/continue: status %d", p.status)
	}
	e.browser = newBrowser(t) // no session: the request waits for a login
	p = e.sendXML(authnRequestXML("_late", sp1, "", ""), "")
	if p.marker() != mockidp.PageLogin {
		t.Fatalf("page %q; want the login page", p.marker())
	}
	e.clock.Advance(16 * time.Minute)
	if p := e.get(p.url.String()); p.status != http.StatusBadRequest {
		t.Errorf("expired pending request: status %d", p.status)
	}
}

func TestBaseURLWithPath(t *testing.T) {
	keys := testKeys(t)
	idp, err := mockidp.New(mockidp.Config{BaseURL: "http://idp.example.test/saml/idp/"},
		mockidp.WithKeys(keys["idp-2025"]), mockidp.WithUser(alice),
		mockidp.WithServiceProvider(mockidp.ServiceProvider{EntityID: sp1, ACSURLs: []string{sp1ACS}}),
		mockidp.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if idp.EntityID() != "http://idp.example.test/saml/idp/metadata" || idp.SSOURL() != "http://idp.example.test/saml/idp/sso" {
		t.Errorf("entity ID %q, SSO %q", idp.EntityID(), idp.SSOURL())
	}
	ts := httptest.NewServer(idp)
	defer ts.Close()
	e := &env{t: t, browser: newBrowser(t)}
	if p := e.get(ts.URL + "/saml/idp/metadata"); p.status != http.StatusOK || !strings.Contains(p.body, `Location="http://idp.example.test/saml/idp/sso"`) {
		t.Errorf("metadata under the base path: %d\n%s", p.status, p.body)
	}
	p := e.get(ts.URL + "/saml/idp/initiate?sp=" + url.QueryEscape(sp1))
	if p.url.Path != "/saml/idp/sso/continue" || p.marker() != mockidp.PageLogin || !strings.Contains(p.body, `action="/saml/idp/login"`) {
		t.Fatalf("landed on %s (%q)", p.url, p.marker())
	}
	q := e.post(ts.URL+"/saml/idp/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}, "req": {p.input("req")}})
	e.samlResponse(q)
	for _, c := range e.browser.Jar.Cookies(mustURL(t, ts.URL+"/saml/idp/")) {
		if c.Name != mockidp.DefaultCookieName {
			t.Errorf("cookie %q", c.Name)
		}
	}
	if p := e.get(ts.URL + "/metadata"); p.status != http.StatusNotFound {
		t.Errorf("/metadata outside the base path: %d", p.status)
	}
}
