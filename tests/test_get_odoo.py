"""``scripts/get_odoo.sh`` (run by ``scripts/setup.sh``): on a fresh machine
without Odoo, setup clones Odoo 18.0 from ``ODOO_GIT_URL``. Tried here with a
local git URL holding a stand-in of the Odoo tree (odoo-bin, odoo/release.py)."""

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "get_odoo.sh"


def _git(*args, cwd):
    subprocess.run(
        ["git", "-c", "user.name=kam", "-c", "user.email=kam@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _odoo_repo(path, version="(18, 0, 0, FINAL, 0, '')", branch="18.0"):
    (path / "odoo").mkdir(parents=True)
    (path / "odoo" / "release.py").write_text(f"version_info = {version}\n")
    odoo_bin = path / "odoo-bin"
    odoo_bin.write_text("#!/usr/bin/env python3\n")
    odoo_bin.chmod(0o755)
    _git("init", "--quiet", "--initial-branch", branch, cwd=path)
    _git("add", ".", cwd=path)
    _git("commit", "--quiet", "-m", "stand-in", cwd=path)
    return f"file://{path}"


def _run(src, url):
    env = dict(os.environ, ODOO_SRC=str(src), ODOO_GIT_URL=url)
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


def test_clones_odoo_when_missing(tmp_path):
    url = _odoo_repo(tmp_path / "repo")
    src = tmp_path / "src" / "odoo-18.0"
    first = _run(src, url)
    assert first.returncode == 0, first.stderr
    assert "cloning branch 18.0" in first.stderr
    assert (src / "odoo-bin").is_file() and (src / "odoo" / "release.py").is_file()
    # there now: used as it is
    again = _run(src, url)
    assert again.returncode == 0, again.stderr
    assert "cloning" not in again.stderr


def test_refuses_another_version(tmp_path):
    url = _odoo_repo(tmp_path / "repo", version="(17, 0, 0, FINAL, 0, '')", branch="18.0")
    result = _run(tmp_path / "odoo", url)
    assert result.returncode != 0
    assert "is not Odoo 18.0" in result.stderr


def test_unreachable_url_leaves_nothing_behind(tmp_path):
    src = tmp_path / "src" / "odoo-18.0"
    result = _run(src, f"file://{tmp_path / 'nowhere'}")
    assert result.returncode != 0
    assert "could not clone" in result.stderr and "ODOO_GIT_URL" in result.stderr
    assert not src.exists()
    assert not [p for p in src.parent.iterdir()], "no partial clone left"
