# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboard_tour(self):
        """A key account user opens the dashboard from the Key Accounts menu,
        sees their accounts in each block and clicks through."""
        user = new_test_user(self.env, "kam_tour_dash", groups="key_account_management.group_kam_user")
        other_user = new_test_user(self.env, "kam_tour_dash2", groups="key_account_management.group_kam_user")
        self.env["kam.tier"].search([]).active = False
        Tier = self.env["kam.tier"]
        tier_a = Tier.create({"name": "Tour Dash Tier A", "sequence": 1, "min_revenue": 0})
        tier_b = Tier.create({"name": "Tour Dash Tier B", "sequence": 2, "min_revenue": 0})
        Partner = self.env["res.partner"]

        def account(name, manager):
            return Partner.create(
                {"name": name, "is_company": True, "kam_is_key_account": True, "kam_manager_id": manager.id}
            )

        rising = account("Tour Dash Rising Co.", user)
        falling = account("Tour Dash Falling Co.", user)
        hidden = account("Tour Dash Hidden Co.", other_user)
        product = self.env["product.product"].create({"name": "Dashboard product", "taxes_id": [Command.clear()]})
        today = fields.Date.today()

        def order(partner, amount, days_ago):
            so = self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": amount, "tax_id": [Command.clear()]})
                    ],
                }
            )
            so.action_confirm()
            so.date_order = datetime.combine(today - relativedelta(days=days_ago), time(12))

        order(rising, 2000, 10)
        order(rising, 1000, 400)
        order(falling, 200, 10)
        order(falling, 1000, 400)
        order(hidden, 5000, 10)
        (rising | falling | hidden)._kam_recompute()
        (rising | hidden).kam_tier_id = tier_a
        falling.kam_tier_id = tier_b
        falling.kam_risk_level = "high"
        hidden.kam_risk_level = "high"
        rising.activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=today - relativedelta(days=3), user_id=user.id
        )
        self.env["kam.risk.signal"].create({"partner_id": falling.id, "signal_type": "spend_drop", "severity": "high"})
        plan = self.env["kam.plan"].create(
            {
                "name": "Tour dashboard plan",
                "partner_id": rising.id,
                "date_start": today - relativedelta(days=30),
                "date_end": today + relativedelta(days=335),
                "objective_ids": [Command.create({"name": "Revenue", "metric": "revenue", "target": 1000})],
            }
        )
        plan.action_activate()
        self.start_tour("/odoo", "kam_dashboard_tour", login=user.login)
