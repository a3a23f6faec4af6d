# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_config_settings import company_setting


class ResCompany(models.Model):
    _inherit = "res.company"

    kam_trend_drop_pct = fields.Integer(
        "Purchase Drop Threshold (%)",
        default=20,
        help="The purchase trend highlights a month whose revenue fell by more than this percentage "
        "on the month before or on the same month last year.",
    )

    @api.constrains("kam_trend_drop_pct")
    def _check_kam_trend_drop_pct(self):
        for company in self:
            if not 1 <= company.kam_trend_drop_pct <= 100:
                raise ValidationError(self.env._("The purchase drop threshold is a percentage between 1 and 100."))


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_trend_drop_pct = company_setting(fields.Integer, "Purchase Drop Threshold (%)")
