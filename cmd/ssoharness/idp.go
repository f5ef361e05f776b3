package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/ssoharness/ssoharness/mockidp"
)

func runIdP(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("idp --config FILE [flags]", "Runs the mock SAML IdP alone from a YAML config file (see mockidp/testdata/idp.yaml\nand the README). Its control API (/control/...) is unauthenticated: keep it on loopback.", stderr)
	configPath := fs.String("config", "", "mock IdP config `file` (required)")
	listenAddr := fs.String("listen", "127.0.0.1:9082", "listen `address`")
	public := fs.Bool("allow-non-loopback", false, "allow listening on a non-loopback address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configPath == "" {
		return usageError(fmt.Errorf("idp: --config FILE is required"))
	}
	cfg, err := mockidp.LoadConfig(*configPath)
	if err != nil {
		return usageError(err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	idp, err := mockidp.New(cfg, mockidp.WithLogger(logger))
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", *configPath, err))
	}
	l, err := listen("idp", *listenAddr, *public)
	if err != nil {
		return err
	}
	l.handler = idp
	fmt.Fprintf(stdout, "mock IdP listening on %s, serving %s (metadata %s)\n", l.ln.Addr(), idp.BaseURL(), idp.MetadataURL())
	return serve(logger, l)
}
