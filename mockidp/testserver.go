package mockidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// Server is a mock IdP listening on a random 127.0.0.1 port, for tests.
// It embeds the *IdP, so ArmNext, TakeRequest, RotateSigningKey, Metadata
// and the rest are available on it.
type Server struct {
	*IdP
	ts *httptest.Server
}

// DefaultTestUser is the user Start and NewServer add when no WithUser
// option (and no config) gives any.
var DefaultTestUser = User{
	Username: "alice",
	Password: "alice-password",
	NameID:   "alice@example.com",
	Attributes: map[string][]string{
		"email":       {"alice@example.com"},
		"displayName": {"Alice Example"},
	},
}

// TestKeyName is the name of the key Start and NewServer generate when no
// WithKeys option gives one.
const TestKeyName = "test-key"

// Start starts a mock IdP on a random 127.0.0.1 port for the duration of
// the test, the way httptest.NewServer starts a server, and closes it in
// t.Cleanup. Without WithKeys it signs with a generated RSA-2048 key
// (generated once per process); without WithUser its directory holds
// DefaultTestUser. Service providers come from WithServiceProvider or
// AddServiceProvider. The IdP logs to t.Log unless WithLogger says
// otherwise, and its session cookie is named after its port, so several
// test IdPs can share one cookie jar.
//
//	idp := mockidp.Start(t, mockidp.WithServiceProvider(mockidp.ServiceProvider{
//		EntityID: "https://sp.example.com/metadata",
//		ACSURLs:  []string{sp.URL + "/saml/acs"},
//	}))
//	idp.ArmNext("https://sp.example.com/metadata", response.Expired())
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	tl := &testLogWriter{t: t}
	s, err := newServer(slog.New(slog.NewTextHandler(tl, &slog.HandlerOptions{Level: slog.LevelDebug})), opts)
	if err != nil {
		t.Fatalf("mockidp.Start: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		tl.closed.Store(true)
	})
	return s
}

// NewServer is Start outside tests: it listens on a random 127.0.0.1 port
// until Close. It logs to slog.Default() unless WithLogger says otherwise.
func NewServer(opts ...Option) (*Server, error) {
	return newServer(slog.Default(), opts)
}

func newServer(defaultLog *slog.Logger, opts []Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mockidp: listening on 127.0.0.1: %w", err)
	}
	base := "http://" + ln.Addr().String()
	cfg := Config{
		BaseURL:    base,
		CookieName: fmt.Sprintf("mockidp_session_%d", ln.Addr().(*net.TCPAddr).Port),
	}
	var extra []Option
	if o.log == nil {
		extra = append(extra, WithLogger(defaultLog))
	}
	if len(o.keys) == 0 {
		k, err := generatedTestKey()
		if err != nil {
			ln.Close()
			return nil, err
		}
		extra = append(extra, WithKeys(k))
	}
	if len(o.users) == 0 {
		extra = append(extra, WithUser(DefaultTestUser))
	}
	idp, err := New(cfg, append(opts, extra...)...)
	if err != nil {
		ln.Close()
		return nil, err
	}
	ts := &httptest.Server{Listener: ln, Config: newHTTPServer(idp)}
	ts.Start()
	return &Server{IdP: idp, ts: ts}, nil
}

// URL is the IdP's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// Close ends pending TakeRequest calls and shuts the server down, waiting
// for requests in flight.
func (s *Server) Close() {
	s.IdP.Close()
	s.ts.Close()
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
}

var generatedTestKey = sync.OnceValues(func() (response.Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return response.Key{}, fmt.Errorf("mockidp: generating a test key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mockidp generated test key"},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return response.Key{}, fmt.Errorf("mockidp: creating the test certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return response.Key{}, err
	}
	return response.Key{Name: TestKeyName, Signer: priv, Certificate: cert}, nil
})

// testLogWriter sends each slog line to t.Log until the test's cleanup has
// closed the server (t.Log after the test ends panics).
type testLogWriter struct {
	t      testing.TB
	closed atomic.Bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	if !w.closed.Load() {
		w.t.Log("mockidp: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
