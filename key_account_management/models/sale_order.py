# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import AccessError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    kam_customer_tier_id = fields.Many2one(
        "kam.tier",
        "Customer Tier",
        related="partner_id.commercial_partner_id.kam_tier_id",
        help="The customer's key account tier today.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_manager_id = fields.Many2one(
        "res.users",
        "Key Account Manager",
        related="partner_id.commercial_partner_id.kam_manager_id",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_is_key_account = fields.Boolean(
        "Key Account Customer",
        related="partner_id.commercial_partner_id.kam_is_key_account",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_tier_id = fields.Many2one(
        "kam.tier",
        "Tier at Confirmation",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The customer's tier when the order was confirmed, to analyse sales by the tier they were won under.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )

    def write(self, vals):
        if "kam_tier_id" in vals and not self.env.su:
            raise AccessError(
                self.env._("The tier at confirmation is recorded when the order is confirmed; it cannot be set.")
            )
        return super().write(vals)

    def _action_confirm(self):
        # sudo: whoever confirms (accountant, portal sign-and-pay) may not read tiers
        by_tier = defaultdict(lambda: self.browse())
        for order in self.sudo():
            by_tier[order.partner_id.commercial_partner_id.kam_tier_id] |= order
        for tier, orders in by_tier.items():
            if tier:
                orders.kam_tier_id = tier
        return super()._action_confirm()
