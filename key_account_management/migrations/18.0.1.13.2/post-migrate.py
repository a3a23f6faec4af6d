# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.2

A contact of a key account belongs to the account's company (18.0.1.13.1
checks it on every create and write): it carries the account's
key-account values (manager, tier, scope, notes), which the users of
another company, or of every company without one, read. Contacts that
earlier versions left in another company, or in none, get their account's
company through the ORM (Odoo's checks and sync apply). A contact Odoo
refuses to move (a user of another company is attached to it) stays, and
the log names it.

The rules that show key account users the sales orders (and lines) of the
accounts they manage or are in the team of now ask the partner to be a key
account: a partner given a manager or team without the flag (or paused)
opened its orders. Record rules are ``noupdate``: their domains are written
here, as security/ir_rules.xml has them (tests/test_upgrade.py checks it).
"""

import logging
from collections import defaultdict

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

ORDER_RULE_DOMAINS = {
    "kam_sale_order_rule_account": "[('partner_id.commercial_partner_id.kam_is_key_account', '=', True), '|', "
    "('partner_id.commercial_partner_id.kam_manager_id', '=', user.id), "
    "('partner_id.commercial_partner_id.kam_team_user_ids', 'in', user.id)]",
    "kam_sale_order_line_rule_account": "[('order_id.partner_id.commercial_partner_id.kam_is_key_account', '=', True), "
    "'|', ('order_id.partner_id.commercial_partner_id.kam_manager_id', '=', user.id), "
    "('order_id.partner_id.commercial_partner_id.kam_team_user_ids', 'in', user.id)]",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "mail_notrack": True, "tracking_disable": True})
    env.invalidate_all()
    for xmlid, domain in ORDER_RULE_DOMAINS.items():
        rule = env.ref(f"key_account_management.{xmlid}", raise_if_not_found=False)
        if rule:
            rule.write({"domain_force": domain})
    cr.execute(
        """SELECT a.company_id, c.id
             FROM res_partner c
             JOIN res_partner a ON a.id = c.commercial_partner_id
            WHERE c.id != a.id AND a.kam_is_key_account AND a.company_id IS NOT NULL
              AND c.company_id IS DISTINCT FROM a.company_id
         ORDER BY a.company_id, c.id"""
    )
    by_company = defaultdict(list)
    for company_id, contact_id in cr.fetchall():
        by_company[company_id].append(contact_id)
    moved = 0
    for company_id, ids in by_company.items():
        contacts = env["res.partner"].browse(ids)
        try:
            with cr.savepoint():
                contacts.write({"company_id": company_id})
            moved += len(ids)
            continue
        except (UserError, ValidationError):
            env.invalidate_all()
        for contact in contacts:
            try:
                with cr.savepoint():
                    contact.write({"company_id": company_id})
                moved += 1
            except (UserError, ValidationError) as error:
                env.invalidate_all()
                _logger.warning(
                    "key_account_management: contact %s of a key account stays out of its account's company %s: %s",
                    contact.id,
                    company_id,
                    error,
                )
    if moved:
        _logger.info("key_account_management: %s contacts moved to their key account's company", moved)
