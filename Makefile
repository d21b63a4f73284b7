# Sundial — two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT ?= swift
SWIFT_TEST_FLAGS ?=

.PHONY: help run test provision provision-test build build-release stop bench bench-cron bench-ws validate-deploy clean-state

help:
	@echo "make run             provision Postgres+Redis under .sundial/, build, run API + scheduler + stub agent"
	@echo "make test            provision test Postgres+Redis, then swift test"
	@echo "make stop            stop the private Postgres and Redis servers"
	@echo "make bench           all benchmarks (release build)"
	@echo "make bench-cron      cron engine next-fire throughput"
	@echo "make bench-api       REST req/s and p99 with wrk (private database and ports)"
	@echo "make bench-scheduler firing lateness with two replicas, pickup, 100k resync and RSS"
	@echo "make bench-ws        1,000 WebSocket listeners, 500 events/s: latency, lost events, RSS (and a Redis restart)"
	@echo "make validate-deploy lint docker-compose.yml, deploy/Dockerfile and deploy/k8s"

provision:
	@bash scripts/provision.sh run

provision-test:
	@bash scripts/provision.sh test

build: provision
	$(SWIFT) build

run: provision
	@bash scripts/run.sh

test: provision-test
	@source .sundial/test-env && $(SWIFT) test --no-parallel $(SWIFT_TEST_FLAGS)

stop:
	@bash scripts/stop.sh

bench: bench-cron
bench: bench-api bench-scheduler bench-ws

bench-cron:
	@bash scripts/provision.sh deps
	$(SWIFT) build -c release --product sundial-bench-cron
	@$$($(SWIFT) build -c release --show-bin-path)/sundial-bench-cron

.PHONY: bench-api bench-scheduler
bench-api:
	@bash scripts/bench-api.sh

bench-scheduler:
	@bash scripts/bench-scheduler.sh

.PHONY: bench-ws
bench-ws:
	@bash scripts/bench-ws.sh

validate-deploy:
	@bash scripts/validate-deploy.sh

clean-state: stop
	rm -rf .sundial
