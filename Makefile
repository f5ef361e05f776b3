# ssoharness — the two commands a newcomer needs:
#   make run    the whole stack (SP + mock IdP + mock originating system), demo data, printed URLs
#   make test   every test: unit tests, browser scenarios, benchmarks compile
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO          ?= go
GINKGO      := $(GO) run github.com/onsi/ginkgo/v2/ginkgo
PROCS       ?= 2
ARTIFACTS   ?= $(CURDIR)/.artifacts
UNIT_PKGS    = $$($(GO) list ./... | grep -v /scenarios)

.PHONY: help run test test-fast unit scenarios interop peers bench chromium vet

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

run: ## run the whole stack with an embedded SQLite store and a seeded demo tenant
	$(GO) run ./cmd/ssoharness up

test: vet unit scenarios interop ## every test (what CI runs)

test-fast: vet unit scenarios ## unit tests plus browser scenarios, no third-party peers

vet: ## gofmt check and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

unit: ## unit tests (race detector on), benchmarks compiled and run once
	$(GO) test -race -count=1 $(UNIT_PKGS)
	$(GO) test -run '^$$' -bench . -benchtime 1x $(UNIT_PKGS) > /dev/null

scenarios: chromium ## browser scenarios (Ginkgo + chromedp), in parallel, without the interop suite
	@mkdir -p $(ARTIFACTS)
	SCENARIO_ARTIFACTS=$(ARTIFACTS) $(GINKGO) -p --procs=$(PROCS) --timeout=10m --skip-package=interop \
	  --junit-report=junit.xml --json-report=report.json --output-dir=$(ARTIFACTS) \
	  ./scenarios/...

interop: chromium peers ## the interop suite against SimpleSAMLphp, Shibboleth SP and xmlsec1
	@mkdir -p $(ARTIFACTS)
	SCENARIO_ARTIFACTS=$(ARTIFACTS) $(GINKGO) -p --procs=$(PROCS) --timeout=10m \
	  --junit-report=interop-junit.xml --json-report=interop-report.json --output-dir=$(ARTIFACTS) \
	  ./scenarios/interop
	@cat $(ARTIFACTS)/interop-matrix.md

peers: ## install the interop peers (Debian packages) when missing
	@scenarios/interop/peers.sh install

bench: ## benchmarks with their baselines (ratios are what matter)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./sp/acs ./mockidp/response

chromium: ## install Debian chromium when it is missing
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	elif sudo -n true 2>/dev/null; then \
	  echo "installing chromium (sudo apt-get)"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "Chromium is missing. Install it, then run make test again:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y chromium"; exit 1; \
	fi
