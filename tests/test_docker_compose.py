"""docker-compose.yml, its Dockerfile and .env.example, checked for structure (no engine runs
here): the three services, a healthcheck on each, pinned images, secrets only from the
environment, start order by health, PostgREST exposing schema public with anon as anonymous
role, the runner migrating before it runs."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
import yaml

from runner import settings

ROOT = settings.PROJECT_ROOT
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
ONLY_A_REFERENCE = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$")


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def referenced_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))


def test_the_three_services() -> None:
    assert set(SERVICES) == {"db", "rest", "runner"}


@pytest.mark.parametrize("service", ["db", "rest", "runner"])
def test_every_service_has_a_healthcheck(service: str) -> None:
    check = SERVICES[service]["healthcheck"]
    assert check["test"] and check["test"][0] in ("CMD", "CMD-SHELL")
    assert "disable" not in check
    for key in ("interval", "timeout", "retries"):
        assert key in check


@pytest.mark.parametrize("service", ["db", "rest", "runner"])
def test_images_are_pinned(service: str) -> None:
    image = SERVICES[service]["image"]
    name, _, tag = image.rpartition(":") if "@" not in image else (image, "", "digest")
    assert name and tag, f"{service}: {image} has no tag"
    assert tag not in ("latest", "stable", "main", "edge"), f"{service}: {image} is not pinned"
    assert re.search(r"\d", tag), f"{service}: {image} tag names no version"


def test_the_database_is_supabase_postgres_15() -> None:
    # Supabase's image ships pgTAP and pg_net (the alert outbox may deliver through net.http_post).
    assert SERVICES["db"]["image"].startswith("supabase/postgres:15.")


def test_mounted_files_exist_and_authenticator_gets_its_password() -> None:
    for service, spec in SERVICES.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), f"{service}: {source} does not exist"
    mounts = [v for v in SERVICES["db"]["volumes"] if v.startswith("./deploy/db/roles.sql:")]
    assert mounts and "/docker-entrypoint-initdb.d/" in mounts[0]
    roles = (ROOT / "deploy/db/roles.sql").read_text()
    assert "ALTER ROLE authenticator WITH PASSWORD" in roles
    assert "$POSTGRES_PASSWORD" in roles and "POSTGRES_PASSWORD" in environment("db")
    assert "authenticator:" in environment("rest")["PGRST_DB_URI"]


def test_postgrest_exposes_the_rpc_functions_of_public() -> None:
    rest = SERVICES["rest"]
    env = environment("rest")
    assert rest["image"].startswith("postgrest/postgrest:v")
    assert env["PGRST_DB_SCHEMAS"] == "public"
    assert env["PGRST_DB_ANON_ROLE"] == "anon"
    assert ONLY_A_REFERENCE.match(env["PGRST_JWT_SECRET"]) and "JWT_SECRET" in env["PGRST_JWT_SECRET"]
    assert env["PGRST_ADMIN_SERVER_PORT"], "postgrest --ready needs the admin server"
    assert rest["healthcheck"]["test"] == ["CMD", "postgrest", "--ready"]
    assert "@db:5432/" in env["PGRST_DB_URI"]


def test_the_runner_is_built_here_and_migrates_before_it_runs() -> None:
    runner = SERVICES["runner"]
    assert runner["build"]["context"] == "."
    assert (ROOT / runner["build"]["dockerfile"]).is_file()
    command = " ".join(runner["command"])
    assert re.search(r"moose migrate && exec moose run", command)
    assert "@db:5432/" in environment("runner")["MOOSE_DATABASE_URL"]


def test_start_order_waits_for_health() -> None:
    for service, spec in SERVICES.items():
        for dependency, condition in spec.get("depends_on", {}).items():
            assert isinstance(condition, dict), f"{service} -> {dependency}: use the long form with a condition"
            assert condition["condition"] == "service_healthy", f"{service} -> {dependency}"
    assert set(SERVICES["runner"]["depends_on"]) == {"db"}
    assert set(SERVICES["rest"]["depends_on"]) == {"db", "runner"}
    assert "depends_on" not in SERVICES["db"]


def test_no_secret_is_written_inline() -> None:
    for service in SERVICES:
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert ONLY_A_REFERENCE.match(value), f"{service}.{key} must come from the environment"
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert ONLY_A_REFERENCE.match(password), f"{service}.{key} has a password inline"
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}", text), "a JWT is written in docker-compose.yml"


def test_required_secrets_fail_loudly_when_unset() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("POSTGRES_PASSWORD", "JWT_SECRET"):
        assert re.search(r"\$\{" + name + r":\?", text), f"{name} should be required (${{{name}:?...}})"


def test_env_example_names_every_variable_with_placeholders_only() -> None:
    example = (ROOT / ".env.example").read_text()
    values = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    compose_variables = referenced_variables((ROOT / "docker-compose.yml").read_text())
    assert compose_variables <= set(values), f"missing from .env.example: {compose_variables - set(values)}"
    for key, value in values.items():
        if SECRET_NAME.search(key):
            assert value.startswith("change-me"), f"{key} in .env.example must be a placeholder"
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_dockerfile_is_pinned_locked_and_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert base is not None
    assert ":" in base.group(1) and not base.group(1).endswith(":latest")
    assert "uv sync --frozen --no-dev" in dockerfile
    assert re.search(r"^USER\s+(?!root)\S+", dockerfile, re.MULTILINE)
    assert "COPY db " in dockerfile and "COPY runner " in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", ".moose", ".env"} <= set(ignored)


def test_migrate_tells_postgrest_to_reload_its_schema_cache(db_url: str) -> None:
    """The compose file relies on it: RPC functions appear in PostgREST after each migrate."""
    from runner.migrations import migrate

    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("LISTEN pgrst")
        migrate(db_url, echo=lambda _line: None)
        notices = list(listener.notifies(timeout=60, stop_after=1))
    assert [(n.channel, n.payload) for n in notices] == [("pgrst", "reload schema")]
