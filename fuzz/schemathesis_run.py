"""One schemathesis run (its CLI, in its own process) for one caller: the config it reads, the
command, and the tally of what the cases got back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.callers import Caller
from fuzz.hooks import EMPLOYER_ENV, TALLY_ENV

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# A path parameter, a query filter or a body field with a dictionary of values (the seeded
# ids, fresh valid codes: Caller.values) takes one of them this often, else a generated value
# (an unknown id, a 404, is a case too).
DRAWN = {"path": 0.9, "query": 0.5, "body": 0.9, "header": 0.9}


@dataclass
class Budget:
    max_examples: int  # per operation, of positive data
    negative_examples: int
    seed: int

    def examples(self, caller: Caller) -> int:
        return self.negative_examples if caller.mode == "negative" else self.max_examples


@dataclass
class Outcome:
    caller: str
    negative: bool
    operations: int
    exit_code: int
    statuses: Counter[int] = field(default_factory=Counter)
    without_2xx: list[str] = field(default_factory=list)  # operations no case got through

    @property
    def cases(self) -> int:
        return sum(self.statuses.values())

    @property
    def passed(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)  # strings, numbers, booleans and lists of them read alike


def config(caller: Caller, budget: Budget) -> str:
    lines = [
        'hooks = "fuzz.hooks"',
        f"seed = {budget.seed}",
        "workers = 1",
        "[cache]",
        "enabled = false",  # no crashes replayed from an earlier run: each run is its own
        "[generation]",
        'database = "none"',
        "with-security-parameters = false",  # the caller's credentials, not generated ones
        "allow-x00 = false",  # a NUL is refused everywhere (tests/api/test_nul.py), a 422
        "[phases.examples]",
        "enabled = true",
        "[phases.coverage]",
        "enabled = false",
        "[phases.fuzzing]",
        "enabled = true",
        "[phases.stateful]",
        "enabled = false",
        "[headers]",
        *(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in caller.headers.items()),
    ]
    bindings = []
    for key, values in caller.values.items():
        if not values:
            continue
        dictionary = key.replace(".", "_")
        lines += [f"[dictionaries.{dictionary}]", f"values = {_toml(values)}"]
        places = [key] if "." in key else [f"{where}.{key}" for where in ("path", "query", "body")]
        for place in places:
            binding = {"dictionary": dictionary, "probability": DRAWN[place.split(".")[0]]}
            bindings.append(f"{json.dumps(place)} = {_toml(binding)}")
    lines += ["[parameters]", *bindings]
    return "\n".join(lines) + "\n"


def run(caller: Caller, base_url: str, budget: Budget, workdir: Path) -> Outcome:
    if not caller.operations:  # without --include-name schemathesis would run every operation
        raise SystemExit(f"fuzzing: no operation is open to {caller.name}: is `require` read?")
    slug = "".join(c if c.isalnum() else "-" for c in caller.name)
    config_file = workdir / f"{slug}.toml"
    config_file.write_text(config(caller, budget), encoding="utf-8")
    tally = workdir / f"{slug}.tally"
    tally.unlink(missing_ok=True)
    employer = str(caller.values.get("employer_id", [""])[0])
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_file)]
    command += ["run", f"{base_url}/openapi.json", "--no-color", "--checks", ",".join(CHECKS)]
    command += ["--mode", caller.mode, "--max-examples", str(budget.examples(caller))]
    for name in caller.operations:
        command += ["--include-name", name]
    print(
        f"\n== schemathesis as {caller.name}: {len(caller.operations)} operations, "
        f"{caller.mode} data",
        flush=True,
    )
    code = subprocess.run(
        command, env={**os.environ, TALLY_ENV: str(tally), EMPLOYER_ENV: employer}, check=False
    ).returncode
    return _outcome(caller, code, tally)


def _outcome(caller: Caller, code: int, tally: Path) -> Outcome:
    outcome = Outcome(caller.name, caller.mode == "negative", len(caller.operations), code)
    reached: dict[str, bool] = {name: False for name in caller.operations}
    if tally.exists():
        for line in tally.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            outcome.statuses[call["status"]] += 1
            reached[call["operation"]] = reached.get(call["operation"], False) or (
                200 <= call["status"] < 300
            )
    outcome.without_2xx = sorted(name for name, ok in reached.items() if not ok)
    return outcome
