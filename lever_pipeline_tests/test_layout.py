"""The house's import directions (DESIGN.md, "Layout"), checked on the code's own imports.

Every top-level package of `lever_pipeline` is a room with a list of the rooms it may
import, and the frameworks it may import. A new package fails here until it is given a
place, and an arrow that runs back up (a domain importing Dagster, `lever/` importing the
warehouse, the pipeline importing the sandbox) fails with the file and the import named.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from lever_pipeline.settings import PROJECT_ROOT

BASE = frozenset({"settings", "lever", "warehouse"})
DOMAINS = frozenset({"sync", "writeback", "webhooks", "reads", "analytics", "automation", "ops"})

MAY_IMPORT: Mapping[str, frozenset[str]] = {
    # base: the Lever API and storage know nothing of what is built on them
    "settings": frozenset(),
    "lever": frozenset(),
    "warehouse": frozenset({"settings", "lever"}),
    # which account we talk to, and the one factory for its client
    "account": BASE,
    # domains: base and account; a domain uses another only along these arrows
    "sync": BASE | {"account"},
    "webhooks": BASE | {"account"},
    "writeback": BASE | {"account", "sync"},
    "reads": BASE | {"account", "sync"},
    "analytics": BASE,
    "automation": BASE | {"account", "sync", "writeback"},
    "ops": BASE | {"account", "sync", "writeback", "webhooks"},
    # entry points: thin adapters on top of everything below
    "defs": BASE | {"account"} | DOMAINS,
    "definitions": frozenset({"defs"}),
    "service": BASE | {"account"} | DOMAINS,
    "cli": BASE | {"account", "defs", "definitions", "service", "sandbox"} | DOMAINS,
    # beside: the Lever simulator plays Lever and shares no code with the pipeline
    "sandbox": frozenset(),
}

FRAMEWORKS = frozenset(
    {"dagster", "dagster_dbt", "dagster_celery", "dagster_postgres", "dagster_webserver", "fastapi", "typer", "uvicorn"}
)
"""Orchestration, web and command-line frameworks: only entry points (and the sandbox's own server) use them."""

MAY_USE_FRAMEWORK: Mapping[str, frozenset[str]] = {
    "defs": frozenset({"dagster", "dagster_dbt", "dagster_celery", "dagster_postgres"}),
    "definitions": frozenset({"dagster"}),
    "service": frozenset({"fastapi", "uvicorn"}),
    "cli": frozenset({"typer", "dagster", "dagster_celery", "uvicorn"}),
    "sandbox": frozenset({"uvicorn"}),
}


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.imported}: {self.why}"


def _room(package_dir: Path, file: Path) -> str:
    parts = file.relative_to(package_dir).parts
    return parts[0].removesuffix(".py")


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import names, with its line; `from pkg import mod` yields `pkg.mod` too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            if node.module == "lever_pipeline":
                for alias in node.names:
                    yield node.lineno, f"lever_pipeline.{alias.name}"


def check_layout(package_dir: Path) -> list[Violation]:
    """Every import in `package_dir` (the `lever_pipeline` folder) that the layout forbids."""
    found: list[Violation] = []
    for file in sorted(package_dir.rglob("*.py")):
        room = _room(package_dir, file)
        if room == "__init__":
            continue
        shown = str(file.relative_to(package_dir.parent))
        if room not in MAY_IMPORT:
            found.append(Violation(shown, 1, room, "this package has no place in the layout (MAY_IMPORT)"))
            continue
        for line, module in _imports(ast.parse(file.read_text(), filename=str(file))):
            parts = module.split(".")
            if parts[0] == "lever_pipeline" and len(parts) > 1:
                target = parts[1]
                if target != room and target not in MAY_IMPORT[room]:
                    found.append(Violation(shown, line, module, f"{room}/ may not import {target}/"))
            elif parts[0] in FRAMEWORKS and parts[0] not in MAY_USE_FRAMEWORK.get(room, frozenset()):
                found.append(Violation(shown, line, module, f"{room}/ may not use {parts[0]}"))
    return found


def test_layout_every_import_follows_the_allowed_directions() -> None:
    violations = check_layout(PROJECT_ROOT / "lever_pipeline")
    assert not violations, "imports against the layout:\n" + "\n".join(map(str, violations))


@pytest.mark.parametrize(
    ("room", "source", "expected"),
    [
        ("lever", "import dagster\n", "lever/ may not use dagster"),
        ("lever", "from lever_pipeline.warehouse import engine\n", "lever/ may not import warehouse/"),
        ("sync", "from lever_pipeline.defs import run\n", "sync/ may not import defs/"),
        ("writeback", "from fastapi import HTTPException\n", "writeback/ may not use fastapi"),
        ("service", "from lever_pipeline.sandbox.config import SandboxConfig\n", "service/ may not import sandbox/"),
        ("sandbox", "from lever_pipeline import settings\n", "sandbox/ may not import settings/"),
        ("newroom", "x = 1\n", "no place in the layout"),
    ],
)
def test_layout_check_fails_on_a_forbidden_import(tmp_path: Path, room: str, source: str, expected: str) -> None:
    package = tmp_path / "lever_pipeline"
    (package / room).mkdir(parents=True)
    (package / room / "module.py").write_text(source)
    violations = check_layout(package)
    assert len(violations) == 1
    assert expected in str(violations[0])


def test_layout_check_accepts_allowed_imports(tmp_path: Path) -> None:
    package = tmp_path / "lever_pipeline"
    (package / "sync").mkdir(parents=True)
    (package / "sync" / "module.py").write_text(
        "import sqlalchemy\nfrom lever_pipeline.lever.client import LeverClient\nfrom lever_pipeline import warehouse\n"
    )
    assert check_layout(package) == []
