package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
