"""The catalogs say everything the code says, nothing it no longer says, and say it whole.

The code's messages are extracted the way `make messages` does (Babel's extractor, babel.cfg), so a
message added without `make messages`, or a catalog entry whose message the code dropped, fails
here with the command that fixes it. Every entry is translated, not fuzzy, and keeps the fields
({qty}, {day}), Slack's mentions and emoji codes of its English text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.platform import i18n

ROOT = Path(__file__).resolve().parents[2]
FIELD = re.compile(r"(?<!\{)\{(\w*)[^{}]*\}(?!\})")
EMOJI = re.compile(r":[a-z0-9_+-]+:")
SLACK = re.compile(r"<[@#!][^>]*>|`[^`]+`")

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != "en"]


def _method_map() -> list[tuple[str, str]]:
    pairs = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        found = re.fullmatch(r"\[(\w+):\s*(.+)\]", line.strip())
        if found:
            pairs.append((found.group(2), found.group(1)))
    return pairs


def _key(message: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    singular = message[0] if isinstance(message, tuple) else message
    return (context, singular)


@pytest.fixture(scope="module")
def code_messages() -> dict[tuple[str | None, str], str | tuple[str, ...]]:
    found: dict[tuple[str | None, str], str | tuple[str, ...]] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), _method_map(), strip_comment_tags=True
    ):
        found[_key(message, context)] = message
    return found


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with i18n.po_path(lang).open("rb") as source:
        return read_po(source, locale=lang, domain=i18n.DOMAIN)


def test_the_code_has_messages_to_translate(code_messages: dict[object, object]) -> None:
    # The extractor finds the messages where they are written, in the views and the services.
    keys = {key for _context, key in code_messages}  # type: ignore[misc]
    assert "and {n} more" in keys
    assert len(code_messages) > 20


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalog_has_every_message_of_the_code_and_no_other(
    lang: str, code_messages: dict[tuple[str | None, str], object]
) -> None:
    catalog = _catalog(lang)
    in_catalog = {_key(m.id, m.context) for m in catalog if m.id}
    missing = sorted(k for _c, k in set(code_messages) - in_catalog)
    stale = sorted(k for _c, k in in_catalog - set(code_messages))
    assert not missing, f"{lang} lacks {len(missing)}, e.g. {missing[:5]}: run make messages"
    assert not stale, f"{lang} keeps {len(stale)} dropped, e.g. {stale[:5]}: run make messages"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_whole(lang: str) -> None:
    problems = []
    for message in _catalog(lang):
        if not message.id:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"not translated: {english[0]!r}")
            continue
        fields = {f for text in english for f in FIELD.findall(text)}
        emoji = {e for text in english for e in EMOJI.findall(text)}
        slack = {s for text in english for s in SLACK.findall(text) if not s.startswith("`")}
        for text in strings:
            if set(FIELD.findall(text)) != fields:
                problems.append(f"fields differ: {english[0]!r} -> {text!r}")
            if not emoji <= set(EMOJI.findall(text)):
                problems.append(f"emoji lost: {english[0]!r} -> {text!r}")
            if not slack <= set(SLACK.findall(text)):
                problems.append(f"Slack markup lost: {english[0]!r} -> {text!r}")
            try:
                text.format(**{f: "x" for f in fields if f})
            except (KeyError, IndexError, ValueError) as error:
                problems.append(f"does not format ({error}): {text!r}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_complete_catalog_says_so(lang: str) -> None:
    catalog = i18n.catalog(lang)
    assert catalog.messages > 0
    assert catalog.complete
    assert not i18n.incomplete(lang)


def test_messages_are_literal_strings_so_the_extractor_sees_them() -> None:
    # _(f"…"), _(a + b) or _("…".format()) would be looked up as a text no catalog can hold.
    # A constant (`_(USAGE)`, `_(KINDS[kind])`) is fine: it was marked N_("…") where written,
    # and the catalogs hold it.
    wrong = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                literal_args = {"_": 1, "N_": 1, "ngettext": 2, "pgettext": 2}.get(node.func.id)
                if literal_args is None:
                    continue
                for arg in node.args[:literal_args]:
                    literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    constant = isinstance(arg, ast.Name | ast.Subscript | ast.Attribute)
                    if not (literal or (constant and node.func.id == "_")):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, f"messages that are not literal strings: {wrong}"
