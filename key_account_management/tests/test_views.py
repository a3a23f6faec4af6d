# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter

from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged

MODULE = "key_account_management"


@tagged("post_install", "-at_install")
class TestViewLayout(TransactionCase):
    """One inherit per core view, none of the addon's own views: what the
    addon adds to a form is read in one place."""

    def _addon_views(self):
        data = self.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.ui.view")])
        return self.env["ir.ui.view"].with_context(active_test=False).browse(data.mapped("res_id"))

    def test_one_inherit_per_core_view(self):
        views = self._addon_views()
        inherits = views.filtered(lambda view: view.inherit_id and view.mode == "extension")
        own = inherits.filtered(lambda view: view.inherit_id in views)
        self.assertFalse(
            own.mapped("xml_id"), "the addon's own views take their additions in themselves, not in inherits"
        )
        per_parent = Counter(inherits.mapped(lambda view: view.inherit_id.xml_id))
        self.assertEqual(
            {parent: count for parent, count in per_parent.items() if count > 1},
            {},
            "one inherit per core view",
        )
        self.assertIn("base.view_partner_form", per_parent)
        self.assertIn("sale.view_order_form", per_parent)
        self.assertIn("base.res_config_settings_view_form", per_parent)

    def test_partner_form_pages(self):
        """The partner form has a page per area, each with its own groups."""
        kam_user = new_test_user(self.env, "view_kam_user", groups="key_account_management.group_kam_user")
        viewer = new_test_user(
            self.env, "view_kam_viewer", groups="base.group_user,key_account_management.group_kam_viewer"
        )
        salesman = new_test_user(self.env, "view_salesman", groups="sales_team.group_sale_salesman")
        pages = {}
        for name, user in (("user", kam_user), ("viewer", viewer), ("salesman", salesman)):
            arch = etree.fromstring(
                self.env["res.partner"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
            )
            pages[name] = [
                page.get("name") for page in arch.iter("page") if page.get("name", "").startswith(("kam", "key_"))
            ]
            if name == "user":
                buttons = {button.get("name") for button in arch.iter("button")}
                for button in (
                    "action_kam_mark_key_account",
                    "action_kam_recompute_tier",
                    "action_kam_refresh_health",
                    "action_kam_log_interaction",
                    "action_kam_view_interactions",
                    "action_kam_view_tier_history",
                    "action_kam_view_preferences",
                    "action_kam_view_sale_orders",
                    "action_kam_view_health_history",
                    "action_kam_view_risk_signals",
                ):
                    self.assertIn(button, buttons)
        self.assertEqual(
            pages["user"],
            [
                "key_account",
                "kam_contacts",
                "kam_transaction_history",
                "kam_health",
                "kam_white_space",
                "kam_profitability",
                "kam_responsibilities",
            ],
        )
        self.assertEqual(pages["viewer"], ["key_account", "kam_contacts", "kam_transaction_history", "kam_white_space"])
        self.assertEqual(pages["salesman"], [])
