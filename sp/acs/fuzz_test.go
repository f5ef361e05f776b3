package acs

import (
	"encoding/base64"
	"testing"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// FuzzValidate feeds arbitrary documents to Validate: it must refuse them
// with a reason, never panic, and never accept one that is not signed by
// the trusted key. `go test` runs the seeds; `go test -fuzz FuzzValidate`
// explores.
func FuzzValidate(f *testing.F) {
	p := trust(f, fixtures.IdPKeyA)
	for _, opts := range [][]response.Option{nil, {response.SignResponse()}, {response.SignBoth()}, {response.Unsigned()}, {response.Expired()}} {
		raw, _ := base64.StdEncoding.DecodeString(build(f, opts...))
		f.Add(raw)
	}
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0"/>`))
	f.Add([]byte("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"))
	f.Add([]byte{0xff, 0xfe, '<'})
	f.Fuzz(func(t *testing.T, doc []byte) {
		res, err := Validate(base64.StdEncoding.EncodeToString(doc), p, now)
		if err == nil && res.VerifiedBy == "" {
			t.Fatalf("accepted without a verified signature: %q", doc)
		}
		if err != nil && ReasonOf(err) == "" {
			t.Fatalf("refusal without a reason: %v", err)
		}
	})
}
