"""The local scenario store: TOML files in a workspace folder (default ./workspace, or the
SUBSIDY_EXIT_WORKSPACE environment variable). Saves are atomic (a temporary file, then rename);
names are cleaned so that no file lands outside the folder; nothing is overwritten unless asked."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

NAME = re.compile(r"[^A-Za-z0-9_\-]+")
MAX_NAME = 64


class StorageError(ValueError):
    pass


def workspace_root() -> Path:
    return Path(os.environ.get("SUBSIDY_EXIT_WORKSPACE", "workspace")).resolve()


def clean_name(name: str) -> str:
    """Letters, digits, '-' and '_' only; path separators and dots are removed.

    >>> clean_name("../evil"), clean_name("/etc/passwd"), clean_name("my group 1")
    ('evil', 'etcpasswd', 'my_group_1')
    """
    cleaned = NAME.sub("", name.strip().replace(" ", "_"))[:MAX_NAME]
    if not cleaned:
        raise StorageError(f"name {name!r} has no letters or digits; use A-Z, a-z, 0-9, - or _")
    return cleaned


class Workspace:
    def __init__(self, root: Path | None = None):
        self.root = (root or workspace_root()).resolve()

    def path(self, name: str) -> Path:
        path = (self.root / f"{clean_name(name)}.toml").resolve()
        if path.parent != self.root:
            raise StorageError(f"name {name!r} would leave the workspace")
        return path

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.toml"))

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def save(self, name: str, text: str, overwrite: bool = False) -> Path:
        path = self.path(name)
        if path.exists() and not overwrite:
            raise StorageError(f"'{path.stem}' exists already; choose another name or confirm "
                               "overwriting it")
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def load(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")
