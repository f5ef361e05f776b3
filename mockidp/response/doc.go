// Package response builds SAML 2.0 Responses the way an Identity Provider
// sends them, including the ones a broken or hostile IdP sends.
//
// A [Spec] says what the response looks like; its zero value describes a
// correct, assertion-signed response with SHA-256. [Option] functions such as
// [Expired], [WrongAudience], [Unsigned] or [SignedBy] change one aspect of a
// Spec on purpose. [Build] turns a Spec plus the facts of one exchange
// ([Input]: issuer, service provider, ACS URL, request ID, subject, keys,
// clock and randomness) into serialized Response XML.
//
//	spec := response.Spec{}
//	response.Apply(&spec, response.Expired(), response.Algorithm(response.RSASHA1))
//	xml, err := response.Build(response.Input{
//		Spec:        spec,
//		IdPEntityID: "http://idp.localhost:8082/metadata",
//		SPEntityID:  "https://sp.example.com/metadata",
//		ACSURL:      "https://sp.example.com/saml/acs",
//		RequestID:   "_4f1c...",
//		Subject:     response.Subject{NameID: "alice@example.com"},
//		Keys:        []response.Key{key},
//		Now:         now,
//		Rand:        rand.Reader,
//	})
//
// The elements are crewjam/saml's types serialized with their Element methods;
// signatures come from goxmldsig (exclusive canonicalization, enveloped
// signature, Reference to the element's ID) and are then moved to directly
// after the signed element's Issuer, where the schema wants them. Nothing here
// canonicalizes or signs XML by hand. With a fixed Now and a deterministic
// Rand the output is byte-for-byte stable (RSA PKCS #1 v1.5 signatures are
// deterministic), which the golden files in testdata rely on.
//
// [Spec.Encrypt] ([Encrypted], [EncryptedTo]) sends the assertion as a
// saml:EncryptedAssertion, encrypted by crewjam/saml's xmlenc package
// (AES-CBC, AES-GCM with sp/xmlenc11 for 256 bits; RSA-OAEP or RSA 1.5 key
// transport) to [Input.SPEncryptionCertificate] or to one of the IdP's own
// keys. The order is that of real IdPs: sign the assertion, encrypt it,
// place it, sign the Response. xmlenc draws content keys, IVs and OAEP
// padding from its package global xmlenc.RandReader (crypto/rand), not
// from Input.Rand, so encrypted output is not reproducible; everything
// unencrypted stays byte-for-byte stable.
//
// The package has no HTTP; the mock IdP in the parent package uses it, and so
// can a test that wants a response without a browser round trip.
package response
