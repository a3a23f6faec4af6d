# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import KamCommon


class PlanCommon(KamCommon):
    """A plan helper, shared with key_account_management_margin."""

    def _plan(self, objectives, user=None, **vals):
        today = fields.Date.today()
        values = {
            "name": "Plan",
            "partner_id": self.account.id,
            "date_start": today - timedelta(days=90),
            "date_end": today + timedelta(days=90),
            "objective_ids": [Command.create(o) for o in objectives],
        }
        values.update(vals)
        return self.env["kam.plan"].with_user(user or self.kam_user).create(values)


@tagged("post_install", "-at_install")
class TestPlan(PlanCommon):
    """Plans and objectives (the gross margin metric:
    key_account_management_margin)."""

    def test_objectives_measured_from_orders_and_interactions(self):
        self._order(self.account, 3000, days_ago=10)
        self._order(self.contact, 1000, days_ago=20, pricelist=self.pricelist_other)  # 1000 KMX = 2000
        self._order(self.account, 9999, days_ago=120)  # before the plan: baseline
        cancelled = self._order(self.account, 7777, days_ago=5)
        cancelled._action_cancel()
        self.env["kam.interaction"].create(
            [
                {"partner_id": self.account.id, "name": "QBR", "channel": "meeting", "satisfaction": 4},
                {"partner_id": self.account.id, "name": "Call", "channel": "phone", "satisfaction": 2},
            ]
        )
        plan = self._plan(
            [
                {"name": "Grow", "metric": "revenue", "target": 10000},
                {"name": "Orders", "metric": "order_count", "target": 4},
                {"name": "Happy", "metric": "satisfaction", "target": 4},
                {"name": "Touch", "metric": "interactions", "target": 4},
                {"name": "Case study", "metric": "custom", "target": 1, "manual_actual": 1},
            ]
        )
        by_name = {o.name: o for o in plan.objective_ids}
        self.assertEqual(by_name["Grow"].actual, 5000)
        self.assertEqual(by_name["Grow"].progress, 50.0)
        self.assertEqual(by_name["Orders"].actual, 2)
        self.assertEqual(by_name["Happy"].actual, 3.0)
        self.assertEqual(by_name["Touch"].actual, 2)
        self.assertEqual(by_name["Case study"].progress, 100.0)
        self.assertEqual(by_name["Case study"].status, "achieved")
        # half the period is gone, half the revenue is there: on track; 2 of 4 orders too
        self.assertIn(by_name["Grow"].status, ("on_track", "at_risk"))
        self.assertEqual(by_name["Touch"].status, "at_risk", "2 of 4 interactions after half of the period + 1 day")
        plan.with_user(self.kam_user).action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(by_name["Grow"].baseline, 9999, "the same length of time before the plan")
        self.assertAlmostEqual(plan.progress, sum(plan.objective_ids.mapped("progress")) / 5)
        plan.with_user(self.kam_user).action_close()
        self._order(self.account, 50000, days_ago=1)
        plan.objective_ids.invalidate_recordset()
        self.assertEqual(by_name["Grow"].actual, 5000, "closed plans keep their final values")
        self.assertEqual(by_name["Grow"].status, "missed")

    def test_state_checks_and_bad_input(self):
        plan = self._plan([])
        with self.assertRaisesMessage(UserError, "at least one objective"):
            plan.action_activate()
        with self.assertRaisesMessage(UserError, "Only an active plan"):
            plan.action_close()
        with self.assertRaisesMessage(ValidationError, "ends before it starts"):
            self._plan([], date_end=fields.Date.today() - timedelta(days=365))
        with self.assertRaisesMessage(ValidationError, "target must be positive"):
            self._plan([{"name": "Bad", "metric": "revenue", "target": -5}])
        with self.assertRaisesMessage(ValidationError, "between 1 and 5"):
            self._plan([{"name": "Bad", "metric": "satisfaction", "target": 6}])
        self.assertEqual(self.env["kam.plan"].search_count([("partner_id", "=", self.account.id)]), 1)

    def test_access(self):
        plan = self._plan([{"name": "Grow", "metric": "revenue", "target": 1}])
        with self.assertRaises(AccessError):
            plan.with_user(self.kam_user2).read(["name"])
        with self.assertRaises(AccessError):
            self._plan([], user=self.kam_user2)
        with self.assertRaises(AccessError):
            self.env["kam.plan"].with_user(self.salesman).search([])
        self.assertEqual(plan.with_user(self.kam_manager).name, "Plan")
