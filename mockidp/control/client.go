// Package control is a typed Go client for the mock IdP's HTTP control
// API, for scenarios that drive a mock IdP running in another process. Its
// methods mirror the *mockidp.IdP methods call for call:
//
//	c := control.NewClient("http://127.0.0.1:8082", nil)
//	err := c.ArmNext(ctx, "https://sp.example.com/metadata", response.Expired())
//	req, err := c.TakeRequest(ctx, "https://sp.example.com/metadata")
//
// Errors from the server are *Error values that unwrap to the mockidp
// sentinels, so errors.Is(err, mockidp.ErrUnknownServiceProvider) works
// across the wire.
package control

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// Client talks to one mock IdP's control API.
type Client struct {
	base string
	hc   *http.Client
	// PollInterval is how long one GET /control/requests/next may wait on
	// the server; TakeRequest repeats it until its context ends.
	PollInterval time.Duration
}

// NewClient returns a client for the IdP at baseURL (its configured
// baseURL, e.g. http://127.0.0.1:8082). A nil httpClient means
// http.DefaultClient; its Timeout, if any, must exceed PollInterval.
func NewClient(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/") + "/control", hc: httpClient, PollInterval: 25 * time.Second}
}

// Error is an error answer of the control API.
type Error struct {
	StatusCode int
	Code       string // one of the mockidp.Code* constants
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("mock IdP control API: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// Unwrap returns the mockidp sentinel error matching e.Code, if any.
func (e *Error) Unwrap() error {
	switch e.Code {
	case mockidp.CodeUnknownServiceProvider:
		return mockidp.ErrUnknownServiceProvider
	case mockidp.CodeUnknownKey:
		return mockidp.ErrUnknownKey
	case mockidp.CodeAlreadyExists:
		return mockidp.ErrAlreadyExists
	case mockidp.CodeInvalidSpec:
		return response.ErrInvalidSpec
	case mockidp.CodeInvalid:
		return mockidp.ErrInvalid
	}
	return nil
}

// do sends body (JSON-encoded unless nil) and decodes a 2xx answer into
// out (unless nil). It returns the status code.
func (c *Client) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("mock IdP control API: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, fmt.Errorf("mock IdP control API: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("mock IdP control API: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return resp.StatusCode, fmt.Errorf("mock IdP control API: reading the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb mockidp.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
			eb = mockidp.ErrorBody{Error: strings.TrimSpace(string(data)), Code: "http_" + fmt.Sprint(resp.StatusCode)}
		}
		return resp.StatusCode, &Error{StatusCode: resp.StatusCode, Code: eb.Code, Message: eb.Error}
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("mock IdP control API: decoding the answer to %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// Arm queues spec, as is, for the next response to sp (IdP.Arm).
func (c *Client) Arm(ctx context.Context, sp string, spec response.Spec) error {
	raw, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("mock IdP control API: encoding the spec: %w", err)
	}
	_, err = c.do(ctx, http.MethodPost, "/arm", mockidp.ArmRequest{SP: sp, Response: raw}, nil)
	return err
}

// ArmNext queues the SP's default spec with opts applied, for the next
// response to sp (IdP.ArmNext). The options are applied to an empty spec
// here and sent with "merge": every field they set to a non-zero value
// replaces the default's. (An option that sets a field to its zero value,
// such as SignedBy(""), therefore does not reset the SP's default over
// HTTP; use Arm with a whole spec for that.)
func (c *Client) ArmNext(ctx context.Context, sp string, opts ...response.Option) error {
	raw, err := json.Marshal(response.New(opts...))
	if err != nil {
		return fmt.Errorf("mock IdP control API: encoding the spec: %w", err)
	}
	_, err = c.do(ctx, http.MethodPost, "/arm", mockidp.ArmRequest{SP: sp, Response: raw, Merge: true}, nil)
	return err
}

// TakeRequest returns the next AuthnRequest from sp, waiting until one
// arrives or ctx ends (IdP.TakeRequest). It long-polls the server in
// PollInterval steps.
func (c *Client) TakeRequest(ctx context.Context, sp string) (mockidp.ReceivedRequest, error) {
	for {
		wait := c.PollInterval
		if dl, ok := ctx.Deadline(); ok {
			if left := time.Until(dl); left < wait {
				wait = left
			}
		}
		if wait < 0 {
			wait = 0
		}
		q := url.Values{"sp": {sp}, "timeout": {wait.Round(time.Millisecond).String()}}
		var rr mockidp.ReceivedRequest
		status, err := c.do(ctx, http.MethodGet, "/requests/next?"+q.Encode(), nil, &rr)
		if err != nil {
			return mockidp.ReceivedRequest{}, err
		}
		if status == http.StatusOK {
			return rr, nil
		}
		if err := ctx.Err(); err != nil {
			return mockidp.ReceivedRequest{}, err
		}
		if wait == 0 {
			// The deadline has passed by the client's clock but the
			// context has not noticed yet; do not spin.
			<-ctx.Done()
			return mockidp.ReceivedRequest{}, ctx.Err()
		}
	}
}

// SetSigningKey makes the key called name the IdP's current signing key
// (IdP.RotateSigningKey).
func (c *Client) SetSigningKey(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodPost, "/signing-key", mockidp.SigningKeyRequest{Name: name}, nil)
	return err
}

// State returns the IdP's state (IdP.State).
func (c *Client) State(ctx context.Context) (mockidp.State, error) {
	var s mockidp.State
	_, err := c.do(ctx, http.MethodGet, "/state", nil, &s)
	return s, err
}

// AddUser adds a user to the IdP's directory (IdP.AddUser).
func (c *Client) AddUser(ctx context.Context, u mockidp.User) error {
	_, err := c.do(ctx, http.MethodPost, "/users", u, nil)
	return err
}

// AddServiceProvider registers a service provider (IdP.AddServiceProvider).
func (c *Client) AddServiceProvider(ctx context.Context, sp mockidp.ServiceProvider) error {
	_, err := c.do(ctx, http.MethodPost, "/service-providers", sp, nil)
	return err
}

// SetEncryptionCertificate makes cert the encryption certificate of the
// service provider sp; nil removes it (IdP.SetEncryptionCertificate).
func (c *Client) SetEncryptionCertificate(ctx context.Context, sp string, cert *x509.Certificate) error {
	req := mockidp.EncryptionCertificateRequest{SP: sp}
	if cert != nil {
		req.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
	_, err := c.do(ctx, http.MethodPost, "/service-providers/encryption-certificate", req, nil)
	return err
}
