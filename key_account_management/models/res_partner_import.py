# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def get_import_templates(self):
        """Core's customer template plus the key-account one (built by
        scripts/make_import_templates.py)."""
        return super().get_import_templates() + [
            {
                "label": self.env._("Import Template for Key Accounts"),
                "template": "/key_account_management/static/xls/kam_key_accounts.xlsx",
            }
        ]
