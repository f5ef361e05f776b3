package mockidp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

func TestLoadExampleConfig(t *testing.T) {
	cfg, err := mockidp.LoadConfig(filepath.Join("testdata", "idp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Keys) != 3 || len(cfg.Users) != 2 || len(cfg.ServiceProviders) != 2 {
		t.Fatalf("loaded %d keys, %d users, %d SPs", len(cfg.Keys), len(cfg.Users), len(cfg.ServiceProviders))
	}
	if got := cfg.ServiceProviders[0].Response.Sign; got != response.SignBothElements {
		t.Errorf("glance response.sign = %q", got)
	}
	if got := cfg.ServiceProviders[1].Response.NotOnOrAfterOffset; got == nil || time.Duration(*got) != 10*time.Minute {
		t.Errorf("notOnOrAfterOffset = %v", got)
	}
	idp, err := mockidp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := idp.State()
	if st.SigningKey != "idp-2025" || st.EntityID != "http://idp.localhost:8082/metadata" {
		t.Errorf("state %+v", st)
	}
	if n := len(idp.Metadata().IDPSSODescriptors[0].KeyDescriptors); n != 2 {
		t.Errorf("metadata has %d keys; want the 2 published ones", n)
	}
}

// writeConfig writes yaml into a temp dir holding copies of the test keys
// (under keys/) and returns the config's path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"idp-2025.crt", "idp-2025.key", "idp-2026.crt", "idp-2026.key"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keys", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "keys", f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", "garbage.pem"), []byte("this is not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "idp.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const validYAML = `baseURL: http://127.0.0.1:8082
keys:
  - name: k1
    certificate: keys/idp-2025.crt
    privateKey: keys/idp-2025.key
users:
  - username: alice
    password: pw
serviceProviders:
  - entityID: https://sp.example.com/metadata
    acsURLs: [https://sp.example.com/acs]
`

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // each a full line of the error, after "<file>: "
	}{
		{"valid", validYAML, nil},
		{"unknown field", strings.Replace(validYAML, "users:", "cookiename: x\nusers:", 1),
			[]string{`line 6: unknown field "cookiename" in Config; field names are lowerCamel, see mockidp/testdata/idp.yaml`}},
		{"unknown nested field", strings.Replace(validYAML, "    password: pw", "    password: pw\n    email: a@example.com", 1),
			[]string{`line 9: unknown field "email" in User; field names are lowerCamel, see mockidp/testdata/idp.yaml`}},
		{"missing key file", strings.Replace(validYAML, "keys/idp-2025.key", "keys/missing.key", 1),
			[]string{`keys[0].privateKey: {dir}/keys/missing.key: no such file; give the path of a PEM private key file (relative paths start at the config file's directory)`}},
		{"bad PEM", strings.Replace(validYAML, "keys/idp-2025.crt", "keys/garbage.pem", 1),
			[]string{`keys[0].certificate: keys/garbage.pem: no PEM block found; want -----BEGIN CERTIFICATE-----`}},
		{"key as certificate", strings.Replace(validYAML, "keys/idp-2025.crt", "keys/idp-2025.key", 1),
			[]string{`keys[0].certificate: keys/idp-2025.key: PEM block is "PRIVATE KEY"; want CERTIFICATE`}},
		{"mismatched pair", strings.Replace(validYAML, "keys/idp-2025.key", "keys/idp-2026.key", 1),
			[]string{`keys[0].privateKey: keys/idp-2026.key does not match the certificate keys/idp-2025.crt; pair each certificate with its own key`}},
		{"duplicate user", strings.Replace(validYAML, "serviceProviders:", "  - username: alice\n    password: other\nserviceProviders:", 1),
			[]string{`users[1].username: "alice" is also users[0]; usernames must be unique`}},
		{"several problems at once", `baseURL: idp.localhost
keys: []
signingKey: nope
cookieName: "bad name"
users:
  - username: ""
serviceProviders:
  - entityID: a
    acsURLs: []
  - entityID: b
    acsURLs: [/relative]
    nameIDFormat: email
    response: {sign: everything, signatureAlgorithm: rsa-md5, signingKey: k9}
`, []string{
			`baseURL: "idp.localhost" is not an absolute http(s) URL without query or fragment; e.g. http://idp.localhost:8082`,
			`cookieName: "bad name" is not a valid cookie name; use letters, digits, '-' and '_'`,
			`keys: empty; list at least one {name, certificate, privateKey} with PEM file paths`,
			`signingKey: "nope" is not the name of a key; use one of (no keys are configured)`,
			`users[0].username: empty; every user needs a username to log in with`,
			`users[0].password: empty; give every user a password (the login page shows it; this is a mock)`,
			`serviceProviders[0].acsURLs: empty; list at least one absolute http(s) URL`,
			`serviceProviders[1].acsURLs[0]: "/relative" is not an absolute http(s) URL; e.g. https://sp.example.com/saml/acs`,
			`serviceProviders[1].nameIDFormat: "email" is not an absolute URI; use a full URN such as urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`,
			`serviceProviders[1].response: signatureAlgorithm "rsa-md5": want one of rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512; sign "everything": want one of assertion, response, both, none`,
			`serviceProviders[1].response.signingKey: "k9" is not the name of a key; use one of (no keys are configured)`,
		}},
		{"syntax error", "baseURL: [unclosed\n", []string{"line 1: did not find expected ',' or ']'; fix the YAML syntax"}},
		{"bad duration", strings.Replace(validYAML, "acsURLs: [https://sp.example.com/acs]", "acsURLs: [https://sp.example.com/acs]\n    response: {notOnOrAfterOffset: soon}", 1),
			[]string{`line 12: duration "soon": want a Go duration such as "-10m" or "1h30m"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeConfig(t, c.yaml)
			_, err := mockidp.LoadConfig(path)
			if c.want == nil {
				if err != nil {
					t.Fatalf("valid config refused: %v", err)
				}
				return
			}
			var ce *mockidp.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T); want a *ConfigError", err, err)
			}
			var want []string
			for _, w := range c.want {
				want = append(want, path+": "+strings.ReplaceAll(w, "{dir}", filepath.Dir(path)))
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := mockidp.LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: open ") || !strings.HasSuffix(err.Error(), "no such file or directory; pass the path of the mock IdP's YAML config file") {
		t.Errorf("error %v", err)
	}
}

func TestNewValidatesGoKeysAndOptions(t *testing.T) {
	keys := testKeys(t)
	cfg := mockidp.Config{BaseURL: "http://127.0.0.1:1"}
	// Keys only from Go: fine.
	if _, err := mockidp.New(cfg, mockidp.WithKeys(keys["idp-2025"])); err != nil {
		t.Fatalf("New with Go keys: %v", err)
	}
	// Duplicate names across options are caught like config duplicates.
	_, err := mockidp.New(cfg, mockidp.WithKeys(keys["idp-2025"]),
		mockidp.WithUser(mockidp.User{Username: "a", Password: "1"}, mockidp.User{Username: "a", Password: "2"}))
	if err == nil || !strings.Contains(err.Error(), `users[1].username: "a" is also users[0]`) {
		t.Errorf("duplicate users: %v", err)
	}
	if _, err := mockidp.New(cfg); err == nil || !strings.Contains(err.Error(), "keys: empty") {
		t.Errorf("no keys: %v", err)
	}
}
