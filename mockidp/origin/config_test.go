package origin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigExample(t *testing.T) {
	cfg, err := LoadConfig("testdata/origin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != "http://crm.localhost:8083" || cfg.CookieName != "crm_session" || cfg.SessionTTL != 45*time.Minute {
		t.Errorf("got baseURL %q cookieName %q sessionTTL %v", cfg.BaseURL, cfg.CookieName, cfg.SessionTTL)
	}
	if len(cfg.PortalLinks) != 2 || cfg.PortalLinks[1].URL != "http://portal.localhost:8080/deals/new?source=crm" {
		t.Errorf("portal links: %+v", cfg.PortalLinks)
	}
	if len(cfg.Users) != 3 || !cfg.Users[0].IsActive() || cfg.Users[2].IsActive() {
		t.Errorf("users: %+v", cfg.Users)
	}
	if _, err := New(cfg, WithLogger(discardLogger())); err != nil {
		t.Fatalf("New with the example config: %v", err)
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	path := writeConfig(t, `
baseURL: http://crm.localhost:8083
users:
  - {email: ada@example.com, password: pw}
`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CookieName != DefaultCookieName || cfg.SessionTTL != DefaultSessionTTL || !cfg.Users[0].IsActive() {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, in addition to the file name
	}{
		{
			name: "unknown field",
			yaml: "baseURL: http://crm.localhost:8083\ncookiename: x\nusers: [{email: a@example.com, password: pw}]\n",
			want: []string{"line 2", "field cookiename not found", "known fields are baseURL, cookieName"},
		},
		{
			name: "unknown user field",
			yaml: "baseURL: http://crm.localhost:8083\nusers: [{email: a@example.com, password: pw, role: admin}]\n",
			want: []string{"field role not found", "users[].{email,password,name,active}"},
		},
		{
			name: "bad base URL",
			yaml: "baseURL: crm.localhost:8083\nusers: [{email: a@example.com, password: pw}]\n",
			want: []string{`baseURL: "crm.localhost:8083" is not an absolute http or https URL; use an absolute http(s) URL such as http://crm.localhost:8083`},
		},
		{
			name: "base URL with path",
			yaml: "baseURL: http://crm.localhost:8083/app\nusers: [{email: a@example.com, password: pw}]\n",
			want: []string{`baseURL: "http://crm.localhost:8083/app" has a path, query or fragment; give scheme and host only`},
		},
		{
			name: "bad portal link URL",
			yaml: "baseURL: http://crm.localhost:8083\nportalLinks: [{title: Home, url: /relative}]\nusers: [{email: a@example.com, password: pw}]\n",
			want: []string{`portalLinks[0].url: "/relative" is not an absolute http or https URL; give an absolute http(s) URL`},
		},
		{
			name: "duplicate user",
			yaml: "baseURL: http://crm.localhost:8083\nusers:\n  - {email: ada@example.com, password: pw}\n  - {email: ADA@example.com, password: pw2}\n",
			want: []string{`users[1].email: "ADA@example.com" duplicates users[0] (emails compare case-insensitively); give each user a distinct email`},
		},
		{
			name: "bad duration",
			yaml: "baseURL: http://crm.localhost:8083\nsessionTTL: 30\nusers: [{email: a@example.com, password: pw}]\n",
			want: []string{"time.Duration", `sessionTTL (a duration such as "30m")`},
		},
		{
			name: "every problem at once",
			yaml: "baseURL: ftp://crm\ncookieName: 'bad name'\nsessionTTL: -1m\nportalLinks: [{url: 'http://portal.test/'}]\nusers:\n  - {email: not-an-email}\n",
			want: []string{
				"(6 problems)",
				`baseURL: "ftp://crm" is not an absolute http or https URL`,
				`cookieName: "bad name" is not a valid cookie name`,
				"sessionTTL: -1m0s is too short",
				"portalLinks[0].title: missing",
				`users[0].email: "not-an-email" is not an email address`,
				"users[0].password: missing; give the user a password",
			},
		},
		{
			name: "no users",
			yaml: "baseURL: http://crm.localhost:8083\n",
			want: []string{"users: none configured; add at least one user"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"empty origin config"},
		},
		{
			name: "two documents",
			yaml: "baseURL: http://crm.localhost:8083\nusers: [{email: a@example.com, password: pw}]\n---\nbaseURL: x\n",
			want: []string{"more than one YAML document"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatal("LoadConfig succeeded, want an error")
			}
			msg := err.Error()
			for _, w := range append([]string{path}, tt.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestValidateAcceptsDefaultsLeftEmpty(t *testing.T) {
	if err := (Config{BaseURL: "http://crm.test", Users: []User{ada}}).Validate(); err != nil {
		t.Errorf("Validate before defaults: %v", err)
	}
}

func TestValidateReturnsConfigError(t *testing.T) {
	_, err := New(Config{BaseURL: "http://crm.test", Users: []User{{Email: "a@example.com"}}})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("New: %v, want a *ConfigError", err)
	}
	if ce.Source != "config" || len(ce.Problems) != 1 || ce.Problems[0].Field != "users[0].password" {
		t.Errorf("got %+v", ce)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want os.ErrNotExist", err)
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "origin.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
