package sp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssoharness/ssoharness/sp/idpmetadata"
	"github.com/ssoharness/ssoharness/sp/settings"
	"github.com/ssoharness/ssoharness/sp/signon"
	"github.com/ssoharness/ssoharness/sp/spkeys"
	"github.com/ssoharness/ssoharness/sp/store"
)

// The admin SSO settings: a JSON API under /admin/api/groups/{id} and a
// server-rendered form at /admin/groups/{id}/sso, both saving through
// sp/settings and recording every changed field in the audit trail.
//
// CSRF. Bearer requests (the admin password in Authorization) are never
// sent by a browser on its own and need nothing more. Cookie-authenticated
// requests that change something need proof that this SP's own page made
// them: HTML forms carry a token (HMAC-SHA256 under a per-process key of the
// cookie that authenticated the request, so each admin session has its
// own); JSON requests carry the header X-Requested-With (a cross-site page
// cannot set it without a CORS preflight, which this SP never grants), a
// JSON Content-Type where there is a body, and, when the browser sends
// Origin, the SP's own origin.

// maxAdminBodyBytes bounds admin JSON and form bodies.
const maxAdminBodyBytes = 64 << 10

// adminActor is the audit actor for the admin password.
const adminActor = "admin"

// csrfField is the form field that carries the CSRF token.
const csrfField = "csrf"

// adminAccess is who is administering and what they may touch.
type adminAccess struct {
	all   bool  // the admin password: every group
	group int64 // otherwise this group only
	actor string
	// bearer: authenticated by Authorization, not by a cookie.
	bearer bool
	// cookieName and cookieValue authenticated the request; the CSRF token
	// is bound to them. The value never leaves this struct.
	cookieName, cookieValue string
}

// adminAccessOf authenticates r as adminScope describes.
func (s *Server) adminAccessOf(r *http.Request) (adminAccess, bool) {
	if s.adminPassword != "" {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") &&
			subtle.ConstantTimeCompare([]byte(strings.TrimPrefix(h, "Bearer ")), []byte(s.adminPassword)) == 1 {
			return adminAccess{all: true, actor: adminActor, bearer: true}, true
		}
		if c, err := r.Cookie(AdminCookie); err == nil {
			s.adminMu.Lock()
			exp, found := s.adminSessions[signon.SessionID(c.Value)]
			s.adminMu.Unlock()
			if found && s.now().Before(exp) {
				return adminAccess{all: true, actor: adminActor, cookieName: AdminCookie, cookieValue: c.Value}, true
			}
		}
	}
	if _, user, g, ok := s.session(r); ok && strings.EqualFold(user.Role, "admin") {
		c, _ := r.Cookie(SessionCookie)
		return adminAccess{group: g.ID, actor: user.GlanceAddress, cookieName: SessionCookie, cookieValue: c.Value}, true
	}
	return adminAccess{}, false
}

func (a adminAccess) mayAdminister(groupID int64) bool { return a.all || a.group == groupID }

// csrfToken is the form token of a's session; empty for Bearer access.
func (s *Server) csrfToken(a adminAccess) string {
	if a.bearer || a.cookieValue == "" {
		return ""
	}
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(a.cookieName + "\x00" + a.cookieValue))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Server) validCSRFToken(a adminAccess, token string) bool {
	if a.bearer {
		return true
	}
	want := s.csrfToken(a)
	return want != "" && hmac.Equal([]byte(token), []byte(want))
}

// sameOriginAPIRequest applies the JSON API's CSRF rule to a cookie-
// authenticated request that changes something. bodyTypes are the media
// types its body may have (none: no body); none of them is one a cross-site
// HTML form can send.
func sameOriginAPIRequest(r *http.Request, a adminAccess, bodyTypes ...string) error {
	if a.bearer {
		return nil
	}
	if r.Header.Get("X-Requested-With") == "" {
		return errors.New("cookie-authenticated changes need the header X-Requested-With (or use Authorization: Bearer)")
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != requestOrigin(r) {
		return fmt.Errorf("origin %q is not this SP's", origin)
	}
	if len(bodyTypes) > 0 && !hasMediaType(r, bodyTypes...) {
		return errors.New("send the body as Content-Type: " + strings.Join(bodyTypes, " or "))
	}
	return nil
}

// hasMediaType reports whether r's Content-Type is one of types.
func hasMediaType(r *http.Request, types ...string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && slices.Contains(types, mt)
}

func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// pathGroupID parses {id}.
func pathGroupID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// adminGroup authenticates r and loads the group of its path. It writes
// the JSON refusal itself and returns ok false: 401 without admin access,
// 404 for a group that does not exist or that the admin may not touch (the
// two are not told apart, so group IDs cannot be probed).
func (s *Server) adminGroupJSON(w http.ResponseWriter, r *http.Request) (adminAccess, store.Group, bool) {
	a, ok := s.adminAccessOf(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin access required: send Authorization: Bearer <admin password> or sign in at /admin/login"})
		return a, store.Group{}, false
	}
	id, ok := pathGroupID(r)
	if !ok || !a.mayAdminister(id) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no group with that ID that you may administer"})
		return a, store.Group{}, false
	}
	g, err := s.store.GetGroup(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no group with that ID that you may administer"})
		return a, store.Group{}, false
	}
	if err != nil {
		s.logger.Error("admin: load group", "group", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the group is unavailable"})
		return a, store.Group{}, false
	}
	return a, g, true
}

// groupSettingsJSON is a group's settings in the admin API: what GET
// returns under "settings" and what PUT takes.
type groupSettingsJSON struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	AccountID string            `json:"accountID"`
	SSO       store.SSOSettings `json:"sso"`
}

func (s *Server) groupSettingsGetJSON(w http.ResponseWriter, r *http.Request) {
	_, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	warnings, _ := settings.Validate(g, s.now())
	writeJSON(w, http.StatusOK, map[string]any{
		"settings":     groupSettingsJSON{ID: g.ID, Name: g.Name, AccountID: g.AccountID, SSO: g.SSO},
		"certificates": settings.DescribeCertificates(g.SSO.IdPCertificates, s.now()),
		"warnings":     nonNil(warnings),
	})
}

func (s *Server) groupSettingsPutJSON(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	if err := sameOriginAPIRequest(r, a, "application/json"); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
		return
	}
	var doc groupSettingsJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body is not the settings JSON: " + err.Error()})
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body holds more than one JSON value"})
		return
	}
	if doc.ID != 0 && doc.ID != g.ID {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"id": "the group ID cannot change; omit it or send " + strconv.FormatInt(g.ID, 10)}, "warnings": []string{}})
		return
	}
	candidate := store.Group{ID: g.ID, Name: doc.Name, AccountID: doc.AccountID, SSO: doc.SSO}
	source, fe := s.fillFromMetadata(r.Context(), g, &candidate, nil)
	if fe != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": fe.Fields, "warnings": []string{}})
		return
	}
	warnings, err := s.saveGroupSettings(r.Context(), candidate, a.actor, source)
	s.writeSaveResult(w, r, g.ID, warnings, err)
}

// writeSaveResult answers an API change with saveGroupSettings' outcome:
// the saved settings, or 400 with the field errors.
func (s *Server) writeSaveResult(w http.ResponseWriter, r *http.Request, groupID int64, warnings []string, err error) {
	var fe *settings.FieldErrors
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": fe.Fields, "warnings": nonNil(warnings)})
	case err != nil:
		s.logger.Error("admin: save settings", "group", groupID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the settings could not be saved"})
	default:
		saved, err := s.store.GetGroup(r.Context(), groupID)
		if err != nil {
			s.logger.Error("admin: reload group", "group", groupID, "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "saved, but the group could not be reloaded"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"settings":     groupSettingsJSON{ID: saved.ID, Name: saved.Name, AccountID: saved.AccountID, SSO: saved.SSO},
			"certificates": settings.DescribeCertificates(saved.SSO.IdPCertificates, s.now()),
			"warnings":     nonNil(warnings),
		})
	}
}

// metadataMediaTypes are the Content-Types the raw-metadata endpoint takes.
var metadataMediaTypes = []string{"application/samlmetadata+xml", "text/xml", "application/xml"}

// idpMetadataPostJSON applies a raw metadata document (the request body)
// to the group's IdP settings and saves them, audited.
func (s *Server) idpMetadataPostJSON(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	if err := sameOriginAPIRequest(r, a, metadataMediaTypes...); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
		return
	}
	if !hasMediaType(r, metadataMediaTypes...) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send the IdP's metadata XML as the body with Content-Type: " + strings.Join(metadataMediaTypes, " or ")})
		return
	}
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, idpmetadata.MaxBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("the metadata is over %d bytes; send the IdP's own metadata document, not an aggregate", idpmetadata.MaxBytes)})
		return
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body could not be read"})
		return
	}
	candidate := g
	source, fe := s.fillFromMetadata(r.Context(), g, &candidate, &metadataUpload{doc: doc, field: "idpMetadata", label: "posted to the API"})
	if fe != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": fe.Fields, "warnings": []string{}})
		return
	}
	warnings, err := s.saveGroupSettings(r.Context(), candidate, a.actor, source)
	s.writeSaveResult(w, r, g.ID, warnings, err)
}

// metadataUpload is an IdP metadata document sent with a change: field
// names it in field errors, label in the audit trail.
type metadataUpload struct {
	doc          []byte
	field, label string
}

// auditFieldMetadata is the audit field recording where applied IdP
// metadata came from (its effect is recorded field by field).
const auditFieldMetadata = "sso.idpMetadata"

// fillFromMetadata fills candidate's IdP entity ID, SSO URL, binding and
// certificates from IdP metadata before validation, overriding what the
// request said about them: from up when there is one, else from the
// metadata URL when it is set and differs from the saved group's. It
// returns the provenance to audit ("" when nothing was applied), or field
// errors, in which case nothing may be saved. An invalid URL is left for
// settings.Validate to report and is never fetched.
func (s *Server) fillFromMetadata(ctx context.Context, saved store.Group, candidate *store.Group, up *metadataUpload) (string, *settings.FieldErrors) {
	var errs settings.FieldErrors
	metadataURL := strings.TrimSpace(candidate.SSO.IdPMetadataURL)
	var info idpmetadata.Info
	var source string
	switch {
	case up != nil:
		if metadataURL != "" {
			errs.Add(up.field, "the group has a Metadata URL, whose document would replace this one's values at the next hourly refresh; clear the Metadata URL to use uploaded metadata")
			return "", &errs
		}
		if len(up.doc) == 0 {
			errs.Add(up.field, "the metadata document is empty; give the XML file your identity provider furnishes")
			return "", &errs
		}
		var err error
		if info, err = idpmetadata.Parse(up.doc); err != nil {
			errs.Add(up.field, "%v; give the identity provider's SAML metadata (an md:EntityDescriptor with an IDPSSODescriptor and a signing KeyDescriptor)", err)
			return "", &errs
		}
		source = fmt.Sprintf("%s (sha256 %x)", up.label, sha256.Sum256(up.doc))
	case metadataURL != "" && metadataURL != strings.TrimSpace(saved.SSO.IdPMetadataURL):
		if settings.CheckMetadataURL(metadataURL) != nil {
			return "", nil
		}
		var err error
		if info, err = idpmetadata.Fetch(ctx, s.httpClient, metadataURL); err != nil {
			errs.Add("sso.idpMetadataURL", "%v; check that the URL serves the identity provider's SAML metadata, or clear it and fill in the IdP fields by hand", err)
			return "", &errs
		}
		source = "fetched from the Metadata URL"
	default:
		return "", nil
	}
	info.Apply(&candidate.SSO)
	return source, nil
}

// saveGroupSettings normalizes and validates candidate and, when valid,
// replaces the group's settings and records each changed field, in one
// transaction. A *settings.FieldErrors means nothing was saved.
// source, when not empty, is the provenance of applied IdP metadata, also
// recorded.
func (s *Server) saveGroupSettings(ctx context.Context, candidate store.Group, actor, source string) ([]string, error) {
	settings.Normalize(&candidate)
	now := s.now()
	warnings, err := settings.Validate(candidate, now)
	if err != nil {
		return warnings, err
	}
	if other, err := s.store.GetGroupByName(ctx, candidate.Name); err == nil && other.ID != candidate.ID {
		return warnings, settings.AlreadyExists("name")
	}
	if candidate.AccountID != "" {
		if other, err := s.store.GetGroupByAccountID(ctx, candidate.AccountID); err == nil && other.ID != candidate.ID {
			return warnings, settings.AlreadyExists("accountID")
		}
	}
	err = s.store.UpdateGroupAudited(ctx, candidate.ID, func(old store.Group) (store.Group, []store.AuditEntry, error) {
		entries := settings.AuditEntries(settings.Diff(old, candidate), candidate.ID, actor, now)
		if source != "" {
			entries = append(entries, store.AuditEntry{Time: now, GroupID: candidate.ID, Actor: actor, Field: auditFieldMetadata, New: source})
		}
		return candidate, entries, nil
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return warnings, settings.AlreadyExists("accountID")
	}
	return warnings, err
}

// auditJSON is an audit entry in the admin API.
type auditJSON struct {
	ID    int64     `json:"id"`
	Time  time.Time `json:"time"`
	Actor string    `json:"actor"`
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
}

func (s *Server) groupAuditJSON(w http.ResponseWriter, r *http.Request) {
	_, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	limit := 200
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 1000 {
		limit = n
	}
	entries, err := s.store.ListAudit(r.Context(), g.ID, limit)
	if err != nil {
		s.logger.Error("admin: audit", "group", g.ID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the audit trail is unavailable"})
		return
	}
	out := make([]auditJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditJSON{ID: e.ID, Time: e.Time, Actor: e.Actor, Field: e.Field, Old: e.Old, New: e.New})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// spKeyJSON is one SP key in the admin API: public parts only.
type spKeyJSON struct {
	ID             string           `json:"id"`
	State          store.SPKeyState `json:"state"`
	CreatedAt      time.Time        `json:"createdAt"`
	NotAfter       time.Time        `json:"notAfter"`
	CertificatePEM string           `json:"certificatePEM"`
}

func spKeyView(k spkeys.Key) spKeyJSON {
	return spKeyJSON{
		ID: k.ID, State: k.State, CreatedAt: k.CreatedAt, NotAfter: k.Certificate.NotAfter,
		CertificatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Certificate.Raw})),
	}
}

func (s *Server) spKeyViews(ctx context.Context, groupID int64) ([]spKeyJSON, error) {
	keys, err := s.signon.Keys.Keys(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := make([]spKeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, spKeyView(k))
	}
	return out, nil
}

func (s *Server) spKeysGetJSON(w http.ResponseWriter, r *http.Request) {
	_, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	keys, err := s.spKeyViews(r.Context(), g.ID)
	if err != nil {
		s.logger.Error("admin: SP keys", "group", g.ID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the SP keys are unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) spKeysAddJSON(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	if err := sameOriginAPIRequest(r, a); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
		return
	}
	key, status, err := s.addNextSPKey(r.Context(), g.ID, a.actor)
	if err != nil {
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, spKeyView(key))
}

func (s *Server) spKeyRetireJSON(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupJSON(w, r)
	if !ok {
		return
	}
	if err := sameOriginAPIRequest(r, a); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
		return
	}
	if status, err := s.retireSPKey(r.Context(), g.ID, r.PathValue("keyID"), a.actor); err != nil {
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addNextSPKey adds the group's next SP key and audits it. On failure it
// returns the HTTP status and an error fit to show.
func (s *Server) addNextSPKey(ctx context.Context, groupID int64, actor string) (spkeys.Key, int, error) {
	key, err := s.signon.Keys.AddNext(ctx, groupID)
	if errors.Is(err, spkeys.ErrNextExists) {
		return spkeys.Key{}, http.StatusConflict, spkeys.ErrNextExists
	}
	if err != nil {
		s.logger.Error("admin: add SP key", "group", groupID, "err", err)
		return spkeys.Key{}, http.StatusInternalServerError, errors.New("the next key could not be added")
	}
	s.audit(ctx, store.AuditEntry{Time: s.now(), GroupID: groupID, Actor: actor, Field: "spKeys", New: key.ID + " added as next"})
	return key, 0, nil
}

func (s *Server) retireSPKey(ctx context.Context, groupID int64, keyID, actor string) (int, error) {
	err := s.signon.Keys.Retire(ctx, groupID, keyID)
	switch {
	case errors.Is(err, spkeys.ErrLastKey):
		return http.StatusConflict, spkeys.ErrLastKey
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, errors.New("the group has no SP key with that ID")
	case err != nil:
		s.logger.Error("admin: retire SP key", "group", groupID, "err", err)
		return http.StatusInternalServerError, errors.New("the key could not be retired")
	}
	s.audit(ctx, store.AuditEntry{Time: s.now(), GroupID: groupID, Actor: actor, Field: "spKeys", Old: keyID, New: "retired"})
	return 0, nil
}

// audit appends e; the change it records has happened, so a failure is
// logged rather than reported as a failed change.
func (s *Server) audit(ctx context.Context, e store.AuditEntry) {
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.logger.Error("admin: audit entry not recorded", "group", e.GroupID, "field", e.Field, "err", err)
	}
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// The HTML screen.

// certificateSlot is one certificate textarea of the form.
type certificateSlot struct {
	Number int // 1..5; textarea id idp-certificate-N
	Text   string
	Info   settings.Certificate
	Error  string
}

// ssoFormView fills ssoSettingsPage.
type ssoFormView struct {
	Group        store.Group // the values shown: saved, or the user's input after an error
	Certificates []certificateSlot
	Errors       map[string]string // by form field id (method, idpSSOURL, idp-certificate-2, ...)
	Warnings     []string
	Saved        bool
	Notice       string
	CSRF         string
	Audit        []store.AuditEntry
	SPKeys       []spKeyJSON
}

// formFieldID is the id of the form element for a settings field's JSON name.
func formFieldID(field string) string {
	field = strings.TrimPrefix(field, "sso.")
	var i int
	if _, err := fmt.Sscanf(field, "idpCertificates[%d]", &i); err == nil {
		return "idp-certificate-" + strconv.Itoa(i+1)
	}
	return field
}

// adminGroupPage authenticates a browser request for the settings screen;
// on failure it answers itself.
func (s *Server) adminGroupPage(w http.ResponseWriter, r *http.Request) (adminAccess, store.Group, bool) {
	a, ok := s.adminAccessOf(r)
	if !ok {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return a, store.Group{}, false
	}
	id, ok := pathGroupID(r)
	var g store.Group
	var err error
	if ok && a.mayAdminister(id) {
		g, err = s.store.GetGroup(r.Context(), id)
	} else {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		render(w, http.StatusNotFound, refusalPage, refusalData{Title: "Unknown account", Message: "No account with that ID that you may administer.", Reason: "unknown_group"})
		return a, store.Group{}, false
	}
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "The account is unavailable.", err)
		return a, store.Group{}, false
	}
	return a, g, true
}

func (s *Server) ssoSettingsPage(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupPage(w, r)
	if !ok {
		return
	}
	warnings, _ := settings.Validate(g, s.now())
	view := ssoFormView{Group: g, Warnings: warnings, Saved: r.URL.Query().Get("saved") == "1", Notice: r.URL.Query().Get("notice")}
	switch view.Notice {
	case "", "key-added", "key-retired":
	default:
		view.Notice = "" // only known notices; the query is not a message channel
	}
	s.renderSSOSettings(w, r, http.StatusOK, a, view, nil)
}

func (s *Server) renderSSOSettings(w http.ResponseWriter, r *http.Request, status int, a adminAccess, view ssoFormView, fe *settings.FieldErrors) {
	ctx := r.Context()
	view.CSRF = s.csrfToken(a)
	view.Errors = map[string]string{}
	if fe != nil {
		for field, msg := range fe.Fields {
			view.Errors[formFieldID(field)] = msg
		}
	}
	infos := settings.DescribeCertificates(view.Group.SSO.IdPCertificates, s.now())
	for i := range settings.MaxIdPCertificates {
		slot := certificateSlot{Number: i + 1}
		if i < len(infos) {
			slot.Info = infos[i]
			slot.Text = view.Group.SSO.IdPCertificates[i]
			if settings.IsPrivateKey(slot.Text) {
				slot.Text = "" // never echo a pasted private key
			}
		}
		slot.Error = view.Errors[formFieldID(fmt.Sprintf("sso.idpCertificates[%d]", i))]
		view.Certificates = append(view.Certificates, slot)
	}
	var err error
	if view.Audit, err = s.store.ListAudit(ctx, view.Group.ID, 100); err != nil {
		s.logger.Error("admin: audit", "group", view.Group.ID, "err", err)
	}
	if view.SPKeys, err = s.spKeyViews(ctx, view.Group.ID); err != nil {
		s.logger.Error("admin: SP keys", "group", view.Group.ID, "err", err)
	}
	render(w, status, ssoSettingsPage, view)
}

// maxAdminUploadBytes bounds a multipart settings form: the metadata file
// and the rest of the form.
const maxAdminUploadBytes = idpmetadata.MaxBytes + maxAdminBodyBytes

// readAdminForm parses a bounded form body and checks its CSRF token,
// answering 403 itself when the token is missing or wrong. With upload, a
// multipart/form-data body of up to maxAdminUploadBytes is read, in memory;
// the caller removes r.MultipartForm.
func (s *Server) readAdminForm(w http.ResponseWriter, r *http.Request, a adminAccess, upload bool) bool {
	limit, message := int64(maxAdminBodyBytes), "The form could not be read (it may be over 64 KiB)."
	var err error
	if hasMediaType(r, "multipart/form-data") {
		if upload {
			limit, message = maxAdminUploadBytes, fmt.Sprintf("The form could not be read: the metadata file may be over %d KiB. Upload the identity provider's own metadata document.", idpmetadata.MaxBytes>>10)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err = r.ParseMultipartForm(limit)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err = r.ParseForm()
	}
	if err != nil {
		render(w, http.StatusBadRequest, refusalPage, refusalData{Title: "Form refused", Message: message, Reason: "bad_form"})
		return false
	}
	if !s.validCSRFToken(a, r.PostForm.Get(csrfField)) {
		render(w, http.StatusForbidden, refusalPage, refusalData{Title: "Form refused", Message: "The form's security token is missing or stale: reload the page and submit again.", Reason: "csrf"})
		return false
	}
	return true
}

// metadataFileField is the settings form's metadata upload.
const metadataFileField = "idpMetadataFile"

func (s *Server) ssoSettingsSave(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupPage(w, r)
	if !ok || !s.readAdminForm(w, r, a, true) {
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	candidate, parseErrs := ssoSettingsFromForm(g, r.PostForm)
	up, problem := uploadedMetadata(r)
	if problem != "" {
		parseErrs.Add("sso."+metadataFileField, "%s", problem)
	}
	var fe *settings.FieldErrors
	warnings, err := []string(nil), error(parseErrs.errOrNil())
	if err == nil {
		source, mfe := s.fillFromMetadata(r.Context(), g, &candidate, up)
		if mfe != nil {
			err = mfe
		} else {
			warnings, err = s.saveGroupSettings(r.Context(), candidate, a.actor, source)
			if source != "" && err != nil {
				warnings = append(warnings, "The IdP fields below were filled from the metadata, but nothing was saved: correct the marked fields and save again.")
			}
		}
	}
	switch {
	case errors.As(err, &fe):
		s.renderSSOSettings(w, r, http.StatusBadRequest, a, ssoFormView{Group: candidate, Warnings: warnings}, fe)
	case err != nil:
		s.fail(w, http.StatusInternalServerError, "The settings could not be saved.", err)
	default:
		http.Redirect(w, r, fmt.Sprintf("/admin/groups/%d/sso?saved=1", g.ID), http.StatusSeeOther)
	}
}

// uploadedMetadata returns the form's metadata file, nil when none was
// chosen, or a problem fit to show.
func uploadedMetadata(r *http.Request) (*metadataUpload, string) {
	if r.MultipartForm == nil {
		return nil, ""
	}
	files := r.MultipartForm.File[metadataFileField]
	if len(files) == 0 || (len(files) == 1 && files[0].Filename == "" && files[0].Size == 0) {
		return nil, "" // a file input left empty
	}
	if len(files) > 1 {
		return nil, "several files were uploaded; upload the one metadata XML file your identity provider furnishes"
	}
	if files[0].Size > idpmetadata.MaxBytes {
		return nil, fmt.Sprintf("the file is over %d KiB; upload the identity provider's own metadata document, not an aggregate", idpmetadata.MaxBytes>>10)
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "the file could not be read; upload it again"
	}
	defer f.Close()
	doc, err := io.ReadAll(io.LimitReader(f, idpmetadata.MaxBytes+1))
	if err != nil {
		return nil, "the file could not be read; upload it again"
	}
	return &metadataUpload{doc: doc, field: "sso." + metadataFileField, label: "uploaded file"}, ""
}

// formParseErrors collects fields the form could not even read.
type formParseErrors struct{ settings.FieldErrors }

func (e *formParseErrors) errOrNil() error {
	if e.Empty() {
		return nil
	}
	return &e.FieldErrors
}

// ssoSettingsFromForm reads the form over the saved group g: fields the
// form does not show (name) or that the request leaves out keep their
// saved values. The selects' defaults (comparison exact, ACS style query)
// keep a saved empty value, which means the same, so that saving an
// unchanged form records no change.
func ssoSettingsFromForm(g store.Group, form url.Values) (store.Group, *formParseErrors) {
	errs := &formParseErrors{}
	s := &g.SSO
	g.AccountID = form.Get("accountID")
	s.Method = store.SSOMethod(form.Get("method"))
	s.Description = form.Get("description")
	s.Status = store.OperationalStatus(form.Get("status"))
	s.IdPEntityID = form.Get("idpEntityID")
	s.IdPSSOURL = form.Get("idpSSOURL")
	s.IdPBinding = store.Binding(form.Get("idpBinding"))
	s.EntityID = form.Get("entityID")
	s.IdentityAttribute = form.Get("identityAttribute")
	s.IdPInitiatedRedirect = form.Get("idpInitiatedRedirect")
	s.NameIDPolicy = store.NameIDPolicy(form.Get("nameIDPolicy"))
	s.AllowIdPInitiated = checkbox(form, "allowIdPInitiated")
	s.AllowSHA1 = checkbox(form, "allowSHA1")
	s.AllowPKCS1v15 = checkbox(form, "allowPKCS1v15")
	s.IdPCertificates = nil
	for _, text := range form["idpCertificate"] {
		if strings.TrimSpace(text) != "" {
			s.IdPCertificates = append(s.IdPCertificates, text)
		}
	}
	if form.Has("authnContextClassRef") {
		s.AuthnContextClassRef = form.Get("authnContextClassRef")
	}
	if v := form.Get("authnContextComparison"); form.Has("authnContextComparison") && (v != "exact" || s.AuthnContextComparison != "") {
		s.AuthnContextComparison = v
	}
	if v := form.Get("acsParameterStyle"); form.Has("acsParameterStyle") && (v != string(store.ACSStyleQuery) || s.ACSParameterStyle != "") {
		s.ACSParameterStyle = store.ACSParameterStyle(v)
	}
	if form.Has("idpMetadataURL") {
		s.IdPMetadataURL = form.Get("idpMetadataURL")
	}
	s.ClockSkewSeconds = formInt(errs, form, "clockSkewSeconds", "seconds, e.g. 180")
	s.MaxResponseBytes = formInt(errs, form, "maxResponseBytes", "bytes, e.g. 262144")
	return g, errs
}

func checkbox(form url.Values, name string) bool {
	v := form.Get(name)
	return v == "on" || v == "true" || v == "1"
}

// formInt reads a whole number; empty means 0 (the default).
func formInt(errs *formParseErrors, form url.Values, name, unit string) int {
	v := strings.TrimSpace(form.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs.Add("sso."+name, "%q is not a whole number of %s", v, unit)
	}
	return n
}

func (s *Server) spKeysAddForm(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupPage(w, r)
	if !ok || !s.readAdminForm(w, r, a, false) {
		return
	}
	if _, status, err := s.addNextSPKey(r.Context(), g.ID, a.actor); err != nil {
		render(w, status, refusalPage, refusalData{Title: "Key not added", Message: err.Error(), Reason: "sp_keys", RetryURL: fmt.Sprintf("/admin/groups/%d/sso", g.ID)})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/groups/%d/sso?notice=key-added#sp-keys", g.ID), http.StatusSeeOther)
}

func (s *Server) spKeyRetireForm(w http.ResponseWriter, r *http.Request) {
	a, g, ok := s.adminGroupPage(w, r)
	if !ok || !s.readAdminForm(w, r, a, false) {
		return
	}
	if status, err := s.retireSPKey(r.Context(), g.ID, r.PathValue("keyID"), a.actor); err != nil {
		render(w, status, refusalPage, refusalData{Title: "Key not retired", Message: err.Error(), Reason: "sp_keys", RetryURL: fmt.Sprintf("/admin/groups/%d/sso", g.ID)})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/groups/%d/sso?notice=key-retired#sp-keys", g.ID), http.StatusSeeOther)
}

// administeredGroups are the groups a may administer, for links.
func (s *Server) administeredGroups(ctx context.Context, a adminAccess) []store.Group {
	if !a.all {
		if g, err := s.store.GetGroup(ctx, a.group); err == nil {
			return []store.Group{g}
		}
		return nil
	}
	groups, err := s.store.ListGroups(ctx)
	if err != nil {
		s.logger.Error("admin: list groups", "err", err)
	}
	return groups
}
