package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// listener is one server of the stack bound to its address.
type listener struct {
	name    string
	ln      net.Listener
	handler http.Handler
}

// listen binds addr, refusing anything but a loopback address unless
// public is set: the harness is test software.
func listen(name, addr string, public bool) (listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return listener{}, usageError(fmt.Errorf("%s: listen address %q: %v", name, addr, err))
	}
	if ip := net.ParseIP(host); !public && (ip == nil || !ip.IsLoopback()) {
		return listener{}, usageError(fmt.Errorf("%s: listen address %q is not a loopback IP such as 127.0.0.1 (this is test software)", name, addr))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listener{}, fmt.Errorf("%s: %w", name, err)
	}
	return listener{name: name, ln: ln}, nil
}

// serve runs the servers until SIGINT/SIGTERM or one fails, then shuts them
// all down, letting in-flight requests finish.
func serve(logger *slog.Logger, servers ...listener) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errs := make(chan error, len(servers))
	https := make([]*http.Server, 0, len(servers))
	for _, s := range servers {
		hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		https = append(https, hs)
		go func() {
			if err := hs.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s: %w", s.name, err)
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err = <-errs:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, hs := range https {
		if e := hs.Shutdown(shutdownCtx); e != nil && err == nil {
			err = e
		}
	}
	return err
}
