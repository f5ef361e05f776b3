package response

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"

	"github.com/ssoharness/ssoharness/sp/xmlenc11"
)

// xmlenc URIs written by this file.
const (
	xencNS          = "http://www.w3.org/2001/04/xmlenc#"
	xencTypeElement = "http://www.w3.org/2001/04/xmlenc#Element"
	xsNS            = "http://www.w3.org/2001/XMLSchema"
)

// contentCipher returns the xmlenc block cipher called name.
func contentCipher(name string) (xmlenc.BlockCipher, error) {
	switch name {
	case AES128CBC:
		return xmlenc.AES128CBC, nil
	case AES256CBC:
		return xmlenc.AES256CBC, nil
	case AES128GCM:
		return xmlenc11.AES128GCM, nil
	case AES256GCM:
		return xmlenc11.AES256GCM, nil
	}
	return nil, fmt.Errorf("contentEncryption %q: want one of %s", name, strings.Join(contentEncryptions, ", "))
}

// keyTransport returns crewjam's RSA key transport called name, encrypting
// the content key for content.
func keyTransport(name string, content xmlenc.BlockCipher) (xmlenc.RSA, error) {
	var t xmlenc.RSA
	switch name {
	case RSAOAEP:
		// xmlenc.OAEP() defaults to a SHA-256 digest; rsa-oaep-mgf1p as
		// IdPs send it (and as crewjam's own IdP does) uses SHA-1.
		t = xmlenc.OAEP()
		t.DigestMethod = xmlenc.SHA1
	case RSAOAEPSHA256:
		t = xmlenc.OAEP_SHA256()
	case RSA15:
		t = xmlenc.PKCS1v15()
	default:
		return xmlenc.RSA{}, fmt.Errorf("keyTransport %q: want one of %s", name, strings.Join(keyTransports, ", "))
	}
	t.BlockCipher = content
	return t, nil
}

// encryptionCertificate picks the certificate the assertion is encrypted to.
func encryptionCertificate(in Input) (*x509.Certificate, error) {
	var cert *x509.Certificate
	if name := in.Spec.EncryptTo; name != "" {
		names := make([]string, len(in.Keys))
		for i, k := range in.Keys {
			names[i] = k.Name
			if k.Name == name {
				cert = k.Certificate
			}
		}
		if cert == nil {
			return nil, fmt.Errorf("response: encryptTo %q is not one of the IdP's keys (%s); name one of them, or leave encryptTo empty to encrypt to the SP", name, strings.Join(names, ", "))
		}
	} else {
		cert = in.SPEncryptionCertificate
		if cert == nil {
			return nil, errors.New("response: encrypt: no SP encryption certificate; set Input.SPEncryptionCertificate (for the mock IdP: the service provider's encryptionCertificate, or SetEncryptionCertificate), or name one of the IdP's keys in encryptTo")
		}
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("response: encrypt: the certificate %q holds a %T; key transport needs an RSA key", cert.Subject.CommonName, cert.PublicKey)
	}
	return cert, nil
}

// encryptAssertion serializes the (signed) assertion on its own, encrypts
// it with crewjam's xmlenc (a fresh content key, transported to cert) and
// returns the saml:EncryptedAssertion to put in its place. xmlenc reads its
// randomness from the package global xmlenc.RandReader (crypto/rand), not
// from Input.Rand, so encrypted output differs from run to run.
func encryptAssertion(assertion *etree.Element, cert *x509.Certificate, content, transport string) (el *etree.Element, err error) {
	block, err := contentCipher(content)
	if err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	kt, err := keyTransport(transport, block)
	if err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(assertion)
	plaintext, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("response: serializing the assertion for encryption: %w", err)
	}
	defer func() { // xmlenc is third-party code; never let it crash the IdP
		if r := recover(); r != nil {
			el, err = nil, fmt.Errorf("response: encrypting the assertion (%s, %s): %v", content, transport, r)
		}
	}()
	data, err := kt.Encrypt(cert, plaintext, nil)
	if err != nil {
		return nil, fmt.Errorf("response: encrypting the assertion (%s, %s): %w", content, transport, err)
	}
	if transport == RSAOAEPSHA256 {
		standardizeOAEPSHA256(data)
	}
	data.CreateAttr("Type", xencTypeElement)
	el = etree.NewElement("saml:EncryptedAssertion")
	el.AddChild(data)
	return el, nil
}

// standardizeOAEPSHA256 corrects how crewjam's xmlenc (v0.5.1) describes
// the RSA-OAEP-SHA256 key transport it performs: it encrypts with SHA-256 for
// both the digest and MGF1, but names the digest with a non-standard URI
// (xmldsig#sha256) and leaves out the xenc11:MGF element, whose absence
// means MGF1-SHA1. Standard SPs (xmlsec1, Shibboleth) then cannot decrypt.
// Only the description changes; the ciphertext is already what it says.
func standardizeOAEPSHA256(encData *etree.Element) {
	method := encData.FindElement("./KeyInfo/EncryptedKey/EncryptionMethod")
	if method == nil {
		return
	}
	if dm := method.FindElement("./DigestMethod"); dm != nil {
		dm.CreateAttr("Algorithm", xmlenc11.DigestSHA256)
	}
	mgf := method.CreateElement("xenc11:MGF")
	mgf.CreateAttr("xmlns:xenc11", "http://www.w3.org/2009/xmlenc11#")
	mgf.CreateAttr("Algorithm", "http://www.w3.org/2009/xmlenc11#mgf1sha256")
}
