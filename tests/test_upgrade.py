"""Updating the module (``-u key_account_management``) keeps the users' data."""

import os
from pathlib import Path
from xml.etree import ElementTree

MODULE = "key_account_management"
DEFAULT_TIERS = ("kam_tier_strategic", "kam_tier_key", "kam_tier_growth")
RENAMED_TIER = "kam_tier_growth"
RENAMED_TO = "Growth (renamed before the update)"

# Runs in `odoo-bin shell` on the copy: a key account with a tier, history rows,
# a default tier renamed by a user; committed.
CREATE_DATA = f"""
Partner = env["res.partner"]
admin = env.ref("base.user_admin")
tier = env.ref("{MODULE}.kam_tier_key")
account = Partner.create({{"name": "Upgrade Test Account", "is_company": True}})
account.write({{"kam_is_key_account": True, "kam_manager_id": admin.id, "kam_tier_id": tier.id}})
History = env["kam.tier.history"]
for reason in ("upgrade test: first", "upgrade test: second"):
    History.create({{
        "partner_id": account.id,
        "old_tier_id": False,
        "new_tier_id": tier.id,
        "change_type": "manual",
        "reason": reason,
    }})
env.ref("{MODULE}.{RENAMED_TIER}").with_context(lang="en_US").name = {RENAMED_TO!r}
# a key account of a version that left it without a company (before 18.0.1.3.0):
# the 18.0.1.4.0 migration gives it its manager's company
shared = Partner.create({{"name": "Upgrade Shared Account", "is_company": True}})
shared.write({{"kam_is_key_account": True, "kam_manager_id": admin.id}})
env.flush_all()
env.cr.execute("UPDATE res_partner SET company_id = NULL WHERE id = %s", [shared.id])
# a risk signal of a version that stored its description as English text (before 18.0.1.8.0):
# the 18.0.1.8.0 migration keeps it as a typed text
signal = env["kam.risk.signal"].sudo().create({{
    "partner_id": account.id, "signal_type": "complaint", "severity": "high", "value": 3, "threshold": 2,
}})
env.flush_all()
env.cr.execute("ALTER TABLE kam_risk_signal ADD COLUMN IF NOT EXISTS description varchar")
env.cr.execute(
    "UPDATE kam_risk_signal SET description = %s, description_data = NULL WHERE id = %s",
    ["3 open complaint(s) (threshold 2).", signal.id],
)
# the weekly digest's body of a version before its new sections (noupdate data), never edited by a user:
# the 18.0.1.9.0 migration loads the shipped one again
env.cr.execute(
    "UPDATE mail_template SET body_html = jsonb_build_object('en_US', '<p>Old digest</p>'), write_uid = 1"
    " WHERE id = %s",
    [env.ref("{MODULE}.mail_template_kam_digest").id],
)
# a profitability risk answered by a viewer (before the rule of 18.0.1.9.0 kept them to key account
# users): the 18.0.1.10.0 migration gives it to the account's key account manager
viewer = env["res.users"].create({{
    "name": "Upgrade Viewer", "login": "upgrade_viewer",
    "groups_id": [(6, 0, [env.ref("base.group_user").id, env.ref("{MODULE}.group_kam_viewer").id])],
}})
profit_signal = env["kam.risk.signal"].sudo().create({{
    "partner_id": account.id, "signal_type": "unprofitable", "severity": "high", "value": -5, "threshold": 0,
}})
env.flush_all()
env.cr.execute(
    "UPDATE kam_risk_signal SET response_user_id = %s, state = 'responding', action_plan = 'Raise prices'"
    " WHERE id = %s",
    [viewer.id, profit_signal.id],
)
# the sales order rules of versions before 18.0.1.13.2 (noupdate data): a manager or team without the
# key-account flag opened the orders; the 18.0.1.13.2 migration writes the rules as the XML has them
for xmlid, path in (("kam_sale_order_rule_account", ""), ("kam_sale_order_line_rule_account", "order_id.")):
    env.ref("{MODULE}." + xmlid).domain_force = (
        f"['|', ('{{path}}partner_id.commercial_partner_id.kam_manager_id', '=', user.id), "
        f"('{{path}}partner_id.commercial_partner_id.kam_team_user_ids', 'in', user.id)]"
    )
# the followers rule of versions before 18.0.1.13.3: every follower of the addon's records
env.ref("{MODULE}.mail_followers_rule_kam_viewer").domain_force = "[(1, '=', 1)]"
env.cr.execute("UPDATE ir_module_module SET latest_version = '18.0.1.3.0' WHERE name = %s", ["{MODULE}"])
# 18.0.1.3.0 ran each job on a scheduled action of its own
for cron in env["ir.cron"].with_context(active_test=False).search([]):
    if cron.get_external_id()[cron.id].startswith("{MODULE}.ir_cron_kam_"):
        cron.active = True
env.cr.commit()
emit({{
    "partner_id": account.id, "shared_id": shared.id, "signal_id": signal.id, "profit_signal_id": profit_signal.id,
    "viewer_id": viewer.id,
}})
"""

READ_STATE = f"""
account = env["res.partner"].browse(int(PARTNER_ID)).exists()
tiers = env["kam.tier"].with_context(active_test=False, lang="en_US").search([])
emit({{
    "exists": bool(account),
    "is_key_account": account.kam_is_key_account,
    "manager_id": account.kam_manager_id.id,
    "tier_id": account.kam_tier_id.id,
    "tier_xmlid": account.kam_tier_id.get_external_id().get(account.kam_tier_id.id),
    "tier_names": {{str(t.id): t.name for t in tiers}},
    "default_tiers": {{
        name: env.ref("{MODULE}." + name, raise_if_not_found=False).id or None
        for name in {DEFAULT_TIERS!r}
    }},
    "history_ids": sorted(env["kam.tier.history"].search([("partner_id", "=", account.id)]).ids),
    "history_total": env["kam.tier.history"].search_count([]),
    "module_state": env["ir.module.module"].search([("name", "=", "{MODULE}")]).state,
    "shared_company_id": env["res.partner"].browse(int(SHARED_ID)).company_id.id,
    "activity_rule_domain": env.ref("{MODULE}.mail_activity_rule_kam_viewer").domain_force,
    "order_rule_domains": {{
        xmlid: env.ref("{MODULE}." + xmlid).domain_force
        for xmlid in ("kam_sale_order_rule_account", "kam_sale_order_line_rule_account")
    }},
    "follower_rule_domain": env.ref("{MODULE}.mail_followers_rule_kam_viewer").domain_force,
    "active_crons": sorted(
        xmlid for cron, xmlid in env["ir.cron"].search([]).get_external_id().items()
        if xmlid.startswith("{MODULE}.")
    ),
    "main_company_id": env.ref("base.main_company").id,
    "digest_body": env.ref("{MODULE}.mail_template_kam_digest").with_context(lang="en_US").body_html,
    "signal_description": env["kam.risk.signal"].sudo().browse(int(SIGNAL_ID)).with_context(lang="en_US").description,
    "profit_owner_id": env["kam.risk.signal"].sudo().browse(int(PROFIT_SIGNAL_ID)).response_user_id.id,
}})
"""


def test_update_keeps_key_account_data(db_copy, odoo_shell, run_odoo, odoo_log_errors):
    db = db_copy(f"kam_upgrade_{os.getpid()}")
    log = "pytest-upgrade.log"

    created = odoo_shell(db, CREATE_DATA, log_name=log)
    read_state = (
        f"PARTNER_ID = {created['partner_id']}\nSHARED_ID = {created['shared_id']}\n"
        f"SIGNAL_ID = {created['signal_id']}\nPROFIT_SIGNAL_ID = {created['profit_signal_id']}\n{READ_STATE}"
    )
    before = odoo_shell(db, read_state, log_name=log)
    assert before["is_key_account"] and before["tier_xmlid"] == f"{MODULE}.kam_tier_key"
    assert before["manager_id"] == 2
    assert len(before["history_ids"]) >= 2
    assert before["tier_names"][str(before["default_tiers"][RENAMED_TIER])] == RENAMED_TO
    assert not before["shared_company_id"]
    assert not before["signal_description"], "the old description column is not read by the new code"
    assert before["digest_body"] == "<p>Old digest</p>"
    assert before["profit_owner_id"] == created["viewer_id"]

    update = run_odoo(["-d", db, "-u", MODULE, "--stop-after-init", "--no-http"], log_name=log, timeout=600)
    assert update.returncode == 0, f"-u {MODULE} exited with {update.returncode}:\n{update.stderr[-4000:]}"
    errors = odoo_log_errors(update.stderr)
    assert not errors, f"-u {MODULE} logged errors (logs/{log}):\n" + "\n".join(errors)

    after = odoo_shell(db, read_state, log_name=log)
    assert after["module_state"] == "installed"
    assert after["exists"], "the key account disappeared"
    assert after["is_key_account"], "the partner is no longer a key account"
    assert after["manager_id"] == before["manager_id"]
    assert (after["tier_id"], after["tier_xmlid"]) == (before["tier_id"], before["tier_xmlid"])
    assert after["default_tiers"] == before["default_tiers"], "default tiers were recreated or removed"
    # Names of every tier unchanged, the one a user renamed included (the
    # default tiers are noupdate data: an update must not reset them).
    assert after["tier_names"] == before["tier_names"]
    assert after["history_ids"] == before["history_ids"]
    assert after["history_total"] == before["history_total"]
    assert after["shared_company_id"] == after["main_company_id"], "the account without company got its manager's"
    # the digest template a user never edited gets the body with the new sections
    for section in ("reorders", "white_space", "coverage", "profit"):
        assert f"digest['{section}']" in after["digest_body"], f"the digest has no section {section}"
    # the description stored as text before 18.0.1.8.0 is kept
    assert after["signal_description"] == "3 open complaint(s) (threshold 2)."
    # the profitability risk a viewer answered is now the account's manager's (18.0.1.10.0)
    assert after["profit_owner_id"] == after["manager_id"]
    # record rules are noupdate: the migration writes the rule that changed, as the XML has it
    xml = ElementTree.parse(Path(__file__).parent.parent / MODULE / "security" / "ir_rules.xml")
    record = xml.find(".//record[@id='mail_activity_rule_kam_viewer']/field[@name='domain_force']")
    assert after["activity_rule_domain"] == record.text
    for xmlid, domain in after["order_rule_domains"].items():
        record = xml.find(f".//record[@id='{xmlid}']/field[@name='domain_force']")
        assert "kam_is_key_account" not in before["order_rule_domains"][xmlid]
        assert domain == record.text, xmlid
    record = xml.find(".//record[@id='mail_followers_rule_kam_viewer']/field[@name='domain_force']")
    assert before["follower_rule_domain"] == "[(1, '=', 1)]"
    assert after["follower_rule_domain"] == record.text
    # one daily pipeline: the jobs' own scheduled actions are deactivated
    assert len(before["active_crons"]) > 1
    # (and the weekly digest, which is no stage of the pipeline, runs on its own)
    assert after["active_crons"] == [f"{MODULE}.ir_cron_kam_daily_pipeline", f"{MODULE}.ir_cron_kam_weekly_digest"]
