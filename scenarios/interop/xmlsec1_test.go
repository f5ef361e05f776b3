package interop_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
)

// xmlsec1, the reference XML security tool, checks what the mock IdP emits:
// every signature mode and algorithm verifies, every encryption pair
// decrypts, and a tampered document fails — so our signatures and
// encryption are the standard's, not merely what our own SP accepts.
var _ = Describe("xmlsec1 as an independent verifier of the mock IdP", Label(features.PeerXMLSec1.Label()), func() {
	const (
		responseSignature  = "/*/*[local-name()='Signature']"
		assertionSignature = "//*[local-name()='Assertion']/*[local-name()='Signature']"
	)
	keys := filepath.Join("..", "..", "fixtures", "keys")

	build := func(opts ...response.Option) string {
		GinkgoHelper()
		idp, sp := fixtures.MustLoad(fixtures.IdPKeyA), fixtures.MustLoad(fixtures.SPKey)
		var spec response.Spec
		response.Apply(&spec, opts...)
		xml, err := response.Build(response.Input{
			Spec: spec, IdPEntityID: "https://idp.interop.test/metadata", SPEntityID: "https://sp.interop.test",
			ACSURL: "https://sp.interop.test/acs", RequestID: "_request",
			Subject:                 response.Subject{NameID: "alice@example.com", Attributes: []response.Attribute{{Name: "email", Values: []string{"alice@example.com"}}}},
			Keys:                    []response.Key{{Name: fixtures.IdPKeyA, Signer: idp.PrivateKey, Certificate: idp.Certificate}},
			SPEncryptionCertificate: sp.Certificate,
		})
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "response.xml")
		Expect(os.WriteFile(path, xml, 0o600)).To(Succeed())
		return path
	}
	xmlsec := func(args ...string) ([]byte, error) {
		cmd := exec.Command("xmlsec1", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			AddReportEntry("xmlsec1 stderr", stderr.String(), ReportEntryVisibilityFailureOrVerbose)
		}
		return out, err
	}
	verifyWith := func(cert, path, node string) error {
		_, err := xmlsec("--verify",
			"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
			"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
			"--pubkey-cert-pem", filepath.Join(keys, cert), "--trusted-pem", filepath.Join(keys, cert),
			"--node-xpath", node, path)
		return err
	}
	verify := func(path, node string) error { return verifyWith("idp-a.crt", path, node) }

	DescribeTable("verifies every signature mode and algorithm",
		func(alg string) {
			for _, mode := range []struct {
				opt        response.Option
				nodes      []string
				unsignedAt string
			}{
				{response.SignAssertion(), []string{assertionSignature}, responseSignature},
				{response.SignResponse(), []string{responseSignature}, assertionSignature},
				{response.SignBoth(), []string{responseSignature, assertionSignature}, ""},
			} {
				path := build(mode.opt, response.Algorithm(alg))
				for _, node := range mode.nodes {
					Expect(verify(path, node)).To(Succeed(), "xmlsec1 refused %s at %s", alg, node)
				}
				if mode.unsignedAt != "" {
					Expect(verify(path, mode.unsignedAt)).NotTo(Succeed(), "a signature where none was made")
				}
			}
		},
		Entry(nil, Label(features.SignatureModes.Label()), response.RSASHA1),
		Entry(nil, Label(features.SignatureModes.Label()), response.RSASHA256),
		Entry(nil, Label(features.SignatureModes.Label()), response.RSASHA384),
		Entry(nil, Label(features.SignatureModes.Label()), response.RSASHA512),
	)

	It("fails a tampered document and a signature by another key", Label(features.FaultsRefused.Label()), func() {
		tampered := build(response.SignBoth(), response.Tampered())
		Expect(verify(tampered, assertionSignature)).NotTo(Succeed())
		Expect(verify(tampered, responseSignature)).NotTo(Succeed())
		// Signed by key A, checked against key B only.
		Expect(verifyWith("idp-b.crt", build(response.SignBoth()), assertionSignature)).NotTo(Succeed())
	})

	DescribeTable("decrypts every encryption pair, and the signature inside still verifies",
		func(content, transport string) {
			if transport == response.RSAOAEPSHA256 {
				Skip("xmlsec1 1.2 (Debian 12) does not implement http://www.w3.org/2009/xmlenc11#rsa-oaep; it arrived in xmlsec 1.3")
			}
			path := build(response.Encrypted(content, transport))
			plain, err := xmlsec("--decrypt", "--privkey-pem", filepath.Join(keys, "sp.key"), "--trusted-pem", filepath.Join(keys, "sp.crt"),
				"--node-xpath", "//*[local-name()='EncryptedData']", path)
			Expect(err).NotTo(HaveOccurred(), "xmlsec1 could not decrypt %s/%s", content, transport)
			Expect(string(plain)).To(ContainSubstring("alice@example.com"))
			decrypted := filepath.Join(GinkgoT().TempDir(), "decrypted.xml")
			Expect(os.WriteFile(decrypted, plain, 0o600)).To(Succeed())
			Expect(verify(decrypted, assertionSignature)).To(Succeed())
		},
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES128CBC, response.RSAOAEP),
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES256CBC, response.RSAOAEP),
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES128GCM, response.RSAOAEP),
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES256GCM, response.RSAOAEP),
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES256CBC, response.RSA15),
		Entry(nil, Label(features.EncryptionPairs.Label()), response.AES256CBC, response.RSAOAEPSHA256),
	)
})
