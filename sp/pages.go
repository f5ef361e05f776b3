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
<td><a href="/agentjoin/AgentJoin.aspx?idpid={{.ID}}">sign in</a> · <a href="/saml/metadata?idpid={{.ID}}">SP metadata</a></td></tr>{{end}}
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
