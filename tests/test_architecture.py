"""The shape of the code, checked: one scoping helper, shared plumbing with no feature in it, no private imports."""
from __future__ import annotations

import ast
import re
from pathlib import Path

LMS = Path(__file__).resolve().parents[1] / "lms"
FEATURES = {"accounts", "admin", "adoption", "audit", "cohorts", "courses", "exercises", "home", "learning",
            "members", "orgs", "usecases", "llm", "api"}


def _modules() -> list[Path]:
    return sorted(p for p in LMS.rglob("*.py") if "translations" not in p.parts)


def _package(path: Path) -> str:
    parts = path.relative_to(LMS).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lms"):
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lms"):
                    found.append((node.lineno, alias.name, []))
    return found


def test_no_module_but_tenancy_compares_a_models_org_id() -> None:
    pattern = re.compile(r"\b[A-Z]\w*\.org_id\s*[!=]=")
    offenders = [
        f"{path.relative_to(LMS.parent)}:{number}: {line.strip()}"
        for path in _modules() if path.name != "tenancy.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], "scope company-owned reads with lms.tenancy (owned_by / in_org / scoped):\n" + "\n".join(offenders)


def test_no_feature_imports_another_features_private_name() -> None:
    offenders = []
    for path in _modules():
        own = _package(path)
        for line, module, names in _imports(path):
            other = module.split(".")[1] if "." in module else ""
            if other == own:
                continue
            private = [n for n in names if n.startswith("_") and n != "__future__"]
            if private or any(part.startswith("_") and part != "__init__" for part in module.split(".")):
                offenders.append(f"{path.relative_to(LMS.parent)}:{line}: from {module} import {', '.join(names)}")
    assert offenders == []


def test_shared_plumbing_imports_no_feature() -> None:
    offenders = [
        f"{path.relative_to(LMS.parent)}:{line}: {module} {names}"
        for path in sorted((LMS / "core").glob("*.py"))
        for line, module, names in _imports(path)
        if (module.split(".")[1] if "." in module else None) in FEATURES or module == "lms" and set(names) & FEATURES
    ]
    assert offenders == []


def test_views_leave_writes_and_audit_records_to_services() -> None:
    """Views load, check, make one service call and render: an API calls the same services."""
    pattern = re.compile(r"\brecord\(|db\.session\.(add|delete|execute)\(|\.populate_obj\(")
    offenders = [
        f"{path.relative_to(LMS.parent)}:{number}: {line.strip()}"
        for path in _modules() if path.name.endswith("routes.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
