# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.1

A record of a key account (interaction, plan, review, preference...)
belongs to its account's company: before, it got the creating user's
current company, or whichever company (or none) a client sent, and was
then read by that company's users, who do not see the account. The
records of an account that belongs to a company go to it, with the lines
that follow them; the rows the daily stages compute are computed again
(``res.partner._kam_move_records_to_company``).
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.invalidate_all()  # (the companies are compared through the ORM, read from the database)
    ids = set()
    for name in env.registry.descendants(["kam.account.mixin"], "_inherit"):
        model = env[name]
        if model._abstract or not model._auto:
            continue
        cr.execute(
            SQL(
                """SELECT DISTINCT r.partner_id FROM %(table)s r JOIN res_partner p ON p.id = r.partner_id
                    WHERE p.company_id IS NOT NULL AND r.company_id IS DISTINCT FROM p.company_id""",
                table=SQL.identifier(model._table),
            )
        )
        ids.update(row[0] for row in cr.fetchall())
    if ids:
        env["res.partner"].browse(sorted(ids))._kam_move_records_to_company()
        _logger.info("key_account_management: the records of %s accounts moved to their account's company", len(ids))
