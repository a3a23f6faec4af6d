# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.13.0

The day the health job looks at a key account again (its check day) moves
from a column of ``res_partner`` to its own narrow table,
``kam_health_check``: a daily run moves thousands of these days, each a
rewrite of a wide partner row and of an entry in every one of its indexes.
The days are copied, then the old column goes.
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
    if not cr.fetchone():
        return
    cr.execute(
        """INSERT INTO kam_health_check (partner_id, check_date)
           SELECT id, kam_health_check_date FROM res_partner WHERE kam_health_check_date IS NOT NULL
               ON CONFLICT (partner_id) DO NOTHING"""
    )
    copied = cr.rowcount
    cr.execute("ALTER TABLE res_partner DROP COLUMN kam_health_check_date")
    _logger.info("key_account_management: %s health check days moved to kam_health_check", copied)
