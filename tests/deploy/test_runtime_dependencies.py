"""Every module the service imports comes with its runtime dependencies, not only with the dev tools.

The image installs `uv sync --no-dev`; a module imported by src/ but installed only as a dev dependency
works in every test and breaks the image at start-up (it happened: webhook sending imported httpx, which
only the tests declared). This reads the imports of src/ and the lock file's runtime closure, in a second.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "taskagent"
# Tools that live beside the code they serve but never run in the service (the training step of
# `make train` needs scikit-learn, a dev dependency); the last test checks the service never imports them.
DEV_ONLY_MODULES = {"taskagent.agents.offline.training"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names imported unconditionally; an import inside try/except ImportError is optional."""
    names: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):  # those imports are never run
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                guarded = any(
                    isinstance(handler.type, ast.Name)
                    and handler.type.id in {"ImportError", "ModuleNotFoundError"}
                    for handler in node.handlers
                )
                if not guarded:
                    visit(node.body)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(node.body)

    visit(tree.body)
    return names


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)


def _runtime_closure() -> set[str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = {_normalise(package["name"]): package for package in lock["package"]}
    wanted = ["taskagent"]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        for dependency in packages[name].get("dependencies", []):
            wanted.append(_normalise(dependency["name"]))
            for extra in dependency.get("extra", []):
                for optional in _optional_dependencies(packages, dependency["name"], extra):
                    wanted.append(_normalise(optional["name"]))
    return seen


def _optional_dependencies(
    packages: dict[str, dict[str, object]], name: str, extra: str
) -> list[dict[str, str]]:
    optional = packages[_normalise(name)].get("optional-dependencies", {})
    assert isinstance(optional, dict)
    found = optional.get(extra, [])
    assert isinstance(found, list)
    return found


def test_every_import_of_the_service_is_a_runtime_dependency() -> None:
    imported: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        if _module_name(path) in DEV_ONLY_MODULES:
            continue
        for module in _module_level_imports(ast.parse(path.read_text(), str(path))):
            if module in sys.stdlib_module_names or module == "taskagent":
                continue
            imported.setdefault(module, set()).add(str(path.relative_to(ROOT)))

    providers = packages_distributions()
    runtime = _runtime_closure()
    missing = {
        module: sorted(paths)[:3]
        for module, paths in imported.items()
        if not any(_normalise(dist) in runtime for dist in providers.get(module, []))
    }
    assert imported, "no imports were read: the source walk is broken"
    assert "fastapi" in imported and "httpx2" in imported
    assert not missing, f"imported by src/ but not installed by `uv sync --no-dev`: {missing}"


def test_the_check_sees_a_dev_only_import() -> None:
    """The check itself fails on a dev-only module (httpx, pytest), so its silence above means something."""
    providers = packages_distributions()
    runtime = _runtime_closure()
    for dev_only in ("httpx", "pytest", "sklearn"):
        assert not any(_normalise(dist) in runtime for dist in providers.get(dev_only, []))
    tree = ast.parse("import os\ntry:\n    import zzz\nexcept ImportError:\n    zzz = None\nimport httpx\n")
    assert _module_level_imports(tree) == {"os", "httpx"}


def test_the_service_never_imports_a_dev_only_module() -> None:
    for path in SOURCE.rglob("*.py"):
        if _module_name(path) in DEV_ONLY_MODULES:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            else:
                continue
            found = targets & DEV_ONLY_MODULES
            assert not found, f"{path.relative_to(ROOT)} imports {found}"
