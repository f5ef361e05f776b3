// Package settings holds the one set of rules for a group's settings: the
// YAML config (sp/config), the JSON admin API and the admin HTML form all
// normalize and validate through it. Problems are reported per field, named
// as in the JSON form of the settings ("sso.idpSSOURL",
// "sso.idpCertificates[1]", "accountID"), each saying what to fix. A
// certificate that has expired is accepted with a warning: trust comes from
// configuration, not from validity dates.
package settings

import (
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/localpath"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Defaults and bounds.
const (
	DefaultEntityID         = "glance.net/sp/1"
	DefaultClockSkewSeconds = 180
	MaxClockSkewSeconds     = 3600
	DefaultMaxResponseBytes = 256 << 10
	MinMaxResponseBytes     = 1024
	MaxMaxResponseBytes     = 4 << 20
	MaxIdPCertificates      = 5
	// MaxAuthnContextClassRefBytes bounds the authentication context class.
	MaxAuthnContextClassRefBytes = 1024
	// MaxMetadataURLBytes bounds the IdP metadata URL.
	MaxMetadataURLBytes = 2048
)

// FieldErrors maps a field's JSON name to what is wrong with it and how to
// fix it. Its Error lists every field, sorted.
type FieldErrors struct {
	Fields map[string]string
}

// Add records a problem with field; a second problem with the same field is
// appended to the first.
func (e *FieldErrors) Add(field, format string, args ...any) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	msg := fmt.Sprintf(format, args...)
	if prev, ok := e.Fields[field]; ok {
		msg = prev + "; " + msg
	}
	e.Fields[field] = msg
}

// Empty reports whether no problem was recorded.
func (e *FieldErrors) Empty() bool { return e == nil || len(e.Fields) == 0 }

// Names returns the fields with problems, sorted.
func (e *FieldErrors) Names() []string {
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	return names
}

func (e *FieldErrors) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Names() {
		parts = append(parts, f+": "+e.Fields[f])
	}
	return "settings: " + strings.Join(parts, "; ")
}

// errOrNil returns e as an error, or nil when it holds no problem (never a
// typed nil inside an interface).
func (e *FieldErrors) errOrNil() error {
	if e.Empty() {
		return nil
	}
	return e
}

// Normalize fills defaults into g: method off, status provisioning, binding
// redirect, NameID policy email, entity ID glance.net/sp/1, clock skew 180 s
// when 0, response bound 256 KiB when 0. It trims surrounding space from
// text fields and rewrites each IdP certificate that parses (PEM or bare
// base64 DER) as PEM; one that does not parse is left for Validate to
// report.
func Normalize(g *store.Group) {
	s := &g.SSO
	g.Name = strings.TrimSpace(g.Name)
	g.AccountID = strings.TrimSpace(g.AccountID)
	s.IdPEntityID = strings.TrimSpace(s.IdPEntityID)
	s.IdPSSOURL = strings.TrimSpace(s.IdPSSOURL)
	s.EntityID = strings.TrimSpace(s.EntityID)
	s.IdentityAttribute = strings.TrimSpace(s.IdentityAttribute)
	s.IdPInitiatedRedirect = strings.TrimSpace(s.IdPInitiatedRedirect)
	s.AuthnContextClassRef = strings.TrimSpace(s.AuthnContextClassRef)
	s.IdPMetadataURL = strings.TrimSpace(s.IdPMetadataURL)
	if s.Method == "" {
		s.Method = store.MethodOff
	}
	if s.Status == "" {
		s.Status = store.StatusProvisioning
	}
	if s.IdPBinding == "" {
		s.IdPBinding = store.BindingRedirect
	}
	if s.NameIDPolicy == "" {
		s.NameIDPolicy = store.NameIDEmail
	}
	if s.EntityID == "" {
		s.EntityID = DefaultEntityID
	}
	if s.ClockSkewSeconds == 0 {
		s.ClockSkewSeconds = DefaultClockSkewSeconds
	}
	if s.MaxResponseBytes == 0 {
		s.MaxResponseBytes = DefaultMaxResponseBytes
	}
	for i, text := range s.IdPCertificates {
		if cert, err := acs.ParseCertificate(text); err == nil {
			s.IdPCertificates[i] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		}
	}
}

// Validate checks a normalized group. It returns warnings (an expired
// certificate) that do not prevent saving, and a *FieldErrors naming every
// field that does. Uniqueness of the name and Account ID is the store's to
// enforce (see AlreadyExists).
func Validate(g store.Group, now time.Time) (warnings []string, err error) {
	var errs FieldErrors
	s := g.SSO
	if g.Name == "" {
		errs.Add("name", "missing; give the group a name (it selects the group with idpname=)")
	}
	switch s.Method {
	case store.MethodOff, store.MethodSAML2, store.MethodSAML2Encrypted:
	default:
		errs.Add("sso.method", "%q is not one of off, saml2, saml2-encrypted", s.Method)
	}
	switch s.Status {
	case store.StatusProvisioning, store.StatusProduction:
	default:
		errs.Add("sso.status", "%q is not provisioning or production", s.Status)
	}
	switch s.IdPBinding {
	case store.BindingRedirect, store.BindingPOST:
	default:
		errs.Add("sso.idpBinding", "%q is not redirect or post", s.IdPBinding)
	}
	switch s.NameIDPolicy {
	case store.NameIDEmail, store.NameIDUnspecified, store.NameIDPersistent, store.NameIDTransient:
	default:
		errs.Add("sso.nameIDPolicy", "%q is not email, unspecified, persistent or transient", s.NameIDPolicy)
	}
	switch s.ACSParameterStyle {
	case "", store.ACSStyleQuery, store.ACSStyleRelayState:
	default:
		errs.Add("sso.acsParameterStyle", "%q is not query or relaystate", s.ACSParameterStyle)
	}
	switch s.AuthnContextComparison {
	case "", "exact", "minimum", "maximum", "better":
	default:
		errs.Add("sso.authnContextComparison", "%q is not exact, minimum, maximum or better", s.AuthnContextComparison)
	}
	if len(s.AuthnContextClassRef) > MaxAuthnContextClassRefBytes {
		errs.Add("sso.authnContextClassRef", "%d bytes; at most %d (a class reference is a URI such as urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport)", len(s.AuthnContextClassRef), MaxAuthnContextClassRefBytes)
	} else if strings.ContainsFunc(s.AuthnContextClassRef, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		errs.Add("sso.authnContextClassRef", "%q holds spaces or control characters; give one class reference URI, such as urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport, or leave it empty to send none", s.AuthnContextClassRef)
	}
	if s.IdPMetadataURL != "" {
		if err := CheckMetadataURL(s.IdPMetadataURL); err != nil {
			errs.Add("sso.idpMetadataURL", "%v", err)
		}
	}
	if s.ClockSkewSeconds < 0 || s.ClockSkewSeconds > MaxClockSkewSeconds {
		errs.Add("sso.clockSkewSeconds", "%d seconds is outside 0..%d", s.ClockSkewSeconds, MaxClockSkewSeconds)
	}
	if s.MaxResponseBytes < MinMaxResponseBytes || s.MaxResponseBytes > MaxMaxResponseBytes {
		errs.Add("sso.maxResponseBytes", "%d is outside %d..%d", s.MaxResponseBytes, MinMaxResponseBytes, MaxMaxResponseBytes)
	}
	if s.IdPInitiatedRedirect != "" {
		if err := localpath.Check(s.IdPInitiatedRedirect); err != nil {
			errs.Add("sso.idpInitiatedRedirect", "must be a relative path on this SP such as /agentjoin/AgentJoin.aspx: %v", err)
		}
	}

	if n := len(s.IdPCertificates); n > MaxIdPCertificates {
		errs.Add("sso.idpCertificates", "%d certificates; at most %d (primary + additional keys)", n, MaxIdPCertificates)
	}
	for i, info := range DescribeCertificates(s.IdPCertificates, now) {
		field := fmt.Sprintf("sso.idpCertificates[%d]", i)
		switch {
		case info.Problem != "":
			errs.Add(field, "%s", info.Problem)
		case info.Expired:
			warnings = append(warnings, fmt.Sprintf("%s (%s) expired on %s; it is still trusted, but ask the IdP for its current certificate",
				field, info.Fingerprint, info.NotAfter.UTC().Format("2006-01-02")))
		}
	}
	if s.Method == store.MethodOff {
		return warnings, errs.errOrNil()
	}
	if s.IdPEntityID == "" {
		errs.Add("sso.idpEntityID", "missing; the IdP's entity ID (its metadata's entityID)")
	}
	if !isAbsoluteHTTPURL(s.IdPSSOURL) {
		errs.Add("sso.idpSSOURL", "%q is not an absolute http(s) URL of the IdP's SSO endpoint", s.IdPSSOURL)
	}
	if len(s.IdPCertificates) == 0 {
		errs.Add("sso.idpCertificates", "empty; give the IdP's signing certificate (PEM or base64 DER)")
	}
	return warnings, errs.errOrNil()
}

// CheckMetadataURL says what is wrong with an IdP metadata URL: it must be
// an absolute http(s) URL without a user name or password (the URL is shown
// on the settings screen and recorded in the audit trail).
func CheckMetadataURL(s string) error {
	if len(s) > MaxMetadataURLBytes {
		return fmt.Errorf("%d bytes; at most %d", len(s), MaxMetadataURLBytes)
	}
	if !isAbsoluteHTTPURL(s) {
		// Not echoed: a malformed URL may still hold credentials.
		return errors.New("not an absolute http(s) URL; leave it empty or give the IdP's metadata URL, such as https://idp.example.com/metadata")
	}
	if u, _ := url.Parse(s); u.User != nil {
		return errors.New("the URL carries a user name or password, which would be shown and recorded; use a URL without credentials")
	}
	return nil
}

func isAbsoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return s != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Certificate describes one configured IdP certificate for display. It
// holds the public certificate only.
type Certificate struct {
	PEM         string    `json:"pem"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	NotAfter    time.Time `json:"notAfter,omitzero"`
	Expired     bool      `json:"expired"`
	// Problem says why the text is not a usable certificate; empty when it is.
	Problem string `json:"problem,omitempty"`
}

// DescribeCertificates parses each certificate text. A text that holds a
// private or public key rather than a certificate gets a Problem saying so,
// and its PEM is blanked so that a pasted private key is never echoed.
func DescribeCertificates(texts []string, now time.Time) []Certificate {
	out := make([]Certificate, 0, len(texts))
	for _, text := range texts {
		out = append(out, describe(text, now))
	}
	return out
}

func describe(text string, now time.Time) Certificate {
	if strings.TrimSpace(text) == "" {
		return Certificate{Problem: "empty; paste the certificate or remove the entry"}
	}
	if block, _ := pem.Decode([]byte(strings.TrimSpace(text))); block != nil && block.Type != "CERTIFICATE" {
		if IsPrivateKey(text) {
			return Certificate{Problem: fmt.Sprintf("this is a private key (%s), not a certificate: it was discarded; never share it, and paste the IdP's certificate (BEGIN CERTIFICATE)", block.Type)}
		}
		return Certificate{PEM: text, Problem: fmt.Sprintf("a key that is not a certificate is refused (%s); paste the IdP's certificate (BEGIN CERTIFICATE)", block.Type)}
	}
	cert, err := acs.ParseCertificate(text)
	if err != nil {
		return Certificate{PEM: text, Problem: fmt.Sprintf("%v; paste the IdP's certificate as PEM (BEGIN CERTIFICATE) or base64 DER", err)}
	}
	return Certificate{
		PEM:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		Fingerprint: acs.Fingerprint(cert),
		Subject:     cert.Subject.String(),
		NotAfter:    cert.NotAfter,
		Expired:     now.After(cert.NotAfter),
	}
}

// IsPrivateKey reports whether text holds a PEM private key block, which
// must never be stored, logged or echoed.
func IsPrivateKey(text string) bool {
	return strings.Contains(text, "PRIVATE KEY-----")
}

// AlreadyExists is the field error for a name or Account ID that another
// group holds (the store's ErrAlreadyExists).
func AlreadyExists(field string) *FieldErrors {
	var errs FieldErrors
	switch field {
	case "name":
		errs.Add("name", "another group already has this name; choose another")
	default:
		errs.Add("accountID", "another group already has this Unique Account ID; each ID selects one group with idptoken=")
	}
	return &errs
}
