# The two commands a newcomer needs: `make run` (demo on the embedded default) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
TEMPLATES := templates indicators/templates

.PHONY: run test install lint format services-test clean messages messages-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/djangojs.mo

locale/en/LC_MESSAGES/%.mo: locale/en/LC_MESSAGES/%.po
	scripts/messages.sh --compile

## messages: refresh the English catalog (locale/en) from the code
messages: install
	scripts/messages.sh

## messages-check: fail when a string has no English translation (or a fuzzy one)
messages-check: install
	scripts/messages.sh --check

## run: create .venv, migrate the SQLite file, load frameworks, seed the demo, serve on http://127.0.0.1:8000
run: install
	DJANGO_SETTINGS_MODULE=smartcampus.settings.dev $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=smartcampus.settings.dev $(BIN)/python manage.py load_frameworks
	DJANGO_SETTINGS_MODULE=smartcampus.settings.dev $(BIN)/python manage.py seed_demo
	@echo "打开 http://$(HOST):$(PORT)/ ，使用上面列出的演示账号登录。"
	DJANGO_SETTINGS_MODULE=smartcampus.settings.dev $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite; on real PostgreSQL + Redis + a Celery worker when the servers are installed
test: install
	scripts/test.sh $(ARGS)

## lint: ruff (Python) and djLint (templates: one element per line, checked and linted)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint $(TEMPLATES) --check
	$(BIN)/djlint $(TEMPLATES) --lint

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint $(TEMPLATES) --reformat

clean:
	rm -rf $(VENV) var test-artifacts
