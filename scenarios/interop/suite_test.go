// Package interop_test proves the SP and the mock IdP against software
// nobody here wrote: SimpleSAMLphp (IdP and SP), Shibboleth SP and xmlsec1,
// all from Debian's packages and all on loopback. The suite installs
// nothing: run scenarios/interop/peers.sh install first (.ci/run does).
// Every spec is labelled with its peer ("peer:…") and feature, and
// ReportAfterSuite writes the peer × feature matrix.
package interop_test

import (
	"os/exec"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/harness"
)

func TestInterop(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Interoperability", Label("interop"))
}

var _ = harness.Install("interop", requirePeers)

var _ = BeforeEach(harness.AddDirectory)

// requirePeers fails the suite with the command to run when a peer is missing.
func requirePeers() {
	out, err := exec.Command("./peers.sh", "check").CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
}

var _ = ReportAfterSuite("interop matrix", func(r Report) {
	if err := features.WriteMatrix(harness.ArtifactsDir(), r); err != nil {
		GinkgoWriter.Printf("interop matrix: %v\n", err)
	}
})
