package ssoconfig_test

import (
	"fmt"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/sp/store"
)

const deepLink = "/agentjoin/AgentView.aspx?SessionKey=1234"

// landedOn is the page's path and query, after checking it is on the SP.
func landedOn(page interface{ Location() (string, error) }) string {
	GinkgoHelper()
	loc, err := page.Location()
	Expect(err).NotTo(HaveOccurred())
	u, err := url.Parse(loc)
	Expect(err).NotTo(HaveOccurred())
	sp, _ := url.Parse(harness.Stack().SPURL)
	Expect(u.Host).To(Equal(sp.Host), "the browser left the SP")
	return u.RequestURI()
}

var _ = Describe("Relay state and ACS parameter style", Label(features.RelayState.Label()), func() {
	DescribeTable("a deep link survives SP-initiated sign-on",
		func(style store.ACSParameterStyle) {
			g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.ACSParameterStyle = style })
			page := harness.NewPage()
			Expect(page.Open(harness.AgentURL(g, deepLink), "#login")).To(Succeed())
			harness.SignInAtIdP(page, harness.Bob, "#agent-page")
			Expect(page.Text("#session-key")).To(Equal("1234"))
			Expect(landedOn(page)).To(HavePrefix(deepLink))

			req := harness.TakeRequest(g)
			Expect(len(req.RelayState)).To(BeNumerically("<=", 80))
			if style == store.ACSStyleRelayState {
				Expect(req.ACSURL).To(Equal(harness.Stack().SPURL + "/account/GetLoginKey.aspx"))
			} else {
				Expect(req.ACSURL).To(ContainSubstring("idpid=" + fmt.Sprint(g.ID)))
				Expect(req.ACSURL).To(ContainSubstring("redirect="))
			}
		},
		Entry("query style: group and target on the ACS URL", store.ACSStyleQuery),
		Entry("relaystate style: bare ACS, target behind RelayState", store.ACSStyleRelayState),
	)

	It("keeps RelayState within 80 bytes for a target far longer", func() {
		g := harness.NewGroup(store.BindingPOST, func(s *store.SSOSettings) { s.ACSParameterStyle = store.ACSStyleRelayState })
		key := strings.Repeat("abcdef0123", 15)
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentView.aspx?SessionKey="+key), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#agent-page")
		Expect(page.Text("#session-key")).To(Equal(key))
		Expect(len(harness.TakeRequest(g).RelayState)).To(BeNumerically("<=", 80))
	})

	It("lands IdP-initiated sign-on on the configured redirect, whatever RelayState says", func() {
		g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) {
			s.IdPInitiatedRedirect = "/agentjoin/AgentView.aspx?SessionKey=from-config"
		})
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().IdP.InitiateURL(g.SSO.EntityID, "", "https://evil.test/"), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#agent-page")
		Expect(page.Text("#session-key")).To(Equal("from-config"))
		Expect(landedOn(page)).To(HavePrefix("/agentjoin/AgentView.aspx"))
	})

	DescribeTable("never redirects off-site",
		func(target string) {
			g := harness.NewGroup(store.BindingRedirect)
			page := harness.NewPage()
			Expect(page.Open(fmt.Sprintf("%s/saml/login?idpid=%d&target=%s", harness.Stack().SPURL, g.ID, url.QueryEscape(target)), "#login")).To(Succeed())
			harness.SignInAtIdP(page, harness.Alice, "#agent-page")
			Expect(landedOn(page)).To(Equal("/agentjoin/AgentJoin.aspx"))
		},
		Entry("absolute URL", "https://evil.test/"),
		Entry("protocol-relative URL", "//evil.test"),
		Entry("backslash trick", "/\\evil.test"),
		Entry("javascript: URL", "javascript:alert(1)"),
	)

	It("still signs on when the IdP does not echo RelayState, in the query style", func() {
		g := harness.NewGroup(store.BindingRedirect)
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.WithoutRelayState())).To(Succeed())
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, deepLink), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#agent-page")
		Expect(page.Text("#session-key")).To(Equal("1234"))
	})

	It("refuses readably when the IdP does not echo RelayState, in the relaystate style", func() {
		g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.ACSParameterStyle = store.ACSStyleRelayState })
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.WithoutRelayState())).To(Succeed())
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, deepLink), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#refusal")
		Expect(page.Text("#refusal-reason")).To(Equal("no_group"))
	})
})
