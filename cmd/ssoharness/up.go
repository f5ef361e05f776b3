package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ssoharness/ssoharness/scenarios/stack"
)

func runUp(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("up [flags]", "Runs the SP, the mock IdP and the mock originating system together on loopback,\nwith an embedded SQLite store under --data and a seeded demo tenant, and prints\nevery URL and the demo credentials. Ctrl-C stops it cleanly.", stderr)
	data := fs.String("data", ".ssoharness", "data `directory` (SQLite store, admin password)")
	spListen := fs.String("sp-listen", "127.0.0.1:9081", "SP listen `address`")
	idpListen := fs.String("idp-listen", "127.0.0.1:9082", "mock IdP listen `address`")
	originListen := fs.String("origin-listen", "127.0.0.1:9083", "mock originating system listen `address`")
	spHost := fs.String("sp-host", "sp.localhost", "SP host `name` in its URLs")
	idpHost := fs.String("idp-host", "idp.localhost", "mock IdP host `name`")
	originHost := fs.String("origin-host", "crm.localhost", "mock originating system host `name`")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError(fmt.Errorf("up: --log-level %q: use debug, info, warn or error", *logLevel))
	}
	for name, addr := range map[string]string{"--sp-listen": *spListen, "--idp-listen": *idpListen, "--origin-listen": *originListen} {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return usageError(fmt.Errorf("up: %s %q is not a loopback address such as 127.0.0.1:9081", name, addr))
		}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("up: data directory: %w", err)
	}
	password, err := adminPassword(filepath.Join(*data, "admin-password"))
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, stack.Options{
		SPHost: *spHost, IdPHost: *idpHost, OriginHost: *originHost,
		SPListen: *spListen, IdPListen: *idpListen, OriginListen: *originListen,
		StorePath: filepath.Join(*data, "sp.db"), AdminPassword: password, Logger: logger,
	})
	if err != nil {
		return err
	}
	if err := s.SeedDemo(ctx); err != nil {
		_ = s.Close(context.Background())
		return fmt.Errorf("up: seeding the demo tenant: %w", err)
	}
	printWelcome(stdout, s, *data, password)

	go s.CollectExpired(ctx, time.Minute)
	go s.RefreshMetadata(ctx, time.Hour)
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Close(shutdownCtx)
}

// adminPassword reads the SP admin password from path, creating a random
// one on first use, so it survives restarts like the rest of the data.
func adminPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("up: %w", err)
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("up: %w", err)
	}
	return pw, nil
}

func printWelcome(w io.Writer, s *stack.Stack, data, password string) {
	gid := stack.DemoGroupID
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nssoharness is up. Data in %s (delete it to start afresh). Ctrl-C to stop.\n\n", data)
	fmt.Fprintln(tw, "Service Provider\t"+s.SPURL)
	fmt.Fprintf(tw, "  sign in (demo group)\t%s/agentjoin/AgentJoin.aspx?idpid=%d\n", s.SPURL, gid)
	fmt.Fprintf(tw, "  deep link\t%s/agentjoin/AgentView.aspx?SessionKey=1234&idpname=%s\n", s.SPURL, stack.DemoGroupName)
	fmt.Fprintf(tw, "  who am I\t%s/whoami\n", s.SPURL)
	fmt.Fprintf(tw, "  access log\t%s/admin/accesslog\t(admin password: %s)\n", s.SPURL, password)
	fmt.Fprintf(tw, "  SP metadata\t%s/saml/metadata?idpid=%d\n", s.SPURL, gid)
	fmt.Fprintln(tw, "Mock IdP\t"+s.IdPURL)
	fmt.Fprintf(tw, "  metadata\t%s\n", s.IdP.MetadataURL())
	fmt.Fprintf(tw, "  IdP-initiated sign-on\t%s\n", s.IdP.InitiateURL(stack.DemoEntityID, "", ""))
	fmt.Fprintf(tw, "  control API\t%s/control/state\n", s.IdPURL)
	fmt.Fprintln(tw, "Mock originating system\t"+s.OriginURL)
	fmt.Fprintln(tw, "\nDemo users at the mock IdP (username / password):")
	for _, c := range stack.DemoIdPUsers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Username, c.Password, c.Note)
	}
	fmt.Fprintln(tw, "Demo users at the originating system:")
	for _, c := range stack.DemoOriginUsers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Username, c.Password, c.Note)
	}
	fmt.Fprintln(tw)
	tw.Flush()
}
