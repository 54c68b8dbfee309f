"""The package as users install it: every package listed, static files in the wheel."""

from __future__ import annotations

import configparser
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_setup_cfg_lists_every_package() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = set(find_packages(str(ROOT), include=["intake_ai*", "fhir_mappings*"]))
    assert listed == found | {"intake_ai.static"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_serves_pages_and_static(tmp_path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
    )
    wheel = next(wheels.glob("intake_ai-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    work = tmp_path / "elsewhere"  # outside the checkout: nothing can come from the source tree
    work.mkdir()
    env = {**os.environ, "INTAKE_AI_DATABASE_URL": f"sqlite:///{work}/db.sqlite3", "PYTHONPATH": ""}
    # With a checkout on PYTHONPATH pip would take its egg-info for an installed intake_ai.
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, env=env)
    flask = venv / "bin" / "flask"
    subprocess.run(
        [str(flask), "--app", "intake_ai", "db", "upgrade"],
        check=True,
        cwd=work,
        env=env,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [str(flask), "--app", "intake_ai", "run", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                login = urllib.request.urlopen(f"{base}/login").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the installed app did not start")
        assert "Sign in" in login
        css = urllib.request.urlopen(f"{base}/intake-ai-static/css/intake_ai.css").read()
        assert b"--accent" in css
        js = urllib.request.urlopen(f"{base}/intake-ai-vendor/plotly.min.js").read()
        assert len(js) > 1_000_000
        location = subprocess.run(
            [str(python), "-c", "import intake_ai, sys; print(intake_ai.__file__)"],
            capture_output=True,
            text=True,
            check=True,
            cwd=work,
            env=env,
        ).stdout
        assert str(venv) in location
        # The compiled Spanish catalogue ships in the wheel and is the one the pages read.
        spanish = subprocess.run(
            [
                str(python),
                "-c",
                "from babel.support import Translations; "
                "from intake_ai.i18n import DOMAIN_NAME, TRANSLATIONS; "
                "print(TRANSLATIONS); "
                "print(Translations.load(str(TRANSLATIONS), ['es'], DOMAIN_NAME)"
                ".gettext('Send to my clinician'))",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=work,
            env=env,
        ).stdout.splitlines()
        assert str(venv) in spanish[0]
        assert spanish[1] == "Enviar a mi terapeuta"
    finally:
        server.terminate()
        server.wait(timeout=10)
