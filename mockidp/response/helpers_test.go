package response_test

import (
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// testNow is the pinned IdP clock of every test (milliseconds included, to
// check the SAML time format).
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

var loadKeys = sync.OnceValues(func() (map[string]response.Key, error) {
	keys := map[string]response.Key{}
	for _, name := range []string{"key-a", "key-b"} {
		c, err := os.ReadFile(filepath.Join("testdata", name+".crt"))
		if err != nil {
			return nil, err
		}
		k, err := os.ReadFile(filepath.Join("testdata", name+".key"))
		if err != nil {
			return nil, err
		}
		key, err := response.ParseKey(name, c, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		keys[name] = key
	}
	return keys, nil
})

func testKeys(t testing.TB) map[string]response.Key {
	t.Helper()
	keys, err := loadKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// seededRand is a deterministic reader: the same seed gives the same IDs.
func seededRand() *rand.ChaCha8 {
	return rand.NewChaCha8([32]byte{'m', 'o', 'c', 'k', 'i', 'd', 'p'})
}

// testInput is an SP-initiated exchange with both test keys, key-a current.
func testInput(t testing.TB, opts ...response.Option) response.Input {
	keys := testKeys(t)
	return response.Input{
		Spec:        response.New(opts...),
		IdPEntityID: "http://idp.localhost:8082/metadata",
		SPEntityID:  "https://sp.example.com/saml/metadata",
		ACSURL:      "https://sp.example.com/saml/acs?sso=1&idpid=42",
		RequestID:   "_request-0001",
		Subject: response.Subject{
			NameID: "alice@example.com",
			Attributes: []response.Attribute{
				{Name: "email", NameFormat: response.AttrNameFormatBasic, Values: []string{"alice@example.com"}},
				{Name: "groups", NameFormat: response.AttrNameFormatBasic, Values: []string{"admins", "agents"}},
			},
		},
		Keys:       []response.Key{keys["key-a"], keys["key-b"]},
		SigningKey: "key-a",
		Now:        testNow,
		Rand:       seededRand(),
	}
}

func build(t testing.TB, in response.Input) *etree.Element {
	t.Helper()
	out, err := response.Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(out); err != nil {
		t.Fatalf("output is not XML: %v\n%s", err, out)
	}
	return doc.Root()
}

func assertionOf(t testing.TB, resp *etree.Element) *etree.Element {
	t.Helper()
	a := resp.SelectElement("Assertion")
	if a == nil {
		t.Fatal("response has no Assertion")
	}
	return a
}

// verify checks el's enveloped signature with goxmldsig's validator against
// certs (independent of the signing code path) and returns the signature.
func verify(t testing.TB, el *etree.Element, certs ...*x509.Certificate) *etree.Element {
	t.Helper()
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vc.Clock = dsig.NewFakeClockAt(testNow)
	if _, err := vc.Validate(el); err != nil {
		t.Fatalf("%s signature does not verify: %v", el.Tag, err)
	}
	return signatureOf(t, el)
}

func signatureOf(t testing.TB, el *etree.Element) *etree.Element {
	t.Helper()
	sig := el.SelectElement("Signature")
	if sig == nil {
		t.Fatalf("%s has no ds:Signature", el.Tag)
	}
	return sig
}

// algorithms returns the SignatureMethod and DigestMethod URIs of sig.
func algorithms(sig *etree.Element) (method, digest string) {
	si := sig.SelectElement("SignedInfo")
	if si == nil {
		return "", ""
	}
	if m := si.SelectElement("SignatureMethod"); m != nil {
		method = m.SelectAttrValue("Algorithm", "")
	}
	if r := si.SelectElement("Reference"); r != nil {
		if d := r.SelectElement("DigestMethod"); d != nil {
			digest = d.SelectAttrValue("Algorithm", "")
		}
	}
	return method, digest
}

// flatten maps every attribute and text node outside ds:Signature to a
// path such as "Response/Assertion/Conditions@NotOnOrAfter" or
// "Response/Assertion/Subject/NameID". Repeated siblings get an index.
func flatten(el *etree.Element) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, e *etree.Element)
	walk = func(path string, e *etree.Element) {
		out[path] = "" // the element exists
		for _, a := range e.Attr {
			if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
				continue
			}
			out[path+"@"+a.Key] = a.Value
		}
		if txt := strings.TrimSpace(e.Text()); txt != "" {
			out[path] = txt
		}
		seen := map[string]int{}
		for _, c := range e.ChildElements() {
			if c.Tag == "Signature" {
				continue
			}
			p := path + "/" + c.Tag
			if n := seen[c.Tag]; n > 0 {
				p += fmt.Sprintf("[%d]", n)
			}
			seen[c.Tag]++
			walk(p, c)
		}
	}
	walk(el.Tag, el)
	return out
}

const absent = "<absent>"

// diff returns the paths whose values differ between a and b, mapped to b's
// value (absent when the path disappeared).
func diff(a, b map[string]string) map[string]string {
	d := map[string]string{}
	for k, av := range a {
		bv, ok := b[k]
		switch {
		case !ok:
			d[k] = absent
		case av != bv:
			d[k] = bv
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			d[k] = bv
		}
	}
	return d
}

func formatDiff(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%s = %q\n", k, d[k])
	}
	return b.String()
}
