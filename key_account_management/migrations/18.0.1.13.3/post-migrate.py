# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.3

The key-account roles saw the followers of every record of the addon (which
interactions, competitor notes, plans or risks exist on other teams'
accounts, and who follows them); they now see those of the records they may
read. Record rules are ``noupdate``: the domain is written here, as
security/ir_rules.xml has it (tests/test_upgrade.py checks it).
"""

from odoo import SUPERUSER_ID, api

FOLLOWER_RULE_DOMAINS = {
    "mail_followers_rule_kam_viewer": "[('kam_readable_by', '=', user.id)]",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    for xmlid, domain in FOLLOWER_RULE_DOMAINS.items():
        rule = env.ref(f"key_account_management.{xmlid}", raise_if_not_found=False)
        if rule:
            rule.write({"domain_force": domain})
