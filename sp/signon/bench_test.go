package signon

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/sp/store"
)

// The ACS hot path, measured against a baseline in the same run so the
// overhead reads as a ratio: BenchmarkACSConsume (our validation, replay
// check, user lookup, session and access log in SQLite) beside
// BenchmarkBaselineCrewjamParseResponse (crewjam's ParseResponse of the same
// responses, with no state at all). Both consume IdP-initiated responses, so
// neither needs an outstanding request per iteration.

func benchResponses(b *testing.B, f *fixture) []string {
	b.Helper()
	out := make([]string, b.N)
	for i := range out {
		out[i] = f.respond(b, "", "alice@example.com")
	}
	return out
}

func BenchmarkACSConsume(b *testing.B) {
	f := newFixture(b, func(g *store.Group) { g.SSO.AllowIdPInitiated = true })
	responses := benchResponses(b, f)
	ctx := context.Background()
	// The group's SP key is generated once, on first use: not per response.
	if _, err := f.svc.Keys.Keys(ctx, f.group.ID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if out := f.svc.Consume(ctx, f.group, responses[i], ""); out.Refused {
			b.Fatalf("refused: %+v", out)
		}
	}
}

// BenchmarkACSConsumeEncrypted is BenchmarkACSConsume with the assertion
// encrypted to the group's SP key (AES-256-GCM, RSA-OAEP), as under
// "Encrypted SAML 2.0": the cost of decryption beside the signed case.
func BenchmarkACSConsumeEncrypted(b *testing.B) {
	f := newFixture(b, func(g *store.Group) { g.SSO.AllowIdPInitiated = true; g.SSO.Method = store.MethodSAML2Encrypted })
	ctx := context.Background()
	keys, err := f.svc.Keys.Keys(ctx, f.group.ID)
	if err != nil {
		b.Fatal(err)
	}
	f.spCert = keys[0].Certificate
	responses := make([]string, b.N)
	for i := range responses {
		responses[i] = f.respond(b, "", "alice@example.com", response.Encrypted(response.AES256GCM, response.RSAOAEP))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if out := f.svc.Consume(ctx, f.group, responses[i], ""); out.Refused {
			b.Fatalf("refused: %+v", out)
		}
	}
}

func BenchmarkBaselineCrewjamParseResponse(b *testing.B) {
	f := newFixture(b, func(g *store.Group) { g.SSO.AllowIdPInitiated = true })
	responses := benchResponses(b, f)
	acsURL, _ := url.Parse(f.svc.ACSURL(f.group))
	cert := fixtures.MustLoad(fixtures.IdPKeyA).Certificate
	sp := saml.ServiceProvider{
		EntityID: f.group.SSO.EntityID, AcsURL: *acsURL, AllowIDPInitiated: true,
		IDPMetadata: &saml.EntityDescriptor{EntityID: idpEntityID, IDPSSODescriptors: []saml.IDPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{KeyDescriptors: []saml.KeyDescriptor{{
				Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: encodeCert(cert.Raw)}}}},
			}}}},
		}}},
	}
	restore := saml.TimeNow
	saml.TimeNow = func() time.Time { return t0 }
	b.Cleanup(func() { saml.TimeNow = restore })
	// Form parsing is outside the measurement, as it is for ours.
	requests := make([]*http.Request, b.N)
	for i := range requests {
		req, _ := http.NewRequest(http.MethodPost, acsURL.String(), strings.NewReader(url.Values{"SAMLResponse": {responses[i]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := req.ParseForm(); err != nil {
			b.Fatal(err)
		}
		requests[i] = req
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := sp.ParseResponse(requests[i], nil); err != nil {
			if ire, ok := err.(*saml.InvalidResponseError); ok {
				err = ire.PrivateErr
			}
			b.Fatalf("crewjam refused: %v", err)
		}
	}
}

func encodeCert(der []byte) string { return base64.StdEncoding.EncodeToString(der) }
