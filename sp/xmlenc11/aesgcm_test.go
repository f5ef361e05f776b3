package xmlenc11_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/sp/xmlenc11"
)

const plaintext = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a">alice</saml:Assertion>`

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, xmlenc11.AES256GCM.KeySize())
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// reparse serializes el and parses it back, as a receiver would see it.
func reparse(t *testing.T, el *etree.Element) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	back := etree.NewDocument()
	if err := back.ReadFromBytes(b); err != nil {
		t.Fatal(err)
	}
	return back.Root()
}

func TestSymmetricRoundTrip(t *testing.T) {
	if got := xmlenc11.AES256GCM.KeySize(); got != 32 {
		t.Fatalf("KeySize %d; want 32", got)
	}
	k := key(t)
	el, err := xmlenc11.AES256GCM.Encrypt(k, []byte(plaintext), nil)
	if err != nil {
		t.Fatal(err)
	}
	el = reparse(t, el)
	if got := el.FindElement("./EncryptionMethod").SelectAttrValue("Algorithm", ""); got != "http://www.w3.org/2009/xmlenc11#aes256-gcm" {
		t.Errorf("EncryptionMethod %q", got)
	}
	raw, err := base64.StdEncoding.DecodeString(el.FindElement("./CipherData/CipherValue").Text())
	if err != nil {
		t.Fatal(err)
	}
	// nonce || ciphertext || tag, no padding.
	if want := 12 + len(plaintext) + 16; len(raw) != want {
		t.Errorf("CipherValue is %d bytes; want %d (nonce, unpadded ciphertext, tag)", len(raw), want)
	}
	// Through crewjam's dispatcher: the package registered its decrypter.
	got, err := xmlenc.Decrypt(k, el)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != plaintext {
		t.Errorf("decrypted %q", got)
	}
	// Two encryptions of the same plaintext differ (fresh nonce).
	el2, err := xmlenc11.AES256GCM.Encrypt(k, []byte(plaintext), nil)
	if err != nil {
		t.Fatal(err)
	}
	if el2.FindElement("./CipherData/CipherValue").Text() == el.FindElement("./CipherData/CipherValue").Text() {
		t.Error("two encryptions gave the same CipherValue: the nonce is not fresh")
	}
}

func TestRSAOAEPKeyTransport(t *testing.T) {
	sp := fixtures.MustLoad(fixtures.SPKey)
	enc := xmlenc.OAEP()
	enc.BlockCipher = xmlenc11.AES256GCM
	el, err := enc.Encrypt(sp.Certificate, []byte(plaintext), nil)
	if err != nil {
		t.Fatal(err)
	}
	el = reparse(t, el)
	if el.FindElement("./KeyInfo/EncryptedKey") == nil {
		t.Fatal("no ds:KeyInfo/xenc:EncryptedKey in EncryptedData")
	}
	got, err := xmlenc.Decrypt(sp.PrivateKey, el)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != plaintext {
		t.Errorf("decrypted %q", got)
	}
	// Encrypted to the SP, so the rogue key cannot open it.
	if _, err := xmlenc.Decrypt(fixtures.MustLoad(fixtures.IdPKeyRogue).PrivateKey, el); err == nil {
		t.Error("another RSA key decrypted the EncryptedKey")
	}
}

func TestTamperedCiphertextRefused(t *testing.T) {
	k := key(t)
	el, err := xmlenc11.AES256GCM.Encrypt(k, []byte(plaintext), nil)
	if err != nil {
		t.Fatal(err)
	}
	cv := el.FindElement("./CipherData/CipherValue")
	orig, _ := base64.StdEncoding.DecodeString(cv.Text())
	for _, c := range []struct {
		name string
		at   int
	}{{"nonce", 0}, {"ciphertext", 12 + 3}, {"tag", len(orig) - 1}} {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(orig)
			b[c.at] ^= 0x01
			cv.SetText(base64.StdEncoding.EncodeToString(b))
			if got, err := xmlenc.Decrypt(k, el); err == nil || !strings.Contains(err.Error(), "authentication failed") {
				t.Errorf("flipped a bit in the %s: got %q, %v; want an authentication error", c.name, got, err)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		cv.SetText(base64.StdEncoding.EncodeToString(orig[:20]))
		if _, err := xmlenc.Decrypt(k, el); err == nil || !strings.Contains(err.Error(), "shorter than") {
			t.Errorf("truncated CipherValue: %v", err)
		}
	})
}

func TestWrongKeyRefused(t *testing.T) {
	el, err := xmlenc11.AES256GCM.Encrypt(key(t), []byte(plaintext), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xmlenc.Decrypt(key(t), el); err == nil {
		t.Error("another 32-byte key decrypted it")
	}
	var klen xmlenc.ErrIncorrectKeyLength
	if _, err := xmlenc.Decrypt(make([]byte, 16), el); !errors.As(err, &klen) {
		t.Errorf("16-byte key: %v; want ErrIncorrectKeyLength", err)
	}
	var ktype xmlenc.ErrIncorrectKeyType
	if _, err := xmlenc.Decrypt("secret", el); !errors.As(err, &ktype) {
		t.Errorf("string key: %v; want ErrIncorrectKeyType", err)
	}
	if _, err := xmlenc11.AES256GCM.Encrypt(key(t), []byte(plaintext), make([]byte, 16)); err == nil {
		t.Error("a 16-byte nonce was accepted")
	}
}
