"""Translations: the committed template is current and zh_CN translates all of it.

Regenerate both with ``scripts/i18n_export.sh`` (see README.rst).
"""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE = "key_account_management"
I18N = ROOT / MODULE / "i18n"
HINT = "run scripts/i18n_export.sh, then translate what is new in zh_CN.po"
# printf-style placeholders used by _() / _t(): %s, %d, %(name)s ...
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]")


def _entries(po):
    return {entry.msgid: entry for entry in po if not entry.obsolete}


@pytest.fixture(scope="module")
def fresh_export(tmp_path_factory, test_db, run_odoo):
    """The template exported now from the test database (the module's code and data)."""
    target = tmp_path_factory.mktemp("i18n") / f"{MODULE}.pot"
    proc = run_odoo(
        ["-d", test_db, f"--i18n-export={target}", f"--modules={MODULE}", "--stop-after-init", "--no-http"],
        log_name="pytest-i18n.log",
        timeout=600,
    )
    assert proc.returncode == 0 and target.is_file(), f"--i18n-export failed:\n{proc.stderr[-4000:]}"
    entries = _entries(polib.pofile(str(target)))
    assert entries, f"the export of {MODULE} has no terms"
    return entries


def _diff(label_a, a, label_b, b):
    lines = []
    for label, keys in ((f"only in {label_a}", a - b), (f"only in {label_b}", b - a)):
        if keys:
            lines.append(f"{len(keys)} msgid(s) {label}:")
            lines.extend(f"    {key[:100]!r}" for key in sorted(keys)[:20])
    return "\n".join(lines)


def test_pot_matches_fresh_export(fresh_export):
    pot = I18N / f"{MODULE}.pot"
    assert pot.is_file(), f"{pot.relative_to(ROOT)} is missing; {HINT}"
    committed = set(_entries(polib.pofile(str(pot))))
    exported = set(fresh_export)
    assert committed == exported, f"{pot.relative_to(ROOT)} is out of date; {HINT}\n" + _diff(
        "the .pot", committed, "the export", exported
    )


def test_zh_cn_translates_every_msgid(fresh_export):
    po_path = I18N / "zh_CN.po"
    assert po_path.is_file(), f"{po_path.relative_to(ROOT)} is missing; {HINT}"
    po = _entries(polib.pofile(str(po_path)))
    missing = sorted(msgid for msgid in fresh_export if msgid not in po)
    empty = sorted(msgid for msgid in fresh_export if msgid in po and not po[msgid].msgstr.strip())
    fuzzy = sorted(msgid for msgid, entry in po.items() if "fuzzy" in entry.flags)
    problems = []
    for label, msgids in (("not in zh_CN.po", missing), ("untranslated", empty), ("fuzzy", fuzzy)):
        if msgids:
            problems.append(f"{len(msgids)} msgid(s) {label}:")
            problems.extend(f"    {msgid[:100]!r}" for msgid in msgids[:20])
    assert not problems, f"zh_CN.po is incomplete; {HINT}\n" + "\n".join(problems)


def test_zh_cn_keeps_placeholders():
    """A translation that drops or adds a %s / %(name)s breaks the string formatting."""
    po_path = I18N / "zh_CN.po"
    assert po_path.is_file(), f"{po_path.relative_to(ROOT)} is missing; {HINT}"
    wrong = [
        (entry.msgid, entry.msgstr)
        for entry in _entries(polib.pofile(str(po_path))).values()
        if entry.msgstr and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr))
    ]
    assert not wrong, "translations whose placeholders differ from the source:\n" + "\n".join(
        f"    {msgid[:80]!r} -> {msgstr[:80]!r}" for msgid, msgstr in wrong[:20]
    )
