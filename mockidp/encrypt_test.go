package mockidp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// signIn runs SP-initiated sign-on for sp1 as alice with relayState and
// returns the auto-POST page.
func (e *env) signIn(relayState string) (page, string) {
	e.t.Helper()
	p, reqID := e.redirectRequest(e.crewjamSP(sp1, sp1ACS), relayState)
	return e.login(p, "alice", "alice-pw"), reqID
}

func TestEncryptedAssertionThroughHTTP(t *testing.T) {
	spKey := fixtures.MustLoad(fixtures.SPKey)
	e := newEnv(t)
	if err := e.idp.SetEncryptionCertificate(sp1, spKey.Certificate); err != nil {
		t.Fatal(err)
	}
	if err := e.idp.ArmNext(sp1, response.Encrypted(response.AES256GCM, response.RSAOAEP), response.SignBoth()); err != nil {
		t.Fatal(err)
	}
	p, reqID := e.signIn("relay-enc")
	raw, root, relay := e.samlResponse(p)
	if relay != "relay-enc" {
		t.Errorf("RelayState %q", relay)
	}
	if root.SelectElement("Assertion") != nil || root.FindElement("./EncryptedAssertion/EncryptedData/KeyInfo/EncryptedKey") == nil {
		t.Fatalf("want an EncryptedAssertion with its EncryptedKey in KeyInfo:\n%s", raw)
	}
	plain, err := xmlenc.Decrypt(spKey.PrivateKey, root.FindElement("./EncryptedAssertion/EncryptedData"))
	if err != nil {
		t.Fatalf("the SP key cannot decrypt: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(plain); err != nil {
		t.Fatal(err)
	}
	if got := attr(doc.Root(), "./Subject/SubjectConfirmation/SubjectConfirmationData", "InResponseTo"); got != reqID {
		t.Errorf("decrypted assertion InResponseTo %q; want %q", got, reqID)
	}

	// An independent SP (crewjam's, with the SP key) accepts the default
	// aes256-cbc / rsa-oaep-mgf1p encryption.
	if err := e.idp.ArmNext(sp1, response.Encrypted("", "")); err != nil {
		t.Fatal(err)
	}
	sp := e.crewjamSP(sp1, sp1ACS)
	sp.Key, sp.Certificate = spKey.PrivateKey, spKey.Certificate
	p, reqID = e.redirectRequest(sp, "")
	raw, _, _ = e.samlResponse(p) // IdP session: no login this time
	assertion, err := sp.ParseXMLResponse(raw, []string{reqID}, *mustURL(t, sp1ACS))
	if err != nil {
		t.Fatalf("crewjam SP refuses the encrypted response: %v", describe(err))
	}
	if assertion.Subject.NameID.Value != "alice@example.com" {
		t.Errorf("NameID %q", assertion.Subject.NameID.Value)
	}

	// Encrypted to the IdP's rogue key: the SP key cannot open it.
	if err := e.idp.ArmNext(sp1, response.EncryptedTo("rogue")); err != nil {
		t.Fatal(err)
	}
	p, _ = e.redirectRequest(sp, "")
	_, root, _ = e.samlResponse(p)
	if _, err := xmlenc.Decrypt(spKey.PrivateKey, root.FindElement("./EncryptedAssertion/EncryptedData")); err == nil {
		t.Error("the SP key decrypted an assertion encrypted to the rogue key")
	}
}

func TestEncryptWithoutCertificateSaysWhatToConfigure(t *testing.T) {
	e := newEnv(t)
	if err := e.idp.ArmNext(sp1, response.Encrypted("", "")); err != nil {
		t.Fatal(err)
	}
	p, _ := e.signIn("")
	if p.status != 500 || !strings.Contains(p.body, "no SP encryption certificate") || !strings.Contains(p.body, "SetEncryptionCertificate") {
		t.Errorf("status %d; want 500 naming what to configure:\n%s", p.status, p.body)
	}
	// Removing a certificate works the same way.
	if err := e.idp.SetEncryptionCertificate(sp1, fixtures.MustLoad(fixtures.SPKey).Certificate); err != nil {
		t.Fatal(err)
	}
	if err := e.idp.SetEncryptionCertificate(sp1, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.idp.State().ServiceProviders[0].EncryptionCertificate; got != "" {
		t.Errorf("removed certificate still in the state: %q", got)
	}
	if err := e.idp.SetEncryptionCertificate("https://nobody.example.com", nil); !errors.Is(err, mockidp.ErrUnknownServiceProvider) {
		t.Errorf("unknown SP: %v", err)
	}
	if err := e.idp.ArmNext(sp1, response.EncryptedTo("nope")); !errors.Is(err, mockidp.ErrUnknownKey) {
		t.Errorf("encryptTo an unknown key: %v", err)
	}
}

func TestAuthnContextThroughArm(t *testing.T) {
	e := newEnv(t)
	if err := e.idp.Arm(sp1, response.New(response.AuthnContext(response.AuthnContextX509))); err != nil {
		t.Fatal(err)
	}
	p, _ := e.signIn("")
	_, root, _ := e.samlResponse(p)
	if got := root.FindElement("./Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef").Text(); got != response.AuthnContextX509 {
		t.Errorf("AuthnContextClassRef %q; want %q", got, response.AuthnContextX509)
	}
	// The next response is back to the default.
	p, _ = e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "")
	_, root, _ = e.samlResponse(p)
	if got := root.FindElement("./Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef").Text(); got != response.DefaultAuthnContext {
		t.Errorf("second AuthnContextClassRef %q; want the default", got)
	}
}

func TestWithoutRelayState(t *testing.T) {
	e := newEnv(t)
	if err := e.idp.ArmNext(sp1, response.WithoutRelayState()); err != nil {
		t.Fatal(err)
	}
	p, _ := e.signIn("relay-dropped")
	e.samlResponse(p)
	if strings.Contains(p.body, `name="RelayState"`) {
		t.Errorf("the POST form carries RelayState:\n%s", p.body)
	}
	// The next response echoes it again.
	p, _ = e.redirectRequest(e.crewjamSP(sp1, sp1ACS), "relay-kept")
	if _, _, relay := e.samlResponse(p); relay != "relay-kept" {
		t.Errorf("RelayState %q after the armed response", relay)
	}
}

func TestConfigEncryptionCertificate(t *testing.T) {
	withCert := func(path string) string {
		return strings.Replace(validYAML, "    acsURLs: [https://sp.example.com/acs]\n",
			"    acsURLs: [https://sp.example.com/acs]\n    encryptionCertificate: "+path+"\n", 1)
	}
	path := writeConfig(t, withCert("keys/sp.crt"))
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "keys", "sp.crt"), []byte(fixtures.MustLoad(fixtures.SPKey).CertificatePEM), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := mockidp.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := mockidp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := idp.State().ServiceProviders[0].EncryptionCertificate, fixtures.MustLoad(fixtures.SPKey).Certificate.Subject.String(); got != want {
		t.Errorf("encryption certificate %q; want %q", got, want)
	}

	for _, c := range []struct{ file, want string }{
		{"keys/missing.crt", "serviceProviders[0].encryptionCertificate: {dir}/keys/missing.crt: no such file; give the path of a PEM certificate file"},
		{"keys/idp-2025.key", `serviceProviders[0].encryptionCertificate: keys/idp-2025.key: PEM block is "PRIVATE KEY"; want CERTIFICATE`},
	} {
		p := writeConfig(t, withCert(c.file))
		want := strings.ReplaceAll(c.want, "{dir}", filepath.Dir(p))
		if _, err := mockidp.LoadConfig(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want %q", c.file, err, want)
		}
	}
}
