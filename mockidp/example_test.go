package mockidp_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crewjam/saml"

	"github.com/ssoharness/ssoharness/mockidp"
	"github.com/ssoharness/ssoharness/mockidp/response"
)

// testSignInRefusesExpiredAssertion is what a test in another project
// looks like: start a mock IdP, point the SP under test at its metadata,
// arm a fault for the next response, then drive the sign-on.
func testSignInRefusesExpiredAssertion(t testing.TB) {
	const spEntityID = "https://sp.example.com/saml/metadata"
	idp := mockidp.Start(t, mockidp.WithServiceProvider(mockidp.ServiceProvider{
		EntityID: spEntityID,
		ACSURLs:  []string{"https://sp.example.com/saml/acs"},
	}))

	// The SP under test would be configured with this URL.
	resp, err := http.Get(idp.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md saml.EntityDescriptor
	if err := xml.NewDecoder(resp.Body).Decode(&md); err != nil {
		t.Fatal(err)
	}
	idpd := md.IDPSSODescriptors[0]
	fmt.Println("signing keys in metadata:", len(idpd.KeyDescriptors))
	for _, s := range idpd.SingleSignOnServices {
		fmt.Println("SSO", s.Binding[strings.LastIndex(s.Binding, ":")+1:], strings.TrimPrefix(s.Location, idp.URL()))
	}

	// The next response to this SP only is expired; later ones are normal.
	if err := idp.ArmNext(spEntityID, response.Expired()); err != nil {
		t.Fatal(err)
	}
	fmt.Println("armed responses:", idp.State().ServiceProviders[0].Queued)

	// ... sign in through the SP with a browser (user "alice", password
	// "alice-password") and assert that the SP refuses the assertion;
	// idp.TakeRequest(ctx, spEntityID) returns the AuthnRequest it sent.
}

func ExampleStart() {
	t := &exampleT{}
	defer t.cleanup()
	testSignInRefusesExpiredAssertion(t)
	// Output:
	// signing keys in metadata: 1
	// SSO HTTP-Redirect /sso
	// SSO HTTP-POST /sso
	// armed responses: 1
}

// exampleT stands in for the *testing.T a real test receives: an example
// function gets none. It implements what Start uses.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Log(args ...any)                   {}
func (t *exampleT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
