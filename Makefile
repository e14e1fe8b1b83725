# One entry point for people and CI. Node 26 comes from the node@26 devDependency: putting
# node_modules/.bin first makes every target use it, whatever the machine's own Node is.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
SHELL := /bin/bash

UNIT_TESTS := 'cli/**/*.test.ts' 'test/golden/*.test.ts' 'controller/**/*.test.ts' 'dataplane/**/*.test.ts' 'bench/**/*.test.ts' 'test/architecture/*.test.ts'
INTEGRATION_TESTS := 'test/integration/**/*.test.ts'
E2E_TESTS := 'e2e/**/*.test.ts'
CHART_TESTS := 'test/chart/**/*.test.ts'
METRICS_TESTS := 'test/metrics/**/*.test.ts'
RELIABILITY_TESTS := 'test/reliability/**/*.test.ts'

.PHONY: run test unit integration reliability reliability-smoke e2e typecheck lint format bench bench-quick bench-headline bench-scale bench-profile bench-router check-node cluster-build cluster-up cluster-down chart-tools chart-test metrics-tools redis-server metrics h2spec-tools h2spec

check-node:
	@node -e 'const m = +process.versions.node.split(".")[0]; if (m < 26) { console.error("Node " + process.versions.node + " on PATH; run npm ci first (node@26 is a devDependency)"); process.exit(1) }'

## run: serve examples/ in standalone mode beside demo backends, printing curl commands
run: check-node
	node examples/run.ts

## test: everything CI runs
test: check-node typecheck lint unit metrics integration reliability-smoke h2spec e2e chart-test

typecheck: check-node
	tsc --noEmit -p .

lint: check-node
	biome check .

format: check-node
	biome check --write .

unit: check-node
	node --test --test-timeout=60000 $(UNIT_TESTS)

integration: check-node metrics-tools redis-server
	node --test --test-concurrency=1 --test-timeout=120000 $(INTEGRATION_TESTS)

## reliability: worker and upstream faults under load, full size (figures in README's Reliability section)
reliability: check-node
	RELIABILITY_SCALE=full node --test --test-concurrency=1 --test-timeout=600000 $(RELIABILITY_TESTS)

## reliability-smoke: the same suite, small and bounded, inside `make test`
reliability-smoke: check-node
	RELIABILITY_SCALE=smoke node --test --test-concurrency=1 --test-timeout=120000 $(RELIABILITY_TESTS)

bench-router: check-node
	node bench/router-lookup.ts

## cluster-build: kube-apiserver + etcd from the Go module proxy, cached in ~/.cache/gatehouse
cluster-build:
	e2e/cluster/build.sh

## cluster-up: a long-lived cluster in .tmp/cluster (KUBECONFIG=.tmp/cluster/admin.kubeconfig)
cluster-up: cluster-build
	e2e/cluster/up.sh

## cluster-down: stop it, and reap clusters left by killed test runs
cluster-down:
	e2e/cluster/down.sh
	e2e/cluster/reap.sh

## e2e: the end-to-end suite against a real kube-apiserver and etcd (needs root for netns)
e2e: check-node cluster-build
	node --test --test-concurrency=1 --test-timeout=300000 $(E2E_TESTS)

## chart-tools: Helm 4 and 3, kubectl, kubeconform, kube-score, Kubernetes schemas and the monitoring CRDs, cached in ~/.cache/gatehouse/tools
chart-tools:
	scripts/install-chart-tools.sh >/dev/null

## chart-test: the chart and image judged by helm lint, kubeconform, kube-score, RBAC and Dockerfile checks, then on a real kube-apiserver (needs root for netns)
chart-test: check-node chart-tools cluster-build
	node --test --test-concurrency=1 --test-timeout=300000 $(CHART_TESTS)

## redis-server: Debian's redis-server, the shared store of the global rate-limit tests
redis-server:
	scripts/install-redis.sh >/dev/null

## metrics-tools: promtool (Debian's prometheus package, else go install), cached in ~/.cache/gatehouse
metrics-tools:
	scripts/install-promtool.sh >/dev/null

## metrics: promtool lint of the exposition, dashboard and docs checks
metrics: check-node metrics-tools
	node --test --test-timeout=120000 $(METRICS_TESTS)

## h2spec-tools: h2spec (Go module proxy, cached) and nginx (Debian) for the HTTP/2 conformance test
h2spec-tools:
	scripts/install-h2spec.sh >/dev/null

## h2spec: HTTP/2 conformance, Gatehouse against nginx and a bare node:http2 server (about 65 s)
h2spec: check-node h2spec-tools
	node --test --test-timeout=300000 'test/h2spec/**/*.test.ts'

## bench: gatehouse against nginx (A/B rounds), TLS h1/h2, 1 000 connections, control-plane scale, profile (~10 min)
bench: check-node
	node bench/run.ts

## bench-quick: a short smoke run of the same benchmark
bench-quick: check-node
	node bench/run.ts --quick

## bench-headline: only the headline scenario (nginx, Gatehouse, pass-through), for trying an optimisation
bench-headline: check-node
	node bench/run.ts --parts headline

## bench-scale: only the control-plane scale part (10 000 Ingresses, propagation, RSS over updates)
bench-scale: check-node
	node bench/run.ts --parts scale

## bench-profile: CPU profile of the workers under load (flame graphs in bench/results/, not in git)
bench-profile: check-node
	node bench/run.ts --parts profile
