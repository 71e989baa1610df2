# aaa (Ashby Auto-Advance). `make help` lists the targets.
GO ?= go
PKGS := ./...
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/aaa_test?sslmode=disable

.PHONY: help build run tui demo test test-postgres lint bench fmt tidy docker release-snapshot

help: ## List targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-14s %s\n", $$1, $$2}'

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

build: ## Build ./bin/aaa with its version, commit and build date
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/aaa ./cmd/aaa

run: ## Run the server on ./aaa.db (set env vars as in README)
	$(GO) run ./cmd/aaa serve

tui: ## Open the dashboard on $$DATABASE_URL (default ./aaa.db)
	$(GO) run ./cmd/aaa tui

demo: ## Run the whole loop against a simulated Ashby and Slack
	$(GO) run ./cmd/aaa demo

test: ## Format check, vet, staticcheck and every test (Postgres tests run when AAA_TEST_POSTGRES_URL is set)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	$(GO) tool goreleaser check
	$(GO) test -count=1 -timeout 20m $(PKGS)

test-postgres: ## Every test with Postgres at $$POSTGRES_URL required
	CI=true AAA_TEST_POSTGRES_URL="$(POSTGRES_URL)" $(GO) test -count=1 -timeout 20m $(PKGS)

lint: ## go vet and staticcheck
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

bench: ## aaa bench on SQLite and on Postgres ($$POSTGRES_URL), with 60 s at 1,000 webhooks/s
	$(GO) run ./cmd/aaa bench --sustain 60s
	$(GO) run ./cmd/aaa bench --sustain 60s --drain 120s --db "$(POSTGRES_URL)"

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

tidy: ## go mod tidy
	$(GO) mod tidy

docker: ## Build the container image
	docker build -t aaa:dev .

release-snapshot: ## Build the release locally (linux and darwin, amd64 and arm64, checksums) into dist/; publishes nothing
	$(GO) tool goreleaser release --snapshot --clean --skip=docker
