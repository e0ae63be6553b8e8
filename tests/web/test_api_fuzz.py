"""Schemathesis drives every operation of the OpenAPI document with generated input: no answer
may be a server error, and every answer must match the document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tradetrace.settings import Settings
from tradetrace.web.app import create_app


def loopback(app: Any) -> Any:
    """The app as reached on 127.0.0.1 (the test client says "testserver", which the app refuses)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope = {**scope, "headers": [*headers, (b"host", b"127.0.0.1")]}
        await app(scope, receive, send)

    return wrapped


def test_no_operation_fails_on_generated_input(workspace: Path) -> None:
    app = create_app(Settings(workspace=workspace, progress=False))
    schema = schemathesis.openapi.from_asgi("/openapi.json", loopback(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case: Any) -> None:
            response = case.call()
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        check()
    assert not failures, failures[:5]
