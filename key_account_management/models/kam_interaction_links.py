# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .kam_input import search_unsearchable


class KamInteractionSourceMixin(models.AbstractModel):
    """Documents an interaction can be logged from (opportunity, sale
    order): a smart button with the count, "Log an Interaction" and the
    list of the document's interactions."""

    _name = "kam.interaction.source.mixin"
    _description = "Document with key account interactions"
    _kam_interaction_field = None  # field of kam.interaction pointing to the document

    # groups=: kam.interaction is readable by key-account roles only; without
    # it, read() of all fields of an order or a lead (what Odoo's own tests,
    # integrations and exports do) raises AccessError for every other user.
    kam_interaction_count = fields.Integer(
        "Interactions",
        compute="_compute_kam_interaction_count",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    _search_kam_unsearchable = search_unsearchable

    def _compute_kam_interaction_count(self):
        field = self._kam_interaction_field
        counts = dict(self.env["kam.interaction"]._read_group([(field, "in", self.ids)], [field], ["__count"]))
        for record in self:
            record.kam_interaction_count = counts.get(record, 0)

    def action_kam_log_interaction(self):
        self.ensure_one()
        account = self.partner_id.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log an Interaction"),
            "res_model": "kam.interaction",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {
                "default_partner_id": account.id,
                f"default_{self._kam_interaction_field}": self.id,
                "default_name": self.name,
                "default_contact_ids": [self.partner_id.id] if self.partner_id and self.partner_id != account else [],
            },
        }

    def action_kam_view_interactions(self):
        self.ensure_one()
        field = self._kam_interaction_field
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_interaction_action")
        action["domain"] = [(field, "=", self.id)]
        action["context"] = {
            f"default_{field}": self.id,
            "default_partner_id": self.partner_id.commercial_partner_id.id,
        }
        return action
