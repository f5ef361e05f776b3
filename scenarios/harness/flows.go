package harness

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/stack"
	"github.com/ssoharness/ssoharness/sp/store"
)

// People in the mock IdP's directory, the demo's: Alice and Bob exist at
// the SP (in every group NewGroup makes); Mallory does not.
var (
	Alice   = idpUser(stack.DemoIdPUsers[0])
	Bob     = idpUser(stack.DemoIdPUsers[1])
	Mallory = idpUser(stack.DemoIdPUsers[2])
)

func idpUser(c stack.DemoCredential) mockidp.User {
	return mockidp.User{Username: c.Username, Password: c.Password, Attributes: map[string][]string{"email": {c.Username}}}
}

// AddDirectory puts Alice, Bob and Mallory in the mock IdP's directory.
func AddDirectory() {
	GinkgoHelper()
	for _, u := range []mockidp.User{Alice, Bob, Mallory} {
		if err := Stack().IdP.AddUser(u); err != nil {
			Expect(err).To(MatchError(mockidp.ErrAlreadyExists))
		}
	}
}

// groupCounter makes Glance Addresses unique across the groups of a
// process (processes have stacks of their own).
var groupCounter int

// NewGroup creates a tenant for one spec whose SSO points at the mock IdP,
// with Alice (role admin) and Bob (role agent) as users.
func NewGroup(binding store.Binding, edit ...func(*store.SSOSettings)) store.Group {
	GinkgoHelper()
	ctx, cancel := Ctx()
	defer cancel()
	groupCounter++
	tag := fmt.Sprintf("g%d", groupCounter)
	spec := stack.GroupSpec{Binding: binding, Users: []store.User{
		{GlanceAddress: "alice." + tag + ".glance.net", Email: Alice.Username, FirstName: "Alice", Role: "admin"},
		{GlanceAddress: "bob." + tag + ".glance.net", Email: Bob.Username, FirstName: "Bob", Role: "agent"},
	}}
	if len(edit) > 0 {
		spec.Edit = edit[0]
	}
	g, err := Stack().NewGroup(ctx, spec)
	Expect(err).NotTo(HaveOccurred())
	return g
}

// SignInAtIdP fills the mock IdP's login form and waits for the final page.
func SignInAtIdP(page *browser.Page, u mockidp.User, finalCSS string) {
	GinkgoHelper()
	Expect(page.SetValue(`#login input[name="username"]`, u.Username)).To(Succeed())
	Expect(page.SetValue(`#login input[name="password"]`, u.Password)).To(Succeed())
	Expect(page.Click(`#login button[type="submit"]`)).To(Succeed())
	Expect(page.WaitVisible(finalCSS)).To(Succeed())
}

// AgentURL is a page on the SP with the group selected by idpid.
func AgentURL(g store.Group, path string) string {
	sep := "?"
	if u, _ := url.Parse(path); u != nil && u.RawQuery != "" {
		sep = "&"
	}
	return fmt.Sprintf("%s%s%sidpid=%d", Stack().SPURL, path, sep, g.ID)
}

// LastAccessLog returns the newest access-log entry of the group.
func LastAccessLog(g store.Group) store.AccessLogEntry {
	GinkgoHelper()
	ctx, cancel := Ctx()
	defer cancel()
	entries, err := Stack().Store.ListAccessLog(ctx, store.AccessLogQuery{GroupID: g.ID, Limit: 1})
	Expect(err).NotTo(HaveOccurred())
	Expect(entries).To(HaveLen(1))
	return entries[0]
}

// TakeRequest returns the next AuthnRequest the mock IdP received from the
// group's SP.
func TakeRequest(g store.Group) mockidp.ReceivedRequest {
	GinkgoHelper()
	ctx, cancel := Ctx()
	defer cancel()
	req, err := Stack().IdP.TakeRequest(ctx, g.SSO.EntityID)
	Expect(err).NotTo(HaveOccurred())
	return req
}

// ShareSPEncryptionKey gives the mock IdP the group's SP encryption
// certificate the way an IdP admin would: read from the group's SP metadata.
func ShareSPEncryptionKey(g store.Group) {
	GinkgoHelper()
	ctx, cancel := Ctx()
	defer cancel()
	md, err := Stack().SP.SignOn().Metadata(ctx, g)
	Expect(err).NotTo(HaveOccurred())
	var cert *x509.Certificate
	for _, kd := range md.SPSSODescriptors[0].KeyDescriptors {
		if kd.Use == "encryption" && cert == nil {
			der, err := base64.StdEncoding.DecodeString(kd.KeyInfo.X509Data.X509Certificates[0].Data)
			Expect(err).NotTo(HaveOccurred())
			cert, err = x509.ParseCertificate(der)
			Expect(err).NotTo(HaveOccurred())
		}
	}
	Expect(cert).NotTo(BeNil(), "the SP metadata publishes no encryption key")
	Expect(Stack().IdP.SetEncryptionCertificate(g.SSO.EntityID, cert)).To(Succeed())
}

// SignOut ends the SP session in the page (the IdP session stays).
func SignOut(page *browser.Page) {
	GinkgoHelper()
	Expect(page.Open(Stack().SPURL+"/logout", "#signed-out")).To(Succeed())
}

// AdminSignIn signs the page in as the SP admin (the admin password).
func AdminSignIn(page *browser.Page) {
	GinkgoHelper()
	Expect(page.Open(Stack().SPURL+"/admin/login", "#admin-login")).To(Succeed())
	Expect(page.SetValue(`input[name="password"]`, AdminPassword)).To(Succeed())
	Expect(page.Click("#admin-submit")).To(Succeed())
	Expect(page.WaitVisible("#access-log")).To(Succeed())
}

// OpenSSOSettings opens the group's SSO Configure screen.
func OpenSSOSettings(page *browser.Page, g store.Group) {
	GinkgoHelper()
	Expect(page.Open(fmt.Sprintf("%s/admin/groups/%d/sso", Stack().SPURL, g.ID), "#sso-form")).To(Succeed())
}

// SaveSSOSettings submits the screen and waits for the "Saved" notice.
func SaveSSOSettings(page *browser.Page) {
	GinkgoHelper()
	Expect(page.Click("#save")).To(Succeed())
	Expect(page.WaitVisible("#saved")).To(Succeed())
}
