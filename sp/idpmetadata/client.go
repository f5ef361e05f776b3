package idpmetadata

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"
)

// NewHTTPClient is the client the SP fetches metadata with: bounded in time,
// and resolving "localhost" and every name under ".localhost" to 127.0.0.1
// (RFC 6761), as browsers do and Go's resolver does not, so the harness's
// idp.localhost URLs work from Go as they do in a browser.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && IsLocalhostName(host) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: transport, Timeout: 15 * time.Second}
}

// IsLocalhostName reports whether host is "localhost" or a name under it.
func IsLocalhostName(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
