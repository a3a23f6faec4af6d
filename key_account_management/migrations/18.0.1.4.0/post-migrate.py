# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.4.0: every key account belongs to a company.

Key accounts marked before 18.0.1.3.0 could have no company, and their
figures then counted the orders of every company. Give them one (their
manager's, else the company of most of their orders, else the main company)
and log what was done, so that an administrator can check it.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    assigned = env["res.partner"]._kam_assign_missing_companies()
    for partner_id, company_id in sorted(assigned.items()):
        _logger.info("key account %s had no company: it now belongs to company %s", partner_id, company_id)
