# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    kam_preference_ids = fields.One2many(
        "kam.preference",
        "partner_id",
        "Preferences",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_preference_count = fields.Integer(
        "Preference Count",
        compute="_compute_kam_preference_count",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    @api.depends("kam_preference_ids", "commercial_partner_id.kam_preference_ids")
    @api.depends_context("uid")
    def _compute_kam_preference_count(self):
        """Preferences of the partner's account the current user may read
        (one grouped query; contacts show their company's)."""
        counts = dict(
            self.env["kam.preference"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.kam_preference_count = counts.get(partner.commercial_partner_id, 0)

    def action_kam_view_preferences(self):
        self.ensure_one()
        account = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_preference_action")
        action["domain"] = [("partner_id", "=", account.id)]
        action["context"] = {"default_partner_id": account.id, "search_default_group_category": 1}
        return action
