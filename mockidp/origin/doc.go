// Package origin is a mock "originating system" for Channeltivity-style
// Incoming SSO (PROTOCOLS.md §4, seed 004): the customer's own web
// application, whose signed-in users follow links to our Service Provider's
// portal carrying ?email=<email>&session=<session key>, and whose
// authentication web service the SP then calls to ask whether that session
// key is valid for that email.
//
// An [Origin] is an [net/http.Handler] serving
//
//	GET  /                  home: portal links with email and session appended, or a login link
//	GET  /login, POST /login sign in (form fields email, password, next)
//	GET  /logout            end the session (its key then answers false, reason "logged out")
//	GET  /jump              where the SP sends users without a valid session (?reason=N&target=URL)
//	POST /auth/json         AuthenticateUser over REST JSON
//	POST /auth/xml          AuthenticateUser over REST XML
//	POST /auth/soap         AuthenticateUser over SOAP 1.1; GET /auth/soap?wsdl serves the WSDL
//	/control/...            the HTTP mirror of the misbehaviour controls (see [Client])
//
// The operation is AuthenticateUser(email, sessionKey) → boolean: true only
// when the session key exists, has not expired or been ended, and belongs to
// that email (compared case-insensitively). The wire shapes are our design,
// since Channeltivity publishes its WSDL only to customers:
//
//	REST JSON request:  {"email": "ada@example.com", "sessionKey": "..."}
//	REST JSON answer:   true            (Content-Type: application/json; charset=utf-8, no quotes)
//	REST XML request:   <AuthenticateUser><email>ada@example.com</email><sessionKey>...</sessionKey></AuthenticateUser>
//	REST XML answer:    <boolean>true</boolean>     (Content-Type: application/xml; charset=utf-8)
//	SOAP 1.1 request:   SOAPAction: "AuthenticateUser"; document/literal body
//	                    <AuthenticateUser xmlns="urn:ssoharness:origin"><email/><sessionKey/></AuthenticateUser>
//	SOAP 1.1 answer:    <AuthenticateUserResponse xmlns="urn:ssoharness:origin">
//	                      <AuthenticateUserResult>true</AuthenticateUserResult></AuthenticateUserResponse>
//
// Request bodies are bounded to [MaxBodyBytes] (413 beyond it) and parsed
// strictly: a malformed body gets 400 with a message saying what is wrong (a
// SOAP Fault with faultcode soap:Client on the SOAP endpoint).
//
// For tests the origin misbehaves on demand: [Origin.SetAnswer] switches
// between honest, always-true, always-false, error-500 and malformed answers;
// [Origin.ExpireSession] and [Origin.IssueSession] manipulate sessions without
// the browser; [Origin.TakeAuthCall] hands a test each web-service call as it
// arrives, so it can assert what the SP sent. [Start] runs an origin on a
// random loopback port for the duration of a test, like httptest.
//
// Time and randomness are injected ([WithClock], [WithRand]); the origin logs
// with log/slog and never logs passwords or session keys (only a short hash
// of a key, as session_ref, for correlation).
package origin
