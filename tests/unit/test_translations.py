"""The Dutch catalogue is complete, well-formed and in step with the code.

No app and no database: the catalogues are read with Babel, and the extraction that
``make extract-messages`` runs (pybabel extract with babel.cfg) is repeated in-process.
"""
from __future__ import annotations

import re
from importlib.metadata import entry_points
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = ROOT / "marketplace" / "translations"
POT_FILE = CATALOG_DIR / "messages.pot"
NL_FILE = CATALOG_DIR / "nl" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = ROOT / "babel.cfg"
# What `make extract-messages` passes to pybabel: Babel's default keywords plus -k _l -k lazy_gettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
FIX = f"run `make extract-messages` and translate the new entries in {NL_FILE.relative_to(ROOT)}"

# %(name)s-style placeholders are unambiguous; bare %s/%d only count in python-format entries.
NAMED = re.compile(r"%\((\w+)\)[#0\- +]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def load(path: Path) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj)


@pytest.fixture(scope="module")
def nl() -> Catalog:
    return load(NL_FILE)


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return load(POT_FILE)


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]  # skip the header entry


def label(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}|{text}" if message.context else text


def placeholders(text: str, python_format: bool) -> tuple[frozenset[str], tuple[str, ...]]:
    text = text.replace("%%", "")
    named = frozenset(match.group(0).replace(" ", "") for match in NAMED.finditer(text))
    positional = () if not python_format else tuple(
        match.group(0) for match in POSITIONAL.finditer(NAMED.sub("", text)))
    return named, positional


# --- (a) the Dutch catalogue itself -------------------------------------------------------


def test_dutch_catalogue_is_for_dutch_with_two_plural_forms(nl):
    assert str(nl.locale) == "nl"
    assert nl.num_plurals == 2


def test_every_message_has_a_dutch_translation(nl):
    untranslated = []
    for message in entries(nl):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = nl.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(s and s.strip() for s in strings):
            untranslated.append(label(message))
    assert not untranslated, f"{len(untranslated)} message(s) without Dutch text in {NL_FILE.name}: " \
                             f"{untranslated}"


def test_no_fuzzy_entries(nl):
    fuzzy = [label(message) for message in entries(nl) if message.fuzzy]
    assert not fuzzy, f"fuzzy entries are not used by the app; check and remove the flag: {fuzzy}"


def test_placeholders_in_the_dutch_text_match_the_english(nl):
    wrong = []
    for message in entries(nl):
        python_format = "python-format" in message.flags
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            if not string:
                continue  # reported by the completeness test
            # msgstr[0] is the Dutch singular (n == 1), the rest use the English plural.
            source = ids[min(index, len(ids) - 1)]
            want_named, want_positional = placeholders(source, python_format)
            got_named, got_positional = placeholders(string, python_format)
            if message.pluralizable:
                # ngettext always passes num; a form may leave it out ("één bewoner").
                want_named = {p for p in want_named if not p.startswith("%(num)")}
                got_named = {p for p in got_named if not p.startswith("%(num)")}
            if got_named != want_named or got_positional != want_positional:
                wrong.append(f"{label(message)!r}: expected {sorted(want_named) + list(want_positional)}, "
                             f"msgstr[{index}] has {sorted(got_named) + list(got_positional)}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_catalogue_passes_babels_checks_and_compiles(nl):
    """What `pybabel compile` would print as errors, it must not find."""
    problems = [f"{label(message)!r}: {error}" for message, errors in nl.check() for error in errors]
    assert not problems, "\n".join(problems)
    write_mo(BytesIO(), nl)


# --- (b) the catalogues are in step with the code -----------------------------------------


def test_babel_cfg_jinja2_method_is_jinja2s_extractor():
    """babel.cfg says ``[jinja2: ...]``; Babel finds that through Jinja2's entry point."""
    import jinja2.ext

    with BABEL_CFG.open() as fileobj:
        method_map, _ = parse_mapping_cfg(fileobj, str(BABEL_CFG))
    assert "jinja2" in {method for _, method in method_map}
    found = entry_points(group="babel.extractors", name="jinja2")
    assert found, "Jinja2's babel extractor is not installed (pip install Jinja2)"
    assert next(iter(found)).load() is jinja2.ext.babel_extract


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str | None, str], tuple[object, set[str]]]:
    """{(context, msgid): (id as extracted, {file, ...})}, as `pybabel extract -F babel.cfg .` sees it."""
    with BABEL_CFG.open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(BABEL_CFG))
    # Stricter than pybabel: a template Jinja2 cannot parse fails here instead of silently
    # contributing no strings.
    options_map = {pattern: {**options_map.get(pattern, {}), **({"silent": "false"} if method == "jinja2" else {})}
                   for pattern, method in method_map}
    found: dict[tuple[str | None, str], tuple[object, set[str]]] = {}
    current = ["?"]
    try:
        for filename, _lineno, message, _comments, context in extract_from_dir(
                str(ROOT), method_map, options_map, keywords=KEYWORDS,
                callback=lambda filename, method, options: current.__setitem__(0, filename)):
            key = (context, message[0] if isinstance(message, tuple) else message)
            found.setdefault(key, (message, set()))[1].add(filename.replace("\\", "/"))
    except Exception as exc:  # name the file: Jinja2's errors say "<unknown>"
        pytest.fail(f"extracting messages from {current[0]} failed: {exc!r}", pytrace=False)
    return found


def test_extraction_finds_python_and_template_strings(extracted):
    files = set().union(*(where for _, where in extracted.values()))
    assert any(name.endswith(".py") for name in files)
    assert any(name.startswith("templates/") and name.endswith(".html") for name in files), \
        "no messages extracted from templates: is the jinja2 extractor working?"


def missing_from(catalog: Catalog, extracted) -> list[str]:
    missing = []
    for (context, key), (message_id, where) in sorted(extracted.items(), key=lambda item: item[0][1]):
        entry = catalog.get(key, context=context)
        if entry is None or entry.id != (tuple(message_id) if isinstance(message_id, (list, tuple))
                                         else message_id):
            text = " / ".join(message_id) if isinstance(message_id, tuple) else message_id
            missing.append(f"  {text!r}" + (f" (context {context!r})" if context else "")
                           + f" in {', '.join(sorted(where))}")
    return missing


def test_every_message_in_the_code_is_in_the_template(pot, extracted):
    missing = missing_from(pot, extracted)
    assert not missing, f"{len(missing)} message(s) in the code are not in {POT_FILE.name}; {FIX}:\n" \
                        + "\n".join(missing)


def test_every_message_in_the_code_is_in_the_dutch_catalogue(nl, extracted):
    missing = missing_from(nl, extracted)
    assert not missing, f"{len(missing)} message(s) in the code are not in the Dutch catalogue; {FIX}:\n" \
                        + "\n".join(missing)
