"""`make run RUN_LANG=zh_CN`: the demo database speaks the language from the
first login (scripts/demo_lang.py, run by scripts/run.sh on the demo database;
here on a copy of the test database, which has the same demo data)."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "demo_lang.py")


def _run_script(run_odoo, odoo_shell_cmd, db, code):
    with open(SCRIPT, encoding="utf-8") as script:
        source = script.read()
    os.environ["RUN_LANG"] = code
    try:
        return run_odoo(
            ["-d", db, "--no-http", "--log-level=warn"],
            base=odoo_shell_cmd,
            stdin=source,
            log_name="pytest-run-lang.log",
            timeout=600,
        )
    finally:
        del os.environ["RUN_LANG"]


def test_run_lang_loads_the_language_for_the_demo_users(db_copy, run_odoo, odoo_shell_cmd, odoo_shell):
    db = db_copy("kam_run_lang")
    proc = _run_script(run_odoo, odoo_shell_cmd, db, "zh_CN")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = odoo_shell(
        db,
        """
lang = env["res.lang"]._lang_get("zh_CN")
users = env.ref("base.user_admin") | env.ref("base.user_demo")
tier = env.ref("key_account_management.kam_tier_strategic").with_context(lang="zh_CN")
festival = env.ref("key_account_management.kam_care_date_spring_festival").with_context(lang="zh_CN")
emit({
    "active": bool(lang and lang.active),
    "langs": users.mapped("lang"),
    "tier": tier.name,
    "festival": festival.name,
    "menu": env.ref("key_account_management.kam_root_menu").with_context(lang="zh_CN").name,
})
""",
    )
    assert result["active"]
    assert result["langs"] == ["zh_CN", "zh_CN"]
    assert result["festival"] == "春节"
    assert result["tier"] != "Strategic", "the addon's data are translated"
    assert result["menu"] != "Key Accounts", "the addon's menus are translated"


def test_run_lang_refuses_an_unknown_code(db_copy, run_odoo, odoo_shell_cmd):
    db = db_copy("kam_run_lang_bad")
    proc = _run_script(run_odoo, odoo_shell_cmd, db, "xx_YY")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "unknown language code 'xx_YY'" in proc.stderr
