// Package browser drives headless Debian Chromium through chromedp for the
// scenario suites: one Chromium per Ginkgo process (Launch), a fresh browser
// context — its own cookies and storage — per spec (NewPage), waits on DOM
// conditions only, and a screenshot plus the page HTML when a spec fails.
//
// Chromium is started off the network (no background networking, component
// updates, sync or QUIC) and with --host-resolver-rules mapping the
// harness's host names to 127.0.0.1, so flows cross sites by name as they do
// in production.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one running Chromium.
type Browser struct {
	ctx    context.Context // has the browser; parent of every page
	cancel func()
}

// ExecPath finds Chromium: $CHROMIUM, then chromium on PATH.
func ExecPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browser: Chromium not found; install it with `sudo apt-get install -y chromium` or set $CHROMIUM")
}

// Launch starts Chromium with hosts resolved to 127.0.0.1.
func Launch(hosts []string) (*Browser, error) {
	path, err := ExecPath()
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "ssoharness-chromium-")
	if err != nil {
		return nil, err
	}
	rules := make([]string, 0, len(hosts))
	for _, h := range hosts {
		rules = append(rules, "MAP "+h+" 127.0.0.1")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-proxy-server", true),
	}
	if len(rules) > 0 {
		opts = append(opts, chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	cancel := func() {
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(dataDir)
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancel()
		return nil, fmt.Errorf("browser: starting %s: %w", path, err)
	}
	return &Browser{ctx: ctx, cancel: cancel}, nil
}

// Close stops Chromium.
func (b *Browser) Close() { b.cancel() }

// Page is one tab in its own browser context: nothing is shared with other
// pages, not even cookies.
type Page struct {
	ctx     context.Context
	timeout time.Duration
}

// NewPage opens a tab in a fresh browser context. Each action waits at most
// timeout. Call the returned function to close it.
func (b *Browser) NewPage(timeout time.Duration) (*Page, func(), error) {
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("browser: new page: %w", err)
	}
	return &Page{ctx: ctx, timeout: timeout}, cancel, nil
}

func (p *Page) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

func run[T any](p *Page, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Open navigates to url and waits until an element matching css is visible:
// Navigate returns at the first load, which is not the final page after
// redirects and auto-submitted forms.
func (p *Page) Open(url, css string) error {
	if err := p.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(css))); err != nil {
		return fmt.Errorf("open %s, waiting for %s: %w", url, css, err)
	}
	return nil
}

// WaitVisible waits until an element matching css is visible.
func (p *Page) WaitVisible(css string) error {
	if err := p.do(chromedp.WaitVisible(chromedp.CSS(css))); err != nil {
		return fmt.Errorf("waiting for %s: %w", css, err)
	}
	return nil
}

// Text returns the visible text of the first element matching css.
func (p *Page) Text(css string) (string, error) {
	s, err := readNode(p, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		return "", fmt.Errorf("text of %s: %w", css, err)
	}
	return strings.TrimSpace(s), nil
}

// readNode runs a read of one element. Right after a navigation the node
// found can be replaced before it is read ("No node with given id found");
// the read then starts again, waiting for the element anew, within the
// page's timeout.
func readNode(p *Page, a chromedp.Action[string]) (string, error) {
	deadline := time.Now().Add(p.timeout)
	for {
		s, err := run(p, a)
		if err == nil || !strings.Contains(err.Error(), "No node with given id found") || time.Now().After(deadline) {
			return s, err
		}
	}
}

// Count returns how many elements match css right now.
func (p *Page) Count(css string) (int, error) {
	return run(p, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
}

// SetValue fills a form field (input, textarea or select), empty values
// included, and fires the input and change events a user's typing would.
func (p *Page) SetValue(css, value string) error {
	if err := p.WaitVisible(css); err != nil {
		return err
	}
	args, err := json.Marshal([]string{css, value})
	if err != nil {
		return err
	}
	ok, err := run(p, chromedp.Evaluate[bool](fmt.Sprintf(`((a) => {
		const el = document.querySelector(a[0]);
		if (!el) return false;
		el.value = a[1];
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return el.value === a[1];
	})(%s)`, args)))
	if err != nil {
		return fmt.Errorf("set value of %s: %w", css, err)
	}
	if !ok {
		return fmt.Errorf("set value of %s: the element did not take the value", css)
	}
	return nil
}

// Upload sets the files of a file input.
func (p *Page) Upload(css string, paths ...string) error {
	if err := p.do(chromedp.SetUploadFiles(chromedp.CSS(css), paths)); err != nil {
		return fmt.Errorf("upload to %s: %w", css, err)
	}
	return nil
}

// TextContent returns all the text of the first element matching css,
// hidden parts (a closed <details>) included.
func (p *Page) TextContent(css string) (string, error) {
	s, err := readNode(p, chromedp.TextContent(chromedp.CSS(css)))
	if err != nil {
		return "", fmt.Errorf("text content of %s: %w", css, err)
	}
	return strings.TrimSpace(s), nil
}

// Click clicks the first element matching css.
func (p *Page) Click(css string) error {
	if err := p.do(chromedp.Click(chromedp.CSS(css))); err != nil {
		return fmt.Errorf("click %s: %w", css, err)
	}
	return nil
}

// Location is the page's current URL.
func (p *Page) Location() (string, error) { return run(p, chromedp.Location()) }

// HTML is the current document's markup.
func (p *Page) HTML() (string, error) {
	return run(p, chromedp.OuterHTML(chromedp.CSS("html")))
}

// Screenshot is a PNG of the viewport.
func (p *Page) Screenshot() ([]byte, error) { return run(p, chromedp.CaptureScreenshot()) }

// SaveArtifacts writes a screenshot and the HTML of the page under dir,
// named after the spec, and returns the paths written.
func (p *Page) SaveArtifacts(dir, name string) []string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	base := filepath.Join(dir, sanitize(name))
	var written []string
	if png, err := p.Screenshot(); err == nil && os.WriteFile(base+".png", png, 0o644) == nil {
		written = append(written, base+".png")
	}
	if html, err := p.HTML(); err == nil && os.WriteFile(base+".html", []byte(html), 0o644) == nil {
		written = append(written, base+".html")
	}
	return written
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
