package ssoconfig_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Seed 001, "Changing Public Keys": the IdP operator makes a new key pair,
// the admin adds its public key as an additional key, the IdP starts using
// it, and the old key is removed — without any sign-on failing on the way.
var _ = Describe("IdP key rotation", Label(features.KeyRotation.Label()), func() {
	It("follows the seed's procedure without downtime, and refuses the retired key", func() {
		g := harness.NewGroup(store.BindingRedirect)
		keyA, keyB := fixtures.MustLoad(stack.KeyA), fixtures.MustLoad(stack.KeyB)
		user := harness.NewPage()
		signOn := func(finalCSS string) {
			GinkgoHelper()
			harness.SignOut(user)
			Expect(user.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login, #agent-page, #refusal")).To(Succeed())
			if n, _ := user.Count("#login"); n > 0 {
				harness.SignInAtIdP(user, harness.Alice, finalCSS)
			}
			Expect(user.WaitVisible(finalCSS)).To(Succeed())
		}
		verifiedBy := func(cert fixtures.KeyPair) {
			GinkgoHelper()
			entry := harness.LastAccessLog(g)
			Expect(entry.Outcome).To(Equal(store.OutcomeSuccess))
			Expect(entry.VerifiedBy).To(ContainSubstring(acs.Fingerprint(cert.Certificate)))
		}

		By("the IdP signs with key A")
		signOn("#agent-page")
		verifiedBy(keyA)

		By("the admin adds key B as an additional key on the SSO Configure screen")
		admin := harness.NewPage()
		harness.AdminSignIn(admin)
		harness.OpenSSOSettings(admin, g)
		Expect(admin.SetValue("#idp-certificate-2", keyB.CertificatePEM)).To(Succeed())
		harness.SaveSSOSettings(admin)
		Expect(admin.Text("#audit")).To(ContainSubstring(acs.Fingerprint(keyB.Certificate)))

		By("the IdP switches to key B: sign-on works with no other change")
		Expect(harness.Stack().IdP.RotateSigningKey(stack.KeyB)).To(Succeed())
		DeferCleanup(func() { Expect(harness.Stack().IdP.RotateSigningKey(stack.KeyA)).To(Succeed()) })
		signOn("#agent-page")
		verifiedBy(keyB)

		By("the admin removes key A")
		harness.OpenSSOSettings(admin, g)
		setCertificates(admin, keyB.CertificatePEM, "")
		harness.SaveSSOSettings(admin)

		By("a response still signed with key A is refused")
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.SignedBy(stack.KeyA))).To(Succeed())
		signOn("#refusal")
		Expect(harness.LastAccessLog(g).Reason).To(Equal("bad_signature"))

		By("key B still works")
		signOn("#agent-page")
		verifiedBy(keyB)
	})
})

func setCertificates(page *browser.Page, pems ...string) {
	GinkgoHelper()
	for i, p := range pems {
		Expect(page.SetValue("#idp-certificate-"+string(rune('1'+i)), p)).To(Succeed())
	}
}

var _ = Describe("Operational Status", Label(features.OperationalStatus.Label()), func() {
	It("keeps attributes in the access log while Provisioning, and stops in Production", func() {
		g := harness.NewGroup(store.BindingRedirect)
		user := harness.NewPage()
		Expect(user.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		harness.SignInAtIdP(user, harness.Alice, "#agent-page")

		admin := harness.NewPage()
		harness.AdminSignIn(admin)
		Expect(admin.Open(harness.Stack().SPURL+"/admin/accesslog?idpid="+itoa(g.ID), "#access-log tr.entry")).To(Succeed())
		Expect(admin.Count("#access-log tr.entry details.attributes")).To(Equal(1))
		Expect(admin.TextContent("#access-log tr.entry details.attributes")).To(ContainSubstring("email"))

		By("switching to Production on the screen")
		harness.OpenSSOSettings(admin, g)
		Expect(admin.SetValue("#status", "production")).To(Succeed())
		harness.SaveSSOSettings(admin)

		harness.SignOut(user)
		Expect(user.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#agent-page")).To(Succeed())
		Expect(admin.Open(harness.Stack().SPURL+"/admin/accesslog?idpid="+itoa(g.ID), "#access-log tr.entry")).To(Succeed())
		Expect(admin.Count("#access-log tr.entry")).To(Equal(2))
		// Newest first: the Production sign-on has no attributes.
		Expect(admin.Count("#access-log tr.entry:nth-of-type(2) details.attributes")).To(Equal(0))
		Expect(admin.Count("#access-log tr.entry:nth-of-type(3) details.attributes")).To(Equal(1))
	})
})

func itoa(n int64) string { return fmt.Sprint(n) }
