// Package acs validates a SAML 2.0 Response as it arrives at an Assertion
// Consumer Service: size and DOCTYPE guards before parsing, XML round-trip
// safety, XML signatures on the Response and/or the Assertion verified against
// the group's configured keys only (each tried in turn, KeyInfo never trusted
// for its own sake), and the Web Browser SSO profile's rules: Issuer,
// Destination, bearer SubjectConfirmation, Audience and validity windows with
// a clock skew.
//
// It is pure: no HTTP and no store. The caller (sp/signon) checks what needs
// state — InResponseTo against outstanding requests and assertion replay —
// from the Result.
package acs

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// XML namespaces.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	methodBearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	digestSHA1        = "http://www.w3.org/2000/09/xmldsig#sha1"
	defaultMaxBytes   = 256 << 10
	defaultSkew       = 180 * time.Second
	maxResponseAge    = 5 * time.Minute
	defaultReplayHold = 10 * time.Minute
)

// allowedSignatureMethods maps the signature algorithms the SP accepts to
// whether they depend on SHA-1.
var allowedSignatureMethods = map[string]bool{
	dsig.RSASHA1SignatureMethod:     true,
	dsig.RSASHA256SignatureMethod:   false,
	dsig.RSASHA384SignatureMethod:   false,
	dsig.RSASHA512SignatureMethod:   false,
	dsig.ECDSASHA256SignatureMethod: false,
	dsig.ECDSASHA384SignatureMethod: false,
	dsig.ECDSASHA512SignatureMethod: false,
}

var allowedDigestMethods = map[string]bool{
	digestSHA1: true,
	"http://www.w3.org/2001/04/xmlenc#sha256":       false,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": false,
	"http://www.w3.org/2001/04/xmlenc#sha512":       false,
}

// TrustedKey is one IdP certificate a group trusts to sign responses.
type TrustedKey struct {
	// Label names the key in the access log, e.g. "key 2 (sha256:3f2a…)".
	Label       string
	Certificate *x509.Certificate
	validator   *dsig.ValidationContext
}

// NewTrustedKeys parses the group's IdP certificates (PEM, primary first)
// into keys labelled by position and fingerprint.
func NewTrustedKeys(pems []string) ([]TrustedKey, error) {
	keys := make([]TrustedKey, 0, len(pems))
	for i, p := range pems {
		cert, err := ParseCertificate(p)
		if err != nil {
			return nil, fmt.Errorf("IdP certificate %d: %w", i+1, err)
		}
		keys = append(keys, NewTrustedKey(fmt.Sprintf("key %d (%s)", i+1, Fingerprint(cert)), cert))
	}
	return keys, nil
}

// NewTrustedKey wraps one certificate. The certificate's validity period is
// deliberately not enforced: IdPs sign with long-expired self-signed
// certificates, and trust comes from configuration, not from a CA.
func NewTrustedKey(label string, cert *x509.Certificate) TrustedKey {
	store := &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}}
	v := dsig.NewDefaultValidationContext(store)
	v.IdAttribute = "ID"
	// goxmldsig checks the certificate's validity window against this clock;
	// pin it inside the window so only the key matters.
	v.Clock = dsig.NewFakeClockAt(cert.NotBefore)
	return TrustedKey{Label: label, Certificate: cert, validator: v}
}

// Fingerprint is "sha256:" and the first 16 hex digits of the SHA-256 of the
// certificate's DER, enough to tell configured keys apart in a log.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// ParseCertificate accepts a PEM CERTIFICATE block or bare base64 DER (as
// metadata carries it).
func ParseCertificate(text string) (*x509.Certificate, error) {
	text = strings.TrimSpace(text)
	var der []byte
	if strings.HasPrefix(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(text))
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("not a PEM CERTIFICATE block")
		}
		der = block.Bytes
	} else {
		var err error
		der, err = base64.StdEncoding.DecodeString(stripSpace(text))
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor base64 DER: %v", err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %v", err)
	}
	return cert, nil
}

// Policy is what a group expects of a Response.
type Policy struct {
	IdPEntityID string       // Issuer of the Response (if present) and of the Assertion
	Keys        []TrustedKey // tried in turn
	SPEntityID  string       // the Audience
	ACSURL      string       // Destination and Recipient, exactly
	// ClockSkew widens every validity window; 0 means 180 s.
	ClockSkew time.Duration
	// MaxResponseBytes bounds the decoded message; 0 means 256 KiB.
	MaxResponseBytes int
	// AllowSHA1 accepts rsa-sha1 signatures and sha1 digests.
	AllowSHA1 bool

	// DecryptionKeys are the SP's private keys for the group (current
	// first); each is tried on an EncryptedAssertion.
	DecryptionKeys []*rsa.PrivateKey
	// RequireEncryption refuses a plain Assertion ("Encrypted SAML 2.0").
	RequireEncryption bool
	// AllowPKCS1v15 accepts RSA PKCS#1 v1.5 key transport (rsa-1_5), which
	// is open to padding-oracle attacks; RSA-OAEP is always accepted.
	AllowPKCS1v15 bool

	// AuthnContext, when it has a class, is what the response's
	// AuthnContextClassRef must satisfy.
	AuthnContext AuthnContextRequirement
}

// Result is what a valid Response says.
type Result struct {
	ResponseID   string
	InResponseTo string // from the Response; "" for IdP-initiated
	Issuer       string
	AssertionID  string
	// AssertionExpires is when the assertion stops being usable: remember
	// its ID until then to refuse replays.
	AssertionExpires     time.Time
	NameID               string
	NameIDFormat         string
	SessionIndex         string
	AuthnContextClassRef string
	Attributes           map[string][]string
	// Encryption facts for the access log ("" when not encrypted).
	ContentEncryption string
	KeyTransport      string
	// Signature facts for the access log.
	ResponseSigned     bool
	AssertionSigned    bool
	SignatureAlgorithm string
	VerifiedBy         string
}

// Validate decodes a base64 SAMLResponse form value and checks it against the
// policy at instant now. Every error wraps one of the package's sentinels.
func Validate(encoded string, p Policy, now time.Time) (*Result, error) {
	maxBytes := p.MaxResponseBytes
	if maxBytes <= 0 {
		maxBytes = defaultMaxBytes
	}
	skew := p.ClockSkew
	if skew <= 0 {
		skew = defaultSkew
	}
	// Bound the work before decoding: base64 grows data by 4/3, plus
	// line breaks some IdPs insert.
	if len(encoded) > maxBytes/3*4+maxBytes/32+8 {
		return nil, fmt.Errorf("acs: encoded response of %d bytes exceeds the %d-byte bound: %w", len(encoded), maxBytes, ErrTooLarge)
	}
	raw, err := base64.StdEncoding.DecodeString(stripSpace(encoded))
	if err != nil {
		return nil, fmt.Errorf("acs: SAMLResponse is not base64: %v: %w", err, ErrMalformed)
	}
	if len(raw) > maxBytes {
		return nil, fmt.Errorf("acs: response of %d bytes exceeds the %d-byte bound: %w", len(raw), maxBytes, ErrTooLarge)
	}
	return validateXML(raw, p, skew, now)
}

func validateXML(raw []byte, p Policy, skew time.Duration, now time.Time) (*Result, error) {
	if hasDoctype(raw) {
		return nil, fmt.Errorf("acs: response carries a DOCTYPE: %w", ErrDoctype)
	}
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("acs: XML does not survive a round trip: %v: %w", err, ErrMalformed)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("acs: XML: %v: %w", err, ErrMalformed)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, fmt.Errorf("acs: root element is not samlp:Response: %w", ErrMalformed)
	}

	res := &Result{}
	// The Response signature, when there is one, is checked first; from
	// then on only the element the signature covers is read.
	responseEl := root
	sigEl, err := signatureChild(root)
	if err != nil {
		return nil, err
	}
	if sigEl != nil {
		verified, alg, label, err := verify(root, sigEl, p)
		if err != nil {
			return nil, fmt.Errorf("acs: Response signature: %w", err)
		}
		responseEl = verified
		res.ResponseSigned, res.SignatureAlgorithm, res.VerifiedBy = true, alg, label
	}

	res.ResponseID = responseEl.SelectAttrValue("ID", "")
	res.InResponseTo = responseEl.SelectAttrValue("InResponseTo", "")
	if v := responseEl.SelectAttrValue("Version", ""); v != "2.0" {
		return nil, fmt.Errorf("acs: Response Version %q, want \"2.0\": %w", v, ErrMalformed)
	}
	if err := checkStatus(responseEl); err != nil {
		return nil, err
	}
	destination := responseEl.SelectAttrValue("Destination", "")
	if destination != p.ACSURL && (destination != "" || res.ResponseSigned) {
		return nil, fmt.Errorf("acs: Destination %q, want %q: %w", destination, p.ACSURL, ErrDestination)
	}
	if issuer := childText(responseEl, nsAssertion, "Issuer"); issuer != nil && *issuer != p.IdPEntityID {
		return nil, fmt.Errorf("acs: Response Issuer %q, want %q: %w", *issuer, p.IdPEntityID, ErrIssuer)
	}
	if err := checkIssueInstant(responseEl, skew, now); err != nil {
		return nil, err
	}

	assertionEl, err := onlyAssertion(responseEl, p, res)
	if err != nil {
		return nil, err
	}
	if sigEl, err := signatureChild(assertionEl); err != nil {
		return nil, err
	} else if sigEl != nil {
		verified, alg, label, err := verify(assertionEl, sigEl, p)
		if err != nil {
			return nil, fmt.Errorf("acs: Assertion signature: %w", err)
		}
		assertionEl = verified
		res.AssertionSigned, res.SignatureAlgorithm, res.VerifiedBy = true, alg, label
	}
	if !res.ResponseSigned && !res.AssertionSigned {
		return nil, fmt.Errorf("acs: neither the Response nor the Assertion is signed: %w", ErrUnsigned)
	}

	assertion, err := unmarshalAssertion(assertionEl)
	if err != nil {
		return nil, err
	}
	if err := checkAssertion(assertion, audienceRestrictions(assertionEl), res, p, skew, now); err != nil {
		return nil, err
	}
	return res, nil
}

// signatureChild returns the element's own ds:Signature (a direct child),
// nil when unsigned, or an error when there are several.
func signatureChild(el *etree.Element) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			if found != nil {
				return nil, fmt.Errorf("acs: %s has more than one Signature: %w", el.Tag, ErrMalformed)
			}
			found = c
		}
	}
	return found, nil
}

// verify checks the shape of sigEl (one Reference to "#"+the element's ID,
// accepted algorithms), then tries every trusted key in turn, the one named by
// KeyInfo first. It returns the element as the signature covers it.
func verify(el, sigEl *etree.Element, p Policy) (*etree.Element, string, string, error) {
	id := el.SelectAttrValue("ID", "")
	if id == "" {
		return nil, "", "", fmt.Errorf("signed %s has no ID: %w", el.Tag, ErrBadReference)
	}
	signedInfo := childElement(sigEl, nsDSig, "SignedInfo")
	if signedInfo == nil {
		return nil, "", "", fmt.Errorf("Signature has no SignedInfo: %w", ErrBadSignature)
	}
	var refs []*etree.Element
	for _, c := range signedInfo.ChildElements() {
		if c.Tag == "Reference" && c.NamespaceURI() == nsDSig {
			refs = append(refs, c)
		}
	}
	if len(refs) != 1 {
		return nil, "", "", fmt.Errorf("Signature has %d References, want exactly 1: %w", len(refs), ErrBadReference)
	}
	if uri := refs[0].SelectAttrValue("URI", ""); uri != "#"+id {
		return nil, "", "", fmt.Errorf("Reference URI %q, want %q: %w", uri, "#"+id, ErrBadReference)
	}
	alg := ""
	if m := childElement(signedInfo, nsDSig, "SignatureMethod"); m != nil {
		alg = m.SelectAttrValue("Algorithm", "")
	}
	sha1, ok := allowedSignatureMethods[alg]
	if !ok {
		return nil, "", "", fmt.Errorf("signature algorithm %q is not accepted: %w", alg, ErrWeakAlgorithm)
	}
	digest := ""
	if m := childElement(refs[0], nsDSig, "DigestMethod"); m != nil {
		digest = m.SelectAttrValue("Algorithm", "")
	}
	digestSHA1, ok := allowedDigestMethods[digest]
	if !ok {
		return nil, "", "", fmt.Errorf("digest algorithm %q is not accepted: %w", digest, ErrWeakAlgorithm)
	}
	if (sha1 || digestSHA1) && !p.AllowSHA1 {
		return nil, "", "", fmt.Errorf("SHA-1 (signature %s, digest %s) is refused unless the group allows it: %w", alg, digest, ErrWeakAlgorithm)
	}
	if len(p.Keys) == 0 {
		return nil, "", "", fmt.Errorf("the group trusts no IdP key: %w", ErrBadSignature)
	}

	// Work on a detached copy that carries the namespaces it inherits, with
	// KeyInfo removed: it is outside SignedInfo, and the keys to try come
	// from configuration, never from the message.
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err == nil {
		ctx, err = ctx.SubContext(el)
	}
	var detached *etree.Element
	if err == nil {
		detached, err = etreeutils.NSDetatch(ctx, el)
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("namespaces of %s: %v: %w", el.Tag, err, ErrMalformed)
	}
	hint := keyInfoCertificate(sigEl)
	if s, _ := signatureChild(detached); s != nil {
		if ki := childElement(s, nsDSig, "KeyInfo"); ki != nil {
			s.RemoveChild(ki)
		}
	}

	order := make([]int, 0, len(p.Keys))
	for i, k := range p.Keys {
		if hint != nil && bytes.Equal(k.Certificate.Raw, hint) {
			order = append([]int{i}, order...)
		} else {
			order = append(order, i)
		}
	}
	var firstErr error
	for _, i := range order {
		verified, err := p.Keys[i].validator.Validate(detached)
		if err == nil {
			return verified, alg, p.Keys[i].Label, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, "", "", fmt.Errorf("no configured key (of %d) verifies it: %v: %w", len(p.Keys), firstErr, ErrBadSignature)
}

// keyInfoCertificate returns the DER certificate a signature's KeyInfo
// names, as a hint for which key to try first; nil when absent or unreadable.
// It is compared byte for byte with the configured certificates, never parsed
// or trusted.
func keyInfoCertificate(sigEl *etree.Element) []byte {
	el := sigEl.FindElement("./KeyInfo/X509Data/X509Certificate")
	if el == nil {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(stripSpace(el.Text()))
	if err != nil {
		return nil
	}
	return der
}

func checkStatus(responseEl *etree.Element) error {
	status := childElement(responseEl, nsProtocol, "Status")
	var code *etree.Element
	if status != nil {
		code = childElement(status, nsProtocol, "StatusCode")
	}
	if code == nil {
		return fmt.Errorf("acs: Response has no StatusCode: %w", ErrMalformed)
	}
	if v := code.SelectAttrValue("Value", ""); v != statusSuccess {
		detail := v
		if sub := childElement(code, nsProtocol, "StatusCode"); sub != nil {
			detail += " / " + sub.SelectAttrValue("Value", "")
		}
		if msg := childText(status, nsProtocol, "StatusMessage"); msg != nil {
			detail += ": " + *msg
		}
		return fmt.Errorf("acs: the IdP answered %s: %w", detail, ErrIdPStatus)
	}
	return nil
}

func checkIssueInstant(responseEl *etree.Element, skew time.Duration, now time.Time) error {
	v := responseEl.SelectAttrValue("IssueInstant", "")
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("acs: Response IssueInstant %q is not a time: %w", v, ErrMalformed)
	}
	if t.After(now.Add(skew)) {
		return fmt.Errorf("acs: Response issued at %s, in the future (now %s, skew %s): %w", t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew, ErrNotYetValid)
	}
	if t.Before(now.Add(-skew - maxResponseAge)) {
		return fmt.Errorf("acs: Response issued at %s, more than %s ago (skew %s): %w", t.UTC().Format(time.RFC3339), maxResponseAge, skew, ErrExpired)
	}
	return nil
}

// onlyAssertion returns the Response's single Assertion, decrypted when it
// arrives as an EncryptedAssertion, detached with the namespaces it inherits.
// Exactly one assertion is accepted: a second one is how signature-wrapping
// attacks smuggle an unsigned statement in.
func onlyAssertion(responseEl *etree.Element, p Policy, res *Result) (*etree.Element, error) {
	var found []*etree.Element
	for _, c := range responseEl.ChildElements() {
		if c.NamespaceURI() == nsAssertion && (c.Tag == "Assertion" || c.Tag == "EncryptedAssertion") {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("acs: the Response carries %d assertions, want exactly 1: %w", len(found), ErrMalformed)
	}
	if found[0].Tag == "EncryptedAssertion" {
		return decryptAssertion(found[0], p, res)
	}
	if p.RequireEncryption {
		return nil, fmt.Errorf("acs: the group requires encrypted assertions (Encrypted SAML 2.0) and this one is plain: %w", ErrNotEncrypted)
	}
	ctx, err := etreeutils.NSBuildParentContext(found[0])
	if err == nil {
		ctx, err = ctx.SubContext(found[0])
	}
	var detached *etree.Element
	if err == nil {
		detached, err = etreeutils.NSDetatch(ctx, found[0])
	}
	if err != nil {
		return nil, fmt.Errorf("acs: namespaces of the Assertion: %v: %w", err, ErrMalformed)
	}
	return detached, nil
}

func unmarshalAssertion(el *etree.Element) (*saml.Assertion, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	buf, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("acs: Assertion: %v: %w", err, ErrMalformed)
	}
	var a saml.Assertion
	if err := xml.Unmarshal(buf, &a); err != nil {
		return nil, fmt.Errorf("acs: Assertion: %v: %w", err, ErrMalformed)
	}
	return &a, nil
}

func checkAssertion(a *saml.Assertion, audiences [][]string, res *Result, p Policy, skew time.Duration, now time.Time) error {
	if a.ID == "" {
		return fmt.Errorf("acs: Assertion has no ID: %w", ErrMalformed)
	}
	res.AssertionID = a.ID
	if a.Issuer.Value != p.IdPEntityID {
		return fmt.Errorf("acs: Assertion Issuer %q, want %q: %w", a.Issuer.Value, p.IdPEntityID, ErrIssuer)
	}
	res.Issuer = a.Issuer.Value

	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return fmt.Errorf("acs: Assertion has no Subject NameID: %w", ErrMalformed)
	}
	res.NameID = strings.TrimSpace(a.Subject.NameID.Value)
	res.NameIDFormat = a.Subject.NameID.Format

	bearerExpires, err := checkBearer(a.Subject.SubjectConfirmations, res.InResponseTo, p, skew, now)
	if err != nil {
		return err
	}

	c := a.Conditions
	if c == nil {
		return fmt.Errorf("acs: Assertion has no Conditions, so no AudienceRestriction: %w", ErrAudience)
	}
	if !c.NotBefore.IsZero() && now.Add(skew).Before(c.NotBefore) {
		return fmt.Errorf("acs: Assertion valid from %s (now %s, skew %s): %w", c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew, ErrNotYetValid)
	}
	if !c.NotOnOrAfter.IsZero() && !now.Add(-skew).Before(c.NotOnOrAfter) {
		return fmt.Errorf("acs: Assertion expired at %s (now %s, skew %s): %w", c.NotOnOrAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew, ErrExpired)
	}
	if len(audiences) == 0 {
		return fmt.Errorf("acs: Assertion has no AudienceRestriction naming %q: %w", p.SPEntityID, ErrAudience)
	}
	// Every AudienceRestriction must be satisfied (SAML core 2.5.1.4).
	for _, restriction := range audiences {
		if !slices.Contains(restriction, p.SPEntityID) {
			return fmt.Errorf("acs: Audience %q does not name %q: %w", restriction, p.SPEntityID, ErrAudience)
		}
	}

	if len(a.AuthnStatements) == 0 {
		return fmt.Errorf("acs: Assertion has no AuthnStatement: %w", ErrMalformed)
	}
	res.SessionIndex = a.AuthnStatements[0].SessionIndex
	if ref := a.AuthnStatements[0].AuthnContext.AuthnContextClassRef; ref != nil {
		res.AuthnContextClassRef = strings.TrimSpace(ref.Value)
	}
	if err := checkAuthnContext(p.AuthnContext, res.AuthnContextClassRef); err != nil {
		return err
	}

	res.AssertionExpires = bearerExpires.Add(skew)
	if !c.NotOnOrAfter.IsZero() && c.NotOnOrAfter.Add(skew).After(res.AssertionExpires) {
		res.AssertionExpires = c.NotOnOrAfter.Add(skew)
	}
	if res.AssertionExpires.Before(now.Add(defaultReplayHold)) {
		res.AssertionExpires = now.Add(defaultReplayHold)
	}

	res.Attributes = map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			for _, v := range attr.Values {
				res.Attributes[attr.Name] = append(res.Attributes[attr.Name], v.Value)
			}
			if attr.FriendlyName != "" && attr.FriendlyName != attr.Name {
				for _, v := range attr.Values {
					res.Attributes[attr.FriendlyName] = append(res.Attributes[attr.FriendlyName], v.Value)
				}
			}
		}
	}
	return nil
}

// checkBearer requires one bearer SubjectConfirmation whose data names this
// ACS as Recipient, has a NotOnOrAfter still ahead, and (when present) the
// same InResponseTo as the Response. It returns that NotOnOrAfter.
func checkBearer(scs []saml.SubjectConfirmation, inResponseTo string, p Policy, skew time.Duration, now time.Time) (time.Time, error) {
	var firstErr error
	for _, sc := range scs {
		if sc.Method != methodBearer {
			continue
		}
		err := func() error {
			d := sc.SubjectConfirmationData
			if d == nil {
				return fmt.Errorf("acs: bearer SubjectConfirmation has no SubjectConfirmationData: %w", ErrSubjectConfirmation)
			}
			if d.Recipient == "" {
				return fmt.Errorf("acs: bearer SubjectConfirmationData has no Recipient: %w", ErrSubjectConfirmation)
			}
			if d.Recipient != p.ACSURL {
				return fmt.Errorf("acs: Recipient %q, want %q: %w", d.Recipient, p.ACSURL, ErrRecipient)
			}
			if d.NotOnOrAfter.IsZero() {
				return fmt.Errorf("acs: bearer SubjectConfirmationData has no NotOnOrAfter: %w", ErrSubjectConfirmation)
			}
			if !now.Add(-skew).Before(d.NotOnOrAfter) {
				return fmt.Errorf("acs: SubjectConfirmationData expired at %s (now %s, skew %s): %w", d.NotOnOrAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew, ErrExpired)
			}
			if !d.NotBefore.IsZero() && now.Add(skew).Before(d.NotBefore) {
				return fmt.Errorf("acs: SubjectConfirmationData valid from %s: %w", d.NotBefore.UTC().Format(time.RFC3339), ErrNotYetValid)
			}
			if d.InResponseTo != "" && d.InResponseTo != inResponseTo {
				return fmt.Errorf("acs: SubjectConfirmationData InResponseTo %q differs from the Response's %q: %w", d.InResponseTo, inResponseTo, ErrSubjectConfirmation)
			}
			return nil
		}()
		if err == nil {
			return sc.SubjectConfirmationData.NotOnOrAfter, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("acs: Assertion has no bearer SubjectConfirmation: %w", ErrSubjectConfirmation)
	}
	return time.Time{}, firstErr
}

// audienceRestrictions reads every AudienceRestriction of the assertion's
// Conditions as the list of its Audience values. (crewjam's type keeps one
// Audience per restriction; a restriction may list several.)
func audienceRestrictions(assertionEl *etree.Element) [][]string {
	conditions := childElement(assertionEl, nsAssertion, "Conditions")
	if conditions == nil {
		return nil
	}
	var out [][]string
	for _, ar := range conditions.ChildElements() {
		if ar.Tag != "AudienceRestriction" || ar.NamespaceURI() != nsAssertion {
			continue
		}
		values := []string{}
		for _, aud := range ar.ChildElements() {
			if aud.Tag == "Audience" && aud.NamespaceURI() == nsAssertion {
				values = append(values, strings.TrimSpace(aud.Text()))
			}
		}
		out = append(out, values)
	}
	return out
}

func childElement(el *etree.Element, ns, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func childText(el *etree.Element, ns, tag string) *string {
	c := childElement(el, ns, tag)
	if c == nil {
		return nil
	}
	t := strings.TrimSpace(c.Text())
	return &t
}

// hasDoctype reports whether b contains "<!DOCTYPE" in any letter case.
func hasDoctype(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("<!"))
		if i < 0 {
			return false
		}
		b = b[i+2:]
		if len(b) >= 7 && bytes.EqualFold(b[:7], []byte("doctype")) {
			return true
		}
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}
