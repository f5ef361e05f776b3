package response_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	sha1Digest   = "http://www.w3.org/2000/09/xmldsig#sha1"
	sha256Digest = "http://www.w3.org/2001/04/xmlenc#sha256"
	sha384Digest = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	sha512Digest = "http://www.w3.org/2001/04/xmlenc#sha512"
)

func TestSignatureModesAndAlgorithms(t *testing.T) {
	keyA := testKeys(t)["key-a"].Certificate
	algs := []struct{ alg, method, digest string }{
		{response.RSASHA1, dsig.RSASHA1SignatureMethod, sha1Digest},
		{response.RSASHA256, dsig.RSASHA256SignatureMethod, sha256Digest},
		{response.RSASHA384, dsig.RSASHA384SignatureMethod, sha384Digest},
		{response.RSASHA512, dsig.RSASHA512SignatureMethod, sha512Digest},
	}
	modes := []struct {
		mode                        string
		assertionSigned, respSigned bool
	}{
		{response.SignAssertionOnly, true, false},
		{response.SignResponseOnly, false, true},
		{response.SignBothElements, true, true},
	}
	for _, m := range modes {
		for _, a := range algs {
			t.Run(m.mode+"/"+a.alg, func(t *testing.T) {
				resp := build(t, testInput(t, func(s *response.Spec) { s.Sign = m.mode }, response.Algorithm(a.alg)))
				assertion := assertionOf(t, resp)
				for _, c := range []struct {
					el     *etree.Element
					signed bool
				}{{assertion, m.assertionSigned}, {resp, m.respSigned}} {
					if !c.signed {
						if c.el.SelectElement("Signature") != nil {
							t.Errorf("%s is signed; mode %q must not sign it", c.el.Tag, m.mode)
						}
						continue
					}
					sig := verify(t, c.el, keyA)
					method, digest := algorithms(sig)
					if method != a.method || digest != a.digest {
						t.Errorf("%s: SignatureMethod %s, DigestMethod %s; want %s, %s", c.el.Tag, method, digest, a.method, a.digest)
					}
					// Schema order: the signature directly follows Issuer.
					kids := c.el.ChildElements()
					if len(kids) < 2 || kids[0].Tag != "Issuer" || kids[1].Tag != "Signature" {
						t.Errorf("%s children start %v; want Issuer, Signature", c.el.Tag, tags(kids))
					}
					ref := sig.FindElement("./SignedInfo/Reference")
					if got, want := ref.SelectAttrValue("URI", ""), "#"+c.el.SelectAttrValue("ID", ""); got != want {
						t.Errorf("%s: Reference URI %q, want %q", c.el.Tag, got, want)
					}
					if sig.FindElement("./KeyInfo/X509Data/X509Certificate") == nil {
						t.Errorf("%s: signature has no KeyInfo certificate", c.el.Tag)
					}
				}
			})
		}
	}
}

func tags(els []*etree.Element) []string {
	out := make([]string, len(els))
	for i, e := range els {
		out[i] = e.Tag
	}
	return out
}

func TestSignedByAndWithoutKeyInfo(t *testing.T) {
	keys := testKeys(t)
	t.Run("SignedBy", func(t *testing.T) {
		resp := build(t, testInput(t, response.SignedBy("key-b"), response.SignBoth()))
		for _, el := range []*etree.Element{resp, assertionOf(t, resp)} {
			verify(t, el, keys["key-b"].Certificate)
			vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{keys["key-a"].Certificate}})
			vc.Clock = dsig.NewFakeClockAt(testNow)
			if _, err := vc.Validate(el); err == nil {
				t.Errorf("%s signed by key-b verifies against key-a", el.Tag)
			}
		}
	})
	t.Run("WithoutKeyInfo", func(t *testing.T) {
		resp := build(t, testInput(t, response.WithoutKeyInfo(), response.SignBoth()))
		for _, el := range []*etree.Element{resp, assertionOf(t, resp)} {
			if ki := signatureOf(t, el).SelectElement("KeyInfo"); ki != nil {
				t.Errorf("%s signature has KeyInfo", el.Tag)
			}
			// goxmldsig falls back to the only trusted certificate.
			verify(t, el, keys["key-a"].Certificate)
		}
	})
	t.Run("IdPCurrentKey", func(t *testing.T) {
		in := testInput(t)
		in.SigningKey = "key-b"
		verify(t, assertionOf(t, build(t, in)), keys["key-b"].Certificate)
	})
}

func TestUnsignedHasNoSignature(t *testing.T) {
	out, err := response.Build(testInput(t, response.Unsigned()))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Signature")) {
		t.Errorf("unsigned response contains a signature:\n%s", out)
	}
}

func TestTamperedSignaturesFail(t *testing.T) {
	keyA := testKeys(t)["key-a"].Certificate
	resp := build(t, testInput(t, response.Tampered(), response.SignBoth()))
	for _, el := range []*etree.Element{resp, assertionOf(t, resp)} {
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{keyA}})
		vc.Clock = dsig.NewFakeClockAt(testNow)
		if _, err := vc.Validate(el); err == nil {
			t.Errorf("tampered %s still verifies", el.Tag)
		}
	}
	if got := resp.FindElement("./Assertion/Subject/NameID").Text(); got != "alice@example.com.tampered" {
		t.Errorf("NameID %q", got)
	}
}

// TestFaultsChangeOnlyTheirField compares each faulted response with the
// correct one built from the same clock and random bytes: the difference
// must be exactly the fields the option promises.
func TestFaultsChangeOnlyTheirField(t *testing.T) {
	const (
		a    = "Response/Assertion"
		scd  = a + "/Subject/SubjectConfirmation/SubjectConfirmationData"
		cond = a + "/Conditions"
	)
	times := func(issue, notBefore, notOnOrAfter string) map[string]string {
		return map[string]string{
			"Response@IssueInstant":            issue,
			a + "@IssueInstant":                issue,
			a + "/AuthnStatement@AuthnInstant": issue,
			cond + "@NotBefore":                notBefore,
			cond + "@NotOnOrAfter":             notOnOrAfter,
			scd + "@NotOnOrAfter":              notOnOrAfter,
		}
	}
	cases := []struct {
		name string
		opt  response.Option
		want map[string]string
	}{
		{"Expired", response.Expired(), times("2026-01-02T02:54:05.678Z", "2026-01-02T02:53:05.678Z", "2026-01-02T02:59:05.678Z")},
		{"NotYetValid", response.NotYetValid(), times("2026-01-02T03:14:05.678Z", "2026-01-02T03:14:05.678Z", "2026-01-02T03:19:05.678Z")},
		{"ValidUntil", response.ValidUntil(0), map[string]string{cond + "@NotOnOrAfter": "2026-01-02T03:04:05.678Z", scd + "@NotOnOrAfter": "2026-01-02T03:04:05.678Z"}},
		{"ValidFrom", response.ValidFrom(0), map[string]string{cond + "@NotBefore": "2026-01-02T03:04:05.678Z"}},
		{"WrongAudience", response.WrongAudience(), map[string]string{cond + "/AudienceRestriction/Audience": response.WrongAudienceValue}},
		{"WrongDestination", response.WrongDestination(), map[string]string{"Response@Destination": response.WrongDestinationValue}},
		{"WrongRecipient", response.WrongRecipient(), map[string]string{scd + "@Recipient": response.WrongRecipientValue}},
		{"WrongIssuer", response.WrongIssuer(), map[string]string{"Response/Issuer": response.WrongIssuerValue, a + "/Issuer": response.WrongIssuerValue}},
		{"WithoutDestination", response.WithDestination(""), map[string]string{"Response@Destination": absent}},
		{"WithoutIssuer", response.WithIssuer(""), map[string]string{"Response/Issuer": absent, "Response/Issuer@Format": absent, a + "/Issuer": "", a + "/Issuer@Format": absent}},
		{"NameIDValue", response.NameIDValue("bob@example.com"), map[string]string{a + "/Subject/NameID": "bob@example.com"}},
		{"NameIDFormatURN", response.NameIDFormatURN(response.NameIDFormatPersistent), map[string]string{a + "/Subject/NameID@Format": response.NameIDFormatPersistent}},
		{"InResponseToValue", response.InResponseToValue("_other"), map[string]string{"Response@InResponseTo": "_other", scd + "@InResponseTo": "_other"}},
		{"WithoutInResponseTo", response.WithoutInResponseTo(), map[string]string{"Response@InResponseTo": absent, scd + "@InResponseTo": absent}},
		{"WithoutAudienceRestriction", response.WithoutAudienceRestriction(), map[string]string{cond + "/AudienceRestriction": absent, cond + "/AudienceRestriction/Audience": absent}},
		{"WithoutSubjectConfirmationData", response.WithoutSubjectConfirmationData(), map[string]string{scd: absent, scd + "@NotOnOrAfter": absent, scd + "@Recipient": absent, scd + "@InResponseTo": absent}},
		{"AuthnContext", response.AuthnContext(response.AuthnContextX509), map[string]string{a + "/AuthnStatement/AuthnContext/AuthnContextClassRef": response.AuthnContextX509}},
		{"WithAttributes", response.WithAttributes(response.Attribute{Name: "email", NameFormat: response.AttrNameFormatBasic, Values: []string{"other@example.com"}}), map[string]string{
			a + "/AttributeStatement/Attribute/AttributeValue": "other@example.com",
			a + "/AttributeStatement/Attribute[1]":             absent, a + "/AttributeStatement/Attribute[1]@Name": absent, a + "/AttributeStatement/Attribute[1]@NameFormat": absent,
			a + "/AttributeStatement/Attribute[1]/AttributeValue": absent, a + "/AttributeStatement/Attribute[1]/AttributeValue@type": absent,
			a + "/AttributeStatement/Attribute[1]/AttributeValue[1]": absent, a + "/AttributeStatement/Attribute[1]/AttributeValue[1]@type": absent,
		}},
		// Signing options change signatures only, never the signed content.
		{"Unsigned", response.Unsigned(), map[string]string{}},
		{"SignResponse", response.SignResponse(), map[string]string{}},
		{"SignBoth", response.SignBoth(), map[string]string{}},
		{"SignAssertion", response.SignAssertion(), map[string]string{}},
		{"SignedBy", response.SignedBy("key-b"), map[string]string{}},
		{"Algorithm", response.Algorithm(response.RSASHA512), map[string]string{}},
		{"WithoutKeyInfo", response.WithoutKeyInfo(), map[string]string{}},
	}
	base := flatten(build(t, testInput(t)))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := diff(base, flatten(build(t, testInput(t, c.opt))))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("changed fields:\n%swant:\n%s", formatDiff(got), formatDiff(c.want))
			}
		})
	}
}

func TestNonSuccessStatusHasNoAssertion(t *testing.T) {
	resp := build(t, testInput(t, response.WithStatus(response.StatusResponder, response.StatusNoPassive, "passive sign-on impossible"), response.SignBoth()))
	if resp.SelectElement("Assertion") != nil {
		t.Error("failure response carries an assertion")
	}
	sc := resp.FindElement("./Status/StatusCode")
	if v := sc.SelectAttrValue("Value", ""); v != response.StatusResponder {
		t.Errorf("StatusCode %q", v)
	}
	if v := sc.FindElement("./StatusCode").SelectAttrValue("Value", ""); v != response.StatusNoPassive {
		t.Errorf("nested StatusCode %q", v)
	}
	if m := resp.FindElement("./Status/StatusMessage").Text(); m != "passive sign-on impossible" {
		t.Errorf("StatusMessage %q", m)
	}
	verify(t, resp, testKeys(t)["key-a"].Certificate)
}

func TestIdPInitiatedOmitsInResponseTo(t *testing.T) {
	in := testInput(t)
	in.RequestID = ""
	out, err := response.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("InResponseTo")) {
		t.Errorf("IdP-initiated response has InResponseTo:\n%s", out)
	}
}

func TestIDsComeFromRand(t *testing.T) {
	r1, err := response.BuildResult(testInput(t))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := response.BuildResult(testInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r1.XML, r2.XML) {
		t.Error("same clock and random bytes gave different output")
	}
	for _, id := range []string{r1.ResponseID, r1.AssertionID} {
		if len(id) != 41 || id[0] != '_' {
			t.Errorf("ID %q: want _ and 40 hex digits", id)
		}
	}
	if r1.ResponseID == r1.AssertionID {
		t.Error("response and assertion share an ID")
	}
	if r1.SignedWith != "key-a" {
		t.Errorf("SignedWith %q", r1.SignedWith)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*response.Input)
		want string
	}{
		{"unknown key", func(in *response.Input) { in.Spec.SigningKey = "nope" }, `signing key "nope" is not one of the IdP's keys (key-a, key-b)`},
		{"bad algorithm", func(in *response.Input) { in.Spec.SignatureAlgorithm = "hmac-sha1" }, `signatureAlgorithm "hmac-sha1": want one of rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512`},
		{"bad sign mode", func(in *response.Input) { in.Spec.Sign = "all" }, `sign "all": want one of assertion, response, both, none`},
		{"no keys", func(in *response.Input) { in.Keys = nil }, "Input.Keys is empty"},
		{"no NameID", func(in *response.Input) { in.Subject.NameID = "" }, "no NameID"},
		{"no SP", func(in *response.Input) { in.SPEntityID = "" }, "Input.SPEntityID is empty"},
		{"control character", func(in *response.Input) { in.Subject.NameID = "a\x00b" }, "U+0000"},
		{"newline in attribute", func(in *response.Input) { in.ACSURL = "https://sp/acs\n" }, "Input.ACSURL: contains a tab or newline"},
		{"unnamed attribute", func(in *response.Input) { in.Spec.Attributes = []response.Attribute{{Values: []string{"x"}}} }, "attributes[0].name: empty"},
		{"short rand", func(in *response.Input) { in.Rand = strings.NewReader("short") }, "reading random bytes for IDs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := testInput(t)
			c.mod(&in)
			_, err := response.Build(in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want it to contain %q", err, c.want)
			}
		})
	}
	in := testInput(t, response.Algorithm("md5"))
	if _, err := response.Build(in); !errors.Is(err, response.ErrInvalidSpec) {
		t.Errorf("bad spec error %v does not wrap ErrInvalidSpec", err)
	}
}

func TestSpecJSON(t *testing.T) {
	if b, _ := json.Marshal(response.Spec{}); string(b) != "{}" {
		t.Errorf("zero Spec marshals to %s; want {}", b)
	}
	full := response.New(response.Expired(), response.SignBoth(), response.SignedBy("key-b"), response.Algorithm(response.RSASHA1),
		response.WithoutKeyInfo(), response.NameIDValue("n"), response.NameIDFormatURN(response.NameIDFormatTransient),
		response.WithAttributes(), response.WrongAudience(), response.WithDestination(""), response.WrongRecipient(),
		response.WrongIssuer(), response.WithoutInResponseTo(), response.WithoutAudienceRestriction(),
		response.WithoutSubjectConfirmationData(), response.WithStatus(response.StatusResponder, response.StatusNoPassive, "m"),
		response.AuthnContext(response.AuthnContextX509))
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"notOnOrAfterOffset":"-5m0s"`, `"attributes":[]`, `"destination":""`, `"signingKey":"key-b"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var back response.Spec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, full) {
		t.Errorf("round trip changed the spec:\n got %+v\nwant %+v", back, full)
	}
	var s response.Spec
	if err := json.Unmarshal([]byte(`{"notBeforeOffset":"-90s"}`), &s); err != nil || time.Duration(*s.NotBeforeOffset) != -90*time.Second {
		t.Errorf("notBeforeOffset -90s: %v, %v", s.NotBeforeOffset, err)
	}
	err = json.Unmarshal([]byte(`{"notBeforeOffset":"ten minutes"}`), &s)
	if err == nil || !strings.Contains(err.Error(), `want a Go duration such as "-10m"`) {
		t.Errorf("bad duration error: %v", err)
	}
	// Clone is deep.
	c := full.Clone()
	*c.Audience = "changed"
	*c.NotBeforeOffset = 0
	if *full.Audience != response.WrongAudienceValue || time.Duration(*full.NotBeforeOffset) != -11*time.Minute {
		t.Error("Clone shares pointers with the original")
	}
}

func TestParseKeyErrors(t *testing.T) {
	keyA, _ := os.ReadFile(filepath.Join("testdata", "key-a.key"))
	certA, _ := os.ReadFile(filepath.Join("testdata", "key-a.crt"))
	certB, _ := os.ReadFile(filepath.Join("testdata", "key-b.crt"))
	cases := []struct {
		name       string
		cert, key  []byte
		wantSubstr string
	}{
		{"no cert PEM", []byte("not pem"), keyA, "certificate: no PEM block found"},
		{"key as cert", keyA, keyA, `certificate: PEM block is "PRIVATE KEY"; want CERTIFICATE`},
		{"no key PEM", certA, nil, "private key: no PEM block found"},
		{"cert as key", certA, certA, `private key: PEM block is "CERTIFICATE"`},
		{"mismatch", certB, keyA, "does not match the certificate"},
	}
	for _, c := range cases {
		if _, err := response.ParseKey("k", c.cert, c.key); err == nil || !strings.Contains(err.Error(), c.wantSubstr) {
			t.Errorf("%s: error %v; want %q", c.name, err, c.wantSubstr)
		}
	}
}

// TestGolden pins the exact bytes of a few responses. Regenerate with
//
//	go test ./mockidp/response -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*response.Input)
	}{
		{"assertion-signed", func(*response.Input) {}},
		{"both-signed-sha512-key-b", func(in *response.Input) {
			response.Apply(&in.Spec, response.SignBoth(), response.Algorithm(response.RSASHA512), response.SignedBy("key-b"))
		}},
		{"response-signed-sha1-without-keyinfo", func(in *response.Input) {
			response.Apply(&in.Spec, response.SignResponse(), response.Algorithm(response.RSASHA1), response.WithoutKeyInfo())
		}},
		{"unsigned-idp-initiated", func(in *response.Input) { in.RequestID = ""; response.Apply(&in.Spec, response.Unsigned()) }},
		{"failure-status", func(in *response.Input) {
			response.Apply(&in.Spec, response.WithStatus(response.StatusRequester, response.StatusRequestDenied, ""), response.SignResponse())
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := testInput(t)
			c.mod(&in)
			got, err := response.Build(in)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".xml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff)\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}
