"""compose.yaml and the Dockerfile, read as an operator's tools read them (no Docker needed):
the scheduler runs beside the api from the same image, the data folder is on a volume both
share, the database password reaches the service whole, and the image runs in production."""

from __future__ import annotations

import base64
import re
import secrets
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[1]
# ${NAME}, ${NAME:?message}, ${NAME:-default}: compose's interpolation
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::(?P<kind>[?-])(?P<rest>[^}]*))?\}")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return document


def image_environment() -> dict[str, str]:
    """The ENV of the Dockerfile's last stage, the image that runs."""
    stages = re.split(r"^FROM ", (ROOT / "Dockerfile").read_text(encoding="utf-8"), flags=re.M)
    runtime = stages[-1].replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in runtime.splitlines():
        if line.startswith("ENV "):
            found.update(part.split("=", 1) for part in shlex.split(line[4:]))  # type: ignore[misc]
    return found


def interpolated(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match["name"]
        if name in variables:
            return variables[name]
        assert match["kind"] == "-", f"compose would refuse to start without {name}"
        return match["rest"]

    return VARIABLE.sub(one, value)


def test_a_scheduler_runs_beside_the_api_from_the_same_image():
    services = compose()["services"]
    api, scheduler = services["api"], services["scheduler"]
    assert scheduler["command"] == ["labor-credit", "scheduler"]
    assert (scheduler["build"], scheduler["image"]) == (api["build"], api["image"])
    assert scheduler["environment"] == api["environment"]  # the same database and secrets
    assert scheduler["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "ports" not in scheduler
    assert scheduler["healthcheck"] == {"disable": True}  # the image's check asks the api's port


def test_the_data_folder_is_on_a_volume_the_api_and_the_scheduler_share():
    document = compose()
    data_dir = image_environment()["LABOR_CREDIT_DATA_DIR"]
    mounted = {}
    for name in ("api", "scheduler"):
        volumes = [v.split(":") for v in document["services"][name]["volumes"]]
        mounted[name] = [source for source, target, *_ in volumes if target == data_dir]
    assert mounted["api"] == mounted["scheduler"] and len(mounted["api"]) == 1
    assert mounted["api"][0] in document["volumes"]  # a named volume, not the container's layer


def test_no_secret_is_interpolated_into_a_url():
    services = compose()["services"]
    for name, service in services.items():
        for variable, value in service.get("environment", {}).items():
            if "://" in str(value):
                assert "$" not in str(value), f"{name}: {variable} = {value}"


@pytest.mark.parametrize("password", ["p@ss/w:rd", "%40//@@:50%"])
def test_the_composed_settings_reach_the_database_with_the_password_whole(monkeypatch, password):
    variables = {
        "POSTGRES_PASSWORD": password,
        "LABOR_CREDIT_SECRET_KEY": secrets.token_urlsafe(48),
        "LABOR_CREDIT_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LABOR_CREDIT_AUDIT_KEY": secrets.token_urlsafe(48),
    }
    services = compose()["services"]
    assert interpolated(services["db"]["environment"]["POSTGRES_PASSWORD"], variables) == password
    for name, value in services["api"]["environment"].items():
        monkeypatch.setenv(name, interpolated(str(value), variables))
    settings = Settings()
    assert settings.environment == "production"
    assert settings.database_url is not None
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        services["db"]["environment"]["POSTGRES_USER"],
        password,
        "db",
        services["db"]["environment"]["POSTGRES_DB"],
    )


def test_the_image_runs_in_production_by_default_as_its_own_user():
    environment = image_environment()
    assert environment["LABOR_CREDIT_ENVIRONMENT"] == "production"
    runtime = re.split(r"^FROM ", (ROOT / "Dockerfile").read_text(encoding="utf-8"), flags=re.M)[-1]
    assert re.search(r"^USER 10001", runtime, re.M)
    # the data folder exists in the image, owned by that user: a new volume mounted on it
    # takes its owner from there, or the service could not write its evidence files
    assert f"install -d -o labor -g labor {environment['LABOR_CREDIT_DATA_DIR']}" in runtime
