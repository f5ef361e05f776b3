// Package config reads the Service Provider's declarative YAML file —
// listener, store, admin access, groups with their SSO settings and users —
// strictly: unknown fields are refused, and Validate reports every problem at
// once, each naming the file, the field and the fix. Apply writes the groups
// and users into the store; applying the same file twice changes nothing.
package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssoharness/ssoharness/sp/settings"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Config is the whole SP configuration file.
type Config struct {
	// Listen is the address to bind, e.g. 127.0.0.1:8081.
	Listen string `yaml:"listen"`
	// BaseURL is the SP's external URL, e.g. http://sp.localhost:8081.
	BaseURL string `yaml:"baseURL"`
	Store   Store  `yaml:"store"`
	Admin   Admin  `yaml:"admin"`
	// SessionTTL is how long a GSSNID session lasts (default 8h).
	SessionTTL Duration `yaml:"sessionTTL"`
	Groups     []Group  `yaml:"groups"`

	// Warnings are problems that do not stop the file from loading, such
	// as an expired IdP certificate, each naming its field.
	Warnings []string `yaml:"-"`

	// path is the file this came from, for messages and relative paths.
	path string
}

// Store selects the backend.
type Store struct {
	// Type is the backend; "sqlite" is the only one today.
	Type string `yaml:"type"`
	// Path of the SQLite file; relative paths are against the config file.
	Path string `yaml:"path"`
}

// Admin guards the admin pages and the JSON admin API.
type Admin struct {
	// Password for the admin sign-in form and Bearer token for the API.
	Password string `yaml:"password"`
}

// Group is one tenant.
type Group struct {
	ID        int64  `yaml:"id"`
	Name      string `yaml:"name"`
	AccountID string `yaml:"accountID"`
	SSO       SSO    `yaml:"sso"`
	Users     []User `yaml:"users"`
}

// SSO is a group's SAML settings.
type SSO struct {
	Method               string   `yaml:"method"`
	Description          string   `yaml:"description"`
	Status               string   `yaml:"status"`
	IdP                  IdP      `yaml:"idp"`
	EntityID             string   `yaml:"entityID"`
	IdentityAttribute    string   `yaml:"identityAttribute"`
	NameIDPolicy         string   `yaml:"nameIDPolicy"`
	AllowIdPInitiated    bool     `yaml:"allowIdPInitiated"`
	IdPInitiatedRedirect string   `yaml:"idpInitiatedRedirect"`
	ClockSkew            Duration `yaml:"clockSkew"`
	MaxResponseBytes     int      `yaml:"maxResponseBytes"`
	AllowSHA1            bool     `yaml:"allowSHA1"`
	AllowPKCS1v15        bool     `yaml:"allowPKCS1v15"`
	// ACSParameterStyle: query (default) or relaystate.
	ACSParameterStyle string       `yaml:"acsParameterStyle"`
	AuthnContext      AuthnContext `yaml:"authnContext"`
}

// AuthnContext is the RequestedAuthnContext; an empty class sends none.
type AuthnContext struct {
	ClassRef   string `yaml:"classRef"`
	Comparison string `yaml:"comparison"`
}

// IdP describes the group's identity provider.
type IdP struct {
	EntityID string `yaml:"entityID"`
	SSOURL   string `yaml:"ssoURL"`
	// Binding for the AuthnRequest: redirect (default) or post.
	Binding      string        `yaml:"binding"`
	Certificates []Certificate `yaml:"certificates"`
	// MetadataURL is refreshed at start and hourly; it then replaces the
	// entity ID, endpoint and certificates above (kept as the fallback).
	MetadataURL string `yaml:"metadataURL"`
}

// Certificate is an IdP signing certificate given inline or as a file.
type Certificate struct {
	File string `yaml:"file"`
	PEM  string `yaml:"pem"`
}

// User is a subscriber of a group.
type User struct {
	GlanceAddress string `yaml:"glanceAddress"`
	PartnerUserID string `yaml:"partnerUserID"`
	Email         string `yaml:"email"`
	FirstName     string `yaml:"firstName"`
	LastName      string `yaml:"lastName"`
	Phone         string `yaml:"phone"`
	Role          string `yaml:"role"`
	Status        string `yaml:"status"`
}

// Duration is a time.Duration written as "180s", "15m".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 180s or 15m", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// Defaults, as sp/settings fills them.
const (
	DefaultEntityID         = settings.DefaultEntityID
	DefaultClockSkew        = settings.DefaultClockSkewSeconds * time.Second
	DefaultMaxResponseBytes = settings.DefaultMaxResponseBytes
	MaxMaxResponseBytes     = settings.MaxMaxResponseBytes
	MaxIdPKeys              = settings.MaxIdPCertificates
)

// Load reads and validates a config file.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates config bytes; path names them in messages and
// anchors relative paths.
func Parse(path string, data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF; Validate then says what is missing.
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c.path = path
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Path is the file the config came from.
func (c Config) Path() string { return c.path }

// Problems collects validation failures.
type Problems struct {
	File string
	List []string
}

func (p *Problems) add(field, format string, args ...any) {
	p.List = append(p.List, field+": "+fmt.Sprintf(format, args...))
}

func (p *Problems) Error() string {
	if len(p.List) == 1 {
		return p.File + ": " + p.List[0]
	}
	return p.File + ": " + fmt.Sprint(len(p.List)) + " problems:\n  " + strings.Join(p.List, "\n  ")
}

// Validate fills defaults and checks every field, reporting all problems.
func (c *Config) Validate() error {
	p := &Problems{File: c.path}
	if c.path == "" {
		p.File = "config"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8081"
	}
	if c.BaseURL == "" {
		p.add("baseURL", "missing; set the SP's external URL, e.g. http://sp.localhost:8081")
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		p.add("baseURL", "%q is not an http(s) URL without a path, e.g. http://sp.localhost:8081", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	switch c.Store.Type {
	case "", "sqlite":
		c.Store.Type = "sqlite"
		if c.Store.Path == "" {
			p.add("store.path", "missing; name the SQLite file, e.g. ./.ssoharness/sp.db")
		}
	default:
		p.add("store.type", "%q is not a known backend; use sqlite", c.Store.Type)
	}
	if c.Admin.Password != "" && len(c.Admin.Password) < 8 {
		p.add("admin.password", "shorter than 8 characters")
	}
	if c.SessionTTL < 0 {
		p.add("sessionTTL", "negative")
	}

	now := time.Now()
	c.Warnings = nil
	ids := map[int64]int{}
	names := map[string]int{}
	accounts := map[string]int{}
	addresses := map[string]string{}
	for i, g := range c.Groups {
		field := fmt.Sprintf("groups[%d]", i)
		if g.ID <= 0 {
			p.add(field+".id", "missing or not positive; the Group ID is a number > 0")
		} else if j, dup := ids[g.ID]; dup {
			p.add(field+".id", "%d is also groups[%d].id", g.ID, j)
		}
		ids[g.ID] = i
		if j, dup := names[g.Name]; dup && strings.TrimSpace(g.Name) != "" {
			p.add(field+".name", "%q is also groups[%d].name", g.Name, j)
		}
		names[g.Name] = i
		if g.AccountID != "" {
			if j, dup := accounts[g.AccountID]; dup {
				p.add(field+".accountID", "%q is also groups[%d].accountID", g.AccountID, j)
			}
			accounts[g.AccountID] = i
		}
		c.Warnings = append(c.Warnings, validateGroup(p, field, &c.Groups[i], c.dir(), now)...)
		for k, u := range g.Users {
			uf := fmt.Sprintf("%s.users[%d]", field, k)
			validateUser(p, uf, &c.Groups[i].Users[k])
			key := strings.ToLower(u.GlanceAddress)
			if prev, dup := addresses[key]; dup && key != "" {
				p.add(uf+".glanceAddress", "%q is also %s", u.GlanceAddress, prev)
			}
			addresses[key] = uf
		}
	}
	if len(p.List) > 0 {
		return p
	}
	return nil
}

func (c Config) dir() string {
	if c.path == "" {
		return "."
	}
	return filepath.Dir(c.path)
}

// StorePath is the SQLite path resolved against the config file.
func (c Config) StorePath() string {
	if filepath.IsAbs(c.Store.Path) || c.Store.Path == ":memory:" {
		return c.Store.Path
	}
	return filepath.Join(c.dir(), c.Store.Path)
}

// validateGroup checks one group through sp/settings, the rules the admin
// API and form share, and writes the defaults it fills back into g. Only
// what is particular to a file stays here: reading certificate files.
func validateGroup(p *Problems, field string, g *Group, dir string, now time.Time) (warnings []string) {
	s := &g.SSO
	// Certificates whose entry is already wrong here are not checked again.
	reported := map[int]bool{}
	for i := range s.IdP.Certificates {
		cf := fmt.Sprintf("%s.sso.idp.certificates[%d]", field, i)
		cert := &s.IdP.Certificates[i]
		if (cert.File == "") == (cert.PEM == "") {
			p.add(cf, "give exactly one of file: or pem:")
			reported[i] = true
			continue
		}
		if cert.File != "" {
			path := cert.File
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				p.add(cf+".file", "%v", err)
				reported[i] = true
				continue
			}
			cert.PEM, cert.File = string(data), ""
		}
	}
	rec := store.Group{ID: g.ID, Name: g.Name, AccountID: g.AccountID, SSO: s.Settings()}
	if s.ClockSkew < 0 && rec.SSO.ClockSkewSeconds == 0 {
		rec.SSO.ClockSkewSeconds = -1 // a negative fraction of a second is negative, not the default
	}
	settings.Normalize(&rec)
	warnings, err := settings.Validate(rec, now)
	var fe *settings.FieldErrors
	if errors.As(err, &fe) {
		for _, name := range fe.Names() {
			if name == "sso.clockSkewSeconds" {
				p.add(field+".sso.clockSkew", "%s is outside 0..1h", time.Duration(s.ClockSkew))
				continue
			}
			var i int
			if _, scanErr := fmt.Sscanf(name, "sso.idpCertificates[%d]", &i); scanErr == nil && reported[i] {
				continue
			}
			p.add(field+"."+yamlField(name), "%s", fe.Fields[name])
		}
	} else if err != nil {
		p.add(field, "%v", err)
	}
	for i, w := range warnings {
		warnings[i] = field + "." + yamlField(w)
	}

	// Write the normalized values back: Settings reads them from here.
	n := rec.SSO
	g.Name, g.AccountID = rec.Name, rec.AccountID
	s.Method, s.Status, s.NameIDPolicy, s.EntityID = string(n.Method), string(n.Status), string(n.NameIDPolicy), n.EntityID
	s.IdP.Binding, s.IdP.EntityID, s.IdP.SSOURL = string(n.IdPBinding), n.IdPEntityID, n.IdPSSOURL
	s.IdentityAttribute, s.IdPInitiatedRedirect = n.IdentityAttribute, n.IdPInitiatedRedirect
	if s.ClockSkew == 0 {
		s.ClockSkew = Duration(time.Duration(n.ClockSkewSeconds) * time.Second)
	}
	s.MaxResponseBytes = n.MaxResponseBytes
	for i := range s.IdP.Certificates {
		s.IdP.Certificates[i].PEM = n.IdPCertificates[i]
	}
	return warnings
}

// yamlField is the YAML path, under a group, of a settings field named as in
// JSON; text that starts with such a name (a warning) is rewritten too.
func yamlField(name string) string {
	for _, r := range []struct{ json, yaml string }{
		{"sso.idpEntityID", "sso.idp.entityID"},
		{"sso.idpSSOURL", "sso.idp.ssoURL"},
		{"sso.idpBinding", "sso.idp.binding"},
		{"sso.idpCertificates", "sso.idp.certificates"},
		{"sso.clockSkewSeconds", "sso.clockSkew"},
		{"sso.idpMetadataURL", "sso.idp.metadataURL"},
		{"sso.authnContextClassRef", "sso.authnContext.classRef"},
		{"sso.authnContextComparison", "sso.authnContext.comparison"},
	} {
		if strings.HasPrefix(name, r.json) {
			return r.yaml + strings.TrimPrefix(name, r.json)
		}
	}
	return name
}

var glanceAddress = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.glance\.net$`)

func validateUser(p *Problems, field string, u *User) {
	if !glanceAddress.MatchString(u.GlanceAddress) {
		p.add(field+".glanceAddress", "%q is not a Glance Address: letters, digits, '.' and '-', ending in .glance.net, e.g. doe.john.example.glance.net", u.GlanceAddress)
	}
	limits := []struct {
		name, value string
		max         int
	}{
		{"partnerUserID", u.PartnerUserID, 255},
		{"firstName", u.FirstName, 49},
		{"lastName", u.LastName, 49},
		{"email", u.Email, 127},
		{"role", u.Role, 70},
	}
	for _, l := range limits {
		if len(l.value) > l.max {
			p.add(field+"."+l.name, "%d characters; at most %d", len(l.value), l.max)
		}
	}
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		p.add(field+".email", "%q is not an email address", u.Email)
	}
	switch u.Status {
	case "":
		u.Status = string(store.UserActive)
	case string(store.UserActive), string(store.UserPending), string(store.UserDisabled):
	default:
		p.add(field+".status", "%q is not active, pending or disabled", u.Status)
	}
}

// Settings converts the validated SSO block to the stored form.
func (s SSO) Settings() store.SSOSettings {
	certs := make([]string, 0, len(s.IdP.Certificates))
	for _, c := range s.IdP.Certificates {
		certs = append(certs, c.PEM)
	}
	return store.SSOSettings{
		Method:                 store.SSOMethod(s.Method),
		Description:            s.Description,
		Status:                 store.OperationalStatus(s.Status),
		IdPEntityID:            s.IdP.EntityID,
		IdPSSOURL:              s.IdP.SSOURL,
		IdPBinding:             store.Binding(s.IdP.Binding),
		IdPCertificates:        certs,
		EntityID:               s.EntityID,
		IdentityAttribute:      s.IdentityAttribute,
		NameIDPolicy:           store.NameIDPolicy(s.NameIDPolicy),
		AllowIdPInitiated:      s.AllowIdPInitiated,
		IdPInitiatedRedirect:   s.IdPInitiatedRedirect,
		ClockSkewSeconds:       int(time.Duration(s.ClockSkew) / time.Second),
		MaxResponseBytes:       s.MaxResponseBytes,
		AllowSHA1:              s.AllowSHA1,
		AllowPKCS1v15:          s.AllowPKCS1v15,
		ACSParameterStyle:      store.ACSParameterStyle(s.ACSParameterStyle),
		AuthnContextClassRef:   s.AuthnContext.ClassRef,
		AuthnContextComparison: s.AuthnContext.Comparison,
		IdPMetadataURL:         s.IdP.MetadataURL,
	}
}

// Record converts a validated user to the stored form.
func (u User) Record(groupID int64) store.User {
	return store.User{
		GlanceAddress: u.GlanceAddress, GroupID: groupID, PartnerUserID: u.PartnerUserID,
		Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Phone: u.Phone,
		Role: u.Role, Status: store.UserStatus(u.Status),
	}
}

// Apply writes the config's groups and users into the store: created when
// missing, replaced when present. Users the file does not name are kept.
func Apply(ctx context.Context, st store.Store, c Config) error {
	for _, g := range c.Groups {
		rec := store.Group{ID: g.ID, Name: g.Name, AccountID: g.AccountID, SSO: g.SSO.Settings()}
		err := st.UpdateGroup(ctx, g.ID, func(store.Group) (store.Group, error) { return rec, nil })
		if errors.Is(err, store.ErrNotFound) {
			err = st.CreateGroup(ctx, rec)
		}
		if err != nil {
			return fmt.Errorf("%s: group %d: %w", c.path, g.ID, err)
		}
		for _, u := range g.Users {
			urec := u.Record(g.ID)
			err := st.UpdateUser(ctx, u.GlanceAddress, func(store.User) (store.User, error) { return urec, nil })
			if errors.Is(err, store.ErrNotFound) {
				err = st.CreateUser(ctx, urec)
			}
			if err != nil {
				return fmt.Errorf("%s: group %d: user %s: %w", c.path, g.ID, u.GlanceAddress, err)
			}
		}
	}
	return nil
}
