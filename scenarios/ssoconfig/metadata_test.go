package ssoconfig_test

import (
	"encoding/xml"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/store"
)

var _ = Describe("IdP metadata", Label(features.IdPMetadata.Label()), func() {
	It("configures the IdP from an uploaded metadata file, and trusts both of its signing keys", func() {
		// A group whose IdP nobody has typed in yet.
		g := harness.NewGroup(store.BindingPOST, func(s *store.SSOSettings) {
			s.IdPEntityID, s.IdPSSOURL, s.IdPCertificates = "", "", nil
		})
		doc, err := xml.MarshalIndent(harness.Stack().IdP.Metadata(), "", "  ")
		Expect(err).NotTo(HaveOccurred())
		file := filepath.Join(GinkgoT().TempDir(), "idp-metadata.xml")
		Expect(os.WriteFile(file, doc, 0o600)).To(Succeed())

		admin := harness.NewPage()
		harness.AdminSignIn(admin)
		harness.OpenSSOSettings(admin, g)
		Expect(admin.Upload("#idp-metadata-file", file)).To(Succeed())
		harness.SaveSSOSettings(admin)

		user := harness.NewPage()
		Expect(user.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		harness.SignInAtIdP(user, harness.Alice, "#agent-page")

		// The metadata publishes keys A and B (a rollover): B is trusted too.
		harness.SignOut(user)
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, response.SignedBy(stack.KeyB))).To(Succeed())
		Expect(user.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#agent-page")).To(Succeed())
		Expect(harness.LastAccessLog(g).VerifiedBy).To(HavePrefix("key 2 "))
	})
})
