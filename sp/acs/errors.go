package acs

import "errors"

// Reason is a machine-readable refusal reason, the value the access log
// stores and reports group by.
type Reason string

// Refusal reasons. Every error Validate returns wraps exactly one of the
// sentinel errors below; ReasonOf recovers its Reason.
const (
	ReasonMalformed           Reason = "malformed"
	ReasonTooLarge            Reason = "too_large"
	ReasonDoctype             Reason = "doctype"
	ReasonUnsigned            Reason = "unsigned"
	ReasonBadSignature        Reason = "bad_signature"
	ReasonBadReference        Reason = "bad_reference"
	ReasonWeakAlgorithm       Reason = "weak_algorithm"
	ReasonIdPStatus           Reason = "idp_status"
	ReasonIssuer              Reason = "issuer"
	ReasonDestination         Reason = "destination"
	ReasonRecipient           Reason = "recipient"
	ReasonAudience            Reason = "audience"
	ReasonSubjectConfirmation Reason = "subject_confirmation"
	ReasonExpired             Reason = "expired"
	ReasonNotYetValid         Reason = "not_yet_valid"
	ReasonAuthnContext        Reason = "authn_context"
	ReasonNotEncrypted        Reason = "not_encrypted"
	ReasonDecryption          Reason = "decryption_failed"
)

// reasonError is a sentinel carrying a Reason.
type reasonError struct{ reason Reason }

func (e *reasonError) Error() string { return string(e.reason) }

// Sentinel errors, one per Reason. Test with errors.Is.
var (
	ErrMalformed           error = &reasonError{ReasonMalformed}
	ErrTooLarge            error = &reasonError{ReasonTooLarge}
	ErrDoctype             error = &reasonError{ReasonDoctype}
	ErrUnsigned            error = &reasonError{ReasonUnsigned}
	ErrBadSignature        error = &reasonError{ReasonBadSignature}
	ErrBadReference        error = &reasonError{ReasonBadReference}
	ErrWeakAlgorithm       error = &reasonError{ReasonWeakAlgorithm}
	ErrIdPStatus           error = &reasonError{ReasonIdPStatus}
	ErrIssuer              error = &reasonError{ReasonIssuer}
	ErrDestination         error = &reasonError{ReasonDestination}
	ErrRecipient           error = &reasonError{ReasonRecipient}
	ErrAudience            error = &reasonError{ReasonAudience}
	ErrSubjectConfirmation error = &reasonError{ReasonSubjectConfirmation}
	ErrExpired             error = &reasonError{ReasonExpired}
	ErrNotYetValid         error = &reasonError{ReasonNotYetValid}
	ErrAuthnContext        error = &reasonError{ReasonAuthnContext}
	ErrNotEncrypted        error = &reasonError{ReasonNotEncrypted}
	ErrDecryption          error = &reasonError{ReasonDecryption}
)

// ReasonOf returns the Reason an error from this package carries, or
// ReasonMalformed for an error that carries none.
func ReasonOf(err error) Reason {
	var re *reasonError
	if errors.As(err, &re) {
		return re.reason
	}
	return ReasonMalformed
}
