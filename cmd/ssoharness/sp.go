package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ssoharness/ssoharness/sp"
	"github.com/ssoharness/ssoharness/sp/config"
	"github.com/ssoharness/ssoharness/sp/store/sqlite"
)

func runSP(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sp --config FILE", "Runs the multi-tenant SAML Service Provider from a YAML config file\n(see fixtures/sp.example.yaml and the README's config reference).", stderr)
	configPath := fs.String("config", "", "SP config `file` (required)")
	listenAddr := fs.String("listen", "", "override the config's listen address")
	public := fs.Bool("allow-non-loopback", false, "allow listening on a non-loopback address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configPath == "" {
		return usageError(fmt.Errorf("sp: --config FILE is required"))
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return usageError(err)
	}
	if *listenAddr != "" {
		cfg.Listen = *listenAddr
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	st, err := sqlite.Open(context.Background(), cfg.StorePath())
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			logger.Error("closing the store", "err", err)
		}
	}()
	if err := config.Apply(context.Background(), st, cfg); err != nil {
		return err
	}
	srv := sp.New(sp.Options{
		Store: st, BaseURL: cfg.BaseURL, AdminPassword: cfg.Admin.Password,
		SessionTTL: time.Duration(cfg.SessionTTL), Logger: logger.With("server", "sp"),
	})
	l, err := listen("sp", cfg.Listen, *public)
	if err != nil {
		return err
	}
	l.handler = srv
	collectCtx, stopCollect := context.WithCancel(context.Background())
	defer stopCollect()
	go sp.CollectExpired(collectCtx, st, time.Minute, logger)
	fmt.Fprintf(stdout, "SP listening on %s, serving %s (%d groups)\n", l.ln.Addr(), cfg.BaseURL, len(cfg.Groups))
	return serve(logger, l)
}
