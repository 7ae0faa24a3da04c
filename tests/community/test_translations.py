"""The Dutch catalogue: complete, compiled, covering the templates, and actually served."""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / app / "templates"
    for app in ["community", "feed", "groups", "profiles", "metrics", "cms"]
]

# `%(name)s`, `%(count)d`, `%s`, `%d`; `%%` is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]")

# {% translate "..." %} / {% trans '...' %}, optionally with `context "..."`, `noop` and
# `as var`. {% blocktranslate %} blocks are not scanned here: their msgids are rebuilt
# from the block body ({{ x }} -> %(x)s, plural forms, trimmed whitespace), which only
# `makemessages` does faithfully; running it is the release step that covers them.
TRANSLATE_TAG = re.compile(
    r"""\{%\s*trans(?:late)?\s+
        (?P<quote>["'])(?P<msgid>.*?)(?P=quote)
        (?:\s+context\s+(?P<cquote>["'])(?P<msgctxt>.*?)(?P=cquote))?
        (?:\s+noop)?
        (?:\s+as\s+\w+)?
        \s*%\}""",
    re.VERBOSE,
)


def _po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def _translations(catalogue: polib.POFile | polib.MOFile) -> dict:
    """(msgctxt, msgid) -> msgstr, or the plural forms by index, for translated entries."""
    result = {}
    for entry in catalogue.translated_entries():
        if not entry.msgid:
            continue  # the header
        key = (entry.msgctxt, entry.msgid)
        if entry.msgid_plural:
            result[key] = {int(i): form for i, form in entry.msgstr_plural.items()}
        else:
            result[key] = entry.msgstr
    return result


# --- the catalogue itself --------------------------------------------------------


def test_dutch_catalogue_header_declares_dutch_plurals_and_utf8():
    po = _po()
    assert po.metadata["Language"] == "nl"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_every_dutch_entry_is_translated_and_not_fuzzy():
    po = _po()
    active = [entry for entry in po if not entry.obsolete]
    assert active, "the Dutch catalogue is empty: run makemessages -l nl"
    problems = []
    for entry in active:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if sorted(int(i) for i in forms) != [0, 1] or not all(forms.values()):
                problems.append(f"plural forms incomplete: {entry.msgid!r}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid!r}")
    assert not problems, "\n".join(problems)


def test_dutch_translations_keep_the_placeholders_of_the_english():
    problems = []
    for entry in _po().translated_entries():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if int(i) == 0 else entry.msgid_plural, form)
                for i, form in entry.msgstr_plural.items()
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            if _placeholders(source) != _placeholders(translation):
                problems.append(f"{source!r} -> {translation!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_compiled_dutch_catalogue_matches_the_po_file():
    assert MO_PATH.exists(), "django.mo is missing: run compilemessages -l nl"
    po_translations = _translations(_po())
    mo_translations = _translations(polib.mofile(str(MO_PATH)))
    assert mo_translations == po_translations, (
        "django.mo is out of date with django.po: run compilemessages -l nl"
    )


def test_every_translate_tag_in_the_templates_is_in_the_dutch_catalogue():
    known = {(entry.msgctxt, entry.msgid) for entry in _po() if not entry.obsolete}
    templates = [path for folder in TEMPLATE_DIRS for path in sorted(folder.rglob("*.html"))]
    assert templates
    missing = []
    for path in templates:
        for match in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            key = (match["msgctxt"], match["msgid"])
            if key not in known:
                where = path.relative_to(settings.BASE_DIR)
                missing.append(f"{where}: {match['msgid']!r}")
    assert not missing, "run makemessages -l nl and translate:\n" + "\n".join(missing)


# --- what members see --------------------------------------------------------------


def test_member_asking_for_dutch_sees_the_dutch_navigation(member_client):
    html = member_client.get("/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="nl">' in html
    for label in ["Tijdlijn", "Groepen", "Collega&#x27;s", "Inzichten", "Uitloggen"]:
        assert label in html


def test_member_asking_for_english_sees_the_english_navigation(member_client):
    html = member_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert ">Feed</a>" in html
    assert "Tijdlijn" not in html


def test_visitor_asking_for_dutch_gets_a_dutch_login_page(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Inloggen bij Buzz" in html
    # Django's own catalogue still supplies the form's field labels.
    assert "Gebruikersnaam" in html
    assert "Wachtwoord" in html


def test_language_switch_redirects_back_and_serves_the_next_page_in_dutch(member_client):
    response = member_client.post("/i18n/setlang/", {"language": "nl", "next": "/groups/"})
    assert response.status_code == 302
    assert response["Location"] == "/groups/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"

    html = member_client.get("/groups/").content.decode()
    assert '<html lang="nl">' in html
    assert "<h1>Groepen</h1>" in html
    assert "Groepen zoeken" in html
