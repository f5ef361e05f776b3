package interop_test

import (
	"os"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
	"github.com/ssoharness/ssoharness/scenarios/interop/simplesamlphp"
	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

// startSimpleSAMLphp runs one SimpleSAMLphp for the container in a temp
// folder of its own, stops it by PID at the end, and attaches its log to
// every failed spec.
func startSimpleSAMLphp(ctx SpecContext, o simplesamlphp.Options) *simplesamlphp.Instance {
	GinkgoHelper()
	dir, err := os.MkdirTemp("", "ssoharness-"+o.Name+"-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	o.Dir = dir
	ssp, err := simplesamlphp.Start(ctx, o)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(ssp.Stop()).To(Succeed()) })
	return ssp
}

// attachSimpleSAMLphpLog adds the peer's log to the report of a failed spec.
func attachSimpleSAMLphpLog(ssp **simplesamlphp.Instance) {
	JustAfterEach(func() {
		if CurrentSpecReport().Failed() && *ssp != nil {
			AddReportEntry((*ssp).Proc.Name+" log", (*ssp).Log())
		}
	})
}

// signInAtSimpleSAMLphp fills SimpleSAMLphp's exampleauth:UserPass form
// when it is shown (an IdP session skips it), then waits for finalCSS.
func signInAtSimpleSAMLphp(page *browser.Page, username, password, finalCSS string) {
	GinkgoHelper()
	Expect(page.WaitVisible("#username, " + finalCSS)).To(Succeed())
	if n, _ := page.Count("#username"); n > 0 {
		Expect(page.SetValue("#username", username)).To(Succeed())
		Expect(page.SetValue("#password", password)).To(Succeed())
		Expect(page.Click("#submit_button")).To(Succeed())
	}
	Expect(page.WaitVisible(finalCSS)).To(Succeed())
}

var _ = Describe("Our SP with the SimpleSAMLphp 1.19 IdP", Ordered, Label(features.PeerSimpleSAMLphpIdP.Label()), func() {
	var ssp *simplesamlphp.Instance
	keyA, keyB := fixtures.MustLoad(fixtures.IdPKeyA), fixtures.MustLoad(fixtures.IdPKeyB)
	alice := simplesamlphp.User{Username: harness.Alice.Username, Password: harness.Alice.Password,
		Attributes: map[string][]string{"email": {harness.Alice.Username}}}

	BeforeAll(func(ctx SpecContext) {
		ssp = startSimpleSAMLphp(ctx, simplesamlphp.Options{Name: "ssp-idp", IdP: &simplesamlphp.IdPOptions{
			SigningKey: keyA, Users: []simplesamlphp.User{alice},
		}})
	})
	attachSimpleSAMLphpLog(&ssp)

	// newGroup makes a group of our SP, adjusted by settings, and points
	// it at SimpleSAMLphp the way an admin would: its entity ID, endpoint and
	// signing certificate. SimpleSAMLphp matches ACS URLs exactly, so the
	// group keeps its ACS URL bare (relaystate style). The group's SP
	// metadata becomes SimpleSAMLphp's saml20-sp-remote entry (the NameID
	// carries the email attribute), adjusted by remote.
	newGroup := func(settings func(*store.SSOSettings), remote func(*simplesamlphp.RemoteSP)) store.Group {
		GinkgoHelper()
		g := harness.NewGroup(store.BindingRedirect, func(s *store.SSOSettings) {
			s.ACSParameterStyle = store.ACSStyleRelayState
			if settings != nil {
				settings(s)
			}
		})
		ctx, cancel := harness.Ctx()
		defer cancel()
		Expect(harness.Stack().Store.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) {
			old.SSO.IdPEntityID = ssp.IdPEntityID()
			old.SSO.IdPSSOURL = ssp.IdPSSOURL()
			old.SSO.IdPCertificates = []string{keyA.CertificatePEM}
			return old, nil
		})).To(Succeed())
		g, err := harness.Stack().Store.GetGroup(ctx, g.ID)
		Expect(err).NotTo(HaveOccurred())
		md, err := harness.Stack().SP.SignOn().Metadata(ctx, g)
		Expect(err).NotTo(HaveOccurred())
		sp, encryption, err := simplesamlphp.RemoteSPFromMetadata(md)
		Expect(err).NotTo(HaveOccurred())
		sp.NameIDAttribute = "email"
		if g.SSO.Method == store.MethodSAML2Encrypted {
			Expect(encryption).NotTo(BeNil(), "our SP metadata publishes no encryption key")
			sp.EncryptionCertificate = encryption
		}
		if remote != nil {
			remote(&sp)
		}
		Expect(ssp.AddRemoteSP(sp)).To(Succeed())
		return g
	}

	signOn := func(page *browser.Page, g store.Group, finalCSS string) {
		GinkgoHelper()
		Expect(page.Open(harness.AgentURL(g, "/agentjoin/AgentJoin.aspx"), "#username, "+finalCSS)).To(Succeed())
		signInAtSimpleSAMLphp(page, alice.Username, alice.Password, finalCSS)
	}

	succeeded := func(g store.Group) store.AccessLogEntry {
		GinkgoHelper()
		entry := harness.LastAccessLog(g)
		Expect(entry.Outcome).To(Equal(store.OutcomeSuccess), "access log: %+v", entry)
		return entry
	}

	It("signs on SP-initiated and lands on the agent page", Label(features.SPInitiated.Label()), func() {
		g := newGroup(nil, nil)
		signOn(harness.NewPage(), g, "#agent-page")
		succeeded(g)
	})

	It("signs on IdP-initiated from SimpleSAMLphp's SSOService", Label(features.IdPInitiated.Label()), func() {
		g := newGroup(nil, nil)
		page := harness.NewPage()
		Expect(page.Open(ssp.IdPInitiatedURL(g.SSO.EntityID, "idpid="+strconv.FormatInt(g.ID, 10)), "#username")).To(Succeed())
		signInAtSimpleSAMLphp(page, alice.Username, alice.Password, "#agent-page")
		succeeded(g)
	})

	DescribeTable("accepts each signature SimpleSAMLphp makes", Label(features.SignatureModes.Label()),
		func(sign string) {
			g := newGroup(nil, func(sp *simplesamlphp.RemoteSP) { sp.Sign = sign })
			signOn(harness.NewPage(), g, "#agent-page")
			Expect(succeeded(g).VerifiedBy).To(ContainSubstring(acs.Fingerprint(keyA.Certificate)))
		},
		Entry("signed assertion", simplesamlphp.SignAssertion),
		Entry("signed response", simplesamlphp.SignResponse),
		Entry("both signed", simplesamlphp.SignBoth),
	)

	It("decrypts an assertion SimpleSAMLphp encrypts to our SP's key", Label(features.EncryptedToOurSP.Label()), func() {
		g := newGroup(func(s *store.SSOSettings) { s.Method = store.MethodSAML2Encrypted }, nil)
		signOn(harness.NewPage(), g, "#agent-page")
		Expect(succeeded(g).Detail).To(ContainSubstring("assertion decrypted"))
	})

	DescribeTable("answers each NameID policy our SP requests", Label(features.NameIDFormats.Label()),
		func(policy store.NameIDPolicy, format string) {
			g := newGroup(func(s *store.SSOSettings) { s.NameIDPolicy = policy }, nil)
			signOn(harness.NewPage(), g, "#agent-page")
			entry := succeeded(g)
			Expect(entry.NameIDFormat).To(Equal(format))
			if policy != store.NameIDTransient {
				Expect(entry.NameID).To(Equal(alice.Username))
			}
		},
		Entry(nil, store.NameIDEmail, response.NameIDFormatEmailAddress),
		Entry(nil, store.NameIDUnspecified, response.NameIDFormatUnspecified),
		Entry(nil, store.NameIDPersistent, response.NameIDFormatPersistent),
		Entry("transient: the user is found by the email attribute", store.NameIDTransient, response.NameIDFormatTransient),
	)

	It("finds the user by a URI-named attribute (name2oid)", Label(features.URIAttributes.Label()), func() {
		const emailOID = "urn:oid:1.2.840.113549.1.9.1" // name2oid's name for email
		g := newGroup(func(s *store.SSOSettings) {
			s.NameIDPolicy = store.NameIDTransient
			s.IdentityAttribute = emailOID
		}, func(sp *simplesamlphp.RemoteSP) {
			sp.AttributeMap = "name2oid"
			sp.AttributeNameFormat = response.AttrNameFormatURI
			sp.NameIDAttribute = ""
		})
		signOn(harness.NewPage(), g, "#agent-page")
		Expect(succeeded(g).Attributes).To(HaveKeyWithValue(emailOID, []string{alice.Username}))
	})

	It("follows SimpleSAMLphp to a new signing key without downtime", Label(features.PeerKeyRotation.Label()), func() {
		g := newGroup(nil, nil)
		page := harness.NewPage()
		signOnAgain := func() store.AccessLogEntry {
			GinkgoHelper()
			harness.SignOut(page)
			signOn(page, g, "#agent-page")
			return succeeded(g)
		}
		setCertificates := func(certs ...string) {
			GinkgoHelper()
			ctx, cancel := harness.Ctx()
			defer cancel()
			Expect(harness.Stack().Store.UpdateGroup(ctx, g.ID, func(old store.Group) (store.Group, error) {
				old.SSO.IdPCertificates = certs
				return old, nil
			})).To(Succeed())
		}

		By("SimpleSAMLphp signs with key A")
		Expect(signOnAgain().VerifiedBy).To(ContainSubstring(acs.Fingerprint(keyA.Certificate)))

		By("our group trusts key B as an additional key: key A still works")
		setCertificates(keyA.CertificatePEM, keyB.CertificatePEM)
		Expect(signOnAgain().VerifiedBy).To(ContainSubstring(acs.Fingerprint(keyA.Certificate)))

		By("SimpleSAMLphp switches to key B: sign-on works with no other change")
		Expect(ssp.SetSigningKey(keyB)).To(Succeed())
		DeferCleanup(func() { Expect(ssp.SetSigningKey(keyA)).To(Succeed()) })
		Expect(signOnAgain().VerifiedBy).To(ContainSubstring(acs.Fingerprint(keyB.Certificate)))

		By("our group drops key A: key B still works")
		setCertificates(keyB.CertificatePEM)
		Expect(signOnAgain().VerifiedBy).To(ContainSubstring(acs.Fingerprint(keyB.Certificate)))
	})
})

var _ = Describe("Our mock IdP with the SimpleSAMLphp 1.19 SP", Ordered, Label(features.PeerSimpleSAMLphpSP.Label()), func() {
	var ssp *simplesamlphp.Instance
	spKey := fixtures.MustLoad(fixtures.SPKey)

	BeforeAll(func(ctx SpecContext) {
		idp, err := simplesamlphp.RemoteIdPFromMetadata(harness.Stack().IdP.Metadata())
		Expect(err).NotTo(HaveOccurred())
		ssp = startSimpleSAMLphp(ctx, simplesamlphp.Options{Name: "ssp-sp", SP: &simplesamlphp.SPOptions{Key: spKey, IdP: idp}})
		Expect(harness.Stack().IdP.AddServiceProvider(mockidp.ServiceProvider{
			EntityID: ssp.SPEntityID(), ACSURLs: []string{ssp.SPACSURL()},
		})).To(Succeed())
	})
	attachSimpleSAMLphpLog(&ssp)

	// signOn opens SimpleSAMLphp's protected page after arming the next
	// response, signs in as Alice at the mock IdP and waits for finalCSS.
	signOn := func(finalCSS string, opts ...response.Option) *browser.Page {
		GinkgoHelper()
		if len(opts) > 0 {
			Expect(harness.Stack().IdP.ArmNext(ssp.SPEntityID(), opts...)).To(Succeed())
		}
		page := harness.NewPage()
		Expect(page.Open(ssp.ProtectedURL(), "#login")).To(Succeed())
		harness.SignInAtIdP(page, harness.Alice, finalCSS)
		return page
	}

	grantsSession := func(page *browser.Page) {
		GinkgoHelper()
		Expect(page.Text("#table_with_attributes")).To(ContainSubstring(harness.Alice.Username))
	}

	It("grants a session on its protected page and shows the attributes we sent", Label(features.SPInitiated.Label()), func() {
		page := signOn("#table_with_attributes")
		Expect(page.Text("#table_with_attributes")).To(And(ContainSubstring("email"), ContainSubstring(harness.Alice.Username)))
	})

	DescribeTable("accepts each signature mode and algorithm", Label(features.SignatureModes.Label()),
		func(sign response.Option, algorithm string) {
			grantsSession(signOn("#table_with_attributes", sign, response.Algorithm(algorithm)))
		},
		Entry("response signed, rsa-sha256", response.SignResponse(), response.RSASHA256),
		Entry("assertion signed, rsa-sha256", response.SignAssertion(), response.RSASHA256),
		Entry("both signed, rsa-sha256", response.SignBoth(), response.RSASHA256),
		Entry("response signed, rsa-sha512", response.SignResponse(), response.RSASHA512),
		Entry("assertion signed, rsa-sha512", response.SignAssertion(), response.RSASHA512),
		Entry("both signed, rsa-sha512", response.SignBoth(), response.RSASHA512),
		Entry("response signed, rsa-sha1", response.SignResponse(), response.RSASHA1),
		Entry("assertion signed, rsa-sha1", response.SignAssertion(), response.RSASHA1),
	)

	DescribeTable("decrypts assertions encrypted to its key", Label(features.EncryptionPairs.Label()),
		func(content, transport string) {
			Expect(harness.Stack().IdP.SetEncryptionCertificate(ssp.SPEntityID(), spKey.Certificate)).To(Succeed())
			DeferCleanup(func() {
				Expect(harness.Stack().IdP.SetEncryptionCertificate(ssp.SPEntityID(), nil)).To(Succeed())
			})
			grantsSession(signOn("#table_with_attributes", response.Encrypted(content, transport)))
		},
		Entry(nil, response.AES128CBC, response.RSAOAEP),
		Entry(nil, response.AES256CBC, response.RSAOAEP),
		Entry(nil, response.AES128GCM, response.RSAOAEP),
		Entry(nil, response.AES256GCM, response.RSAOAEP),
	)

	It("decrypts RSA-OAEP key transport with SHA-256 digests", Label(features.EncryptionPairs.Label()), func() {
		Skip("SimpleSAMLphp 1.19's xmlseclibs decrypts xmlenc11#rsa-oaep with PHP's openssl_private_decrypt " +
			"and OPENSSL_PKCS1_OAEP_PADDING, which is SHA-1 only: a SHA-256 digest fails with \"Failed to decrypt XML element\"")
	})

	It("accepts IdP-initiated sign-on and follows RelayState to its protected page", Label(features.IdPInitiated.Label()), func() {
		page := harness.NewPage()
		Expect(page.Open(harness.Stack().IdP.InitiateURL(ssp.SPEntityID(), "", ssp.ProtectedURL()), "#login, #table_with_attributes")).To(Succeed())
		if n, _ := page.Count("#login"); n > 0 {
			harness.SignInAtIdP(page, harness.Alice, "#table_with_attributes")
		}
		grantsSession(page)
	})

	DescribeTable("accepts each NameID format and shows the NameID", Label(features.NameIDFormats.Label()),
		func(format, value string) {
			page := signOn("#table_with_attributes", response.NameIDFormatURN(format), response.NameIDValue(value))
			Expect(page.TextContent("body")).To(ContainSubstring(value))
		},
		Entry("persistent", response.NameIDFormatPersistent, "7d1e2a4c-persistent-0b7f"),
		Entry("transient", response.NameIDFormatTransient, "_transient-5c1f9a"),
		Entry("unspecified", response.NameIDFormatUnspecified, "alice-unspecified"),
	)

	It("receives attributes named by urn:oid with the uri NameFormat", Label(features.URIAttributes.Label()), func() {
		const mail = "urn:oid:0.9.2342.19200300.100.1.3"
		page := signOn("#table_with_attributes", response.WithAttributes(
			response.Attribute{Name: mail, NameFormat: response.AttrNameFormatURI, Values: []string{harness.Alice.Username}},
			response.Attribute{Name: "urn:oid:2.5.4.42", NameFormat: response.AttrNameFormatURI, Values: []string{"Alice"}},
		))
		Expect(page.TextContent("#table_with_attributes")).To(And(ContainSubstring(mail), ContainSubstring(harness.Alice.Username), ContainSubstring("urn:oid:2.5.4.42")))
	})

	It("refuses an expired response", Label(features.FaultsRefused.Label(), features.ExpiredRefused.Label()), func() {
		page := signOn("#trackid", response.Expired())
		Expect(page.Count("#table_with_attributes")).To(Equal(0))
		// SimpleSAMLphp's error page shows its reason (showerrors).
		Expect(page.TextContent("body")).To(MatchRegexp(`assertion that has expired|NotOnOrAfter .* is in the past`))
	})
})
