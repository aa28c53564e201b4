"""No Docker engine runs here, so the deployment files are checked for consistency instead."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_all_services_are_there():
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(SERVICES)
    assert SERVICES["db"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:")


def test_app_services_share_image_env_and_media():
    for name in ("web", "worker", "beat", "migrate"):
        svc = SERVICES[name]
        assert svc["build"] == "." and svc["image"] == "smartcampus:latest"
        env = svc["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "smartcampus.settings.production"
        # Everything production settings insist on is provided (SECRET_KEY/ALLOWED_HOSTS via env_file).
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        assert svc["env_file"] == ".env"
        assert "media:/data/media" in svc["volumes"] and env["MEDIA_ROOT"] == "/data/media"
    assert set(COMPOSE["volumes"]) >= {"pgdata", "media"}


def test_env_example_documents_what_compose_and_production_need():
    example = (ROOT / ".env.example").read_text()
    for var in ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert re.search(rf"^#?\s*{var}=", example, re.M), var


def test_healthchecks_and_startup_order():
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in SERVICES[name], name
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert SERVICES["worker"]["command"][:3] == ["celery", "-A", "smartcampus"]
    assert "--prefetch-multiplier=1" in SERVICES["worker"]["command"]
    assert SERVICES["beat"]["command"][3] == "beat"


def test_dockerfile_installs_the_same_pdf_packages_as_ci():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for pkg in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"):
        assert pkg in dockerfile and pkg in ci, pkg
    assert "FROM python:3.11" in dockerfile
