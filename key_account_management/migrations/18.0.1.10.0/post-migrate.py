# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.10.0

Profitability risks are read by key account users only (rule
``kam_risk_signal_rule_profit``, 18.0.1.9.0): those answered by, or with an
open activity of, a user without that group (a viewer, before the rule) go to
the account's key account manager (``kam.risk.signal._kam_move_from_viewers``).
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

MODULE = "key_account_management"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    given, cleared, moved, removed = env["kam.risk.signal"]._kam_move_from_viewers()
    if given or cleared or moved or removed:
        _logger.info(
            "%s: profitability risks of users without the key account user group: %s given to the account's "
            "manager, %s left without response owner; their activities: %s moved to the manager, %s removed",
            MODULE,
            given,
            cleared,
            moved,
            removed,
        )
