"""The message catalogues are complete and in step with the code.

Every string the code marks for translation (t, tn, N_) has a Bangla translation in the
catalogue of its domain (ui/ and app.py -> app, engine/ -> engine), no catalogue entry is left
without a use, and every {placeholder} of the English survives in the Bangla.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from engine import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None, "tn": (1, 2), "N_": None}
METHOD_MAP = [("**.py", "python")]


def _ids(found) -> set[str]:
    out = set()
    for entry in found:
        message = entry[2] if len(entry) > 2 and not isinstance(entry[1], str) else entry[1]
        out.add(message[0] if isinstance(message, tuple) else message)
    return out


def extracted(domain: str) -> set[str]:
    """The message ids the code of `domain` marks (singular form for plurals)."""
    if domain == "engine":
        return _ids(extract_from_dir(str(ROOT / "engine"), METHOD_MAP, keywords=KEYWORDS))
    found = list(extract_from_dir(str(ROOT / "ui"), METHOD_MAP, keywords=KEYWORDS))
    found += [(0, *e[:2]) for e in extract_from_file("python", str(ROOT / "app.py"),
                                                     keywords=KEYWORDS)]
    return _ids(found)


def catalogue(domain: str):
    with i18n.catalogue_path("bn", domain).open("rb") as f:
        return read_po(f, locale="bn", domain=domain)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_message_has_a_bangla_translation(domain):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(domain) if m.id}
    missing = sorted(extracted(domain) - set(entries))
    untranslated = sorted(k for k, m in entries.items()
                          if (not m.string if isinstance(m.string, str) else not all(m.string))
                          or m.fuzzy)
    assert not missing, f"not in {domain}.po (run `make messages`): {missing[:20]}"
    assert not untranslated, f"untranslated or fuzzy in {domain}.po: {untranslated[:20]}"


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_no_catalogue_entry_is_unused(domain):
    entries = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(domain) if m.id}
    unused = sorted(entries - extracted(domain))
    assert not unused, f"in {domain}.po but not in the code: {unused[:20]}"


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_placeholders_survive_translation(domain):
    for m in catalogue(domain):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        english = set().union(*(placeholders(i) for i in ids))
        for s in strings:
            assert placeholders(s) == english, f"{m.id!r} -> {s!r}"


MESSAGE = "Language {code} is not offered; choose one of: {choices}."


def test_bangla_lookup_and_english_fallback():
    # the catalogue's own entry, typed here by hand
    assert i18n.t(MESSAGE, code="'fr'", choices="bn, en", lang="bn") == (
        "'fr' ভাষা নেই; এর একটি বেছে নিন: bn, en।")
    assert i18n.t("A sentence no catalogue has", lang="bn") == "A sentence no catalogue has"
    assert i18n.translations("en").gettext(MESSAGE) == MESSAGE


def test_a_broken_translation_falls_back_to_english(monkeypatch):
    class Broken:
        def gettext(self, message):
            return "{missing} ভাঙা"
    monkeypatch.setattr(i18n, "translations", lambda lang: Broken())
    assert i18n.t("Month {m}", m=3, lang="bn") == "Month 3"


def test_unknown_language_is_refused_with_the_choices_in_the_language_in_force():
    english = r"^Language 'fr' is not offered; choose one of: bn, en\.$"
    with pytest.raises(ValueError, match=english):
        i18n.set_language("fr")
    bangla = "^'fr' ভাষা নেই; এর একটি বেছে নিন: bn, en।$"
    with i18n.language("bn"), pytest.raises(ValueError, match=bangla):
        i18n.set_language("fr")
