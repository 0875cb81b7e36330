"""The German catalogue: complete, placeholders intact, and actually used by the pages.

The messages are extracted here the way `make extract-messages` does it (babel.cfg, keyword `_l`), so a new
string that nobody translated fails the suite with its msgid and where it is used. To fix such a failure:
`make extract-messages`, translate the new entries in app/translations/de/LC_MESSAGES/messages.po, remove any
`#, fuzzy` flag, and `make translations`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app import create_app
from app.extensions import babel, db
from tests.clients import IsolatedClient

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
GERMAN_PO = ROOT / "app" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # pybabel extract -k _l
SKIPPED_DIRECTORIES = {"__pycache__", "node_modules"}

# A printf placeholder as Python's % operator reads it: %(name)s, %(count)d, %s, %5.1f; "%%" is a literal percent.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>\w+)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)


def _directory_filter(path: str) -> bool:
    """Walk every folder but hidden ones and caches: Babel's own default also skips "_*" (templates/_macros)."""
    name = Path(path).name
    return not name.startswith(".") and name not in SKIPPED_DIRECTORIES


def _extracted() -> Catalog:
    with MAPPING.open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(MAPPING))
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_directory_filter
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def _german() -> Catalog:
    with GERMAN_PO.open("rb") as po:
        return read_po(po, locale="de")


def _where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:3]) or "?"


def _key(message):
    """How a Catalog keys its entries (also the obsolete ones): the singular msgid, with the context if any."""
    singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (singular, message.context) if message.context else singular


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings)


def _placeholders(text: str) -> set[tuple[str | None, str]]:
    """The (name, conversion) of each placeholder; unnamed ones by their conversion alone."""
    return {(m["name"], m["conversion"]) for m in PLACEHOLDER.finditer(text) if m["conversion"] != "%"}


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extracted()


@pytest.fixture(scope="module")
def german() -> Catalog:
    return _german()


def test_extraction_finds_code_templates_and_mails(extracted):
    """babel.cfg covers the Python code, the HTML templates (with the macros) and the plain-text mail templates."""
    files = {path for message in extracted for path, _line in message.locations}
    assert any(path.startswith("app/") and path.endswith(".py") for path in files)
    assert "templates/base.html" in files
    assert "templates/_macros/forms.html" in files
    assert any(path.startswith("templates/mail/") and path.endswith(".txt") for path in files)
    assert len(extracted) > 500


def test_every_message_has_a_german_translation(extracted, german):
    gaps = []
    for message in extracted:
        if not message.id:
            continue
        entry = german.get(message.id, message.context)
        if entry is None and _key(message) in german.obsolete:
            gaps.append(
                f"only obsolete (#~) in the .po, so the extraction that updated it skipped this file "
                f"(pybabel skips folders named _* unless --ignore-dirs is given): {message.id!r} at {_where(message)}"
            )
        elif entry is None:
            gaps.append(f"not in the .po (run `make extract-messages`): {message.id!r} at {_where(message)}")
        elif message.pluralizable and not entry.pluralizable:
            gaps.append(f"plural form missing in the .po: {message.id!r} at {_where(message)}")
        elif not _translated(entry):
            gaps.append(f"untranslated: {message.id!r} at {_where(message)}")
        elif entry.fuzzy:
            gaps.append(f"fuzzy (check and remove the flag): {message.id!r} at {_where(message)}")
    assert not gaps, f"{len(gaps)} message(s) without a German translation:\n" + "\n".join(gaps)


def test_no_fuzzy_entries(german):
    assert not german.fuzzy, "the header of the German catalogue is marked fuzzy"
    fuzzy = [f"{message.id!r} at {_where(message)}" for message in german if message.id and message.fuzzy]
    assert not fuzzy, "fuzzy entries in the German catalogue (a fuzzy entry is not used):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders(german):
    wrong = []
    for message in german:
        if not message.id or not _translated(message) or not message.python_format:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # German has the same two plural forms as English: msgstr[0] goes with msgid, msgstr[1] with msgid_plural.
        for index, (original, translation) in enumerate(zip(ids, strings, strict=False)):
            if _placeholders(original) != _placeholders(translation):
                wrong.append(
                    f"{original!r} -> {translation!r}"
                    f"{f' (form {index})' if len(ids) > 1 else ''} at {_where(message)}: "
                    f"{sorted(_placeholders(original), key=str)} != {sorted(_placeholders(translation), key=str)}"
                )
    assert not wrong, "translations whose placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_babel_checks_pass(german):
    """What `pybabel compile` complains about: python-format mismatches, wrong number of plural forms."""
    problems = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in german.check()]
    assert not problems, "\n".join(problems)


@pytest.fixture
def app_with_fresh_catalogue(database_url, tmp_path):
    """An app that reads the catalogue compiled from the .po now, whatever state the built .mo file is in."""
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, _german())
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations"),
        },
    )
    app.test_client_class = IsolatedClient
    # Flask-Babel keeps loaded catalogues in its Babel object, which every app of this process shares:
    # start from an empty cache so this app loads the fresh file, and give the other tests theirs back.
    with app.app_context():
        cache = babel.domain_instance.cache
    others = dict(cache)
    cache.clear()
    yield app
    cache.clear()
    cache.update(others)
    with app.app_context():
        db.engine.dispose()


def test_login_page_in_german_and_english(app_with_fresh_catalogue):
    """German is the product's default (the other tests choose English in conftest); English on request."""
    assert app_with_fresh_catalogue.config["BABEL_DEFAULT_LOCALE"] == "de"
    client = app_with_fresh_catalogue.test_client()
    german = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="de"' in german
    assert "Anmelden" in german and "Passwort" in german and "Zum Inhalt springen" in german
    assert ">Log in<" not in german

    assert client.post("/language", data={"locale": "en", "next": "/auth/login"}).status_code == 302
    english = client.get("/auth/login").get_data(as_text=True)
    assert "Log in" in english and "Password" in english and "Skip to content" in english
    assert "Anmelden" not in english
