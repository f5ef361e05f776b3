package sp

import (
	"bytes"
	"html/template"
	"net/http"
)

// Pages are server-rendered and work without JavaScript (the HTTP-POST
// binding's auto-submit aside, which has a visible button as fallback).
// Element ids are stable: the browser scenarios wait on them.

const layout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}} · ssoharness SP</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2733}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.refused{color:#a00}.success{color:#060}code{background:#f2f4f7;padding:0 .2rem}nav a{margin-right:1rem}
</style></head><body><nav><a href="/">ssoharness SP</a><a href="/whoami">whoami</a><a href="/admin/accesslog">access log</a><a href="/logout">sign out</a></nav>{{end}}
{{define "bottom"}}</body></html>{{end}}`

var (
	homePage = page(`{{template "top" "Accounts"}}
<h1 id="home">Accounts on this service provider</h1>
<table id="groups"><tr><th>Group ID</th><th>Name</th><th>Unique account id</th><th>SSO</th><th></th></tr>
{{range .Groups}}<tr><td>{{.ID}}</td><td>{{.Name}}</td><td>{{.AccountID}}</td><td>{{.SSO.Method}} · {{.SSO.Status}}</td>
<td><a href="/agentjoin/AgentJoin.aspx?idpid={{.ID}}">sign in</a> · <a href="/saml/metadata?idpid={{.ID}}">SP metadata</a>{{if index $.Administered .ID}} · <a id="sso-settings-link-{{.ID}}" href="/admin/groups/{{.ID}}/sso">SSO settings</a>{{end}}</td></tr>{{end}}
</table>{{template "bottom"}}`)

	agentPage = page(`{{template "top" .Page}}
<h1 id="agent-page">{{.Page}}</h1>
<p>Signed in as <strong id="user-address">{{.User.GlanceAddress}}</strong>
({{.User.FirstName}} {{.User.LastName}}, <span id="user-email">{{.User.Email}}</span>, role {{.User.Role}})
to group <strong id="group-id">{{.Group.ID}}</strong> “{{.Group.Name}}”.</p>
{{with .Query.Get "SessionKey"}}<p>Session key: <code id="session-key">{{.}}</code></p>{{end}}
{{template "bottom"}}`)

	chooseGroupPage = page(`{{template "top" "Choose your account"}}
<h1 id="choose-group">Which account?</h1>
<p>This page needs a signed-in user. Name the account to sign in to.</p>
<form method="get" action="{{.Path}}">
{{range $k, $vs := .Query}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<label>Account name <input name="idpname" required></label> <button type="submit">Sign in</button></form>
{{template "bottom"}}`)

	refusalPage = page(`{{template "top" .Title}}
<h1 id="refusal">{{.Title}}</h1>
<p id="refusal-message">{{.Message}}</p>
<p>Reason: <code id="refusal-reason">{{.Reason}}</code>{{with .CorrelationID}} · reference <code id="correlation-id">{{.}}</code>{{end}}</p>
{{with .RetryURL}}<p><a id="retry" href="{{.}}">Try again</a></p>{{end}}
{{template "bottom"}}`)

	loggedOutPage = page(`{{template "top" "Signed out"}}<h1 id="signed-out">You are signed out.</h1>{{template "bottom"}}`)

	adminLoginPage = page(`{{template "top" "Admin sign-in"}}
<h1 id="admin-login">Admin sign-in</h1>
{{if .Enabled}}{{with .Error}}<p class="refused" id="admin-error">{{.}}</p>{{end}}
<form method="post" action="/admin/login"><label>Admin password <input type="password" name="password" required></label>
<button type="submit" id="admin-submit">Sign in</button></form>
<p>Users whose role is <code>admin</code> can also see their own group's access log after single sign-on.</p>
{{else}}<p>No admin password is configured (admin.password in the SP config).</p>{{end}}
{{template "bottom"}}`)

	accessLogPage = page(`{{template "top" "Access log"}}
<h1 id="access-log-title">Access log</h1>
{{with .Groups}}<p>SSO settings: {{range .}}<a id="sso-settings-link-{{.ID}}" href="/admin/groups/{{.ID}}/sso">{{.Name}} ({{.ID}})</a> {{end}}</p>{{end}}
<form method="get"><label>Outcome <select name="outcome"><option value="">any</option>
<option value="success"{{if eq .Query.Outcome "success"}} selected{{end}}>success</option>
<option value="refused"{{if eq .Query.Outcome "refused"}} selected{{end}}>refused</option></select></label>
<button type="submit" id="filter">Filter</button> · <a href="/admin/api/accesslog">JSON</a></form>
<table id="access-log"><tr><th>Time (UTC)</th><th>Group</th><th>Outcome</th><th>Reason</th><th>Issuer</th><th>NameID</th><th>Detail</th></tr>
{{range .Entries}}<tr class="entry {{.Outcome}}" data-outcome="{{.Outcome}}" data-reason="{{.Reason}}">
<td>{{.Time.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.GroupID}}</td><td>{{.Outcome}}</td><td><code>{{.Reason}}</code></td>
<td>{{.Issuer}}</td><td>{{.NameID}}</td><td>{{.Detail}}{{with .VerifiedBy}}<br>verified by {{.}}{{end}}
{{with .SignatureAlgorithm}}<br>algorithm {{.}}{{end}}{{with .CorrelationID}}<br>reference {{.}}{{end}}
{{if .Attributes}}<details class="attributes"><summary>attributes</summary>{{range $k, $v := .Attributes}}<div><code>{{$k}}</code> = {{range $v}}<code>{{.}}</code> {{end}}</div>{{end}}</details>{{end}}</td></tr>
{{else}}<tr><td colspan="7" id="access-log-empty">No sign-on attempts yet.</td></tr>{{end}}
</table>{{template "bottom"}}`)

	ssoSettingsPage = page(`{{template "top" "SSO Configure"}}
<h1 id="sso-settings-title">SSO Configure: {{.Group.Name}} (group {{.Group.ID}})</h1>
{{if .Saved}}<p class="success" id="saved">Saved.</p>{{end}}
{{if eq .Notice "key-added"}}<p class="success" id="key-added">The next SP key was added.</p>{{end}}
{{if eq .Notice "key-retired"}}<p class="success" id="key-retired">The SP key was retired.</p>{{end}}
{{if .Errors}}<p class="refused" id="form-errors">Nothing was saved: correct the fields marked below.</p>{{end}}
{{range .Warnings}}<p class="warning" data-warning>{{.}}</p>{{end}}
<form method="post" id="sso-form" action="/admin/groups/{{.Group.ID}}/sso" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{$e := .Errors}}{{$s := .Group.SSO}}
<p><label for="method">Single Sign-On Method</label>
<select id="method" name="method">
<option value="off"{{if eq (print $s.Method) "off"}} selected{{end}}>Off</option>
<option value="saml2"{{if eq (print $s.Method) "saml2"}} selected{{end}}>SAML 2.0</option>
<option value="saml2-encrypted"{{if eq (print $s.Method) "saml2-encrypted"}} selected{{end}}>Encrypted SAML 2.0</option>
</select>{{with index $e "method"}} <span class="refused" id="error-method">{{.}}</span>{{end}}</p>
<p><label for="description">Description</label> <input id="description" name="description" size="60" value="{{$s.Description}}">{{with index $e "description"}} <span class="refused" id="error-description">{{.}}</span>{{end}}</p>
<p><label for="status">Operational Status</label>
<select id="status" name="status">
<option value="provisioning"{{if eq (print $s.Status) "provisioning"}} selected{{end}}>Provisioning</option>
<option value="production"{{if eq (print $s.Status) "production"}} selected{{end}}>Production</option>
</select>{{with index $e "status"}} <span class="refused" id="error-status">{{.}}</span>{{end}}</p>
<h2>Identity Provider Configuration</h2>
<p><label for="idp-metadata-file">Metadata File Upload</label> <input type="file" id="idp-metadata-file" name="idpMetadataFile" accept=".xml,application/samlmetadata+xml,text/xml,application/xml">{{with index $e "idpMetadataFile"}} <span class="refused" id="error-idpMetadataFile">{{.}}</span>{{end}}<br>
<small>The XML document your identity provider furnishes. On save it fills the IdP Entity ID, Endpoint URL, Endpoint Type and public keys below, replacing what they say.</small></p>
<p><label for="idp-metadata-url">Metadata URL</label> <input id="idp-metadata-url" name="idpMetadataURL" size="60" value="{{$s.IdPMetadataURL}}" placeholder="https://idp.example.com/metadata">{{with index $e "idpMetadataURL"}} <span class="refused" id="error-idpMetadataURL">{{.}}</span>{{end}}<br>
<small>A Metadata Discovery Endpoint: fetched when you save a new URL and every hour after, filling the same fields. Leave empty to set them by hand or by upload.</small></p>
<p><label for="idpEntityID">IdP Entity ID</label> <input id="idpEntityID" name="idpEntityID" size="60" value="{{$s.IdPEntityID}}">{{with index $e "idpEntityID"}} <span class="refused" id="error-idpEntityID">{{.}}</span>{{end}}</p>
<p><label for="idpSSOURL">Identity Provider Endpoint URL</label> <input id="idpSSOURL" name="idpSSOURL" size="60" value="{{$s.IdPSSOURL}}">{{with index $e "idpSSOURL"}} <span class="refused" id="error-idpSSOURL">{{.}}</span>{{end}}</p>
<p><label for="idpBinding">Identity Provider Endpoint Type</label>
<select id="idpBinding" name="idpBinding">
<option value="redirect"{{if eq (print $s.IdPBinding) "redirect"}} selected{{end}}>Redirect</option>
<option value="post"{{if eq (print $s.IdPBinding) "post"}} selected{{end}}>POST</option>
</select>{{with index $e "idpBinding"}} <span class="refused" id="error-idpBinding">{{.}}</span>{{end}}</p>
{{with index $e "idpCertificates"}}<p class="refused" id="error-idpCertificates">{{.}}</p>{{end}}
{{range .Certificates}}{{$n := .Number}}<div class="certificate">
<p><label for="idp-certificate-{{.Number}}">{{if eq .Number 1}}X.509 Public Key{{else}}Additional X.509 Public Key {{.Number}}{{end}}</label><br>
<textarea id="idp-certificate-{{.Number}}" name="idpCertificate" rows="4" cols="70">{{.Text}}</textarea>
{{with .Info.Fingerprint}}<br><span id="fingerprint-{{$n}}" class="fingerprint">fingerprint <code>{{.}}</code></span>{{end}}
{{if not .Info.NotAfter.IsZero}} · <span class="{{if .Info.Expired}}refused{{end}}" id="expiry-{{.Number}}">{{if .Info.Expired}}EXPIRED{{else}}valid until{{end}} {{.Info.NotAfter.UTC.Format "2006-01-02"}}</span>{{end}}
{{with .Error}}<br><span class="refused" id="error-idp-certificate-{{$n}}">{{.}}</span>{{end}}</p></div>{{end}}
<p><label for="entityID">Entity ID</label> <input id="entityID" name="entityID" size="40" value="{{$s.EntityID}}">{{with index $e "entityID"}} <span class="refused" id="error-entityID">{{.}}</span>{{end}}</p>
<p><label for="identityAttribute">User Identity Attribute Name</label> <input id="identityAttribute" name="identityAttribute" size="40" value="{{$s.IdentityAttribute}}">{{with index $e "identityAttribute"}} <span class="refused" id="error-identityAttribute">{{.}}</span>{{end}}</p>
<h2>Optional Configuration</h2>
<p><label for="accountID">Unique Account ID</label> <input id="accountID" name="accountID" size="40" value="{{.Group.AccountID}}">{{with index $e "accountID"}} <span class="refused" id="error-accountID">{{.}}</span>{{end}}</p>
<p><label for="idpInitiatedRedirect">Redirect for IdP-initiated sessions</label> <input id="idpInitiatedRedirect" name="idpInitiatedRedirect" size="40" value="{{$s.IdPInitiatedRedirect}}" placeholder="/agentjoin/AgentJoin.aspx">{{with index $e "idpInitiatedRedirect"}} <span class="refused" id="error-idpInitiatedRedirect">{{.}}</span>{{end}}</p>
<p><label><input type="checkbox" id="allowIdPInitiated" name="allowIdPInitiated" value="on"{{if $s.AllowIdPInitiated}} checked{{end}}> Allow IdP-initiated sign-on</label></p>
<p><label for="authn-context-class">Authentication Context</label> <input id="authn-context-class" name="authnContextClassRef" size="60" value="{{$s.AuthnContextClassRef}}" placeholder="empty: none requested">
<select id="authn-context-comparison" name="authnContextComparison" aria-label="Authentication context comparison">
<option value="exact"{{if or (eq $s.AuthnContextComparison "") (eq $s.AuthnContextComparison "exact")}} selected{{end}}>exact</option>
<option value="minimum"{{if eq $s.AuthnContextComparison "minimum"}} selected{{end}}>minimum</option>
<option value="maximum"{{if eq $s.AuthnContextComparison "maximum"}} selected{{end}}>maximum</option>
<option value="better"{{if eq $s.AuthnContextComparison "better"}} selected{{end}}>better</option>
</select>{{with index $e "authnContextClassRef"}} <span class="refused" id="error-authnContextClassRef">{{.}}</span>{{end}}{{with index $e "authnContextComparison"}} <span class="refused" id="error-authnContextComparison">{{.}}</span>{{end}}<br>
<small>Empty (the default) sends no RequestedAuthnContext, which some IdPs refuse to receive. A class reference such as <code>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</code> is requested with the comparison, and the response must satisfy it. Your identity provider gives you this setting.</small></p>
<p><label for="acs-parameter-style">ACS Parameter Style</label>
<select id="acs-parameter-style" name="acsParameterStyle">
<option value="query"{{if or (eq (print $s.ACSParameterStyle) "") (eq (print $s.ACSParameterStyle) "query")}} selected{{end}}>Query</option>
<option value="relaystate"{{if eq (print $s.ACSParameterStyle) "relaystate"}} selected{{end}}>Relay State</option>
</select>{{with index $e "acsParameterStyle"}} <span class="refused" id="error-acsParameterStyle">{{.}}</span>{{end}}<br>
<small>Query: the parameters saying what to do after sign-on are appended to the ACS URL (most identity providers). Relay State: the ACS URL is bare and those parameters travel in the separate RelayState element.</small></p>
<p><label for="nameIDPolicy">Name ID Policy</label>
<select id="nameIDPolicy" name="nameIDPolicy">
<option value="email"{{if eq (print $s.NameIDPolicy) "email"}} selected{{end}}>Email</option>
<option value="unspecified"{{if eq (print $s.NameIDPolicy) "unspecified"}} selected{{end}}>Unspecified</option>
<option value="persistent"{{if eq (print $s.NameIDPolicy) "persistent"}} selected{{end}}>Persistent</option>
<option value="transient"{{if eq (print $s.NameIDPolicy) "transient"}} selected{{end}}>Transient</option>
</select>{{with index $e "nameIDPolicy"}} <span class="refused" id="error-nameIDPolicy">{{.}}</span>{{end}}</p>
<p><label for="clockSkewSeconds">Clock skew (seconds, 0..3600)</label> <input id="clockSkewSeconds" name="clockSkewSeconds" size="6" value="{{$s.ClockSkewSeconds}}">{{with index $e "clockSkewSeconds"}} <span class="refused" id="error-clockSkewSeconds">{{.}}</span>{{end}}</p>
<p><label for="maxResponseBytes">Maximum response size (bytes, 1024..4194304)</label> <input id="maxResponseBytes" name="maxResponseBytes" size="9" value="{{$s.MaxResponseBytes}}">{{with index $e "maxResponseBytes"}} <span class="refused" id="error-maxResponseBytes">{{.}}</span>{{end}}</p>
<p><label><input type="checkbox" id="allowSHA1" name="allowSHA1" value="on"{{if $s.AllowSHA1}} checked{{end}}> Allow SHA-1 signatures</label></p>
<p><label><input type="checkbox" id="allowPKCS1v15" name="allowPKCS1v15" value="on"{{if $s.AllowPKCS1v15}} checked{{end}}> Allow RSA PKCS#1 v1.5 key transport (encrypted assertions)</label></p>
<p><button type="submit" id="save">Save</button></p>
</form>
<h2>SP keys</h2>
<table id="sp-keys"><tr><th>Fingerprint</th><th>State</th><th>Created (UTC)</th><th>Valid until</th><th></th></tr>
{{range .SPKeys}}<tr class="sp-key" data-key-id="{{.ID}}" data-state="{{.State}}"><td><code>{{.ID}}</code></td><td>{{.State}}</td><td>{{.CreatedAt.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.NotAfter.UTC.Format "2006-01-02"}}</td>
<td><form method="post" action="/admin/groups/{{$.Group.ID}}/sp-keys/{{.ID}}/retire"><input type="hidden" name="csrf" value="{{$.CSRF}}"><button type="submit" class="retire">Retire</button></form></td></tr>{{end}}
</table>
<form method="post" action="/admin/groups/{{.Group.ID}}/sp-keys"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit" id="add-next-key">Add next key</button></form>
<h2>Audit trail</h2>
<table id="audit"><tr><th>Time (UTC)</th><th>Who</th><th>Field</th><th>Old</th><th>New</th></tr>
{{range .Audit}}<tr class="audit-entry" data-field="{{.Field}}"><td>{{.Time.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.Actor}}</td><td><code>{{.Field}}</code></td><td>{{.Old}}</td><td>{{.New}}</td></tr>
{{else}}<tr><td colspan="5" id="audit-empty">No changes recorded yet.</td></tr>{{end}}
</table>{{template "bottom"}}`)

	postFormPage = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head>
<body><p id="saml-request-post">Sending you to your identity provider…</p>{{.}}</body></html>`))
)

// refusalData fills refusalPage.
type refusalData struct {
	Title, Message, Reason, CorrelationID, RetryURL string
}

func page(body string) *template.Template {
	t := template.Must(template.New("layout").Parse(layout))
	return template.Must(t.New("page").Parse(body))
}

func render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	name := "page"
	if t.Lookup(name) == nil {
		name = t.Name()
	}
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// postPage wraps crewjam's auto-submitting AuthnRequest form (already
// escaped HTML) in a page.
func postPage(form []byte) []byte {
	var buf bytes.Buffer
	_ = postFormPage.Execute(&buf, template.HTML(form))
	return buf.Bytes()
}
