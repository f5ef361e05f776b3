// Package localpath decides whether a redirect target is a path on this
// service provider. Targets come from query strings, RelayState and
// configuration; only a path that cannot leave the SP is ever followed.
package localpath

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNotLocal is wrapped by every refusal.
var ErrNotLocal = errors.New("not a path on this service provider")

// MaxLength bounds a target; longer targets are refused.
const MaxLength = 2048

// Check returns nil when target is an absolute path on this host: it starts
// with a single "/", has no scheme or host, no backslash (browsers read "\"
// as "/", so "/\evil" is "//evil"), and no control characters.
func Check(target string) error {
	switch {
	case target == "":
		return fmt.Errorf("empty target: %w", ErrNotLocal)
	case len(target) > MaxLength:
		return fmt.Errorf("target of %d bytes exceeds %d: %w", len(target), MaxLength, ErrNotLocal)
	case !strings.HasPrefix(target, "/"):
		return fmt.Errorf("target %q does not start with \"/\": %w", target, ErrNotLocal)
	case strings.HasPrefix(target, "//"):
		return fmt.Errorf("target %q is protocol-relative (another host): %w", target, ErrNotLocal)
	case strings.ContainsRune(target, '\\'):
		return fmt.Errorf("target %q contains a backslash: %w", target, ErrNotLocal)
	}
	for _, r := range target {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("target %q contains a control character: %w", target, ErrNotLocal)
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("target %q: %v: %w", target, err, ErrNotLocal)
	}
	if u.Scheme != "" || u.Host != "" || u.User != nil {
		return fmt.Errorf("target %q names a scheme or host: %w", target, ErrNotLocal)
	}
	return nil
}
