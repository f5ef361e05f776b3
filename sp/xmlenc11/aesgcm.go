// Package xmlenc11 adds to crewjam/saml's xmlenc package the XML Encryption
// 1.1 pieces it lacks: AES-256-GCM (http://www.w3.org/2009/xmlenc11#aes256-gcm;
// crewjam ships AES-128-GCM only), and the standard URIs of the SHA-256 and
// SHA-512 key-transport digests (http://www.w3.org/2001/04/xmlenc#sha256,
// #sha512; crewjam knows them only under non-standard xmldsig# names). Real IdPs (ADFS, Entra ID,
// Shibboleth, Keycloak) send aes256-gcm when an SP's metadata asks for it,
// so both the SP and the mock IdP need it.
//
// [AES256GCM] is an xmlenc.BlockCipher with the element layout of crewjam's
// GCM: xenc:EncryptedData holding xenc:EncryptionMethod and
// xenc:CipherData/xenc:CipherValue, whose text is the base64 of
// nonce (12 bytes) || ciphertext || tag (16 bytes), as XML Encryption 1.1
// §5.2.4 requires. Importing the package registers its decrypter, so
// xmlenc.Decrypt handles aes256-gcm, including when its key travels in a
// ds:KeyInfo/xenc:EncryptedKey (RSA-OAEP or RSA 1.5 key transport).
//
// Unlike crewjam's GCM.Encrypt in v0.5.1, Encrypt here seals the plaintext
// itself, without CBC padding, and draws a fresh nonce from
// xmlenc.RandReader when none is given.
package xmlenc11

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
)

// AES256GCM encrypts and decrypts with AES-256 in GCM mode. Its key is a
// []byte of 32 bytes; Decrypt also accepts the private key that unwraps an
// xenc:EncryptedKey inside the EncryptedData's ds:KeyInfo (an
// *rsa.PrivateKey for crewjam's RSA key transports).
var AES256GCM xmlenc.BlockCipher = gcm{keySize: 32, algorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm"}

// AES128GCM is the same with a 16-byte key. It replaces crewjam's
// xmlenc.AES128GCM, which in v0.5.1 cannot encrypt (it panics without a
// nonce, and seals CBC-padded zeros with one) and whose decrypter indexes a
// short CipherValue without checking its length: registering this one for
// the same URI makes xmlenc.Decrypt use it.
var AES128GCM xmlenc.BlockCipher = gcm{keySize: 16, algorithm: "http://www.w3.org/2009/xmlenc11#aes128-gcm"}

func init() {
	xmlenc.RegisterDecrypter(AES256GCM)
	xmlenc.RegisterDecrypter(AES128GCM)
}

const (
	xencNS    = "http://www.w3.org/2001/04/xmlenc#"
	nonceSize = 12 // the only nonce size XML Encryption 1.1 allows for GCM
	tagSize   = 16
)

type gcm struct {
	keySize   int
	algorithm string
}

// KeySize returns the length of the key in bytes.
func (g gcm) KeySize() int { return g.keySize }

// Algorithm returns the URI found in xenc:EncryptionMethod.
func (g gcm) Algorithm() string { return g.algorithm }

func (g gcm) aead(key any) (cipher.AEAD, error) {
	k, ok := key.([]byte)
	if !ok {
		return nil, fmt.Errorf("xmlenc11: key is a %T: %w", key, xmlenc.ErrIncorrectKeyType("[]byte"))
	}
	if len(k) != g.keySize {
		return nil, fmt.Errorf("xmlenc11: key is %d bytes: %w", len(k), xmlenc.ErrIncorrectKeyLength(g.keySize))
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("xmlenc11: %w", err)
	}
	return cipher.NewGCM(block) // standard 12-byte nonce and 16-byte tag
}

// Encrypt seals plaintext with key (a []byte of KeySize bytes) and returns
// an xenc:EncryptedData element. nonce must be nil (a random one is read
// from xmlenc.RandReader) or 12 bytes; never reuse a nonce with one key.
func (g gcm) Encrypt(key any, plaintext []byte, nonce []byte) (*etree.Element, error) {
	aead, err := g.aead(key)
	if err != nil {
		return nil, err
	}
	switch {
	case nonce == nil:
		nonce = make([]byte, nonceSize)
		if _, err := io.ReadFull(xmlenc.RandReader, nonce); err != nil {
			return nil, fmt.Errorf("xmlenc11: reading a random nonce: %w", err)
		}
	case len(nonce) != nonceSize:
		return nil, fmt.Errorf("xmlenc11: nonce is %d bytes; want %d, or nil for a random one", len(nonce), nonceSize)
	}
	var id [16]byte
	if _, err := io.ReadFull(xmlenc.RandReader, id[:]); err != nil {
		return nil, fmt.Errorf("xmlenc11: reading a random Id: %w", err)
	}

	el := etree.NewElement("xenc:EncryptedData")
	el.CreateAttr("xmlns:xenc", xencNS)
	el.CreateAttr("Id", fmt.Sprintf("_%x", id))
	em := el.CreateElement("xenc:EncryptionMethod")
	em.CreateAttr("Algorithm", g.algorithm)
	em.CreateAttr("xmlns:xenc", xencNS)

	out := make([]byte, 0, nonceSize+len(plaintext)+tagSize)
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, plaintext, nil)

	cd := el.CreateElement("xenc:CipherData")
	cd.CreateAttr("xmlns:xenc", xencNS)
	cd.CreateElement("xenc:CipherValue").SetText(base64.StdEncoding.EncodeToString(out))
	return el, nil
}

// Decrypt opens the xenc:EncryptedData el. When el holds
// ds:KeyInfo/xenc:EncryptedKey, key is what that EncryptedKey's algorithm
// needs (an *rsa.PrivateKey for RSA-OAEP and RSA 1.5) and the content key
// comes out of it; otherwise key is the []byte content key itself. A
// modified ciphertext, nonce or tag, or the wrong key, is an error.
func (g gcm) Decrypt(key any, el *etree.Element) ([]byte, error) {
	if ek := el.FindElement("./KeyInfo/EncryptedKey"); ek != nil {
		k, err := xmlenc.Decrypt(key, ek)
		if err != nil {
			return nil, fmt.Errorf("xmlenc11: decrypting the EncryptedKey: %w", err)
		}
		key = k
	}
	aead, err := g.aead(key)
	if err != nil {
		return nil, err
	}
	cv := el.FindElement("./CipherData/CipherValue")
	if cv == nil {
		return nil, errors.New("xmlenc11: no CipherData/CipherValue in EncryptedData")
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(cv.Text()), ""))
	if err != nil {
		return nil, fmt.Errorf("xmlenc11: CipherValue is not base64: %w", err)
	}
	if len(data) < nonceSize+tagSize {
		return nil, fmt.Errorf("xmlenc11: CipherValue is %d bytes, shorter than a %d-byte nonce and a %d-byte tag", len(data), nonceSize, tagSize)
	}
	plain, err := aead.Open(nil, data[:nonceSize], data[nonceSize:], nil)
	if err != nil {
		return nil, fmt.Errorf("xmlenc11: authentication failed (wrong key, or the ciphertext was altered): %w", err)
	}
	return plain, nil
}
