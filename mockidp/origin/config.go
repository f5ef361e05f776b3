package origin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults applied to a zero field by [LoadConfig] and [New].
const (
	DefaultCookieName = "origin_session"
	DefaultSessionTTL = 30 * time.Minute
)

// Config is the origin's configuration, usually read from YAML by
// [LoadConfig]. An example is testdata/origin.yaml.
type Config struct {
	// BaseURL is the origin's external URL, scheme and host only
	// (http://crm.localhost:8083). The listener is configured elsewhere.
	BaseURL string `yaml:"baseURL"`
	// CookieName names the session cookie; several servers on 127.0.0.1
	// share one cookie jar, so each needs its own name.
	CookieName string `yaml:"cookieName"`
	// SessionTTL is how long a session lasts from sign-in (absolute, not sliding).
	SessionTTL time.Duration `yaml:"sessionTTL"`
	// PortalLinks are pages on the SP that a signed-in user can open; the
	// link gets email and session appended. Their scheme+host are also the
	// only foreign origins that next= and the jump page's target= may lead to.
	PortalLinks []PortalLink `yaml:"portalLinks"`
	// Users who can sign in.
	Users []User `yaml:"users"`

	// source names the file the config came from, for error messages.
	source string
}

// PortalLink is one page on the SP's portal.
type PortalLink struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// User is an account on the originating system.
type User struct {
	Email    string `yaml:"email"`
	Password string `yaml:"password"`
	Name     string `yaml:"name"`
	// Active defaults to true when nil; an inactive user cannot sign in.
	// In Go: Active: new(false).
	Active *bool `yaml:"active"`
}

// IsActive reports whether the user may sign in (Active nil or true).
func (u User) IsActive() bool { return u.Active == nil || *u.Active }

// ConfigError lists every problem [Config.Validate] found.
type ConfigError struct {
	// Source is the file name, or "config" for a Config built in Go.
	Source   string
	Problems []Problem
}

// Problem is one invalid field: where, what is wrong, how to fix it.
type Problem struct {
	Field   string // e.g. users[1].email
	Message string // what is wrong
	Fix     string // what to do
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s; %s", p.Field, p.Message, p.Fix)
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: invalid origin config (%d problem", e.Source, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", e.Source, p)
	}
	return b.String()
}

// LoadConfig reads a YAML file strictly (unknown fields are refused), applies
// the defaults and validates it.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("origin config: %w", err)
	}
	cfg, err := ParseConfig(data, path)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// ParseConfig decodes YAML like [LoadConfig]; source names the data in errors.
func ParseConfig(data []byte, source string) (Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("%s: empty origin config; set at least baseURL and users", source)
		}
		return Config{}, fmt.Errorf("%s: %w; known fields are baseURL, cookieName, sessionTTL (a duration such as \"30m\"), "+
			"portalLinks[].{title,url}, users[].{email,password,name,active}", source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%s: more than one YAML document; keep the origin config in a single document", source)
	}
	cfg.source = source
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c *Config) applyDefaults() {
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
}

// Validate reports every problem in one *[ConfigError], or nil. Fields left
// empty for their defaults (cookieName, sessionTTL) are not problems.
func (c Config) Validate() error {
	var ps []Problem
	add := func(field, msg, fix string) { ps = append(ps, Problem{field, msg, fix}) }

	if c.BaseURL == "" {
		add("baseURL", "missing", "set the origin's external URL, e.g. http://crm.localhost:8083")
	} else if u, err := url.Parse(c.BaseURL); err != nil {
		add("baseURL", fmt.Sprintf("%q is not a URL (%v)", c.BaseURL, err), "use an absolute http(s) URL such as http://crm.localhost:8083")
	} else if msg := checkAbsolute(u); msg != "" {
		add("baseURL", fmt.Sprintf("%q %s", c.BaseURL, msg), "use an absolute http(s) URL such as http://crm.localhost:8083")
	} else if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		add("baseURL", fmt.Sprintf("%q has a path, query or fragment", c.BaseURL), "give scheme and host only; the origin serves at the root")
	}

	if c.CookieName != "" && !isToken(c.CookieName) {
		add("cookieName", fmt.Sprintf("%q is not a valid cookie name", c.CookieName), "use letters, digits, '-' and '_' only, or omit it for "+DefaultCookieName)
	}

	if c.SessionTTL != 0 && c.SessionTTL < time.Second {
		add("sessionTTL", fmt.Sprintf("%v is too short", c.SessionTTL), "use a duration of at least 1s such as 30m, or omit it for the default 30m")
	}

	for i, l := range c.PortalLinks {
		f := fmt.Sprintf("portalLinks[%d]", i)
		if strings.TrimSpace(l.Title) == "" {
			add(f+".title", "missing", "give the link a title to show on the home page")
		}
		if l.URL == "" {
			add(f+".url", "missing", "give the portal page's absolute URL, e.g. http://portal.localhost:8080/SomePage")
		} else if u, err := url.Parse(l.URL); err != nil {
			add(f+".url", fmt.Sprintf("%q is not a URL (%v)", l.URL, err), "give an absolute http(s) URL")
		} else if msg := checkAbsolute(u); msg != "" {
			add(f+".url", fmt.Sprintf("%q %s", l.URL, msg), "give an absolute http(s) URL")
		}
	}

	if len(c.Users) == 0 {
		add("users", "none configured", "add at least one user with email and password")
	}
	seen := map[string]int{}
	for i, u := range c.Users {
		f := fmt.Sprintf("users[%d]", i)
		switch {
		case u.Email == "":
			add(f+".email", "missing", "give the user's email address")
		case !isEmail(u.Email):
			add(f+".email", fmt.Sprintf("%q is not an email address", u.Email), "use a bare address such as ada@example.com")
		default:
			key := strings.ToLower(u.Email)
			if j, dup := seen[key]; dup {
				add(f+".email", fmt.Sprintf("%q duplicates users[%d] (emails compare case-insensitively)", u.Email, j),
					"give each user a distinct email")
			} else {
				seen[key] = i
			}
		}
		if u.Password == "" {
			add(f+".password", "missing", "give the user a password")
		}
	}

	if len(ps) == 0 {
		return nil
	}
	src := c.source
	if src == "" {
		src = "config"
	}
	return &ConfigError{Source: src, Problems: ps}
}

// checkAbsolute returns "" when u is an absolute http(s) URL with a host and
// no user info, else what is wrong.
func checkAbsolute(u *url.URL) string {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an absolute http or https URL"
	case u.Host == "" || u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "carries user info"
	}
	return ""
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// isToken reports whether s is an RFC 7230 token, as a cookie name must be.
func isToken(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return s != ""
}
