package saml_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/stack"
)

// What `ssoharness up` offers a newcomer, walked through as they would.
var _ = Describe("The demo tenant", Label(features.DemoTenant.Label()), func() {
	BeforeEach(func() {
		ctx, cancel := harness.Ctx()
		defer cancel()
		Expect(harness.Stack().SeedDemo(ctx)).To(Succeed())
	})

	It("signs the demo admin in through the mock IdP and shows the agent page and the access log", func() {
		page := harness.NewPage()
		Expect(page.Open(fmt.Sprintf("%s/agentjoin/AgentJoin.aspx?idpid=%d", harness.Stack().SPURL, stack.DemoGroupID), "#login")).To(Succeed())
		Expect(page.Count("#users tbody tr")).To(Equal(len(stack.DemoIdPUsers)))
		demo := stack.DemoIdPUsers[0]
		Expect(page.SetValue(`#login input[name="username"]`, demo.Username)).To(Succeed())
		Expect(page.SetValue(`#login input[name="password"]`, demo.Password)).To(Succeed())
		Expect(page.Click(`#login button[type="submit"]`)).To(Succeed())
		Expect(page.WaitVisible("#agent-page")).To(Succeed())
		Expect(page.Text("#user-address")).To(Equal("alice.demo.glance.net"))

		Expect(page.Click(`nav a[href="/admin/accesslog"]`)).To(Succeed())
		Expect(page.WaitVisible("#access-log tr.entry")).To(Succeed())
		Expect(page.Text("#access-log tr.entry td:nth-child(4)")).To(Equal("ok"))
	})

	It("lets the admin read every group's access log with the admin password", func() {
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().SPURL+"/admin/accesslog", "#admin-login")).To(Succeed())
		Expect(page.SetValue(`input[name="password"]`, "wrong password")).To(Succeed())
		Expect(page.Click("#admin-submit")).To(Succeed())
		Expect(page.WaitVisible("#admin-error")).To(Succeed())
		Expect(page.SetValue(`input[name="password"]`, harness.AdminPassword)).To(Succeed())
		Expect(page.Click("#admin-submit")).To(Succeed())
		Expect(page.WaitVisible("#access-log")).To(Succeed())
	})
})
