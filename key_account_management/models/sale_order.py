# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from . import kam_interaction_links  # noqa: F401  (the interaction mixin, defined first)

ACK_FIELDS = ("kam_preference_ack_user_id", "kam_preference_ack_date")


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "kam.interaction.source.mixin"]
    _kam_interaction_field = "sale_order_id"

    kam_interaction_ids = fields.One2many(
        "kam.interaction", "sale_order_id", "Key Account Interactions", groups="key_account_management.group_kam_viewer"
    )
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

    def init(self):
        res = super().init()
        # the daily tier job looks for the orders changed since its last run
        tools.create_index(self.env.cr, "sale_order_kam_write_date_index", self._table, ["write_date"])
        return res

    def _action_confirm(self):
        # sudo: whoever confirms (accountant, portal sign-and-pay) may not read tiers
        # (and the tier at confirmation is a figure: only sudo writes it)
        by_tier = defaultdict(lambda: self.sudo().browse())
        for order in self.sudo():
            by_tier[order.partner_id.commercial_partner_id.kam_tier_id] |= order
        for tier, orders in by_tier.items():
            if tier:
                orders.kam_tier_id = tier
        return super()._action_confirm()

    # ------------------------------------------------------------------
    # Preferences on the order
    # ------------------------------------------------------------------
    kam_preference_ids = fields.Many2many(
        "kam.preference",
        string="Customer Preferences",
        compute="_compute_kam_preferences",
        help="Preferences of the key account that apply to this order (general ones and those of its products), "
        "among those you may read.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    kam_preference_hidden_critical_count = fields.Integer(
        "Confidential Critical Preferences",
        compute="_compute_kam_preferences",
        help="Critical preferences that apply to this order but are confidential to the account team.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    kam_preference_ack_required = fields.Boolean(
        "Preferences to Acknowledge",
        compute="_compute_kam_preferences",
        help="Critical preferences apply and nobody acknowledged them on this order yet.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    kam_preference_ack_user_id = fields.Many2one(
        "res.users",
        "Preferences Acknowledged By",
        readonly=True,
        copy=False,
        tracking=True,
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )

    kam_preference_ack_date = fields.Datetime(
        "Preferences Acknowledged On",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )

    @api.depends("partner_id", "company_id", "order_line.product_id", "kam_preference_ack_user_id")
    @api.depends_context("uid")
    def _compute_kam_preferences(self):
        applicable = self._kam_applicable_preferences()
        all_prefs = self.env["kam.preference"].sudo().union(*applicable.values())
        visible = all_prefs if self.env.su else all_prefs.with_env(self.env)._filtered_access("read")
        visible_ids = set(visible.ids)
        for order in self:
            prefs = applicable.get(order, all_prefs.browse())
            critical = prefs.filtered(lambda p: p.importance == "critical")
            order.kam_preference_ids = prefs.filtered(lambda p: p.id in visible_ids).with_env(self.env)
            order.kam_preference_hidden_critical_count = len(critical.filtered(lambda p: p.id not in visible_ids))
            order.kam_preference_ack_required = bool(critical) and not order.kam_preference_ack_user_id

    def _kam_applicable_preferences(self):
        """{order: preferences (sudo) of its key account that apply to it},
        most important first: active ones of the order's company (or of no
        company) that are general, or for a product of the order, or for the
        category (or a parent category) of one of its products.

        One search for the accounts of all orders, none per order or line.
        """
        # sudo: called for every user who confirms or edits an order (accountants, portal
        # sign-and-pay), whether or not they may read key-account fields
        self = self.sudo()
        accounts = self.partner_id.commercial_partner_id.filtered("kam_is_key_account")
        if not accounts:
            return {}
        prefs = self.env["kam.preference"].sudo().search([("partner_id", "in", accounts.ids)])
        by_account = defaultdict(lambda: prefs.browse())
        for pref in prefs:
            by_account[pref.partner_id] |= pref
        result = {}
        for order in self:
            candidates = by_account.get(order.partner_id.commercial_partner_id)
            if not candidates:
                continue
            products = order.order_line.product_id
            company = order.company_id
            result[order] = candidates.filtered(
                lambda p, products=products, company=company: (
                    (not p.company_id or p.company_id == company) and p._applies_to_products(products)
                )
            )._sorted_by_importance()
        return result

    def _kam_critical_preferences(self):
        self.ensure_one()
        prefs = self._kam_applicable_preferences().get(self)
        return prefs.filtered(lambda p: p.importance == "critical") if prefs else self.env["kam.preference"]

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error or self.sudo().kam_preference_ack_user_id:
            return error
        critical = self._kam_critical_preferences()
        if not critical:
            return False
        user = self.env.user
        if self.env.su or user._is_superuser() or not user._is_internal():
            # confirmed in sudo (a customer signing or paying on the portal, an automated flow): the
            # person behind it may be the customer; name nothing
            return self.env._(
                "%(order)s cannot be confirmed yet: our account team must first check it against the "
                "customer's requirements. Please contact your sales representative.",
                order=self.name,
            )
        # the message names only what the user may read
        visible = critical.with_user(user)._filtered_access("read")
        lines = [f"- {pref.sudo().display_name}" for pref in visible]
        hidden = len(critical - visible)
        if hidden:
            lines.append(
                self.env._(
                    "- %(count)s confidential critical preference(s): ask the key account manager (%(manager)s) "
                    "to acknowledge the preferences on this order.",
                    count=hidden,
                    manager=self.sudo().partner_id.commercial_partner_id.kam_manager_id.name or self.env._("none set"),
                )
            )
        return self.env._(
            "%(order)s cannot be confirmed yet: critical preferences of %(account)s apply and nobody acknowledged "
            "them. Read them and click “Acknowledge Preferences” first:\n%(prefs)s",
            order=self.name,
            account=self.partner_id.commercial_partner_id.display_name,
            prefs="\n".join(lines),
        )

    def write(self, vals):
        if not self.env.su:
            if "kam_tier_id" in vals:
                raise AccessError(
                    self.env._("The tier at confirmation is recorded when the order is confirmed; it cannot be set.")
                )
            if vals.keys() & set(ACK_FIELDS):
                raise AccessError(
                    self.env._(
                        "Preferences are acknowledged with the “Acknowledge Preferences” button, "
                        "not by writing the fields."
                    )
                )
        if "partner_id" in vals and not self.env.context.get("kam_keep_preference_ack"):
            new_account = self.env["res.partner"].browse(vals["partner_id"]).commercial_partner_id
            self.sudo().filtered(
                lambda o: o.kam_preference_ack_user_id and o.partner_id.commercial_partner_id != new_account
            )._kam_reset_preference_ack()
        return super().write(vals)

    def _kam_reset_preference_ack(self):
        """Orders whose customer or products changed: their critical
        preferences must be acknowledged again."""
        orders = self.sudo().filtered(lambda o: o.kam_preference_ack_user_id and o.state in ("draft", "sent"))
        if orders:
            orders.with_context(kam_keep_preference_ack=True).write(dict.fromkeys(ACK_FIELDS, False))

    def action_kam_acknowledge_preferences(self):
        """The current user read the critical preferences that apply to the
        order. Only someone who may read all of them can acknowledge: when
        some are confidential, the account's manager or team (or a key
        account manager)."""
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(self.env._("%s is already confirmed or cancelled: nothing to acknowledge.", order.name))
            critical = order._kam_critical_preferences()
            if not critical:
                raise UserError(self.env._("No critical preference applies to %s: nothing to acknowledge.", order.name))
            hidden = critical - critical.with_env(self.env)._filtered_access("read")
            if hidden:
                raise UserError(
                    self.env._(
                        "%(count)s confidential critical preference(s) of %(account)s apply to %(order)s and you "
                        "cannot read them. Ask the key account manager (%(manager)s) to acknowledge the "
                        "preferences on this order.",
                        count=len(hidden),
                        account=order.partner_id.commercial_partner_id.display_name,
                        order=order.name,
                        manager=order.partner_id.commercial_partner_id.kam_manager_id.name or self.env._("none set"),
                    )
                )
            order.sudo().write(
                {"kam_preference_ack_user_id": self.env.user.id, "kam_preference_ack_date": fields.Datetime.now()}
            )
            # the chatter is read by everyone who sees the order (accountants included): it says
            # how many were acknowledged, never what they say
            order.message_post(
                body=self.env._("%s critical customer preference(s) acknowledged.", len(critical)),
                subtype_xmlid="mail.mt_note",
            )
        return True


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.filtered("product_id").order_id._kam_reset_preference_ack()
        return lines

    def write(self, vals):
        if "product_id" in vals:
            self.filtered(lambda line: line.product_id.id != vals["product_id"]).order_id._kam_reset_preference_ack()
        return super().write(vals)

    def unlink(self):
        orders = self.filtered("product_id").order_id
        res = super().unlink()
        orders.exists()._kam_reset_preference_ack()
        return res
