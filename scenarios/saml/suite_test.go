// Package saml_test is the browser scenario suite for the SP's SAML core:
// SP-initiated sign-on by HTTP-Redirect and HTTP-POST, IdP-initiated sign-on,
// deep links, the IdP session, and refusals (unknown user, expired assertion,
// unknown signing key) with their access-log entries. Each spec drives
// headless Chromium across the real HTTP flows between sp.localhost and
// idp.localhost.
package saml_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/scenarios/harness"
)

func TestSAML(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SAML sign-on")
}

var _ = harness.Install("saml")
