package idpmetadata

import (
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

func keyDescriptor(use, name string) saml.KeyDescriptor {
	return saml.KeyDescriptor{Use: use, KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{
		{Data: "\n  " + strings.TrimSpace(pemBody(fixtures.MustLoad(name).CertificatePEM)) + "\n"},
	}}}}
}

func pemBody(p string) string {
	lines := strings.Split(strings.TrimSpace(p), "\n")
	return strings.Join(lines[1:len(lines)-1], "\n")
}

func idpMetadata(keys ...saml.KeyDescriptor) []byte {
	ed := saml.EntityDescriptor{EntityID: "https://idp.test/metadata", IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol", KeyDescriptors: keys}},
		SingleSignOnServices: []saml.Endpoint{
			{Binding: saml.HTTPPostBinding, Location: "https://idp.test/sso/post"},
			{Binding: saml.HTTPRedirectBinding, Location: "https://idp.test/sso/redirect"},
		},
	}}}
	b, _ := xml.Marshal(ed)
	return b
}

func TestParseFillsEndpointAndEveryRolloverKey(t *testing.T) {
	info, err := Parse(idpMetadata(keyDescriptor("signing", fixtures.IdPKeyA), keyDescriptor("", fixtures.IdPKeyB), keyDescriptor("encryption", fixtures.IdPKeyRogue)))
	if err != nil {
		t.Fatal(err)
	}
	if info.EntityID != "https://idp.test/metadata" || info.SSOURL != "https://idp.test/sso/redirect" || info.Binding != store.BindingRedirect {
		t.Errorf("info = %+v", info)
	}
	if len(info.Certificates) != 2 {
		t.Fatalf("certificates = %d, want A and B (not the encryption-only key)", len(info.Certificates))
	}
	for i, name := range []string{fixtures.IdPKeyA, fixtures.IdPKeyB} {
		cert, err := acs.ParseCertificate(info.Certificates[i])
		if err != nil || !cert.Equal(fixtures.MustLoad(name).Certificate) {
			t.Errorf("certificate %d is not %s: %v", i, name, err)
		}
	}
}

func TestParseRefusesWhatIsNotIdPMetadata(t *testing.T) {
	sp, _ := xml.Marshal(saml.EntityDescriptor{EntityID: "glance.net/sp/1", SPSSODescriptors: []saml.SPSSODescriptor{{}}})
	for name, doc := range map[string][]byte{
		"not XML":            []byte("hello"),
		"not SAML":           []byte(`<html><body>login</body></html>`),
		"SP metadata":        sp,
		"no signing key":     idpMetadata(keyDescriptor("encryption", fixtures.IdPKeyA)),
		"DOCTYPE":            append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), idpMetadata(keyDescriptor("signing", fixtures.IdPKeyA))...),
		"bad certificate":    []byte(strings.Replace(string(idpMetadata(keyDescriptor("signing", fixtures.IdPKeyA))), "MII", "XXX", 1)),
		"oversized document": make([]byte, MaxBytes+1),
	} {
		if _, err := Parse(doc); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestRefreshKeepsTheLastGoodMetadata(t *testing.T) {
	good := idpMetadata(keyDescriptor("signing", fixtures.IdPKeyB))
	broken := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Write(good)
	}))
	defer srv.Close()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateGroup(ctx, store.Group{ID: 1, Name: "one", SSO: store.SSOSettings{Method: store.MethodSAML2, IdPMetadataURL: srv.URL + "/md?token=s3cret"}}); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	if err := RefreshAll(ctx, st, srv.Client(), logger, now); err != nil {
		t.Fatal(err)
	}
	audit, err := st.ListAudit(ctx, 1, 10)
	if err != nil || len(audit) == 0 || audit[0].Actor != Refresher {
		t.Fatalf("refresh not audited: %+v %v", audit, err)
	}
	g, _ := st.GetGroup(ctx, 1)
	if g.SSO.IdPEntityID != "https://idp.test/metadata" || len(g.SSO.IdPCertificates) != 1 {
		t.Fatalf("after refresh: %+v", g.SSO)
	}
	broken = true
	if err := RefreshAll(ctx, st, srv.Client(), logger, now); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a failed refresh: err = %v (must fail, and never show the URL's query)", err)
	}
	if strings.Contains(logged.String(), "s3cret") {
		t.Errorf("the log holds the metadata URL's token:\n%s", logged.String())
	}
	g2, _ := st.GetGroup(ctx, 1)
	if g2.SSO.IdPSSOURL != g.SSO.IdPSSOURL || len(g2.SSO.IdPCertificates) != 1 {
		t.Fatalf("a failed refresh lost the last good metadata: %+v", g2.SSO)
	}
}

func TestHTTPClientReachesLocalhostNames(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(idpMetadata(keyDescriptor("signing", fixtures.IdPKeyA)))
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "127.0.0.1", "idp.localhost", 1)
	info, err := Fetch(context.Background(), NewHTTPClient(), u+"/metadata")
	if err != nil || info.EntityID == "" {
		t.Fatalf("Fetch(%s) = %+v, %v", u, info, err)
	}
	for host, want := range map[string]bool{"localhost": true, "idp.localhost": true, "IDP.LOCALHOST.": true, "localhost.evil.test": false, "notlocalhost": false} {
		if IsLocalhostName(host) != want {
			t.Errorf("IsLocalhostName(%q) != %v", host, want)
		}
	}
}
