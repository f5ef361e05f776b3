package features

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Peer is third-party software the interop suite proves the harness against.
type Peer string

// The interop peers. Labels are "peer:" + the value.
const (
	PeerXMLSec1          Peer = "xmlsec1"
	PeerSimpleSAMLphpIdP Peer = "simplesamlphp-idp"
	PeerSimpleSAMLphpSP  Peer = "simplesamlphp-sp"
	PeerShibbolethSP     Peer = "shibboleth-sp"
)

// Label is the Ginkgo label for p.
func (p Peer) Label() string { return "peer:" + string(p) }

// Cell is the result of the specs of one peer and one feature.
type Cell struct {
	Peer    string
	Feature string
	Result
}

// Matrix groups a report's specs by their peer and feature labels.
func Matrix(report types.Report) []Cell {
	cells := map[[2]string]*Cell{}
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		var peers, feats []string
		for _, l := range spec.Labels() {
			if v, ok := strings.CutPrefix(l, "peer:"); ok {
				peers = append(peers, v)
			}
			if v, ok := strings.CutPrefix(l, "feature:"); ok {
				feats = append(feats, v)
			}
		}
		for _, p := range peers {
			for _, f := range feats {
				k := [2]string{p, f}
				c := cells[k]
				if c == nil {
					c = &Cell{Peer: p, Feature: f, Result: Result{Feature: Feature(f)}}
					cells[k] = c
				}
				c.count(spec)
			}
		}
	}
	out := make([]Cell, 0, len(cells))
	for _, c := range cells {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Peer != out[j].Peer {
			return out[i].Peer < out[j].Peer
		}
		return out[i].Feature < out[j].Feature
	})
	return out
}

// WriteMatrixTable writes cells as a Markdown table.
func WriteMatrixTable(w io.Writer, cells []Cell) {
	fmt.Fprintln(w, "| peer | feature | result | specs passed / failed / skipped |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	for _, c := range cells {
		fmt.Fprintf(w, "| %s | %s | %s | %d / %d / %d |\n", c.Peer, c.Feature, c.Status(), c.Passed, c.Failed, c.Skipped)
	}
}

// WriteMatrix saves the matrix as <dir>/interop-matrix.md.
func WriteMatrix(dir string, report types.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "interop-matrix.md"))
	if err != nil {
		return err
	}
	defer f.Close()
	WriteMatrixTable(f, Matrix(report))
	return nil
}
