package mockidp

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

// The control API, served under /control on the IdP's own handler. It is
// unauthenticated: serve the IdP on loopback (or another trusted network)
// only. Bodies are JSON; errors are {"error": "...", "code": "..."} with
// these codes.
const (
	CodeUnknownServiceProvider = "unknown_service_provider" // 404
	CodeUnknownKey             = "unknown_key"              // 404
	CodeAlreadyExists          = "already_exists"           // 409
	CodeInvalidSpec            = "invalid_spec"             // 400
	CodeInvalid                = "invalid"                  // 400
	CodeBadRequest             = "bad_request"              // 400
	CodeNotFound               = "not_found"                // 404
)

// ArmRequest is the body of POST /control/arm.
type ArmRequest struct {
	SP       string          `json:"sp"`
	Response json.RawMessage `json:"response,omitempty"`
	// Merge applies Response on top of the SP's default spec (only the
	// fields it contains change), as ArmNext does; otherwise Response is the
	// whole spec, as Arm takes it.
	Merge bool `json:"merge,omitempty"`
}

// ArmResult is the answer to POST /control/arm.
type ArmResult struct {
	SP     string `json:"sp"`
	Queued int    `json:"queued"`
}

// SigningKeyRequest is the body of POST /control/signing-key.
type SigningKeyRequest struct {
	Name string `json:"name"`
}

// EncryptionCertificateRequest is the body of POST
// /control/service-providers/encryption-certificate. An empty
// CertificatePEM removes the SP's encryption certificate.
type EncryptionCertificateRequest struct {
	SP             string `json:"sp"`
	CertificatePEM string `json:"certificatePEM"`
}

// EncryptionCertificateResult is the answer: the certificate's subject
// ("" when removed).
type EncryptionCertificateResult struct {
	SP      string `json:"sp"`
	Subject string `json:"subject"`
}

// ErrorBody is the JSON body of every control API error.
type ErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

const (
	defaultTakeTimeout = 10 * time.Second
	maxTakeTimeout     = 5 * time.Minute
	maxControlBody     = 1 << 20
)

func (idp *IdP) controlRoutes(m *http.ServeMux, base string) {
	m.HandleFunc("POST "+base+"/arm", idp.controlArm)
	m.HandleFunc("GET "+base+"/requests/next", idp.controlTakeRequest)
	m.HandleFunc("POST "+base+"/signing-key", idp.controlSigningKey)
	m.HandleFunc("GET "+base+"/state", idp.controlState)
	m.HandleFunc("POST "+base+"/users", idp.controlAddUser)
	m.HandleFunc("POST "+base+"/service-providers", idp.controlAddSP)
	m.HandleFunc("POST "+base+"/service-providers/encryption-certificate", idp.controlEncryptionCertificate)
	m.HandleFunc(base+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no control endpoint %s %s; see the mockidp package documentation", r.Method, r.URL.Path))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Error: msg, Code: code})
}

// writeErr maps the Go API's errors to statuses and codes.
func writeErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrUnknownServiceProvider):
		writeJSONError(w, http.StatusNotFound, CodeUnknownServiceProvider, err.Error())
	case errors.Is(err, ErrUnknownKey):
		writeJSONError(w, http.StatusNotFound, CodeUnknownKey, err.Error())
	case errors.Is(err, ErrAlreadyExists):
		writeJSONError(w, http.StatusConflict, CodeAlreadyExists, err.Error())
	case errors.Is(err, response.ErrInvalidSpec):
		writeJSONError(w, http.StatusBadRequest, CodeInvalidSpec, err.Error())
	case errors.Is(err, ErrInvalid):
		writeJSONError(w, http.StatusBadRequest, CodeInvalid, err.Error())
	default:
		writeJSONError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

// decodeStrict decodes one JSON value from data into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxControlBody)); err != nil {
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, "reading the body: "+err.Error())
		return false
	}
	if err := decodeStrict(buf.Bytes(), v); err != nil {
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, "the body is not the expected JSON: "+err.Error())
		return false
	}
	return true
}

func (idp *IdP) controlArm(w http.ResponseWriter, r *http.Request) {
	var req ArmRequest
	if !readBody(w, r, &req) {
		return
	}
	if req.SP == "" {
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, `"sp" is missing; give the service provider's entity ID`)
		return
	}
	var spec response.Spec
	if req.Merge {
		var err error
		if spec, err = idp.defaultSpec(req.SP); err != nil {
			writeErr(w, err)
			return
		}
	}
	if len(req.Response) > 0 && !bytes.Equal(bytes.TrimSpace(req.Response), []byte("null")) {
		if err := decodeStrict(req.Response, &spec); err != nil {
			writeJSONError(w, http.StatusBadRequest, CodeInvalidSpec, `"response" is not a response spec: `+err.Error())
			return
		}
	}
	if err := idp.Arm(req.SP, spec); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ArmResult{SP: req.SP, Queued: idp.queued(req.SP)})
}

func (idp *IdP) queued(sp string) int {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	if st, ok := idp.sps[sp]; ok {
		return len(st.armed)
	}
	return 0
}

// controlTakeRequest is GET /control/requests/next?sp=ID&timeout=10s: the
// next AuthnRequest as JSON, or 204 No Content when none arrives in time.
func (idp *IdP) controlTakeRequest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sp := q.Get("sp")
	if sp == "" {
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, `the "sp" query parameter is missing; give the service provider's entity ID`)
		return
	}
	timeout := defaultTakeTimeout
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d < 0 || d > maxTakeTimeout {
			writeJSONError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("timeout %q: want a Go duration between 0s and %s, such as 10s", t, maxTakeTimeout))
			return
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	rr, err := idp.TakeRequest(ctx, sp)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, ErrClosed):
		w.WriteHeader(http.StatusNoContent)
	case err != nil:
		writeErr(w, err)
	default:
		writeJSON(w, http.StatusOK, rr)
	}
}

func (idp *IdP) controlSigningKey(w http.ResponseWriter, r *http.Request) {
	var req SigningKeyRequest
	if !readBody(w, r, &req) {
		return
	}
	if err := idp.RotateSigningKey(req.Name); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (idp *IdP) controlState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, idp.State())
}

func (idp *IdP) controlAddUser(w http.ResponseWriter, r *http.Request) {
	var u User
	if !readBody(w, r, &u) {
		return
	}
	if err := idp.AddUser(u); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (idp *IdP) controlAddSP(w http.ResponseWriter, r *http.Request) {
	var sp ServiceProvider
	if !readBody(w, r, &sp) {
		return
	}
	if err := idp.AddServiceProvider(sp); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (idp *IdP) controlEncryptionCertificate(w http.ResponseWriter, r *http.Request) {
	var req EncryptionCertificateRequest
	if !readBody(w, r, &req) {
		return
	}
	if req.SP == "" {
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, `"sp" is missing; give the service provider's entity ID`)
		return
	}
	var cert *x509.Certificate
	if strings.TrimSpace(req.CertificatePEM) != "" {
		var err error
		if cert, err = response.ParseCertificatePEM([]byte(req.CertificatePEM)); err != nil {
			writeJSONError(w, http.StatusBadRequest, CodeInvalid, `"certificatePEM": `+err.Error()+`; send the SP's encryption certificate as PEM, or "" to remove it`)
			return
		}
	}
	if err := idp.SetEncryptionCertificate(req.SP, cert); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, EncryptionCertificateResult{SP: req.SP, Subject: certSubject(cert)})
}
