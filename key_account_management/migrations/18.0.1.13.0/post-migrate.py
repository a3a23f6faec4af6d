# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.0

The day the health job looks at a key account again (its check day) moves
from a column of ``res_partner`` to its own narrow table,
``kam_health_check``: a daily run moves thousands of these days, each a
rewrite of a wide partner row and of an entry in every one of its indexes.
The days are copied, then the old column goes; a scored account without
a day (a database from before the check days) gets today's.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'res_partner' AND column_name = 'kam_health_check_date'"""
    )
    if cr.fetchone():
        cr.execute(
            """INSERT INTO kam_health_check (partner_id, check_date)
               SELECT id, kam_health_check_date FROM res_partner WHERE kam_health_check_date IS NOT NULL
                   ON CONFLICT (partner_id) DO NOTHING"""
        )
        _logger.info("key_account_management: %s health check days moved to kam_health_check", cr.rowcount)
        cr.execute("ALTER TABLE res_partner DROP COLUMN kam_health_check_date")
    # a scored account has its check day (the daily run looks again at those never scored only): one
    # without (a database from before the check days) is looked at on the next run
    cr.execute(
        """INSERT INTO kam_health_check (partner_id, check_date)
           SELECT id, CURRENT_DATE FROM res_partner WHERE kam_health_band IS NOT NULL
               ON CONFLICT (partner_id) DO NOTHING"""
    )
    if cr.rowcount:
        _logger.info("key_account_management: %s scored accounts checked again on the next run", cr.rowcount)
