package acs

import (
	"bytes"
	"crypto/rsa"
	"fmt"
	"html"
	"strings"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	"github.com/russellhaering/goxmldsig/etreeutils"

	_ "github.com/ssoharness/ssoharness/sp/xmlenc11" // aes256-gcm, rsa-oaep (xmlenc11), standard SHA-2 digest URIs
)

const nsXMLEnc = "http://www.w3.org/2001/04/xmlenc#"

// decrypt runs xmlenc.Decrypt, turning a panic inside third-party code into
// an error (crewjam's own aes128-gcm decrypter indexed a short CipherValue
// unchecked; sp/xmlenc11 now replaces it): hostile input must never crash
// the SP.
func decrypt(key *rsa.PrivateKey, encData *etree.Element) (plaintext []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			plaintext, err = nil, fmt.Errorf("xmlenc: %v", r)
		}
	}()
	return xmlenc.Decrypt(key, encData)
}

// Accepted content encryption (what real IdPs send) and key transport.
var (
	contentAlgorithms = map[string]string{
		"http://www.w3.org/2001/04/xmlenc#aes128-cbc": "aes128-cbc",
		"http://www.w3.org/2001/04/xmlenc#aes192-cbc": "aes192-cbc",
		"http://www.w3.org/2001/04/xmlenc#aes256-cbc": "aes256-cbc",
		"http://www.w3.org/2009/xmlenc11#aes128-gcm":  "aes128-gcm",
		"http://www.w3.org/2009/xmlenc11#aes256-gcm":  "aes256-gcm",
	}
	keyTransports = map[string]string{
		"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p": "rsa-oaep-mgf1p",
		"http://www.w3.org/2009/xmlenc11#rsa-oaep":        "rsa-oaep",
	}
	keyTransportPKCS1v15 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
)

// decryptAssertion decrypts an EncryptedAssertion with the group's SP keys,
// after checking that its algorithms are ones the group accepts. The
// plaintext gets the same DOCTYPE and round-trip checks as the response.
func decryptAssertion(encAssertion *etree.Element, p Policy, res *Result) (*etree.Element, error) {
	encData := childElement(encAssertion, nsXMLEnc, "EncryptedData")
	if encData == nil {
		return nil, fmt.Errorf("acs: EncryptedAssertion has no xenc:EncryptedData: %w", ErrMalformed)
	}
	encData = encData.Copy()
	content := ""
	if m := childElement(encData, nsXMLEnc, "EncryptionMethod"); m != nil {
		content = m.SelectAttrValue("Algorithm", "")
	}
	name, ok := contentAlgorithms[content]
	if !ok {
		return nil, fmt.Errorf("acs: content encryption %q is not accepted (use AES-128/256-CBC or -GCM): %w", content, ErrWeakAlgorithm)
	}
	res.ContentEncryption = name

	// Some IdPs put the EncryptedKey beside EncryptedData rather than in
	// its KeyInfo; move it where xmlenc looks for it.
	keyInfo := childElement(encData, nsDSig, "KeyInfo")
	if keyInfo == nil || childElement(keyInfo, nsXMLEnc, "EncryptedKey") == nil {
		sibling := childElement(encAssertion, nsXMLEnc, "EncryptedKey")
		if sibling == nil {
			return nil, fmt.Errorf("acs: EncryptedAssertion carries no EncryptedKey: %w", ErrMalformed)
		}
		if keyInfo == nil {
			keyInfo = etree.NewElement("ds:KeyInfo")
			keyInfo.CreateAttr("xmlns:ds", nsDSig)
			encData.InsertChildAt(0, keyInfo)
		}
		keyInfo.AddChild(sibling.Copy())
	}
	encKey := childElement(keyInfo, nsXMLEnc, "EncryptedKey")
	transport := ""
	if m := childElement(encKey, nsXMLEnc, "EncryptionMethod"); m != nil {
		transport = m.SelectAttrValue("Algorithm", "")
	}
	switch tname, ok := keyTransports[transport]; {
	case ok:
		res.KeyTransport = tname
	case transport == keyTransportPKCS1v15 && p.AllowPKCS1v15:
		res.KeyTransport = "rsa-1_5"
	case transport == keyTransportPKCS1v15:
		return nil, fmt.Errorf("acs: RSA PKCS#1 v1.5 key transport (rsa-1_5) is refused unless the group allows it; configure the IdP for RSA-OAEP: %w", ErrWeakAlgorithm)
	default:
		return nil, fmt.Errorf("acs: key transport %q is not accepted (use RSA-OAEP): %w", transport, ErrWeakAlgorithm)
	}
	if len(p.DecryptionKeys) == 0 {
		return nil, fmt.Errorf("acs: the assertion is encrypted and the group has no SP key to decrypt it: %w", ErrDecryption)
	}

	var plaintext []byte
	var lastErr error
	for _, key := range p.DecryptionKeys {
		pt, err := decrypt(key, encData)
		if err == nil {
			plaintext = pt
			break
		}
		lastErr = err
	}
	if plaintext == nil {
		return nil, fmt.Errorf("acs: none of the group's %d SP keys decrypts the assertion (encrypted to another key?): %v: %w", len(p.DecryptionKeys), lastErr, ErrDecryption)
	}
	if hasDoctype(plaintext) {
		return nil, fmt.Errorf("acs: decrypted assertion carries a DOCTYPE: %w", ErrDoctype)
	}
	// Parse the plaintext inside the namespace declarations in scope at the
	// EncryptedAssertion, so prefixes declared on the Response still resolve.
	wrapped := append(append([]byte(openWrapper(encAssertion)), plaintext...), []byte("</wrapper>")...)
	if err := xrv.Validate(bytes.NewReader(wrapped)); err != nil {
		return nil, fmt.Errorf("acs: decrypted assertion does not survive a round trip: %v: %w", err, ErrMalformed)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(wrapped); err != nil {
		return nil, fmt.Errorf("acs: decrypted assertion: %v: %w", err, ErrMalformed)
	}
	children := doc.Root().ChildElements()
	if len(children) != 1 || children[0].Tag != "Assertion" || children[0].NamespaceURI() != nsAssertion {
		return nil, fmt.Errorf("acs: the decrypted content is not one saml:Assertion: %w", ErrMalformed)
	}
	ctx, err := etreeutils.NSBuildParentContext(children[0])
	if err == nil {
		ctx, err = ctx.SubContext(children[0])
	}
	var detached *etree.Element
	if err == nil {
		detached, err = etreeutils.NSDetatch(ctx, children[0])
	}
	if err != nil {
		return nil, fmt.Errorf("acs: namespaces of the decrypted Assertion: %v: %w", err, ErrMalformed)
	}
	return detached, nil
}

// openWrapper is a start tag declaring every namespace in scope at el.
func openWrapper(el *etree.Element) string {
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("<wrapper")
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			name := ""
			switch {
			case a.Space == "xmlns":
				name = "xmlns:" + a.Key
			case a.Space == "" && a.Key == "xmlns":
				name = "xmlns"
			default:
				continue
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			fmt.Fprintf(&b, ` %s="%s"`, name, html.EscapeString(a.Value))
		}
	}
	b.WriteString(">")
	return b.String()
}
