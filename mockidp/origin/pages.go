package origin

import (
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// JumpReason is the reason code the SP puts on the jump page URL
// (/jump?reason=N&target=URL). 1 is Channeltivity's; 2–5 are our design.
type JumpReason int

// Jump reasons.
const (
	JumpNotLoggedIn    JumpReason = 1
	JumpSessionExpired JumpReason = 2
	JumpInvalidSession JumpReason = 3
	JumpUserNotFound   JumpReason = 4
	JumpLoggedOut      JumpReason = 5
)

func (r JumpReason) String() string {
	switch r {
	case JumpNotLoggedIn:
		return "you are not signed in to the portal"
	case JumpSessionExpired:
		return "your portal session expired"
	case JumpInvalidSession:
		return "your portal session is not valid"
	case JumpUserNotFound:
		return "the portal has no account for you"
	case JumpLoggedOut:
		return "you signed out of the portal"
	}
	return "unknown reason (" + strconv.Itoa(int(r)) + ")"
}

var pages = template.Must(template.New("").Parse(`
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}} – Origin CRM</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}.err{color:#a00}</style></head>
<body><h1>Origin CRM</h1>{{end}}
{{define "bottom"}}</body></html>{{end}}

{{define "who"}}<p id="signed-in">Signed in as <strong>{{.Name}}</strong> &lt;<span id="email">{{.Email}}</span>&gt;.
<a id="logout" href="/logout">Log out</a></p>{{end}}

{{define "form"}}{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
<form method="post" action="/login" id="login">
<input type="hidden" name="next" value="{{.Next}}">
<p><label>Email <input type="email" name="email" id="email-input" value="{{.Email}}" autocomplete="username" required></label></p>
<p><label>Password <input type="password" name="password" id="password-input" autocomplete="current-password" required></label></p>
<p><button type="submit">Log in</button></p>
</form>
<h2>Demo users</h2><ul id="demo-users">{{range .Users}}<li>{{.Name}} &lt;{{.Email}}&gt;{{if not .IsActive}} (inactive){{end}}</li>{{end}}</ul>{{end}}

{{define "home"}}{{template "top" "Home"}}
{{if .User}}{{template "who" .User}}
<h2>Partner portal</h2><ul id="portal-links">{{range .Links}}<li><a href="{{.URL}}">{{.Title}}</a></li>{{else}}<li>No portal links configured.</li>{{end}}</ul>
{{else}}<p id="signed-out">You are not signed in. <a id="login-link" href="/login">Log in</a></p>{{end}}
{{template "bottom"}}{{end}}

{{define "login"}}{{template "top" "Log in"}}
{{if .Current}}<p id="current">Currently signed in as {{.Current}}; logging in again replaces that session.</p>{{end}}
{{template "form" .}}
{{template "bottom"}}{{end}}

{{define "jump"}}{{template "top" "Portal sign-in"}}
<p id="reason">The partner portal sent you here: {{.Reason}}.</p>
{{if .User}}{{template "who" .User}}
{{if .Link}}<p><a id="continue" href="{{.Link}}">Continue to the portal</a></p>
{{else if .Target}}<p id="target-refused">The requested page <code id="target">{{.Target}}</code> is not on a configured portal, so no link is offered.</p>
{{else}}<p id="no-target">No page was requested. <a href="/">Home</a></p>{{end}}
{{else}}<p>Log in to continue.</p>{{template "form" .Form}}{{end}}
{{template "bottom"}}{{end}}

{{define "refused"}}{{template "top" "Refused"}}
<p class="err" id="error">{{.}}</p><p><a href="/">Home</a></p>
{{template "bottom"}}{{end}}
`))

type linkView struct{ Title, URL string }

type formView struct {
	Error, Next, Email, Current string
	Users                       []User
}

func (o *Origin) render(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		o.log.Error("origin: render page", "page", name, "err", err)
	}
}

// currentUser returns the signed-in user and session key from the cookie.
func (o *Origin) currentUser(r *http.Request) (User, string, bool) {
	c, err := r.Cookie(o.cfg.CookieName)
	if err != nil || c.Value == "" {
		return User{}, "", false
	}
	o.mu.Lock()
	email, reason := o.lookupLocked(c.Value)
	o.mu.Unlock()
	if reason != ReasonValid {
		return User{}, "", false
	}
	u, ok := o.users[strings.ToLower(email)]
	return u, c.Value, ok
}

func (o *Origin) handleHome(w http.ResponseWriter, r *http.Request) {
	u, key, ok := o.currentUser(r)
	data := struct {
		User  *User
		Links []linkView
	}{}
	if ok {
		data.User = &u
		for _, l := range o.cfg.PortalLinks {
			data.Links = append(data.Links, linkView{l.Title, withSession(l.URL, u.Email, key)})
		}
	}
	o.render(w, http.StatusOK, "home", data)
}

func (o *Origin) loginForm(r *http.Request, next string) formView {
	f := formView{Next: next, Users: o.cfg.Users}
	if u, _, ok := o.currentUser(r); ok {
		f.Current = u.Email
	}
	return f
}

func (o *Origin) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if _, err := o.checkNext(next); err != nil {
		o.log.Warn("origin: login refused a foreign return address", "path", r.URL.Path)
		o.render(w, http.StatusBadRequest, "refused", "Refused return address: "+err.Error()+".")
		return
	}
	o.render(w, http.StatusOK, "login", o.loginForm(r, next))
}

func (o *Origin) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			status = http.StatusRequestEntityTooLarge
		}
		o.render(w, status, "refused", "Unreadable login form.")
		return
	}
	next := r.PostForm.Get("next")
	kind, err := o.checkNext(next)
	if err != nil {
		o.log.Warn("origin: login refused a foreign return address", "path", r.URL.Path)
		o.render(w, http.StatusBadRequest, "refused", "Refused return address: "+err.Error()+".")
		return
	}
	email := r.PostForm.Get("email")
	form := o.loginForm(r, next)
	form.Email = email
	u, known := o.users[strings.ToLower(email)]
	// Compare even for unknown users so timing says little.
	want := u.Password
	if !known {
		want = "\x00unknown"
	}
	match := subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(want)) == 1
	if !known || !match {
		o.log.Info("origin: login failed", "email", email, "reason", "wrong email or password")
		form.Error = "Wrong email or password."
		o.render(w, http.StatusUnauthorized, "login", form)
		return
	}
	if !u.IsActive() {
		o.log.Info("origin: login failed", "email", u.Email, "reason", "inactive user")
		form.Error = "This account is not active."
		o.render(w, http.StatusForbidden, "login", form)
		return
	}
	if _, old, ok := o.currentUser(r); ok {
		o.endSession(old, ReasonLoggedOut)
	}
	key, err := o.newSession(u.Email)
	if err != nil {
		o.log.Error("origin: login", "err", err)
		o.render(w, http.StatusInternalServerError, "refused", "Could not start a session.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     o.cfg.CookieName,
		Value:    key,
		Path:     "/",
		HttpOnly: true,
		Secure:   o.base.Scheme == "https",
		SameSite: http.SameSiteLaxMode,
	})
	o.log.Info("origin: login succeeded", "email", u.Email, "session_ref", sessionRef(key))
	dest := next
	switch kind {
	case nextHome:
		dest = "/"
	case nextPortal:
		dest = withSession(next, u.Email, key)
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

func (o *Origin) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(o.cfg.CookieName); err == nil && c.Value != "" {
		o.endSession(c.Value, ReasonLoggedOut)
		o.log.Info("origin: logged out", "session_ref", sessionRef(c.Value))
	}
	http.SetCookie(w, &http.Cookie{
		Name:     o.cfg.CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   o.base.Scheme == "https",
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (o *Origin) handleJump(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("target")
	reason := "no reason given"
	if s := q.Get("reason"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			reason = JumpReason(n).String()
		} else {
			reason = "unknown reason"
		}
	}
	data := struct {
		Reason, Target, Link string
		User                 *User
		Form                 formView
	}{Reason: reason, Target: target}
	if u, key, ok := o.currentUser(r); ok {
		data.User = &u
		if o.portalTarget(target) {
			data.Link = withSession(target, u.Email, key)
		}
	} else {
		back := url.Values{}
		for _, k := range []string{"reason", "target"} {
			if q.Has(k) {
				back.Set(k, q.Get(k))
			}
		}
		next := "/jump"
		if len(back) > 0 {
			next += "?" + back.Encode()
		}
		data.Form = o.loginForm(r, next)
	}
	o.log.Info("origin: jump page", "reason", q.Get("reason"), "signed_in", data.User != nil, "target_on_portal", o.portalTarget(target))
	o.render(w, http.StatusOK, "jump", data)
}
