package saml_test

import (
	"fmt"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/store"
)

// People in the mock IdP's directory, the demo's: Alice and Bob exist at
// the SP (in every group newGroup makes); Mallory does not.
var (
	alice   = idpUser(stack.DemoIdPUsers[0])
	bob     = idpUser(stack.DemoIdPUsers[1])
	mallory = idpUser(stack.DemoIdPUsers[2])
)

func idpUser(c stack.DemoCredential) mockidp.User {
	return mockidp.User{Username: c.Username, Password: c.Password, Attributes: map[string][]string{"email": {c.Username}}}
}

var _ = BeforeEach(func() {
	for _, u := range []mockidp.User{alice, bob, mallory} {
		if err := harness.Stack().IdP.AddUser(u); err != nil {
			Expect(err).To(MatchError(mockidp.ErrAlreadyExists))
		}
	}
})

// groupCounter makes Glance Addresses unique across the groups of a process
// (processes have stacks of their own).
var groupCounter int

// newGroup creates a tenant for one spec whose SSO points at the mock IdP,
// with Alice (role admin) and Bob (role agent) as users.
func newGroup(binding store.Binding, edit ...func(*store.SSOSettings)) store.Group {
	GinkgoHelper()
	ctx, cancel := harness.Ctx()
	defer cancel()
	groupCounter++
	tag := fmt.Sprintf("g%d", groupCounter)
	spec := stack.GroupSpec{Binding: binding, Users: []store.User{
		{GlanceAddress: "alice." + tag + ".glance.net", Email: alice.Username, FirstName: "Alice", Role: "admin"},
		{GlanceAddress: "bob." + tag + ".glance.net", Email: bob.Username, FirstName: "Bob", Role: "agent"},
	}}
	if len(edit) > 0 {
		spec.Edit = edit[0]
	}
	g, err := harness.Stack().NewGroup(ctx, spec)
	Expect(err).NotTo(HaveOccurred())
	return g
}

// signInAtIdP fills the mock IdP's login form and waits for the final page.
func signInAtIdP(page *browser.Page, u mockidp.User, finalCSS string) {
	GinkgoHelper()
	Expect(page.SetValue(`#login input[name="username"]`, u.Username)).To(Succeed())
	Expect(page.SetValue(`#login input[name="password"]`, u.Password)).To(Succeed())
	Expect(page.Click(`#login button[type="submit"]`)).To(Succeed())
	Expect(page.WaitVisible(finalCSS)).To(Succeed())
}

func agentURL(g store.Group, path string) string {
	return fmt.Sprintf("%s%s%sidpid=%d", harness.Stack().SPURL, path, sep(path), g.ID)
}

func sep(path string) string {
	if u, _ := url.Parse(path); u != nil && u.RawQuery != "" {
		return "&"
	}
	return "?"
}

// lastAccessLog returns the newest access-log entry of the group.
func lastAccessLog(g store.Group) store.AccessLogEntry {
	GinkgoHelper()
	ctx, cancel := harness.Ctx()
	defer cancel()
	entries, err := harness.Stack().Store.ListAccessLog(ctx, store.AccessLogQuery{GroupID: g.ID, Limit: 1})
	Expect(err).NotTo(HaveOccurred())
	Expect(entries).To(HaveLen(1))
	return entries[0]
}

var _ = Describe("SP-initiated sign-on", func() {
	DescribeTable("signs a user in through the IdP and lands on the protected page",
		func(binding store.Binding, wantBinding string) {
			g := newGroup(binding)
			page := harness.NewPage()
			Expect(page.Open(agentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
			signInAtIdP(page, alice, "#agent-page")
			Expect(page.Text("#group-id")).To(Equal(fmt.Sprint(g.ID)))
			Expect(page.Text("#user-email")).To(Equal(alice.Username))

			ctx, cancel := harness.Ctx()
			defer cancel()
			req, err := harness.Stack().IdP.TakeRequest(ctx, g.SSO.EntityID)
			Expect(err).NotTo(HaveOccurred())
			Expect(req.Binding).To(Equal(wantBinding))
			Expect(req.ACSURL).To(Equal(harness.Stack().ACSURL(g)))
			Expect(req.NameIDPolicyFormat).To(Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"))
			Expect(len(req.RelayState)).To(BeNumerically("<=", 80))

			entry := lastAccessLog(g)
			Expect(entry.Outcome).To(Equal(store.OutcomeSuccess))
			Expect(entry.VerifiedBy).To(HavePrefix("key 1 "))
		},
		Entry("with the AuthnRequest sent by HTTP-Redirect", Label(features.SPInitiatedRedirect.Label(), "binding:redirect"),
			store.BindingRedirect, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"),
		Entry("with the AuthnRequest sent by HTTP-POST", Label(features.SPInitiatedPOST.Label(), "binding:post"),
			store.BindingPOST, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"),
	)

	It("keeps a deep link, query included, across the round trip", Label(features.DeepLink.Label()), func() {
		g := newGroup(store.BindingRedirect)
		page := harness.NewPage()
		Expect(page.Open(agentURL(g, "/agentjoin/AgentView.aspx?SessionKey=1234"), "#login")).To(Succeed())
		signInAtIdP(page, bob, "#agent-page")
		Expect(page.Text("#session-key")).To(Equal("1234"))
		loc, err := page.Location()
		Expect(err).NotTo(HaveOccurred())
		u, err := url.Parse(loc)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Path).To(Equal("/agentjoin/AgentView.aspx"))
		Expect(u.Query().Get("SessionKey")).To(Equal("1234"))
	})

	It("does not prompt a browser that already has an IdP session", Label(features.IdPSession.Label()), func() {
		g := newGroup(store.BindingPOST)
		page := harness.NewPage()
		Expect(page.Open(agentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		signInAtIdP(page, alice, "#agent-page")
		Expect(page.Open(harness.Stack().SPURL+"/logout", "#signed-out")).To(Succeed())
		// Signed out at the SP only: the IdP answers without a login form.
		Expect(page.Open(agentURL(g, "/agentjoin/AgentView.aspx?SessionKey=77"), "#agent-page")).To(Succeed())
		Expect(page.Text("#session-key")).To(Equal("77"))
	})
})

var _ = Describe("IdP-initiated sign-on", Label(features.IdPInitiated.Label()), func() {
	It("lands on the group's configured redirect", func() {
		g := newGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.IdPInitiatedRedirect = "/agentjoin/AgentView.aspx?SessionKey=idp" })
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().IdP.InitiateURL(g.SSO.EntityID, "", ""), "#login")).To(Succeed())
		signInAtIdP(page, alice, "#agent-page")
		Expect(page.Text("#session-key")).To(Equal("idp"))
		Expect(lastAccessLog(g).Outcome).To(Equal(store.OutcomeSuccess))
	})

	It("is refused when the group does not allow it", func() {
		g := newGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.AllowIdPInitiated = false })
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().IdP.InitiateURL(g.SSO.EntityID, "", ""), "#login")).To(Succeed())
		signInAtIdP(page, alice, "#refusal")
		Expect(page.Text("#refusal-reason")).To(Equal("unsolicited"))
	})
})

var _ = Describe("Refused sign-on", func() {
	// refused signs in and expects the refusal page with reason, an
	// access-log entry with the same reason, and no session.
	refused := func(g store.Group, u mockidp.User, reason string) {
		GinkgoHelper()
		page := harness.NewPage()
		Expect(page.Open(agentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		signInAtIdP(page, u, "#refusal")
		Expect(page.Text("#refusal-reason")).To(Equal(reason))
		Expect(page.Text("#refusal-message")).NotTo(BeEmpty())
		corr, err := page.Text("#correlation-id")
		Expect(err).NotTo(HaveOccurred())

		entry := lastAccessLog(g)
		Expect(entry.Outcome).To(Equal(store.OutcomeRefused))
		Expect(entry.Reason).To(Equal(reason))
		Expect(entry.CorrelationID).To(Equal(corr))

		Expect(page.Open(harness.Stack().SPURL+"/whoami", "body")).To(Succeed())
		Expect(page.Text("body")).To(ContainSubstring("no session"))
	}

	It("tells a user the SP does not know why, and logs it", Label(features.UnknownUserRefused.Label()), func() {
		g := newGroup(store.BindingRedirect)
		refused(g, mallory, "unknown_user")
		Expect(lastAccessLog(g).NameID).To(Equal(mallory.Username))
	})

	It("refuses an expired assertion", Label(features.ExpiredRefused.Label()), func() {
		g := newGroup(store.BindingRedirect)
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.Expired())).To(Succeed())
		refused(g, alice, "expired")
	})

	It("refuses a response signed by a key the group does not trust", Label(features.UnknownKeyRefused.Label()), func() {
		g := newGroup(store.BindingPOST)
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.SignedBy(stack.KeyRogue))).To(Succeed())
		refused(g, alice, "bad_signature")
	})
})

var _ = Describe("Access log", Label(features.AccessLog.Label()), func() {
	It("shows an admin user every attempt, newest first, filterable by outcome", func() {
		g := newGroup(store.BindingRedirect)
		page := harness.NewPage()
		Expect(page.Open(agentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		signInAtIdP(page, mallory, "#refusal")
		// Signed in at the IdP as Mallory; sign out there and come back as Alice.
		Expect(page.Open(harness.Stack().IdPURL+"/logout", "body")).To(Succeed())
		Expect(page.Open(agentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		signInAtIdP(page, alice, "#agent-page")

		Expect(page.Open(harness.Stack().SPURL+"/admin/accesslog", "#access-log")).To(Succeed())
		Expect(page.Count("#access-log tr.entry")).To(Equal(2))
		Expect(page.Text("#access-log tr.entry:nth-of-type(2) td:nth-child(4)")).To(Equal("ok"))
		Expect(page.Open(harness.Stack().SPURL+"/admin/accesslog?outcome=refused", "#access-log")).To(Succeed())
		Expect(page.Count("#access-log tr.entry")).To(Equal(1))
		Expect(page.Text("#access-log tr.entry td:nth-child(4)")).To(Equal("unknown_user"))
	})
})
