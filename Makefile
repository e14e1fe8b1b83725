# One entry point for people and CI. Node 26 comes from the node@26 devDependency: putting
# node_modules/.bin first makes every target use it, whatever the machine's own Node is.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
SHELL := /bin/bash

UNIT_TESTS := 'controller/**/*.test.ts' 'dataplane/**/*.test.ts' 'bench/**/*.test.ts'
INTEGRATION_TESTS := 'test/integration/**/*.test.ts'

.PHONY: run test unit integration typecheck lint format bench bench-router check-node

check-node:
	@node -e 'const m = +process.versions.node.split(".")[0]; if (m < 26) { console.error("Node " + process.versions.node + " on PATH; run npm ci first (node@26 is a devDependency)"); process.exit(1) }'

## run: serve examples/ in standalone mode beside demo backends, printing curl commands
run: check-node
	node examples/run.ts

## test: everything CI runs
test: check-node typecheck lint unit integration

typecheck: check-node
	tsc --noEmit -p .

lint: check-node
	biome check .

format: check-node
	biome check --write .

unit: check-node
	node --test --test-timeout=60000 $(UNIT_TESTS)

integration: check-node
	node --test --test-concurrency=1 --test-timeout=120000 $(INTEGRATION_TESTS)

bench-router: check-node
	node bench/router-lookup.ts
