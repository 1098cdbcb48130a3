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
	@echo "== mailtls report: three days of a council's Postfix logs (rotated, one gzipped)"
	$(BIN) report sample-logs/postfix/*
	@echo "== mailtls bounces: the same logs, failures grouped by TLS cause"
	$(BIN) bounces --max 8 sample-logs/postfix/*
	@echo "== mailtls report --partners: mandatory-TLS compliance"
	@$(BIN) report --partners sample-logs/partners.csv --top 5 sample-logs/postfix/*; \
	  status=$$?; if [ $$status -eq 2 ]; then \
	  echo "(exit status 2: a mandatory-TLS partner received plaintext, as the alert above says)"; \
	  elif [ $$status -ne 0 ]; then exit $$status; fi
	@echo "== mailtls trace: the story of one recipient's message (a deferral for an expired certificate)"
	$(BIN) trace margaret.simpson@westshire-police.example.net sample-logs/postfix/* | head -25
	@echo "== mailtls explain: a pasted NDR line, no logs needed"
	$(BIN) explain "451 5.7.3 STARTTLS is required to send mail [AM0PR01CA0001.eurprd01.prod.example.com]"
	@echo "== mailtls report: Exim mainlogs"
	$(BIN) report --top 5 sample-logs/exim/*
	@echo "== mailtls report: Exchange tracking + protocol logs + Exchange Online exports"
	$(BIN) report --top 5 sample-logs/exchange/*

test: deps
	scripts/run-tests.sh

bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
