package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/origin"
	"github.com/ssoharness/ssoharness/sp/config"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range []string{"up", "sp", "idp", "origin"} {
		code, _, stderr := runCLI(cmd, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: ssoharness "+cmd) || !strings.Contains(stderr, "-") {
			t.Errorf("%s --help: exit %d\n%s", cmd, code, stderr)
		}
	}
	if code, stdout, _ := runCLI("help"); code != 0 || !strings.Contains(stdout, "ssoharness up") {
		t.Errorf("help: %d %s", code, stdout)
	}
}

func TestBadCommandLinesExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"up", "--no-such-flag"},
		{"up", "--sp-listen", "0.0.0.0:9081"},
		{"up", "--log-level", "loud"},
		{"sp"},
		{"idp"},
		{"origin"},
		{"sp", "--config", "x.yaml", "extra"},
	} {
		if code, _, stderr := runCLI(args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// A bad config file gives one line naming the file, the field and what is
// wrong, and exit status 2.
func TestBadConfigFilesNameTheFileAndField(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		cmd, file, content, want string
	}{
		{"sp", "sp.yaml", "baseURL: http://sp.localhost:9081\nstore: {path: x.db}\nbogus: 1\n", "field bogus not found"},
		{"sp", "sp2.yaml", "baseURL: ftp://x\nstore: {path: x.db}\n", "baseURL"},
		{"idp", "idp.yaml", "baseURL: http://idp.localhost:9082\nwhat: 1\n", "what"},
		{"origin", "origin.yaml", "baseURL: notaurl\n", "baseURL"},
	} {
		path := write(tc.file, tc.content)
		code, _, stderr := runCLI(tc.cmd, "--config", path)
		if code != 2 || !strings.Contains(stderr, tc.file) || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want the file and %q", tc.cmd, tc.file, code, stderr, tc.want)
		}
	}
	code, _, stderr := runCLI("sp", "--config", filepath.Join(dir, "absent.yaml"))
	if code != 2 || !strings.Contains(stderr, "absent.yaml") {
		t.Errorf("missing file: exit %d %q", code, stderr)
	}
}

func TestExampleConfigsUnderFixturesLoad(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures")
	if _, err := config.Load(filepath.Join(dir, "sp.example.yaml")); err != nil {
		t.Error(err)
	}
	idpCfg, err := mockidp.LoadConfig(filepath.Join(dir, "idp.example.yaml"))
	if err != nil {
		t.Error(err)
	} else if _, err := mockidp.New(idpCfg); err != nil {
		t.Error(err)
	}
	originCfg, err := origin.LoadConfig(filepath.Join(dir, "origin.example.yaml"))
	if err != nil {
		t.Error(err)
	} else if _, err := origin.New(originCfg); err != nil {
		t.Error(err)
	}
}

// An expired IdP certificate loads, with a warning on stderr at start.
func TestSPPrintsConfigWarnings(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired idp"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "expired.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `baseURL: http://sp.localhost:9081
store: {path: sp.db}
groups:
  - id: 7
    name: seven
    sso:
      method: saml2
      idp: {entityID: "https://idp.test/", ssoURL: "https://idp.test/sso", certificates: [{file: expired.crt}]}
`
	path := filepath.Join(dir, "sp.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// A non-loopback listen address stops the command after the warnings.
	code, _, stderr := runCLI("sp", "--config", path, "--listen", "192.0.2.1:9081")
	if code != 2 || !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "expired") {
		t.Errorf("exit %d, stderr %q; want the expiry warning", code, stderr)
	}
}
