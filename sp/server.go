// Package sp is the multi-tenant Service Provider's HTTP layer: SP metadata
// per group, SP-initiated sign-on from protected agent pages, the Assertion
// Consumer Service, the session cookie GSSNID, /whoami, and the admin access
// log (HTML and JSON). Handlers parse and render; the sign-on rules live in
// sp/signon and sp/acs, persistence in sp/store.
package sp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ssoharness/ssoharness/sp/idpmetadata"
	"github.com/ssoharness/ssoharness/sp/signon"
	"github.com/ssoharness/ssoharness/sp/spkeys"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Cookie names. Every server of the harness has its own, because browsers
// share cookies on 127.0.0.1 across ports.
const (
	SessionCookie = "GSSNID"
	AdminCookie   = "GSSADMIN"
	// maxFormBytes bounds an ACS POST body (the response bound is per group
	// and checked again after decoding).
	maxFormBytes = 6 << 20
	adminTTL     = 8 * time.Hour
)

// Server serves the SP. Build it with New.
type Server struct {
	signon        *signon.Service
	store         store.Store
	logger        *slog.Logger
	now           func() time.Time
	adminPassword string
	mux           *http.ServeMux
	// httpClient fetches IdP metadata URLs.
	httpClient *http.Client

	adminMu       sync.Mutex
	adminSessions map[string]time.Time
	// csrfKey keys the admin forms' CSRF tokens; new with every process.
	csrfKey []byte
}

// Options configure a Server.
type Options struct {
	Store   store.Store
	BaseURL string
	// AdminPassword enables the admin pages and API; empty disables them.
	AdminPassword string
	SessionTTL    time.Duration
	Now           func() time.Time
	Rand          io.Reader
	Logger        *slog.Logger
	// HTTPClient fetches IdP metadata URLs when an admin saves one; nil is
	// a client with a 15 s timeout.
	HTTPClient *http.Client
}

// New builds a Server.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = idpmetadata.NewHTTPClient()
	}
	s := &Server{
		signon: &signon.Service{
			Store: o.Store, BaseURL: o.BaseURL, Now: o.Now, Rand: o.Rand,
			Logger: o.Logger, SessionTTL: o.SessionTTL,
			Keys: &spkeys.Manager{Store: o.Store, Now: o.Now, Rand: o.Rand},
		},
		store:         o.Store,
		logger:        o.Logger,
		now:           o.Now,
		adminPassword: o.AdminPassword,
		httpClient:    o.HTTPClient,
		adminSessions: map[string]time.Time{},
		csrfKey:       make([]byte, 32),
	}
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(s.csrfKey)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /saml/metadata", s.metadata)
	mux.HandleFunc("GET /saml/login", s.login)
	mux.HandleFunc("POST "+signon.ACSPath, s.acs)
	mux.HandleFunc("GET "+signon.ACSPath, s.acsGet)
	mux.HandleFunc("GET /agentjoin/{page}", s.agentPage)
	mux.HandleFunc("GET /whoami", s.whoami)
	mux.HandleFunc("GET /logout", s.logout)
	mux.HandleFunc("GET /admin/login", s.adminLoginForm)
	mux.HandleFunc("POST /admin/login", s.adminLogin)
	mux.HandleFunc("GET /admin/accesslog", s.accessLogPage)
	mux.HandleFunc("GET /admin/api/accesslog", s.accessLogJSON)
	mux.HandleFunc("GET /admin/api/groups/{id}", s.groupSettingsGetJSON)
	mux.HandleFunc("PUT /admin/api/groups/{id}", s.groupSettingsPutJSON)
	mux.HandleFunc("POST /admin/api/groups/{id}/idp-metadata", s.idpMetadataPostJSON)
	mux.HandleFunc("GET /admin/api/groups/{id}/audit", s.groupAuditJSON)
	mux.HandleFunc("GET /admin/api/groups/{id}/sp-keys", s.spKeysGetJSON)
	mux.HandleFunc("POST /admin/api/groups/{id}/sp-keys", s.spKeysAddJSON)
	mux.HandleFunc("DELETE /admin/api/groups/{id}/sp-keys/{keyID}", s.spKeyRetireJSON)
	mux.HandleFunc("GET /admin/groups/{id}/sso", s.ssoSettingsPage)
	mux.HandleFunc("POST /admin/groups/{id}/sso", s.ssoSettingsSave)
	mux.HandleFunc("POST /admin/groups/{id}/sp-keys", s.spKeysAddForm)
	mux.HandleFunc("POST /admin/groups/{id}/sp-keys/{keyID}/retire", s.spKeyRetireForm)
	s.mux = mux
	return s
}

// SignOn exposes the sign-on service (the harness reads URLs from it).
func (s *Server) SignOn() *signon.Service { return s.signon }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

// groupFromQuery selects a group by idpid, idpname or idptoken.
func (s *Server) groupFromQuery(ctx context.Context, q url.Values) (store.Group, error) {
	switch {
	case q.Get("idpid") != "":
		id, err := strconv.ParseInt(q.Get("idpid"), 10, 64)
		if err != nil {
			return store.Group{}, fmt.Errorf("idpid %q is not a group number: %w", q.Get("idpid"), store.ErrNotFound)
		}
		return s.store.GetGroup(ctx, id)
	case q.Get("idpname") != "":
		return s.store.GetGroupByName(ctx, q.Get("idpname"))
	case q.Get("idptoken") != "":
		return s.store.GetGroupByAccountID(ctx, q.Get("idptoken"))
	}
	return store.Group{}, errNoGroupSelected
}

var errNoGroupSelected = errors.New("no group selected: add idpid, idpname or idptoken to the URL")

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	groups, err := s.store.ListGroups(r.Context())
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "The account list is unavailable.", err)
		return
	}
	administered := map[int64]bool{}
	if a, ok := s.adminAccessOf(r); ok {
		for _, g := range groups {
			administered[g.ID] = a.mayAdminister(g.ID)
		}
	}
	render(w, http.StatusOK, homePage, map[string]any{"Groups": groups, "Administered": administered})
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	g, err := s.groupFromQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.groupError(w, err)
		return
	}
	md, err := s.signon.Metadata(r.Context(), g)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "Metadata is unavailable.", err)
		return
	}
	buf, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "Metadata is unavailable.", err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="sp-metadata-%d.xml"`, g.ID))
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(buf)
}

// login starts SP-initiated sign-on: /saml/login?idpid=..&target=/path.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	g, err := s.groupFromQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.groupError(w, err)
		return
	}
	s.begin(w, r, g, r.URL.Query().Get("target"))
}

func (s *Server) begin(w http.ResponseWriter, r *http.Request, g store.Group, target string) {
	if g.SSO.Method == store.MethodOff || g.SSO.Method == "" {
		render(w, http.StatusForbidden, refusalPage, refusalData{Title: "Single sign-on is off", Message: "Single sign-on is turned off for this account.", Reason: signon.ReasonSSOOff})
		return
	}
	start, err := s.signon.Begin(r.Context(), g, target)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "Sign-on could not start.", err)
		return
	}
	if start.RedirectURL != "" {
		http.Redirect(w, r, start.RedirectURL, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(postPage(start.PostForm))
}

func (s *Server) acsGet(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusMethodNotAllowed, refusalPage, refusalData{Title: "Wrong method", Message: "The Assertion Consumer Service accepts the SAML HTTP-POST binding only.", Reason: "method"})
}

// acs is the Assertion Consumer Service (HTTP-POST binding).
func (s *Server) acs(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	formErr := r.ParseForm()
	// The group: idpid on a query-style ACS URL, else the RelayState
	// handle of a relaystate-style group's request.
	id, err := s.signon.ACSGroupID(r.Context(), r.URL.Query(), r.PostForm.Get("RelayState"))
	var g store.Group
	if err == nil {
		g, err = s.store.GetGroup(r.Context(), id)
	}
	if errors.Is(err, signon.ErrNoGroup) {
		// Logged without a group (0): the response names none we can tell.
		out := s.signon.Reject(r.Context(), store.Group{}, "no_group", "This sign-on response does not say which account it is for.", err.Error())
		render(w, http.StatusBadRequest, refusalPage, refusalData{Title: "Which account?", Message: out.Message, Reason: out.Reason, CorrelationID: out.CorrelationID})
		return
	}
	if err != nil {
		s.groupError(w, err)
		return
	}
	if err := formErr; err != nil {
		out := s.signon.Reject(r.Context(), g, "too_large", "The sign-on response could not be read.", fmt.Sprintf("ACS form unreadable or over %d bytes: %v", maxFormBytes, err))
		render(w, http.StatusRequestEntityTooLarge, refusalPage, refusalData{Title: "Sign-on refused", Message: out.Message, Reason: out.Reason, CorrelationID: out.CorrelationID})
		return
	}
	out := s.signon.ConsumeAt(r.Context(), g, r.PostForm.Get("SAMLResponse"), r.PostForm.Get("RelayState"), s.signon.BaseURL+r.URL.RequestURI())
	if out.Refused {
		render(w, http.StatusForbidden, refusalPage, refusalData{Title: "Sign-on refused", Message: out.Message, Reason: out.Reason, CorrelationID: out.CorrelationID, RetryURL: "/saml/login?idpid=" + strconv.FormatInt(g.ID, 10)})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: out.SessionToken, Path: "/", Expires: out.SessionExpires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, out.Target, http.StatusSeeOther)
}

// session returns the request's live session and its group.
func (s *Server) session(r *http.Request) (store.Session, store.User, store.Group, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return store.Session{}, store.User{}, store.Group{}, false
	}
	sess, err := s.signon.Session(r.Context(), c.Value)
	if err != nil {
		return store.Session{}, store.User{}, store.Group{}, false
	}
	user, err := s.store.GetUser(r.Context(), sess.GlanceAddress)
	if err != nil || user.Status == store.UserDisabled {
		return store.Session{}, store.User{}, store.Group{}, false
	}
	g, err := s.store.GetGroup(r.Context(), sess.GroupID)
	if err != nil {
		return store.Session{}, store.User{}, store.Group{}, false
	}
	return sess, user, g, true
}

// agentPage is a protected page: with a session it renders, without one it
// starts sign-on for the group the URL selects, coming back to this URL.
func (s *Server) agentPage(w http.ResponseWriter, r *http.Request) {
	page := r.PathValue("page")
	if _, user, g, ok := s.session(r); ok {
		render(w, http.StatusOK, agentPage, map[string]any{"Page": page, "User": user, "Group": g, "Query": r.URL.Query()})
		return
	}
	g, err := s.groupFromQuery(r.Context(), r.URL.Query())
	if errors.Is(err, errNoGroupSelected) {
		render(w, http.StatusUnauthorized, chooseGroupPage, map[string]any{"Path": r.URL.Path, "Query": r.URL.Query()})
		return
	}
	if err != nil {
		s.groupError(w, err)
		return
	}
	s.begin(w, r, g, r.URL.RequestURI())
}

type whoamiAnswer struct {
	Group struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
	User struct {
		GlanceAddress string `json:"glanceAddress"`
		PartnerUserID string `json:"partnerUserID"`
		Email         string `json:"email"`
		FirstName     string `json:"firstName"`
		LastName      string `json:"lastName"`
		Role          string `json:"role"`
	} `json:"user"`
	NameID  string    `json:"nameID"`
	Expires time.Time `json:"expires"`
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	sess, user, g, ok := s.session(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no session: sign in first"})
		return
	}
	var a whoamiAnswer
	a.Group.ID, a.Group.Name = g.ID, g.Name
	a.User.GlanceAddress, a.User.PartnerUserID, a.User.Email = user.GlanceAddress, user.PartnerUserID, user.Email
	a.User.FirstName, a.User.LastName, a.User.Role = user.FirstName, user.LastName, user.Role
	a.NameID, a.Expires = sess.NameID, sess.ExpiresAt
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.signon.EndSession(r.Context(), c.Value); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.logger.Error("end session", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	render(w, http.StatusOK, loggedOutPage, nil)
}

// Admin access.

func (s *Server) adminLoginForm(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, adminLoginPage, map[string]any{"Enabled": s.adminPassword != ""})
}

func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || s.adminPassword == "" ||
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(s.adminPassword)) != 1 {
		render(w, http.StatusUnauthorized, adminLoginPage, map[string]any{"Enabled": s.adminPassword != "", "Error": "Wrong password."})
		return
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		s.fail(w, http.StatusInternalServerError, "Sign-in failed.", err)
		return
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	s.adminMu.Lock()
	now := s.now()
	for t, exp := range s.adminSessions {
		if !now.Before(exp) {
			delete(s.adminSessions, t)
		}
	}
	s.adminSessions[signon.SessionID(token)] = now.Add(adminTTL)
	s.adminMu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: AdminCookie, Value: token, Path: "/admin/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(adminTTL / time.Second)})
	http.Redirect(w, r, "/admin/accesslog", http.StatusSeeOther)
}

// adminScope says which groups the request may administer: all (the admin
// password) or one (an SSO session whose user has the role "admin").
func (s *Server) adminScope(r *http.Request) (all bool, group int64, ok bool) {
	a, ok := s.adminAccessOf(r)
	return a.all, a.group, ok
}

func (s *Server) accessLogQuery(r *http.Request) (store.AccessLogQuery, bool) {
	all, group, ok := s.adminScope(r)
	if !ok {
		return store.AccessLogQuery{}, false
	}
	q := store.AccessLogQuery{GroupID: group, Limit: 200}
	if all {
		if id, err := strconv.ParseInt(r.URL.Query().Get("idpid"), 10, 64); err == nil {
			q.GroupID = id
		}
	}
	switch o := store.Outcome(r.URL.Query().Get("outcome")); o {
	case store.OutcomeSuccess, store.OutcomeRefused:
		q.Outcome = o
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 1000 {
		q.Limit = n
	}
	return q, true
}

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request) {
	q, ok := s.accessLogQuery(r)
	if !ok {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	entries, err := s.store.ListAccessLog(r.Context(), q)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "The access log is unavailable.", err)
		return
	}
	a, _ := s.adminAccessOf(r)
	render(w, http.StatusOK, accessLogPage, map[string]any{"Entries": entries, "Query": q, "Groups": s.administeredGroups(r.Context(), a)})
}

func (s *Server) accessLogJSON(w http.ResponseWriter, r *http.Request) {
	q, ok := s.accessLogQuery(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin access required: send Authorization: Bearer <admin password> or sign in at /admin/login"})
		return
	}
	entries, err := s.store.ListAccessLog(r.Context(), q)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "access log unavailable"})
		s.logger.Error("access log", "err", err)
		return
	}
	if entries == nil {
		entries = []store.AccessLogEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

func (s *Server) groupError(w http.ResponseWriter, err error) {
	if errors.Is(err, errNoGroupSelected) {
		render(w, http.StatusBadRequest, refusalPage, refusalData{Title: "Which account?", Message: "This link does not say which account to sign in to: add idpid, idpname or idptoken.", Reason: "no_group"})
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		render(w, http.StatusNotFound, refusalPage, refusalData{Title: "Unknown account", Message: "No account matches this link.", Reason: "unknown_group"})
		return
	}
	s.fail(w, http.StatusInternalServerError, "The account is unavailable.", err)
}

func (s *Server) fail(w http.ResponseWriter, status int, message string, err error) {
	s.logger.Error(message, "err", err)
	render(w, status, refusalPage, refusalData{Title: "Error", Message: message, Reason: "internal"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// CollectExpired deletes expired pending requests, remembered assertions and
// sessions from st every interval until ctx ends.
func CollectExpired(ctx context.Context, st store.Store, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n, err := st.DeleteExpired(ctx, now)
			if err != nil && ctx.Err() == nil {
				logger.Error("deleting expired records", "err", err)
			} else if n > 0 {
				logger.Debug("deleted expired records", "count", n)
			}
		}
	}
}
