# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .kam_input import check_input


class ResCompany(models.Model):
    _inherit = "res.company"

    kam_trailing_months = fields.Integer(
        "Key Account Trailing Window (months)",
        default=12,
        help="Length of the trailing window of key-account figures and tiers.",
    )
    kam_apply_tier_pricelist = fields.Boolean(
        "Apply Tier Pricelist", help="When a key account changes tier, set its pricelist to the tier's pricelist."
    )

    @api.constrains("kam_trailing_months")
    def _check_kam_trailing_months(self):
        for company in self:
            if not 1 <= company.kam_trailing_months <= 60:
                raise ValidationError(self.env._("The key account trailing window is between 1 and 60 months."))

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, self._kam_input_fields())
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], self._kam_input_fields())
        return super().write(vals)

    @api.model
    def _kam_input_fields(self):
        """The addon's settings on the company, whose input is checked."""
        cls = type(self)
        if "_kam_input_fnames" not in cls.__dict__:
            cls._kam_input_fnames = frozenset(
                fname for fname, field in self._fields.items() if field._module == "key_account_management"
            )
        return cls._kam_input_fnames
