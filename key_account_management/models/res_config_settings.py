# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from .kam_input import check_input


def company_setting(field_class, string, **kwargs):
    """A key-account setting of the company, shown in the settings.

    Not a related field: Odoo writes related settings on the company as soon
    as the settings record is created, before ``execute``; a save refused by
    a constraint of another setting would then keep those. The addon's
    settings are written to the company together, in one ``write`` in
    ``set_values``: a refused save changes none of them.

    Each setting has its own compute function (one compute method for all
    of them would leave the settings not given at create empty)."""

    @api.depends("company_id")
    def compute(settings):
        fname = next(name for name, field in settings._fields.items() if field.compute is compute)
        for record in settings:
            record[fname] = record.company_id[fname]

    compute.kam_company_setting = True
    return field_class(string, compute=compute, store=True, readonly=False, **kwargs)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_trailing_months = company_setting(fields.Integer, "Key Account Trailing Window (months)")
    kam_apply_tier_pricelist = company_setting(fields.Boolean, "Apply Tier Pricelist")

    @api.model
    def _kam_company_settings(self):
        """Names of the key-account settings stored on the company."""
        return [fname for fname, field in self._fields.items() if getattr(field.compute, "kam_company_setting", False)]

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, set(self._kam_company_settings()))
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], set(self._kam_company_settings()))
        return super().write(vals)

    def set_values(self):
        res = super().set_values()
        fnames = self._kam_company_settings()
        for settings in self:
            company = settings.company_id
            vals = {
                fname: company._fields[fname].convert_to_write(settings[fname], company)
                for fname in fnames
                if settings[fname] != company[fname]
            }
            if vals:
                company.write(vals)
        return res
