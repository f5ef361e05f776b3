package acs

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/beevik/etree"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// buildEncrypted builds a response whose assertion is encrypted to the
// fixture SP key (or the key EncryptedTo names).
func buildEncrypted(t testing.TB, opts ...response.Option) string {
	t.Helper()
	var spec response.Spec
	response.Apply(&spec, opts...)
	xml, err := response.Build(response.Input{
		Spec: spec, IdPEntityID: idpEntityID, SPEntityID: spEntityID, ACSURL: acsURL, RequestID: requestID,
		Subject: response.Subject{NameID: "alice@example.com"}, Keys: idpKeys(t), Now: now,
		SPEncryptionCertificate: fixtures.MustLoad(fixtures.SPKey).Certificate,
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(xml)
}

func encryptedPolicy(t testing.TB) Policy {
	p := trust(t, fixtures.IdPKeyA)
	p.DecryptionKeys = []*rsa.PrivateKey{fixtures.MustLoad(fixtures.SPKey).PrivateKey}
	p.RequireEncryption = true
	return p
}

func TestEveryAlgorithmPairDecrypts(t *testing.T) {
	for _, content := range []string{response.AES128CBC, response.AES256CBC, response.AES128GCM, response.AES256GCM} {
		for _, transport := range []string{response.RSAOAEP, response.RSAOAEPSHA256} {
			t.Run(content+"/"+transport, func(t *testing.T) {
				res, err := Validate(buildEncrypted(t, response.Encrypted(content, transport)), encryptedPolicy(t), now)
				if err != nil {
					t.Fatal(err)
				}
				if res.NameID != "alice@example.com" || res.ContentEncryption != content || res.KeyTransport == "" {
					t.Errorf("result = %+v", res)
				}
			})
		}
	}
}

func TestEncryptedWithEverySigningMode(t *testing.T) {
	for name, sign := range map[string]response.Option{"assertion": response.SignAssertion(), "response": response.SignResponse(), "both": response.SignBoth()} {
		if _, err := Validate(buildEncrypted(t, response.Encrypted(response.AES256GCM, response.RSAOAEP), sign), encryptedPolicy(t), now); err != nil {
			t.Errorf("%s-signed: %v", name, err)
		}
	}
	// Encrypted but signed by nobody: still unsigned.
	mustRefuse(t, buildEncrypted(t, response.Encrypted(response.AES256CBC, response.RSAOAEP), response.Unsigned()), encryptedPolicy(t), ErrUnsigned)
	// The signature inside the encryption is still checked.
	mustRefuse(t, buildEncrypted(t, response.Encrypted(response.AES256CBC, response.RSAOAEP), response.SignedBy(fixtures.IdPKeyRogue)), encryptedPolicy(t), ErrBadSignature)
}

func TestEncryptionRefusals(t *testing.T) {
	p := encryptedPolicy(t)
	mustRefuse(t, build(t), p, ErrNotEncrypted)
	mustRefuse(t, buildEncrypted(t, response.Encrypted(response.AES256CBC, response.RSAOAEP), response.EncryptedTo(fixtures.IdPKeyRogue)), p, ErrDecryption)

	pkcs := buildEncrypted(t, response.Encrypted(response.AES256CBC, response.RSA15))
	mustRefuse(t, pkcs, p, ErrWeakAlgorithm)
	p.AllowPKCS1v15 = true
	if _, err := Validate(pkcs, p, now); err != nil {
		t.Fatalf("rsa-1_5 with AllowPKCS1v15: %v", err)
	}

	noKeys := trust(t, fixtures.IdPKeyA)
	mustRefuse(t, buildEncrypted(t, response.Encrypted(response.AES256CBC, response.RSAOAEP)), noKeys, ErrDecryption)

	// A group that does not require encryption still decrypts.
	optional := encryptedPolicy(t)
	optional.RequireEncryption = false
	if _, err := Validate(buildEncrypted(t, response.Encrypted(response.AES128CBC, response.RSAOAEP)), optional, now); err != nil {
		t.Errorf("optional encryption: %v", err)
	}
	if _, err := Validate(build(t), optional, now); err != nil {
		t.Errorf("plain assertion where encryption is optional: %v", err)
	}
}

func TestTheNextSPKeyDecryptsToo(t *testing.T) {
	p := encryptedPolicy(t)
	other := fixtures.MustLoad(fixtures.IdPKeyB).PrivateKey // stands in for the current key
	p.DecryptionKeys = append([]*rsa.PrivateKey{other}, p.DecryptionKeys...)
	if _, err := Validate(buildEncrypted(t, response.Encrypted(response.AES256GCM, response.RSAOAEP)), p, now); err != nil {
		t.Fatal(err)
	}
}

// Hostile ciphertexts are refused, never a panic.
func TestMalformedCiphertextIsRefused(t *testing.T) {
	raw := decode(t, buildEncrypted(t, response.Encrypted(response.AES128GCM, response.RSAOAEP), response.SignResponse()))
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	// Unsigned at the Response level would stop at "unsigned" before
	// decryption; strip the response signature and sign nothing else, so
	// the decryption runs on attacker-controlled bytes.
	if sig := doc.Root().FindElement("./Signature"); sig != nil {
		doc.Root().RemoveChild(sig)
	}
	cv := doc.FindElement("//EncryptedAssertion/EncryptedData/CipherData/CipherValue")
	if cv == nil {
		t.Fatal("no CipherValue")
	}
	for _, short := range []string{"", "AAAA", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 11))} {
		cv.SetText(short)
		out, _ := doc.WriteToBytes()
		_, err := Validate(encode(out), encryptedPolicy(t), now)
		if err == nil || !(errors.Is(err, ErrDecryption) || errors.Is(err, ErrMalformed)) {
			t.Errorf("CipherValue %q: err = %v", short, err)
		}
	}
	// Content encryption the group does not accept.
	em := doc.FindElement("//EncryptedAssertion/EncryptedData/EncryptionMethod")
	em.CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#tripledes-cbc")
	out, _ := doc.WriteToBytes()
	mustRefuse(t, encode(out), encryptedPolicy(t), ErrWeakAlgorithm)
}
