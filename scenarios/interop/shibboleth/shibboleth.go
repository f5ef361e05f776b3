// Package shibboleth runs a Shibboleth SP 3 (Debian's shibd and Apache with
// mod_shib) on 127.0.0.1 for the interop suite: a private configuration in
// a folder of its own, nothing read from or written to /etc or /var except
// the packaged protocols.xml and message templates, shibd in the foreground
// and Apache in the foreground, both stopped by PID.
//
// The SP trusts one IdP, given by its metadata, and protects /secure: a CGI
// page that shows what Shibboleth exported (REMOTE_USER, the session, the
// attributes of attribute-map.xml), each in an element whose id is the
// variable's name. Shibboleth's error pages carry #shibboleth-error and
// #error-text.
package shibboleth

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/scenarios/interop/peer"
)

// Programs of Debian's packages libapache2-mod-shib and apache2.
const (
	ShibdPath  = "/usr/sbin/shibd"
	ApachePath = "/usr/sbin/apache2"
	ModShib    = "/usr/lib/apache2/modules/mod_shib.so"
	modulesDir = "/usr/lib/apache2/modules"
)

// MappedAttribute is a SAML attribute name (URI name format) or NameID
// format the SP maps to an attribute ID (attribute-map.xml). The ID is also
// the id of the element showing the value on /secure.
type MappedAttribute struct{ Name, ID string }

// Attributes are the SP's attribute map.
var Attributes = []MappedAttribute{
	{"urn:oid:0.9.2342.19200300.100.1.3", "mail"},
	{"urn:oid:2.5.4.42", "givenName"},
	{"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "emailNameID"},
	{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistentID"},
	{"urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transientID"},
}

// Shown on /secure besides the attributes (CGI names: Apache turns the
// hyphens of Shib-Session-ID and friends into underscores).
var sessionVariables = []string{"REMOTE_USER", "Shib_Session_ID", "Shib_Identity_Provider", "Shib_Authentication_Instant", "Shib_AuthnContext_Class"}

const safePathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-"

// Options configure Start.
type Options struct {
	// IdPMetadata is the SAML metadata of the one IdP the SP trusts.
	IdPMetadata []byte
	// IdPEntityID is that IdP's entity ID: where sign-on goes.
	IdPEntityID string
}

// SP is a running Shibboleth SP.
type SP struct {
	// Dir holds the configuration, keys, socket and logs.
	Dir string
	// URL is Apache's base URL, http://127.0.0.1:PORT.
	URL string
	// EntityID is the SP's entity ID, URL + "/shibboleth".
	EntityID string
	// ACSURL is the SAML 2.0 HTTP-POST assertion consumer service.
	ACSURL string
	// EncryptionCertificate is the certificate of the key the SP decrypts
	// assertions with.
	EncryptionCertificate *x509.Certificate

	shibd, apache *peer.Process
}

// SecureURL is the protected page.
func (s *SP) SecureURL() string { return s.URL + "/secure" }

// SessionURL is Shibboleth's session handler: it lists the current session
// or says "A valid session was not found."
func (s *SP) SessionURL() string { return s.URL + "/Shibboleth.sso/Session" }

// Start writes the configuration into a new folder under the system's
// temporary folder, starts shibd and waits for its socket, then starts
// Apache and waits until it answers. Call Stop when done, even after an
// error (it then stops what started).
func Start(ctx context.Context, o Options) (*SP, error) {
	if len(o.IdPMetadata) == 0 || o.IdPEntityID == "" {
		return nil, errors.New("shibboleth: the IdP's metadata and entity ID are required")
	}
	port, err := peer.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "shibboleth-sp-")
	if err != nil {
		return nil, err
	}
	// Apache's children run as www-data: they read the config, run the CGI
	// and connect to shibd's socket in this folder. Its path goes into XML
	// and Apache config unescaped.
	if strings.ContainsFunc(dir, func(r rune) bool { return !strings.ContainsRune(safePathChars, r) }) {
		os.Remove(dir)
		return nil, fmt.Errorf("shibboleth: temporary folder %q: use a TMPDIR of letters, digits and / . _ -", dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.Remove(dir)
		return nil, err
	}
	s := &SP{Dir: dir, URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	s.EntityID = s.URL + "/shibboleth"
	s.ACSURL = s.URL + "/Shibboleth.sso/SAML2/POST"
	if err := s.writeConfig(port, o); err != nil {
		return s, err
	}

	env := []string{
		"SHIBSP_RUNDIR=" + dir, "SHIBSP_CACHEDIR=" + dir, "SHIBSP_LOGDIR=" + dir,
	}
	s.shibd, err = peer.Start(peer.Spec{Name: "shibd", Path: ShibdPath, Dir: dir, Env: env,
		Args: []string{"-F", "-f", "-c", s.path("shibboleth2.xml"), "-p", s.path("shibd.pid")}})
	if err != nil {
		return s, err
	}
	if err := s.shibd.WaitFile(ctx, s.path("shibd.sock")); err != nil {
		return s, fmt.Errorf("%w\n%s", err, s.Logs())
	}
	s.apache, err = peer.Start(peer.Spec{Name: "apache2", Path: ApachePath, Dir: dir, Env: env,
		Args: []string{"-DFOREGROUND", "-d", dir, "-f", s.path("apache2.conf")}})
	if err != nil {
		return s, err
	}
	if err := s.apache.WaitHTTP(ctx, s.URL+"/Shibboleth.sso/Status"); err != nil {
		return s, fmt.Errorf("%w\n%s", err, s.Logs())
	}
	return s, nil
}

// Stop stops Apache, then shibd, by PID, and removes the folder.
func (s *SP) Stop() error {
	var errs []error
	for _, p := range []*peer.Process{s.apache, s.shibd} {
		if p != nil {
			errs = append(errs, p.Stop())
		}
	}
	errs = append(errs, os.RemoveAll(s.Dir))
	return errors.Join(errs...)
}

// Logs returns the tail of every log of the SP: shibd's (SAML processing:
// why a response was refused), Apache's error log (mod_shib's messages
// included) and access log, for failure reports.
func (s *SP) Logs() string {
	var b strings.Builder
	for _, name := range []string{"shibd.log", "shibd-messages.log", "apache2.log", "apache-error.log", "apache-access.log"} {
		data, err := os.ReadFile(s.path(name))
		if err != nil {
			continue
		}
		if len(data) > 16<<10 {
			data = data[len(data)-16<<10:]
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", name, data)
	}
	return b.String()
}

func (s *SP) path(name string) string { return filepath.Join(s.Dir, name) }

// config is what the templates fill in.
type config struct {
	Dir, EntityID, IdPEntityID, Modules, ModShib, User, Group string
	Port                                                      int
	Attributes                                                []MappedAttribute
	Variables                                                 []string
}

func (s *SP) writeConfig(port int, o Options) error {
	// The fixture SP key pair (public test material) decrypts for Shibboleth.
	kp, err := fixtures.Load(fixtures.SPKey)
	if err != nil {
		return err
	}
	keyPEM, certPEM := []byte(kp.PrivateKeyPEM), []byte(kp.CertificatePEM)
	s.EncryptionCertificate = kp.Certificate
	c := config{Dir: s.Dir, EntityID: s.EntityID, IdPEntityID: o.IdPEntityID, Modules: modulesDir, ModShib: ModShib,
		Port: port, Attributes: Attributes, Variables: sessionVariables}
	for _, a := range Attributes {
		c.Variables = append(c.Variables, a.ID)
	}
	if os.Geteuid() == 0 {
		// Apache refuses to serve as root; its children switch to this user.
		c.User, c.Group = "www-data", "www-data"
		if _, err := user.Lookup(c.User); err != nil {
			c.User, c.Group = "nobody", "nogroup"
		}
	}
	files := []struct {
		name string
		mode os.FileMode
		data []byte
	}{
		{"idp-metadata.xml", 0o644, o.IdPMetadata},
		{"sp-key.pem", 0o600, keyPEM},
		{"sp-cert.pem", 0o644, certPEM},
	}
	for _, t := range []struct {
		name string
		mode os.FileMode
		tmpl *template.Template
	}{
		{"shibboleth2.xml", 0o644, shibboleth2XML},
		{"attribute-map.xml", 0o644, attributeMapXML},
		{"security-policy.xml", 0o644, securityPolicyXML},
		{"shibd.logger", 0o644, shibdLogger},
		{"native.logger", 0o644, nativeLogger},
		{"error.html", 0o644, errorHTML},
		{"apache2.conf", 0o644, apacheConf},
		{"secure.cgi", 0o755, secureCGI},
	} {
		var buf bytes.Buffer
		if err := t.tmpl.Execute(&buf, c); err != nil {
			return fmt.Errorf("shibboleth: %s: %w", t.name, err)
		}
		files = append(files, struct {
			name string
			mode os.FileMode
			data []byte
		}{t.name, t.mode, buf.Bytes()})
	}
	for _, f := range files {
		if err := os.WriteFile(s.path(f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}
