# The two commands of the README: `make run` and `make test`. Both install what is missing,
# start the embedded PostgreSQL cluster and migrate; both are safe to repeat.
MOOSE := .venv/bin/moose

.PHONY: run test setup db-up migrate lint bench clean help

help:
	@echo "make run    install, start the embedded PostgreSQL, migrate, run the service"
	@echo "make test   install, start the embedded PostgreSQL, pg_prove + squawk + pytest + ruff"
	@echo "make bench  the benchmarks under bench/ (figures go to docs/PERFORMANCE.md)"
	@echo "make clean  stop the embedded cluster and delete its data"

setup:
	@scripts/bootstrap.sh

db-up: setup
	@$(MOOSE) db up

migrate: db-up
	@$(MOOSE) migrate

run: migrate
	@exec $(MOOSE) run

test: db-up
	@$(MOOSE) test

lint: setup
	@.venv/bin/ruff check runner tests bench
	@.venv/bin/squawk --config .squawk.toml db/migrations/*.sql

bench: migrate
	@.venv/bin/python -m bench

clean:
	-@[ -x $(MOOSE) ] && $(MOOSE) db down
	rm -rf .moose
