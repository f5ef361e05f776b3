package mockidp

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// Config is the mock IdP's configuration, usually read from YAML by
// LoadConfig. See testdata/idp.yaml for an annotated example.
type Config struct {
	// BaseURL is the external URL of the IdP (e.g. http://idp.localhost:8082);
	// every URL the IdP publishes starts with it. Where the server listens is
	// separate.
	BaseURL string `yaml:"baseURL" json:"baseURL"`
	// EntityID defaults to BaseURL + "/metadata".
	EntityID string `yaml:"entityID,omitempty" json:"entityID,omitempty"`
	// Keys are the IdP's signing keys. Every key not marked unpublished gets
	// a signing KeyDescriptor in the metadata.
	Keys []KeyConfig `yaml:"keys" json:"keys"`
	// SigningKey names the current signing key; default the first key.
	SigningKey string `yaml:"signingKey,omitempty" json:"signingKey,omitempty"`
	// CookieName is the IdP session cookie's name, default
	// "mockidp_session". Browsers share cookies between ports of one host,
	// so give each mock IdP on 127.0.0.1 its own name.
	CookieName string `yaml:"cookieName,omitempty" json:"cookieName,omitempty"`
	// Users is the directory. The login page lists them, passwords included.
	Users []User `yaml:"users" json:"users"`
	// ServiceProviders the IdP answers.
	ServiceProviders []ServiceProvider `yaml:"serviceProviders" json:"serviceProviders"`

	file string // for error messages: the file this was loaded from
	dir  string // relative key paths are resolved against this
}

// KeyConfig names PEM files holding a key and its certificate. Relative
// paths are resolved against the config file's directory.
type KeyConfig struct {
	Name        string `yaml:"name" json:"name"`
	Certificate string `yaml:"certificate" json:"certificate"`
	PrivateKey  string `yaml:"privateKey" json:"privateKey"`
	// Unpublished keys can sign (Spec.SigningKey) but are left out of the
	// metadata: a key the SP has never been told about.
	Unpublished bool `yaml:"unpublished,omitempty" json:"unpublished,omitempty"`
}

// User is one directory entry.
type User struct {
	Username string `yaml:"username" json:"username"`
	Password string `yaml:"password" json:"password"`
	// NameID defaults to Username.
	NameID string `yaml:"nameID,omitempty" json:"nameID,omitempty"`
	// NameIDFormat is used when neither the response spec nor the service
	// provider names a format.
	NameIDFormat string              `yaml:"nameIDFormat,omitempty" json:"nameIDFormat,omitempty"`
	Attributes   map[string][]string `yaml:"attributes,omitempty" json:"attributes,omitempty"`
}

// ACS URL matching rules (ServiceProvider.ACSMatch).
const (
	ACSMatchExact         = "exact"
	ACSMatchQuerySuperset = "query-superset"
)

// acsMatches reports whether a requested ACS URL is the registered one
// under the rule: equal, or (query-superset) the same scheme, host and path
// with every registered query parameter and possibly more.
func acsMatches(rule, registered, requested string) bool {
	if registered == requested {
		return true
	}
	if rule != ACSMatchQuerySuperset {
		return false
	}
	reg, err1 := url.Parse(registered)
	req, err2 := url.Parse(requested)
	if err1 != nil || err2 != nil || reg.Scheme != req.Scheme || reg.Host != req.Host || reg.Path != req.Path || req.Fragment != "" {
		return false
	}
	got := req.Query()
	for k, vs := range reg.Query() {
		if !slices.Equal(got[k], vs) {
			return false
		}
	}
	return true
}

// ServiceProvider is an SP the IdP will answer.
type ServiceProvider struct {
	EntityID string `yaml:"entityID" json:"entityID"`
	// ACSURLs are the SP's assertion consumer service URLs, compared
	// exactly with an AuthnRequest's AssertionConsumerServiceURL. The first
	// is used when the request names none.
	ACSURLs []string `yaml:"acsURLs" json:"acsURLs"`
	// ACSMatch says how a requested ACS URL is compared with ACSURLs:
	// "exact" (default, as strict IdPs do) or "query-superset": a
	// registered URL with extra query parameters appended is accepted, as
	// IdPs do that let an SP carry parameters on its ACS URL (Glance's
	// "query" ACS parameter style).
	ACSMatch string `yaml:"acsMatch,omitempty" json:"acsMatch,omitempty"`
	// NameIDFormat for this SP's responses (overrides the user's).
	NameIDFormat string `yaml:"nameIDFormat,omitempty" json:"nameIDFormat,omitempty"`
	// AttributeNameFormat for the user's attributes; default basic.
	AttributeNameFormat string `yaml:"attributeNameFormat,omitempty" json:"attributeNameFormat,omitempty"`
	// Response is this SP's default response; ArmNext and Arm override it
	// for single responses.
	Response response.Spec `yaml:"response,omitempty" json:"response,omitzero"`

	// EncryptionCertificateFile is the YAML key encryptionCertificate: the
	// path of a PEM file holding the SP's RSA encryption certificate,
	// relative to the config file (to the working directory when given in
	// Go), like the paths of keys[]. New reads it into EncryptionCertificate.
	EncryptionCertificateFile string `yaml:"encryptionCertificate,omitempty" json:"-"`
	// EncryptionCertificate is the SP's RSA encryption certificate, which
	// response.Encrypted encrypts assertions to. Set it in Go, through
	// EncryptionCertificateFile in YAML, or later with
	// IdP.SetEncryptionCertificate (POST
	// /control/service-providers/encryption-certificate).
	EncryptionCertificate *x509.Certificate `yaml:"-" json:"-"`
}

// Default values of optional Config fields.
const (
	DefaultCookieName          = "mockidp_session"
	DefaultAttributeNameFormat = response.AttrNameFormatBasic
)

// ConfigError lists every problem Validate found.
type ConfigError struct {
	File     string // "" when the config did not come from a file
	Problems []Problem
}

// Problem is one invalid field: what is wrong and how to fix it.
type Problem struct {
	Field   string // e.g. "serviceProviders[1].acsURLs"
	Message string // e.g. "empty; list at least one absolute http(s) URL"
}

func (e *ConfigError) Error() string {
	file := e.File
	if file == "" {
		file = "mockidp config"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Field == "" {
			fmt.Fprintf(&b, "%s: %s", file, p.Message)
		} else {
			fmt.Fprintf(&b, "%s: %s: %s", file, p.Field, p.Message)
		}
	}
	return b.String()
}

// LoadConfig reads the YAML file at path strictly (unknown fields are
// errors) and validates it. Relative key paths in it are resolved against
// the file's directory.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &ConfigError{File: path, Problems: []Problem{{Message: fmt.Sprintf("%v; pass the path of the mock IdP's YAML config file", err)}}}
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, &ConfigError{File: path, Problems: yamlProblems(err)}
	}
	cfg.file = path
	cfg.dir = filepath.Dir(path)
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)

func yamlProblems(err error) []Problem {
	if errors.Is(err, io.EOF) {
		return []Problem{{Message: "empty file; see mockidp/testdata/idp.yaml for an example"}}
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Message: strings.TrimPrefix(err.Error(), "yaml: ") + "; fix the YAML syntax"}}
	}
	var ps []Problem
	for _, e := range te.Errors {
		if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
			ps = append(ps, Problem{Message: fmt.Sprintf("line %s: unknown field %q in %s; field names are lowerCamel, see mockidp/testdata/idp.yaml", m[1], m[2], strings.TrimPrefix(m[3], "mockidp."))})
			continue
		}
		ps = append(ps, Problem{Message: e})
	}
	return ps
}

// Validate reports every problem in c at once, each naming the file, the
// field and the fix. It reads and parses the key files. Keys given to New
// with WithKeys are not visible here; New validates with them.
func (c Config) Validate() error {
	_, err := c.load(nil)
	return err
}

// loaded is a validated Config with its keys read.
type loaded struct {
	keys       []idpKey
	signingKey string
	entityID   string
	baseURL    string
	cookieName string
	secure     bool
	users      []User
	sps        []ServiceProvider
	configFile string
}

// idpKey is a key and whether the metadata lists it.
type idpKey struct {
	response.Key
	published bool
}

type problems struct{ list []Problem }

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// load validates c and reads its keys. goKeys are keys given in Go (they
// count for "at least one key" and for names).
func (c Config) load(goKeys []idpKey) (loaded, error) {
	var p problems
	l := loaded{configFile: c.file}

	base := strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL == "" {
		p.add("baseURL", "empty; set the IdP's external URL, e.g. http://idp.localhost:8082")
	} else if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.add("baseURL", "%q is not an absolute http(s) URL without query or fragment; e.g. http://idp.localhost:8082", c.BaseURL)
	} else {
		l.secure = u.Scheme == "https"
	}
	l.baseURL = base
	l.entityID = c.EntityID
	if l.entityID == "" {
		l.entityID = base + "/metadata"
	} else if strings.TrimSpace(c.EntityID) != c.EntityID {
		p.add("entityID", "%q has leading or trailing space; SPs compare entity IDs exactly", c.EntityID)
	}

	l.cookieName = c.CookieName
	if l.cookieName == "" {
		l.cookieName = DefaultCookieName
	} else if err := (&http.Cookie{Name: c.CookieName, Value: "x"}).Valid(); err != nil {
		p.add("cookieName", "%q is not a valid cookie name; use letters, digits, '-' and '_'", c.CookieName)
	}

	names := map[string]string{} // key name -> field that defined it
	for _, k := range goKeys {
		names[k.Name] = "a Go option"
	}
	for i, kc := range c.Keys {
		f := fmt.Sprintf("keys[%d]", i)
		switch {
		case kc.Name == "":
			p.add(f+".name", "empty; give the key a name such as idp-2025, used by signingKey and response.signingKey")
		case names[kc.Name] != "":
			p.add(f+".name", "%q is also the name of %s; key names must be unique", kc.Name, names[kc.Name])
		default:
			names[kc.Name] = f
		}
		certPEM := c.readPEM(&p, f+".certificate", kc.Certificate, "certificate")
		keyPEM := c.readPEM(&p, f+".privateKey", kc.PrivateKey, "private key")
		var key response.Key
		if certPEM != nil {
			cert, err := response.ParseCertificatePEM(certPEM)
			if err != nil {
				p.add(f+".certificate", "%s: %v", kc.Certificate, err)
			}
			key.Certificate = cert
		}
		if keyPEM != nil {
			priv, err := response.ParsePrivateKeyPEM(keyPEM)
			if err != nil {
				p.add(f+".privateKey", "%s: %v", kc.PrivateKey, err)
			} else {
				key.Signer = priv
				if key.Certificate != nil && !priv.PublicKey.Equal(key.Certificate.PublicKey) {
					p.add(f+".privateKey", "%s does not match the certificate %s; pair each certificate with its own key", kc.PrivateKey, kc.Certificate)
				}
			}
		}
		key.Name = kc.Name
		l.keys = append(l.keys, idpKey{Key: key, published: !kc.Unpublished})
	}
	l.keys = append(l.keys, goKeys...)
	if len(l.keys) == 0 {
		p.add("keys", "empty; list at least one {name, certificate, privateKey} with PEM file paths")
	}
	l.signingKey = c.SigningKey
	if c.SigningKey != "" && names[c.SigningKey] == "" {
		p.add("signingKey", "%q is not the name of a key; use one of %s", c.SigningKey, nameList(names))
	}
	if l.signingKey == "" && len(l.keys) > 0 {
		l.signingKey = l.keys[0].Name
	}

	seenUsers := map[string]int{}
	for i, u := range c.Users {
		f := fmt.Sprintf("users[%d]", i)
		validateUser(&p, f, u)
		if j, dup := seenUsers[u.Username]; dup && u.Username != "" {
			p.add(f+".username", "%q is also users[%d]; usernames must be unique", u.Username, j)
		}
		seenUsers[u.Username] = i
	}
	l.users = c.Users

	seenSPs := map[string]int{}
	l.sps = slices.Clone(c.ServiceProviders)
	for i, sp := range c.ServiceProviders {
		f := fmt.Sprintf("serviceProviders[%d]", i)
		l.sps[i] = c.loadEncryptionCertificate(&p, f, sp)
		validateSP(&p, f, l.sps[i], names)
		if j, dup := seenSPs[sp.EntityID]; dup && sp.EntityID != "" {
			p.add(f+".entityID", "%q is also serviceProviders[%d]; entity IDs must be unique", sp.EntityID, j)
		}
		seenSPs[sp.EntityID] = i
	}

	if len(p.list) > 0 {
		return loaded{}, &ConfigError{File: c.file, Problems: p.list}
	}
	return l, nil
}

// readPEM reads the file named in field; nil when it could not.
func (c Config) readPEM(p *problems, field, path, what string) []byte {
	if path == "" {
		p.add(field, "empty; give the path of a PEM %s file (relative paths start at the config file's directory)", what)
		return nil
	}
	full := path
	if !filepath.IsAbs(path) && c.dir != "" {
		full = filepath.Join(c.dir, path)
	}
	b, err := os.ReadFile(full)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, os.ErrNotExist) {
			msg = fmt.Sprintf("%s: no such file", full)
		}
		p.add(field, "%s; give the path of a PEM %s file (relative paths start at the config file's directory)", msg, what)
		return nil
	}
	return b
}

// loadEncryptionCertificate reads sp.EncryptionCertificateFile, when set,
// into sp.EncryptionCertificate.
func (c Config) loadEncryptionCertificate(p *problems, f string, sp ServiceProvider) ServiceProvider {
	if sp.EncryptionCertificateFile == "" {
		return sp
	}
	field := f + ".encryptionCertificate"
	if sp.EncryptionCertificate != nil {
		p.add(field, "set both as a file and as a Go certificate; give one of them")
		return sp
	}
	b := c.readPEM(p, field, sp.EncryptionCertificateFile, "certificate")
	if b == nil {
		return sp
	}
	cert, err := response.ParseCertificatePEM(b)
	if err != nil {
		p.add(field, "%s: %v", sp.EncryptionCertificateFile, err)
		return sp
	}
	sp.EncryptionCertificate = cert
	return sp
}

// checkEncryptionCertificate refuses a certificate that key transport
// cannot use.
func checkEncryptionCertificate(cert *x509.Certificate) error {
	if cert == nil {
		return nil
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return fmt.Errorf("the certificate %q holds a %T key; assertions are encrypted with RSA key transport, so give the SP's RSA encryption certificate", cert.Subject.String(), cert.PublicKey)
	}
	return nil
}

func validateUser(p *problems, f string, u User) {
	if u.Username == "" {
		p.add(f+".username", "empty; every user needs a username to log in with")
	} else if err := checkText(u.Username); err != nil {
		p.add(f+".username", "%v", err)
	}
	if u.Password == "" {
		p.add(f+".password", "empty; give every user a password (the login page shows it; this is a mock)")
	}
	if err := checkText(u.NameID); err != nil {
		p.add(f+".nameID", "%v", err)
	}
	checkURI(p, f+".nameIDFormat", u.NameIDFormat)
	for name, vals := range u.Attributes {
		if name == "" {
			p.add(f+".attributes", "has an empty attribute name")
		} else if err := checkText(name); err != nil {
			p.add(f+".attributes."+name, "%v", err)
		}
		for j, v := range vals {
			if err := checkText(v); err != nil {
				p.add(fmt.Sprintf("%s.attributes.%s[%d]", f, name, j), "%v", err)
			}
		}
	}
}

func validateSP(p *problems, f string, sp ServiceProvider, keyNames map[string]string) {
	if sp.EntityID == "" {
		p.add(f+".entityID", "empty; set the SP's entity ID exactly as its AuthnRequests' Issuer says it")
	} else if err := checkText(sp.EntityID); err != nil {
		p.add(f+".entityID", "%v", err)
	}
	switch sp.ACSMatch {
	case "", ACSMatchExact, ACSMatchQuerySuperset:
	default:
		p.add(f+".acsMatch", "%q is not %s or %s", sp.ACSMatch, ACSMatchExact, ACSMatchQuerySuperset)
	}
	if len(sp.ACSURLs) == 0 {
		p.add(f+".acsURLs", "empty; list at least one absolute http(s) URL")
	}
	for j, a := range sp.ACSURLs {
		if u, err := url.Parse(a); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || checkText(a) != nil {
			p.add(fmt.Sprintf("%s.acsURLs[%d]", f, j), "%q is not an absolute http(s) URL; e.g. https://sp.example.com/saml/acs", a)
		}
	}
	checkURI(p, f+".nameIDFormat", sp.NameIDFormat)
	checkURI(p, f+".attributeNameFormat", sp.AttributeNameFormat)
	if err := sp.Response.Validate(); err != nil {
		p.add(f+".response", "%s", strings.TrimPrefix(err.Error(), response.ErrInvalidSpec.Error()+": "))
	}
	if k := sp.Response.SigningKey; k != "" && keyNames != nil && keyNames[k] == "" {
		p.add(f+".response.signingKey", "%q is not the name of a key; use one of %s", k, nameList(keyNames))
	}
	if k := sp.Response.EncryptTo; k != "" && keyNames != nil && keyNames[k] == "" {
		p.add(f+".response.encryptTo", "%q is not the name of a key; use one of %s, or leave it empty to encrypt to the SP's encryptionCertificate", k, nameList(keyNames))
	}
	if err := checkEncryptionCertificate(sp.EncryptionCertificate); err != nil {
		p.add(f+".encryptionCertificate", "%v", err)
	}
}

func checkURI(p *problems, field, v string) {
	if v == "" {
		return
	}
	if u, err := url.Parse(v); err != nil || u.Scheme == "" || strings.ContainsAny(v, " \t\r\n") {
		p.add(field, "%q is not an absolute URI; use a full URN such as %s", v, response.NameIDFormatEmailAddress)
	}
}

// checkText refuses control characters in names and values that end up in
// XML attributes or HTML.
func checkText(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("contains the control character %U; remove it", r)
		}
	}
	return nil
}

func nameList(names map[string]string) string {
	if len(names) == 0 {
		return "(no keys are configured)"
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, fmt.Sprintf("%q", n))
	}
	slices.Sort(list)
	return strings.Join(list, ", ")
}
