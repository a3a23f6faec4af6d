"""README.rst of each addon is what the OCA generator makes from readme/*.md.

The README.rst files are generated (``make readme``, scripts/gen_readme.sh,
oca-gen-addon-readme vendored in scripts/oca_gen_addon_readme/): this test runs
the generator on a copy of each addon's manifest and fragments and compares the
result with the committed README.rst, byte for byte.

It needs the generator's PyPI dependencies (requirements.txt: click,
pypandoc-binary; docutils and jinja2 come with Odoo). ``make test`` installs
them through scripts/setup.sh; without them the test is skipped.
"""

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("key_account_management", "key_account_management_margin")
HINT = "edit readme/*.md (never README.rst) and run `make readme`"


@pytest.fixture(scope="module")
def generator_deps():
    missing = []
    for module in ("click", "docutils", "jinja2", "pypandoc"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if not missing:
        import pypandoc

        try:
            pypandoc.get_pandoc_path()
        except OSError:
            missing.append("pandoc (pypandoc-binary)")
    if missing:
        pytest.skip(f"oca-gen-addon-readme needs {', '.join(missing)}: pip install -r requirements.txt")


@pytest.mark.parametrize("addon", ADDONS)
def test_readme_is_generated(addon, generator_deps, tmp_path):
    source = ROOT / addon
    assert (source / "readme" / "DESCRIPTION.md").is_file(), f"{addon}/readme/DESCRIPTION.md is missing"
    # The generator writes README.rst (and temporary .rst fragments) next to the
    # fragments: run it on a copy of what it reads.
    copy = tmp_path / addon
    copy.mkdir()
    shutil.copy2(source / "__manifest__.py", copy / "__manifest__.py")
    shutil.copytree(source / "readme", copy / "readme")
    proc = subprocess.run(
        [str(ROOT / "scripts" / "gen_readme.sh"), str(copy)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"the generator failed on {addon}:\n{proc.stdout}\n{proc.stderr}"
    expected = (copy / "README.rst").read_text(encoding="utf-8")
    committed = (source / "README.rst").read_text(encoding="utf-8")
    if committed != expected:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                f"{addon}/README.rst (committed)",
                f"{addon}/README.rst (generated)",
            )
        )
        pytest.fail(f"{addon}/README.rst is not what the generator makes; {HINT}:\n{diff[:6000]}")
