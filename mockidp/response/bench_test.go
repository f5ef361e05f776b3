package response_test

import (
	"testing"

	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// BenchmarkBuildSignedResponse builds and signs one assertion-signed
// RSA-SHA256 response. Compare it with BenchmarkBaselineSignEnveloped: the
// ratio is the builder's overhead over the signature itself (target ≤ 1.2).
func BenchmarkBuildSignedResponse(b *testing.B) {
	in := testInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := response.Build(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineSignEnveloped is goxmldsig's SignEnveloped of the same
// unsigned assertion element with the same key and algorithm, and nothing
// else.
func BenchmarkBaselineSignEnveloped(b *testing.B) {
	key := testKeys(b)["key-a"]
	assertion := assertionOf(b, build(b, testInput(b, response.Unsigned())))
	assertion = assertion.Copy() // detached, as the builder signs it
	ctx, err := dsig.NewSigningContext(key.Signer, [][]byte{key.Certificate.Raw})
	if err != nil {
		b.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ctx.SignEnveloped(assertion); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildEncryptedResponse builds, signs and encrypts one
// assertion-signed RSA-SHA256 response with the default encryption
// (aes256-cbc, rsa-oaep-mgf1p).
func BenchmarkBuildEncryptedResponse(b *testing.B) {
	in := encInput(b, response.Encrypted("", ""))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := response.Build(in); err != nil {
			b.Fatal(err)
		}
	}
}
