# Run by `odoo-bin shell` (scripts/run.sh, `make run RUN_LANG=zh_CN`): load the
# language RUN_LANG with the translations of every installed module and set it
# on the demo users (the administrator and the demo user), so that the demo
# database speaks it from the first login. Exits non-zero on an unknown code.
# `env` is given by `odoo-bin shell`.
# ruff: noqa: F821
import os
import sys

code = os.environ.get("RUN_LANG", "").strip()
lang = env["res.lang"].with_context(active_test=False).search([("code", "=", code)]) if code else None
if not lang:
    known = ", ".join(sorted(env["res.lang"].with_context(active_test=False).search([]).mapped("code"))[:200])
    sys.stderr.write(f"[run] ERROR: unknown language code {code!r}; Odoo knows: {known}\n")
    sys.exit(2)
# activates the language and loads the translations of the installed modules (not overwriting any
# translation a user changed)
env["base.language.install"].create({"lang_ids": [(6, 0, lang.ids)], "overwrite": False}).lang_install()
users = env.ref("base.user_admin") | env.ref("base.user_demo", raise_if_not_found=False)
users.write({"lang": code})
env.cr.commit()
print(f"[run] language {code} loaded; {', '.join(users.mapped('login'))} now use it")
