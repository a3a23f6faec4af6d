# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class KamHealthCheck(models.Model):
    """The day on which the daily health job (kam.health.engine) looks at a
    key account again even if none of its data changed: a signal threshold
    that days without order or contact cross, or its weekly snapshot.

    A narrow table of its own, written by the job only: it moves a few
    thousand of these days on a daily run at 100,000 accounts, each of
    which, as a column of ``res_partner``, rewrote a row of that wide table
    and an entry in each of its indexes."""

    _name = "kam.health.check"
    _description = "Key Account Health Check Day"
    _log_access = False
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", "Key Account", required=True, ondelete="cascade", readonly=True)
    check_date = fields.Date("Checked Again On", required=True, index=True, readonly=True)

    _sql_constraints = [
        ("partner_uniq", "unique(partner_id)", "There is one health check day per key account."),
    ]
