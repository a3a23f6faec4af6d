# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    kam_interaction_ids = fields.One2many("kam.interaction", "lead_id", "Key Account Interactions")
    kam_interaction_count = fields.Integer(compute="_compute_kam_interaction_count")

    def _compute_kam_interaction_count(self):
        counts = dict(self.env["kam.interaction"]._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.kam_interaction_count = counts.get(lead, 0)

    def action_kam_log_interaction(self):
        self.ensure_one()
        account = self.partner_id.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": _("Log an Interaction"),
            "res_model": "kam.interaction",
            "view_mode": "form",
            "context": {
                "default_partner_id": account.id,
                "default_lead_id": self.id,
                "default_name": self.name,
                "default_contact_ids": [self.partner_id.id] if self.partner_id and self.partner_id != account else [],
            },
        }

    def action_kam_view_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_interaction_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"default_lead_id": self.id, "default_partner_id": self.partner_id.commercial_partner_id.id}
        return action


class SaleOrder(models.Model):
    _inherit = "sale.order"

    kam_interaction_ids = fields.One2many("kam.interaction", "sale_order_id", "Key Account Interactions")
    kam_interaction_count = fields.Integer(compute="_compute_kam_interaction_count")

    def _compute_kam_interaction_count(self):
        counts = dict(
            self.env["kam.interaction"]._read_group([("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"])
        )
        for order in self:
            order.kam_interaction_count = counts.get(order, 0)

    def action_kam_log_interaction(self):
        self.ensure_one()
        account = self.partner_id.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": _("Log an Interaction"),
            "res_model": "kam.interaction",
            "view_mode": "form",
            "context": {
                "default_partner_id": account.id,
                "default_sale_order_id": self.id,
                "default_name": self.name,
                "default_contact_ids": [self.partner_id.id] if self.partner_id != account else [],
            },
        }

    def action_kam_view_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_interaction_action")
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"default_sale_order_id": self.id, "default_partner_id": self.partner_id.commercial_partner_id.id}
        return action
