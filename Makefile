# keras-mimo developer entry points. On a fresh machine:
#   make test   # create the virtualenvs, install everything pinned, run the whole suite
#   make demo   # same set-up, then run the main job (deblur a photo with the shipped preset)

PYTHON ?= python3.11
VENV := .venv
TFDV_VENV := .venv-tfdv
PY := $(VENV)/bin/python
BACKENDS ?= tensorflow jax torch
PYTEST_ARGS ?=
# pytest-xdist workers: most tests are start-up and tracing (one core each), so
# two workers on CI's two cores run each backend's pass ~1.6x faster.
WORKERS ?= 2

# torch comes first and pinned (a local CPU build; unpinned pulls GBs of CUDA).
TORCH_PIN := torch==2.13.0
PINS := keras==3.15.1 tensorflow==2.21.0 jax==0.10.2 jaxlib==0.10.2 "numpy>=2" \
	ai-edge-litert==2.3.0 pillow==12.3.0 imagecodecs==2026.3.6 h5py==3.14.0 pytest==9.2.0 pytest-xdist==3.8.0 ruff==0.17.6 tensorboard==2.21.0 scikit-image==0.26.0 \
	tf2onnx==1.17.0 onnx==1.23.2 onnxruntime==1.31.1 openvino==2026.4.1 apache-beam==2.77.0 \
	gradio==6.31.0 selenium==4.40.0
# TFDV 1.16.1 needs TF 2.16 / numpy<2, so it gets its own venv; without the beam pin
# pip backtracks for minutes.
TFDV_PINS := tensorflow==2.16.2 tensorflow-data-validation==1.16.1 \
	"apache-beam[gcp]==2.61.0" matplotlib==3.10.9

.PHONY: test demo setup browser lint format clean

setup: $(VENV)/.installed $(TFDV_VENV)/.installed browser

# Headless Chromium for the `keras-mimo serve` browser test, from Debian's
# packages (browser downloads such as `playwright install` need the internet).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	else \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi

$(VENV)/.installed: pyproject.toml setup.py $(wildcard keras_mimo/kernels/*.cc keras_mimo/kernels/*.h) Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PIN)
	$(PY) -m pip install -q $(TORCH_PIN) $(PINS)
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(TFDV_VENV)/.installed: Makefile
	test -x $(TFDV_VENV)/bin/python || $(PYTHON) -m venv $(TFDV_VENV)
	$(TFDV_VENV)/bin/python -m pip install -q --upgrade pip
	$(TFDV_VENV)/bin/python -m pip install -q $(TFDV_PINS)
	touch $@

test: setup
	$(VENV)/bin/ruff check .
	@set -e; for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend"; \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -p no:cacheprovider -n $(WORKERS) $(PYTEST_ARGS); \
	done

demo: $(VENV)/.installed
	$(PY) -m keras_mimo.demo --overwrite $(IMAGE)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(TFDV_VENV) .pytest_cache .ruff_cache *.egg-info
