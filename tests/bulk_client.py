"""A Bulk Data 2.0 client written from the IG (no bulk-data client package is published on
the registries reachable here), on requests, authorised by SMART Backend Services: it
finds the token endpoint in the well-known document, signs its own assertion with PyJWT
(tests/smart_helpers.py), and kicks off, polls, downloads, reads the error file, cancels."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.smart_helpers import BackendClient

NDJSON = "application/fhir+ndjson"


@dataclass
class BulkClient:
    base: str  # the FHIR base, e.g. http://127.0.0.1:5000/fhir
    backend: BackendClient
    scope: str = "system/*.rs"
    token: str = ""
    http: requests.Session = field(default_factory=requests.Session)

    def authorize(self) -> None:
        found = self.http.get(f"{self.base}/.well-known/smart-configuration", timeout=30)
        found.raise_for_status()
        endpoint = found.json()["token_endpoint"]
        granted = self.http.post(
            endpoint,
            data=self.backend.form(self.scope, self.backend.assertion(endpoint)),
            timeout=30,
        )
        assert granted.status_code == 200, granted.text
        self.token = granted.json()["access_token"]

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def kick_off(
        self,
        path: str,
        query: dict[str, str] | None = None,
        parameters: list[dict[str, Any]] | None = None,
        prefer: str = "respond-async",
    ) -> requests.Response:
        """GET with the query, or POST a Parameters resource when ``parameters`` is given."""
        headers = self.headers(Accept="application/fhir+json", Prefer=prefer)
        url = f"{self.base}/{path}"
        if parameters is None:
            return self.http.get(url, params=query, headers=headers, timeout=30)
        body = {"resourceType": "Parameters", "parameter": parameters}
        headers["Content-Type"] = "application/fhir+json"
        return self.http.post(url, data=json.dumps(body), headers=headers, timeout=30)

    def start(self, path: str, **kwargs: Any) -> str:
        started = self.kick_off(path, **kwargs)
        assert started.status_code == 202, started.text
        return started.headers["Content-Location"]

    def wait(self, status_url: str, limit: float = 60) -> dict[str, Any]:
        """Poll as the IG says: 202 (with Retry-After) until done, then the manifest."""
        deadline = time.monotonic() + limit
        while True:
            polled = self.http.get(status_url, headers=self.headers(), timeout=30)
            if polled.status_code == 200:
                manifest = polled.json()
                for key in ("transactionTime", "request", "requiresAccessToken", "output", "error"):
                    assert key in manifest, key
                return manifest
            assert polled.status_code == 202, polled.text
            assert time.monotonic() < deadline
            time.sleep(float(polled.headers.get("Retry-After", "1")))

    def fetch(self, url: str, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        headers = self.headers(Accept=NDJSON) if manifest["requiresAccessToken"] else {}
        got = self.http.get(url, headers=headers, timeout=60)
        assert got.status_code == 200, got.text
        assert got.headers["Content-Type"].startswith(NDJSON)
        return [json.loads(line) for line in got.text.splitlines() if line]

    def download(self, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        files: dict[str, list[dict[str, Any]]] = {}
        for output in manifest["output"]:
            lines = self.fetch(output["url"], manifest)
            assert all(r["resourceType"] == output["type"] for r in lines)
            assert len(lines) == output.get("count", len(lines))
            files.setdefault(output["type"], []).extend(lines)
        return files

    def errors(self, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for entry in manifest["error"]:
            assert entry["type"] == "OperationOutcome"
            found += self.fetch(entry["url"], manifest)
        return found

    def cancel(self, status_url: str) -> requests.Response:
        return self.http.delete(status_url, headers=self.headers(), timeout=30)
