"""Translations: gettext message catalogues, read with Babel, and the language in force.

The tool speaks English (the default) and Bangla. Every string a user reads goes through `t`
(or `tn` when it depends on a count); the English text is the message id, so code stays
readable and an untranslated message falls back to English rather than to a key.

Catalogues are standard gettext PO files, one per domain, in ``engine/locales/<lang>/
LC_MESSAGES/<domain>.po``: ``app`` holds the Streamlit pages' text (ui/, app.py) and ``engine``
the text the engine writes (field labels, verdicts, validation messages, reports, the CLI). A
translator edits them with any PO editor (Poedit, Weblate, Lokalize) and never touches code.
``make messages`` extracts the strings from the code (``pybabel extract``) and merges them into
the catalogues (``pybabel update``). The catalogues are read at run time with Babel and turned
into :class:`gettext.GNUTranslations` in memory, so there is no compiled ``.mo`` file to keep in
step with its source.

Messages are Python brace-format strings whose values are passed by name (any name but
``lang``, which chooses the language), so a translation can
move a value within the sentence: ``t("Exit month: {month}", month=label)``. The names of a
user's own items (groups, buyers, services) are passed as values and never translated.
Strings defined at import time (labels in tables of constants) are marked with `N_` for the
extractor and translated where they are shown, with `t`.

The language in force is a context variable: the app sets it at the start of each rerun from
the session (``?lang=bn``), the CLI from ``--lang``; `t` reads it. Code that must not depend on
it passes ``lang=`` explicitly.

>>> t("Language {code} is not offered; choose one of: {choices}.", code="'fr'",
...   choices="bn, en", lang="en")
"Language 'fr' is not offered; choose one of: bn, en."
>>> with language("bn"):
...     current()
'bn'
>>> current()
'en'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: dict[str, str] = {"en": "English", "bn": "বাংলা"}
"""Languages offered, each with its name written in itself."""
DEFAULT = "en"
DOMAINS = ("app", "engine")
LOCALES = Path(__file__).parent / "locales"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("subsidy_exit_lang", default=DEFAULT)


def parse_language(value: object) -> str | None:
    """The language code for `value` ("bn", "BN", " bn_BD ", "bn-BD" -> "bn"), None if not offered.

    >>> parse_language("bn-BD"), parse_language("fr"), parse_language(None)
    ('bn', None, None)
    """
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("-", "_").split("_")[0]
    return code if code in LANGUAGES else None


def current() -> str:
    """The language in force ("en" unless set)."""
    return _current.get()


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(t("Language {code} is not offered; choose one of: {choices}.",
                           code=repr(lang), choices=", ".join(sorted(LANGUAGES))))


def set_language(lang: str) -> None:
    """Put `lang` in force for the rest of this thread's context (the app, once per rerun)."""
    _check(lang)
    _current.set(lang)


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Put `lang` in force inside a ``with`` block (the CLI, reports, tests)."""
    _check(lang)
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def catalogue_path(lang: str, domain: str) -> Path:
    """Where the PO file of `domain` in `lang` lives."""
    return LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """All domains of `lang` as one gettext object (fuzzy entries are left out, as msgfmt does)."""
    merged: gettext.NullTranslations = gettext.NullTranslations()
    if lang == DEFAULT:
        return merged
    for domain in DOMAINS:
        path = catalogue_path(lang, domain)
        if not path.exists():
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        found = gettext.GNUTranslations(buffer)
        found.add_fallback(merged)
        merged = found
    return merged


def _format(text: str, english: str, values: dict[str, object]) -> str:
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        # a broken translation must not break the page; tests keep placeholders in step
        return english.format(**values)


def t(message: str, /, lang: str | None = None, **values: object) -> str:
    """`message` in the language in force (or `lang`), with `values` filled in by name.

    >>> t("{n} paths", n=3, lang="en")
    '3 paths'
    """
    text = translations(lang or current()).gettext(message)
    return _format(text, message, values)


def tn(singular: str, plural: str, n: int, /, lang: str | None = None, **values: object) -> str:
    """The singular or plural of a message for count `n` (CLDR plural rules of the language).

    `n` is also available to the message as ``{n}``.

    >>> tn("{n} month", "{n} months", 1, lang="en"), tn("{n} month", "{n} months", 12, lang="en")
    ('1 month', '12 months')
    """
    text = translations(lang or current()).ngettext(singular, plural, n)
    english = singular if n == 1 else plural
    return _format(text, english, {"n": n, **values})


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `message` for extraction without translating it now (translate it where shown)."""
    return message
