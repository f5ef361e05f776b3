package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ssoharness/ssoharness/sp"
	"github.com/ssoharness/ssoharness/sp/config"
	"github.com/ssoharness/ssoharness/sp/idpmetadata"
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
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "ssoharness sp: warning: %s\n", w)
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
	// One client fetches IdP metadata URLs, on save and on the schedule.
	metadataClient := idpmetadata.NewHTTPClient()
	srv := sp.New(sp.Options{
		Store: st, BaseURL: cfg.BaseURL, AdminPassword: cfg.Admin.Password,
		SessionTTL: time.Duration(cfg.SessionTTL), Logger: logger.With("server", "sp"),
		HTTPClient: metadataClient,
	})
	l, err := listen("sp", cfg.Listen, *public)
	if err != nil {
		return err
	}
	l.handler = srv
	// Background tasks stop, and are waited for, before the store closes.
	background, stopBackground := context.WithCancel(context.Background())
	var tasks sync.WaitGroup
	defer func() {
		stopBackground()
		tasks.Wait()
	}()
	tasks.Go(func() { sp.CollectExpired(background, st, time.Minute, logger) })
	// Groups with a metadata URL follow their IdP's key rollovers; a failed
	// refresh keeps the last good settings.
	tasks.Go(func() {
		idpmetadata.RefreshEvery(background, time.Hour, st, metadataClient, logger.With("task", "idp-metadata-refresh"))
	})
	fmt.Fprintf(stdout, "SP listening on %s, serving %s (%d groups)\n", l.ln.Addr(), cfg.BaseURL, len(cfg.Groups))
	return serve(logger, l)
}
