package ssoconfig_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/sp/store"
)

const (
	classPPT      = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	classPassword = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
)

var _ = Describe("Single Sign-On Method Off", Label(features.MethodOff.Label()), func() {
	It("refuses sign-on with a clear page and sends nothing to the IdP", func() {
		g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.Method = store.MethodOff })
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#refusal")).To(Succeed())
		Expect(page.Text("#refusal-reason")).To(Equal("sso_off"))
		Expect(page.Text("#refusal-message")).To(ContainSubstring("turned off"))

		// The refusal page is the SP's answer to the browser's only request,
		// so whatever reached the IdP has reached it by now.
		var received = -1
		for _, sp := range harness.Stack().IdP.State().ServiceProviders {
			if sp.EntityID == g.SSO.EntityID {
				received = sp.Received
			}
		}
		Expect(received).To(Equal(0), "the IdP received an AuthnRequest from a group whose SSO is off")
	})
})

var _ = Describe("Name ID Policy", Label(features.NameIDPolicy.Label()), func() {
	DescribeTable("is the NameIDPolicy Format of the AuthnRequest",
		func(policy store.NameIDPolicy, format string) {
			g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.NameIDPolicy = policy })
			// The IdP is configured to answer in the format the policy names;
			// persistent and transient NameIDs are opaque, so the user is
			// found by the identity attribute (email).
			opts := []response.Option{response.NameIDFormatURN(format)}
			if policy == store.NameIDPersistent || policy == store.NameIDTransient {
				opts = append(opts, response.NameIDValue("opaque-7d1e"))
			}
			Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, opts...)).To(Succeed())
			page := harness.NewPage()
			Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
			harness.SignInAtIdP(page, harness.Alice, "#agent-page")
			Expect(harness.TakeRequest(g).NameIDPolicyFormat).To(Equal(format))
			Expect(harness.LastAccessLog(g).NameIDFormat).To(Equal(format))
		},
		Entry("email", store.NameIDEmail, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
		Entry("unspecified", store.NameIDUnspecified, "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"),
		Entry("persistent", store.NameIDPersistent, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
		Entry("transient", store.NameIDTransient, "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"),
	)
})

var _ = Describe("Authentication Context", Label(features.AuthnContext.Label()), func() {
	It("is not requested by default", func() {
		g := harness.NewGroup(store.BindingPOST)
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#agent-page")
		Expect(harness.TakeRequest(g).RequestedAuthnContext).To(BeNil())
	})

	It("is requested when set, and a response that does not satisfy it is refused", func() {
		g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) {
			s.AuthnContextClassRef, s.AuthnContextComparison = classPPT, "minimum"
		})
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#agent-page") // the IdP answers PasswordProtectedTransport
		req := harness.TakeRequest(g)
		Expect(req.RequestedAuthnContext).NotTo(BeNil())
		Expect(req.RequestedAuthnContext.Comparison).To(Equal("minimum"))
		Expect(req.RequestedAuthnContext.ClassRefs).To(ConsistOf(classPPT))

		// A misconfigured IdP answers with a weaker class than asked.
		Expect(page.Open(harness.Stack().SPURL+"/logout", "#signed-out")).To(Succeed())
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.AuthnContext(classPassword))).To(Succeed())
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#refusal")).To(Succeed())
		Expect(page.Text("#refusal-reason")).To(Equal("authn_context"))
	})
})
