package control_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"errors"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/control"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

const (
	spID  = "https://sp.example.com/metadata"
	spACS = "https://sp.example.com/acs"
)

func start(t *testing.T) (*mockidp.Server, *control.Client) {
	t.Helper()
	idp := mockidp.Start(t, mockidp.WithServiceProvider(mockidp.ServiceProvider{
		EntityID: spID, ACSURLs: []string{spACS},
		Response: response.New(response.SignBoth()),
	}))
	return idp, control.NewClient(idp.URL(), nil)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestArmAndArmNext(t *testing.T) {
	idp, c := start(t)
	// ArmNext merges the options into the SP's default (sign both).
	if err := c.ArmNext(ctx(t), spID, response.Expired(), response.WithoutInResponseTo()); err != nil {
		t.Fatal(err)
	}
	// Arm replaces the default entirely.
	if err := c.Arm(ctx(t), spID, response.New(response.Unsigned())); err != nil {
		t.Fatal(err)
	}
	st, err := c.State(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.ServiceProviders[0].Queued != 2 || st.SigningKey != mockidp.TestKeyName {
		t.Fatalf("state %+v", st)
	}
	// The first response has the SP default's two signatures and the
	// expired window; the second is unsigned with the normal window.
	b := browser(t)
	now := time.Now()
	for i, want := range []struct {
		signatures int
		expired    bool
	}{{2, true}, {0, false}} {
		page := b.get(t, idp.InitiateURL(spID, "", ""))
		if i == 0 {
			page = b.login(t, idp, page)
		}
		xml := decodeResponse(t, page)
		if n := strings.Count(xml, "<ds:Signature "); n != want.signatures {
			t.Errorf("response %d has %d signatures; want %d", i, n, want.signatures)
		}
		noa, err := time.Parse(time.RFC3339, between(xml, `<saml:Conditions NotBefore="`+between(xml, `<saml:Conditions NotBefore="`, `"`)+`" NotOnOrAfter="`, `"`))
		if err != nil {
			t.Fatalf("response %d: no Conditions NotOnOrAfter: %v", i, err)
		}
		if expired := noa.Before(now); expired != want.expired {
			t.Errorf("response %d: NotOnOrAfter %v, now %v; want expired=%v", i, noa, now, want.expired)
		}
		if strings.Contains(xml, "InResponseTo") {
			t.Errorf("response %d has InResponseTo (IdP-initiated)", i)
		}
	}
	if st, _ := c.State(ctx(t)); st.ServiceProviders[0].Queued != 0 {
		t.Errorf("queue not drained: %+v", st.ServiceProviders[0])
	}
}

func TestTakeRequest(t *testing.T) {
	idp, c := start(t)
	done := make(chan mockidp.ReceivedRequest, 1)
	errc := make(chan error, 1)
	go func() {
		r, err := c.TakeRequest(ctx(t), spID)
		if err != nil {
			errc <- err
			return
		}
		done <- r
	}()
	b := browser(t)
	xml := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_ctl" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" IsPassive="true"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">` + spID + `</saml:Issuer></samlp:AuthnRequest>`
	b.get(t, idp.SSOURL()+"?SAMLRequest="+url.QueryEscape(deflate(t, xml))+"&RelayState=r1")
	select {
	case r := <-done:
		if r.ID != "_ctl" || !r.IsPassive || r.RelayState != "r1" || r.XML != xml {
			t.Errorf("request %+v", r)
		}
	case err := <-errc:
		t.Fatal(err)
	}

	// A context deadline ends the long poll with the context's error.
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.TakeRequest(short, spID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("TakeRequest after the deadline: %v", err)
	}
}

func TestErrorsUnwrapToSentinels(t *testing.T) {
	_, c := start(t)
	err := c.ArmNext(ctx(t), "https://nope.example.com", response.Expired())
	var ce *control.Error
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound || !errors.Is(err, mockidp.ErrUnknownServiceProvider) ||
		!strings.Contains(ce.Message, `"https://nope.example.com"`) {
		t.Errorf("unknown SP: %v", err)
	}
	if _, err := c.TakeRequest(ctx(t), "https://nope.example.com"); !errors.Is(err, mockidp.ErrUnknownServiceProvider) {
		t.Errorf("TakeRequest unknown SP: %v", err)
	}
	if err := c.SetSigningKey(ctx(t), "nope"); !errors.Is(err, mockidp.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if err := c.SetSigningKey(ctx(t), mockidp.TestKeyName); err != nil {
		t.Errorf("SetSigningKey: %v", err)
	}
	if err := c.Arm(ctx(t), spID, response.Spec{SignatureAlgorithm: "rsa-md5"}); !errors.Is(err, response.ErrInvalidSpec) {
		t.Errorf("invalid spec: %v", err)
	}
	if err := c.AddUser(ctx(t), mockidp.User{Username: "carol", Password: "pw"}); err != nil {
		t.Errorf("AddUser: %v", err)
	}
	if err := c.AddUser(ctx(t), mockidp.User{Username: "carol", Password: "pw"}); !errors.Is(err, mockidp.ErrAlreadyExists) {
		t.Errorf("AddUser twice: %v", err)
	}
	if err := c.AddServiceProvider(ctx(t), mockidp.ServiceProvider{EntityID: "https://sp2.example.com", ACSURLs: []string{"https://sp2.example.com/acs"}}); err != nil {
		t.Errorf("AddServiceProvider: %v", err)
	}
	if err := c.AddServiceProvider(ctx(t), mockidp.ServiceProvider{EntityID: "x"}); !errors.Is(err, mockidp.ErrInvalid) {
		t.Errorf("AddServiceProvider invalid: %v", err)
	}
}

func TestRawControlAPI(t *testing.T) {
	idp, _ := start(t)
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/control/arm", `{"sp":"https://nope.example.com"}`, 404, `"code":"unknown_service_provider"`},
		{"POST", "/control/arm", `{"sp":"` + spID + `","response":{"sign":"none"},"merge":true}`, 200, `"queued":1`},
		{"POST", "/control/arm", `{"sp":"` + spID + `","response":{"signn":"none"}}`, 400, `unknown field \"signn\"`},
		{"POST", "/control/arm", `{"sp":"` + spID + `","response":{"notBeforeOffset":"soon"}}`, 400, `want a Go duration`},
		{"POST", "/control/arm", `not json`, 400, `"code":"bad_request"`},
		{"GET", "/control/requests/next?sp=" + url.QueryEscape(spID) + "&timeout=1ms", "", 204, ""},
		{"GET", "/control/requests/next?sp=" + url.QueryEscape(spID) + "&timeout=forever", "", 400, "timeout"},
		{"GET", "/control/requests/next?sp=nope&timeout=1ms", "", 404, "unknown service provider"},
		{"POST", "/control/signing-key", `{"name":"nope"}`, 404, `"code":"unknown_key"`},
		{"GET", "/control/state", "", 200, `"queued":1`},
		{"GET", "/control/nothing", "", 404, `"code":"not_found"`},
	}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, idp.URL()+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(buf.String(), c.want) {
			t.Errorf("%s %s %s: %d %s; want %d containing %s", c.method, c.path, c.body, resp.StatusCode, buf.String(), c.status, c.want)
		}
	}
}

// browser is a cookie-keeping HTTP client.
type testBrowser struct{ *http.Client }

func browser(t *testing.T) testBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return testBrowser{&http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b testBrowser) get(t *testing.T, u string) string {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return buf.String()
}

func (b testBrowser) login(t *testing.T, idp *mockidp.Server, loginPage string) string {
	t.Helper()
	req := between(loginPage, `name="req" value="`, `"`)
	resp, err := b.PostForm(idp.URL()+"/login", url.Values{"username": {mockidp.DefaultTestUser.Username}, "password": {mockidp.DefaultTestUser.Password}, "req": {req}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return buf.String()
}

func decodeResponse(t *testing.T, page string) string {
	t.Helper()
	v := html.UnescapeString(between(page, `name="SAMLResponse" value="`, `"`))
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) == 0 {
		t.Fatalf("no SAMLResponse in page:\n%s", page)
	}
	return string(b)
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return ""
}

func deflate(t *testing.T, s string) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
