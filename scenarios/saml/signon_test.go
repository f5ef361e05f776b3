package saml_test

import (
	"fmt"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/store"
)

var (
	alice, bob, mallory = harness.Alice, harness.Bob, harness.Mallory
	newGroup            = harness.NewGroup
	signInAtIdP         = harness.SignInAtIdP
	agentURL            = harness.AgentURL
	lastAccessLog       = harness.LastAccessLog
)

var _ = BeforeEach(harness.AddDirectory)

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
			// The query ACS parameter style (the default) carries the target on the ACS URL.
			Expect(req.ACSURL).To(Equal(harness.Stack().SP.SignOn().ACSURLFor(g, "/agentjoin/AgentJoin.aspx?idpid="+fmt.Sprint(g.ID))))
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
