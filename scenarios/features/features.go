// Package features is the registry of what the scenario suites prove. Every
// spec is labelled with the Feature it covers (Ginkgo Label), so
// `ginkgo --label-filter=feature:key-rotation` selects a suite, and Report
// turns a Ginkgo report into a table of features passed, failed or skipped.
package features

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Feature is one capability the harness checks.
type Feature string

// The registry. Labels are "feature:" + the value.
const (
	SPInitiatedRedirect Feature = "sp-initiated-redirect"
	SPInitiatedPOST     Feature = "sp-initiated-post"
	IdPInitiated        Feature = "idp-initiated"
	DeepLink            Feature = "deep-link"
	IdPSession          Feature = "idp-session"
	UnknownUserRefused  Feature = "unknown-user-refused"
	ExpiredRefused      Feature = "expired-refused"
	UnknownKeyRefused   Feature = "unknown-key-refused"
	AccessLog           Feature = "access-log"
	DemoTenant          Feature = "demo-tenant"

	// SSO configuration (seed 001).
	MethodOff           Feature = "method-off"
	NameIDPolicy        Feature = "nameid-policy"
	AuthnContext        Feature = "authn-context"
	KeyRotation         Feature = "key-rotation"
	EncryptedAssertions Feature = "encrypted-assertions"
	RelayState          Feature = "relay-state"
	OperationalStatus   Feature = "operational-status"
	IdPMetadata         Feature = "idp-metadata"

	// Interoperability (the interop suite; cells of the peer × feature matrix).
	SignatureModes   Feature = "signature-modes"
	EncryptionPairs  Feature = "encryption-pairs"
	FaultsRefused    Feature = "faults-refused"
	NameIDFormats    Feature = "nameid-formats"
	URIAttributes    Feature = "uri-attributes"
	SPInitiated      Feature = "sp-initiated"
	PeerKeyRotation  Feature = "peer-key-rotation"
	EncryptedToOurSP Feature = "encrypted-to-our-sp"
)

// All lists the registry in report order.
var All = []Feature{
	SPInitiatedRedirect, SPInitiatedPOST, IdPInitiated, DeepLink, IdPSession,
	UnknownUserRefused, ExpiredRefused, UnknownKeyRefused, AccessLog, DemoTenant,
	MethodOff, NameIDPolicy, AuthnContext, KeyRotation, EncryptedAssertions, RelayState,
	OperationalStatus, IdPMetadata,
	SPInitiated, SignatureModes, EncryptionPairs, EncryptedToOurSP, PeerKeyRotation, NameIDFormats,
	URIAttributes, FaultsRefused,
}

// Label is the Ginkgo label for f.
func (f Feature) Label() string { return "feature:" + string(f) }

// Result of the specs of one feature.
type Result struct {
	Feature Feature `json:"feature"`
	Passed  int     `json:"passed"`
	Failed  int     `json:"failed"`
	Skipped int     `json:"skipped"`
	// Specs names each spec with its state.
	Specs []string `json:"specs"`
}

// Status is "passed", "failed", "skipped" or "not covered".
func (r Result) Status() string {
	switch {
	case r.Failed > 0:
		return "failed"
	case r.Passed > 0:
		return "passed"
	case r.Skipped > 0:
		return "skipped"
	}
	return "not covered"
}

// count adds one spec's outcome.
func (r *Result) count(spec types.SpecReport) {
	switch {
	case spec.State.Is(types.SpecStatePassed):
		r.Passed++
	case spec.State.Is(types.SpecStateFailureStates):
		r.Failed++
	default:
		r.Skipped++
	}
}

// Summarize groups a suite report's specs by the features they are labelled with.
func Summarize(report types.Report) []Result {
	byFeature := map[Feature]*Result{}
	for _, f := range All {
		byFeature[f] = &Result{Feature: f}
	}
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, label := range spec.Labels() {
			name, ok := strings.CutPrefix(label, "feature:")
			if !ok {
				continue
			}
			r := byFeature[Feature(name)]
			if r == nil {
				r = &Result{Feature: Feature(name)}
				byFeature[Feature(name)] = r
			}
			r.count(spec)
			r.Specs = append(r.Specs, fmt.Sprintf("%s: %s", spec.State, spec.FullText()))
		}
	}
	out := make([]Result, 0, len(byFeature))
	for _, r := range byFeature {
		sort.Strings(r.Specs)
		out = append(out, *r)
	}
	order := map[Feature]int{}
	for i, f := range All {
		order[f] = i
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := order[out[i].Feature]
		oj, jok := order[out[j].Feature]
		if iok != jok {
			return iok
		}
		if iok {
			return oi < oj
		}
		return out[i].Feature < out[j].Feature
	})
	return out
}

// WriteTable writes results as a Markdown table.
func WriteTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| feature | result | passed | failed | skipped |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d |\n", r.Feature, r.Status(), r.Passed, r.Failed, r.Skipped)
	}
}

// Write saves results as <dir>/<suite>-features.json and .md.
func Write(dir, suite string, results []Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, suite+"-features.json"), data, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, suite+"-features.md"))
	if err != nil {
		return err
	}
	defer f.Close()
	WriteTable(f, results)
	return nil
}
