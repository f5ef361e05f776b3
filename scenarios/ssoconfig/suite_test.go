// Package ssoconfig_test is the browser scenario suite for the SSO
// configuration settings of seed 001: method Off, NameID policy,
// authentication context, ACS parameter style and relay state, encrypted
// assertions, key rotation, operational status and IdP metadata. Each
// Describe shows what the IdP received and what the user saw.
package ssoconfig_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/scenarios/harness"
)

func TestSSOConfiguration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SSO configuration")
}

var _ = harness.Install("ssoconfig")

var _ = BeforeEach(harness.AddDirectory)
