# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.4.0

* Every key account belongs to a company. Key accounts marked before
  18.0.1.3.0 could have no company, and their figures then counted the orders
  of every company. Give them one (their manager's, else the company of most
  of their orders, else the main company) and log what was done, so that an
  administrator can check it.
* The activities the jobs raise on a partner know their account
  (``mail.activity.kam_account_id``): only its team (and the assignee) see
  them. Record rules are ``noupdate`` from this version on, so the rule that
  changed is written here (tests/test_upgrade.py checks it against
  security/ir_rules.xml).
* One daily pipeline (``kam.pipeline``, ``ir_cron_kam_daily_pipeline``) runs
  the jobs in order: their own scheduled actions (noupdate data) are
  deactivated here, kept to run one stage by hand.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

STAGE_CRONS = (
    "ir_cron_kam_recompute_tiers",
    "ir_cron_kam_refresh_trend",
    "ir_cron_kam_health",
    "ir_cron_kam_schedule_reviews",
    "ir_cron_kam_contact_cadence",
    "ir_cron_kam_customer_care",
    # stages added later: the update creates them inactive (and tests/test_upgrade.py, which
    # makes a database of today look like 18.0.1.3.0, finds them active)
    "ir_cron_kam_duties",
    "ir_cron_kam_contact_traffic",
    "ir_cron_kam_white_space",
    "ir_cron_kam_reorder_radar",
    "ir_cron_kam_profitability",
    "ir_cron_kam_relationship_coverage",
)
ACTIVITY_RULE_DOMAIN = (
    "['|', ('kam_account_id', '=', False), '|', ('kam_account_id.kam_manager_id', '=', user.id), "
    "('kam_account_id.kam_team_user_ids', 'in', user.id)]"
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    assigned = env["res.partner"]._kam_assign_missing_companies()
    for partner_id, company_id in sorted(assigned.items()):
        _logger.info("key account %s had no company: it now belongs to company %s", partner_id, company_id)

    cr.execute(
        """UPDATE mail_activity a
              SET kam_account_id = p.commercial_partner_id
             FROM res_partner p
            WHERE a.kam_reason IS NOT NULL AND a.res_model = 'res.partner' AND a.kam_account_id IS NULL
              AND p.id = a.res_id"""
    )
    rule = env.ref("key_account_management.mail_activity_rule_kam_viewer", raise_if_not_found=False)
    if rule:
        rule.write(
            {
                "name": "Key-account activities: key-account roles, those of the accounts of their account teams",
                "domain_force": ACTIVITY_RULE_DOMAIN,
            }
        )
    for xmlid in STAGE_CRONS:
        cron = env.ref(f"key_account_management.{xmlid}", raise_if_not_found=False)
        if cron:
            cron.write(
                {"active": False, "name": cron.name.replace("Key Accounts: ", "Key Accounts (pipeline stage): ")}
            )
