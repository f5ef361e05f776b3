package origin

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	portalHome  = "http://portal.test:8080/"
	portalDeals = "http://portal.test:8080/deals?source=crm&tab=open"
)

var (
	ada    = User{Email: "ada@example.com", Password: "ada-password", Name: "Ada Lovelace"}
	grace  = User{Email: "grace@example.com", Password: "grace-password", Name: "Grace Hopper"}
	former = User{Email: "former@example.com", Password: "former-password", Name: "Former", Active: new(false)}
)

// fakeClock is an injected clock the test advances.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

type fixture struct {
	*Server
	clock  *fakeClock
	client *http.Client // cookie jar; redirects are not followed
}

func newFixture(t *testing.T, opts ...StartOption) *fixture {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	base := []StartOption{
		WithUser(ada), WithUser(grace), WithUser(former),
		WithPortalLink("Portal home", portalHome),
		WithPortalLink("Deals", portalDeals),
		WithSessionTTL(30 * time.Minute),
		WithCookieName("crm_session"),
		WithOptions(WithClock(clock.Now), WithRand(mrand.NewChaCha8([32]byte{1}))),
	}
	srv := Start(t, append(base, opts...)...)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		Server: srv,
		clock:  clock,
		client: &http.Client{
			Jar:           jar,
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) get(t *testing.T, path string) page {
	t.Helper()
	resp, err := f.client.Get(f.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func (f *fixture) login(t *testing.T, email, password, next string) page {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	resp, err := f.client.PostForm(f.URL()+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

// sessionKey returns the session cookie the jar holds, or "".
func (f *fixture) sessionKey(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(f.URL())
	for _, c := range f.client.Jar.Cookies(u) {
		if c.Name == "crm_session" {
			return c.Value
		}
	}
	return ""
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, string(b)}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// linksIn returns the hrefs inside the element with the given id.
func linksIn(t *testing.T, body, id string) []string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element #%s in:\n%s", id, body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</ul>"); j >= 0 {
		rest = rest[:j]
	} else if j := strings.Index(rest, "</a>"); j >= 0 {
		rest = rest[:j]
	}
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(rest, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func TestLoginSuccessAndPortalLinks(t *testing.T) {
	f := newFixture(t)

	form := f.get(t, "/login")
	if form.status != http.StatusOK || !strings.Contains(form.body, "Grace Hopper &lt;grace@example.com&gt;") {
		t.Fatalf("login form: %d\n%s", form.status, form.body)
	}
	if strings.Contains(form.body, ada.Password) {
		t.Error("the login page shows a password")
	}

	p := f.login(t, "ADA@example.com", ada.Password, "")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		t.Fatalf("login: %d Location %q", p.status, p.header.Get("Location"))
	}
	setCookie := p.header.Get("Set-Cookie")
	for _, want := range []string{"crm_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	key := f.sessionKey(t)
	if len(key) != 43 {
		t.Fatalf("session key %q, want 43 base64url characters", key)
	}

	home := f.get(t, "/")
	if !strings.Contains(home.body, "Ada Lovelace") {
		t.Errorf("home does not greet the user:\n%s", home.body)
	}
	links := linksIn(t, home.body, "portal-links")
	if len(links) != 2 {
		t.Fatalf("portal links %q", links)
	}
	wantHome := portalHome + "?email=ada%40example.com&session=" + key
	if links[0] != wantHome {
		t.Errorf("portal link\n got %s\nwant %s", links[0], wantHome)
	}
	u, err := url.Parse(links[1])
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "source=crm&tab=open&email=ada%40example.com&session="+key {
		t.Errorf("deals link query %q: existing parameters must be kept in order, email and session appended", u.RawQuery)
	}
	if v := f.AuthenticateUser(u.Query().Get("email"), u.Query().Get("session")); !v.Valid {
		t.Errorf("the link's email and session do not authenticate: %v", v.Reason)
	}
}

func TestLoginFailure(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, email, password string
		status                int
		message               string
	}{
		{"wrong password", ada.Email, "nope", http.StatusUnauthorized, "Wrong email or password."},
		{"unknown user", "nobody@example.com", "pw", http.StatusUnauthorized, "Wrong email or password."},
		{"empty", "", "", http.StatusUnauthorized, "Wrong email or password."},
		{"inactive user", former.Email, former.Password, http.StatusForbidden, "This account is not active."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.login(t, tt.email, tt.password, "")
			if p.status != tt.status || !strings.Contains(p.body, tt.message) {
				t.Errorf("got %d, want %d with %q:\n%s", p.status, tt.status, tt.message, p.body)
			}
			if p.header.Get("Set-Cookie") != "" || f.sessionKey(t) != "" {
				t.Error("a failed login set a session cookie")
			}
		})
	}
}

func TestLoginNext(t *testing.T) {
	f := newFixture(t)
	p := f.login(t, ada.Email, ada.Password, "/jump?reason=1&target=x")
	if got := p.header.Get("Location"); p.status != http.StatusSeeOther || got != "/jump?reason=1&target=x" {
		t.Errorf("local next: %d %q", p.status, got)
	}
	p = f.login(t, ada.Email, ada.Password, portalDeals)
	key := f.sessionKey(t)
	want := portalDeals + "&email=ada%40example.com&session=" + key
	if got := p.header.Get("Location"); got != want {
		t.Errorf("portal next:\n got %s\nwant %s", got, want)
	}
	p = f.login(t, ada.Email, ada.Password, f.URL()+"/?x=1")
	if got := p.header.Get("Location"); got != f.URL()+"/?x=1" {
		t.Errorf("absolute next on this origin: %q", got)
	}
}

func TestOpenRedirectRefusedOnNext(t *testing.T) {
	for _, next := range []string{
		"https://evil.example/",
		"//evil.example/x",
		`/\evil.example`,
		`\\evil.example`,
		"http://portal.test:8080.evil.example/",
		"http://portal.test:8080@evil.example/",
		"http://portal.test:9999/",  // right host, wrong port
		"https://portal.test:8080/", // right host, wrong scheme
		"javascript:alert(1)",
		"relative/path",
		"/ok\r\nLocation: https://evil.example/",
	} {
		t.Run(next, func(t *testing.T) {
			f := newFixture(t)
			g := f.get(t, "/login?next="+url.QueryEscape(next))
			if g.status != http.StatusBadRequest || !strings.Contains(g.body, "Refused return address") {
				t.Errorf("GET /login: %d\n%s", g.status, g.body)
			}
			p := f.login(t, ada.Email, ada.Password, next)
			if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
				t.Errorf("POST /login: %d Location %q", p.status, p.header.Get("Location"))
			}
			if f.sessionKey(t) != "" {
				t.Error("a refused login still started a session")
			}
		})
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	f.login(t, ada.Email, ada.Password, "")
	key := f.sessionKey(t)
	p := f.get(t, "/logout")
	if p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	if v := f.AuthenticateUser(ada.Email, key); v.Valid || v.Reason != ReasonLoggedOut {
		t.Errorf("after logout: %+v, want invalid, %q", v, ReasonLoggedOut)
	}
	if home := f.get(t, "/"); !strings.Contains(home.body, `id="signed-out"`) {
		t.Errorf("home after logout:\n%s", home.body)
	}
}

func TestLoginAgainEndsOldSession(t *testing.T) {
	f := newFixture(t)
	f.login(t, ada.Email, ada.Password, "")
	old := f.sessionKey(t)
	f.login(t, grace.Email, grace.Password, "")
	if v := f.AuthenticateUser(ada.Email, old); v.Reason != ReasonLoggedOut {
		t.Errorf("old session: %+v", v)
	}
	if v := f.AuthenticateUser(grace.Email, f.sessionKey(t)); !v.Valid {
		t.Errorf("new session: %+v", v)
	}
}

func TestJumpPage(t *testing.T) {
	f := newFixture(t)
	target := "http://portal.test:8080/deals/7?tab=notes&email=ada%40example.com&session=stale"

	p := f.get(t, "/jump?reason=2&target="+url.QueryEscape(target))
	if !strings.Contains(p.body, "your portal session expired") || !strings.Contains(p.body, `id="login"`) {
		t.Fatalf("signed-out jump page:\n%s", p.body)
	}
	m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no next field in the login form")
	}
	next := html.UnescapeString(m[1])
	if want := "/jump?reason=2&target=" + url.QueryEscape(target); next != want {
		t.Errorf("next %q, want %q", next, want)
	}

	// Logging in from that form returns to the jump page, which now links back.
	p = f.login(t, ada.Email, ada.Password, next)
	if p.header.Get("Location") != next {
		t.Fatalf("login from jump page went to %q", p.header.Get("Location"))
	}
	key := f.sessionKey(t)
	p = f.get(t, next)
	links := linksIn(t, p.body, "continue")
	want := "http://portal.test:8080/deals/7?tab=notes&email=ada%40example.com&session=" + key
	if len(links) != 1 || links[0] != want {
		t.Errorf("continue link %q, want %q", links, want)
	}

	for code, text := range map[string]string{
		"1": "you are not signed in to the portal",
		"2": "your portal session expired",
		"3": "your portal session is not valid",
		"4": "the portal has no account for you",
		"5": "you signed out of the portal",
		"9": "unknown reason (9)",
		"x": "unknown reason",
	} {
		if p := f.get(t, "/jump?reason="+code+"&target="+url.QueryEscape(portalHome)); !strings.Contains(p.body, text) {
			t.Errorf("reason %s: page lacks %q", code, text)
		}
	}
}

func TestOpenRedirectRefusedOnTarget(t *testing.T) {
	f := newFixture(t)
	f.login(t, ada.Email, ada.Password, "")
	for _, target := range []string{
		"https://evil.example/steal",
		"http://portal.test:8080.evil.example/",
		"http://portal.test:8080@evil.example/",
		"//portal.test:8080/",
		"/local/path",
		"javascript:alert(1)",
	} {
		p := f.get(t, "/jump?reason=1&target="+url.QueryEscape(target))
		if strings.Contains(p.body, `id="continue"`) {
			t.Errorf("target %q got a link:\n%s", target, p.body)
		}
		if !strings.Contains(p.body, `id="target-refused"`) || !strings.Contains(p.body, html.EscapeString(target)) {
			t.Errorf("target %q is not shown as text:\n%s", target, p.body)
		}
		if strings.Contains(p.body, f.sessionKey(t)) {
			t.Errorf("target %q: the page leaks the session key", target)
		}
	}
}

// authRequest builds a web-service request body for a transport.
func authRequest(tr Transport, email, key string) (path, contentType, body string) {
	switch tr {
	case TransportJSON:
		return "/auth/json", "application/json", fmt.Sprintf(`{"email": %q, "sessionKey": %q}`, email, key)
	case TransportXML:
		return "/auth/xml", "application/xml", "<AuthenticateUser><email>" + email + "</email><sessionKey>" + key + "</sessionKey></AuthenticateUser>"
	default:
		return "/auth/soap", "text/xml; charset=utf-8", soapEnvelope11(
			`<AuthenticateUser xmlns="` + Namespace + `"><email>` + email + `</email><sessionKey>` + key + `</sessionKey></AuthenticateUser>`)
	}
}

func soapEnvelope11(body string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func post(t *testing.T, u, path, contentType, body string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if path == "/auth/soap" {
		req.Header.Set("SOAPAction", `"AuthenticateUser"`)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

var soapResultRE = regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><AuthenticateUserResponse xmlns="urn:ssoharness:origin"><AuthenticateUserResult>([^<]*)</AuthenticateUserResult></AuthenticateUserResponse></soap:Body></soap:Envelope>$`)

// answerOf checks a 200 answer's shape and content type and returns the answer.
func answerOf(t *testing.T, tr Transport, p page) string {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", tr, p.status, p.body)
	}
	ct := p.header.Get("Content-Type")
	switch tr {
	case TransportJSON:
		if ct != "application/json; charset=utf-8" {
			t.Errorf("json Content-Type %q", ct)
		}
		return p.body
	case TransportXML:
		if ct != "application/xml; charset=utf-8" {
			t.Errorf("xml Content-Type %q", ct)
		}
		s, ok := strings.CutPrefix(p.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<boolean>")
		s, ok2 := strings.CutSuffix(s, "</boolean>")
		if !ok || !ok2 {
			t.Fatalf("xml answer %q", p.body)
		}
		return s
	default:
		if ct != "text/xml; charset=utf-8" {
			t.Errorf("soap Content-Type %q", ct)
		}
		m := soapResultRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("soap answer %q", p.body)
		}
		return m[1]
	}
}

var transports = []Transport{TransportJSON, TransportXML, TransportSOAP}

func TestAuthenticateUserTransports(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			f := newFixture(t)
			ask := func(email, key string) string {
				t.Helper()
				path, ct, body := authRequest(tr, email, key)
				return answerOf(t, tr, post(t, f.URL(), path, ct, body))
			}

			// A session from the login page, checked with the email in another case.
			f.login(t, ada.Email, ada.Password, "")
			loginKey := f.sessionKey(t)
			if got := ask("Ada@Example.COM", loginKey); got != "true" {
				t.Errorf("valid login session: %s", got)
			}

			key, err := f.IssueSession(grace.Email)
			if err != nil {
				t.Fatal(err)
			}
			if got := ask(grace.Email, key); got != "true" {
				t.Errorf("valid issued session: %s", got)
			}
			if got := ask(ada.Email, key); got != "false" {
				t.Errorf("wrong email: %s", got)
			}
			if got := ask(grace.Email, "no-such-key"); got != "false" {
				t.Errorf("unknown key: %s", got)
			}
			if got := ask(grace.Email, ""); got != "false" {
				t.Errorf("empty key: %s", got)
			}

			// Expiry by the clock: valid just before the TTL, invalid at it.
			f.clock.Advance(30*time.Minute - time.Second)
			if got := ask(grace.Email, key); got != "true" {
				t.Errorf("one second before expiry: %s", got)
			}
			f.clock.Advance(time.Second)
			if got := ask(grace.Email, key); got != "false" {
				t.Errorf("expired: %s", got)
			}
			if v := f.AuthenticateUser(grace.Email, key); v.Reason != ReasonExpired {
				t.Errorf("expired reason %q", v.Reason)
			}

			// Expiry on request.
			key, _ = f.IssueSession(grace.Email)
			if err := f.ExpireSession(key); err != nil {
				t.Fatal(err)
			}
			if got := ask(grace.Email, key); got != "false" {
				t.Errorf("ExpireSession: %s", got)
			}

			// Logged out.
			f.login(t, ada.Email, ada.Password, "")
			key = f.sessionKey(t)
			f.get(t, "/logout")
			if got := ask(ada.Email, key); got != "false" {
				t.Errorf("logged out: %s", got)
			}
		})
	}
}

func TestMisbehaviourModes(t *testing.T) {
	tests := []struct {
		mode   AnswerMode
		status int
		answer string // for the valid session; "" when status is not 200
	}{
		{Honest, 200, "true"},
		{AlwaysTrue, 200, "true"},
		{AlwaysFalse, 200, "false"},
		{Malformed, 200, "yes"},
		{Error500, 500, ""},
	}
	f := newFixture(t)
	valid, _ := f.IssueSession(ada.Email)
	for _, tt := range tests {
		for _, tr := range transports {
			t.Run(string(tt.mode)+"/"+string(tr), func(t *testing.T) {
				if err := f.SetAnswer(tt.mode); err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{valid, "unknown"} {
					path, ct, body := authRequest(tr, ada.Email, key)
					p := post(t, f.URL(), path, ct, body)
					call, err := f.TakeAuthCall(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if call.Mode != tt.mode || call.Status != tt.status || call.Valid != (key == valid) {
						t.Errorf("recorded %+v", call)
					}
					if tt.status != 200 {
						if p.status != tt.status {
							t.Errorf("status %d, want %d", p.status, tt.status)
						}
						if tr == TransportSOAP && !strings.Contains(p.body, "<faultcode>soap:Server</faultcode>") {
							t.Errorf("error-500 over SOAP is not a Server fault: %s", p.body)
						}
						continue
					}
					want := tt.answer
					if key != valid && (tt.mode == Honest) {
						want = "false"
					}
					if got := answerOf(t, tr, p); got != want || call.Answer != want {
						t.Errorf("key %q: answered %q (recorded %q), want %q", key, got, call.Answer, want)
					}
				}
			})
		}
	}
	if err := f.SetAnswer("sometimes"); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("SetAnswer(sometimes): %v", err)
	}
}

func TestMalformedBodies(t *testing.T) {
	f := newFixture(t)
	soapOp := `<AuthenticateUser xmlns="` + Namespace + `"><email>a@example.com</email><sessionKey>k</sessionKey></AuthenticateUser>`
	tests := []struct {
		name      string
		tr        Transport
		body      string
		soapAct   string // SOAP only; "-" leaves the header out
		want      string
		faultCode string
	}{
		{"json not json", TransportJSON, `email=a&sessionKey=k`, "", "not a JSON object", ""},
		{"json array", TransportJSON, `["a","k"]`, "", "not a JSON object", ""},
		{"json null", TransportJSON, `null`, "", "body is null", ""},
		{"json missing key", TransportJSON, `{"email":"a@example.com"}`, "", `missing field "sessionKey"`, ""},
		{"json wrong case", TransportJSON, `{"Email":"a@example.com","sessionKey":"k"}`, "", `unknown field "Email"`, ""},
		{"json number", TransportJSON, `{"email":"a@example.com","sessionKey":42}`, "", `field "sessionKey" must be a JSON string`, ""},
		{"json null field", TransportJSON, `{"email":null,"sessionKey":"k"}`, "", `field "email" must be a JSON string`, ""},
		{"json trailing", TransportJSON, `{"email":"a","sessionKey":"k"} {}`, "", "trailing data", ""},
		{"json truncated", TransportJSON, `{"email":"a"`, "", "not a JSON object", ""},
		{"json empty", TransportJSON, ``, "", "empty request body", ""},
		{"xml not xml", TransportXML, `hello`, "", "text outside the root element", ""},
		{"xml unclosed", TransportXML, `<AuthenticateUser><email>a</email>`, "", "not well-formed XML", ""},
		{"xml wrong root", TransportXML, `<Login><email>a</email><sessionKey>k</sessionKey></Login>`, "", "want <AuthenticateUser>", ""},
		{"xml missing key", TransportXML, `<AuthenticateUser><email>a</email></AuthenticateUser>`, "", "exactly one <sessionKey>, found 0", ""},
		{"xml two emails", TransportXML, `<AuthenticateUser><email>a</email><email>b</email><sessionKey>k</sessionKey></AuthenticateUser>`, "", "exactly one <email>, found 2", ""},
		{"xml extra element", TransportXML, `<AuthenticateUser><email>a</email><sessionKey>k</sessionKey><admin>1</admin></AuthenticateUser>`, "", "unexpected element <admin>", ""},
		{"xml two roots", TransportXML, `<AuthenticateUser><email>a</email><sessionKey>k</sessionKey></AuthenticateUser><x/>`, "", "more than one root element", ""},
		{"xml dtd", TransportXML, `<!DOCTYPE x [<!ENTITY e "boom">]><AuthenticateUser><email>&e;</email><sessionKey>k</sessionKey></AuthenticateUser>`, "", "directives are not accepted", ""},
		{"soap not xml", TransportSOAP, `{"email":"a"}`, "", "text outside the root element", "soap:Client"},
		{"soap no envelope", TransportSOAP, soapOp, "", "want a SOAP 1.1 Envelope", "soap:Client"},
		{"soap unknown envelope namespace", TransportSOAP, `<Envelope xmlns="urn:x"><Body/></Envelope>`, "", `Envelope in namespace "urn:x"`, "soap:VersionMismatch"},
		{"soap 1.2", TransportSOAP, `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>` + soapOp + `</env:Body></env:Envelope>`, "", "SOAP 1.2 envelope", "soap:VersionMismatch"},
		{"soap no body", TransportSOAP, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>`, "", "no soap:Body", "soap:Client"},
		{"soap empty body", TransportSOAP, soapEnvelope11(""), "", "exactly one AuthenticateUser element, found 0", "soap:Client"},
		{"soap other op", TransportSOAP, soapEnvelope11(`<DeleteUser xmlns="` + Namespace + `"/>`), "", "unknown operation {urn:ssoharness:origin}DeleteUser", "soap:Client"},
		{"soap other namespace", TransportSOAP, soapEnvelope11(`<AuthenticateUser xmlns="urn:other"><email>a</email><sessionKey>k</sessionKey></AuthenticateUser>`), "", "unknown operation {urn:other}AuthenticateUser", "soap:Client"},
		{"soap missing key", TransportSOAP, soapEnvelope11(`<AuthenticateUser xmlns="` + Namespace + `"><email>a</email></AuthenticateUser>`), "", "exactly one <sessionKey>", "soap:Client"},
		{"soap must understand", TransportSOAP, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><Tx xmlns="urn:x" soap:mustUnderstand="1"/></soap:Header><soap:Body>` + soapOp + `</soap:Body></soap:Envelope>`, "", "{urn:x}Tx is marked mustUnderstand", "soap:MustUnderstand"},
		{"soap no action", TransportSOAP, soapEnvelope11(soapOp), "-", "missing SOAPAction header", "soap:Client"},
		{"soap wrong action", TransportSOAP, soapEnvelope11(soapOp), `"DeleteUser"`, `SOAPAction "\"DeleteUser\"" names another operation`, "soap:Client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, ct, _ := authRequest(tt.tr, "", "")
			req, _ := http.NewRequest(http.MethodPost, f.URL()+path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", ct)
			switch tt.soapAct {
			case "":
				req.Header.Set("SOAPAction", `"AuthenticateUser"`)
			case "-":
			default:
				req.Header.Set("SOAPAction", tt.soapAct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			p := readPage(t, resp)
			if p.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", p.status)
			}
			want := tt.want
			if tt.faultCode != "" {
				want = html.EscapeString(want) // the fault string is XML-escaped
				if !strings.Contains(p.body, "<faultcode>"+tt.faultCode+"</faultcode>") {
					t.Errorf("no %s fault: %s", tt.faultCode, p.body)
				}
			}
			if !strings.Contains(p.body, want) {
				t.Errorf("body %q lacks %q", p.body, want)
			}
			call, err := f.TakeAuthCall(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if call.Transport != tt.tr || call.Status != http.StatusBadRequest || call.Problem == "" || call.Answer != "" {
				t.Errorf("recorded %+v", call)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	f := newFixture(t)
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			path, ct, _ := authRequest(tr, "", "")
			big := `{"email":"` + strings.Repeat("a", MaxBodyBytes) + `","sessionKey":"k"}`
			p := post(t, f.URL(), path, ct, big)
			if p.status != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", p.status)
			}
			if tr == TransportSOAP && !strings.Contains(p.body, "<soap:Fault>") {
				t.Errorf("no SOAP fault: %s", p.body)
			}
			call, err := f.TakeAuthCall(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if call.Status != http.StatusRequestEntityTooLarge || !strings.Contains(call.Problem, "larger than 65536 bytes") {
				t.Errorf("recorded %+v", call)
			}
		})
	}
	// A body of exactly the limit is read.
	key, _ := f.IssueSession(ada.Email)
	body := fmt.Sprintf(`{"email":%q,"sessionKey":%q}`, ada.Email, key)
	body += strings.Repeat(" ", MaxBodyBytes-len(body))
	if got := answerOf(t, TransportJSON, post(t, f.URL(), "/auth/json", "application/json", body)); got != "true" {
		t.Errorf("body at the limit: %s", got)
	}
}

func TestTakeAuthCall(t *testing.T) {
	f := newFixture(t)
	key, _ := f.IssueSession(ada.Email)
	path, ct, body := authRequest(TransportSOAP, "ADA@example.com", key)
	post(t, f.URL(), path, ct, body)
	call, err := f.TakeAuthCall(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := AuthCall{
		Transport: TransportSOAP, Email: "ADA@example.com", SessionKey: key,
		Valid: true, Reason: ReasonValid, Mode: Honest, Answer: "true", Status: 200,
		ContentType: "text/xml; charset=utf-8", SOAPAction: `"AuthenticateUser"`, At: f.clock.Now(),
	}
	if call != want {
		t.Errorf("call\n got %+v\nwant %+v", call, want)
	}

	// Calls queue in arrival order.
	for _, email := range []string{"one@example.com", "two@example.com"} {
		p, ct, b := authRequest(TransportJSON, email, "k")
		post(t, f.URL(), p, ct, b)
	}
	for _, email := range []string{"one@example.com", "two@example.com"} {
		if c, _ := f.TakeAuthCall(t.Context()); c.Email != email {
			t.Errorf("got call for %q, want %q", c.Email, email)
		}
	}

	// A call that arrives while waiting wakes the waiter.
	done := make(chan AuthCall)
	go func() {
		c, _ := f.TakeAuthCall(t.Context())
		done <- c
	}()
	p, ct, b := authRequest(TransportXML, "late@example.com", "k")
	post(t, f.URL(), p, ct, b)
	if c := <-done; c.Email != "late@example.com" || c.Transport != TransportXML {
		t.Errorf("waiter got %+v", c)
	}

	// Cancellation and deadlines end the wait.
	ctx, cancel := context.WithCancel(t.Context())
	go cancel()
	if _, err := f.TakeAuthCall(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.TakeAuthCall(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t)
	c := f.Client()
	ctx := t.Context()

	if m, err := c.Answer(ctx); err != nil || m != Honest {
		t.Errorf("Answer: %q %v", m, err)
	}
	if err := c.SetAnswer(ctx, AlwaysFalse); err != nil {
		t.Fatal(err)
	}
	if f.Answer() != AlwaysFalse {
		t.Errorf("mode %q after SetAnswer over HTTP", f.Answer())
	}
	if err := c.SetAnswer(ctx, "sometimes"); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("unknown mode: %v", err)
	}
	f.SetAnswer(Honest)

	key, err := c.IssueSession(ctx, grace.Email)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.AuthenticateUser(grace.Email, key); !v.Valid {
		t.Errorf("issued over HTTP: %+v", v)
	}
	if _, err := c.IssueSession(ctx, "nobody@example.com"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := c.IssueSession(ctx, former.Email); !errors.Is(err, ErrInactiveUser) {
		t.Errorf("inactive user: %v", err)
	}
	if err := c.ExpireSession(ctx, key); err != nil {
		t.Fatal(err)
	}
	if v := f.AuthenticateUser(grace.Email, key); v.Reason != ReasonExpired {
		t.Errorf("expired over HTTP: %+v", v)
	}
	if err := c.ExpireSession(ctx, "no-such-key"); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("unknown session: %v", err)
	}

	go func() {
		p, ct, b := authRequest(TransportJSON, grace.Email, key)
		post(t, f.URL(), p, ct, b)
	}()
	call, err := c.TakeAuthCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if call.Email != grace.Email || call.SessionKey != key || call.Answer != "false" || call.Reason != ReasonExpired {
		t.Errorf("taken over HTTP: %+v", call)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.TakeAuthCall(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("TakeAuthCall over HTTP past its deadline: %v", err)
	}

	// Strict bodies.
	resp, err := http.Post(f.URL()+"/control/answer", "application/json", strings.NewReader(`{"mode":"honest","extra":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := readPage(t, resp); p.status != http.StatusBadRequest || !strings.Contains(p.body, `"code":"bad_request"`) {
		t.Errorf("unknown control field: %d %s", p.status, p.body)
	}
}

func TestWSDL(t *testing.T) {
	o, err := New(Config{BaseURL: "http://crm.localhost:8083", Users: []User{ada}}, WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	p := f.get(t, "/auth/soap?wsdl")
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "text/xml; charset=utf-8" ||
		!strings.Contains(p.body, `<soap:address location="`+f.URL()+`/auth/soap"/>`) {
		t.Errorf("GET ?wsdl: %d %q\n%s", p.status, p.header.Get("Content-Type"), p.body)
	}
	if p := f.get(t, "/auth/soap"); p.status != http.StatusBadRequest {
		t.Errorf("GET without ?wsdl: %d", p.status)
	}

	golden := "testdata/TestWSDL.golden"
	got := []byte(o.WSDL())
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestWSDL -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("WSDL differs from %s (run with -update and review the diff):\n%s", golden, got)
	}
}

func TestLogsHideSecrets(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, WithOptions(WithLogger(logger)))
	f.login(t, ada.Email, "wrong-password", "")
	f.login(t, ada.Email, ada.Password, "")
	key := f.sessionKey(t)
	issued, _ := f.IssueSession(grace.Email)
	for _, tr := range transports {
		path, ct, body := authRequest(tr, ada.Email, key)
		post(t, f.URL(), path, ct, body)
	}
	f.ExpireSession(issued)
	f.get(t, "/jump?reason=3&target="+url.QueryEscape(portalHome+"?session="+key))
	f.get(t, "/logout")

	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for _, secret := range []string{ada.Password, "wrong-password", key, issued} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the secret %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "session_ref="+sessionRef(key)) {
		t.Errorf("logs lack the session reference:\n%s", logs)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				key, err := f.IssueSession(ada.Email)
				if err != nil {
					t.Error(err)
					return
				}
				tr := transports[(i+j)%len(transports)]
				path, ct, body := authRequest(tr, ada.Email, key)
				req, _ := http.NewRequest(http.MethodPost, f.URL()+path, strings.NewReader(body))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("SOAPAction", "AuthenticateUser")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
				if i == 0 {
					f.SetAnswer(Honest)
				}
			}
		})
	}
	wg.Wait()
	for range 80 {
		if c, err := f.TakeAuthCall(t.Context()); err != nil || !c.Valid {
			t.Fatalf("call %+v %v", c, err)
		}
	}
}

func TestWithSession(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://p.test/", "http://p.test/?email=a%40b.c&session=K"},
		{"http://p.test/x?a=1&b=%20", "http://p.test/x?a=1&b=%20&email=a%40b.c&session=K"},
		{"http://p.test/x?session=old&a=1&email=old", "http://p.test/x?a=1&email=a%40b.c&session=K"},
		{"http://p.test/x?#frag", "http://p.test/x?email=a%40b.c&session=K#frag"},
	}
	for _, tt := range tests {
		if got := withSession(tt.in, "a@b.c", "K"); got != tt.want {
			t.Errorf("withSession(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
