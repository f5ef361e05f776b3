package mockidp

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/mockidp/response"
)

const maxFormBytes = 1 << 20

func (idp *IdP) routes() {
	m := http.NewServeMux()
	p := idp.prefix
	m.HandleFunc("GET "+p+"/{$}", idp.handleHome)
	m.HandleFunc("GET "+p+"/metadata", idp.handleMetadata)
	m.HandleFunc("GET "+p+"/sso", idp.handleSSO)
	m.HandleFunc("POST "+p+"/sso", idp.handleSSO)
	m.HandleFunc("GET "+p+"/sso/continue", idp.handleContinue)
	m.HandleFunc("GET "+p+"/login", idp.handleLoginPage)
	m.HandleFunc("POST "+p+"/login", idp.handleLogin)
	m.HandleFunc("GET "+p+"/initiate", idp.handleInitiate)
	m.HandleFunc("GET "+p+"/logout", idp.handleLogout)
	m.HandleFunc("POST "+p+"/logout", idp.handleLogout)
	idp.controlRoutes(m, p+"/control")
	idp.mux = m
}

// ServeHTTP serves the IdP's browser endpoints, metadata and control API.
func (idp *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	idp.mux.ServeHTTP(w, r)
}

func (idp *IdP) url(path string) string { return idp.prefix + path }

func (idp *IdP) handleMetadata(w http.ResponseWriter, r *http.Request) {
	b, err := xml.MarshalIndent(idp.Metadata(), "", "  ")
	if err != nil {
		idp.log.Error("marshalling metadata failed", "err", err)
		http.Error(w, "mock IdP: marshalling metadata failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// handleSSO receives an AuthnRequest by HTTP-Redirect (GET) or HTTP-POST,
// records it for TakeRequest, checks it, and parks it under a random key.
// The 303 to /sso/continue turns a cross-site POST (which carries no
// SameSite=Lax cookie) into a same-site GET that does.
func (idp *IdP) handleSSO(w http.ResponseWriter, r *http.Request) {
	binding := saml.HTTPRedirectBinding
	var params url.Values
	if r.Method == http.MethodPost {
		binding = saml.HTTPPostBinding
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			idp.renderError(w, http.StatusBadRequest, "Bad request", "The form could not be read: "+err.Error(), "")
			return
		}
		params = r.PostForm
	} else {
		params = r.URL.Query()
	}
	data, err := decodeSAMLRequest(params.Get("SAMLRequest"), binding)
	if err != nil {
		idp.log.Info("undecodable SAMLRequest", "binding", binding, "err", err)
		idp.renderError(w, http.StatusBadRequest, "Bad SAML request", err.Error(), "")
		return
	}
	rr, err := parseAuthnRequest(data)
	if err != nil {
		idp.log.Info("unparsable AuthnRequest", "binding", binding, "err", err)
		idp.renderError(w, http.StatusBadRequest, "Bad SAML request", err.Error(), "")
		return
	}
	rr.Binding = binding
	rr.RelayState = params.Get("RelayState")
	rr.SigAlg = params.Get("SigAlg")
	if binding == saml.HTTPRedirectBinding {
		rr.Signed = params.Get("Signature") != ""
	}
	rr.ReceivedAt = idp.now()

	idp.mu.Lock()
	st, err := idp.spLocked(rr.Issuer)
	if err != nil {
		idp.mu.Unlock()
		idp.log.Info("AuthnRequest from an unknown service provider", "issuer", rr.Issuer, "id", rr.ID, "binding", binding)
		msg := "The AuthnRequest's Issuer " + quote(rr.Issuer) + " is not a service provider this IdP knows."
		if rr.Issuer == "" {
			msg = "The AuthnRequest has no Issuer, so the IdP cannot tell which service provider sent it."
		}
		idp.renderError(w, http.StatusBadRequest, "Unknown service provider", msg,
			"Register the SP's entity ID under serviceProviders in the IdP config (or with AddServiceProvider).")
		return
	}
	acs, refusal := checkRequest(rr, st.cfg)
	rr.Rejected = refusal
	idp.recordLocked(st, rr)
	idp.mu.Unlock()
	idp.log.Info("AuthnRequest received", "sp", rr.Issuer, "id", rr.ID, "binding", binding, "acs", acs, "forceAuthn", rr.ForceAuthn, "isPassive", rr.IsPassive, "rejected", refusal)
	if refusal != "" {
		idp.renderError(w, http.StatusBadRequest, "Request refused", refusal, "")
		return
	}
	idp.park(w, r, &pendingRequest{
		sp: rr.Issuer, acsURL: acs, requestID: rr.ID, relayState: rr.RelayState,
		forceAuthn: rr.ForceAuthn, isPassive: rr.IsPassive,
	})
}

func quote(s string) string { return `"` + s + `"` }

// park stores p under a random key and redirects to /sso/continue.
func (idp *IdP) park(w http.ResponseWriter, r *http.Request, p *pendingRequest) {
	key, err := idp.token()
	if err != nil {
		idp.renderError(w, http.StatusInternalServerError, "Internal error", err.Error(), "")
		return
	}
	now := idp.now()
	p.expires = now.Add(pendingLifetime)
	idp.mu.Lock()
	for k, old := range idp.pending {
		if !now.Before(old.expires) {
			delete(idp.pending, k)
		}
	}
	full := len(idp.pending) >= maxPending
	if !full {
		idp.pending[key] = p
	}
	idp.mu.Unlock()
	if full {
		idp.renderError(w, http.StatusServiceUnavailable, "Too many sign-ons in progress",
			"The mock IdP holds at most 10000 unfinished sign-ons; finish or let some expire (15 minutes).", "")
		return
	}
	http.Redirect(w, r, idp.url("/sso/continue?req="+url.QueryEscape(key)), http.StatusSeeOther)
}

// pendingFor returns a copy of the unexpired pending request stored under
// key; with claim it also removes it, so that only one response answers it.
func (idp *IdP) pendingFor(key string, claim bool) (pendingRequest, bool) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	p, ok := idp.pending[key]
	if !ok {
		return pendingRequest{}, false
	}
	if claim || !idp.now().Before(p.expires) {
		delete(idp.pending, key)
	}
	if !idp.now().Before(p.expires) {
		return pendingRequest{}, false
	}
	return *p, true
}

func (idp *IdP) renderUnknownPending(w http.ResponseWriter) {
	idp.renderError(w, http.StatusBadRequest, "Sign-on not found",
		"This sign-on request is unknown, already answered or expired (after 15 minutes).",
		"Start again at the service provider.")
}

// handleContinue answers a parked request: the response when the browser
// has an IdP session (and ForceAuthn is satisfied), else the login page.
func (idp *IdP) handleContinue(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("req")
	p, ok := idp.pendingFor(key, false)
	if !ok {
		idp.renderUnknownPending(w)
		return
	}
	user := idp.sessionUser(r)
	if p.loggedIn != "" {
		user = p.loggedIn
	}
	needLogin := user == "" || (p.forceAuthn && p.loggedIn == "")
	if needLogin && p.isPassive {
		// SAML core §3.4.1: IsPassive forbids interaction; answer NoPassive.
		spec, err := idp.defaultSpec(p.sp)
		if err != nil {
			idp.renderError(w, http.StatusBadRequest, "Unknown service provider", err.Error(), "")
			return
		}
		response.Apply(&spec, response.WithStatus(response.StatusResponder, response.StatusNoPassive, "passive authentication is impossible: no IdP session"))
		idp.respond(w, key, user, &spec)
		return
	}
	if needLogin {
		idp.renderLogin(w, http.StatusOK, key, p.sp, "", "")
		return
	}
	idp.respond(w, key, user, nil)
}

// respond claims the pending request under key, issues its response (for
// user, or without a subject when user is "") and renders the auto-POST
// form.
func (idp *IdP) respond(w http.ResponseWriter, key string, user string, override *response.Spec) {
	p, ok := idp.pendingFor(key, true)
	if !ok {
		idp.renderUnknownPending(w)
		return
	}
	var (
		res  response.Result
		spec response.Spec
		err  error
	)
	if user == "" {
		if override != nil {
			spec = *override
		}
		res, err = idp.issueAnonymous(p, override)
	} else {
		res, spec, err = idp.issue(p, user, override)
	}
	if err != nil {
		idp.renderError(w, http.StatusInternalServerError, "Could not build the response", err.Error(),
			"Check the armed or default response spec for this service provider.")
		return
	}
	relayState := p.relayState
	if spec.DropRelayState {
		relayState = "" // the form then has no RelayState input at all
	}
	idp.render(w, http.StatusOK, pageData{
		Page: PageSAMLPost, Title: "Signing you in", ACS: p.acsURL, Username: user,
		SAMLResponse: base64.StdEncoding.EncodeToString(res.XML), RelayState: relayState,
	})
}

// issueAnonymous builds a response without a subject (a failure status).
func (idp *IdP) issueAnonymous(p pendingRequest, spec *response.Spec) (response.Result, error) {
	idp.mu.Lock()
	keys := make([]response.Key, len(idp.keys))
	for i, k := range idp.keys {
		keys[i] = k.Key
	}
	current := idp.current
	idp.mu.Unlock()
	res, err := response.BuildResult(response.Input{
		Spec: *spec, IdPEntityID: idp.entityID, SPEntityID: p.sp, ACSURL: p.acsURL, RequestID: p.requestID,
		Keys: keys, SigningKey: current, Now: idp.now(), Rand: idp.rand,
	})
	if err == nil {
		idp.log.Info("response issued", "sp", p.sp, "inResponseTo", p.requestID, "responseID", res.ResponseID, "status", spec.StatusCode, "sub", spec.SubStatusCode)
	}
	return res, err
}

func (idp *IdP) renderLogin(w http.ResponseWriter, status int, key, sp, username, errMsg string) {
	idp.mu.Lock()
	users := make([]User, 0, len(idp.userList))
	for _, u := range idp.userList {
		users = append(users, idp.users[u])
	}
	idp.mu.Unlock()
	idp.render(w, status, pageData{
		Page: PageLogin, Title: "Sign in", SP: sp, Req: key, Username: username, Error: errMsg,
		LoginURL: idp.url("/login"), Users: users,
	})
}

func (idp *IdP) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("req")
	sp := ""
	if key != "" {
		p, ok := idp.pendingFor(key, false)
		if !ok {
			idp.renderUnknownPending(w)
			return
		}
		sp = p.sp
	}
	idp.renderLogin(w, http.StatusOK, key, sp, "", "")
}

// handleLogin checks the credentials, starts an IdP session and continues
// the pending request (or goes home when there is none).
func (idp *IdP) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		idp.renderError(w, http.StatusBadRequest, "Bad request", "The login form could not be read: "+err.Error(), "")
		return
	}
	username, password, key := r.PostForm.Get("username"), r.PostForm.Get("password"), r.PostForm.Get("req")
	sp := ""
	if key != "" {
		p, ok := idp.pendingFor(key, false)
		if !ok {
			idp.renderUnknownPending(w)
			return
		}
		sp = p.sp
	}
	idp.mu.Lock()
	u, known := idp.users[username]
	idp.mu.Unlock()
	// Compare even for unknown users so both failures take the same path.
	ok := subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1 && known && password != ""
	if !ok {
		idp.log.Info("login failed", "username", username, "sp", sp)
		idp.renderLogin(w, http.StatusUnauthorized, key, sp, username, "Wrong username or password.")
		return
	}
	token, err := idp.token()
	if err != nil {
		idp.renderError(w, http.StatusInternalServerError, "Internal error", err.Error(), "")
		return
	}
	now := idp.now()
	idp.mu.Lock()
	if c, err := r.Cookie(idp.cookieName); err == nil {
		delete(idp.sessions, c.Value) // never keep a session id across a login
	}
	for k, s := range idp.sessions {
		if !now.Before(s.expires) {
			delete(idp.sessions, k)
		}
	}
	idp.sessions[token] = session{username: username, expires: now.Add(sessionLifetime)}
	if p, ok := idp.pending[key]; ok && key != "" {
		p.loggedIn = username // satisfies this request's ForceAuthn
	}
	idp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: idp.cookieName, Value: token, Path: idp.cookiePath(), HttpOnly: true, Secure: idp.secure,
		SameSite: http.SameSiteLaxMode, Expires: now.Add(sessionLifetime),
	})
	idp.log.Info("login", "username", username, "sp", sp)
	if key == "" {
		http.Redirect(w, r, idp.url("/"), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, idp.url("/sso/continue?req="+url.QueryEscape(key)), http.StatusSeeOther)
}

func (idp *IdP) cookiePath() string {
	if idp.prefix == "" {
		return "/"
	}
	return idp.prefix + "/"
}

// sessionUser returns the user of the request's IdP session, or "".
func (idp *IdP) sessionUser(r *http.Request) string {
	c, err := r.Cookie(idp.cookieName)
	if err != nil || c.Value == "" {
		return ""
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	s, ok := idp.sessions[c.Value]
	if !ok {
		return ""
	}
	if !idp.now().Before(s.expires) {
		delete(idp.sessions, c.Value)
		return ""
	}
	if _, ok := idp.users[s.username]; !ok {
		return ""
	}
	return s.username
}

// handleInitiate starts IdP-initiated sign-on: GET
// /initiate?sp=ENTITYID[&acs=URL][&RelayState=...].
func (idp *IdP) handleInitiate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	spID, acs := q.Get("sp"), q.Get("acs")
	if spID == "" {
		idp.renderError(w, http.StatusBadRequest, "Missing service provider", "The sp parameter is missing.",
			"Use /initiate?sp=<entity ID>[&acs=<one of its ACS URLs>][&RelayState=<value>].")
		return
	}
	idp.mu.Lock()
	st, err := idp.spLocked(spID)
	var acsURLs []string
	if err == nil {
		acsURLs = slices.Clone(st.cfg.ACSURLs)
	}
	idp.mu.Unlock()
	if err != nil {
		idp.renderError(w, http.StatusBadRequest, "Unknown service provider", "No service provider has the entity ID "+quote(spID)+".",
			"Register it under serviceProviders in the IdP config (or with AddServiceProvider).")
		return
	}
	if acs == "" {
		acs = acsURLs[0]
	} else if !slices.Contains(acsURLs, acs) {
		idp.renderError(w, http.StatusBadRequest, "ACS URL not registered",
			"The ACS URL "+quote(acs)+" is not registered for "+spID+".", "Registered: "+joinList(acsURLs))
		return
	}
	idp.log.Info("IdP-initiated sign-on", "sp", spID, "acs", acs)
	idp.park(w, r, &pendingRequest{sp: spID, acsURL: acs, relayState: q.Get("RelayState")})
}

func joinList(s []string) string { return strings.Join(s, ", ") }

// handleLogout ends the IdP session.
func (idp *IdP) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(idp.cookieName); err == nil {
		idp.mu.Lock()
		s, ok := idp.sessions[c.Value]
		delete(idp.sessions, c.Value)
		idp.mu.Unlock()
		if ok {
			idp.log.Info("logout", "username", s.username)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: idp.cookieName, Value: "", Path: idp.cookiePath(), HttpOnly: true, Secure: idp.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0),
	})
	idp.render(w, http.StatusOK, pageData{Page: PageSignedOut, Title: "Signed out", HomeURL: idp.url("/")})
}

func (idp *IdP) handleHome(w http.ResponseWriter, r *http.Request) {
	user := idp.sessionUser(r)
	idp.mu.Lock()
	sps := make([]homeSP, 0, len(idp.spList))
	for _, id := range idp.spList {
		h := homeSP{EntityID: id}
		for _, a := range idp.sps[id].cfg.ACSURLs {
			h.Links = append(h.Links, struct{ ACS, URL string }{a, idp.url("/initiate?" + url.Values{"sp": {id}, "acs": {a}}.Encode())})
		}
		sps = append(sps, h)
	}
	idp.mu.Unlock()
	idp.render(w, http.StatusOK, pageData{
		Page: PageHome, Title: "Home", Username: user, SPs: sps,
		LoginURL: idp.url("/login"), LogoutURL: idp.url("/logout"), MetadataURL: idp.MetadataURL(),
	})
}
