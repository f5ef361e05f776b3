package acs

import (
	"encoding/base64"
	"strings"

	"github.com/beevik/etree"
)

// Peek reads the Issuer and NameID a response claims, without trusting or
// validating anything, so the access log can say who sent a refused
// response. It applies the same size and DOCTYPE bounds as Validate and
// returns empty strings when it cannot read them.
func Peek(encoded string, maxBytes int) (issuer, nameID string) {
	if maxBytes <= 0 {
		maxBytes = defaultMaxBytes
	}
	if len(encoded) > maxBytes/3*4+maxBytes/32+8 {
		return "", ""
	}
	raw, err := base64.StdEncoding.DecodeString(stripSpace(encoded))
	if err != nil || len(raw) > maxBytes || hasDoctype(raw) {
		return "", ""
	}
	doc := etree.NewDocument()
	if doc.ReadFromBytes(raw) != nil || doc.Root() == nil {
		return "", ""
	}
	if el := doc.Root().FindElement("./Assertion/Issuer"); el != nil {
		issuer = el.Text()
	} else if el := doc.Root().FindElement("./Issuer"); el != nil {
		issuer = el.Text()
	}
	if el := doc.Root().FindElement("./Assertion/Subject/NameID"); el != nil {
		nameID = el.Text()
	}
	return clip(strings.TrimSpace(issuer)), clip(strings.TrimSpace(nameID))
}

// clip bounds an unverified value before it reaches a log.
func clip(s string) string {
	if len(s) > 256 {
		return s[:256] + "…"
	}
	return s
}
