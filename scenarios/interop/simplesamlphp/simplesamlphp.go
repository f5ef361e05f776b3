// Package simplesamlphp runs SimpleSAMLphp 1.19 (Debian's simplesamlphp
// package) as a peer of the interop suite: a hosted SAML 2.0 IdP with
// exampleauth:UserPass users, a saml:SP auth source, or both, under PHP's
// built-in server on 127.0.0.1. Each instance lives in a folder of its own:
// its configuration (SIMPLESAMLPHP_CONFIG_DIR), metadata, keys, sessions and
// log are generated there, so nothing under /etc is read but the attribute
// maps. Metadata files are plain PHP read on every request: changing a remote
// entity or the hosted IdP's signing key is a file rewrite, no restart.
package simplesamlphp

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/scenarios/interop/peer"
)

// Where Debian installs SimpleSAMLphp.
const (
	WWWDir          = "/usr/share/simplesamlphp/www"
	AttributeMapDir = "/etc/simplesamlphp/attributemap/"
)

// SAML URIs the generated metadata uses.
const (
	RedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	PostBinding     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	RSASHA256       = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	// The auth source names of the generated authsources.php.
	UserPassSource = "example-userpass"
	SPSource       = "default-sp"
)

// User is an exampleauth:UserPass account of the hosted IdP.
type User struct {
	Username, Password string
	Attributes         map[string][]string
}

// What the hosted IdP signs for a remote SP.
const (
	SignAssertion = "assertion"
	SignResponse  = "response"
	SignBoth      = "both"
)

// RemoteSP is an SP the hosted IdP answers (saml20-sp-remote.php).
type RemoteSP struct {
	EntityID string
	ACSURL   string
	// NameIDFormat of the NameID when the AuthnRequest asks for none;
	// NameIDAttribute is the attribute whose value a non-transient NameID
	// carries (simplesaml.nameidattribute).
	NameIDFormat, NameIDAttribute string
	// Sign is SignAssertion, SignResponse or SignBoth ("" is SignBoth,
	// SimpleSAMLphp's own default).
	Sign string
	// EncryptionCertificate, when set, makes the IdP encrypt assertions to
	// it (assertion.encryption).
	EncryptionCertificate *x509.Certificate
	// AttributeNameFormat of the attributes sent (attributes.NameFormat);
	// "" leaves SimpleSAMLphp's default (basic).
	AttributeNameFormat string
	// AttributeMap names an attribute map of AttributeMapDir (e.g.
	// "name2oid") applied to this SP's attributes.
	AttributeMap string
}

// RemoteIdP is an IdP the saml:SP auth source signs on with
// (saml20-idp-remote.php).
type RemoteIdP struct {
	EntityID            string
	SSOURL              string // HTTP-Redirect endpoint
	SigningCertificates []*x509.Certificate
}

// IdPOptions make the instance a SAML 2.0 IdP (saml20-idp-hosted.php).
type IdPOptions struct {
	SigningKey fixtures.KeyPair
	Users      []User
}

// SPOptions give the instance a saml:SP auth source named SPSource.
type SPOptions struct {
	// Key is the SP's key pair: SimpleSAMLphp decrypts assertions with it.
	Key fixtures.KeyPair
	IdP RemoteIdP
}

// Options describe one instance.
type Options struct {
	// Name is the instance's host label (<Name>.localhost) and prefixes its
	// cookie names, so two instances on 127.0.0.1 never share a cookie.
	Name string
	// Dir is the instance's own folder (a test's temp folder).
	Dir string
	IdP *IdPOptions
	SP  *SPOptions
}

// Instance is a running SimpleSAMLphp.
type Instance struct {
	// URL is the base URL a browser uses: http://<Name>.localhost:<port>.
	URL string
	// LocalURL is the same server at http://127.0.0.1:<port>, for Go clients.
	LocalURL string
	Proc     *peer.Process

	opts Options
	mu   sync.Mutex
	sps  map[string]RemoteSP
	key  fixtures.KeyPair // the hosted IdP's signing key
}

var label = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// Start writes the instance's configuration under o.Dir, runs PHP's
// built-in server on a free loopback port and waits until it answers.
func Start(ctx context.Context, o Options) (*Instance, error) {
	if !label.MatchString(o.Name) {
		return nil, fmt.Errorf("simplesamlphp: instance name %q is not a host label", o.Name)
	}
	if o.IdP == nil && o.SP == nil {
		return nil, errors.New("simplesamlphp: an instance needs IdP or SP options")
	}
	port, err := peer.FreePort()
	if err != nil {
		return nil, err
	}
	inst := &Instance{
		URL:      "http://" + o.Name + ".localhost:" + strconv.Itoa(port),
		LocalURL: "http://127.0.0.1:" + strconv.Itoa(port),
		opts:     o,
		sps:      map[string]RemoteSP{},
	}
	for _, d := range []string{"config", "metadata", "cert", "log", "data", "tmp", "sessions"} {
		if err := os.MkdirAll(inst.path(d), 0o700); err != nil {
			return nil, err
		}
	}
	if err := inst.writeConfig(); err != nil {
		return nil, err
	}
	if o.IdP != nil {
		inst.key = o.IdP.SigningKey
		if err := inst.writeIdPHosted(); err != nil {
			return nil, err
		}
		if err := inst.writeSPRemote(); err != nil {
			return nil, err
		}
	}
	if o.SP != nil {
		if err := inst.writeIdPRemote(); err != nil {
			return nil, err
		}
	}
	inst.Proc, err = peer.Start(peer.Spec{
		Name: "simplesamlphp-" + o.Name,
		Path: "php",
		Args: []string{"-d", "display_errors=0", "-d", "log_errors=1", "-d", "opcache.enable=0",
			"-S", "127.0.0.1:" + strconv.Itoa(port), "-t", WWWDir},
		Env: []string{"SIMPLESAMLPHP_CONFIG_DIR=" + inst.path("config"), "PHP_CLI_SERVER_WORKERS=4"},
		Dir: o.Dir,
	})
	if err != nil {
		return nil, err
	}
	if err := inst.Proc.WaitHTTP(ctx, inst.LocalURL+"/module.php/core/loginuserpass.php"); err != nil {
		_ = inst.Proc.Stop()
		return nil, err
	}
	return inst, nil
}

// Stop ends the PHP server (by its process group).
func (i *Instance) Stop() error { return i.Proc.Stop() }

// Log is the server's output so far: PHP's and SimpleSAMLphp's log lines.
func (i *Instance) Log() string { return i.Proc.Log() }

func (i *Instance) path(elem ...string) string {
	return filepath.Join(append([]string{i.opts.Dir}, elem...)...)
}

// IdPEntityID is the hosted IdP's entity ID.
func (i *Instance) IdPEntityID() string { return i.URL + "/saml2/idp/metadata.php" }

// IdPSSOURL is the hosted IdP's SingleSignOnService (HTTP-Redirect).
func (i *Instance) IdPSSOURL() string { return i.URL + "/saml2/idp/SSOService.php" }

// IdPInitiatedURL starts IdP-initiated sign-on to the remote SP.
func (i *Instance) IdPInitiatedURL(spEntityID, relayState string) string {
	q := url.Values{"spentityid": {spEntityID}}
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	return i.IdPSSOURL() + "?" + q.Encode()
}

// SPEntityID is the saml:SP auth source's entity ID.
func (i *Instance) SPEntityID() string {
	return i.URL + "/module.php/saml/sp/metadata.php/" + SPSource
}

// SPACSURL is the saml:SP auth source's AssertionConsumerService (HTTP-POST).
func (i *Instance) SPACSURL() string {
	return i.URL + "/module.php/saml/sp/saml2-acs.php/" + SPSource
}

// ProtectedURL is SimpleSAMLphp's own test page of the SP auth source: it
// signs on through it and then lists the session's attributes
// (#table_with_attributes).
func (i *Instance) ProtectedURL() string {
	return i.URL + "/module.php/core/authenticate.php?as=" + SPSource
}

// AddRemoteSP registers (or replaces) an SP at the hosted IdP.
func (i *Instance) AddRemoteSP(sp RemoteSP) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.sps[sp.EntityID] = sp
	return i.writeSPRemote()
}

// SetSigningKey makes the hosted IdP sign with kp from the next request on.
func (i *Instance) SetSigningKey(kp fixtures.KeyPair) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.key = kp
	return i.writeIdPHosted()
}

// cookiePrefix is the instance name with letters and digits only: PHP
// session names allow nothing else.
func (i *Instance) cookiePrefix() string {
	return "SSP" + regexp.MustCompile(`[^a-zA-Z0-9]`).ReplaceAllString(i.opts.Name, "")
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func (i *Instance) writeConfig() error {
	salt, err := randomHex(16)
	if err != nil {
		return err
	}
	adminPassword, err := randomHex(12)
	if err != nil {
		return err
	}
	cookie := i.cookiePrefix()
	config := map[string]any{
		"baseurlpath":                   i.URL + "/",
		"certdir":                       i.path("cert") + "/",
		"loggingdir":                    i.path("log") + "/",
		"datadir":                       i.path("data") + "/",
		"tempdir":                       i.path("tmp"),
		"metadatadir":                   i.path("metadata") + "/",
		"attributenamemapdir":           AttributeMapDir,
		"technicalcontact_name":         "ssoharness interop suite",
		"technicalcontact_email":        "na@example.org",
		"timezone":                      "UTC",
		"secretsalt":                    salt,
		"auth.adminpassword":            adminPassword,
		"admin.protectindexpage":        false,
		"admin.protectmetadata":         false,
		"admin.checkforupdates":         false,
		"trusted.url.domains":           []string{},
		"enable.saml20-idp":             i.opts.IdP != nil,
		"enable.shib13-idp":             false,
		"enable.adfs-idp":               false,
		"module.enable":                 map[string]any{"core": true, "saml": true, "exampleauth": true, "admin": true},
		"store.type":                    "phpsession",
		"session.cookie.name":           cookie + "SessionID",
		"session.phpsession.cookiename": cookie + "PHPSession",
		"session.authtoken.cookiename":  cookie + "AuthToken",
		"session.phpsession.savepath":   i.path("sessions"),
		"session.phpsession.httponly":   true,
		"session.cookie.secure":         false,
		"session.cookie.samesite":       nil,
		"language.cookie.name":          cookie + "Language",
		"language.cookie.secure":        false,
		"language.cookie.samesite":      nil,
		"logging.level":                 phpExpr(`\SimpleSAML\Logger::DEBUG`),
		"logging.handler":               "errorlog",
		"showerrors":                    true,
		"errorreporting":                false,
		"production":                    false,
		"debug":                         map[string]any{"saml": false, "backtraces": true, "validatexml": false},
		"assertion.allowed_clock_skew":  180,
		"authproc.idp":                  map[string]any{},
		"authproc.sp":                   map[string]any{},
	}
	if err := writeFile(i.path("config", "config.php"), "<?php\n// Generated by the ssoharness interop suite.\n$config = "+phpValue(config)+";\n"); err != nil {
		return err
	}

	sources := map[string]any{"admin": map[string]any{"0": "core:AdminPassword"}}
	if o := i.opts.IdP; o != nil {
		up := map[string]any{"0": "exampleauth:UserPass"}
		for _, u := range o.Users {
			attrs := map[string]any{}
			for k, v := range u.Attributes {
				attrs[k] = v
			}
			up[u.Username+":"+u.Password] = attrs
		}
		sources[UserPassSource] = up
	}
	if o := i.opts.SP; o != nil {
		if err := i.writeKey(o.Key); err != nil {
			return err
		}
		sources[SPSource] = map[string]any{
			"0":           "saml:SP",
			"entityID":    i.SPEntityID(),
			"idp":         o.IdP.EntityID,
			"privatekey":  o.Key.Name + ".key",
			"certificate": o.Key.Name + ".crt",
		}
	}
	return writeFile(i.path("config", "authsources.php"), "<?php\n// Generated by the ssoharness interop suite.\n$config = "+phpValue(sources)+";\n")
}

// writeKey copies a key pair into the cert dir as <name>.crt and <name>.key.
func (i *Instance) writeKey(kp fixtures.KeyPair) error {
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(kp.PrivateKey)})
	if err := os.WriteFile(i.path("cert", kp.Name+".key"), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(i.path("cert", kp.Name+".crt"), []byte(kp.CertificatePEM), 0o600)
}

func (i *Instance) writeIdPHosted() error {
	if err := i.writeKey(i.key); err != nil {
		return err
	}
	hosted := map[string]any{
		"host":                "__DEFAULT__",
		"privatekey":          i.key.Name + ".key",
		"certificate":         i.key.Name + ".crt",
		"auth":                UserPassSource,
		"signature.algorithm": RSASHA256,
	}
	return writeFile(i.path("metadata", "saml20-idp-hosted.php"), metadataFile(map[string]map[string]any{i.IdPEntityID(): hosted}))
}

func certKey(c *x509.Certificate, signing, encryption bool) map[string]any {
	return map[string]any{
		"type":            "X509Certificate",
		"signing":         signing,
		"encryption":      encryption,
		"X509Certificate": base64.StdEncoding.EncodeToString(c.Raw),
	}
}

func (i *Instance) writeSPRemote() error {
	entities := map[string]map[string]any{}
	for id, sp := range i.sps {
		e := map[string]any{
			"AssertionConsumerService": []map[string]any{{"Binding": PostBinding, "Location": sp.ACSURL, "index": 0}},
		}
		if sp.NameIDFormat != "" {
			e["NameIDFormat"] = sp.NameIDFormat
		}
		if sp.NameIDAttribute != "" {
			e["simplesaml.nameidattribute"] = sp.NameIDAttribute
		}
		switch sp.Sign {
		case SignAssertion:
			e["saml20.sign.assertion"], e["saml20.sign.response"] = true, false
		case SignResponse:
			e["saml20.sign.assertion"], e["saml20.sign.response"] = false, true
		case SignBoth, "":
			e["saml20.sign.assertion"], e["saml20.sign.response"] = true, true
		default:
			return fmt.Errorf("simplesamlphp: sign %q: want assertion, response or both", sp.Sign)
		}
		if sp.EncryptionCertificate != nil {
			e["assertion.encryption"] = true
			e["keys"] = []map[string]any{certKey(sp.EncryptionCertificate, false, true)}
		}
		if sp.AttributeNameFormat != "" {
			e["attributes.NameFormat"] = sp.AttributeNameFormat
		}
		if sp.AttributeMap != "" {
			e["authproc"] = map[string]any{"50": map[string]any{"class": "core:AttributeMap", "0": sp.AttributeMap}}
		}
		entities[id] = e
	}
	return writeFile(i.path("metadata", "saml20-sp-remote.php"), metadataFile(entities))
}

func (i *Instance) writeIdPRemote() error {
	idp := i.opts.SP.IdP
	var keys []map[string]any
	for _, c := range idp.SigningCertificates {
		keys = append(keys, certKey(c, true, false))
	}
	e := map[string]any{
		"SingleSignOnService": []map[string]any{{"Binding": RedirectBinding, "Location": idp.SSOURL}},
		"keys":                keys,
	}
	return writeFile(i.path("metadata", "saml20-idp-remote.php"), metadataFile(map[string]map[string]any{idp.EntityID: e}))
}

// writeFile replaces path atomically, so a request never reads half a file.
func writeFile(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// RemoteIdPFromMetadata is the saml20-idp-remote entry of an IdP's metadata:
// entity ID, HTTP-Redirect SSO endpoint and signing certificates.
func RemoteIdPFromMetadata(md *saml.EntityDescriptor) (RemoteIdP, error) {
	r := RemoteIdP{EntityID: md.EntityID}
	if len(md.IDPSSODescriptors) == 0 {
		return r, errors.New("simplesamlphp: the metadata has no IDPSSODescriptor")
	}
	d := md.IDPSSODescriptors[0]
	for _, ep := range d.SingleSignOnServices {
		if ep.Binding == RedirectBinding {
			r.SSOURL = ep.Location
		}
	}
	if r.SSOURL == "" {
		return r, errors.New("simplesamlphp: the IdP metadata has no HTTP-Redirect SingleSignOnService")
	}
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		certs, err := keyCertificates(kd)
		if err != nil {
			return r, err
		}
		r.SigningCertificates = append(r.SigningCertificates, certs...)
	}
	return r, nil
}

// RemoteSPFromMetadata is the saml20-sp-remote entry of an SP's metadata:
// entity ID, HTTP-POST ACS, first NameID format and encryption certificate
// (the SP's first key for encryption; nil when it publishes none, and left to
// the caller to use: set EncryptionCertificate from Encryption).
func RemoteSPFromMetadata(md *saml.EntityDescriptor) (sp RemoteSP, encryption *x509.Certificate, err error) {
	sp.EntityID = md.EntityID
	if len(md.SPSSODescriptors) == 0 {
		return sp, nil, errors.New("simplesamlphp: the metadata has no SPSSODescriptor")
	}
	d := md.SPSSODescriptors[0]
	for _, ep := range d.AssertionConsumerServices {
		if ep.Binding == PostBinding && sp.ACSURL == "" {
			sp.ACSURL = ep.Location
		}
	}
	if sp.ACSURL == "" {
		return sp, nil, errors.New("simplesamlphp: the SP metadata has no HTTP-POST AssertionConsumerService")
	}
	if len(d.NameIDFormats) > 0 {
		sp.NameIDFormat = string(d.NameIDFormats[0])
	}
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "" && kd.Use != "encryption" || encryption != nil {
			continue
		}
		certs, err := keyCertificates(kd)
		if err != nil {
			return sp, nil, err
		}
		if len(certs) > 0 {
			encryption = certs[0]
		}
	}
	return sp, encryption, nil
}

func keyCertificates(kd saml.KeyDescriptor) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
		if err != nil {
			return nil, fmt.Errorf("simplesamlphp: metadata certificate: %w", err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("simplesamlphp: metadata certificate: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}
