package origin

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// errForeignNext is the refusal of a next= address outside this origin and
// the configured portal origins.
var errForeignNext = errors.New("the return address must be a path on this site or a page on a configured portal")

// nextKind says where an accepted next= address leads.
type nextKind int

const (
	nextHome   nextKind = iota // empty: the home page
	nextLocal                  // a path (or absolute URL) on this origin
	nextPortal                 // a page on a configured portal origin
)

// checkNext accepts an empty value, a relative path on this origin ("/x",
// never "//host" or backslashes), an absolute URL on this origin, or an
// absolute URL on a configured portal link's scheme+host; anything else is
// refused.
func (o *Origin) checkNext(next string) (nextKind, error) {
	if next == "" {
		return nextHome, nil
	}
	if hasControl(next) || strings.Contains(next, `\`) {
		return 0, errForeignNext
	}
	if isLocalPath(next) {
		return nextLocal, nil
	}
	u, err := url.Parse(next)
	if err != nil || checkAbsolute(u) != "" {
		return 0, errForeignNext
	}
	if originKey(u) == originKey(o.base) {
		return nextLocal, nil
	}
	if o.onPortal(u) {
		return nextPortal, nil
	}
	return 0, errForeignNext
}

// portalTarget parses target and reports whether it is an absolute URL on a
// configured portal link's scheme+host.
func (o *Origin) portalTarget(target string) bool {
	if target == "" || hasControl(target) || strings.Contains(target, `\`) {
		return false
	}
	u, err := url.Parse(target)
	return err == nil && checkAbsolute(u) == "" && o.onPortal(u)
}

func (o *Origin) onPortal(u *url.URL) bool {
	k := originKey(u)
	for _, p := range o.portals {
		if originKey(p) == k {
			return true
		}
	}
	return false
}

// isLocalPath reports whether s is a path-absolute reference on this origin.
func isLocalPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.Contains(s, `\`) || hasControl(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// originKey is scheme://host[:port], lower-cased, default ports dropped.
func originKey(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

// withSession appends email and session to a portal URL, keeping its other
// query parameters in their order and encoding and replacing any stale
// email or session parameters.
func withSession(raw, email, key string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // callers pass validated URLs
	}
	var kept []string
	for pair := range strings.SplitSeq(u.RawQuery, "&") {
		if pair == "" {
			continue
		}
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil && (n == "email" || n == "session") {
			continue
		}
		kept = append(kept, pair)
	}
	kept = append(kept, "email="+url.QueryEscape(email), "session="+url.QueryEscape(key))
	u.RawQuery = strings.Join(kept, "&")
	u.ForceQuery = false
	return u.String()
}
