package ssoconfig_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/store"
)

var _ = Describe("Encrypted SAML 2.0", Label(features.EncryptedAssertions.Label()), func() {
	var g store.Group
	BeforeEach(func() {
		g = harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) { s.Method = store.MethodSAML2Encrypted })
		harness.ShareSPEncryptionKey(g)
	})

	signIn := func(finalCSS string, opts ...response.Option) {
		GinkgoHelper()
		Expect(harness.Stack().IdP.ArmNext(g.SSO.EntityID, opts...)).To(Succeed())
		page := harness.NewPage()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, finalCSS)
	}

	DescribeTable("signs on with every content encryption and key transport real IdPs use",
		func(content, transport string) {
			signIn("#agent-page", response.Encrypted(content, transport))
			entry := harness.LastAccessLog(g)
			Expect(entry.Outcome).To(Equal(store.OutcomeSuccess))
			Expect(entry.Detail).To(ContainSubstring("assertion decrypted (" + content))
		},
		Entry(nil, response.AES128CBC, response.RSAOAEP),
		Entry(nil, response.AES256CBC, response.RSAOAEP),
		Entry(nil, response.AES128GCM, response.RSAOAEP),
		Entry(nil, response.AES256GCM, response.RSAOAEP),
		Entry(nil, response.AES256CBC, response.RSAOAEPSHA256),
		Entry(nil, response.AES256GCM, response.RSAOAEPSHA256),
	)

	It("accepts an encrypted assertion when only the Response is signed", func() {
		signIn("#agent-page", response.Encrypted(response.AES256GCM, response.RSAOAEP), response.SignResponse())
	})

	It("refuses a plain assertion", func() {
		signIn("#refusal")
		Expect(harness.LastAccessLog(g).Reason).To(Equal("not_encrypted"))
	})

	It("refuses an assertion encrypted to another key", func() {
		signIn("#refusal", response.Encrypted(response.AES256CBC, response.RSAOAEP), response.EncryptedTo(stack.KeyRogue))
		Expect(harness.LastAccessLog(g).Reason).To(Equal("decryption_failed"))
	})

	It("refuses RSA PKCS#1 v1.5 key transport unless the group allows it", func() {
		signIn("#refusal", response.Encrypted(response.AES256CBC, response.RSA15))
		Expect(harness.LastAccessLog(g).Reason).To(Equal("weak_algorithm"))
	})
})
