.DEFAULT_GOAL := help
SHELL := /bin/bash
# uv on PATH, else the copy `make setup` puts in .tools/ (expanded when used, so after setup ran).
UV = $(shell bash scripts/uv-path.sh)
export UV
WRESTLE = $(UV) run --frozen wrestle
HOST ?= 127.0.0.1
PORT ?= 8000
LOAD_PORT ?= 8100

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Install what is missing (Debian packages, TimescaleDB, uv, the virtualenv)
	@bash scripts/setup.sh

run: setup ## Start database and Redis, migrate, load demo data if empty, serve on :8000
	@$(WRESTLE) db start
	@$(WRESTLE) db migrate
	@$(WRESTLE) demo --if-empty
	@$(WRESTLE) serve --host $(HOST) --port $(PORT)

test: ## Lint, type-check and run the whole test suite (starts and stops what it needs)
	@SETUP_FOR_TESTS=1 bash scripts/setup.sh
	@bash scripts/test.sh

bench: setup ## Run the benchmarks, save the run in .benchmarks/runs/ (WRESTLE_BENCH_10M=1, WRESTLE_BENCH_100M=1: larger stages)
	@$(WRESTLE) db start
	@$(UV) run --frozen pytest benchmarks -m benchmark --benchmark-enable -p no:cacheprovider -o addopts="" -s

load: setup ## Load test: locust at rising user counts against a local server (LOAD_ARGS="--help")
	@LOAD_PORT=$(LOAD_PORT) $(UV) run --frozen python -m benchmarks.load $(LOAD_ARGS)

bench-compare: ## Compare the latest saved benchmark run with the previous one; fail on a regression
	@$(UV) run --frozen python -m benchmarks.compare

bench-report: ## Draw the saved benchmark runs over time: .benchmarks/report.png and report.html
	@$(UV) run --frozen python -m benchmarks.report

lint: ## ruff and mypy only
	@$(UV) run --frozen ruff check . && $(UV) run --frozen ruff format --check . && $(UV) run --frozen mypy .

format: ## Format the code with ruff
	@$(UV) run --frozen ruff format . && $(UV) run --frozen ruff check --fix .

db-start: ## Start the embedded database and Redis
	@$(WRESTLE) db start

db-stop: ## Stop the embedded database and Redis
	@$(WRESTLE) db stop

demo: ## Load the demo federation (replaces existing demo data)
	@$(WRESTLE) demo

clean: ## Stop services and delete .data/ (all local data)
	-@$(WRESTLE) db stop
	rm -rf .data

.PHONY: help setup run test bench bench-compare bench-report load lint format db-start db-stop demo clean
