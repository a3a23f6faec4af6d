# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.1

A record of a key account (interaction, plan, review, preference...)
belongs to its account's company: before, it got the creating user's
current company, or whichever company (or none) a client sent, and was
then read by that company's users, who do not see the account. Records
of an account that belongs to a company are moved to it.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name, model in env.registry.items():
        if (
            name == "kam.account.mixin"
            or not issubclass(model, env.registry["kam.account.mixin"])
            or model._abstract
            or not model._auto
        ):
            continue
        cr.execute(
            SQL(
                """UPDATE %(table)s r SET company_id = p.company_id
                     FROM res_partner p
                    WHERE p.id = r.partner_id AND p.company_id IS NOT NULL
                      AND r.company_id IS DISTINCT FROM p.company_id""",
                table=SQL.identifier(model._table),
            )
        )
        if cr.rowcount:
            _logger.info("key_account_management: %s %s moved to their account's company", cr.rowcount, name)
