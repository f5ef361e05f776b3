// Package signon runs a group's SAML sign-on from start to session: it issues
// AuthnRequests (HTTP-Redirect or HTTP-POST) and keeps them server-side with
// the target they lead to, consumes Responses at the ACS (validation by
// sp/acs, then InResponseTo, replay, user lookup), creates sessions, and
// records every attempt in the access log.
//
// It is transport-neutral: the HTTP handlers in package sp parse requests
// and render what this package returns.
package signon

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/localpath"
	"github.com/ssoharness/ssoharness/sp/spkeys"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Defaults.
const (
	DefaultRequestTTL = 15 * time.Minute
	DefaultSessionTTL = 8 * time.Hour
	// DefaultLanding is where a sign-on lands when nothing else says where.
	DefaultLanding = "/agentjoin/AgentJoin.aspx"
	// ACSPath is the Assertion Consumer Service path (Glance's).
	ACSPath = "/account/GetLoginKey.aspx"
	// MaxRelayState is the SAML bindings' bound on RelayState.
	MaxRelayState = 80
)

// Refusal reasons the sign-on adds to acs.Reason.
const (
	ReasonOK             = "ok"
	ReasonSSOOff         = "sso_off"
	ReasonUnknownRequest = "unknown_request"
	ReasonUnsolicited    = "unsolicited"
	ReasonReplay         = "replay"
	ReasonUnknownUser    = "unknown_user"
	ReasonAmbiguousUser  = "ambiguous_user"
	ReasonDisabledUser   = "disabled_user"
	ReasonNotConfigured  = "not_configured"
	ReasonStore          = "store_error"
)

// Service is a group-aware SAML service provider. The zero value is not
// usable: set Store and BaseURL.
type Service struct {
	Store   store.Store
	BaseURL string // external URL of the SP, e.g. http://sp.localhost:8081
	Now     func() time.Time
	Rand    io.Reader
	Logger  *slog.Logger
	// RequestTTL is how long an AuthnRequest stays answerable.
	RequestTTL time.Duration
	SessionTTL time.Duration
	// Keys holds the SP's own key pairs per group (decryption, metadata).
	Keys *spkeys.Manager

	keysMu sync.Mutex
	keys   map[string][]acs.TrustedKey // by certificate set
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand(), b); err != nil {
		return "", fmt.Errorf("signon: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ACSURL is the group's Assertion Consumer Service URL as metadata
// publishes it and IdP-initiated responses reach it: with the group id on
// the query in the query style, bare in the relaystate style.
func (s *Service) ACSURL(g store.Group) string {
	base := strings.TrimSuffix(s.BaseURL, "/") + ACSPath
	if g.SSO.ACSParameterStyle == store.ACSStyleRelayState {
		return base
	}
	return base + "?sso=1&idpid=" + strconv.FormatInt(g.ID, 10)
}

// ACSURLFor is the ACS URL an AuthnRequest for target names, and so the
// Destination and Recipient of its answer: in the query style the target
// rides on it (redirect=), in the relaystate style it stays behind the
// RelayState handle.
func (s *Service) ACSURLFor(g store.Group, target string) string {
	if g.SSO.ACSParameterStyle == store.ACSStyleRelayState || target == "" {
		return s.ACSURL(g)
	}
	return s.ACSURL(g) + "&redirect=" + url.QueryEscape(target)
}

// ErrNoGroup means an ACS request names no group: no idpid and no RelayState
// handle or group selector.
var ErrNoGroup = errors.New("the request names no group: a query-style ACS URL carries idpid; a relaystate-style one needs the RelayState this SP issued, or idpid=<Group ID> as RelayState for IdP-initiated sign-on")

// ACSGroupID tells which group a POST to the ACS is for: idpid on the URL
// (query style), else the group of the outstanding request whose RelayState
// handle came back, else a RelayState of the form idpid=<Group ID> (how an
// IdP is configured for IdP-initiated sign-on to a relaystate-style group).
func (s *Service) ACSGroupID(ctx context.Context, query url.Values, relayState string) (int64, error) {
	if v := query.Get("idpid"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("idpid %q is not a group number: %w", v, store.ErrNotFound)
		}
		return id, nil
	}
	if relayState != "" && len(relayState) <= MaxRelayState {
		if r, err := s.Store.GetPendingRequestByRelayState(ctx, relayState, s.now()); err == nil {
			return r.GroupID, nil
		}
		if v, ok := strings.CutPrefix(relayState, "idpid="); ok {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				return id, nil
			}
		}
	}
	return 0, ErrNoGroup
}

// MetadataURL is where the group's SP metadata is served.
func (s *Service) MetadataURL(g store.Group) string {
	return strings.TrimSuffix(s.BaseURL, "/") + "/saml/metadata?idpid=" + strconv.FormatInt(g.ID, 10)
}

// serviceProvider is crewjam's SP value for one group: it builds requests and
// metadata; validation is ours (sp/acs).
func (s *Service) serviceProvider(g store.Group, target string) (*saml.ServiceProvider, error) {
	acsURL, err := url.Parse(s.ACSURLFor(g, target))
	if err != nil {
		return nil, err
	}
	mdURL, err := url.Parse(s.MetadataURL(g))
	if err != nil {
		return nil, err
	}
	binding := saml.HTTPRedirectBinding
	if g.SSO.IdPBinding == store.BindingPOST {
		binding = saml.HTTPPostBinding
	}
	var requested *saml.RequestedAuthnContext
	if g.SSO.AuthnContextClassRef != "" {
		requested = &saml.RequestedAuthnContext{Comparison: orDefault(g.SSO.AuthnContextComparison, "exact"), AuthnContextClassRef: g.SSO.AuthnContextClassRef}
	}
	return &saml.ServiceProvider{
		RequestedAuthnContext: requested,
		EntityID:              g.SSO.EntityID,
		AcsURL:                *acsURL,
		MetadataURL:           *mdURL,
		AuthnNameIDFormat:     NameIDFormat(g.SSO.NameIDPolicy),
		IDPMetadata: &saml.EntityDescriptor{
			EntityID: g.SSO.IdPEntityID,
			IDPSSODescriptors: []saml.IDPSSODescriptor{{
				SingleSignOnServices: []saml.Endpoint{{Binding: binding, Location: g.SSO.IdPSSOURL}},
			}},
		},
	}, nil
}

// NameIDFormat is the URN for a NameID policy.
func NameIDFormat(p store.NameIDPolicy) saml.NameIDFormat {
	switch p {
	case store.NameIDUnspecified:
		return saml.UnspecifiedNameIDFormat
	case store.NameIDPersistent:
		return saml.PersistentNameIDFormat
	case store.NameIDTransient:
		return saml.TransientNameIDFormat
	default:
		return saml.EmailAddressNameIDFormat
	}
}

// Metadata is the group's SP metadata: its ACS, and every SP key of the
// group (current and next) as an encryption key, so an IdP can encrypt
// assertions and follow a rotation.
func (s *Service) Metadata(ctx context.Context, g store.Group) (*saml.EntityDescriptor, error) {
	sp, err := s.serviceProvider(g, "")
	if err != nil {
		return nil, err
	}
	keys, err := s.Keys.Keys(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	md := sp.Metadata()
	validUntil := s.now().Add(48 * time.Hour).UTC()
	md.ValidUntil = validUntil
	for i := range md.SPSSODescriptors {
		d := &md.SPSSODescriptors[i]
		d.ValidUntil = &validUntil
		// Responses only come back by POST to the group's ACS.
		d.AssertionConsumerServices = []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: s.ACSURL(g), Index: 1}}
		d.SingleLogoutServices = nil
		d.ArtifactResolutionServices = nil
		d.KeyDescriptors = nil
		for _, k := range keys {
			d.KeyDescriptors = append(d.KeyDescriptors, saml.KeyDescriptor{
				Use: "encryption",
				KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{
					{Data: base64.StdEncoding.EncodeToString(k.Certificate.Raw)},
				}}},
				EncryptionMethods: []saml.EncryptionMethod{
					{Algorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm"},
					{Algorithm: "http://www.w3.org/2009/xmlenc11#aes128-gcm"},
					{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes256-cbc"},
					{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes128-cbc"},
					{Algorithm: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"},
				},
			})
		}
	}
	return md, nil
}

// Start is how to send the browser to the IdP: either RedirectURL (HTTP-Redirect)
// or PostForm, an HTML page that auto-submits (HTTP-POST).
type Start struct {
	RequestID  string
	RelayState string
	// ACSURL is the ACS URL the request names: the answer's Destination.
	ACSURL      string
	RedirectURL string
	PostForm    []byte
}

// Begin issues an AuthnRequest for the group and remembers it, with the
// target (a path on this SP) to land on once the IdP answers.
func (s *Service) Begin(ctx context.Context, g store.Group, target string) (Start, error) {
	if g.SSO.Method == store.MethodOff || g.SSO.Method == "" {
		return Start{}, fmt.Errorf("signon: single sign-on is off for group %d", g.ID)
	}
	if g.SSO.IdPSSOURL == "" {
		return Start{}, fmt.Errorf("signon: group %d has no IdP endpoint URL", g.ID)
	}
	if localpath.Check(target) != nil {
		target = DefaultLanding
	}
	sp, err := s.serviceProvider(g, target)
	if err != nil {
		return Start{}, err
	}
	binding := saml.HTTPRedirectBinding
	if g.SSO.IdPBinding == store.BindingPOST {
		binding = saml.HTTPPostBinding
	}
	req, err := sp.MakeAuthenticationRequest(g.SSO.IdPSSOURL, binding, saml.HTTPPostBinding)
	if err != nil {
		return Start{}, fmt.Errorf("signon: AuthnRequest: %w", err)
	}
	// crewjam leaves the Format out for "unspecified"; the setting means an
	// explicit Unspecified policy, which some IdPs require.
	if req.NameIDPolicy != nil {
		format := string(NameIDFormat(g.SSO.NameIDPolicy))
		req.NameIDPolicy.Format = &format
	}
	// Our clock and randomness, not crewjam's globals.
	id, err := s.randomString(20)
	if err != nil {
		return Start{}, err
	}
	req.ID = "_" + id
	req.IssueInstant = s.now().UTC()
	handle, err := s.randomString(16) // 22 characters, well under MaxRelayState
	if err != nil {
		return Start{}, err
	}
	now := s.now()
	ttl := s.RequestTTL
	if ttl <= 0 {
		ttl = DefaultRequestTTL
	}
	if err := s.Store.CreatePendingRequest(ctx, store.PendingRequest{
		ID: req.ID, GroupID: g.ID, RelayState: handle, Target: target,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}); err != nil {
		return Start{}, fmt.Errorf("signon: remember request: %w", err)
	}
	start := Start{RequestID: req.ID, RelayState: handle, ACSURL: s.ACSURLFor(g, target)}
	if binding == saml.HTTPPostBinding {
		start.PostForm = req.Post(handle)
		return start, nil
	}
	u, err := req.Redirect(handle, sp)
	if err != nil {
		return Start{}, fmt.Errorf("signon: redirect binding: %w", err)
	}
	start.RedirectURL = u.String()
	return start, nil
}

// Outcome is the result of consuming a Response: a session to set and a
// target to land on, or a refusal to show.
type Outcome struct {
	// On success: the GSSNID cookie value (a secret: never log it).
	SessionToken   string
	SessionExpires time.Time
	Target         string
	User           store.User

	// On refusal.
	Refused       bool
	Reason        string
	Message       string // short, for the browser
	CorrelationID string
}

// Consume validates a SAMLResponse posted to the group's plain ACS URL.
func (s *Service) Consume(ctx context.Context, g store.Group, samlResponse, relayState string) Outcome {
	return s.ConsumeAt(ctx, g, samlResponse, relayState, s.ACSURL(g))
}

// ConsumeAt validates a SAMLResponse posted to the group's ACS, reached at
// receivedACS (the SP's base URL and the request URI). It never returns an
// error for a bad response: it returns a refusal, already logged.
func (s *Service) ConsumeAt(ctx context.Context, g store.Group, samlResponse, relayState, receivedACS string) Outcome {
	now := s.now()
	corr, err := s.randomString(6)
	if err != nil {
		corr = "unavailable"
	}
	entry := store.AccessLogEntry{Time: now, GroupID: g.ID, CorrelationID: corr}
	provisioning := g.SSO.Status != store.StatusProduction

	refuse := func(reason, message, detail string) Outcome {
		return s.refuse(ctx, &entry, provisioning, reason, message, detail)
	}

	if g.SSO.Method == store.MethodOff || g.SSO.Method == "" {
		return refuse(ReasonSSOOff, "Single sign-on is turned off for this account.", "SSO method is off")
	}
	// The ACS URL must be one the group's style produces; it is then the
	// Destination and Recipient the response must name.
	redirect := ""
	if u, err := url.Parse(receivedACS); err == nil {
		redirect = u.Query().Get("redirect")
	}
	if receivedACS != s.ACSURLFor(g, redirect) {
		return refuse(string(acs.ReasonDestination), refusalMessage(acs.ReasonDestination),
			fmt.Sprintf("reached at %q, which the group's %s ACS parameter style does not produce", receivedACS, orDefault(string(g.SSO.ACSParameterStyle), string(store.ACSStyleQuery))))
	}
	keys, err := s.trustedKeys(g.SSO.IdPCertificates)
	if err != nil {
		return refuse(ReasonNotConfigured, "Single sign-on is not configured correctly for this account.", err.Error())
	}
	spKeys, err := s.Keys.Keys(ctx, g.ID)
	if err != nil {
		return refuse(ReasonStore, "The service could not complete sign-on. Please try again.", err.Error())
	}
	decryptionKeys := make([]*rsa.PrivateKey, 0, len(spKeys))
	for _, k := range spKeys {
		decryptionKeys = append(decryptionKeys, k.PrivateKey)
	}
	policy := acs.Policy{
		DecryptionKeys:    decryptionKeys,
		RequireEncryption: g.SSO.Method == store.MethodSAML2Encrypted,
		AllowPKCS1v15:     g.SSO.AllowPKCS1v15,
		IdPEntityID:       g.SSO.IdPEntityID,
		Keys:              keys,
		SPEntityID:        g.SSO.EntityID,
		ACSURL:            receivedACS,
		AuthnContext:      acs.AuthnContextRequirement{ClassRef: g.SSO.AuthnContextClassRef, Comparison: g.SSO.AuthnContextComparison},
		ClockSkew:         time.Duration(g.SSO.ClockSkewSeconds) * time.Second,
		MaxResponseBytes:  g.SSO.MaxResponseBytes,
		AllowSHA1:         g.SSO.AllowSHA1,
	}
	res, err := acs.Validate(samlResponse, policy, now)
	if err != nil {
		entry.Issuer, entry.NameID = acs.Peek(samlResponse, policy.MaxResponseBytes)
		reason := acs.ReasonOf(err)
		return refuse(string(reason), refusalMessage(reason), err.Error())
	}
	entry.Issuer, entry.NameID = res.Issuer, res.NameID
	entry.NameIDFormat, entry.SignatureAlgorithm, entry.VerifiedBy = res.NameIDFormat, res.SignatureAlgorithm, res.VerifiedBy
	entry.Attributes = res.Attributes

	// Replay: an assertion is accepted once.
	if err := s.Store.RememberAssertion(ctx, g.ID, res.AssertionID, res.AssertionExpires, now); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return refuse(ReasonReplay, "This sign-on has already been used. Please start again.",
				fmt.Sprintf("assertion %q was already consumed", res.AssertionID))
		}
		return refuse(ReasonStore, "The service could not complete sign-on. Please try again.", err.Error())
	}

	// InResponseTo: an outstanding request of this group, used once.
	target := ""
	if res.InResponseTo != "" {
		pending, err := s.Store.TakePendingRequest(ctx, g.ID, res.InResponseTo, now)
		if errors.Is(err, store.ErrNotFound) {
			return refuse(ReasonUnknownRequest, "This sign-on answers no request this service made, or the request has expired. Please start again.",
				fmt.Sprintf("InResponseTo %q names no outstanding request of group %d (unknown, already answered, for another group, or older than %s)", res.InResponseTo, g.ID, s.requestTTL()))
		}
		if err != nil {
			return refuse(ReasonStore, "The service could not complete sign-on. Please try again.", err.Error())
		}
		target = pending.Target
		if redirect != "" && redirect != target {
			return refuse(string(acs.ReasonDestination), refusalMessage(acs.ReasonDestination),
				fmt.Sprintf("the ACS URL's redirect %q is not the target %q of request %q", redirect, target, res.InResponseTo))
		}
	} else {
		if !g.SSO.AllowIdPInitiated {
			return refuse(ReasonUnsolicited, "This account does not accept sign-on started at the identity provider.",
				"unsolicited Response (no InResponseTo) and the group does not allow IdP-initiated sign-on")
		}
		target = g.SSO.IdPInitiatedRedirect
	}
	if localpath.Check(target) != nil {
		target = DefaultLanding
	}

	user, reason, detail := s.findUser(ctx, g, res)
	if reason != "" {
		return refuse(reason, userRefusalMessage(reason), detail)
	}
	entry.GlanceAddress = user.GlanceAddress

	token, err := s.randomString(32)
	if err != nil {
		return refuse(ReasonStore, "The service could not complete sign-on. Please try again.", err.Error())
	}
	ttl := s.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	sess := store.Session{ID: SessionID(token), GroupID: g.ID, GlanceAddress: user.GlanceAddress, NameID: res.NameID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return refuse(ReasonStore, "The service could not complete sign-on. Please try again.", err.Error())
	}
	entry.Outcome, entry.Reason = store.OutcomeSuccess, ReasonOK
	entry.Detail = "signed in as " + user.GlanceAddress
	if provisioning {
		entry.Detail += " (verified by " + res.VerifiedBy + ")"
		if res.ContentEncryption != "" {
			entry.Detail += fmt.Sprintf("; assertion decrypted (%s, %s)", res.ContentEncryption, res.KeyTransport)
		}
	}
	s.appendLog(ctx, &entry, provisioning)
	s.logger().Info("sign-on", "group", g.ID, "user", user.GlanceAddress, "verified_by", res.VerifiedBy)
	return Outcome{SessionToken: token, SessionExpires: sess.ExpiresAt, Target: target, User: user, CorrelationID: corr}
}

// Reject records a refusal decided before a response could be read (an
// unreadable or oversized form) and returns it.
func (s *Service) Reject(ctx context.Context, g store.Group, reason, message, detail string) Outcome {
	corr, err := s.randomString(6)
	if err != nil {
		corr = "unavailable"
	}
	entry := store.AccessLogEntry{Time: s.now(), GroupID: g.ID, CorrelationID: corr}
	return s.refuse(ctx, &entry, g.SSO.Status != store.StatusProduction, reason, message, detail)
}

func (s *Service) refuse(ctx context.Context, entry *store.AccessLogEntry, provisioning bool, reason, message, detail string) Outcome {
	entry.Outcome, entry.Reason, entry.Detail = store.OutcomeRefused, reason, detail
	s.appendLog(ctx, entry, provisioning)
	s.logger().Info("sign-on refused", "group", entry.GroupID, "reason", reason, "correlation", entry.CorrelationID, "detail", detail)
	return Outcome{Refused: true, Reason: reason, Message: message, CorrelationID: entry.CorrelationID}
}

func (s *Service) requestTTL() time.Duration {
	if s.RequestTTL > 0 {
		return s.RequestTTL
	}
	return DefaultRequestTTL
}

// findUser matches the NameID and the identity attribute's values against
// each user's Email, Partner User ID and Glance Address.
func (s *Service) findUser(ctx context.Context, g store.Group, res *acs.Result) (store.User, string, string) {
	values := []string{res.NameID}
	if g.SSO.IdentityAttribute != "" {
		values = append(values, res.Attributes[g.SSO.IdentityAttribute]...)
	}
	found := map[string]store.User{}
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		users, err := s.Store.FindUsers(ctx, g.ID, v)
		if err != nil {
			return store.User{}, ReasonStore, err.Error()
		}
		for _, u := range users {
			found[strings.ToLower(u.GlanceAddress)] = u
		}
	}
	switch len(found) {
	case 0:
		return store.User{}, ReasonUnknownUser, fmt.Sprintf("no user of group %d has email, Partner User ID or Glance Address equal to %q", g.ID, values)
	case 1:
	default:
		var names []string
		for _, u := range found {
			names = append(names, u.GlanceAddress)
		}
		return store.User{}, ReasonAmbiguousUser, fmt.Sprintf("%q match %d users: %s", values, len(found), strings.Join(names, ", "))
	}
	var user store.User
	for _, u := range found {
		user = u
	}
	if user.Status == store.UserDisabled {
		return store.User{}, ReasonDisabledUser, fmt.Sprintf("user %s is disabled", user.GlanceAddress)
	}
	return user, "", ""
}

// trustedKeys parses a certificate set once and reuses it.
func (s *Service) trustedKeys(pems []string) ([]acs.TrustedKey, error) {
	h := sha256.New()
	for _, p := range pems {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	cacheKey := hex.EncodeToString(h.Sum(nil))
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if k, ok := s.keys[cacheKey]; ok {
		return k, nil
	}
	keys, err := acs.NewTrustedKeys(pems)
	if err != nil {
		return nil, err
	}
	if s.keys == nil || len(s.keys) > 256 {
		s.keys = map[string][]acs.TrustedKey{}
	}
	s.keys[cacheKey] = keys
	return keys, nil
}

func (s *Service) appendLog(ctx context.Context, e *store.AccessLogEntry, provisioning bool) {
	if !provisioning {
		// Production: outcome and reason (with who and from where) only.
		e.NameIDFormat, e.SignatureAlgorithm, e.VerifiedBy, e.Attributes = "", "", "", nil
	}
	if err := s.Store.AppendAccessLog(ctx, e); err != nil {
		s.logger().Error("access log", "group", e.GroupID, "correlation", e.CorrelationID, "err", err)
	}
}

// SessionID is the stored key of a session cookie value: its SHA-256, so the
// store never holds a usable cookie.
func SessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Session returns the live session for a GSSNID cookie value.
func (s *Service) Session(ctx context.Context, token string) (store.Session, error) {
	if token == "" {
		return store.Session{}, store.ErrNotFound
	}
	return s.Store.GetSession(ctx, SessionID(token), s.now())
}

// EndSession deletes the session for a cookie value.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, SessionID(token))
}

func refusalMessage(r acs.Reason) string {
	switch r {
	case acs.ReasonExpired:
		return "The sign-on response has expired. Please sign in again."
	case acs.ReasonNotYetValid:
		return "The sign-on response is not valid yet: the identity provider's clock may be wrong."
	case acs.ReasonBadSignature, acs.ReasonUnsigned, acs.ReasonBadReference, acs.ReasonWeakAlgorithm:
		return "The sign-on response is not signed by a key this account trusts."
	case acs.ReasonAudience, acs.ReasonDestination, acs.ReasonRecipient:
		return "The sign-on response was made for another service or account."
	case acs.ReasonIdPStatus:
		return "The identity provider did not sign you in."
	case acs.ReasonNotEncrypted:
		return "This account requires encrypted sign-on responses; the identity provider sent a plain one."
	case acs.ReasonDecryption:
		return "The sign-on response is encrypted to a key this account does not hold."
	case acs.ReasonTooLarge, acs.ReasonDoctype, acs.ReasonMalformed:
		return "The sign-on response could not be read."
	default:
		return "The sign-on response was refused."
	}
}

func userRefusalMessage(reason string) string {
	switch reason {
	case ReasonUnknownUser:
		return "You signed in at your identity provider, but no user of this account matches you."
	case ReasonAmbiguousUser:
		return "You signed in at your identity provider, but several users of this account match you."
	case ReasonDisabledUser:
		return "Your user account is disabled."
	default:
		return "The service could not complete sign-on. Please try again."
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
