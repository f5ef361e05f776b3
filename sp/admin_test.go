package sp

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/sp/idpmetadata"
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

// IdP metadata: upload on the form, URL fetched on save, raw XML on the API.

// newIdPEntityID is the entity ID of the metadata documents below.
const newIdPEntityID = "https://idp.new.test/metadata"

func certificateBody(name string) string {
	lines := strings.Split(strings.TrimSpace(fixtures.MustLoad(name).CertificatePEM), "\n")
	return strings.Join(lines[1:len(lines)-1], "")
}

// idpMetadataDoc is IdP metadata publishing the named fixture keys for
// signing (none: no signing key, only an encryption key).
func idpMetadataDoc(t *testing.T, keys ...string) []byte {
	t.Helper()
	kds := []saml.KeyDescriptor{}
	for _, k := range keys {
		kds = append(kds, saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: certificateBody(k)}}}}})
	}
	if len(keys) == 0 {
		kds = append(kds, saml.KeyDescriptor{Use: "encryption", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: certificateBody(fixtures.IdPKeyRogue)}}}}})
	}
	ed := saml.EntityDescriptor{EntityID: newIdPEntityID, IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor:        saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol", KeyDescriptors: kds}},
		SingleSignOnServices: []saml.Endpoint{{Binding: saml.HTTPPostBinding, Location: "https://idp.new.test/sso"}},
	}}}
	b, err := xml.Marshal(ed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spMetadataDoc is an SP's metadata: no IDPSSODescriptor.
func spMetadataDoc(t *testing.T) []byte {
	t.Helper()
	ed := saml.EntityDescriptor{EntityID: "https://sp.other.test", SPSSODescriptors: []saml.SPSSODescriptor{{
		AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: "https://sp.other.test/acs", Index: 1}},
	}}}
	b, err := xml.Marshal(ed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postMultipart posts form as multipart/form-data with file (when not nil)
// as idpMetadataFile.
func (h *harness) postMultipart(t *testing.T, path string, form url.Values, filename string, file []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("idpMetadataFile", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return h.do(t, http.MethodPost, path, buf.String(), "Content-Type", mw.FormDataContentType())
}

// adminForm signs in with the admin password and returns the form.
func (h *harness) adminForm(t *testing.T) (url.Values, string) {
	t.Helper()
	if resp, _ := h.postForm(t, "/admin/login", url.Values{"password": {adminPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin login: %d", resp.StatusCode)
	}
	return h.ssoForm(t)
}

func (h *harness) groupJSON(t *testing.T) string {
	t.Helper()
	g, err := h.store.GetGroup(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, g)
}

// checkNewIdP checks that group 42 now trusts the metadata's IdP and that
// the change is audited field by field, with the metadata's provenance.
func (h *harness) checkNewIdP(t *testing.T, provenance string) {
	t.Helper()
	g, _ := h.store.GetGroup(context.Background(), 42)
	if g.SSO.IdPEntityID != newIdPEntityID || g.SSO.IdPSSOURL != "https://idp.new.test/sso" || g.SSO.IdPBinding != store.BindingPOST ||
		len(g.SSO.IdPCertificates) != 1 || !strings.Contains(g.SSO.IdPCertificates[0], certificateBody(fixtures.IdPKeyB)[:60]) {
		t.Errorf("saved SSO settings = %+v", g.SSO)
	}
	fields := map[string]store.AuditEntry{}
	for _, e := range h.audit(t, 42) {
		fields[e.Field] = e
	}
	for _, f := range []string{"sso.idpEntityID", "sso.idpSSOURL", "sso.idpBinding", "sso.idpCertificates[0]", "sso.idpMetadata"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("no audit entry for %s: %+v", f, fields)
		}
	}
	if e := fields["sso.idpMetadata"]; !strings.HasPrefix(e.New, provenance) {
		t.Errorf("provenance = %q, want %q…", e.New, provenance)
	}
	for _, e := range fields {
		if strings.Contains(e.Old+e.New, "BEGIN") {
			t.Errorf("audit entry %s holds PEM", e.Field)
		}
	}
}

func TestSSOFormShowsEveryNewField(t *testing.T) {
	h := newHarness(t)
	_, page := h.adminForm(t)
	for _, want := range []string{`enctype="multipart/form-data"`, `id="authn-context-class" name="authnContextClassRef"`, `id="authn-context-comparison" name="authnContextComparison"`,
		`id="acs-parameter-style" name="acsParameterStyle"`, `id="idp-metadata-url" name="idpMetadataURL"`, `type="file" id="idp-metadata-file" name="idpMetadataFile"`,
		`<option value="query" selected>`, `<option value="exact" selected>`, "Relay State: the ACS URL is bare"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestSSOFormUploadFillsIdPSettings(t *testing.T) {
	h := newHarness(t)
	form, _ := h.adminForm(t)
	// The text fields say otherwise: the file wins.
	form.Set("idpEntityID", "http://typed.test/")
	form.Set("idpSSOURL", "http://typed.test/sso")
	resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "idp.xml", idpMetadataDoc(t, fixtures.IdPKeyB))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	h.checkNewIdP(t, "uploaded file (sha256 ")
	if _, page := h.get(t, "/admin/groups/42/sso?saved=1"); !strings.Contains(page, `data-field="sso.idpMetadata"`) || !strings.Contains(page, newIdPEntityID) {
		t.Error("the screen does not show the upload in the audit trail")
	}
}

func TestSSOFormRefusesUnusableMetadataFiles(t *testing.T) {
	h := newHarness(t)
	form, _ := h.adminForm(t)
	before := h.groupJSON(t)
	withURL := url.Values{}
	for k, v := range form {
		withURL[k] = v
	}
	withURL.Set("idpMetadataURL", "https://idp.new.test/metadata")
	cases := []struct {
		name string
		form url.Values
		file []byte
		want string
	}{
		{"HTML", form, []byte("<!doctype html><html><body>Sign in</body></html>"), "DOCTYPE"},
		{"HTML without doctype", form, []byte("<html><body>Sign in</body></html>"), "not SAML metadata"},
		{"SP metadata", form, spMetadataDoc(t), "no IDPSSODescriptor"},
		{"no signing key", form, idpMetadataDoc(t), "no signing key"},
		{"empty file", form, []byte{}, "empty"},
		{"upload while a metadata URL is set", withURL, idpMetadataDoc(t, fixtures.IdPKeyB), "clear the Metadata URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.postMultipart(t, "/admin/groups/42/sso", tc.form, "idp.xml", tc.file)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error-idpMetadataFile"`) || !strings.Contains(body, tc.want) {
				t.Fatalf("%d, want 400 with error-idpMetadataFile saying %q: %s", resp.StatusCode, tc.want, body)
			}
			if !strings.Contains(body, `value="`+idpEntityID+`"`) {
				t.Error("the re-rendered form lost the IdP entity ID the admin had")
			}
		})
	}
	if after := h.groupJSON(t); after != before {
		t.Errorf("a refused upload changed the group:\n%s\n%s", before, after)
	}
	if n := len(h.audit(t, 42)); n != 0 {
		t.Errorf("%d audit entries after refused uploads", n)
	}
}

// metadataServer serves IdP metadata, or fails with status when not 200,
// and counts requests.
func metadataServer(t *testing.T, doc []byte, status, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if code := int(status.Load()); code != http.StatusOK {
			http.Error(w, "broken", code)
			return
		}
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSSOFormFetchesAChangedMetadataURL(t *testing.T) {
	h := newHarness(t)
	var status, hits atomic.Int32
	status.Store(http.StatusInternalServerError)
	md := metadataServer(t, idpMetadataDoc(t, fixtures.IdPKeyB), &status, &hits)
	form, _ := h.adminForm(t)
	before := h.groupJSON(t)

	form.Set("idpMetadataURL", md.URL+"/metadata")
	resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "", nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error-idpMetadataURL"`) || !strings.Contains(body, "500") {
		t.Fatalf("URL answering 500: %d %s", resp.StatusCode, body)
	}
	if h.groupJSON(t) != before || len(h.audit(t, 42)) != 0 {
		t.Fatal("a failed fetch saved something")
	}

	status.Store(http.StatusOK)
	resp, body = h.postMultipart(t, "/admin/groups/42/sso", form, "", []byte{}) // an empty file input, as browsers send it
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("URL answering metadata: %d %s", resp.StatusCode, body)
	}
	h.checkNewIdP(t, "fetched from the Metadata URL")
	g, _ := h.store.GetGroup(context.Background(), 42)
	if g.SSO.IdPMetadataURL != md.URL+"/metadata" {
		t.Errorf("metadata URL = %q", g.SSO.IdPMetadataURL)
	}

	// Saving again with the same URL does not fetch (the schedule refreshes it).
	hits.Store(0)
	form, _ = h.ssoForm(t)
	form.Set("idpMetadataURL", g.SSO.IdPMetadataURL)
	form.Set("description", "unchanged URL")
	if resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "", nil); resp.StatusCode != http.StatusSeeOther || hits.Load() != 0 {
		t.Errorf("unchanged URL: %d, %d fetches: %s", resp.StatusCode, hits.Load(), body)
	}
}

func TestSSOFormMetadataURLMustBeHTTP(t *testing.T) {
	h := newHarness(t)
	form, _ := h.adminForm(t)
	before := h.groupJSON(t)
	for _, u := range []string{"file:///etc/passwd", "/metadata", "https://user:pw@idp.test/md"} {
		form.Set("idpMetadataURL", u)
		resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error-idpMetadataURL"`) {
			t.Errorf("%s: %d %s", u, resp.StatusCode, body)
		}
	}
	if h.groupJSON(t) != before {
		t.Error("a refused URL changed the group")
	}
}

func TestSSOFormAuthnContextAndACSStyle(t *testing.T) {
	h := newHarness(t)
	form, _ := h.adminForm(t)
	before := h.groupJSON(t)
	for _, tc := range []struct{ field, value, errorID string }{
		{"acsParameterStyle", "path", "error-acsParameterStyle"},
		{"authnContextComparison", "roughly", "error-authnContextComparison"},
		{"authnContextClassRef", "urn:a urn:b", "error-authnContextClassRef"},
	} {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set(tc.field, tc.value)
		resp, body := h.postMultipart(t, "/admin/groups/42/sso", bad, "", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="`+tc.errorID+`"`) {
			t.Errorf("%s=%q: %d, want 400 with %s", tc.field, tc.value, resp.StatusCode, tc.errorID)
		}
	}
	if h.groupJSON(t) != before {
		t.Fatal("a refused form changed the group")
	}

	// The defaults as the page submits them record no change.
	form.Set("authnContextClassRef", "")
	form.Set("authnContextComparison", "exact")
	form.Set("acsParameterStyle", "query")
	form.Set("idpMetadataURL", "")
	if resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("defaults: %d %s", resp.StatusCode, body)
	}
	if entries := h.audit(t, 42); len(entries) != 0 {
		t.Errorf("saving the defaults recorded %+v", entries)
	}

	form.Set("authnContextClassRef", " urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport ")
	form.Set("authnContextComparison", "minimum")
	form.Set("acsParameterStyle", "relaystate")
	if resp, body := h.postMultipart(t, "/admin/groups/42/sso", form, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good values: %d %s", resp.StatusCode, body)
	}
	g, _ := h.store.GetGroup(context.Background(), 42)
	if g.SSO.AuthnContextClassRef != "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport" || g.SSO.AuthnContextComparison != "minimum" || g.SSO.ACSParameterStyle != store.ACSStyleRelayState {
		t.Errorf("saved = %+v", g.SSO)
	}
	if n := len(h.audit(t, 42)); n != 3 {
		t.Errorf("%d audit entries, want 3", n)
	}
	if _, page := h.get(t, "/admin/groups/42/sso"); !strings.Contains(page, `<option value="relaystate" selected>`) || !strings.Contains(page, `<option value="minimum" selected>`) {
		t.Error("the page does not show the saved selects")
	}
}

func TestSSOFormMultipartNeedsTheCSRFToken(t *testing.T) {
	h := newHarness(t)
	form, _ := h.adminForm(t)
	before := h.groupJSON(t)
	form.Del("csrf")
	if resp, _ := h.postMultipart(t, "/admin/groups/42/sso", form, "idp.xml", idpMetadataDoc(t, fixtures.IdPKeyB)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	form.Set("csrf", "forged-token")
	if resp, _ := h.postMultipart(t, "/admin/groups/42/sso", form, "idp.xml", idpMetadataDoc(t, fixtures.IdPKeyB)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	if h.groupJSON(t) != before || len(h.audit(t, 42)) != 0 {
		t.Error("a forged form changed the group")
	}
	// An upload over the bound is refused before anything is read.
	form, _ = h.ssoForm(t)
	huge := append(idpMetadataDoc(t, fixtures.IdPKeyB), bytes.Repeat([]byte(" "), idpmetadata.MaxBytes)...)
	if resp, _ := h.postMultipart(t, "/admin/groups/42/sso", form, "idp.xml", huge); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized upload: %d", resp.StatusCode)
	}
	if h.groupJSON(t) != before {
		t.Error("an oversized upload changed the group")
	}
}

var xmlBearer = []string{"Authorization", "Bearer " + adminPassword, "Content-Type", "application/samlmetadata+xml"}

func TestIdPMetadataAPI(t *testing.T) {
	h := newHarness(t)
	before := h.groupJSON(t)
	refusals := []struct {
		name   string
		body   string
		header []string
		status int
		want   string
	}{
		{"HTML", "<html><body>hi</body></html>", xmlBearer, http.StatusBadRequest, `"idpMetadata"`},
		{"SP metadata", string(spMetadataDoc(t)), xmlBearer, http.StatusBadRequest, "no IDPSSODescriptor"},
		{"no signing key", string(idpMetadataDoc(t)), xmlBearer, http.StatusBadRequest, "no signing key"},
		{"empty", "", xmlBearer, http.StatusBadRequest, "empty"},
		{"JSON content type", string(idpMetadataDoc(t, fixtures.IdPKeyB)), bearer, http.StatusUnsupportedMediaType, "samlmetadata+xml"},
		{"too large", strings.Repeat(" ", idpmetadata.MaxBytes+1), xmlBearer, http.StatusRequestEntityTooLarge, "over"},
		{"anonymous", string(idpMetadataDoc(t, fixtures.IdPKeyB)), []string{"Content-Type", "text/xml"}, http.StatusUnauthorized, "admin access"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.do(t, http.MethodPost, "/admin/api/groups/42/idp-metadata", tc.body, tc.header...)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s, want %d saying %q", resp.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	if h.groupJSON(t) != before || len(h.audit(t, 42)) != 0 {
		t.Fatal("a refused POST changed the group")
	}
	resp, body := h.do(t, http.MethodPost, "/admin/api/groups/42/idp-metadata", string(idpMetadataDoc(t, fixtures.IdPKeyB)), xmlBearer...)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, newIdPEntityID) {
		t.Fatalf("POST metadata: %d %s", resp.StatusCode, body)
	}
	h.checkNewIdP(t, "posted to the API (sha256 ")
}

func TestIdPMetadataAPIWithASessionNeedsXRequestedWith(t *testing.T) {
	h := newHarness(t)
	h.signIn(t, "/agentjoin/AgentJoin.aspx?idpid=42", "ann@acme.test")
	doc := string(idpMetadataDoc(t, fixtures.IdPKeyB))
	if resp, _ := h.do(t, http.MethodPost, "/admin/api/groups/42/idp-metadata", doc, "Content-Type", "text/xml"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without X-Requested-With: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, http.MethodPost, "/admin/api/groups/42/idp-metadata", doc, "Content-Type", "text/plain", "X-Requested-With", "fetch"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("text/plain (a cross-site form's type): %d", resp.StatusCode)
	}
	if resp, body := h.do(t, http.MethodPost, "/admin/api/groups/42/idp-metadata", doc, "Content-Type", "text/xml", "X-Requested-With", "fetch"); resp.StatusCode != http.StatusOK {
		t.Fatalf("group admin: %d %s", resp.StatusCode, body)
	}
	if entries := h.audit(t, 42); len(entries) == 0 || entries[0].Actor != "ann.acme.glance.net" {
		t.Errorf("audit = %+v", entries)
	}
}

func TestSettingsAPIPutFetchesAChangedMetadataURL(t *testing.T) {
	h := newHarness(t)
	var status, hits atomic.Int32
	status.Store(http.StatusInternalServerError)
	md := metadataServer(t, idpMetadataDoc(t, fixtures.IdPKeyB), &status, &hits)
	before := h.groupJSON(t)
	doc := h.settingsDoc(t)
	doc["sso"].(map[string]any)["idpMetadataURL"] = md.URL
	resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"sso.idpMetadataURL"`) {
		t.Fatalf("URL answering 500: %d %s", resp.StatusCode, body)
	}
	if h.groupJSON(t) != before || len(h.audit(t, 42)) != 0 {
		t.Fatal("a failed fetch saved something")
	}
	status.Store(http.StatusOK)
	if resp, body := h.do(t, http.MethodPut, "/admin/api/groups/42", mustJSON(t, doc), bearer...); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, body)
	}
	h.checkNewIdP(t, "fetched from the Metadata URL")
	if n := hits.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
}
