package mockidp

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// Errors of the Go API and, through the control client, of the HTTP control
// API. Test with errors.Is.
var (
	ErrUnknownServiceProvider = errors.New("unknown service provider")
	ErrUnknownKey             = errors.New("unknown key")
	ErrAlreadyExists          = errors.New("already exists")
	ErrInvalid                = errors.New("invalid")
	ErrClosed                 = errors.New("mock IdP closed")
)

const (
	sessionLifetime = 8 * time.Hour
	pendingLifetime = 15 * time.Minute
	maxPending      = 10_000
	maxReceived     = 1_000 // per SP, oldest dropped first
)

// IdP is a mock SAML 2.0 identity provider. It is an http.Handler serving
// the browser endpoints and the control API (see the package
// documentation), and its methods are the control API in Go. It is safe for
// concurrent use.
type IdP struct {
	log        *slog.Logger
	now        func() time.Time
	rand       io.Reader
	baseURL    string
	prefix     string // path of baseURL, "" or "/something"
	entityID   string
	cookieName string
	secure     bool
	mux        *http.ServeMux
	closed     chan struct{}
	closeOnce  sync.Once

	mu       sync.Mutex
	keys     []idpKey
	current  string
	users    map[string]User
	userList []string // usernames in the order added
	sps      map[string]*spState
	spList   []string
	sessions map[string]session
	pending  map[string]*pendingRequest
}

type spState struct {
	cfg      ServiceProvider
	armed    []response.Spec
	received []ReceivedRequest
	arrived  chan struct{} // closed (and replaced) when a request arrives
}

type session struct {
	username string
	expires  time.Time
}

// pendingRequest is a sign-on waiting for a login: an AuthnRequest
// (RequestID set) or an IdP-initiated one (RequestID "").
type pendingRequest struct {
	sp         string
	acsURL     string
	requestID  string
	relayState string
	forceAuthn bool
	isPassive  bool
	expires    time.Time
	// loggedIn is the user who logged in for this very request; it
	// satisfies ForceAuthn.
	loggedIn string
}

// Option configures New and Start.
type Option func(*options)

type options struct {
	now   func() time.Time
	rand  io.Reader
	log   *slog.Logger
	keys  []idpKey
	users []User
	sps   []ServiceProvider
}

// WithClock makes the IdP read the time from now (response times, session
// and pending-request expiry, metadata validUntil).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRand makes the IdP read IDs, session tokens and request keys from r.
// A deterministic r gives deterministic responses; tokens are then
// predictable, which is fine for a mock.
func WithRand(r io.Reader) Option { return func(o *options) { o.rand = r } }

// WithLogger sets the logger (default slog.Default(); Start logs to t.Log).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithKeys adds signing keys given in Go, after the config file's keys.
// They are published in the metadata.
func WithKeys(keys ...response.Key) Option {
	return func(o *options) {
		for _, k := range keys {
			o.keys = append(o.keys, idpKey{Key: k, published: true})
		}
	}
}

// WithUnpublishedKeys adds signing keys that the metadata does not list:
// SignedBy(name) with one of them is a signature by a key the SP was never
// told about.
func WithUnpublishedKeys(keys ...response.Key) Option {
	return func(o *options) {
		for _, k := range keys {
			o.keys = append(o.keys, idpKey{Key: k, published: false})
		}
	}
}

// WithUser adds users to the directory (after the config's).
func WithUser(users ...User) Option {
	return func(o *options) { o.users = append(o.users, users...) }
}

// WithServiceProvider adds service providers (after the config's).
func WithServiceProvider(sps ...ServiceProvider) Option {
	return func(o *options) { o.sps = append(o.sps, sps...) }
}

// New returns an IdP for cfg. Users, service providers and keys given as
// options are added to the config's, and everything is validated together.
func New(cfg Config, opts ...Option) (*IdP, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	for _, k := range o.keys {
		if k.Signer == nil || k.Certificate == nil {
			return nil, fmt.Errorf("mockidp: key %q from WithKeys has no Signer or no Certificate", k.Name)
		}
	}
	cfg.Users = append(slices.Clone(cfg.Users), o.users...)
	cfg.ServiceProviders = append(slices.Clone(cfg.ServiceProviders), o.sps...)
	l, err := cfg.load(o.keys)
	if err != nil {
		return nil, err
	}
	idp := &IdP{
		log:        o.log,
		now:        o.now,
		rand:       o.rand,
		baseURL:    l.baseURL,
		entityID:   l.entityID,
		cookieName: l.cookieName,
		secure:     l.secure,
		keys:       l.keys,
		current:    l.signingKey,
		users:      map[string]User{},
		sps:        map[string]*spState{},
		sessions:   map[string]session{},
		pending:    map[string]*pendingRequest{},
		closed:     make(chan struct{}),
	}
	if idp.log == nil {
		idp.log = slog.Default()
	}
	if idp.now == nil {
		idp.now = time.Now
	}
	if idp.rand == nil {
		idp.rand = rand.Reader
	}
	idp.rand = &lockedReader{r: idp.rand}
	if u, err := url.Parse(l.baseURL); err == nil {
		idp.prefix = strings.TrimRight(u.Path, "/")
	}
	for _, u := range l.users {
		idp.addUserLocked(u)
	}
	for _, sp := range l.sps {
		idp.addSPLocked(sp)
	}
	idp.routes()
	return idp, nil
}

type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// EntityID is the IdP's entity ID (the Issuer of its responses).
func (idp *IdP) EntityID() string { return idp.entityID }

// BaseURL is the IdP's external URL without a trailing slash.
func (idp *IdP) BaseURL() string { return idp.baseURL }

// MetadataURL is where GET returns the IdP's metadata.
func (idp *IdP) MetadataURL() string { return idp.baseURL + "/metadata" }

// SSOURL is the single sign-on endpoint (HTTP-Redirect and HTTP-POST).
func (idp *IdP) SSOURL() string { return idp.baseURL + "/sso" }

// InitiateURL returns the URL that starts IdP-initiated sign-on to sp; acs
// and relayState are optional.
func (idp *IdP) InitiateURL(sp, acs, relayState string) string {
	q := url.Values{"sp": {sp}}
	if acs != "" {
		q.Set("acs", acs)
	}
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	return idp.baseURL + "/initiate?" + q.Encode()
}

func (idp *IdP) addUserLocked(u User) {
	if u.NameID == "" {
		u.NameID = u.Username
	}
	if _, ok := idp.users[u.Username]; !ok {
		idp.userList = append(idp.userList, u.Username)
	}
	idp.users[u.Username] = u
}

func (idp *IdP) addSPLocked(sp ServiceProvider) {
	sp.ACSURLs = slices.Clone(sp.ACSURLs)
	sp.Response = sp.Response.Clone()
	idp.sps[sp.EntityID] = &spState{cfg: sp, arrived: make(chan struct{})}
	idp.spList = append(idp.spList, sp.EntityID)
}

func (idp *IdP) keyNamesLocked() map[string]string {
	names := make(map[string]string, len(idp.keys))
	for _, k := range idp.keys {
		names[k.Name] = k.Name
	}
	return names
}

// AddUser adds u to the directory. It fails with ErrAlreadyExists if the
// username is taken and with ErrInvalid if u is incomplete.
func (idp *IdP) AddUser(u User) error {
	var p problems
	validateUser(&p, "user", u)
	if err := problemsError(p); err != nil {
		return err
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	if _, ok := idp.users[u.Username]; ok {
		return fmt.Errorf("mockidp: user %q %w", u.Username, ErrAlreadyExists)
	}
	idp.addUserLocked(u)
	idp.log.Info("user added", "username", u.Username)
	return nil
}

// AddServiceProvider registers sp. It fails with ErrAlreadyExists if the
// entity ID is taken and with ErrInvalid if sp is incomplete.
func (idp *IdP) AddServiceProvider(sp ServiceProvider) error {
	var p problems
	sp = Config{}.loadEncryptionCertificate(&p, "serviceProvider", sp)
	idp.mu.Lock()
	defer idp.mu.Unlock()
	validateSP(&p, "serviceProvider", sp, idp.keyNamesLocked())
	if err := problemsError(p); err != nil {
		return err
	}
	if _, ok := idp.sps[sp.EntityID]; ok {
		return fmt.Errorf("mockidp: service provider %q %w", sp.EntityID, ErrAlreadyExists)
	}
	idp.addSPLocked(sp)
	idp.log.Info("service provider added", "sp", sp.EntityID)
	return nil
}

func problemsError(p problems) error {
	if len(p.list) == 0 {
		return nil
	}
	msgs := make([]string, len(p.list))
	for i, pr := range p.list {
		msgs[i] = pr.Field + ": " + pr.Message
	}
	return fmt.Errorf("mockidp: %w: %s", ErrInvalid, strings.Join(msgs, "; "))
}

func (idp *IdP) spLocked(entityID string) (*spState, error) {
	st, ok := idp.sps[entityID]
	if !ok {
		known := "none are registered"
		if len(idp.spList) > 0 {
			known = strings.Join(idp.spList, ", ")
		}
		return nil, fmt.Errorf("mockidp: %w %q; known: %s", ErrUnknownServiceProvider, entityID, known)
	}
	return st, nil
}

// SetEncryptionCertificate makes cert the encryption certificate of the
// service provider spEntityID: responses whose spec says Encrypt (and no
// EncryptTo) encrypt their assertion to it. A nil cert removes it. It fails
// with ErrUnknownServiceProvider, or ErrInvalid when cert is not RSA.
func (idp *IdP) SetEncryptionCertificate(spEntityID string, cert *x509.Certificate) error {
	if err := checkEncryptionCertificate(cert); err != nil {
		return fmt.Errorf("mockidp: %w: %v", ErrInvalid, err)
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	st, err := idp.spLocked(spEntityID)
	if err != nil {
		return err
	}
	st.cfg.EncryptionCertificate = cert
	st.cfg.EncryptionCertificateFile = ""
	idp.log.Info("encryption certificate set", "sp", spEntityID, "certificate", certSubject(cert))
	return nil
}

func certSubject(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	return cert.Subject.String()
}

// Arm queues spec for the next response to spEntityID only. Armed specs are
// used first in, first out, one per response; when the queue is empty the
// SP's default spec applies again.
func (idp *IdP) Arm(spEntityID string, spec response.Spec) error {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	st, err := idp.spLocked(spEntityID)
	if err != nil {
		return err
	}
	if err := idp.checkSpecLocked(spec); err != nil {
		return err
	}
	st.armed = append(st.armed, spec.Clone())
	idp.log.Info("response armed", "sp", spEntityID, "queued", len(st.armed))
	return nil
}

// ArmNext queues the SP's default spec with opts applied, for the next
// response to spEntityID only (see Arm).
func (idp *IdP) ArmNext(spEntityID string, opts ...response.Option) error {
	idp.mu.Lock()
	st, err := idp.spLocked(spEntityID)
	if err != nil {
		idp.mu.Unlock()
		return err
	}
	spec := st.cfg.Response.Clone()
	idp.mu.Unlock()
	response.Apply(&spec, opts...)
	return idp.Arm(spEntityID, spec)
}

// defaultSpec returns a copy of the SP's default spec.
func (idp *IdP) defaultSpec(spEntityID string) (response.Spec, error) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	st, err := idp.spLocked(spEntityID)
	if err != nil {
		return response.Spec{}, err
	}
	return st.cfg.Response.Clone(), nil
}

func (idp *IdP) checkSpecLocked(spec response.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("mockidp: %w", err)
	}
	if spec.SigningKey != "" {
		if _, ok := idp.keyNamesLocked()[spec.SigningKey]; !ok {
			return fmt.Errorf("mockidp: %w %q in the response spec; the IdP has %s", ErrUnknownKey, spec.SigningKey, nameList(idp.keyNamesLocked()))
		}
	}
	if spec.EncryptTo != "" {
		if _, ok := idp.keyNamesLocked()[spec.EncryptTo]; !ok {
			return fmt.Errorf("mockidp: %w %q in the response spec's encryptTo; the IdP has %s", ErrUnknownKey, spec.EncryptTo, nameList(idp.keyNamesLocked()))
		}
	}
	return nil
}

// nextSpec pops the SP's next armed spec, or returns its default.
func (idp *IdP) nextSpecLocked(st *spState) (spec response.Spec, armed bool) {
	if len(st.armed) > 0 {
		spec = st.armed[0]
		st.armed = st.armed[1:]
		return spec, true
	}
	return st.cfg.Response.Clone(), false
}

// TakeRequest returns the oldest AuthnRequest from spEntityID that no
// TakeRequest has returned yet, waiting for one to arrive if there is none.
// It returns ctx.Err() when ctx ends first. Requests the IdP refused (for
// example an unregistered ACS URL) are returned too, with Rejected set.
func (idp *IdP) TakeRequest(ctx context.Context, spEntityID string) (ReceivedRequest, error) {
	for {
		idp.mu.Lock()
		st, err := idp.spLocked(spEntityID)
		if err != nil {
			idp.mu.Unlock()
			return ReceivedRequest{}, err
		}
		if len(st.received) > 0 {
			r := st.received[0]
			st.received = st.received[1:]
			idp.mu.Unlock()
			return r, nil
		}
		arrived := st.arrived
		idp.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return ReceivedRequest{}, ctx.Err()
		case <-idp.closed:
			return ReceivedRequest{}, fmt.Errorf("mockidp: TakeRequest: %w", ErrClosed)
		}
	}
}

func (idp *IdP) recordLocked(st *spState, r ReceivedRequest) {
	if len(st.received) >= maxReceived {
		idp.log.Warn("dropping the oldest untaken AuthnRequest", "sp", st.cfg.EntityID, "id", st.received[0].ID)
		st.received = st.received[1:]
	}
	st.received = append(st.received, r)
	close(st.arrived)
	st.arrived = make(chan struct{})
}

// Close makes pending and future TakeRequest calls return ErrClosed, so
// that long polls of the control API end; call it before shutting down the
// HTTP server that serves the IdP. The IdP keeps serving everything else.
func (idp *IdP) Close() {
	idp.closeOnce.Do(func() { close(idp.closed) })
}

// RotateSigningKey makes the key called name the current signing key.
func (idp *IdP) RotateSigningKey(name string) error {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	names := idp.keyNamesLocked()
	if _, ok := names[name]; !ok {
		return fmt.Errorf("mockidp: %w %q; the IdP has %s", ErrUnknownKey, name, nameList(names))
	}
	old := idp.current
	idp.current = name
	idp.log.Info("signing key rotated", "from", old, "to", name)
	return nil
}

// State is a snapshot of the IdP's mutable state, as GET /control/state
// returns it.
type State struct {
	EntityID         string    `json:"entityID"`
	SigningKey       string    `json:"signingKey"`
	Keys             []KeyInfo `json:"keys"`
	ServiceProviders []SPState `json:"serviceProviders"`
	Users            []string  `json:"users"`
	Sessions         int       `json:"sessions"`
}

// KeyInfo describes one of the IdP's keys.
type KeyInfo struct {
	Name      string `json:"name"`
	Published bool   `json:"published"`
}

// SPState is one service provider's queue lengths and default spec.
type SPState struct {
	EntityID        string        `json:"entityID"`
	ACSURLs         []string      `json:"acsURLs"`
	Queued          int           `json:"queued"`          // armed responses not yet sent
	Received        int           `json:"received"`        // AuthnRequests not yet taken
	DefaultResponse response.Spec `json:"defaultResponse"` // used when nothing is armed
	// EncryptionCertificate is the subject of the SP's encryption
	// certificate; "" when it has none.
	EncryptionCertificate string `json:"encryptionCertificate,omitempty"`
}

// State returns a snapshot of the IdP's state.
func (idp *IdP) State() State {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	s := State{EntityID: idp.entityID, SigningKey: idp.current, Users: slices.Clone(idp.userList), Keys: []KeyInfo{}, ServiceProviders: []SPState{}}
	for _, k := range idp.keys {
		s.Keys = append(s.Keys, KeyInfo{Name: k.Name, Published: k.published})
	}
	for _, id := range idp.spList {
		st := idp.sps[id]
		s.ServiceProviders = append(s.ServiceProviders, SPState{
			EntityID: id, ACSURLs: slices.Clone(st.cfg.ACSURLs), Queued: len(st.armed), Received: len(st.received),
			DefaultResponse: st.cfg.Response.Clone(), EncryptionCertificate: certSubject(st.cfg.EncryptionCertificate),
		})
	}
	now := idp.now()
	for _, ss := range idp.sessions {
		if now.Before(ss.expires) {
			s.Sessions++
		}
	}
	return s
}

// Metadata returns the IdP's metadata: an IDPSSODescriptor with a signing
// KeyDescriptor for every published key (in configuration order, whichever
// is current), SingleSignOnService endpoints for HTTP-Redirect and
// HTTP-POST, and the NameID formats in use.
func (idp *IdP) Metadata() *saml.EntityDescriptor {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	var kds []saml.KeyDescriptor
	for _, k := range idp.keys {
		if !k.published {
			continue
		}
		kds = append(kds, saml.KeyDescriptor{
			Use: "signing",
			KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{
				{Data: base64.StdEncoding.EncodeToString(k.Certificate.Raw)},
			}}},
		})
	}
	formats := []string{response.NameIDFormatEmailAddress, response.NameIDFormatUnspecified}
	addFormat := func(f string) {
		if f != "" && !slices.Contains(formats, f) {
			formats = append(formats, f)
		}
	}
	for _, id := range idp.spList {
		addFormat(idp.sps[id].cfg.NameIDFormat)
		addFormat(idp.sps[id].cfg.Response.NameIDFormat)
	}
	for _, u := range idp.userList {
		addFormat(idp.users[u].NameIDFormat)
	}
	nameIDFormats := make([]saml.NameIDFormat, len(formats))
	for i, f := range formats {
		nameIDFormats[i] = saml.NameIDFormat(f)
	}
	sso := idp.baseURL + "/sso"
	return &saml.EntityDescriptor{
		EntityID:   idp.entityID,
		ValidUntil: idp.now().UTC().Add(48 * time.Hour).Truncate(time.Second),
		IDPSSODescriptors: []saml.IDPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{
				RoleDescriptor: saml.RoleDescriptor{
					ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
					KeyDescriptors:             kds,
				},
				NameIDFormats: nameIDFormats,
			},
			SingleSignOnServices: []saml.Endpoint{
				{Binding: saml.HTTPRedirectBinding, Location: sso},
				{Binding: saml.HTTPPostBinding, Location: sso},
			},
		}},
	}
}

// issue builds the response for a pending request and the user, and
// returns the spec it followed.
func (idp *IdP) issue(p pendingRequest, username string, override *response.Spec) (response.Result, response.Spec, error) {
	idp.mu.Lock()
	st, err := idp.spLocked(p.sp)
	if err != nil {
		idp.mu.Unlock()
		return response.Result{}, response.Spec{}, err
	}
	u, ok := idp.users[username]
	if !ok {
		idp.mu.Unlock()
		return response.Result{}, response.Spec{}, fmt.Errorf("mockidp: user %q is not in the directory", username)
	}
	var spec response.Spec
	var armed bool
	if override != nil {
		spec = *override
	} else {
		spec, armed = idp.nextSpecLocked(st)
	}
	keys := make([]response.Key, len(idp.keys))
	for i, k := range idp.keys {
		keys[i] = k.Key
	}
	current := idp.current
	sp := st.cfg
	idp.mu.Unlock()

	subject := response.Subject{NameID: u.NameID, NameIDFormat: sp.NameIDFormat}
	if subject.NameIDFormat == "" {
		subject.NameIDFormat = u.NameIDFormat
	}
	names := make([]string, 0, len(u.Attributes))
	for n := range u.Attributes {
		names = append(names, n)
	}
	slices.Sort(names)
	nameFormat := sp.AttributeNameFormat
	if nameFormat == "" {
		nameFormat = DefaultAttributeNameFormat
	}
	for _, n := range names {
		subject.Attributes = append(subject.Attributes, response.Attribute{Name: n, NameFormat: nameFormat, Values: u.Attributes[n]})
	}
	res, err := response.BuildResult(response.Input{
		Spec:        spec,
		IdPEntityID: idp.entityID,
		SPEntityID:  sp.EntityID,
		ACSURL:      p.acsURL,
		RequestID:   p.requestID,
		Subject:     subject,
		Keys:        keys,
		SigningKey:  current,
		Now:         idp.now(),
		Rand:        idp.rand,

		SPEncryptionCertificate: sp.EncryptionCertificate,
	})
	if err != nil {
		idp.log.Error("building the response failed", "sp", sp.EntityID, "user", username, "armed", armed, "err", err)
		return response.Result{}, spec, err
	}
	idp.log.Info("response issued", "sp", sp.EntityID, "user", username, "inResponseTo", p.requestID,
		"responseID", res.ResponseID, "assertionID", res.AssertionID, "key", res.SignedWith,
		"sign", or(spec.Sign, response.DefaultSign), "alg", or(spec.SignatureAlgorithm, response.DefaultSignatureAlgorithm),
		"status", or(spec.StatusCode, response.DefaultStatusCode), "encryptedTo", res.EncryptedTo,
		"dropRelayState", spec.DropRelayState, "armed", armed)
	return res, spec, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// token returns 32 random bytes, base64url.
func (idp *IdP) token() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(idp.rand, b[:]); err != nil {
		return "", fmt.Errorf("mockidp: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
