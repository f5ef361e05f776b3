package mockidp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// Recognising the IdP's pages in tests: every page has
// <meta name="mockidp-page" content="..."> with one of the Page* values, and
// the response page's form has id PostFormID.
const (
	PageMarkerName = "mockidp-page"
	PageLogin      = "login"
	PageSAMLPost   = "saml-post"
	PageError      = "error"
	PageSignedOut  = "signed-out"
	PageHome       = "home"
	PostFormID     = "saml-post"
)

// autoSubmitJS submits the response form on load; the page's CSP allows
// exactly this script by its hash.
const autoSubmitJS = `document.getElementById("saml-post").submit();`

var contentSecurityPolicy = func() string {
	h := sha256.Sum256([]byte(autoSubmitJS))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(h[:]) + "'; base-uri 'none'; frame-ancestors 'none'"
}()

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="` + PageMarkerName + `" content="{{.Page}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · mock IdP</title>
<style>
body{font:16px/1.45 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{color:#555;font-size:.85rem;border-bottom:1px solid #ddd;margin-bottom:1.5rem;padding-bottom:.5rem}
label{display:block;margin:.6rem 0}input{font:inherit;padding:.3rem;width:18rem;max-width:100%}
button{font:inherit;padding:.4rem 1rem;margin-top:.6rem}
table{border-collapse:collapse;margin-top:.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
.error{color:#a00;font-weight:600}code{font-size:.9em;word-break:break-all}
</style>
</head>
<body>
<header>Mock SAML identity provider <code>{{.EntityID}}</code> — for testing only</header>
<main>
{{- if eq .Page "login"}}
<h1>Sign in</h1>
{{if .SP}}<p>to <code>{{.SP}}</code></p>{{end}}
{{if .Error}}<p class="error" role="alert" id="login-error">{{.Error}}</p>{{end}}
<form id="login" method="post" action="{{.LoginURL}}">
<input type="hidden" name="req" value="{{.Req}}">
<label>Username <input name="username" autocomplete="username" value="{{.Username}}" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<h2>Directory</h2>
<p>This is a mock: here are the users and their passwords.</p>
<table id="users"><thead><tr><th>Username</th><th>Password</th><th>NameID</th></tr></thead><tbody>
{{- range .Users}}
<tr><td>{{.Username}}</td><td><code>{{.Password}}</code></td><td>{{.NameID}}</td></tr>
{{- end}}
</tbody></table>
{{- else if eq .Page "saml-post"}}
<h1>Signing you in</h1>
<form id="` + PostFormID + `" method="post" action="{{.ACS}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
{{- if .RelayState}}
<input type="hidden" name="RelayState" value="{{.RelayState}}">
{{- end}}
<p>Sending a SAML response for <code>{{.Username}}</code> to <code>{{.ACS}}</code>.</p>
<noscript><p>JavaScript is off: press the button to continue.</p></noscript>
<button type="submit">Continue to the service provider</button>
</form>
<script>` + autoSubmitJS + `</script>
{{- else if eq .Page "error"}}
<h1>{{.Title}}</h1>
<p class="error" id="error-message">{{.Error}}</p>
{{if .Hint}}<p>{{.Hint}}</p>{{end}}
{{- else if eq .Page "signed-out"}}
<h1>Signed out</h1>
<p>Your session at the mock IdP has ended.</p>
<p><a href="{{.HomeURL}}">Home</a></p>
{{- else}}
<h1>Mock identity provider</h1>
{{if .Username}}<p>Signed in as <code id="signed-in-user">{{.Username}}</code>. <a href="{{.LogoutURL}}">Sign out</a></p>
{{else}}<p>Not signed in. <a href="{{.LoginURL}}">Sign in</a></p>{{end}}
<p>Metadata: <a href="{{.MetadataURL}}">{{.MetadataURL}}</a></p>
<h2>Service providers</h2>
<table id="service-providers"><thead><tr><th>Entity ID</th><th>IdP-initiated sign-on</th></tr></thead><tbody>
{{- range .SPs}}
<tr><td><code>{{.EntityID}}</code></td><td>{{range .Links}}<a href="{{.URL}}">{{.ACS}}</a><br>{{end}}</td></tr>
{{- end}}
</tbody></table>
{{- end}}
</main>
</body>
</html>
`))

type pageData struct {
	Page, Title, EntityID string

	// login
	SP, Error, Req, Username, LoginURL string
	Users                              []User

	// saml-post
	ACS, SAMLResponse, RelayState string

	// error
	Hint string

	// home, signed-out
	LogoutURL, MetadataURL, HomeURL string
	SPs                             []homeSP
}

type homeSP struct {
	EntityID string
	Links    []struct{ ACS, URL string }
}

func (idp *IdP) render(w http.ResponseWriter, status int, d pageData) {
	d.EntityID = idp.entityID
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		idp.log.Error("rendering a page failed", "page", d.Page, "err", err)
		http.Error(w, "mock IdP: rendering the page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (idp *IdP) renderError(w http.ResponseWriter, status int, title, msg, hint string) {
	idp.render(w, status, pageData{Page: PageError, Title: title, Error: msg, Hint: hint})
}
