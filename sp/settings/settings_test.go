package settings

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func validGroup(t *testing.T) store.Group {
	t.Helper()
	return store.Group{ID: 7, Name: "seven", AccountID: "00D-seven", SSO: store.SSOSettings{
		Method: store.MethodSAML2, IdPEntityID: "https://idp.test/", IdPSSOURL: "https://idp.test/sso",
		IdPCertificates:      []string{fixtures.MustLoad(fixtures.IdPKeyA).CertificatePEM},
		IdPInitiatedRedirect: "/agentjoin/AgentJoin.aspx",
	}}
}

// expiredCertificatePEM is a self-signed certificate whose NotAfter is a day before now.
func expiredCertificatePEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired idp"},
		NotBefore: now.Add(-365 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestNormalizeFillsDefaults(t *testing.T) {
	g := store.Group{ID: 1, Name: " one "}
	Normalize(&g)
	s := g.SSO
	if g.Name != "one" || s.Method != store.MethodOff || s.Status != store.StatusProvisioning || s.IdPBinding != store.BindingRedirect ||
		s.NameIDPolicy != store.NameIDEmail || s.EntityID != "glance.net/sp/1" || s.ClockSkewSeconds != 180 || s.MaxResponseBytes != 256<<10 {
		t.Errorf("Normalize = %+v", g)
	}
	if _, err := Validate(g, now); err != nil {
		t.Errorf("a normalized group with SSO off is valid, got %v", err)
	}
}

func TestNormalizeRewritesBareDERAsPEM(t *testing.T) {
	kp := fixtures.MustLoad(fixtures.IdPKeyA)
	g := validGroup(t)
	g.SSO.IdPCertificates = []string{base64.StdEncoding.EncodeToString(kp.Certificate.Raw)}
	Normalize(&g)
	if !strings.HasPrefix(g.SSO.IdPCertificates[0], "-----BEGIN CERTIFICATE-----") {
		t.Errorf("bare DER not rewritten as PEM: %q", g.SSO.IdPCertificates[0])
	}
	if _, err := Validate(g, now); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidGroupPasses(t *testing.T) {
	g := validGroup(t)
	Normalize(&g)
	warnings, err := Validate(g, now)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Validate = %v, %v", warnings, err)
	}
}

// Every refused value names its field in the JSON form.
func TestRefusedValuesNameTheirField(t *testing.T) {
	privateKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("secret key material")}))
	publicKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("public key material")}))
	cert := fixtures.MustLoad(fixtures.IdPKeyA).CertificatePEM
	cases := []struct {
		name   string
		change func(g *store.Group)
		field  string
	}{
		{"empty name", func(g *store.Group) { g.Name = "  " }, "name"},
		{"unknown method", func(g *store.Group) { g.SSO.Method = "saml3" }, "sso.method"},
		{"unknown status", func(g *store.Group) { g.SSO.Status = "live" }, "sso.status"},
		{"unknown binding", func(g *store.Group) { g.SSO.IdPBinding = "artifact" }, "sso.idpBinding"},
		{"unknown NameID policy", func(g *store.Group) { g.SSO.NameIDPolicy = "kerberos" }, "sso.nameIDPolicy"},
		{"unknown ACS style", func(g *store.Group) { g.SSO.ACSParameterStyle = "path" }, "sso.acsParameterStyle"},
		{"unknown comparison", func(g *store.Group) { g.SSO.AuthnContextComparison = "roughly" }, "sso.authnContextComparison"},
		{"relative metadata URL", func(g *store.Group) { g.SSO.IdPMetadataURL = "/metadata" }, "sso.idpMetadataURL"},
		{"metadata URL with credentials", func(g *store.Group) { g.SSO.IdPMetadataURL = "https://u:secret key material@idp.test/md" }, "sso.idpMetadataURL"},
		{"file metadata URL", func(g *store.Group) { g.SSO.IdPMetadataURL = "file:///etc/passwd" }, "sso.idpMetadataURL"},
		{"class ref with spaces", func(g *store.Group) { g.SSO.AuthnContextClassRef = "urn:a urn:b" }, "sso.authnContextClassRef"},
		{"class ref too long", func(g *store.Group) { g.SSO.AuthnContextClassRef = "urn:" + strings.Repeat("a", 1024) }, "sso.authnContextClassRef"},
		{"missing IdP entity ID", func(g *store.Group) { g.SSO.IdPEntityID = "" }, "sso.idpEntityID"},
		{"missing SSO URL", func(g *store.Group) { g.SSO.IdPSSOURL = "" }, "sso.idpSSOURL"},
		{"relative SSO URL", func(g *store.Group) { g.SSO.IdPSSOURL = "/sso" }, "sso.idpSSOURL"},
		{"javascript SSO URL", func(g *store.Group) { g.SSO.IdPSSOURL = "javascript:alert(1)" }, "sso.idpSSOURL"},
		{"no certificate", func(g *store.Group) { g.SSO.IdPCertificates = nil }, "sso.idpCertificates"},
		{"six certificates", func(g *store.Group) {
			g.SSO.IdPCertificates = []string{cert, cert, cert, cert, cert, cert}
		}, "sso.idpCertificates"},
		{"private key instead of a certificate", func(g *store.Group) { g.SSO.IdPCertificates = []string{cert, privateKey} }, "sso.idpCertificates[1]"},
		{"public key instead of a certificate", func(g *store.Group) { g.SSO.IdPCertificates = []string{publicKey} }, "sso.idpCertificates[0]"},
		{"garbage certificate", func(g *store.Group) { g.SSO.IdPCertificates = []string{"not base64 !"} }, "sso.idpCertificates[0]"},
		{"base64 that is not DER", func(g *store.Group) { g.SSO.IdPCertificates = []string{"aGVsbG8="} }, "sso.idpCertificates[0]"},
		{"empty certificate", func(g *store.Group) { g.SSO.IdPCertificates = []string{cert, " "} }, "sso.idpCertificates[1]"},
		{"absolute redirect", func(g *store.Group) { g.SSO.IdPInitiatedRedirect = "https://evil.test/" }, "sso.idpInitiatedRedirect"},
		{"protocol-relative redirect", func(g *store.Group) { g.SSO.IdPInitiatedRedirect = "//evil.test/" }, "sso.idpInitiatedRedirect"},
		{"javascript redirect", func(g *store.Group) { g.SSO.IdPInitiatedRedirect = "javascript:alert(1)" }, "sso.idpInitiatedRedirect"},
		{"backslash redirect", func(g *store.Group) { g.SSO.IdPInitiatedRedirect = `/\evil.test` }, "sso.idpInitiatedRedirect"},
		{"negative clock skew", func(g *store.Group) { g.SSO.ClockSkewSeconds = -1 }, "sso.clockSkewSeconds"},
		{"clock skew over an hour", func(g *store.Group) { g.SSO.ClockSkewSeconds = 3601 }, "sso.clockSkewSeconds"},
		{"response bound too small", func(g *store.Group) { g.SSO.MaxResponseBytes = 1023 }, "sso.maxResponseBytes"},
		{"response bound too large", func(g *store.Group) { g.SSO.MaxResponseBytes = 4<<20 + 1 }, "sso.maxResponseBytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := validGroup(t)
			tc.change(&g)
			Normalize(&g)
			_, err := Validate(g, now)
			var fe *FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want *FieldErrors", err)
			}
			msg, ok := fe.Fields[tc.field]
			if !ok || msg == "" {
				t.Fatalf("errors %v do not name %s", fe.Fields, tc.field)
			}
			if strings.Contains(msg, "secret key material") || strings.Contains(msg, "BEGIN PRIVATE") {
				t.Errorf("message echoes the key: %q", msg)
			}
		})
	}
}

func TestBoundsAreInclusive(t *testing.T) {
	for _, set := range []func(s *store.SSOSettings){
		func(s *store.SSOSettings) { s.ClockSkewSeconds = 3600 },
		func(s *store.SSOSettings) { s.ClockSkewSeconds = 1 },
		func(s *store.SSOSettings) { s.MaxResponseBytes = 1024 },
		func(s *store.SSOSettings) { s.MaxResponseBytes = 4 << 20 },
	} {
		g := validGroup(t)
		set(&g.SSO)
		Normalize(&g)
		if _, err := Validate(g, now); err != nil {
			t.Errorf("%+v: %v", g.SSO, err)
		}
	}
}

func TestMethodOffNeedsNoIdP(t *testing.T) {
	g := store.Group{ID: 1, Name: "one", SSO: store.SSOSettings{Method: store.MethodOff, IdPInitiatedRedirect: "//evil"}}
	Normalize(&g)
	_, err := Validate(g, now)
	var fe *FieldErrors
	if !errors.As(err, &fe) || len(fe.Fields) != 1 || fe.Fields["sso.idpInitiatedRedirect"] == "" {
		t.Errorf("with SSO off only the redirect is wrong; got %v", err)
	}
}

func TestExpiredCertificateIsAcceptedWithAWarning(t *testing.T) {
	g := validGroup(t)
	g.SSO.IdPCertificates = append(g.SSO.IdPCertificates, expiredCertificatePEM(t))
	Normalize(&g)
	warnings, err := Validate(g, now)
	if err != nil {
		t.Fatalf("an expired certificate must be accepted: %v", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "sso.idpCertificates[1]") || !strings.Contains(warnings[0], "expired") {
		t.Errorf("warnings = %q", warnings)
	}
	infos := DescribeCertificates(g.SSO.IdPCertificates, now)
	if infos[0].Expired || !infos[1].Expired || infos[1].Fingerprint == "" || !infos[1].NotAfter.Before(now) {
		t.Errorf("descriptions = %+v", infos)
	}
}

func TestPrivateKeyIsNeverEchoed(t *testing.T) {
	privateKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("secret key material")}))
	info := DescribeCertificates([]string{privateKey}, now)[0]
	if info.PEM != "" || !strings.Contains(info.Problem, "private key") {
		t.Errorf("description of a private key = %+v", info)
	}
}

func TestDiffRecordsCertificatesByFingerprint(t *testing.T) {
	a, b := fixtures.MustLoad(fixtures.IdPKeyA), fixtures.MustLoad(fixtures.IdPKeyB)
	old := validGroup(t)
	Normalize(&old)
	updated := old
	updated.SSO.IdPCertificates = []string{a.CertificatePEM, b.CertificatePEM}
	updated.SSO.IdPSSOURL = "https://idp.test/sso2"
	updated.SSO.AllowSHA1 = true
	updated.AccountID = "00D-other"
	changes := Diff(old, updated)
	want := map[string][2]string{
		"accountID":              {"00D-seven", "00D-other"},
		"sso.idpSSOURL":          {"https://idp.test/sso", "https://idp.test/sso2"},
		"sso.allowSHA1":          {"false", "true"},
		"sso.idpCertificates[1]": {"", acs.Fingerprint(b.Certificate)},
	}
	if len(changes) != len(want) {
		t.Fatalf("changes = %+v, want %d", changes, len(want))
	}
	for _, c := range changes {
		w, ok := want[c.Field]
		if !ok || w[0] != c.Old || w[1] != c.New {
			t.Errorf("change %+v, want %v", c, w)
		}
		if strings.Contains(c.Old+c.New, "BEGIN") {
			t.Errorf("change %s records PEM", c.Field)
		}
	}
	if len(Diff(old, old)) != 0 {
		t.Error("Diff of a group with itself is not empty")
	}
	entries := AuditEntries(changes, 7, "admin", now)
	if len(entries) != 4 || entries[0].Actor != "admin" || entries[0].GroupID != 7 || !entries[0].Time.Equal(now) {
		t.Errorf("AuditEntries = %+v", entries)
	}
}
