// Package mockidp is a mock SAML 2.0 identity provider for testing service
// providers. It answers like a real IdP and, on request, like a broken or
// hostile one: every response is built from a [response.Spec], and faults
// are options on it ([response.Expired], [response.WrongAudience],
// [response.Unsigned], [response.SignedBy], ...).
//
// # In a Go test
//
// [Start] starts one on a random 127.0.0.1 port, like httptest.NewServer,
// and closes it when the test ends:
//
//	idp := mockidp.Start(t, mockidp.WithServiceProvider(mockidp.ServiceProvider{
//		EntityID: "https://sp.example.com/metadata",
//		ACSURLs:  []string{"https://sp.example.com/saml/acs"},
//	}))
//	// point the SP at idp.MetadataURL(), then:
//	idp.ArmNext("https://sp.example.com/metadata", response.Expired())
//	// ... drive the browser through SP-initiated sign-on ...
//	req, err := idp.TakeRequest(ctx, "https://sp.example.com/metadata")
//
// [IdP.ArmNext] and [IdP.Arm] queue a spec for the next response to one SP
// only, first in first out; afterwards the SP's default spec applies again.
// [IdP.TakeRequest] returns the AuthnRequests the SP sent, decoded, in
// order of arrival.
//
// # As a server
//
// [LoadConfig] reads a strict YAML config (see testdata/idp.yaml) and [New]
// returns an [*IdP], which is an http.Handler. Keys, users and service
// providers can also be given in Go ([WithKeys], [WithUser],
// [WithServiceProvider]); clock, randomness and logger are injectable
// ([WithClock], [WithRand], [WithLogger]).
//
// # Endpoints
//
// All paths are relative to the config's baseURL.
//
//	GET  /metadata            IdP metadata (a signing KeyDescriptor per published key)
//	GET  /sso                 AuthnRequest by HTTP-Redirect (SAMLRequest, RelayState, SigAlg, Signature)
//	POST /sso                 AuthnRequest by HTTP-POST (SAMLRequest, RelayState)
//	GET  /sso/continue?req=K  the parked request: login page, or the response
//	GET  /login, POST /login  login page; form fields username, password, req
//	GET  /initiate?sp=ID[&acs=URL][&RelayState=V]   IdP-initiated sign-on
//	GET  /logout              ends the IdP session
//	GET  /                    who is signed in; IdP-initiated links per SP
//
// Every received AuthnRequest is parked server-side under a random key and
// the browser is sent (303) to /sso/continue: a cross-site POST does not
// carry the SameSite=Lax session cookie, the same-site GET that follows
// does. The answer is an HTML page whose form (id "saml-post") POSTs
// SAMLResponse and RelayState to the ACS URL, submitted by a small inline
// script, with a visible button when scripts are off. Every page carries
// <meta name="mockidp-page" content="login|saml-post|error|signed-out|home">
// so tests can tell where they are. ForceAuthn asks for a fresh login;
// IsPassive without a session gets a NoPassive status.
//
// # Control API
//
// The same handler serves a JSON control API that mirrors the Go methods:
//
//	POST /control/arm                 {"sp": ID, "response": Spec, "merge": bool}   Arm / ArmNext
//	GET  /control/requests/next?sp=ID&timeout=10s   TakeRequest (204 when none arrives in time)
//	POST /control/signing-key         {"name": KEY}                                 RotateSigningKey
//	GET  /control/state               queued responses and requests per SP          State
//	POST /control/users               User                                          AddUser
//	POST /control/service-providers   ServiceProvider                               AddServiceProvider
//	POST /control/service-providers/encryption-certificate {"sp": ID, "certificatePEM": PEM}   SetEncryptionCertificate
//
// An unknown SP is a 404 whose JSON error names it. Package
// mockidp/control is a typed client. The control API is unauthenticated:
// it is meant for the IdP's own listener on loopback, never for a shared
// network.
//
// The IdP never logs passwords, cookie values or keys.
package mockidp
