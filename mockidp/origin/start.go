package origin

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is an Origin listening on a random 127.0.0.1 port for a test.
// The embedded *Origin gives the Go controls (SetAnswer, IssueSession, ...).
type Server struct {
	*Origin
	url       string
	ts        *httptest.Server
	stop      context.CancelFunc // ends pending long polls
	log       *testLog
	closeOnce sync.Once
}

// StartOption configures Start.
type StartOption func(*startConfig)

type startConfig struct {
	cfg  Config
	opts []Option
}

// DefaultUser is the user Start configures when given no WithUser.
func DefaultUser() User {
	return User{Email: "ada@example.com", Password: "ada-password", Name: "Ada Lovelace"}
}

// WithUser adds a user.
func WithUser(u User) StartOption {
	return func(c *startConfig) { c.cfg.Users = append(c.cfg.Users, u) }
}

// WithPortalLink adds a portal link (a page on the SP).
func WithPortalLink(title, url string) StartOption {
	return func(c *startConfig) { c.cfg.PortalLinks = append(c.cfg.PortalLinks, PortalLink{title, url}) }
}

// WithSessionTTL sets the session lifetime (default 30m).
func WithSessionTTL(d time.Duration) StartOption {
	return func(c *startConfig) { c.cfg.SessionTTL = d }
}

// WithCookieName sets the session cookie's name (default origin_session).
func WithCookieName(name string) StartOption {
	return func(c *startConfig) { c.cfg.CookieName = name }
}

// WithOptions passes options to New, e.g. WithClock. Without WithLogger the
// origin logs through t.Log.
func WithOptions(opts ...Option) StartOption {
	return func(c *startConfig) { c.opts = append(c.opts, opts...) }
}

// Start runs an origin on a random 127.0.0.1 port until the test ends
// (t.Cleanup calls Close). It fails the test if the configuration is invalid.
func Start(t testing.TB, opts ...StartOption) *Server {
	t.Helper()
	var sc startConfig
	for _, opt := range opts {
		opt(&sc)
	}
	if len(sc.cfg.Users) == 0 {
		sc.cfg.Users = []User{DefaultUser()}
	}
	ts := httptest.NewUnstartedServer(nil) // listens on 127.0.0.1:0
	s := &Server{url: "http://" + ts.Listener.Addr().String(), ts: ts, log: &testLog{t: t}}
	sc.cfg.BaseURL = s.url
	logger := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o, err := New(sc.cfg, append([]Option{WithLogger(logger)}, sc.opts...)...)
	if err != nil {
		ts.Listener.Close()
		t.Fatalf("origin: %v", err)
	}
	s.Origin = o
	base, stop := context.WithCancel(context.Background())
	s.stop = stop
	ts.Config.Handler = o
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Config.BaseContext = func(net.Listener) context.Context { return base }
	ts.Start()
	t.Cleanup(s.Close)
	return s
}

// URL returns the base URL, http://127.0.0.1:<port>.
func (s *Server) URL() string { return s.url }

// Client returns a control-API client for this server.
func (s *Server) Client() *Client { return NewClient(s.url, nil) }

// Close stops the server; safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stop()
		s.ts.Close()
		s.log.close()
	})
}

// testLog writes log lines through t.Log until the server is closed, so a
// late line cannot outlive the test.
type testLog struct {
	mu     sync.Mutex
	t      testing.TB
	closed bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}
