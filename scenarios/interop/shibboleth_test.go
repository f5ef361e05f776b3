package interop_test

import (
	"encoding/xml"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/interop/shibboleth"
	"github.com/ssoharness/ssoharness/scenarios/stack"
)

// Shibboleth SP 3 (shibd + Apache mod_shib), configured only with the mock
// IdP's metadata, takes the mock IdP's responses as a real IdP's: every
// signature mode and algorithm, every encryption pair, IdP-initiated
// sign-on, the NameID formats, URI-named attributes; and it refuses each
// of our faults, so they are faults to independent software too. One
// shibd and one Apache serve the whole container.
var _ = Describe("Shibboleth SP 3 with the mock IdP", Ordered, ContinueOnFailure, Label(features.PeerShibbolethSP.Label()), func() {
	const givenName = "Alice"
	var shib *shibboleth.SP

	BeforeAll(func(ctx SpecContext) {
		idp := harness.Stack().IdP
		metadata, err := xml.Marshal(idp.Metadata())
		Expect(err).NotTo(HaveOccurred())
		shib, err = shibboleth.Start(ctx, shibboleth.Options{IdPMetadata: metadata, IdPEntityID: idp.EntityID()})
		if shib != nil {
			DeferCleanup(shib.Stop)
		}
		Expect(err).NotTo(HaveOccurred(), "starting Shibboleth SP")
		Expect(idp.AddServiceProvider(mockidp.ServiceProvider{
			EntityID: shib.EntityID, ACSURLs: []string{shib.ACSURL},
			Response: response.New(response.WithAttributes(
				response.Attribute{Name: "urn:oid:0.9.2342.19200300.100.1.3", NameFormat: response.AttrNameFormatURI, Values: []string{harness.Alice.Username}},
				response.Attribute{Name: "urn:oid:2.5.4.42", NameFormat: response.AttrNameFormatURI, Values: []string{givenName}},
			)),
		})).To(Succeed())
		Expect(idp.SetEncryptionCertificate(shib.EntityID, shib.EncryptionCertificate)).To(Succeed())
	})

	AfterEach(func() {
		if CurrentSpecReport().Failed() && shib != nil {
			AddReportEntry("Shibboleth SP logs", shib.Logs())
		}
	})

	// signIn arms the next response with opts, opens /secure in a fresh
	// browser, signs Alice in at the mock IdP and waits for finalCSS on the
	// page Shibboleth shows after the IdP's POST.
	signIn := func(finalCSS string, opts ...response.Option) *browser.Page {
		GinkgoHelper()
		if len(opts) > 0 {
			Expect(harness.Stack().IdP.ArmNext(shib.EntityID, opts...)).To(Succeed())
		}
		page := harness.NewPage()
		Expect(page.Open(shib.SecureURL(), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, finalCSS)
		return page
	}
	// shown is the text of the element css names on the current page.
	// Chromium may still be replacing the document it just navigated to
	// (chromedp then reports "No node with given id found"), so it waits.
	shown := func(page *browser.Page, css string) string {
		GinkgoHelper()
		var text string
		Eventually(func() (err error) {
			text, err = page.Text(css)
			return err
		}).Should(Succeed())
		return text
	}
	expectSignedIn := func(page *browser.Page) {
		GinkgoHelper()
		Expect(page.Location()).To(Equal(shib.SecureURL()))
		Expect(shown(page, "#mail")).To(Equal(harness.Alice.Username))
		Expect(shown(page, "#Shib_Identity_Provider")).To(Equal(harness.Stack().IdP.EntityID()))
		Expect(shown(page, "#Shib_Session_ID")).NotTo(BeEmpty())
	}
	expectNoSession := func(page *browser.Page) {
		GinkgoHelper()
		Expect(page.Open(shib.SessionURL(), "body")).To(Succeed())
		Expect(shown(page, "body")).To(ContainSubstring("A valid session was not found"))
	}

	It("starts sign-on at the mock IdP from /secure and comes back with the URI-named attributes",
		Label(features.SPInitiated.Label(), features.URIAttributes.Label()), func() {
			page := signIn("#secure")
			expectSignedIn(page)
			Expect(shown(page, "#givenName")).To(Equal(givenName))
			Expect(shown(page, "#REMOTE_USER")).To(Equal(harness.Alice.Username))

			ctx, cancel := harness.Ctx()
			defer cancel()
			req, err := harness.Stack().IdP.TakeRequest(ctx, shib.EntityID)
			Expect(err).NotTo(HaveOccurred())
			Expect(req.Issuer).To(Equal(shib.EntityID))
			Expect(req.ACSURL).To(Equal(shib.ACSURL))
			Expect(req.Rejected).To(BeEmpty())
		})

	DescribeTable("accepts every signature mode and algorithm",
		Label(features.SignatureModes.Label()),
		func(sign func() response.Option, alg string) {
			expectSignedIn(signIn("#secure", sign(), response.Algorithm(alg)))
		},
		signatureEntries(),
	)

	DescribeTable("decrypts every content encryption and key transport",
		Label(features.EncryptionPairs.Label()),
		func(content, transport string) {
			expectSignedIn(signIn("#secure", response.Encrypted(content, transport)))
		},
		Entry(nil, response.AES128CBC, response.RSAOAEP),
		Entry(nil, response.AES256CBC, response.RSAOAEP),
		Entry(nil, response.AES128GCM, response.RSAOAEP),
		Entry(nil, response.AES256GCM, response.RSAOAEP),
		Entry(nil, response.AES128CBC, response.RSAOAEPSHA256),
		Entry(nil, response.AES256CBC, response.RSAOAEPSHA256),
		Entry(nil, response.AES128GCM, response.RSAOAEPSHA256),
		Entry(nil, response.AES256GCM, response.RSAOAEPSHA256),
	)

	It("accepts IdP-initiated sign-on and lands on the RelayState URL", Label(features.IdPInitiated.Label()), func() {
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().IdP.InitiateURL(shib.EntityID, "", shib.SecureURL()), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, "#secure")
		expectSignedIn(page)
	})

	DescribeTable("accepts the NameID formats and exposes the NameID",
		Label(features.NameIDFormats.Label()),
		func(format, value, shownAs string) {
			page := signIn("#secure", response.NameIDFormatURN(format), response.NameIDValue(value))
			expectSignedIn(page)
			Expect(shown(page, "#"+shownAs)).To(Equal(value))
		},
		Entry("persistent", response.NameIDFormatPersistent, "a1b2c3d4-persistent", "persistentID"),
		Entry("transient", response.NameIDFormatTransient, "_transient-5e6f7a8b", "transientID"),
		Entry("emailAddress", response.NameIDFormatEmailAddress, "alice@example.com", "emailNameID"),
	)

	DescribeTable("refuses our faults with its error page and no session",
		Label(features.FaultsRefused.Label()),
		func(fault response.Option, reason string) {
			page := signIn("#shibboleth-error", fault)
			Expect(strings.ToLower(shown(page, "#error-text"))).To(ContainSubstring(reason))
			expectNoSession(page)
		},
		Entry("an expired assertion", response.Expired(), "expired"),
		Entry("a wrong audience", response.WrongAudience(), "audience"),
		Entry("a key the metadata does not have", response.SignedBy(stack.KeyRogue), "signature"),
		Entry("nothing signed", response.Unsigned(), "security of incoming assertion"),
		Entry("a wrong destination", response.WrongDestination(), "incorrect server url"),
	)

	It("refuses RSA PKCS#1 v1.5 key transport, which it excludes by default", Label(features.FaultsRefused.Label()), func() {
		page := signIn("#shibboleth-error", response.Encrypted(response.AES256CBC, response.RSA15))
		Expect(strings.ToLower(shown(page, "#error-text"))).To(ContainSubstring("valid authentication statement was not found"))
		Expect(shib.Logs()).To(ContainSubstring("xmlenc#rsa-1_5 disallowed"))
		expectNoSession(page)
	})
})

// signatureEntries is every signature mode with every algorithm the mock
// IdP emits.
func signatureEntries() []TableEntry {
	modes := []struct {
		name string
		sign func() response.Option
	}{{"response", response.SignResponse}, {"assertion", response.SignAssertion}, {"both", response.SignBoth}}
	var entries []TableEntry
	for _, m := range modes {
		for _, alg := range []string{response.RSASHA1, response.RSASHA256, response.RSASHA384, response.RSASHA512} {
			entries = append(entries, Entry(m.name+" signed, "+alg, m.sign, alg))
		}
	}
	return entries
}
