"""Production settings: ``check --deploy`` is clean, and the embedded default is SQLite in WAL mode."""

import os
import secrets
import subprocess
import sys


def run_tongxin(args, tmp_path, **env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process only: not for production.
    dropped = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update({"TONGXIN_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "tongxin", *args], env=environment,
        capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_tongxin(
        ["check", "--deploy", "--fail-level", "WARNING"], tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="tongxin.example.org",
        DJANGO_SETTINGS_MODULE="tongxin.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_mode_is_refused_by_check_deploy(tmp_path):
    result = run_tongxin(
        ["check", "--deploy", "--fail-level", "WARNING"], tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64), DEBUG="1", DJANGO_SETTINGS_MODULE="tongxin.settings",
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_a_secret_key_is_generated_once_for_the_embedded_setup(tmp_path):
    first = run_tongxin(["shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                        tmp_path, DJANGO_SETTINGS_MODULE="tongxin.settings")
    second = run_tongxin(["shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                         tmp_path, DJANGO_SETTINGS_MODULE="tongxin.settings")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_embedded_default_is_sqlite_in_wal_mode(tmp_path):
    result = run_tongxin(
        ["shell", "-v", "0", "-c", "from django.db import connection; c = connection.cursor(); "
         "print(c.execute('PRAGMA journal_mode').fetchone()[0])"],
            tmp_path, DJANGO_SETTINGS_MODULE="tongxin.settings",
    )
    assert result.stdout.strip() == "wal", result.stderr
