package response

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Signature algorithms accepted in [Spec.SignatureAlgorithm]. Each uses the
// same hash for the reference digest (DigestMethod) as for the signature
// (SignatureMethod): rsa-sha1 digests with SHA-1, rsa-sha512 with SHA-512.
const (
	RSASHA1   = "rsa-sha1"
	RSASHA256 = "rsa-sha256"
	RSASHA384 = "rsa-sha384"
	RSASHA512 = "rsa-sha512"
)

// What to sign, for [Spec.Sign].
const (
	SignAssertionOnly = "assertion"
	SignResponseOnly  = "response"
	SignBothElements  = "both"
	SignNothing       = "none"
)

// NameID formats (SAML core §8.3).
const (
	NameIDFormatUnspecified  = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDFormatEmailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDFormatX509Subject  = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
	NameIDFormatWindows      = "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName"
	NameIDFormatKerberos     = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"
	NameIDFormatEntity       = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	NameIDFormatPersistent   = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDFormatTransient    = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
)

// Attribute name formats (SAML core §8.2).
const (
	AttrNameFormatUnspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
	AttrNameFormatURI         = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
	AttrNameFormatBasic       = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
)

// Status codes (SAML core §3.2.2.2), the ones an IdP answers an AuthnRequest with.
const (
	StatusSuccess             = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusRequester           = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	StatusResponder           = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	StatusVersionMismatch     = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
	StatusAuthnFailed         = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
	StatusInvalidNameIDPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
	StatusNoAuthnContext      = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
	StatusNoPassive           = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
	StatusRequestDenied       = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
	StatusUnsupportedBinding  = "urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding"
)

// Authentication context classes (SAML authn-context §3.4), a few common ones.
const (
	AuthnContextPPT         = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	AuthnContextPassword    = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
	AuthnContextUnspecified = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"
	AuthnContextX509        = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
)

// Content encryption algorithms for [Spec.ContentEncryption] (the
// xenc:EncryptedData's EncryptionMethod).
const (
	AES128CBC = "aes128-cbc" // http://www.w3.org/2001/04/xmlenc#aes128-cbc
	AES256CBC = "aes256-cbc" // http://www.w3.org/2001/04/xmlenc#aes256-cbc
	AES128GCM = "aes128-gcm" // http://www.w3.org/2009/xmlenc11#aes128-gcm
	AES256GCM = "aes256-gcm" // http://www.w3.org/2009/xmlenc11#aes256-gcm
)

// Key transport algorithms for [Spec.KeyTransport] (the xenc:EncryptedKey's
// EncryptionMethod).
const (
	// RSAOAEP is http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p with a SHA-1
	// digest, what most IdPs send.
	RSAOAEP = "rsa-oaep"
	// RSAOAEPSHA256 is http://www.w3.org/2009/xmlenc11#rsa-oaep with a
	// SHA-256 digest, as crewjam's xmlenc.OAEP_SHA256 writes it.
	RSAOAEPSHA256 = "rsa-oaep-sha256"
	// RSA15 is http://www.w3.org/2001/04/xmlenc#rsa-1_5 (RSA PKCS #1 v1.5),
	// which careful SPs refuse.
	RSA15 = "rsa-1_5"
)

// Defaults applied by [Build] to zero fields of a [Spec].
const (
	DefaultContentEncryption  = AES256CBC
	DefaultKeyTransport       = RSAOAEP
	DefaultSignatureAlgorithm = RSASHA256
	DefaultSign               = SignAssertionOnly
	DefaultNameIDFormat       = NameIDFormatEmailAddress
	DefaultStatusCode         = StatusSuccess
	DefaultAuthnContext       = AuthnContextPPT
	DefaultIssueInstantOffset = 0
	DefaultNotBeforeOffset    = -1 * time.Minute
	DefaultNotOnOrAfterOffset = 5 * time.Minute
)

// Values the Wrong* options put where the correct value belongs. They use
// the reserved .invalid top-level domain, so they can never be right.
const (
	WrongAudienceValue    = "https://wrong-audience.invalid/metadata"
	WrongDestinationValue = "https://wrong-destination.invalid/saml/acs"
	WrongRecipientValue   = "https://wrong-recipient.invalid/saml/acs"
	WrongIssuerValue      = "https://wrong-issuer.invalid/metadata"
)

// Spec describes one response. Every field is optional: the zero value of a
// field means the behaviour of a correct IdP (see the Default* constants), so
// the zero Spec is a valid, assertion-signed RSA-SHA256 response.
//
// Pointer fields distinguish "not set" (nil: the correct value) from "set to
// this value"; a pointer to "" omits the XML attribute (Destination,
// Recipient, InResponseTo), leaves the element empty (Audience) or, for
// Issuer, omits the Response's Issuer and leaves the Assertion's empty.
//
// Spec is JSON- and YAML-serialisable with lowerCamel keys; durations are Go
// duration strings such as "-10m".
type Spec struct {
	// SigningKey names one of the IdP's keys; "" is the IdP's current signing key.
	SigningKey string `json:"signingKey,omitempty" yaml:"signingKey,omitempty"`
	// SignatureAlgorithm is RSASHA1, RSASHA256 (default), RSASHA384 or RSASHA512.
	SignatureAlgorithm string `json:"signatureAlgorithm,omitempty" yaml:"signatureAlgorithm,omitempty"`
	// Sign is "assertion" (default), "response", "both" or "none".
	Sign string `json:"sign,omitempty" yaml:"sign,omitempty"`
	// OmitKeyInfo leaves ds:KeyInfo out of every signature.
	OmitKeyInfo bool `json:"omitKeyInfo,omitempty" yaml:"omitKeyInfo,omitempty"`

	// NameIDFormat is a full URN; "" means the subject's format, else emailAddress.
	NameIDFormat string `json:"nameIDFormat,omitempty" yaml:"nameIDFormat,omitempty"`
	// NameID overrides the subject's NameID value when not "".
	NameID string `json:"nameID,omitempty" yaml:"nameID,omitempty"`
	// Attributes replace the subject's attributes when non-nil; an empty,
	// non-nil slice sends an assertion without an AttributeStatement.
	Attributes []Attribute `json:"attributes,omitzero" yaml:"attributes,omitempty"`

	// Audience, Destination, Recipient, Issuer and InResponseTo override the
	// correct value when non-nil (SP entity ID, ACS URL, ACS URL, IdP entity
	// ID, request ID). A pointer to "" omits the value.
	Audience     *string `json:"audience,omitempty" yaml:"audience,omitempty"`
	Destination  *string `json:"destination,omitempty" yaml:"destination,omitempty"`
	Recipient    *string `json:"recipient,omitempty" yaml:"recipient,omitempty"`
	Issuer       *string `json:"issuer,omitempty" yaml:"issuer,omitempty"`
	InResponseTo *string `json:"inResponseTo,omitempty" yaml:"inResponseTo,omitempty"`

	// OmitAudienceRestriction leaves Conditions without an AudienceRestriction.
	OmitAudienceRestriction bool `json:"omitAudienceRestriction,omitempty" yaml:"omitAudienceRestriction,omitempty"`
	// OmitSubjectConfirmationData leaves the bearer SubjectConfirmation
	// without SubjectConfirmationData (so without Recipient, NotOnOrAfter and
	// InResponseTo).
	OmitSubjectConfirmationData bool `json:"omitSubjectConfirmationData,omitempty" yaml:"omitSubjectConfirmationData,omitempty"`

	// Offsets relative to the IdP clock's now. nil means the default:
	// IssueInstant now, NotBefore now-1m, NotOnOrAfter now+5m. NotOnOrAfter
	// applies to Conditions and to SubjectConfirmationData; AuthnInstant
	// equals IssueInstant.
	IssueInstantOffset *Duration `json:"issueInstantOffset,omitempty" yaml:"issueInstantOffset,omitempty"`
	NotBeforeOffset    *Duration `json:"notBeforeOffset,omitempty" yaml:"notBeforeOffset,omitempty"`
	NotOnOrAfterOffset *Duration `json:"notOnOrAfterOffset,omitempty" yaml:"notOnOrAfterOffset,omitempty"`

	// StatusCode is the top-level status URN (default Success). Any other
	// status sends a Response without an Assertion, as IdPs do.
	StatusCode string `json:"statusCode,omitempty" yaml:"statusCode,omitempty"`
	// SubStatusCode, when set, is nested inside StatusCode (e.g. NoPassive).
	SubStatusCode string `json:"subStatusCode,omitempty" yaml:"subStatusCode,omitempty"`
	// StatusMessage, when set, is sent as samlp:StatusMessage.
	StatusMessage string `json:"statusMessage,omitempty" yaml:"statusMessage,omitempty"`
	// AuthnContextClassRef defaults to PasswordProtectedTransport.
	AuthnContextClassRef string `json:"authnContextClassRef,omitempty" yaml:"authnContextClassRef,omitempty"`

	// Tamper changes the NameID after signing, so that every signature
	// covering the assertion fails to verify while the XML stays well formed.
	// With Encrypt, the NameID changes after the assertion is signed and
	// before it is encrypted: the assertion's signature fails once
	// decrypted, while a response signature (made over the ciphertext)
	// still verifies. Encrypt with Tamper therefore needs a signed assertion.
	Tamper bool `json:"tamper,omitempty" yaml:"tamper,omitempty"`

	// Encrypt sends the assertion (signed first, when the assertion is
	// signed) as a saml:EncryptedAssertion holding an xenc:EncryptedData
	// whose ds:KeyInfo carries the xenc:EncryptedKey. A response signature
	// is made afterwards, over the encrypted assertion. A response without
	// an assertion (a failure status) is sent as is.
	Encrypt bool `json:"encrypt,omitempty" yaml:"encrypt,omitempty"`
	// ContentEncryption is aes128-cbc, aes256-cbc (default), aes128-gcm or
	// aes256-gcm.
	ContentEncryption string `json:"contentEncryption,omitempty" yaml:"contentEncryption,omitempty"`
	// KeyTransport is rsa-oaep (default: rsa-oaep-mgf1p with SHA-1),
	// rsa-oaep-sha256 or rsa-1_5.
	KeyTransport string `json:"keyTransport,omitempty" yaml:"keyTransport,omitempty"`
	// EncryptTo names the certificate to encrypt to: "" is the SP's
	// encryption certificate (Input.SPEncryptionCertificate), the name of
	// one of the IdP's keys (such as an unpublished rogue key) encrypts to
	// that key's certificate, which the SP cannot decrypt.
	EncryptTo string `json:"encryptTo,omitempty" yaml:"encryptTo,omitempty"`

	// DropRelayState makes the mock IdP's auto-POST form omit RelayState,
	// as IdPs that do not echo it do. Build ignores it.
	DropRelayState bool `json:"dropRelayState,omitempty" yaml:"dropRelayState,omitempty"`
}

// Attribute is one SAML attribute. An empty NameFormat omits the XML attribute.
type Attribute struct {
	Name       string   `json:"name" yaml:"name"`
	NameFormat string   `json:"nameFormat,omitempty" yaml:"nameFormat,omitempty"`
	Values     []string `json:"values" yaml:"values"`
}

// Duration is a time.Duration that reads and writes as a Go duration string
// ("-10m", "1h30m") in JSON and YAML.
type Duration time.Duration

// Offset returns a pointer to d as a Duration, for the Spec offset fields.
func Offset(d time.Duration) *Duration {
	v := Duration(d)
	return &v
}

// String formats d like time.Duration.String.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler (used by YAML).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (used by YAML).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("duration %q: want a Go duration such as \"-10m\" or \"1h30m\"", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalYAML reads a YAML scalar such as -10m. Errors carry the line
// number and are reported together with the decoder's other errors.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a duration must be a string such as \"-10m\"", n.Line)}}
	}
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	return nil
}

// MarshalJSON writes d as a JSON string such as "-10m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string such as "-10m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want a JSON string such as \"-10m\"", b)
	}
	return d.UnmarshalText([]byte(s))
}

// Option changes one aspect of a Spec.
type Option func(*Spec)

// Apply applies opts to s in order.
func Apply(s *Spec, opts ...Option) {
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
}

// New returns the zero Spec with opts applied.
func New(opts ...Option) Spec {
	var s Spec
	Apply(&s, opts...)
	return s
}

func str(v string) *string { return &v }

// Expired shifts the whole validity window into the past, as if the
// response had been issued ten minutes ago: IssueInstant now-10m, NotBefore
// now-11m, NotOnOrAfter now-5m (beyond a 3-minute clock skew allowance).
func Expired() Option {
	return func(s *Spec) {
		s.IssueInstantOffset = Offset(-10 * time.Minute)
		s.NotBeforeOffset = Offset(-11 * time.Minute)
		s.NotOnOrAfterOffset = Offset(-5 * time.Minute)
	}
}

// NotYetValid shifts the validity window into the future, as an IdP whose
// clock is ten minutes fast would: IssueInstant and NotBefore now+10m,
// NotOnOrAfter now+15m.
func NotYetValid() Option {
	return func(s *Spec) {
		s.IssueInstantOffset = Offset(10 * time.Minute)
		s.NotBeforeOffset = Offset(10 * time.Minute)
		s.NotOnOrAfterOffset = Offset(15 * time.Minute)
	}
}

// IssuedAt sets IssueInstant (and AuthnInstant) to now+d.
func IssuedAt(d time.Duration) Option {
	return func(s *Spec) { s.IssueInstantOffset = Offset(d) }
}

// ValidFrom sets Conditions NotBefore to now+d.
func ValidFrom(d time.Duration) Option {
	return func(s *Spec) { s.NotBeforeOffset = Offset(d) }
}

// ValidUntil sets NotOnOrAfter (Conditions and SubjectConfirmationData) to now+d.
func ValidUntil(d time.Duration) Option {
	return func(s *Spec) { s.NotOnOrAfterOffset = Offset(d) }
}

// WrongAudience sends WrongAudienceValue as the Audience.
func WrongAudience() Option { return WithAudience(WrongAudienceValue) }

// WrongDestination sends WrongDestinationValue as the Response Destination.
func WrongDestination() Option { return WithDestination(WrongDestinationValue) }

// WrongRecipient sends WrongRecipientValue as the SubjectConfirmationData Recipient.
func WrongRecipient() Option { return WithRecipient(WrongRecipientValue) }

// WrongIssuer sends WrongIssuerValue as the Issuer of the Response and the Assertion.
func WrongIssuer() Option { return WithIssuer(WrongIssuerValue) }

// WithAudience sets the Audience value ("" sends an empty Audience element).
func WithAudience(v string) Option { return func(s *Spec) { s.Audience = str(v) } }

// WithDestination sets the Response Destination ("" omits it).
func WithDestination(v string) Option { return func(s *Spec) { s.Destination = str(v) } }

// WithRecipient sets the SubjectConfirmationData Recipient ("" omits it).
func WithRecipient(v string) Option { return func(s *Spec) { s.Recipient = str(v) } }

// WithIssuer sets the Issuer value ("" omits the Response's Issuer and
// empties the Assertion's).
func WithIssuer(v string) Option { return func(s *Spec) { s.Issuer = str(v) } }

// InResponseToValue sets InResponseTo on the Response and on
// SubjectConfirmationData ("" omits it, like WithoutInResponseTo).
func InResponseToValue(v string) Option { return func(s *Spec) { s.InResponseTo = str(v) } }

// WithoutInResponseTo omits InResponseTo, as an IdP-initiated response does.
func WithoutInResponseTo() Option { return InResponseToValue("") }

// WithoutAudienceRestriction omits the AudienceRestriction.
func WithoutAudienceRestriction() Option {
	return func(s *Spec) { s.OmitAudienceRestriction = true }
}

// WithoutSubjectConfirmationData omits SubjectConfirmationData.
func WithoutSubjectConfirmationData() Option {
	return func(s *Spec) { s.OmitSubjectConfirmationData = true }
}

// Unsigned sends no signature at all.
func Unsigned() Option { return func(s *Spec) { s.Sign = SignNothing } }

// SignResponse signs the Response only.
func SignResponse() Option { return func(s *Spec) { s.Sign = SignResponseOnly } }

// SignAssertion signs the Assertion only (the default).
func SignAssertion() Option { return func(s *Spec) { s.Sign = SignAssertionOnly } }

// SignBoth signs the Assertion, then the Response around it.
func SignBoth() Option { return func(s *Spec) { s.Sign = SignBothElements } }

// SignedBy signs with the IdP key called keyName instead of the current one.
func SignedBy(keyName string) Option { return func(s *Spec) { s.SigningKey = keyName } }

// Algorithm picks the signature algorithm: RSASHA1, RSASHA256, RSASHA384 or RSASHA512.
func Algorithm(alg string) Option { return func(s *Spec) { s.SignatureAlgorithm = alg } }

// WithoutKeyInfo leaves ds:KeyInfo out of the signature(s).
func WithoutKeyInfo() Option { return func(s *Spec) { s.OmitKeyInfo = true } }

// NameIDValue overrides the NameID value.
func NameIDValue(v string) Option { return func(s *Spec) { s.NameID = v } }

// NameIDFormatURN overrides the NameID Format.
func NameIDFormatURN(f string) Option { return func(s *Spec) { s.NameIDFormat = f } }

// WithAttributes replaces the subject's attributes; with no arguments the
// assertion carries no AttributeStatement.
func WithAttributes(attrs ...Attribute) Option {
	return func(s *Spec) { s.Attributes = append([]Attribute{}, attrs...) }
}

// WithStatus sends a non-success status (and therefore no assertion); sub
// and message are optional.
func WithStatus(code, sub, message string) Option {
	return func(s *Spec) { s.StatusCode, s.SubStatusCode, s.StatusMessage = code, sub, message }
}

// AuthnContext sets the AuthnContextClassRef.
func AuthnContext(classRef string) Option {
	return func(s *Spec) { s.AuthnContextClassRef = classRef }
}

// Tampered alters the NameID after signing so the signatures no longer verify.
func Tampered() Option { return func(s *Spec) { s.Tamper = true } }

// Encrypted encrypts the assertion to the SP's encryption certificate with
// content encryption content (AES128CBC, AES256CBC, AES128GCM, AES256GCM)
// and key transport transport (RSAOAEP, RSAOAEPSHA256, RSA15); "" keeps
// the default (aes256-cbc, rsa-oaep).
func Encrypted(content, transport string) Option {
	return func(s *Spec) { s.Encrypt, s.ContentEncryption, s.KeyTransport = true, content, transport }
}

// EncryptedTo encrypts the assertion to the certificate of the IdP's key
// called keyName instead of the SP's: an assertion "encrypted to the wrong
// key", which the SP cannot decrypt. It turns encryption on.
func EncryptedTo(keyName string) Option {
	return func(s *Spec) { s.Encrypt, s.EncryptTo = true, keyName }
}

// WithoutRelayState makes the IdP's auto-POST form omit RelayState.
func WithoutRelayState() Option { return func(s *Spec) { s.DropRelayState = true } }

// Clone returns a deep copy of s.
func (s Spec) Clone() Spec {
	c := s
	cp := func(p *string) *string {
		if p == nil {
			return nil
		}
		return str(*p)
	}
	cd := func(p *Duration) *Duration {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	c.Audience, c.Destination, c.Recipient = cp(s.Audience), cp(s.Destination), cp(s.Recipient)
	c.Issuer, c.InResponseTo = cp(s.Issuer), cp(s.InResponseTo)
	c.IssueInstantOffset, c.NotBeforeOffset, c.NotOnOrAfterOffset = cd(s.IssueInstantOffset), cd(s.NotBeforeOffset), cd(s.NotOnOrAfterOffset)
	if s.Attributes != nil {
		c.Attributes = make([]Attribute, len(s.Attributes))
		for i, a := range s.Attributes {
			a.Values = slices.Clone(a.Values)
			c.Attributes[i] = a
		}
	}
	return c
}

// ErrInvalidSpec is wrapped by every error from Spec.Validate.
var ErrInvalidSpec = errors.New("invalid response spec")

var (
	signatureAlgorithms = []string{RSASHA1, RSASHA256, RSASHA384, RSASHA512}
	signModes           = []string{SignAssertionOnly, SignResponseOnly, SignBothElements, SignNothing}
	contentEncryptions  = []string{AES128CBC, AES256CBC, AES128GCM, AES256GCM}
	keyTransports       = []string{RSAOAEP, RSAOAEPSHA256, RSA15}
)

// Validate reports every field that cannot be built, each named by its JSON
// key. It does not check SigningKey against a key set; Build does.
func (s Spec) Validate() error {
	var problems []string
	if s.SignatureAlgorithm != "" && !slices.Contains(signatureAlgorithms, s.SignatureAlgorithm) {
		problems = append(problems, fmt.Sprintf("signatureAlgorithm %q: want one of %s", s.SignatureAlgorithm, strings.Join(signatureAlgorithms, ", ")))
	}
	if s.Sign != "" && !slices.Contains(signModes, s.Sign) {
		problems = append(problems, fmt.Sprintf("sign %q: want one of %s", s.Sign, strings.Join(signModes, ", ")))
	}
	if s.Tamper && s.StatusCode != "" && s.StatusCode != StatusSuccess {
		problems = append(problems, "tamper: needs an assertion to tamper with, but statusCode is not Success")
	}
	if s.ContentEncryption != "" && !slices.Contains(contentEncryptions, s.ContentEncryption) {
		problems = append(problems, fmt.Sprintf("contentEncryption %q: want one of %s", s.ContentEncryption, strings.Join(contentEncryptions, ", ")))
	}
	if s.KeyTransport != "" && !slices.Contains(keyTransports, s.KeyTransport) {
		problems = append(problems, fmt.Sprintf("keyTransport %q: want one of %s", s.KeyTransport, strings.Join(keyTransports, ", ")))
	}
	if s.Encrypt && s.Tamper && s.Sign != "" && s.Sign != SignAssertionOnly && s.Sign != SignBothElements {
		problems = append(problems, fmt.Sprintf("tamper with encrypt: sign %q leaves the assertion unsigned, so changing it before encryption breaks no signature; sign the assertion (\"assertion\" or \"both\")", s.Sign))
	}
	check := func(field, v string, attr bool) {
		if err := checkXMLText(v, attr); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", field, err))
		}
	}
	check("signingKey", s.SigningKey, true)
	check("encryptTo", s.EncryptTo, true)
	check("nameIDFormat", s.NameIDFormat, true)
	check("nameID", s.NameID, false)
	for i, a := range s.Attributes {
		check(fmt.Sprintf("attributes[%d].name", i), a.Name, true)
		check(fmt.Sprintf("attributes[%d].nameFormat", i), a.NameFormat, true)
		for j, v := range a.Values {
			check(fmt.Sprintf("attributes[%d].values[%d]", i, j), v, false)
		}
		if a.Name == "" {
			problems = append(problems, fmt.Sprintf("attributes[%d].name: empty; every attribute needs a Name", i))
		}
	}
	for _, f := range []struct {
		name string
		v    *string
		attr bool
	}{{"audience", s.Audience, false}, {"destination", s.Destination, true}, {"recipient", s.Recipient, true}, {"issuer", s.Issuer, false}, {"inResponseTo", s.InResponseTo, true}} {
		if f.v != nil {
			check(f.name, *f.v, f.attr)
		}
	}
	check("statusCode", s.StatusCode, true)
	check("subStatusCode", s.SubStatusCode, true)
	check("statusMessage", s.StatusMessage, false)
	check("authnContextClassRef", s.AuthnContextClassRef, false)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(problems, "; "))
}

// checkXMLText refuses strings that would not survive a serialize-parse
// round trip unchanged, which would break signatures: invalid UTF-8,
// characters outside the XML Char production, carriage returns (parsers
// normalise them) and, in attribute values, tabs and newlines (parsers
// normalise those to spaces).
func checkXMLText(s string, attr bool) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '\r':
			return errors.New("contains a carriage return; XML parsers rewrite it, which would break the signature")
		case (r == '\t' || r == '\n') && attr:
			return errors.New("contains a tab or newline; XML parsers turn them into spaces in attribute values, which would break the signature")
		case r < 0x20 && r != '\t' && r != '\n',
			r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return fmt.Errorf("contains %U, which XML 1.0 does not allow", r)
		}
	}
	return nil
}
