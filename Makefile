# Makefile: the two commands of the README, plus the benchmark.
#   make demo   install missing system packages, build, run `mailtls report` on sample-logs/
#   make test   install missing system packages, build, run every test
#   make bench  build in release mode and print throughput and peak memory (scripts/bench.sh)
SWIFT ?= swift
BIN = .build/release/mailtls

.PHONY: deps build demo test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release

demo: build
	@echo "== mailtls report sample-logs/postfix (rotated: mail.log.2.gz mail.log.1 mail.log)"
	$(BIN) report sample-logs/postfix/mail.log.2.gz sample-logs/postfix/mail.log.1 sample-logs/postfix/mail.log
	@if ls sample-logs/exim/mainlog* >/dev/null 2>&1; then \
	  echo "== mailtls report sample-logs/exim"; \
	  $(BIN) report $$(ls -r sample-logs/exim/mainlog*); fi
	@if ls sample-logs/exchange/* >/dev/null 2>&1; then \
	  echo "== mailtls report sample-logs/exchange"; \
	  $(BIN) report $$(ls sample-logs/exchange/* | grep -v README); fi

test: deps
	$(SWIFT) build
	$(SWIFT) test

bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
