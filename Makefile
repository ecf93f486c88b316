# Bitverse — `make help` lists the targets.
#   pkg=./node/chain/...   narrow test/race/bench/fuzz to some packages
#   case=TestReorg         run only matching tests (or benchmarks with bench)
#   fuzztime=60s           time per fuzz target in `make fuzz`

export GOTOOLCHAIN := local
GO        ?= go
BIN       := bin/bitverse
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
pkg       ?= ./...
case      ?= .
fuzztime  ?= 60s
datadir   ?=

.PHONY: help build run node test test-long race bench fuzz lint fmt tui-e2e clean devnet

help: ## list targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

build: ## build bin/bitverse
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/bitverse

run: build ## open the TUI on an embedded devnet node (datadir=DIR to choose where)
	./$(BIN) $(if $(datadir),--datadir $(datadir))

node: build ## run a headless mining node (datadir=DIR)
	./$(BIN) $(if $(datadir),--datadir $(datadir)) node --mine

devnet: build ## run a 5-node local devnet, 2 mining
	./$(BIN) devnet --nodes 5 --mine 2

# The slowest packages of the fast suite, slowest first: go test starts
# packages in the order given, and a suite that starts them last ends with
# one of them running alone on an idle core.
slowfirst := ./cmd/bitverse ./node/p2p ./node/script ./tui ./node/wire ./node/harness ./node/chain ./node/state/smt

# go vet runs inside go test (-vet=all: every check `go vet` makes), each
# package's as soon as it is built, rather than as a whole pass before the
# first test starts; test binaries link without DWARF (-w), a third faster.
test: ## fast suite: go vet, every package, every feature (what CI runs)
	$(GO) test -vet=all -ldflags=-w -count=1 -timeout 15m -run '$(case)' $(if $(filter ./...,$(pkg)),$(slowfirst)) $(pkg)

test-long: ## slow multi-node and crash tests (build tag long)
	$(GO) test -count=1 -timeout 60m -tags long -run '$(case)' $(pkg)

race: ## fast suite under the race detector
	$(GO) test -count=1 -race -timeout 30m -run '$(case)' $(pkg)

bench: ## benchmarks with the ratios the issues ask for (3 runs each: median and spread)
	$(GO) test -run '^$$' -bench '$(if $(filter .,$(case)),.,$(case))' -benchtime 2x -count 3 -timeout 90m $(pkg) | tee bench.out
	@./scripts/bench-ratios.sh bench.out

fuzz: ## run every fuzz target for $(fuzztime) each
	./scripts/fuzz.sh $(fuzztime)

lint: ## go vet + gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

fmt: ## gofmt everything
	gofmt -w $$(git ls-files '*.go')

tui-e2e: build ## drive the TUI in tmux end to end
	./scripts/tui-e2e.sh
	./scripts/tui-e2e-explore.sh
	./scripts/tui-e2e-tumbler.sh

clean: ## remove build output
	rm -rf bin bench.out
