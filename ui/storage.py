"""The local scenario store: TOML files in a workspace folder (default ./workspace, or the
SUBSIDY_EXIT_WORKSPACE environment variable).

- Names are cleaned so that no file lands outside the folder: letters and digits of any script
  (a Bangla name stays Bangla), '-' and '_' are kept, in Unicode's composed form (NFC, so that
  one name typed two ways is one file); path separators, dots, control and other characters
  are dropped; at most `MAX_NAME` characters.
- Two names that differ only in capital letters ('Group', 'group') are one file on Windows: a
  save under the second is refused.
- Names Windows keeps for devices (CON, PRN, AUX, NUL, COM1-9, LPT1-9 and COM/LPT with ¹²³, in
  any case, with or without an extension) are refused for a save, so that a workspace copied to
  Windows keeps every file; a file already saved under one (on Linux) still opens.
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
from engine.i18n import t
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


WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL",
                              *(f"{port}{n}" for port in ("COM", "LPT")
                                for n in "123456789¹²³")})
"""Device names Windows reserves, with any extension ('con.txt' too), in any case."""


def _named(name: str) -> str:
    """A name as it is shown in a message: in quotes, control characters escaped, at most 80
    characters."""
    return repr(name[:80] + ("…" if len(name) > 80 else ""))


def _cleaned(name: str) -> str:
    text = unicodedata.normalize("NFC", name.strip().replace(" ", "_"))
    cleaned = "".join(c for c in text if _kept(c)).lstrip("-")[:MAX_NAME]
    if not any(unicodedata.category(c)[0] in "LN" for c in cleaned):
        raise StorageError(t("name {name} has no letters or digits; use letters, digits, - or _",
                             name=_named(name)))
    return cleaned


def windows_reserved(name: str) -> str | None:
    """The Windows device name `name` would be saved under ('CON' for 'con' or 'Con.txt'), or
    None.

    >>> windows_reserved("con"), windows_reserved(" Lpt9.toml"), windows_reserved("console")
    ('CON', 'LPT9', None)
    """
    stem = unicodedata.normalize("NFC", name).strip().split(".")[0].strip().upper()
    return stem if stem in WINDOWS_RESERVED else None


def clean_name(name: str) -> str:
    """The name a save writes: letters and digits of any script, '-' and '_'; spaces become
    '_'; path separators, dots and anything else are dropped; NFC; at most MAX_NAME characters;
    never starts with '-'; never a Windows device name.

    >>> clean_name("../evil"), clean_name("/etc/passwd"), clean_name("my group 1")
    ('evil', 'etcpasswd', 'my_group_1')
    >>> clean_name("দুগ্ধ সমিতি")
    'দুগ্ধ_সমিতি'
    >>> clean_name("aux.toml")
    Traceback (most recent call last):
    ...
    ui.storage.StorageError: 'aux.toml' is a name Windows keeps for a device (AUX): a workspace copied to Windows could not hold it. Choose another name.
    """  # noqa: E501
    cleaned = _cleaned(name)
    device = windows_reserved(name) or windows_reserved(cleaned)
    if device:
        raise StorageError(t("{name} is a name Windows keeps for a device ({device}): a "
                             "workspace copied to Windows could not hold it. Choose another "
                             "name.", name=_named(name), device=device))
    return cleaned


class Workspace:
    def __init__(self, root: Path | None = None):
        self.root = (root or workspace_root()).resolve()

    def path(self, name: str) -> Path:
        """Where NAME is (or would be) saved; a name a save would refuse (a Windows device name
        saved on Linux) is still found, so that its file opens."""
        path = (self.root / f"{_cleaned(name)}.toml").resolve()
        if path.parent != self.root:
            raise StorageError(t("name {name} would leave the workspace", name=_named(name)))
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
        clean_name(name)   # refuses what the workspace would not write
        path = self.path(name)
        if check is not None:
            try:
                check(text)
            except ScenarioError as e:
                raise StorageError(t("not saved: the file would not reopen: {problems}",
                                     problems="; ".join(str(p) for p in e.problems[:5]))
                                   ) from None
        if path.exists() and not overwrite:
            raise StorageError(t("'{name}' exists already; choose another name or confirm "
                                 "overwriting it", name=path.stem))
        twin = None if path.exists() else next(
            (n for n in self.names() if n.casefold() == path.stem.casefold()), None)
        if twin is not None:   # one file on Windows (and macOS), two here
            raise StorageError(t("'{name}' differs from the saved '{saved}' only in capital "
                                 "letters: a workspace copied to Windows would hold one of "
                                 "them; choose another name, or save as '{saved}'",
                                 name=path.stem, saved=twin))
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
                    raise StorageError(t("'{name}' was saved by someone else a moment ago; "
                                         "choose another name or confirm overwriting it",
                                         name=path.stem)) from None
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
            return decode_text(read_file_bytes(self.path(name)), f"{_cleaned(name)}.toml")
        except ScenarioError as e:
            raise StorageError("; ".join(p.message for p in e.problems)) from None
