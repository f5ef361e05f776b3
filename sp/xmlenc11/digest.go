package xmlenc11

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"github.com/crewjam/saml/xmlenc"
)

// Standard XML Encryption URIs of the RSA-OAEP digests.
const (
	DigestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	DigestSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
)

func init() {
	xmlenc.RegisterDigestMethod(oaepDigest{DigestSHA256, sha256.New})
	xmlenc.RegisterDigestMethod(oaepDigest{DigestSHA512, sha512.New})
	// crewjam writes xmlenc11#rsa-oaep (RSA-OAEP-SHA256) but registers no
	// decrypter for it.
	xmlenc.RegisterDecrypter(xmlenc.OAEP_SHA256())
}

// oaepDigest is an RSA-OAEP digest named by its XML Encryption URI.
type oaepDigest struct {
	uri  string
	hash func() hash.Hash
}

func (d oaepDigest) Algorithm() string { return d.uri }
func (d oaepDigest) Hash() hash.Hash   { return d.hash() }
