package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/sp/store"
)

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "fixtures", "sp.example.yaml"))
	if err != nil {
		t.Fatalf("the example config must load: %v", err)
	}
	if len(c.Groups) != 1 || len(c.Groups[0].Users) != 2 {
		t.Fatalf("groups/users = %+v", c.Groups)
	}
	s := c.Groups[0].SSO.Settings()
	if s.Method != store.MethodSAML2 || s.ClockSkewSeconds != 180 || len(s.IdPCertificates) != 1 || !strings.Contains(s.IdPCertificates[0], "BEGIN CERTIFICATE") {
		t.Errorf("settings = %+v", s)
	}
}

func validYAML(t *testing.T) string {
	t.Helper()
	pem := fixtures.MustLoad(fixtures.IdPKeyA).CertificatePEM
	return `baseURL: http://sp.localhost:9081
store: {path: sp.db}
groups:
  - id: 7
    name: seven
    sso:
      method: saml2
      idp:
        entityID: https://idp.test/
        ssoURL: https://idp.test/sso
        certificates:
          - pem: |
` + indent(pem, "              ") + `
    users:
      - {glanceAddress: a.seven.glance.net, email: a@example.com}
`
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}

func TestDefaultsAreFilled(t *testing.T) {
	c, err := Parse("sp.yaml", []byte(validYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Groups[0].SSO.Settings()
	if s.EntityID != DefaultEntityID || s.Status != store.StatusProvisioning || s.IdPBinding != store.BindingRedirect ||
		s.NameIDPolicy != store.NameIDEmail || s.MaxResponseBytes != DefaultMaxResponseBytes || s.ClockSkewSeconds != 180 {
		t.Errorf("defaults not filled: %+v", s)
	}
	if c.Groups[0].Users[0].Status != "active" || c.Listen != "127.0.0.1:8081" {
		t.Errorf("user/listen defaults: %+v %q", c.Groups[0].Users[0], c.Listen)
	}
}

// Each bad file is refused with a message naming the file, the field and
// what is wrong.
func TestBadConfigsAreRefusedWithTheField(t *testing.T) {
	good := validYAML(t)
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", strings.Replace(good, "name: seven", "name: seven\n    colour: blue", 1), "field colour not found"},
		{"missing baseURL", strings.Replace(good, "baseURL: http://sp.localhost:9081", "", 1), "baseURL: missing"},
		{"baseURL with path", strings.Replace(good, "sp.localhost:9081", "sp.localhost:9081/app", 1), "baseURL:"},
		{"bad store type", strings.Replace(good, "store: {path: sp.db}", "store: {type: oracle, path: x}", 1), "store.type: \"oracle\""},
		{"group id zero", strings.Replace(good, "id: 7", "id: 0", 1), "groups[0].id"},
		{"bad method", strings.Replace(good, "method: saml2", "method: saml3", 1), "groups[0].sso.method: \"saml3\""},
		{"bad binding", strings.Replace(good, "entityID: https://idp.test/", "entityID: https://idp.test/\n        binding: artifact", 1), "groups[0].sso.idp.binding"},
		{"relative ssoURL", strings.Replace(good, "https://idp.test/sso", "/sso", 1), "groups[0].sso.idp.ssoURL"},
		{"absolute IdP-initiated redirect", strings.Replace(good, "method: saml2", "method: saml2\n      idpInitiatedRedirect: https://evil.test/", 1), "groups[0].sso.idpInitiatedRedirect"},
		{"protocol-relative redirect", strings.Replace(good, "method: saml2", "method: saml2\n      idpInitiatedRedirect: //evil.test", 1), "idpInitiatedRedirect"},
		{"backslash redirect", strings.Replace(good, "method: saml2", "method: saml2\n      idpInitiatedRedirect: /\\evil.test", 1), "idpInitiatedRedirect"},
		{"not a certificate", strings.Replace(good, "BEGIN CERTIFICATE", "BEGIN PRIVATE KEY", 1), "groups[0].sso.idp.certificates[0]"},
		{"missing certificate file", strings.Replace(good, "- pem: |", "- file: nowhere.crt\n          - pem: |", 1), "certificates[0].file"},
		{"bad clock skew", strings.Replace(good, "method: saml2", "method: saml2\n      clockSkew: forever", 1), "not a duration"},
		{"bad glance address", strings.Replace(good, "a.seven.glance.net", "-a.example.com", 1), "users[0].glanceAddress"},
		{"bad user status", strings.Replace(good, "email: a@example.com}", "email: a@example.com, status: gone}", 1), "users[0].status"},
		{"oversized bound", strings.Replace(good, "method: saml2", "method: saml2\n      maxResponseBytes: 99999999", 1), "maxResponseBytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("sp.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			if !strings.HasPrefix(err.Error(), "sp.yaml:") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the file and %q", err, tc.want)
			}
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := Parse("sp.yaml", []byte("groups:\n  - id: -1\n    sso: {method: nope}\n"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"baseURL", "store.path", "groups[0].id", "groups[0].name", "groups[0].sso.method"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%s", want, err)
		}
	}
}

func TestDuplicatesAreRefused(t *testing.T) {
	y := validYAML(t) + `  - id: 7
    name: seven
    sso: {method: "off"}
    users:
      - {glanceAddress: A.seven.glance.net}
`
	_, err := Parse("sp.yaml", []byte(y))
	for _, want := range []string{"groups[1].id: 7 is also groups[0].id", "groups[1].name", "groups[1].users[0].glanceAddress"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("err = %v", err)
	}
}

func TestStorePathIsRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sp.yaml")
	if err := os.WriteFile(path, []byte(validYAML(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.StorePath(); got != filepath.Join(dir, "sp.db") {
		t.Errorf("StorePath = %q", got)
	}
}

// memStore is enough of a store for Apply.
type memStore struct {
	store.Store
	groups map[int64]store.Group
	users  map[string]store.User
}

func (m *memStore) CreateGroup(_ context.Context, g store.Group) error {
	if _, ok := m.groups[g.ID]; ok {
		return store.ErrAlreadyExists
	}
	m.groups[g.ID] = g
	return nil
}

func (m *memStore) UpdateGroup(_ context.Context, id int64, f func(store.Group) (store.Group, error)) error {
	old, ok := m.groups[id]
	if !ok {
		return store.ErrNotFound
	}
	g, err := f(old)
	if err == nil {
		m.groups[id] = g
	}
	return err
}

func (m *memStore) CreateUser(_ context.Context, u store.User) error {
	if _, ok := m.users[u.GlanceAddress]; ok {
		return store.ErrAlreadyExists
	}
	m.users[u.GlanceAddress] = u
	return nil
}

func (m *memStore) UpdateUser(_ context.Context, a string, f func(store.User) (store.User, error)) error {
	old, ok := m.users[a]
	if !ok {
		return store.ErrNotFound
	}
	u, err := f(old)
	if err == nil {
		m.users[a] = u
	}
	return err
}

func TestApplyIsIdempotent(t *testing.T) {
	c, err := Parse("sp.yaml", []byte(validYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	m := &memStore{groups: map[int64]store.Group{}, users: map[string]store.User{
		"jit.seven.glance.net": {GlanceAddress: "jit.seven.glance.net", GroupID: 7},
	}}
	for range 2 {
		if err := Apply(context.Background(), m, c); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.groups) != 1 || m.groups[7].Name != "seven" || m.groups[7].SSO.IdPEntityID != "https://idp.test/" {
		t.Errorf("groups = %+v", m.groups)
	}
	if len(m.users) != 2 {
		t.Errorf("users = %+v (a user the file does not name must be kept)", m.users)
	}
}

func TestEverySettingHasAYAMLField(t *testing.T) {
	y := strings.Replace(validYAML(t), "method: saml2", `method: saml2-encrypted
      acsParameterStyle: relaystate
      authnContext: {classRef: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", comparison: minimum}
      allowPKCS1v15: true`, 1)
	y = strings.Replace(y, "ssoURL: https://idp.test/sso", "ssoURL: https://idp.test/sso\n        metadataURL: https://idp.test/metadata", 1)
	c, err := Parse("sp.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Groups[0].SSO.Settings()
	if s.Method != store.MethodSAML2Encrypted || s.ACSParameterStyle != store.ACSStyleRelayState || s.AuthnContextComparison != "minimum" ||
		s.AuthnContextClassRef == "" || s.IdPMetadataURL != "https://idp.test/metadata" || !s.AllowPKCS1v15 {
		t.Errorf("settings = %+v", s)
	}
	for _, bad := range []struct{ from, to, field string }{
		{"acsParameterStyle: relaystate", "acsParameterStyle: path", "sso.acsParameterStyle"},
		{"comparison: minimum", "comparison: most", "sso.authnContext.comparison"},
		{"metadataURL: https://idp.test/metadata", "metadataURL: file:///etc/passwd", "sso.idp.metadataURL"},
	} {
		_, err := Parse("sp.yaml", []byte(strings.Replace(y, bad.from, bad.to, 1)))
		if err == nil || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%s: err = %v, want the field %s", bad.to, err, bad.field)
		}
	}
}
