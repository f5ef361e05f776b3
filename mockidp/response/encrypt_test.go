package response_test

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// The rsa-oaep (xmlenc11) decrypter and the standard SHA-2 digest URIs are
// registered by sp/xmlenc11, which the response package imports.

var (
	contentURIs = map[string]string{
		response.AES128CBC: "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
		response.AES256CBC: "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
		response.AES128GCM: "http://www.w3.org/2009/xmlenc11#aes128-gcm",
		response.AES256GCM: "http://www.w3.org/2009/xmlenc11#aes256-gcm",
	}
	transportURIs = map[string]struct{ alg, digest string }{
		response.RSAOAEP:       {"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2000/09/xmldsig#sha1"},
		response.RSAOAEPSHA256: {"http://www.w3.org/2009/xmlenc11#rsa-oaep", "http://www.w3.org/2001/04/xmlenc#sha256"},
		response.RSA15:         {"http://www.w3.org/2001/04/xmlenc#rsa-1_5", ""},
	}
)

func fixtureKey(name string) response.Key {
	kp := fixtures.MustLoad(name)
	return response.Key{Name: name, Signer: kp.PrivateKey, Certificate: kp.Certificate}
}

// encInput is testInput with the fixture keys (idp-a current, idp-b,
// idp-rogue) and the fixture SP's encryption certificate.
func encInput(t testing.TB, opts ...response.Option) response.Input {
	in := testInput(t, opts...)
	in.Keys = []response.Key{fixtureKey(fixtures.IdPKeyA), fixtureKey(fixtures.IdPKeyB), fixtureKey(fixtures.IdPKeyRogue)}
	in.SigningKey = fixtures.IdPKeyA
	in.SPEncryptionCertificate = fixtures.MustLoad(fixtures.SPKey).Certificate
	return in
}

// encryptedData returns the response's only EncryptedAssertion's
// EncryptedData, checking that no plaintext Assertion is left.
func encryptedData(t testing.TB, resp *etree.Element) *etree.Element {
	t.Helper()
	if resp.SelectElement("Assertion") != nil {
		t.Fatal("an encrypted response still carries a plaintext Assertion")
	}
	ea := resp.SelectElements("EncryptedAssertion")
	if len(ea) != 1 || ea[0].Space != "saml" {
		t.Fatalf("want one saml:EncryptedAssertion, got %d", len(ea))
	}
	ed := ea[0].SelectElement("EncryptedData")
	if ed == nil || ed.Space != "xenc" {
		t.Fatal("EncryptedAssertion has no xenc:EncryptedData")
	}
	if got := ed.SelectAttrValue("Type", ""); got != "http://www.w3.org/2001/04/xmlenc#Element" {
		t.Errorf("EncryptedData Type %q", got)
	}
	return ed
}

// decrypt opens ed with key through xmlenc.Decrypt and parses the assertion.
func decrypt(t testing.TB, ed *etree.Element, key any) *etree.Element {
	t.Helper()
	plain, err := xmlenc.Decrypt(key, ed)
	if err != nil {
		t.Fatalf("xmlenc.Decrypt: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(plain); err != nil {
		t.Fatalf("decrypted assertion is not XML: %v\n%s", err, plain)
	}
	a := doc.Root()
	if a == nil || a.Tag != "Assertion" || a.Space != "saml" {
		t.Fatalf("decrypted element is not a saml:Assertion:\n%s", plain)
	}
	return a
}

func TestEncryptEveryAlgorithmPair(t *testing.T) {
	sp := fixtures.MustLoad(fixtures.SPKey)
	idpA := fixtures.MustLoad(fixtures.IdPKeyA).Certificate
	for _, content := range []string{response.AES128CBC, response.AES256CBC, response.AES128GCM, response.AES256GCM} {
		for _, transport := range []string{response.RSAOAEP, response.RSAOAEPSHA256, response.RSA15} {
			t.Run(content+"/"+transport, func(t *testing.T) {
				res, err := response.BuildResult(encInput(t, response.Encrypted(content, transport)))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(res.EncryptedTo, "CN=") {
					t.Errorf("Result.EncryptedTo %q; want the SP certificate's subject", res.EncryptedTo)
				}
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(res.XML); err != nil {
					t.Fatal(err)
				}
				ed := encryptedData(t, doc.Root())
				if got := ed.FindElement("./EncryptionMethod").SelectAttrValue("Algorithm", ""); got != contentURIs[content] {
					t.Errorf("content EncryptionMethod %q; want %q", got, contentURIs[content])
				}
				ek := ed.FindElement("./KeyInfo/EncryptedKey")
				if ek == nil {
					t.Fatal("no ds:KeyInfo/xenc:EncryptedKey inside EncryptedData")
				}
				want := transportURIs[transport]
				if got := ek.FindElement("./EncryptionMethod").SelectAttrValue("Algorithm", ""); got != want.alg {
					t.Errorf("key transport %q; want %q", got, want.alg)
				}
				digest := ""
				if dm := ek.FindElement("./EncryptionMethod/DigestMethod"); dm != nil {
					digest = dm.SelectAttrValue("Algorithm", "")
				}
				if digest != want.digest {
					t.Errorf("key transport DigestMethod %q; want %q", digest, want.digest)
				}
				a := decrypt(t, ed, sp.PrivateKey)
				if a.SelectAttrValue("ID", "") != res.AssertionID {
					t.Errorf("decrypted assertion ID %q; want %q", a.SelectAttrValue("ID", ""), res.AssertionID)
				}
				if got := a.FindElement("./Subject/NameID").Text(); got != "alice@example.com" {
					t.Errorf("NameID %q", got)
				}
				if a.SelectAttrValue("xmlns:xs", "") != "http://www.w3.org/2001/XMLSchema" {
					t.Error("the decrypted assertion does not declare the xs prefix of its xsi:type values")
				}
				verify(t, a, idpA)
			})
		}
	}
}

func TestEncryptWithResponseSignature(t *testing.T) {
	sp := fixtures.MustLoad(fixtures.SPKey)
	idpA := fixtures.MustLoad(fixtures.IdPKeyA).Certificate
	for _, c := range []struct {
		name            string
		opt             response.Option
		assertionSigned bool
	}{{"response", response.SignResponse(), false}, {"both", response.SignBoth(), true}} {
		t.Run(c.name, func(t *testing.T) {
			resp := build(t, encInput(t, c.opt, response.Encrypted(response.AES256GCM, response.RSAOAEP)))
			// The response signature covers the EncryptedAssertion.
			verify(t, resp, idpA)
			kids := resp.ChildElements()
			if len(kids) < 2 || kids[0].Tag != "Issuer" || kids[1].Tag != "Signature" {
				t.Errorf("response children start %v; want Issuer, Signature", tags(kids))
			}
			a := decrypt(t, encryptedData(t, resp), sp.PrivateKey)
			if c.assertionSigned {
				verify(t, a, idpA)
			} else if a.SelectElement("Signature") != nil {
				t.Error("sign=response signed the assertion")
			}
		})
	}
}

func TestEncryptedToRogueKey(t *testing.T) {
	resp := build(t, encInput(t, response.EncryptedTo(fixtures.IdPKeyRogue)))
	ed := encryptedData(t, resp)
	if _, err := xmlenc.Decrypt(fixtures.MustLoad(fixtures.SPKey).PrivateKey, ed); err == nil {
		t.Fatal("the SP key decrypted an assertion encrypted to the rogue key")
	}
	// It is a real encryption, to the rogue key.
	verify(t, decrypt(t, ed, fixtures.MustLoad(fixtures.IdPKeyRogue).PrivateKey), fixtures.MustLoad(fixtures.IdPKeyA).Certificate)
}

func TestEncryptTamper(t *testing.T) {
	idpA := fixtures.MustLoad(fixtures.IdPKeyA).Certificate
	resp := build(t, encInput(t, response.SignBoth(), response.Tampered(), response.Encrypted("", "")))
	verify(t, resp, idpA) // made over the ciphertext, after tampering
	a := decrypt(t, encryptedData(t, resp), fixtures.MustLoad(fixtures.SPKey).PrivateKey)
	if got := a.FindElement("./Subject/NameID").Text(); got != "alice@example.com.tampered" {
		t.Errorf("NameID %q", got)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{idpA}})
	vc.Clock = dsig.NewFakeClockAt(testNow)
	if _, err := vc.Validate(a); err == nil {
		t.Error("the tampered, decrypted assertion still verifies")
	}
}

func TestEncryptFailureStatusSendsNoAssertion(t *testing.T) {
	resp := build(t, encInput(t, response.Encrypted("", ""), response.WithStatus(response.StatusResponder, "", "")))
	if resp.SelectElement("EncryptedAssertion") != nil || resp.SelectElement("Assertion") != nil {
		t.Error("a failure response carries an assertion")
	}
}

func TestEncryptErrors(t *testing.T) {
	cases := []struct {
		name    string
		mod     func(*response.Input)
		want    string
		invalid bool
	}{
		{"no SP certificate", func(in *response.Input) { in.SPEncryptionCertificate = nil }, "no SP encryption certificate; set Input.SPEncryptionCertificate", false},
		{"unknown encryptTo", func(in *response.Input) { in.Spec.EncryptTo = "nope" }, `encryptTo "nope" is not one of the IdP's keys (idp-a, idp-b, idp-rogue)`, false},
		{"content", func(in *response.Input) { in.Spec.ContentEncryption = "des-cbc" }, `contentEncryption "des-cbc": want one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm`, true},
		{"transport", func(in *response.Input) { in.Spec.KeyTransport = "rsa-oaep-sha1" }, `keyTransport "rsa-oaep-sha1": want one of rsa-oaep, rsa-oaep-sha256, rsa-1_5`, true},
		{"tamper unsigned assertion", func(in *response.Input) { in.Spec.Tamper, in.Spec.Sign = true, response.SignResponseOnly }, "tamper with encrypt", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := encInput(t, response.Encrypted("", ""))
			c.mod(&in)
			_, err := response.Build(in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want it to contain %q", err, c.want)
			}
			if got := errors.Is(err, response.ErrInvalidSpec); got != c.invalid {
				t.Errorf("errors.Is(err, ErrInvalidSpec) = %v; want %v", got, c.invalid)
			}
		})
	}
}

func TestEncryptSpecJSON(t *testing.T) {
	s := response.New(response.Encrypted(response.AES128GCM, response.RSAOAEPSHA256), response.EncryptedTo("idp-rogue"), response.WithoutRelayState())
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"encrypt":true,"contentEncryption":"aes128-gcm","keyTransport":"rsa-oaep-sha256","encryptTo":"idp-rogue","dropRelayState":true}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	var back response.Spec
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
