package signon

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

const deepLink = "/agentjoin/AgentView.aspx?SessionKey=1234"

func TestQueryStyleCarriesTheTargetOnTheACSURL(t *testing.T) {
	f := newFixture(t)
	start := f.begin(t, deepLink)
	if start.ACSURL != f.svc.ACSURL(f.group)+"&redirect="+url.QueryEscape(deepLink) {
		t.Fatalf("ACS URL = %q", start.ACSURL)
	}
	out := f.consume(start, f.answer(t, start, "alice@example.com"))
	if out.Refused || out.Target != deepLink {
		t.Fatalf("outcome = %+v", out)
	}

	// The same answer reached at the plain ACS, or with another redirect,
	// names a Destination the request did not: refused.
	start = f.begin(t, deepLink)
	resp := f.answer(t, start, "alice@example.com")
	mustRefuse(t, f, f.svc.ConsumeAt(context.Background(), f.group, resp, start.RelayState, f.svc.ACSURL(f.group)), "destination")
	evil := f.svc.ACSURLFor(f.group, "/agentjoin/Other.aspx")
	mustRefuse(t, f, f.svc.ConsumeAt(context.Background(), f.group, resp, start.RelayState, evil), "destination")
	// A redirect that is not how this SP writes ACS URLs is refused too.
	mustRefuse(t, f, f.svc.ConsumeAt(context.Background(), f.group, resp, start.RelayState, f.svc.ACSURL(f.group)+"&redirect=https://evil.test/"), "destination")
}

func TestRelayStateStyleUsesABareACS(t *testing.T) {
	f := newFixture(t, func(g *store.Group) {
		g.SSO.ACSParameterStyle = store.ACSStyleRelayState
		g.SSO.AllowIdPInitiated = true
	})
	long := "/agentjoin/AgentView.aspx?SessionKey=" + strings.Repeat("0123456789", 12)
	start := f.begin(t, long)
	if start.ACSURL != baseURL+ACSPath || len(start.RelayState) > MaxRelayState {
		t.Fatalf("start = %+v", start)
	}
	// The bare ACS finds the group from the RelayState handle.
	id, err := f.svc.ACSGroupID(context.Background(), url.Values{}, start.RelayState)
	if err != nil || id != f.group.ID {
		t.Fatalf("ACSGroupID = %d, %v", id, err)
	}
	out := f.consume(start, f.answer(t, start, "alice@example.com"))
	if out.Refused || out.Target != long {
		t.Fatalf("outcome = %+v", out)
	}
	// IdP-initiated: the IdP is configured to send RelayState idpid=<group>.
	id, err = f.svc.ACSGroupID(context.Background(), url.Values{}, "idpid=12345")
	if err != nil || id != 12345 {
		t.Fatalf("ACSGroupID(idpid=) = %d, %v", id, err)
	}
	for _, rs := range []string{"", "unknown-handle", "idpid=x", strings.Repeat("a", 200)} {
		if _, err := f.svc.ACSGroupID(context.Background(), url.Values{}, rs); err == nil {
			t.Errorf("ACSGroupID(%q) found a group", rs)
		}
	}
}

func TestRequestedAuthnContextIsSentAndEnforced(t *testing.T) {
	const ppt = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	f := newFixture(t, func(g *store.Group) { g.SSO.AuthnContextClassRef, g.SSO.AuthnContextComparison = ppt, "minimum" })
	start := f.begin(t, "/x")
	req := decodeRedirect(t, start.RedirectURL)
	if req.RequestedAuthnContext == nil || req.RequestedAuthnContext.Comparison != "minimum" || req.RequestedAuthnContext.AuthnContextClassRef != ppt {
		t.Fatalf("RequestedAuthnContext = %+v", req.RequestedAuthnContext)
	}
	mustRefuse(t, f, f.consume(start, f.answer(t, start, "alice@example.com", response.AuthnContext("urn:oasis:names:tc:SAML:2.0:ac:classes:Password"))), string(acs.ReasonAuthnContext))

	// Off (the default): nothing is requested.
	g := newFixture(t)
	if req := decodeRedirect(t, g.begin(t, "/x").RedirectURL); req.RequestedAuthnContext != nil {
		t.Errorf("RequestedAuthnContext sent while off: %+v", req.RequestedAuthnContext)
	}
}

func TestNameIDPolicyIsAlwaysExplicit(t *testing.T) {
	for policy, want := range map[store.NameIDPolicy]string{
		store.NameIDEmail:       "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		store.NameIDUnspecified: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
		store.NameIDPersistent:  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
		store.NameIDTransient:   "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
	} {
		f := newFixture(t, func(g *store.Group) { g.SSO.NameIDPolicy = policy })
		req := decodeRedirect(t, f.begin(t, "/x").RedirectURL)
		if req.NameIDPolicy == nil || req.NameIDPolicy.Format == nil || *req.NameIDPolicy.Format != want {
			t.Errorf("%s: NameIDPolicy = %+v", policy, req.NameIDPolicy)
		}
	}
}
