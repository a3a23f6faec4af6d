# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_config_settings import company_setting


class ResCompany(models.Model):
    _inherit = "res.company"

    kam_preference_stale_months = fields.Integer(
        "Preference Review Period (months)",
        default=6,
        help="A key-account preference not verified for this many months is marked stale.",
    )

    @api.constrains("kam_preference_stale_months")
    def _check_kam_preference_stale_months(self):
        for company in self:
            if not 1 <= company.kam_preference_stale_months <= 120:
                raise ValidationError(self.env._("The preference review period is between 1 and 120 months."))


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_preference_stale_months = company_setting(fields.Integer, "Preference Review Period (months)")
