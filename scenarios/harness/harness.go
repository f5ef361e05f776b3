// Package harness is the Ginkgo glue every scenario suite shares: Install
// registers the suite-level nodes that give each Ginkgo process its own
// running stack (scenarios/stack) and its own headless Chromium
// (scenarios/browser); NewPage gives a spec a fresh browser context that is
// closed at the end of the spec, after a screenshot and the page HTML are
// saved and attached to the report if the spec failed. ReportAfterSuite
// writes the feature table (scenarios/features).
//
// Artifacts go to $SCENARIO_ARTIFACTS (default ./.artifacts in the suite's
// folder).
package harness

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ssoharness/ssoharness/scenarios/browser"
	"github.com/ssoharness/ssoharness/scenarios/features"
	"github.com/ssoharness/ssoharness/scenarios/stack"
)

// PageTimeout bounds each browser action (a navigation with its redirects
// and auto-submitted forms, a wait for an element).
const PageTimeout = 20 * time.Second

var (
	running *stack.Stack
	chrome  *browser.Browser
)

// ArtifactsDir is where failure artifacts and reports go.
func ArtifactsDir() string {
	if d := os.Getenv("SCENARIO_ARTIFACTS"); d != "" {
		return d
	}
	return ".artifacts"
}

// Install registers the suite's BeforeSuite/AfterSuite (a stack and a
// browser per Ginkgo process) and the feature report. Call it once per
// suite at package level: var _ = harness.Install("saml"). Ginkgo allows one
// BeforeSuite: a suite's own checks go in setup, run first.
func Install(suite string, setup ...func()) bool {
	BeforeSuite(func(ctx SpecContext) {
		for _, f := range setup {
			f()
		}
		var err error
		level := slog.LevelWarn
		if os.Getenv("SCENARIO_DEBUG") != "" {
			level = slog.LevelDebug
		}
		logger := slog.New(slog.NewTextHandler(GinkgoWriter, &slog.HandlerOptions{Level: level}))
		running, err = stack.Start(ctx, stack.Options{AdminPassword: AdminPassword, Logger: logger})
		Expect(err).NotTo(HaveOccurred(), "starting the stack")
		DeferCleanup(func(ctx SpecContext) {
			Expect(running.Close(ctx)).To(Succeed())
		})
		chrome, err = browser.Launch(running.Hosts)
		Expect(err).NotTo(HaveOccurred(), "starting Chromium")
		DeferCleanup(chrome.Close)
	})
	ReportAfterSuite("feature report", func(r Report) {
		if err := features.Write(ArtifactsDir(), suite, features.Summarize(r)); err != nil {
			GinkgoWriter.Printf("feature report: %v\n", err)
		}
	})
	return true
}

// AdminPassword is the SP admin password of the scenario stacks.
const AdminPassword = "scenario-admin-password"

// Stack is this process's running stack.
func Stack() *stack.Stack { return running }

// NewPage opens a fresh browser context for the current spec.
func NewPage() *browser.Page {
	GinkgoHelper()
	page, closePage, err := chrome.NewPage(PageTimeout)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			dir := filepath.Join(ArtifactsDir(), "failures")
			for _, path := range page.SaveArtifacts(dir, CurrentSpecReport().FullText()) {
				AddReportEntry("artifact", path)
			}
		}
		closePage()
	})
	return page
}

// Ctx is a context for Go-side calls of a spec (control API, store).
func Ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), PageTimeout)
}
