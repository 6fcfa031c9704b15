# Two commands do everything on a fresh machine: `make synth` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BLUEPRINT ?= notebookly
ENV ?= dev
JOBS ?= 4
# 4 workers on 2 cores: the emulator layer mostly waits on the provider's polling, so its scenarios (the
# drill, each platform blueprint) overlap instead of queueing. Measured on a fresh clone: 39 min with 4,
# against 55 with 2 (fewer tests then).

.PHONY: setup services synth test test-fast lint scan bench clean modules diagrams docs scan-sarif stacks plan apply \
	apply-all

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

services:  ## database server binaries the Lambda-code tests start on loopback (PostgreSQL, MariaDB)
	bash scripts/test-services.sh

synth: setup  ## synthesize a blueprint environment into cdktf.out/ (default notebookly/dev)
	$(PY) main.py --blueprint $(BLUEPRINT) --env $(ENV)

test: setup services  ## lint, then all five layers: unit, terraform validate, offline plan, checkov, emulator apply
	$(PY) -m ruff check .
	$(PY) -m pytest -n $(JOBS) --dist loadgroup

test-fast: setup  ## unit tests only (no terraform, checkov or emulator)
	$(PY) -m pytest -m "not terraform and not emulator and not slow"

lint: setup  ## ruff over the project's Python
	$(PY) -m ruff check .

scan: synth  ## checkov over the synthesized stacks, accepted findings applied
	$(PY) -m compliance.scan cdktf.out

scan-sarif: synth  ## make scan, also writing what it fails on as SARIF (cdktf.out/checkov.sarif, code scanning)
	$(PY) -m compliance.scan cdktf.out --sarif cdktf.out/checkov.sarif

stacks:  ## the synthesized stacks CI plans, in apply order, as JSON (the pull-request workflow's plan matrix)
	@$(PYTHON) -m scripts.stack_order cdktf.out

plan:  ## terraform init + plan of one synthesized stack, no state lock: make plan STACK=<name>
	$(PYTHON) -m scripts.terraform_stack plan "$(STACK)"

apply:  ## terraform init + plan + apply of one stack of the synthesized ENV: make apply STACK=<name> ENV=<env>
	$(PYTHON) -m scripts.terraform_stack apply "$(STACK)" --expect-env "$(ENV)"

apply-all:  ## every stack CI applies, in platform.json's order, stopping at the first failure (ENV=<env>)
	$(PYTHON) -m scripts.terraform_stack apply-all --expect-env "$(ENV)"

modules: setup  ## Terraform modules for HCL users, generated from the constructs into dist/terraform-modules/
	$(PY) -m publishing.modules dist/terraform-modules

diagrams: setup services  ## an architecture diagram per blueprint, drawn from its synthesized resources
	$(PY) -m publishing.diagrams docs/blueprints

docs: modules diagrams  ## module READMEs, diagrams, and the generated parts of docs/blueprints/<name>.md
	$(PY) -m publishing.blueprint_docs docs/blueprints

bench: setup  ## synth speed: default, --all and stock import
	$(PY) bench/synth_speed.py

clean:
	rm -rf cdktf.out .cache .pytest_cache
