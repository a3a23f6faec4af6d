# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestKeyAccountTour(HttpCase):
    def test_account_tour(self):
        """A key account user sees the account card and recomputes its tier."""
        user = new_test_user(self.env, "kam_tour_user", groups="key_account_management.group_kam_user")
        self.env["kam.tier"].search([]).active = False
        Tier = self.env["kam.tier"]
        Tier.create({"name": "Tour Tier A", "sequence": 1, "min_revenue": 20000, "min_order_count": 2})
        tier_b = Tier.create({"name": "Tour Tier B", "sequence": 2, "min_revenue": 0})
        account = self.env["res.partner"].create(
            {"name": "Tour Trading Co.", "is_company": True, "kam_is_key_account": True, "kam_manager_id": user.id}
        )
        product = self.env["product.product"].create({"name": "Tour product", "taxes_id": [Command.clear()]})
        today = fields.Date.today()

        def order(amount, days_ago):
            so = self.env["sale.order"].create(
                {
                    "partner_id": account.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": amount, "tax_id": [Command.clear()]})
                    ],
                }
            )
            so.action_confirm()
            so.date_order = datetime.combine(today - relativedelta(days=days_ago), time(12))
            return so

        order(1500, 10)
        order(1000, 400)
        account.action_kam_recompute_tier()
        self.assertEqual(account.kam_tier_id, tier_b)
        order(20000, 1)  # not yet in the figures: the tour recomputes
        self.start_tour("/odoo", "kam_account_tour", login=user.login)
        self.assertEqual(account.kam_tier_id.name, "Tour Tier A")


@tagged("post_install", "-at_install")
class TestInteractionTour(HttpCase):
    def test_interaction_tour(self):
        """Log an interaction from an account and see its next-step activity."""
        user = new_test_user(self.env, "kam_tour_int", groups="key_account_management.group_kam_user", name="KAM Tour")
        account = self.env["res.partner"].create(
            {"name": "Tour Interaction Co.", "is_company": True, "kam_is_key_account": True, "kam_manager_id": user.id}
        )
        self.start_tour(f"/odoo/res.partner/{account.id}", "kam_interaction_tour", login=user.login)
        interaction = self.env["kam.interaction"].search([("partner_id", "=", account.id)])
        self.assertEqual(interaction.name, "Tour quarterly review")
        self.assertEqual(
            (interaction.next_activity_id.res_model, interaction.next_activity_id.res_id),
            ("kam.interaction", interaction.id),
        )
        self.assertEqual(interaction.next_activity_id.user_id, user)


@tagged("post_install", "-at_install")
class TestPlanTour(HttpCase):
    def test_plan_tour(self):
        """Create a plan with an objective and see its progress."""
        user = new_test_user(self.env, "kam_tour_plan", groups="key_account_management.group_kam_user")
        account = self.env["res.partner"].create(
            {"name": "Tour Plan Co.", "is_company": True, "kam_is_key_account": True, "kam_manager_id": user.id}
        )
        product = self.env["product.product"].create({"name": "Plan product", "taxes_id": [Command.clear()]})
        order = self.env["sale.order"].create(
            {
                "partner_id": account.id,
                "order_line": [
                    Command.create({"product_id": product.id, "price_unit": 500, "tax_id": [Command.clear()]})
                ],
            }
        )
        order.action_confirm()
        self.start_tour("/odoo/action-key_account_management.kam_plan_action", "kam_plan_tour", login=user.login)
        plan = self.env["kam.plan"].search([("partner_id", "=", account.id)])
        self.assertEqual(plan.objective_ids.progress, 50.0)


@tagged("post_install", "-at_install")
class TestResponsibilityMatrixTour(HttpCase):
    def test_matrix_tour(self):
        """A key account user fills a gap of the responsibility matrix in place."""
        user = new_test_user(self.env, "kam_tour_matrix", groups="key_account_management.group_kam_user")
        other = new_test_user(self.env, "kam_tour_matrix2", groups="key_account_management.group_kam_user")
        owner = new_test_user(
            self.env, "kam_tour_matrix_owner", groups="key_account_management.group_kam_user", name="Tour Matrix Owner"
        )
        self.env["kam.duty"].search([]).active = False
        duty = self.env["kam.duty"].create({"name": "Tour Matrix Duty", "function": "sales", "required": True})
        Partner = self.env["res.partner"]
        account = Partner.create(
            {"name": "Tour Matrix Co.", "is_company": True, "kam_is_key_account": True, "kam_manager_id": user.id}
        )
        Partner.create(
            {
                "name": "Tour Matrix Hidden Co.",
                "is_company": True,
                "kam_is_key_account": True,
                "kam_manager_id": other.id,
            }
        )
        self.assertTrue(self.env["kam.responsibility.gap"].search([("partner_id", "=", account.id)]))
        self.start_tour(
            "/odoo/action-key_account_management.kam_responsibility_matrix_action", "kam_matrix_tour", login=user.login
        )
        lines = self.env["kam.responsibility"].search([("partner_id", "=", account.id), ("duty_id", "=", duty.id)])
        self.assertEqual(
            [(line.user_id, line.raci, line.state, str(line.deadline)) for line in lines],
            [(owner, "responsible", "confirmed", "2030-12-31"), (owner, "consulted", "confirmed", "False")],
        )
        self.assertFalse(self.env["kam.responsibility.gap"].search([("partner_id", "=", account.id)]))
