package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/ssoharness/ssoharness/mockidp/origin"
)

func runOrigin(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("origin --config FILE [flags]", "Runs the mock originating system (Channeltivity-style Incoming SSO) alone from a\nYAML config file (see mockidp/origin/testdata/origin.yaml and the README).", stderr)
	configPath := fs.String("config", "", "originating system config `file` (required)")
	listenAddr := fs.String("listen", "127.0.0.1:9083", "listen `address`")
	public := fs.Bool("allow-non-loopback", false, "allow listening on a non-loopback address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configPath == "" {
		return usageError(fmt.Errorf("origin: --config FILE is required"))
	}
	cfg, err := origin.LoadConfig(*configPath)
	if err != nil {
		return usageError(err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	o, err := origin.New(cfg, origin.WithLogger(logger))
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", *configPath, err))
	}
	l, err := listen("origin", *listenAddr, *public)
	if err != nil {
		return err
	}
	l.handler = o
	fmt.Fprintf(stdout, "mock originating system listening on %s, serving %s\n", l.ln.Addr(), cfg.BaseURL)
	return serve(logger, l)
}
