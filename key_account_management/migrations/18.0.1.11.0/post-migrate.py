# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.11.0

The relationship coverage rows carry the next day on which days passing
alone change them (``kam.relationship.next_change_date``): the daily run
dates those and the rows of the accounts it learnt again, not every row. The
rows of a database upgraded get that day from one dating of every row.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

MODULE = "key_account_management"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    changed = env["kam.coverage.engine"]._date_rows()
    env["kam.coverage.engine"]._write_counts(changed)
    _logger.info("%s: relationship coverage rows dated again (%s accounts' flags changed)", MODULE, len(changed))
