# The README's two commands: `make demo` (the main job) and `make test` (every test; it starts a
# throw-away PostgreSQL server for the PostgreSQL store's tests and stops it after, and drives
# the console in headless Chromium).
.PHONY: demo test build deps bench clean install

PREFIX ?= /usr/local

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release --product ferry

demo: build
	@scripts/demo.sh

test: deps
	swift format lint --strict --recursive Package.swift Sources Tests
	scripts/check-linkml.sh
	swift build --build-tests
	# The installed tree the CLI tests use from another directory, then every test with a
	# PostgreSQL server, then on their own the console's browser tests (Chromium beside every
	# other suite on two cores starves the timing-sensitive ones) and the checkpoint timer's
	# (background work runs at low priority: under every other suite it waits for the CPU).
	prefix=$$(mktemp -d) && scripts/install.sh "$$prefix" debug \
		&& FERRY_TEST_PREFIX="$$prefix" scripts/postgres.sh run swift test --skip-build \
			--skip 'ConsoleBrowserTests|CheckpointTimerTests' \
		&& FERRY_TEST_PREFIX="$$prefix" scripts/browser.sh run swift test --skip-build \
			--filter 'ConsoleBrowserTests|CheckpointTimerTests'; \
		status=$$?; rm -rf "$$prefix"; exit $$status

# The performance record in one run: conversion against the floor and the peers, then the gateway's load figures.
bench: build
	Benchmarks/convert.sh
	Benchmarks/gateway.sh

# bin/ferry, share/ferry/{schemas,mappings}, the man page and bash, zsh and fish completions.
install: deps
	scripts/install.sh "$(PREFIX)" release

clean:
	rm -rf .build out
