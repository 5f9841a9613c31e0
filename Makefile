# Developer tasks. `make test` is the README's test command and what CI runs.
PY ?= python3

.PHONY: deps install lint fmt typecheck pytest test demo bench

deps:            ## system packages the tests need (Dovecot, PostgreSQL); needs root
	bash .ci/install-system-deps

install:         ## the package with its test extras, editable
	$(PY) -m pip install -q -e ".[test]"

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check mailagent tests bench

fmt:             ## format and fix imports in place
	$(PY) -m ruff format mailagent tests bench
	$(PY) -m ruff check --fix-only -q .

typecheck:
	$(PY) -m mypy

pytest:
	$(PY) -m pytest -q -n 2 --dist loadfile  # two workers: most tests wait on servers

test: deps install lint typecheck pytest

demo:
	$(PY) -m pip install -q -e . && mailagent demo

bench:
	$(PY) bench/ingest.py && $(PY) bench/classify.py ../shared/eval/labeled/*.jsonl && $(PY) bench/langid.py
