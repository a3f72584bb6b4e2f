"""Schemathesis hooks (loaded into its process by the run's config).

`after_call`: one line per response, `{"operation", "status", "phase", "mode"}` (and a 422's
fields), appended to the file named by FUZZ_TALLY, so the harness can say what share of the
cases reached the logic (a 2xx) rather than stopping at validation.

`before_call`: the OpenAPI document's example bodies name EXAMPLE_EMPLOYER_ID; a body sent names
the seeded employer in FUZZ_EMPLOYER_ID instead (the dictionaries of generated cases do not
reach the examples)."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import schemathesis

from app.models.base import EXAMPLE_EMPLOYER_ID

TALLY_ENV = "FUZZ_TALLY"
EMPLOYER_ENV = "FUZZ_EMPLOYER_ID"


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: Any) -> None:
    body = case.body
    if isinstance(body, dict) and body.get("employer_id") == EXAMPLE_EMPLOYER_ID:
        case.body = {**body, "employer_id": os.environ[EMPLOYER_ENV]}


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: schemathesis.Case, response: Any) -> None:
    line: dict[str, Any] = {
        "operation": case.operation.label,
        "status": response.status_code,
        "phase": str(case.meta.phase.name) if case.meta is not None else "explicit",
        "mode": str(case.meta.generation.mode) if case.meta is not None else "positive",
    }
    if response.status_code == 422:  # which field the validation stopped at, to read in the tally
        with contextlib.suppress(ValueError, KeyError, TypeError):
            line["errors"] = [(e["loc"], e["type"]) for e in response.json()["errors"]][:3]
    with open(os.environ[TALLY_ENV], "a", encoding="utf-8") as tally:
        tally.write(json.dumps(line) + "\n")
