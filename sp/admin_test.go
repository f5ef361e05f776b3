package sp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ssoharness/ssoharness/sp/store"
)

func (h *harness) do(t *testing.T, method, path, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.http.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var bearer = []string{"Authorization", "Bearer " + adminPassword, "Content-Type", "application/json"}

// settingsDoc is the "settings" object of GET /admin/api/groups/42.
func (h *harness) settingsDoc(t *testing.T) map[string]any {
	t.Helper()
	resp, body := h.do(t, http.MethodGet, "/admin/api/groups/42", "", bearer...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET settings: %d %s", resp.StatusCode, body)
	}
	var got struct {
		Settings     map[string]any
		Certificates []map[string]any
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Certificates) != 1 || got.Certificates[0]["fingerprint"] == "" || got.Certificates[0]["expired"] != false {
		t.Errorf("certificates = %+v", got.Certificates)
	}
	return got.Settings
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (h *harness) audit(t *testing.T, group int64) []store.AuditEntry {
	t.Helper()
	entries, err := h.store.ListAudit(context.Background(), group, 0)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestSettingsAPIUpdatePersistsAndIsAudited(t *testing.T) {
	h := newHarness(t)
	doc := h.settingsDoc(t)
	doc["sso"].(map[string]any)["idpSSOURL"] = "https://idp.example/sso2"
	resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, body)
	}
	g, _ := h.store.GetGroup(context.Background(), 42)
	if g.SSO.IdPSSOURL != "https://idp.example/sso2" {
		t.Errorf("not saved: %+v", g.SSO)
	}
	entries := h.audit(t, 42)
	if len(entries) != 1 || entries[0].Field != "sso.idpSSOURL" || entries[0].Actor != "admin" ||
		entries[0].Old != "http://idp.test/sso" || entries[0].New != "https://idp.example/sso2" {
		t.Fatalf("audit = %+v", entries)
	}
	resp, body = h.do(t, http.MethodGet, "/admin/api/groups/42/audit", "", bearer...)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"field": "sso.idpSSOURL"`) {
		t.Errorf("audit JSON: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "BEGIN") {
		t.Error("the audit JSON holds PEM")
	}
}

func TestSettingsAPIRefusesInvalidValuesAndSavesNothing(t *testing.T) {
	h := newHarness(t)
	before, _ := h.store.GetGroup(context.Background(), 42)
	cases := []struct {
		name, field string
		change      func(sso map[string]any, doc map[string]any)
	}{
		{"method", "sso.method", func(s, _ map[string]any) { s["method"] = "saml3" }},
		{"status", "sso.status", func(s, _ map[string]any) { s["status"] = "live" }},
		{"binding", "sso.idpBinding", func(s, _ map[string]any) { s["idpBinding"] = "artifact" }},
		{"NameID policy", "sso.nameIDPolicy", func(s, _ map[string]any) { s["nameIDPolicy"] = "x509" }},
		{"missing IdP entity ID", "sso.idpEntityID", func(s, _ map[string]any) { s["idpEntityID"] = "" }},
		{"relative SSO URL", "sso.idpSSOURL", func(s, _ map[string]any) { s["idpSSOURL"] = "/sso" }},
		{"no certificate", "sso.idpCertificates", func(s, _ map[string]any) { s["idpCertificates"] = []string{} }},
		{"private key", "sso.idpCertificates[0]", func(s, _ map[string]any) {
			s["idpCertificates"] = []string{"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"}
		}},
		{"absolute redirect", "sso.idpInitiatedRedirect", func(s, _ map[string]any) { s["idpInitiatedRedirect"] = "https://evil.test/" }},
		{"javascript redirect", "sso.idpInitiatedRedirect", func(s, _ map[string]any) { s["idpInitiatedRedirect"] = "javascript:alert(1)" }},
		{"clock skew", "sso.clockSkewSeconds", func(s, _ map[string]any) { s["clockSkewSeconds"] = 3601 }},
		{"response bound", "sso.maxResponseBytes", func(s, _ map[string]any) { s["maxResponseBytes"] = 100 }},
		{"empty name", "name", func(_, d map[string]any) { d["name"] = "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := h.settingsDoc(t)
			tc.change(doc["sso"].(map[string]any), doc)
			resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...)
			var got struct {
				Errors   map[string]string
				Warnings []string
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusBadRequest || got.Errors[tc.field] == "" {
				t.Fatalf("PUT: %d %s, want 400 naming %s", resp.StatusCode, body, tc.field)
			}
			if strings.Contains(body, "c2VjcmV0") {
				t.Error("the answer echoes the private key")
			}
		})
	}
	after, _ := h.store.GetGroup(context.Background(), 42)
	if mustJSON(t, after) != mustJSON(t, before) {
		t.Errorf("a refused PUT changed the group:\n%+v\n%+v", before, after)
	}
	if n := len(h.audit(t, 42)); n != 0 {
		t.Errorf("%d audit entries after refused PUTs", n)
	}
}

func TestSettingsAPIIsStrict(t *testing.T) {
	h := newHarness(t)
	doc := h.settingsDoc(t)
	doc["sso"].(map[string]any)["colour"] = "blue"
	if resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "colour") {
		t.Errorf("unknown field: %d %s", resp.StatusCode, body)
	}
	delete(doc["sso"].(map[string]any), "colour")
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc)+"{}", bearer...); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("trailing value: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", `{"name":"`+strings.Repeat("a", maxAdminBodyBytes)+`"}`, bearer...); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized body: %d", resp.StatusCode)
	}
	doc["id"] = 43
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("changed id: %d", resp.StatusCode)
	}
}

func TestSettingsAPIAccess(t *testing.T) {
	h := newHarness(t)
	other := store.Group{ID: 43, Name: "globex", AccountID: "00D-globex", SSO: h.group.SSO}
	if err := h.store.CreateGroup(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/api/groups/42", "/admin/api/groups/42/audit", "/admin/api/groups/42/sp-keys"} {
		if resp, _ := h.get(t, path); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d", path, resp.StatusCode)
		}
		if resp, _ := h.get(t, path, "Authorization", "Bearer wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong bearer %s: %d", path, resp.StatusCode)
		}
	}
	doc := h.settingsDoc(t)
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous PUT: %d", resp.StatusCode)
	}

	// An agent's session is not admin access.
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ben@acme.test")
	if resp, _ := h.get(t, "/admin/api/groups/42"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("agent session: %d", resp.StatusCode)
	}
	h.get(t, "/logout")

	// Group 42's SSO admin: their own group with X-Requested-With, never group 43.
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ann@acme.test")
	if _, body := h.get(t, "/"); !strings.Contains(body, `id="sso-settings-link-42"`) || strings.Contains(body, `id="sso-settings-link-43"`) {
		t.Error("the home page links the settings screen of the admin's group only")
	}
	if resp, _ := h.get(t, "/admin/groups/43/sso"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("group A's admin opening group B's screen: %d", resp.StatusCode)
	}
	if resp, _ := h.get(t, "/admin/api/groups/43"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("group A's admin reading group B: %d", resp.StatusCode)
	}
	otherDoc := mustJSON(t, map[string]any{"name": "pwned", "sso": map[string]any{"method": "off"}})
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/43", otherDoc, "Content-Type", "application/json", "X-Requested-With", "fetch"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("group A's admin writing group B: %d", resp.StatusCode)
	}
	if g, _ := h.store.GetGroup(context.Background(), 43); g.Name != "globex" {
		t.Errorf("group B changed: %+v", g)
	}
	doc["sso"].(map[string]any)["description"] = "by ann"
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), "Content-Type", "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cookie PUT without X-Requested-With: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), "Content-Type", "application/json", "X-Requested-With", "fetch", "Origin", "https://evil.test"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cookie PUT from another origin: %d", resp.StatusCode)
	}
	if resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), "Content-Type", "application/json", "X-Requested-With", "fetch", "Origin", h.http.URL); resp.StatusCode != http.StatusOK {
		t.Fatalf("cookie PUT by the group's admin: %d %s", resp.StatusCode, body)
	}
	if entries := h.audit(t, 42); len(entries) != 1 || entries[0].Actor != "ann.acme.glance.net" || entries[0].Field != "sso.description" {
		t.Errorf("audit = %+v", entries)
	}
}

func TestSPKeysAPIAddsAndRetiresWithAudit(t *testing.T) {
	h := newHarness(t)
	resp, body := h.do(t, http.MethodGet, "/admin/api/groups/42/sp-keys", "", bearer...)
	var got struct{ Keys []spKeyJSON }
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || len(got.Keys) != 1 || got.Keys[0].State != store.SPKeyCurrent {
		t.Fatalf("GET keys: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "PRIVATE") {
		t.Fatal("the SP keys JSON holds a private key")
	}
	current := got.Keys[0].ID
	resp, body = h.do(t, http.MethodPost, "/admin/api/groups/42/sp-keys", "", bearer...)
	var next spKeyJSON
	if err := json.Unmarshal([]byte(body), &next); err != nil || resp.StatusCode != http.StatusCreated || next.State != store.SPKeyNext {
		t.Fatalf("POST key: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.do(t, http.MethodPost, "/admin/api/groups/42/sp-keys", "", bearer...); resp.StatusCode != http.StatusConflict {
		t.Errorf("second next key: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, http.MethodDelete, "/admin/api/groups/42/sp-keys/sha256:nope", "", bearer...); resp.StatusCode != http.StatusNotFound {
		t.Errorf("retire unknown key: %d", resp.StatusCode)
	}
	if resp, body := h.do(t, http.MethodDelete, "/admin/api/groups/42/sp-keys/"+current, "", bearer...); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("retire: %d %s", resp.StatusCode, body)
	}
	entries := h.audit(t, 42)
	if len(entries) != 2 || entries[0].Old != current || entries[0].New != "retired" || !strings.HasPrefix(entries[1].New, next.ID) {
		t.Errorf("audit = %+v", entries)
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// ssoForm is the form's fields as the page renders them for group 42.
func (h *harness) ssoForm(t *testing.T) (url.Values, string) {
	t.Helper()
	resp, body := h.get(t, "/admin/groups/42/sso")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sso-form"`) {
		t.Fatalf("GET form: %d %s", resp.StatusCode, body)
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	g, _ := h.store.GetGroup(context.Background(), 42)
	return url.Values{
		"csrf": {m[1]}, "method": {"saml2"}, "status": {"provisioning"}, "idpEntityID": {g.SSO.IdPEntityID},
		"idpSSOURL": {g.SSO.IdPSSOURL}, "idpBinding": {"redirect"}, "idpCertificate": {g.SSO.IdPCertificates[0], "", "", "", ""},
		"entityID": {g.SSO.EntityID}, "accountID": {g.AccountID}, "idpInitiatedRedirect": {"/agentjoin/AgentJoin.aspx"},
		"allowIdPInitiated": {"on"}, "nameIDPolicy": {"email"}, "clockSkewSeconds": {"180"}, "maxResponseBytes": {"262144"},
	}, body
}

func TestSSOFormSavesThroughValidation(t *testing.T) {
	h := newHarness(t)
	if resp, _ := h.get(t, "/admin/groups/42/sso"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous form: %d", resp.StatusCode)
	}
	if resp, _ := h.postForm(t, "/admin/login", url.Values{"password": {adminPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin login: %d", resp.StatusCode)
	}
	if _, body := h.get(t, "/admin/accesslog"); !strings.Contains(body, `href="/admin/groups/42/sso"`) {
		t.Error("the access log does not link the settings screen")
	}
	form, page := h.ssoForm(t)
	for _, id := range []string{`id="method"`, `id="idp-certificate-1"`, `id="idp-certificate-5"`, `id="save"`, `id="audit"`, `id="sp-keys"`, `id="add-next-key"`, `id="fingerprint-1"`} {
		if !strings.Contains(page, id) {
			t.Errorf("the page lacks %s", id)
		}
	}
	before, _ := h.store.GetGroup(context.Background(), 42)

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("idpInitiatedRedirect", "https://evil.test/")
	resp, body := h.postForm(t, "/admin/groups/42/sso", bad)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error-idpInitiatedRedirect"`) || !strings.Contains(body, `value="https://evil.test/"`) {
		t.Fatalf("bad redirect: %d %s", resp.StatusCode, body)
	}
	if after, _ := h.store.GetGroup(context.Background(), 42); mustJSON(t, after) != mustJSON(t, before) {
		t.Error("a refused form changed the group")
	}

	noToken := url.Values{}
	for k, v := range form {
		noToken[k] = v
	}
	noToken.Del("csrf")
	noToken.Set("description", "forged")
	if resp, _ := h.postForm(t, "/admin/groups/42/sso", noToken); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", resp.StatusCode)
	}
	noToken.Set("csrf", "forged-token")
	if resp, _ := h.postForm(t, "/admin/groups/42/sso", noToken); resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", resp.StatusCode)
	}

	form.Set("idpInitiatedRedirect", "/agentjoin/Queue.aspx")
	resp, _ = h.postForm(t, "/admin/groups/42/sso", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/groups/42/sso?saved=1" {
		t.Fatalf("good form: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = h.get(t, resp.Header.Get("Location"))
	if !strings.Contains(body, `id="saved"`) || !strings.Contains(body, `data-field="sso.idpInitiatedRedirect"`) || !strings.Contains(body, "/agentjoin/Queue.aspx") {
		t.Fatalf("after saving: %s", body)
	}
	g, _ := h.store.GetGroup(context.Background(), 42)
	if g.SSO.IdPInitiatedRedirect != "/agentjoin/Queue.aspx" || !g.SSO.AllowIdPInitiated || g.Name != "acme" {
		t.Errorf("saved group = %+v", g)
	}
	if entries := h.audit(t, 42); len(entries) != 1 || entries[0].Actor != "admin" {
		t.Errorf("audit = %+v (only the redirect changed)", entries)
	}

	// The SP-key forms need the token too.
	if resp, _ := h.postForm(t, "/admin/groups/42/sp-keys", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("add key without token: %d", resp.StatusCode)
	}
	if resp, _ := h.postForm(t, "/admin/groups/42/sp-keys", url.Values{"csrf": form["csrf"]}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("add key: %d", resp.StatusCode)
	}
}
