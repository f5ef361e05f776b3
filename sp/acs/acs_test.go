package acs

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

const (
	idpEntityID = "http://idp.localhost:9082/metadata"
	spEntityID  = "glance.net/sp/1"
	acsURL      = "http://sp.localhost:9081/account/GetLoginKey.aspx?sso=1&idpid=12345"
	otherACSURL = "http://sp.localhost:9081/account/GetLoginKey.aspx?sso=1&idpid=777"
	requestID   = "_request-1"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func idpKeys(t testing.TB) []response.Key {
	t.Helper()
	var keys []response.Key
	for _, name := range []string{fixtures.IdPKeyA, fixtures.IdPKeyB, fixtures.IdPKeyRogue} {
		kp := fixtures.MustLoad(name)
		keys = append(keys, response.Key{Name: name, Signer: kp.PrivateKey, Certificate: kp.Certificate})
	}
	return keys
}

// trust returns the policy of a group that trusts the named fixture keys.
func trust(t testing.TB, names ...string) Policy {
	t.Helper()
	var pems []string
	for _, n := range names {
		pems = append(pems, fixtures.MustLoad(n).CertificatePEM)
	}
	keys, err := NewTrustedKeys(pems)
	if err != nil {
		t.Fatal(err)
	}
	return Policy{IdPEntityID: idpEntityID, Keys: keys, SPEntityID: spEntityID, ACSURL: acsURL}
}

func build(t testing.TB, opts ...response.Option) string {
	t.Helper()
	return buildFor(t, acsURL, opts...)
}

func buildFor(t testing.TB, acs string, opts ...response.Option) string {
	t.Helper()
	var spec response.Spec
	response.Apply(&spec, opts...)
	xml, err := response.Build(response.Input{
		Spec: spec, IdPEntityID: idpEntityID, SPEntityID: spEntityID, ACSURL: acs,
		RequestID: requestID,
		Subject: response.Subject{NameID: "alice@example.com", Attributes: []response.Attribute{
			{Name: "email", Values: []string{"alice@example.com"}},
			{Name: "groups", Values: []string{"agents", "admins"}},
		}},
		Keys: idpKeys(t), Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(xml)
}

func mustRefuse(t *testing.T, encoded string, p Policy, want error) {
	t.Helper()
	res, err := Validate(encoded, p, now)
	if err == nil {
		t.Fatalf("accepted (%+v); want %v", res, want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v; want %v", err, want)
	}
	if ReasonOf(err) != ReasonOf(want) {
		t.Fatalf("ReasonOf = %s, want %s", ReasonOf(err), ReasonOf(want))
	}
}

func TestEverySigningModeIsAccepted(t *testing.T) {
	for _, tc := range []struct {
		name                string
		opt                 response.Option
		response, assertion bool
	}{
		{"assertion", response.SignAssertion(), false, true},
		{"response", response.SignResponse(), true, false},
		{"both", response.SignBoth(), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Validate(build(t, tc.opt), trust(t, fixtures.IdPKeyA), now)
			if err != nil {
				t.Fatal(err)
			}
			if res.ResponseSigned != tc.response || res.AssertionSigned != tc.assertion {
				t.Errorf("signed response=%v assertion=%v", res.ResponseSigned, res.AssertionSigned)
			}
			if res.NameID != "alice@example.com" || res.InResponseTo != requestID || res.Issuer != idpEntityID {
				t.Errorf("result = %+v", res)
			}
			if got := res.Attributes["groups"]; len(got) != 2 || got[1] != "admins" {
				t.Errorf("attributes = %v", res.Attributes)
			}
			if !strings.HasPrefix(res.VerifiedBy, "key 1 (sha256:") {
				t.Errorf("VerifiedBy = %q", res.VerifiedBy)
			}
			if !res.AssertionExpires.After(now) {
				t.Errorf("AssertionExpires %s not after now", res.AssertionExpires)
			}
		})
	}
}

func TestEveryStrongAlgorithmIsAccepted(t *testing.T) {
	for _, alg := range []string{response.RSASHA256, response.RSASHA384, response.RSASHA512} {
		if _, err := Validate(build(t, response.Algorithm(alg)), trust(t, fixtures.IdPKeyA), now); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}
}

func TestSHA1IsRefusedUnlessAllowed(t *testing.T) {
	encoded := build(t, response.Algorithm(response.RSASHA1))
	p := trust(t, fixtures.IdPKeyA)
	mustRefuse(t, encoded, p, ErrWeakAlgorithm)
	p.AllowSHA1 = true
	if _, err := Validate(encoded, p, now); err != nil {
		t.Fatalf("with AllowSHA1: %v", err)
	}
}

// Seed 001 "Changing Public Keys": every configured key is tried in turn,
// whatever KeyInfo says.
func TestEachConfiguredKeyIsTriedInTurn(t *testing.T) {
	p := trust(t, fixtures.IdPKeyA, fixtures.IdPKeyB)
	for _, tc := range []struct {
		name string
		opts []response.Option
		want string
	}{
		{"A with KeyInfo", nil, "key 1 "},
		{"B with KeyInfo", []response.Option{response.SignedBy(fixtures.IdPKeyB)}, "key 2 "},
		// goxmldsig alone refuses these with "Missing x509 Element".
		{"A without KeyInfo", []response.Option{response.WithoutKeyInfo()}, "key 1 "},
		{"B without KeyInfo", []response.Option{response.SignedBy(fixtures.IdPKeyB), response.WithoutKeyInfo()}, "key 2 "},
		{"B response-signed without KeyInfo", []response.Option{response.SignedBy(fixtures.IdPKeyB), response.WithoutKeyInfo(), response.SignResponse()}, "key 2 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Validate(build(t, tc.opts...), p, now)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.VerifiedBy, tc.want) {
				t.Errorf("VerifiedBy = %q, want prefix %q", res.VerifiedBy, tc.want)
			}
		})
	}
}

// A KeyInfo naming none of the configured keys does not stop a configured
// key from verifying; the message's own certificate is never trusted.
func TestKeyInfoIsOnlyAHint(t *testing.T) {
	encoded := build(t, response.SignedBy(fixtures.IdPKeyA))
	raw, _ := base64.StdEncoding.DecodeString(encoded)
	rogue := fixtures.MustLoad(fixtures.IdPKeyRogue).Certificate.Raw
	a := fixtures.MustLoad(fixtures.IdPKeyA).Certificate.Raw
	swapped := bytes.Replace(raw, []byte(base64.StdEncoding.EncodeToString(a)), []byte(base64.StdEncoding.EncodeToString(rogue)), 1)
	if bytes.Equal(swapped, raw) {
		t.Fatal("KeyInfo certificate not found in the response")
	}
	res, err := Validate(base64.StdEncoding.EncodeToString(swapped), trust(t, fixtures.IdPKeyB, fixtures.IdPKeyA), now)
	if err != nil {
		t.Fatalf("a configured key signed it: %v", err)
	}
	if !strings.HasPrefix(res.VerifiedBy, "key 2 ") {
		t.Errorf("VerifiedBy = %q", res.VerifiedBy)
	}
}

func TestSignatureRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []response.Option
		policy Policy
		want   error
	}{
		{"unknown key, KeyInfo carries its certificate", []response.Option{response.SignedBy(fixtures.IdPKeyRogue)}, trust(t, fixtures.IdPKeyA, fixtures.IdPKeyB), ErrBadSignature},
		{"unknown key without KeyInfo", []response.Option{response.SignedBy(fixtures.IdPKeyRogue), response.WithoutKeyInfo()}, trust(t, fixtures.IdPKeyA), ErrBadSignature},
		{"retired key", []response.Option{response.SignedBy(fixtures.IdPKeyA)}, trust(t, fixtures.IdPKeyB), ErrBadSignature},
		{"tampered after signing", []response.Option{response.Tampered()}, trust(t, fixtures.IdPKeyA), ErrBadSignature},
		{"tampered, response-signed", []response.Option{response.Tampered(), response.SignResponse()}, trust(t, fixtures.IdPKeyA), ErrBadSignature},
		{"unsigned", []response.Option{response.Unsigned()}, trust(t, fixtures.IdPKeyA), ErrUnsigned},
		{"no trusted keys", nil, Policy{IdPEntityID: idpEntityID, SPEntityID: spEntityID, ACSURL: acsURL}, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustRefuse(t, build(t, tc.opts...), tc.policy, tc.want)
		})
	}
}

func TestProfileRefusals(t *testing.T) {
	p := trust(t, fixtures.IdPKeyA)
	for _, tc := range []struct {
		name string
		opts []response.Option
		want error
	}{
		{"expired", []response.Option{response.Expired()}, ErrExpired},
		{"expired, response-signed", []response.Option{response.Expired(), response.SignResponse()}, ErrExpired},
		{"not yet valid", []response.Option{response.NotYetValid()}, ErrNotYetValid},
		{"validity ends just beyond the skew", []response.Option{response.ValidUntil(-181 * time.Second)}, ErrExpired},
		{"wrong audience", []response.Option{response.WrongAudience()}, ErrAudience},
		{"no audience restriction", []response.Option{response.WithoutAudienceRestriction()}, ErrAudience},
		{"wrong destination", []response.Option{response.WrongDestination()}, ErrDestination},
		{"no destination on a signed response", []response.Option{response.WithDestination(""), response.SignResponse()}, ErrDestination},
		{"wrong recipient", []response.Option{response.WrongRecipient()}, ErrRecipient},
		{"no recipient", []response.Option{response.WithRecipient("")}, ErrSubjectConfirmation},
		{"no subject confirmation data", []response.Option{response.WithoutSubjectConfirmationData()}, ErrSubjectConfirmation},
		{"wrong issuer", []response.Option{response.WrongIssuer()}, ErrIssuer},
		{"IdP says no", []response.Option{response.WithStatus(response.StatusResponder, response.StatusAuthnFailed, "wrong password")}, ErrIdPStatus},
		{"issued in the future", []response.Option{response.IssuedAt(10 * time.Minute)}, ErrNotYetValid},
		{"issued long ago", []response.Option{response.IssuedAt(-20 * time.Minute), response.ValidUntil(time.Hour)}, ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustRefuse(t, build(t, tc.opts...), p, tc.want)
		})
	}
}

func TestClockSkewIsHonoured(t *testing.T) {
	p := trust(t, fixtures.IdPKeyA)
	encoded := build(t, response.ValidUntil(-100*time.Second))
	if _, err := Validate(encoded, p, now); err != nil {
		t.Fatalf("within the default 180 s skew: %v", err)
	}
	p.ClockSkew = 60 * time.Second
	mustRefuse(t, encoded, p, ErrExpired)
}

func TestDestinationMayBeAbsentWhenOnlyTheAssertionIsSigned(t *testing.T) {
	if _, err := Validate(build(t, response.WithDestination("")), trust(t, fixtures.IdPKeyA), now); err != nil {
		t.Fatal(err)
	}
}

// An assertion made for another group never signs anyone into this one,
// even though both groups trust the same IdP and share the entity ID.
func TestAnAssertionForAnotherGroupIsRefused(t *testing.T) {
	p := trust(t, fixtures.IdPKeyA)
	mustRefuse(t, buildFor(t, otherACSURL), p, ErrDestination)
	mustRefuse(t, buildFor(t, otherACSURL, response.SignResponse()), p, ErrDestination)
	mustRefuse(t, buildFor(t, otherACSURL, response.WithDestination("")), p, ErrRecipient)
	mustRefuse(t, buildFor(t, otherACSURL, response.WithDestination(acsURL)), p, ErrRecipient)
}

func TestSubjectConfirmationMustAnswerTheSameRequest(t *testing.T) {
	// A signed Response covers its InResponseTo: rewriting it breaks the signature.
	raw := decode(t, build(t, response.SignResponse()))
	altered := bytes.Replace(raw, []byte(`InResponseTo="`+requestID+`"`), []byte(`InResponseTo="_other"`), 1)
	mustRefuse(t, encode(altered), trust(t, fixtures.IdPKeyA), ErrBadSignature)
	// With only the assertion signed, the Response's InResponseTo is not
	// covered; the signed SubjectConfirmationData must then agree with it.
	raw = decode(t, build(t))
	altered = bytes.Replace(raw, []byte(`InResponseTo="`+requestID+`"`), []byte(`InResponseTo="_other"`), 1)
	mustRefuse(t, encode(altered), trust(t, fixtures.IdPKeyA), ErrSubjectConfirmation)
}

func TestBoundsAndHostileInputAreRefusedBeforeParsing(t *testing.T) {
	p := trust(t, fixtures.IdPKeyA)
	good := build(t)
	raw := decode(t, good)

	small := p
	small.MaxResponseBytes = 2048
	mustRefuse(t, good, small, ErrTooLarge)
	mustRefuse(t, strings.Repeat("A", 2<<20), p, ErrTooLarge)

	doctype := append([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "x">]>`), raw...)
	mustRefuse(t, encode(doctype), p, ErrDoctype)
	mustRefuse(t, encode(bytes.Replace(doctype, []byte("DOCTYPE"), []byte("doctype"), 1)), p, ErrDoctype)

	mustRefuse(t, "%%% not base64 %%%", p, ErrMalformed)
	mustRefuse(t, encode([]byte("<Response")), p, ErrMalformed)
	mustRefuse(t, encode([]byte(`<Foo xmlns="urn:oasis:names:tc:SAML:2.0:protocol"/>`)), p, ErrMalformed)
	mustRefuse(t, "", p, ErrMalformed)
}

// The signature's Reference must point at the element it protects by ID.
func TestReferenceMustNameTheSignedElement(t *testing.T) {
	raw := decode(t, build(t))
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	ref := doc.FindElement("//Assertion/Signature/SignedInfo/Reference")
	if ref == nil {
		t.Fatal("no Reference")
	}
	ref.CreateAttr("URI", "")
	out, _ := doc.WriteToBytes()
	mustRefuse(t, encode(out), trust(t, fixtures.IdPKeyA), ErrBadReference)

	ref.CreateAttr("URI", "#someone-else")
	out, _ = doc.WriteToBytes()
	mustRefuse(t, encode(out), trust(t, fixtures.IdPKeyA), ErrBadReference)
}

// Signature wrapping: a second, unsigned assertion beside the signed one is
// refused rather than read.
func TestASecondAssertionIsRefused(t *testing.T) {
	raw := decode(t, build(t))
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	signed := doc.FindElement("//Assertion")
	evil := signed.Copy()
	evil.CreateAttr("ID", "_evil")
	evil.FindElement("./Subject/NameID").SetText("mallory@example.com")
	if sig := evil.FindElement("./Signature"); sig != nil {
		evil.RemoveChild(sig)
	}
	doc.Root().InsertChildAt(signed.Index(), evil)
	out, _ := doc.WriteToBytes()
	mustRefuse(t, encode(out), trust(t, fixtures.IdPKeyA), ErrMalformed)
}

// The Response-signed case: what is read is what was signed, so moving the
// signed assertion and planting another is caught by the signature.
func TestResponseSignatureCoversTheAssertionThatIsRead(t *testing.T) {
	raw := decode(t, build(t, response.SignResponse()))
	altered := bytes.Replace(raw, []byte("alice@example.com</saml:NameID>"), []byte("mallory@example.com</saml:NameID>"), 1)
	if bytes.Equal(altered, raw) {
		t.Fatal("NameID not found")
	}
	mustRefuse(t, encode(altered), trust(t, fixtures.IdPKeyA), ErrBadSignature)
}

func TestPeekReadsClaimsWithoutTrustingThem(t *testing.T) {
	issuer, nameID := Peek(build(t, response.SignedBy(fixtures.IdPKeyRogue)), 0)
	if issuer != idpEntityID || nameID != "alice@example.com" {
		t.Errorf("Peek = %q, %q", issuer, nameID)
	}
	if i, n := Peek("not base64", 0); i != "" || n != "" {
		t.Errorf("Peek of garbage = %q, %q", i, n)
	}
}

func TestCertificatesArePEMOrBareBase64(t *testing.T) {
	kp := fixtures.MustLoad(fixtures.IdPKeyA)
	if _, err := ParseCertificate(kp.CertificatePEM); err != nil {
		t.Error(err)
	}
	if _, err := ParseCertificate(base64.StdEncoding.EncodeToString(kp.Certificate.Raw)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", base64.StdEncoding.EncodeToString([]byte("not DER"))} {
		if _, err := ParseCertificate(bad); err == nil {
			t.Errorf("ParseCertificate(%q) accepted", bad)
		}
	}
}

func decode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestAuthnContextMustSatisfyTheRequest(t *testing.T) {
	const (
		ppt      = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
		password = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
		x509     = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
		custom   = "https://idp.example.com/ac/custom"
	)
	for _, tc := range []struct {
		classRef, comparison, got string
		ok                        bool
	}{
		{"", "", password, true}, // nothing requested
		{ppt, "", ppt, true},
		{ppt, "exact", x509, false},
		{ppt, "minimum", x509, true},
		{ppt, "minimum", password, false},
		{ppt, "maximum", password, true},
		{ppt, "maximum", x509, false},
		{ppt, "better", ppt, false},
		{ppt, "better", x509, true},
		{custom, "exact", custom, true},
		{custom, "minimum", x509, false}, // unknown classes only match exactly
	} {
		p := trust(t, fixtures.IdPKeyA)
		p.AuthnContext = AuthnContextRequirement{ClassRef: tc.classRef, Comparison: tc.comparison}
		_, err := Validate(build(t, response.AuthnContext(tc.got)), p, now)
		if tc.ok && err != nil {
			t.Errorf("%s %s, got %s: %v", tc.comparison, tc.classRef, tc.got, err)
		}
		if !tc.ok && !errors.Is(err, ErrAuthnContext) {
			t.Errorf("%s %s, got %s: err = %v, want ErrAuthnContext", tc.comparison, tc.classRef, tc.got, err)
		}
	}
}
