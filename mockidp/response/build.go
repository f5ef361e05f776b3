package response

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // rsa-sha1 digests
	_ "crypto/sha256"
	_ "crypto/sha512" // rsa-sha384 and rsa-sha512 digests
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Key is one of the IdP's signing keys.
type Key struct {
	// Name identifies the key in Spec.SigningKey, config files and the
	// control API.
	Name string
	// Signer signs; it must hold an RSA key (an *rsa.PrivateKey or an
	// HSM/KMS-backed crypto.Signer).
	Signer crypto.Signer
	// Certificate is sent in ds:KeyInfo and published in metadata.
	Certificate *x509.Certificate
}

// Subject is the authenticated principal as the IdP's directory knows it.
type Subject struct {
	NameID       string
	NameIDFormat string // "" means emailAddress unless the Spec says otherwise
	Attributes   []Attribute
}

// Input is everything Build needs besides the Spec: the facts of one exchange.
type Input struct {
	Spec Spec

	// IdPEntityID is the Issuer of the Response and the Assertion.
	IdPEntityID string
	// SPEntityID is the Audience.
	SPEntityID string
	// ACSURL is the Destination and the Recipient.
	ACSURL string
	// RequestID is the AuthnRequest's ID, sent as InResponseTo; "" for an
	// IdP-initiated response (InResponseTo is then omitted).
	RequestID string
	// Subject is the user the assertion is about.
	Subject Subject

	// Keys is the IdP's key set; Spec.SigningKey names one of them.
	Keys []Key
	// SigningKey names the IdP's current key; "" means Keys[0].
	SigningKey string

	// SPEncryptionCertificate is the SP's encryption certificate (RSA):
	// Spec.Encrypt encrypts the assertion to it unless Spec.EncryptTo names
	// one of Keys.
	SPEncryptionCertificate *x509.Certificate

	// Now is the IdP clock's current instant; the zero time means time.Now().
	Now time.Time
	// Rand supplies the bytes of the Response, Assertion and session IDs;
	// nil means crypto/rand. Encryption does not use it (see Spec.Encrypt).
	Rand io.Reader
}

// Result is a built response and the identifiers a log wants.
type Result struct {
	XML         []byte
	ResponseID  string
	AssertionID string // "" when the status is not Success (no assertion)
	SignedWith  string // key name; "" when nothing was signed
	// EncryptedTo is the subject of the certificate the assertion was
	// encrypted to; "" when it was not encrypted.
	EncryptedTo string
}

// Build returns the serialized samlp:Response described by in.
func Build(in Input) ([]byte, error) {
	r, err := BuildResult(in)
	if err != nil {
		return nil, err
	}
	return r.XML, nil
}

var methodURIs = map[string]string{
	RSASHA1:   dsig.RSASHA1SignatureMethod,
	RSASHA256: dsig.RSASHA256SignatureMethod,
	RSASHA384: dsig.RSASHA384SignatureMethod,
	RSASHA512: dsig.RSASHA512SignatureMethod,
}

// BuildResult is Build with the identifiers of what it built.
func BuildResult(in Input) (Result, error) {
	spec := in.Spec
	if err := spec.Validate(); err != nil {
		return Result{}, fmt.Errorf("response: %w", err)
	}
	for _, f := range []struct{ name, v string }{
		{"Input.IdPEntityID", in.IdPEntityID}, {"Input.SPEntityID", in.SPEntityID},
		{"Input.ACSURL", in.ACSURL}, {"Input.RequestID", in.RequestID},
		{"Input.Subject.NameIDFormat", in.Subject.NameIDFormat},
	} {
		if err := checkXMLText(f.v, true); err != nil {
			return Result{}, fmt.Errorf("response: %s: %w", f.name, err)
		}
	}
	if err := checkXMLText(in.Subject.NameID, false); err != nil {
		return Result{}, fmt.Errorf("response: Input.Subject.NameID: %w", err)
	}

	pick := func(override *string, correct, what string) (string, error) {
		if override != nil {
			return *override, nil
		}
		if correct == "" {
			return "", fmt.Errorf("response: %s is empty; set it in Input or override it in the Spec", what)
		}
		return correct, nil
	}
	issuer, err := pick(spec.Issuer, in.IdPEntityID, "Input.IdPEntityID")
	if err != nil {
		return Result{}, err
	}
	audience, err := pick(spec.Audience, in.SPEntityID, "Input.SPEntityID")
	if err != nil {
		return Result{}, err
	}
	destination, err := pick(spec.Destination, in.ACSURL, "Input.ACSURL")
	if err != nil {
		return Result{}, err
	}
	recipient, err := pick(spec.Recipient, in.ACSURL, "Input.ACSURL")
	if err != nil {
		return Result{}, err
	}
	inResponseTo := in.RequestID
	if spec.InResponseTo != nil {
		inResponseTo = *spec.InResponseTo
	}
	nameID := in.Subject.NameID
	if spec.NameID != "" {
		nameID = spec.NameID
	}
	nameIDFormat := or(spec.NameIDFormat, in.Subject.NameIDFormat, DefaultNameIDFormat)
	attributes := in.Subject.Attributes
	if spec.Attributes != nil {
		attributes = spec.Attributes
	}
	for i, a := range attributes {
		if err := checkXMLText(a.Name, true); err != nil {
			return Result{}, fmt.Errorf("response: attribute %d name: %w", i, err)
		}
		if err := checkXMLText(a.NameFormat, true); err != nil {
			return Result{}, fmt.Errorf("response: attribute %q nameFormat: %w", a.Name, err)
		}
		for _, v := range a.Values {
			if err := checkXMLText(v, false); err != nil {
				return Result{}, fmt.Errorf("response: attribute %q value: %w", a.Name, err)
			}
		}
	}
	statusCode := or(spec.StatusCode, DefaultStatusCode)
	withAssertion := statusCode == StatusSuccess
	if withAssertion && nameID == "" {
		return Result{}, errors.New("response: no NameID; set Input.Subject.NameID or Spec.NameID")
	}
	sign := or(spec.Sign, DefaultSign)
	signAssertion := withAssertion && (sign == SignAssertionOnly || sign == SignBothElements)
	signResponse := sign == SignResponseOnly || sign == SignBothElements

	var key Key
	if signAssertion || signResponse {
		key, err = findKey(in.Keys, or(spec.SigningKey, in.SigningKey))
		if err != nil {
			return Result{}, err
		}
	}
	encrypt := spec.Encrypt && withAssertion
	var encryptTo *x509.Certificate
	if encrypt {
		if encryptTo, err = encryptionCertificate(in); err != nil {
			return Result{}, err
		}
	}

	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	at := func(p *Duration, def time.Duration) time.Time {
		if p != nil {
			return now.Add(time.Duration(*p))
		}
		return now.Add(def)
	}
	issueInstant := at(spec.IssueInstantOffset, DefaultIssueInstantOffset)
	notBefore := at(spec.NotBeforeOffset, DefaultNotBeforeOffset)
	notOnOrAfter := at(spec.NotOnOrAfterOffset, DefaultNotOnOrAfterOffset)

	rnd := in.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var raw [3][20]byte
	for i := range raw {
		if _, err := io.ReadFull(rnd, raw[i][:]); err != nil {
			return Result{}, fmt.Errorf("response: reading random bytes for IDs: %w", err)
		}
	}
	responseID, assertionID, sessionIndex := newID(raw[0]), newID(raw[1]), newID(raw[2])

	res := Result{ResponseID: responseID}

	var assertionEl *etree.Element
	if withAssertion {
		res.AssertionID = assertionID
		a := saml.Assertion{
			ID:           assertionID,
			IssueInstant: issueInstant,
			Version:      "2.0",
			Issuer:       saml.Issuer{Format: NameIDFormatEntity, Value: issuer},
			Subject: &saml.Subject{
				NameID: &saml.NameID{Format: nameIDFormat, Value: nameID},
				SubjectConfirmations: []saml.SubjectConfirmation{{
					Method: "urn:oasis:names:tc:SAML:2.0:cm:bearer",
				}},
			},
			Conditions: &saml.Conditions{NotBefore: notBefore, NotOnOrAfter: notOnOrAfter},
			AuthnStatements: []saml.AuthnStatement{{
				AuthnInstant: issueInstant,
				SessionIndex: sessionIndex,
				AuthnContext: saml.AuthnContext{
					AuthnContextClassRef: &saml.AuthnContextClassRef{Value: or(spec.AuthnContextClassRef, DefaultAuthnContext)},
				},
			}},
		}
		if issuer == "" {
			a.Issuer.Format = ""
		}
		if !spec.OmitSubjectConfirmationData {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData = &saml.SubjectConfirmationData{
				NotOnOrAfter: notOnOrAfter,
				Recipient:    recipient,
				InResponseTo: inResponseTo,
			}
		}
		if !spec.OmitAudienceRestriction {
			a.Conditions.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: audience}}}
		}
		if len(attributes) > 0 {
			st := saml.AttributeStatement{Attributes: make([]saml.Attribute, len(attributes))}
			for i, at := range attributes {
				sa := saml.Attribute{Name: at.Name, NameFormat: at.NameFormat, Values: make([]saml.AttributeValue, len(at.Values))}
				for j, v := range at.Values {
					sa.Values[j] = saml.AttributeValue{Type: "xs:string", Value: v}
				}
				st.Attributes[i] = sa
			}
			a.AttributeStatements = []saml.AttributeStatement{st}
		}
		if assertionEl, err = assertionElement(&a); err != nil {
			return Result{}, err
		}
		if signAssertion {
			if err := signEnveloped(assertionEl, key, or(spec.SignatureAlgorithm, DefaultSignatureAlgorithm), spec.OmitKeyInfo); err != nil {
				return Result{}, fmt.Errorf("response: signing the assertion with key %q: %w", key.Name, err)
			}
		}
	}
	// placed is what goes into the Response: the assertion, or its
	// encrypted form.
	placed := assertionEl
	if encrypt {
		if assertionEl.SelectAttr("xmlns:xs") == nil {
			// Decrypted, the assertion stands alone: declare the xs prefix
			// of its xsi:type="xs:string" values, which the Response
			// declares otherwise. Added after signing (goxmldsig's
			// exclusive c14n drops unused declarations from the tree it
			// signs); it is outside the digest either way, as no element
			// or attribute name uses the prefix.
			assertionEl.CreateAttr("xmlns:xs", xsNS)
		}
		if spec.Tamper {
			if err := tamper(assertionEl); err != nil {
				return Result{}, err
			}
		}
		if placed, err = encryptAssertion(assertionEl, encryptTo, or(spec.ContentEncryption, DefaultContentEncryption), or(spec.KeyTransport, DefaultKeyTransport)); err != nil {
			return Result{}, err
		}
		res.EncryptedTo = encryptTo.Subject.String()
	}

	r := saml.Response{
		ID:           responseID,
		InResponseTo: inResponseTo,
		Version:      "2.0",
		IssueInstant: issueInstant,
		Destination:  destination,
		Status:       saml.Status{StatusCode: saml.StatusCode{Value: statusCode}},
	}
	if issuer != "" {
		r.Issuer = &saml.Issuer{Format: NameIDFormatEntity, Value: issuer}
	}
	if spec.SubStatusCode != "" {
		r.Status.StatusCode.StatusCode = &saml.StatusCode{Value: spec.SubStatusCode}
	}
	if spec.StatusMessage != "" {
		r.Status.StatusMessage = &saml.StatusMessage{Value: spec.StatusMessage}
	}
	responseEl := r.Element()
	if placed != nil {
		responseEl.AddChild(placed)
	}
	if signResponse {
		if err := signEnveloped(responseEl, key, or(spec.SignatureAlgorithm, DefaultSignatureAlgorithm), spec.OmitKeyInfo); err != nil {
			return Result{}, fmt.Errorf("response: signing the response with key %q: %w", key.Name, err)
		}
	}
	if signAssertion || signResponse {
		res.SignedWith = key.Name
	}
	if spec.Tamper && !encrypt {
		if err := tamper(assertionEl); err != nil {
			return Result{}, err
		}
	}

	doc := etree.NewDocument()
	doc.SetRoot(responseEl)
	res.XML, err = doc.WriteToBytes()
	if err != nil {
		return Result{}, fmt.Errorf("response: serializing: %w", err)
	}
	return res, nil
}

// tamper changes the assertion's NameID so that its signature, and every
// signature over it, fails while the XML stays well formed.
func tamper(assertionEl *etree.Element) error {
	if assertionEl == nil {
		return errors.New("response: tamper: the response has no assertion to tamper with")
	}
	var n *etree.Element
	if subj := assertionEl.SelectElement("Subject"); subj != nil {
		n = subj.SelectElement("NameID")
	}
	if n == nil {
		return errors.New("response: tamper: assertion has no Subject/NameID")
	}
	n.SetText(n.Text() + ".tampered")
	return nil
}

// assertionElement is a.Element(), which runs exclusive canonicalization
// over the new tree and panics if that fails. It cannot fail for the trees
// built here (every prefix is declared where it is used); the recover keeps
// a future mistake from crashing the server.
func assertionElement(a *saml.Assertion) (el *etree.Element, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("response: serializing the assertion: %v", r)
		}
	}()
	return a.Element(), nil
}

// signEnveloped signs el with goxmldsig (exclusive c14n, enveloped
// transform, Reference URI "#"+ID) and places the ds:Signature directly
// after el's Issuer, where the SAML schema wants it. goxmldsig's
// SignEnveloped would append the signature to a deep copy of el;
// ConstructSignature is the same code without the copy, and the position of
// an enveloped signature does not affect the digest.
func signEnveloped(el *etree.Element, key Key, alg string, omitKeyInfo bool) error {
	method, ok := methodURIs[alg]
	if !ok {
		return fmt.Errorf("signature algorithm %q: want one of rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512", alg)
	}
	ctx, err := signingContext(key, method)
	if err != nil {
		return err
	}
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return err
	}
	placeSignature(el, sig, omitKeyInfo)
	return nil
}

// signingContext returns goxmldsig's signing context for key and method.
// SetSignatureMethod sets the context's hash, which goxmldsig uses for the
// reference digest as well as for the signature, so rsa-sha1 digests with
// SHA-1 and rsa-sha512 with SHA-512.
func signingContext(key Key, method string) (*dsig.SigningContext, error) {
	if key.Signer == nil || key.Certificate == nil {
		return nil, fmt.Errorf("key %q has no signer or no certificate", key.Name)
	}
	if _, ok := key.Signer.Public().(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("key %q is a %T, not RSA; the supported signature algorithms are RSA only", key.Name, key.Signer.Public())
	}
	ctx, err := dsig.NewSigningContext(key.Signer, [][]byte{key.Certificate.Raw})
	if err != nil {
		return nil, err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(method); err != nil {
		return nil, err
	}
	return ctx, nil
}

// placeSignature inserts sig into el directly after el's saml:Issuer (first
// if there is none), removing ds:KeyInfo first when asked. KeyInfo lies
// outside SignedInfo, so removing it does not invalidate the signature.
func placeSignature(el, sig *etree.Element, omitKeyInfo bool) {
	if omitKeyInfo {
		if ki := sig.SelectElement(dsig.KeyInfoTag); ki != nil {
			sig.RemoveChild(ki)
		}
	}
	at := 0
	for i, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == "Issuer" {
			at = i + 1
			break
		}
	}
	el.InsertChildAt(at, sig)
}

func findKey(keys []Key, name string) (Key, error) {
	if len(keys) == 0 {
		return Key{}, errors.New("response: signing requested but Input.Keys is empty; give the IdP a key or use Sign \"none\"")
	}
	if name == "" {
		return keys[0], nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		if k.Name == name {
			return k, nil
		}
		names[i] = k.Name
	}
	return Key{}, fmt.Errorf("response: signing key %q is not one of the IdP's keys (%s)", name, strings.Join(names, ", "))
}

func newID(b [20]byte) string {
	var buf [41]byte
	buf[0] = '_'
	hex.Encode(buf[1:], b[:])
	return string(buf[:])
}

func or(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ParseKey builds a Key from a PEM certificate and a PEM private key and
// checks that the key matches the certificate.
func ParseKey(name string, certPEM, keyPEM []byte) (Key, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return Key{}, fmt.Errorf("certificate: %w", err)
	}
	priv, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return Key{}, fmt.Errorf("private key: %w", err)
	}
	if !priv.PublicKey.Equal(cert.PublicKey) {
		return Key{}, errors.New("private key does not match the certificate's public key")
	}
	return Key{Name: name, Signer: priv, Certificate: cert}, nil
}

// ParseCertificatePEM parses the first PEM block of b as an X.509 certificate.
func ParseCertificatePEM(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block found; want -----BEGIN CERTIFICATE-----")
	}
	if blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("PEM block is %q; want CERTIFICATE", blk.Type)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a valid X.509 certificate: %w", err)
	}
	return cert, nil
}

// ParsePrivateKeyPEM parses the first PEM block of b as an unencrypted RSA
// private key, PKCS #8 ("PRIVATE KEY") or PKCS #1 ("RSA PRIVATE KEY").
func ParsePrivateKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block found; want -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----")
	}
	var (
		priv any
		err  error
	)
	switch blk.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q; want PRIVATE KEY (PKCS #8) or RSA PRIVATE KEY (PKCS #1), unencrypted", blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("not a valid %s: %w", blk.Type, err)
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%T is not RSA; the mock IdP signs with RSA only", priv)
	}
	return rk, nil
}
