# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from . import kam_interaction_links  # noqa: F401  (the interaction mixin, defined first)


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "kam.interaction.source.mixin"]
    _kam_interaction_field = "lead_id"

    kam_interaction_ids = fields.One2many(
        "kam.interaction", "lead_id", "Key Account Interactions", groups="key_account_management.group_kam_viewer"
    )
