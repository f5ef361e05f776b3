// Package store defines the Service Provider's persistence: one Store
// interface, the records it keeps, and the sentinel errors every backend
// returns. Backends live in sub-packages (sqlite); every backend must pass the
// conformance suite in storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap them with detail; callers test with errors.Is.
var (
	// ErrNotFound: no record with that key (or it has expired).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with that key exists (for RememberAssertion: a replay).
	ErrAlreadyExists = errors.New("already exists")
)

// Store is the SP's persistence. Every method takes a context first. Changes
// to existing records go through Update* with a function that receives the
// current value and returns the new one, inside one transaction; that
// function must not call the store (backends may hold their only connection).
//
// Keys are never empty: a lookup by an empty value (FindUsers(g, ""),
// GetGroupByAccountID("")) matches nothing, so a blank attribute can never
// select a user or a group. Case-insensitive comparisons fold ASCII only.
type Store interface {
	// Groups (tenants).
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, id int64) (Group, error)
	GetGroupByName(ctx context.Context, name string) (Group, error)
	// GetGroupByAccountID finds the group whose Unique Account ID (idptoken) is accountID.
	GetGroupByAccountID(ctx context.Context, accountID string) (Group, error)
	ListGroups(ctx context.Context) ([]Group, error)
	UpdateGroup(ctx context.Context, id int64, update func(old Group) (Group, error)) error
	// UpdateGroupAudited is UpdateGroup whose update function also returns
	// the audit entries describing the change; the group and its entries are
	// written in one transaction, so a change is never saved unrecorded.
	UpdateGroupAudited(ctx context.Context, id int64, update func(old Group) (Group, []AuditEntry, error)) error

	// Users. A user is keyed by its Glance Address, unique across groups.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, glanceAddress string) (User, error)
	ListUsers(ctx context.Context, groupID int64) ([]User, error)
	// FindUsers returns the users of the group whose Email or Glance Address
	// equals value case-insensitively, or whose Partner User ID equals value
	// exactly. No match is an empty slice, not an error.
	FindUsers(ctx context.Context, groupID int64, value string) ([]User, error)
	UpdateUser(ctx context.Context, glanceAddress string, update func(old User) (User, error)) error

	// Outstanding AuthnRequests, kept server-side with the target they lead to.
	CreatePendingRequest(ctx context.Context, r PendingRequest) error
	// TakePendingRequest returns and deletes the request with that ID for
	// that group; ErrNotFound when absent, for another group, or expired at now.
	TakePendingRequest(ctx context.Context, groupID int64, id string, now time.Time) (PendingRequest, error)
	// GetPendingRequestByRelayState returns (without consuming) the request
	// whose RelayState handle is handle; ErrNotFound when absent or expired at now.
	GetPendingRequestByRelayState(ctx context.Context, handle string, now time.Time) (PendingRequest, error)

	// RememberAssertion records an assertion ID until expires; ErrAlreadyExists
	// when the same (group, ID) is already remembered and not expired.
	RememberAssertion(ctx context.Context, groupID int64, assertionID string, expires time.Time, now time.Time) error

	// Sessions, keyed by a hash of the cookie value (never the value itself).
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns ErrNotFound when absent or expired at now.
	GetSession(ctx context.Context, id string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, id string) error

	// The SP's own key pairs per group: they decrypt assertions and are
	// published in the group's SP metadata. CreateSPKey refuses a second
	// key with the same ID in the group (ErrAlreadyExists) or a group that
	// does not exist (ErrNotFound).
	CreateSPKey(ctx context.Context, k SPKey) error
	// ListSPKeys returns the group's keys, oldest first.
	ListSPKeys(ctx context.Context, groupID int64) ([]SPKey, error)
	UpdateSPKey(ctx context.Context, groupID int64, id string, update func(old SPKey) (SPKey, error)) error
	DeleteSPKey(ctx context.Context, groupID int64, id string) error

	// Access log of sign-on attempts. AppendAccessLog assigns e.ID.
	AppendAccessLog(ctx context.Context, e *AccessLogEntry) error
	// ListAccessLog returns entries newest first.
	ListAccessLog(ctx context.Context, q AccessLogQuery) ([]AccessLogEntry, error)

	// Audit trail of settings changes. AppendAudit refuses an entry without
	// Actor or Field.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns the group's entries (every group's when groupID is
	// 0), newest first; limit 0 means a backend default of 100, negative is
	// an error.
	ListAudit(ctx context.Context, groupID int64, limit int) ([]AuditEntry, error)

	// DeleteExpired removes pending requests, remembered assertions and
	// sessions that expired at or before now, and returns how many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)

	Close() error
}

// Group is a tenant: the Glance group (PartnerId) that owns users and SSO settings.
type Group struct {
	ID        int64  // Group ID, the Glance PartnerId; > 0
	Name      string // unique, selects the group with idpname=
	AccountID string // Unique Account ID (idptoken); unique when not empty
	SSO       SSOSettings
}

// SSOSettings is a group's SAML configuration. Backends store it whole; its
// validation lives with the code that accepts it (sp/config).
type SSOSettings struct {
	Method      SSOMethod         `json:"method"`
	Description string            `json:"description,omitempty"`
	Status      OperationalStatus `json:"status"`

	// The identity provider.
	IdPEntityID     string   `json:"idpEntityID"`
	IdPSSOURL       string   `json:"idpSSOURL"`
	IdPBinding      Binding  `json:"idpBinding"`
	IdPCertificates []string `json:"idpCertificates"` // PEM, primary first

	// This SP as the group presents it.
	EntityID             string       `json:"entityID"`
	IdentityAttribute    string       `json:"identityAttribute,omitempty"`
	NameIDPolicy         NameIDPolicy `json:"nameIDPolicy"`
	AllowIdPInitiated    bool         `json:"allowIdPInitiated"`
	IdPInitiatedRedirect string       `json:"idpInitiatedRedirect,omitempty"`

	// Authentication context: an empty class means no RequestedAuthnContext
	// is sent (what most IdPs prefer); with a class, the response's
	// AuthnContextClassRef must satisfy it under the comparison.
	AuthnContextClassRef   string `json:"authnContextClassRef,omitempty"`
	AuthnContextComparison string `json:"authnContextComparison,omitempty"` // exact (default), minimum, maximum, better

	// ACSParameterStyle: query (group id on the ACS URL) or relaystate
	// (bare ACS; the group and target travel behind RelayState).
	ACSParameterStyle ACSParameterStyle `json:"acsParameterStyle,omitempty"`

	// IdPMetadataURL, when set, is fetched on save and refreshed on a
	// schedule; it fills the IdP entity ID, endpoint and certificates.
	IdPMetadataURL string `json:"idpMetadataURL,omitempty"`

	// Validation bounds.
	ClockSkewSeconds int  `json:"clockSkewSeconds"`
	MaxResponseBytes int  `json:"maxResponseBytes"`
	AllowSHA1        bool `json:"allowSHA1"`
	// AllowPKCS1v15 accepts RSA PKCS#1 v1.5 key transport for encrypted
	// assertions (RSA-OAEP is always accepted).
	AllowPKCS1v15 bool `json:"allowPKCS1v15"`
}

// SSOMethod is the group's Single Sign-On Method.
type SSOMethod string

const (
	MethodOff            SSOMethod = "off"
	MethodSAML2          SSOMethod = "saml2"
	MethodSAML2Encrypted SSOMethod = "saml2-encrypted"
)

// OperationalStatus decides how much the access log keeps.
type OperationalStatus string

const (
	StatusProvisioning OperationalStatus = "provisioning"
	StatusProduction   OperationalStatus = "production"
)

// Binding is how the SP sends the AuthnRequest to the IdP.
type Binding string

const (
	BindingRedirect Binding = "redirect"
	BindingPOST     Binding = "post"
)

// ACSParameterStyle says how the ACS URL carries the group and target.
type ACSParameterStyle string

const (
	ACSStyleQuery      ACSParameterStyle = "query"
	ACSStyleRelayState ACSParameterStyle = "relaystate"
)

// NameIDPolicy is the NameID format the SP asks for.
type NameIDPolicy string

const (
	NameIDEmail       NameIDPolicy = "email"
	NameIDUnspecified NameIDPolicy = "unspecified"
	NameIDPersistent  NameIDPolicy = "persistent"
	NameIDTransient   NameIDPolicy = "transient"
)

// User is a subscriber of a group.
type User struct {
	GlanceAddress string // e.g. doe.john.example.glance.net; unique
	GroupID       int64
	PartnerUserID string // PUID; unique within the group when not empty
	Email         string
	FirstName     string
	LastName      string
	Phone         string
	Role          string
	Status        UserStatus
}

// UserStatus says whether a user may sign in.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserPending  UserStatus = "pending"
	UserDisabled UserStatus = "disabled"
)

// PendingRequest is an AuthnRequest this SP issued and has not yet seen answered.
type PendingRequest struct {
	ID         string // the AuthnRequest ID (InResponseTo of the answer)
	GroupID    int64
	RelayState string // opaque handle sent as RelayState; unique
	Target     string // path on this SP to land on after sign-on
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Session is a signed-in browser. ID is a hash of the GSSNID cookie value.
type Session struct {
	ID            string
	GroupID       int64
	GlanceAddress string
	NameID        string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// SPKey is one of the SP's own key pairs for a group. The private key is
// test-harness material kept in the store as PEM; it never leaves the SP.
type SPKey struct {
	ID             string // the certificate's fingerprint
	GroupID        int64
	State          SPKeyState
	CertificatePEM string
	PrivateKeyPEM  string
	CreatedAt      time.Time
}

// SPKeyState says what a key is for. Both are published and used to decrypt.
type SPKeyState string

const (
	SPKeyCurrent SPKeyState = "current"
	SPKeyNext    SPKeyState = "next"
)

// Outcome of a sign-on attempt.
type Outcome string

const (
	OutcomeSuccess Outcome = "success"
	OutcomeRefused Outcome = "refused"
)

// AccessLogEntry records one sign-on attempt. It never holds secrets.
type AccessLogEntry struct {
	ID            int64
	Time          time.Time
	GroupID       int64 // 0 when the group could not be told
	Outcome       Outcome
	Reason        string // machine-readable: ok, bad_signature, expired, audience, ...
	Detail        string // human-readable explanation
	CorrelationID string // shown to the browser with a refusal
	Issuer        string
	NameID        string
	GlanceAddress string // the user signed in, when known
	// Provisioning detail; empty in Production.
	NameIDFormat       string              `json:",omitempty"`
	SignatureAlgorithm string              `json:",omitempty"`
	VerifiedBy         string              `json:",omitempty"` // which configured key verified
	Attributes         map[string][]string `json:",omitempty"`
}

// AuditEntry records one changed field of a group's settings, or one change
// to its SP keys. It never holds secrets: certificates are recorded by
// fingerprint, private keys not at all.
type AuditEntry struct {
	ID      int64 // assigned by the store
	Time    time.Time
	GroupID int64
	Actor   string // "admin" (the admin password) or the Glance Address of an SSO admin
	Field   string // JSON name of the setting, e.g. sso.idpSSOURL, or spKeys
	Old     string
	New     string
}

// AccessLogQuery selects access-log entries. Zero values select everything.
type AccessLogQuery struct {
	GroupID int64   // 0: all groups
	Outcome Outcome // "": any
	Limit   int     // 0: a backend default of 100
}
