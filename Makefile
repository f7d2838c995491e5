# Kassa's entry points. `make dev` and `make test` install whatever is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PORT ?= 8787
STATE_DIR ?= .wrangler/state

# The project's own tool versions come first: Node 22 for wrangler, wasm-opt and esbuild
# from npm, wasm-bindgen-cli and worker-build from crates.io.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WASM_BINDGEN_BIN := $(HOME)/.cargo/bin/wasm-bindgen
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
export ESBUILD_BIN := $(CURDIR)/node_modules/.bin/esbuild
export WRANGLER_SEND_METRICS := false

WASM_TARGET := wasm32-unknown-unknown
WASM_RELEASE := target/$(WASM_TARGET)/release
# The widget's own profile (Cargo.toml): everything at opt-level z. Paths are remapped so
# the shipped wasm carries no build machine paths (and fewer bytes) in panic locations.
WASM_WIDGET := target/$(WASM_TARGET)/widget
WIDGET_RUSTFLAGS := --remap-path-prefix=$(HOME)/.cargo/registry/src/= --remap-path-prefix=$(CURDIR)/=
PUBLIC := dist/public
# Features every browser we support has; wasm-opt must not strip or invent others.
WASM_OPT_FLAGS := -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
	--strip-debug --strip-producers

.PHONY: dev test bench build build-worker build-widget build-core-js build-www tools tools-browser \
	deploy fmt clippy clean

## make dev: install what is missing, build, and serve the gateway on 127.0.0.1:$(PORT).
dev: tools build
	PORT=$(PORT) STATE_DIR=$(STATE_DIR) scripts/dev.sh

## make test: every test layer; ends with one "N passed, N failed" line.
test: tools-browser tools-python build
	node tests/run.mjs

## make bench: sizes and timings, each next to a baseline measured in the same run.
bench: tools build
	node tests/bench/run.mjs

tools:
	@scripts/ensure-tools.sh

tools-browser:
	@scripts/ensure-tools.sh --browser

## schemathesis and openapi-spec-validator in .venv, for the conformance layer.
.PHONY: tools-python
tools-python:
	@scripts/ensure-tools.sh --python

build: build-worker build-widget build-www build-docs build-core-js

build-worker:
	@echo "==> Building the edge worker (kassa-edge)"
	cd edge-worker && worker-build --release

build-widget:
	@echo "==> Building the checkout widget (kassa-checkout)"
	RUSTFLAGS="$(WIDGET_RUSTFLAGS)" cargo build -p kassa-checkout --target $(WASM_TARGET) --profile widget
	mkdir -p $(PUBLIC)/assets/checkout
	wasm-bindgen --target web --no-typescript --out-dir $(PUBLIC)/assets/checkout \
		$(WASM_WIDGET)/kassa_checkout.wasm
	wasm-opt $(WASM_OPT_FLAGS) $(PUBLIC)/assets/checkout/kassa_checkout_bg.wasm \
		-o $(PUBLIC)/assets/checkout/kassa_checkout_bg.wasm
	esbuild --minify --format=esm --log-level=warning --allow-overwrite \
		$(PUBLIC)/assets/checkout/kassa_checkout.js --outfile=$(PUBLIC)/assets/checkout/kassa_checkout.js

## A copy of www/ (files deleted there must not linger in what is served); the widget's
## build output under assets/checkout is kept.
build-www:
	mkdir -p $(PUBLIC)/assets
	find $(PUBLIC) -mindepth 1 -maxdepth 1 ! -name assets -exec rm -rf {} +
	find $(PUBLIC)/assets -mindepth 1 -maxdepth 1 ! -name checkout -exec rm -rf {} +
	cp -R www/. $(PUBLIC)/

## The API reference page and /v1/openapi.json, from api/openapi.json, and the payment
## lifecycle diagram, from kassa-core's transition table (through tests/core-js/pkg), over
## build-www's output.
.PHONY: build-docs
build-docs: build-www build-core-js
	node scripts/build-api-docs.mjs
	node scripts/build-state-diagram.mjs

## kassa-core for Node: cross-checks against Node's crypto and npm packages, and wasm benches.
build-core-js:
	@echo "==> Building kassa-core for Node (tests/core-js)"
	cargo build -p kassa-core-js --target $(WASM_TARGET) --release
	wasm-bindgen --target nodejs --no-typescript --out-dir tests/core-js/pkg \
		$(WASM_RELEASE)/kassa_core_js.wasm

## make deploy: the same build, published to Cloudflare (needs `wrangler login` and secrets).
deploy: tools build
	wrangler deploy

fmt:
	cargo fmt --all

clippy:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --target $(WASM_TARGET) -- -D warnings

clean:
	cargo clean
	rm -rf dist edge-worker/build tests/core-js/pkg tests/.artifacts
