package origin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Sentinel errors of the Go and control APIs; test with errors.Is.
var (
	ErrUnknownUser    = errors.New("unknown user")
	ErrInactiveUser   = errors.New("user is not active")
	ErrUnknownSession = errors.New("unknown session key")
	ErrUnknownMode    = errors.New("unknown answer mode")
)

// AnswerMode selects how the authentication web service answers.
type AnswerMode string

// Answer modes. Honest is the default.
const (
	Honest      AnswerMode = "honest"       // the truth
	AlwaysTrue  AnswerMode = "always-true"  // true, whatever was asked
	AlwaysFalse AnswerMode = "always-false" // false, whatever was asked
	Error500    AnswerMode = "error-500"    // 500 Internal Server Error (a SOAP Server fault on SOAP)
	Malformed   AnswerMode = "malformed"    // 200 with the answer "yes" in place of a boolean
)

// AnswerModes lists the valid modes in documentation order.
var AnswerModes = []AnswerMode{Honest, AlwaysTrue, AlwaysFalse, Error500, Malformed}

func (m AnswerMode) valid() bool {
	for _, v := range AnswerModes {
		if m == v {
			return true
		}
	}
	return false
}

// Reason says why the honest answer for an (email, session key) pair is what it is.
type Reason string

// Reasons for an honest verdict.
const (
	ReasonValid          Reason = "valid"
	ReasonUnknownSession Reason = "unknown session"
	ReasonExpired        Reason = "session expired"
	ReasonLoggedOut      Reason = "logged out"
	ReasonWrongEmail     Reason = "wrong email"
)

// Verdict is the honest answer to AuthenticateUser.
type Verdict struct {
	Valid  bool
	Reason Reason
}

// Transport names the way an authentication call arrived.
type Transport string

// Transports of the authentication web service.
const (
	TransportJSON Transport = "json"
	TransportXML  Transport = "xml"
	TransportSOAP Transport = "soap"
)

// AuthCall is one call to the authentication web service, as received.
type AuthCall struct {
	Transport  Transport `json:"transport"`
	Email      string    `json:"email"`
	SessionKey string    `json:"sessionKey"`
	// Valid and Reason are the honest verdict, whatever Mode answered.
	Valid  bool   `json:"valid"`
	Reason Reason `json:"reason,omitempty"`
	// Mode is the answer mode in force; Answer the literal answer sent
	// ("true", "false", "yes"), empty when none was (error or refusal).
	Mode   AnswerMode `json:"mode"`
	Answer string     `json:"answer"`
	Status int        `json:"status"`
	// Problem says why a malformed or oversized request was refused.
	Problem     string    `json:"problem,omitempty"`
	ContentType string    `json:"contentType,omitempty"`
	SOAPAction  string    `json:"soapAction,omitempty"`
	At          time.Time `json:"at"`
}

// callBuffer bounds how many unconsumed calls are kept for TakeAuthCall;
// beyond it the newest calls are dropped (and a warning is logged).
const callBuffer = 256

// Origin is the mock originating system. It is an http.Handler and safe for
// concurrent use.
type Origin struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	mux     *http.ServeMux
	users   map[string]User // by lower-case email
	portals []*url.URL      // parsed PortalLinks[].URL
	base    *url.URL
	calls   chan AuthCall

	mu       sync.Mutex
	rand     io.Reader // read under mu
	sessions map[string]*session
	mode     AnswerMode
}

type session struct {
	email   string // as configured
	expires time.Time
	ended   Reason // "" while live; ReasonLoggedOut or ReasonExpired once ended
}

// Option configures New.
type Option func(*Origin)

// WithClock sets the clock used for session expiry (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *Origin) { o.now = now } }

// WithRand sets the source of session keys (default crypto/rand.Reader).
func WithRand(r io.Reader) Option { return func(o *Origin) { o.rand = r } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *Origin) { o.log = l } }

// New validates cfg (after applying defaults) and builds an Origin.
func New(cfg Config, opts ...Option) (*Origin, error) {
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := &Origin{
		cfg:      cfg,
		now:      time.Now,
		rand:     rand.Reader,
		log:      slog.Default(),
		users:    map[string]User{},
		calls:    make(chan AuthCall, callBuffer),
		sessions: map[string]*session{},
		mode:     Honest,
	}
	for _, opt := range opts {
		opt(o)
	}
	o.base, _ = url.Parse(strings.TrimSuffix(cfg.BaseURL, "/")) // validated
	for _, u := range cfg.Users {
		o.users[strings.ToLower(u.Email)] = u
	}
	for _, l := range cfg.PortalLinks {
		u, _ := url.Parse(l.URL) // validated
		o.portals = append(o.portals, u)
	}
	o.routes()
	return o, nil
}

// Config returns the configuration in force (with defaults applied).
func (o *Origin) Config() Config { return o.cfg }

// ServeHTTP implements http.Handler.
func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) { o.mux.ServeHTTP(w, r) }

func (o *Origin) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", o.handleHome)
	m.HandleFunc("GET /login", o.handleLoginForm)
	m.HandleFunc("POST /login", o.handleLogin)
	m.HandleFunc("GET /logout", o.handleLogout)
	m.HandleFunc("POST /logout", o.handleLogout)
	m.HandleFunc("GET /jump", o.handleJump)
	m.HandleFunc("POST /auth/json", o.handleAuthREST(restJSON))
	m.HandleFunc("POST /auth/xml", o.handleAuthREST(restXML))
	m.HandleFunc("POST /auth/soap", o.handleAuthSOAP)
	m.HandleFunc("GET /auth/soap", o.handleWSDL)
	m.HandleFunc("GET /control/answer", o.handleControlGetAnswer)
	m.HandleFunc("POST /control/answer", o.handleControlSetAnswer)
	m.HandleFunc("POST /control/expire-session", o.handleControlExpireSession)
	m.HandleFunc("POST /control/issue-session", o.handleControlIssueSession)
	m.HandleFunc("POST /control/take-auth-call", o.handleControlTakeAuthCall)
	o.mux = m
}

// SetAnswer switches the web service's answer mode; ErrUnknownMode for a
// mode not in AnswerModes.
func (o *Origin) SetAnswer(mode AnswerMode) error {
	if !mode.valid() {
		return fmt.Errorf("origin: set answer %q: %w (want one of %v)", mode, ErrUnknownMode, AnswerModes)
	}
	o.mu.Lock()
	o.mode = mode
	o.mu.Unlock()
	o.log.Info("origin: answer mode set", "mode", string(mode))
	return nil
}

// Answer returns the answer mode in force.
func (o *Origin) Answer() AnswerMode {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.mode
}

// IssueSession creates a session for a configured, active user, as a
// successful login would, and returns its key.
func (o *Origin) IssueSession(email string) (string, error) {
	u, ok := o.users[strings.ToLower(email)]
	if !ok {
		return "", fmt.Errorf("origin: issue session for %q: %w", email, ErrUnknownUser)
	}
	if !u.IsActive() {
		return "", fmt.Errorf("origin: issue session for %q: %w", email, ErrInactiveUser)
	}
	key, err := o.newSession(u.Email)
	if err != nil {
		return "", err
	}
	o.log.Info("origin: session issued", "email", u.Email, "session_ref", sessionRef(key))
	return key, nil
}

// ExpireSession makes a session expired now (its key then answers false,
// reason "session expired"); ErrUnknownSession when there is no such key.
func (o *Origin) ExpireSession(sessionKey string) error {
	o.mu.Lock()
	s, ok := o.sessions[sessionKey]
	if ok && s.ended == "" {
		s.ended = ReasonExpired
	}
	o.mu.Unlock()
	if !ok {
		return fmt.Errorf("origin: expire session %s: %w", sessionRef(sessionKey), ErrUnknownSession)
	}
	o.log.Info("origin: session expired on request", "session_ref", sessionRef(sessionKey))
	return nil
}

// AuthenticateUser is the honest rule behind the web service, whatever the
// answer mode: valid only when the key exists, is neither expired nor ended,
// and belongs to email (compared case-insensitively).
func (o *Origin) AuthenticateUser(email, sessionKey string) Verdict {
	o.mu.Lock()
	owner, r := o.lookupLocked(sessionKey)
	o.mu.Unlock()
	if r != ReasonValid {
		return Verdict{Reason: r}
	}
	if !strings.EqualFold(owner, email) {
		return Verdict{Reason: ReasonWrongEmail}
	}
	return Verdict{Valid: true, Reason: ReasonValid}
}

// TakeAuthCall returns the oldest authentication web-service call not yet
// taken, waiting for one to arrive if there is none; it returns ctx.Err()
// when ctx ends first. Calls are kept in arrival order, at most 256 of them.
func (o *Origin) TakeAuthCall(ctx context.Context) (AuthCall, error) {
	select {
	case c := <-o.calls:
		return c, nil
	default:
	}
	select {
	case c := <-o.calls:
		return c, nil
	case <-ctx.Done():
		return AuthCall{}, ctx.Err()
	}
}

func (o *Origin) record(c AuthCall) {
	select {
	case o.calls <- c:
	default:
		o.log.Warn("origin: auth call buffer full; call not kept for TakeAuthCall", "transport", string(c.Transport))
	}
}

// newSession stores a fresh session for email and returns its key. It also
// forgets sessions that expired more than one TTL ago.
func (o *Origin) newSession(email string) (string, error) {
	b := make([]byte, 32)
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := io.ReadFull(o.rand, b); err != nil {
		return "", fmt.Errorf("origin: new session key: %w", err)
	}
	key := base64.RawURLEncoding.EncodeToString(b)
	if _, clash := o.sessions[key]; clash {
		return "", errors.New("origin: new session key: random source repeated itself")
	}
	now := o.now()
	for k, s := range o.sessions {
		if now.After(s.expires.Add(o.cfg.SessionTTL)) {
			delete(o.sessions, k)
		}
	}
	o.sessions[key] = &session{email: email, expires: now.Add(o.cfg.SessionTTL)}
	return key, nil
}

// lookupLocked returns the email of the session and ReasonValid when it is
// live, or the reason it is not. o.mu must be held.
func (o *Origin) lookupLocked(key string) (string, Reason) {
	s, ok := o.sessions[key]
	switch {
	case !ok:
		return "", ReasonUnknownSession
	case s.ended != "":
		return s.email, s.ended
	case !o.now().Before(s.expires):
		return s.email, ReasonExpired
	}
	return s.email, ReasonValid
}

// endSession marks a session ended with reason (no-op for unknown keys).
func (o *Origin) endSession(key string, reason Reason) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.sessions[key]; ok && s.ended == "" {
		s.ended = reason
	}
}

// sessionRef is a short, non-reversible reference to a session key for logs.
func sessionRef(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}
