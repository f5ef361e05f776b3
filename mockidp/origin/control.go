package origin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The HTTP control API mirrors the Go API call for call. Requests and
// answers are JSON; errors are {"error": "...", "code": "..."} where code is
// unknown_user, inactive_user, unknown_session, unknown_mode, bad_request or
// timeout.
//
//	GET  /control/answer            → {"mode": "honest"}
//	POST /control/answer            {"mode": "always-false"} → {"mode": "always-false"}
//	POST /control/issue-session     {"email": "ada@example.com"} → {"sessionKey": "..."}
//	POST /control/expire-session    {"sessionKey": "..."} → 204
//	POST /control/take-auth-call    [?timeout=30s] → an AuthCall; 504 when none arrived in time
//
// take-auth-call waits at most its timeout (default 30s, at most 5m) or
// until the client goes away. A call taken just as the client disconnects
// is lost.

const (
	defaultTakeTimeout = 30 * time.Second
	maxTakeTimeout     = 5 * time.Minute
)

type modeBody struct {
	Mode AnswerMode `json:"mode"`
}

type emailBody struct {
	Email string `json:"email"`
}

type sessionBody struct {
	SessionKey string `json:"sessionKey"`
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

var errorCodes = []struct {
	err    error
	code   string
	status int
}{
	{ErrUnknownUser, "unknown_user", http.StatusNotFound},
	{ErrInactiveUser, "inactive_user", http.StatusConflict},
	{ErrUnknownSession, "unknown_session", http.StatusNotFound},
	{ErrUnknownMode, "unknown_mode", http.StatusBadRequest},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeControlError(w http.ResponseWriter, err error) {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			writeJSON(w, c.status, errorBody{err.Error(), c.code})
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, errorBody{err.Error(), "bad_request"})
}

// readControl decodes a small JSON request body strictly into v.
func readControl(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("origin control: bad JSON body: %w", err)
	}
	return nil
}

func (o *Origin) handleControlGetAnswer(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, modeBody{o.Answer()})
}

func (o *Origin) handleControlSetAnswer(w http.ResponseWriter, r *http.Request) {
	var b modeBody
	if err := readControl(w, r, &b); err != nil {
		writeControlError(w, err)
		return
	}
	if err := o.SetAnswer(b.Mode); err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, modeBody{b.Mode})
}

func (o *Origin) handleControlIssueSession(w http.ResponseWriter, r *http.Request) {
	var b emailBody
	if err := readControl(w, r, &b); err != nil {
		writeControlError(w, err)
		return
	}
	key, err := o.IssueSession(b.Email)
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionBody{key})
}

func (o *Origin) handleControlExpireSession(w http.ResponseWriter, r *http.Request) {
	var b sessionBody
	if err := readControl(w, r, &b); err != nil {
		writeControlError(w, err)
		return
	}
	if err := o.ExpireSession(b.SessionKey); err != nil {
		writeControlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (o *Origin) handleControlTakeAuthCall(w http.ResponseWriter, r *http.Request) {
	timeout := defaultTakeTimeout
	if s := r.URL.Query().Get("timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > maxTakeTimeout {
			writeControlError(w, fmt.Errorf("origin control: timeout %q: want a duration in (0, %v]", s, maxTakeTimeout))
			return
		}
		timeout = d
	}
	// Real time on purpose: this bounds a wait on the wire, not a session.
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	call, err := o.TakeAuthCall(ctx)
	if err != nil {
		writeJSON(w, http.StatusGatewayTimeout, errorBody{"origin control: no auth call within " + timeout.String(), "timeout"})
		return
	}
	writeJSON(w, http.StatusOK, call)
}

// Client drives an origin's HTTP control API, for scenarios running in
// another process. Its methods mirror the Origin's.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client for the origin at baseURL; hc nil means
// http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// errTakeTimeout: the origin's long poll ended without a call.
var errTakeTimeout = errors.New("no auth call arrived in time")

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("origin client: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("origin client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("origin client: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e errorBody
		json.Unmarshal(data, &e)
		if e.Code == "timeout" {
			return fmt.Errorf("origin client: %s %s: %w", method, path, errTakeTimeout)
		}
		for _, ec := range errorCodes {
			if e.Code == ec.code {
				return fmt.Errorf("origin client: %s %s: %s: %w", method, path, e.Error, ec.err)
			}
		}
		return fmt.Errorf("origin client: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("origin client: %s %s: decoding answer: %w", method, path, err)
		}
	}
	return nil
}

// SetAnswer mirrors Origin.SetAnswer.
func (c *Client) SetAnswer(ctx context.Context, mode AnswerMode) error {
	return c.do(ctx, http.MethodPost, "/control/answer", modeBody{mode}, nil)
}

// Answer mirrors Origin.Answer.
func (c *Client) Answer(ctx context.Context) (AnswerMode, error) {
	var b modeBody
	err := c.do(ctx, http.MethodGet, "/control/answer", nil, &b)
	return b.Mode, err
}

// IssueSession mirrors Origin.IssueSession.
func (c *Client) IssueSession(ctx context.Context, email string) (string, error) {
	var b sessionBody
	err := c.do(ctx, http.MethodPost, "/control/issue-session", emailBody{email}, &b)
	return b.SessionKey, err
}

// ExpireSession mirrors Origin.ExpireSession.
func (c *Client) ExpireSession(ctx context.Context, sessionKey string) error {
	return c.do(ctx, http.MethodPost, "/control/expire-session", sessionBody{sessionKey}, nil)
}

// TakeAuthCall mirrors Origin.TakeAuthCall: it long-polls the origin until
// a call arrives, returning ctx.Err() once ctx ends.
func (c *Client) TakeAuthCall(ctx context.Context) (AuthCall, error) {
	for {
		wait := defaultTakeTimeout
		if d, ok := ctx.Deadline(); ok {
			wait = min(max(time.Until(d), time.Millisecond), maxTakeTimeout)
		}
		var call AuthCall
		err := c.do(ctx, http.MethodPost, "/control/take-auth-call?timeout="+wait.String(), nil, &call)
		switch {
		case err == nil:
			return call, nil
		case ctx.Err() != nil:
			return AuthCall{}, ctx.Err()
		case errors.Is(err, errTakeTimeout):
			continue
		}
		return AuthCall{}, err
	}
}
