# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.12.0

``res.partner.kam_health_date`` is no longer a column that the health job
stamps on every account it looks at (thousands of partner rows a day, every
key account on a weekly full run): it is the day of the job's last run, on
the accounts it has scored. The old column goes.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE res_partner DROP COLUMN IF EXISTS kam_health_date")
    _logger.info("key_account_management: column res_partner.kam_health_date dropped (now the last health run)")
