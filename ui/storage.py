"""The local scenario store: TOML files in a workspace folder (default ./workspace, or the
SUBSIDY_EXIT_WORKSPACE environment variable).

- Names are cleaned so that no file lands outside the folder: letters and digits of any script
  (a Bangla name stays Bangla), '-' and '_' are kept, in Unicode's composed form (NFC, so that
  one name typed two ways is one file); path separators, dots, control and other characters
  are dropped; at most `MAX_NAME` characters.
- A save writes a temporary file, syncs it, then either links it to a new name (os.link, which
  fails if the name exists: of several sessions creating one name at once exactly one succeeds,
  the others are told) or, when overwriting was asked for, renames it over the old file. A
  reader never sees a torn file.
- Temporary files left by an interrupted save (a killed process) are removed after
  `STALE_TMP_SECONDS`.
- Only text that reopens is saved (`check` is given the text and raises on a problem), and a
  saved file that no longer reads is reported with its problem, never raised to the page.
"""

from __future__ import annotations

import os
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from engine.errors import ScenarioError
from engine.io import decode_text, read_file_bytes

MAX_NAME = 64
"""Characters of a file name (64 Bangla letters are 192 bytes: under every file system's 255)."""
STALE_TMP_SECONDS = 600


class StorageError(ValueError):
    pass


def workspace_root() -> Path:
    return Path(os.environ.get("SUBSIDY_EXIT_WORKSPACE", "workspace")).resolve()


def _kept(c: str) -> bool:
    """A letter, a digit or a combining mark of any script (Bangla vowel signs are marks), or
    '-' or '_'."""
    return c in "-_" or unicodedata.category(c)[0] in "LMN"


def clean_name(name: str) -> str:
    """Letters and digits of any script, '-' and '_'; spaces become '_'; path separators, dots
    and anything else are dropped; NFC; at most MAX_NAME characters; never starts with '-'.

    >>> clean_name("../evil"), clean_name("/etc/passwd"), clean_name("my group 1")
    ('evil', 'etcpasswd', 'my_group_1')
    >>> clean_name("দুগ্ধ সমিতি")
    'দুগ্ধ_সমিতি'
    """
    text = unicodedata.normalize("NFC", name.strip().replace(" ", "_"))
    cleaned = "".join(c for c in text if _kept(c)).lstrip("-")[:MAX_NAME]
    if not any(unicodedata.category(c)[0] in "LN" for c in cleaned):
        raise StorageError(f"name {name!r} has no letters or digits; use letters, digits, "
                           "- or _")
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

    def save(self, name: str, text: str, overwrite: bool = False,
             check: Callable[[str], object] | None = None) -> Path:
        """Save `text` as NAME.toml: a new name is created exclusively; an existing one is
        replaced only with `overwrite`. `check(text)` runs first (a file that would not reopen
        is refused with its problems)."""
        path = self.path(name)
        if check is not None:
            try:
                check(text)
            except ScenarioError as e:
                raise StorageError("not saved: the file would not reopen: " + "; ".join(
                    str(p) for p in e.problems[:5])) from None
        if path.exists() and not overwrite:
            raise StorageError(f"'{path.stem}' exists already; choose another name or confirm "
                               "overwriting it")
        self.root.mkdir(parents=True, exist_ok=True)
        self.clean_stale()
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)   # atomic exclusive create
                except FileExistsError:
                    raise StorageError(f"'{path.stem}' was saved by someone else a moment ago; "
                                       "choose another name or confirm overwriting it") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path

    def clean_stale(self) -> None:
        """Remove temporary files of interrupted saves (older than STALE_TMP_SECONDS)."""
        if not self.root.is_dir():
            return
        now = time.time()
        for tmp in self.root.glob(".*.tmp"):
            try:
                if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                    tmp.unlink()
            except OSError:
                pass

    def load(self, name: str) -> str:
        """The saved text, or StorageError naming why it cannot be read."""
        try:
            return decode_text(read_file_bytes(self.path(name)), f"{clean_name(name)}.toml")
        except ScenarioError as e:
            raise StorageError("; ".join(p.message for p in e.problems)) from None
