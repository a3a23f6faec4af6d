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


@tagged("post_install", "-at_install")
class TestFollowedFields(PlanCommon):
    """Fields that follow another record (a checklist line its review, an
    objective its plan, every key-account record its account's manager)
    cannot be given another value: the ORM would store it as sent, and the
    record rules read those columns."""

    def test_lines_stay_with_their_review_and_plan(self):
        today = fields.Date.today()
        review = self.env["kam.review"].create({"partner_id": self.account.id, "date_from": today, "date_to": today})
        line = review.line_ids[:1]
        self.assertTrue(line)
        plan = self._plan([{"name": "Grow", "metric": "revenue", "target": 100}])
        objective = plan.objective_ids
        interaction = (
            self.env["kam.interaction"]
            .with_user(self.kam_user)
            .create({"name": "Call", "partner_id": self.account.id, "channel": "phone"})
        )
        for record, vals in (
            (line, {"partner_id": self.other_account.id}),
            (line, {"company_id": False}),
            (objective, {"partner_id": self.other_account.id, "company_id": False}),
            (objective, {"company_id": False}),
            (interaction, {"kam_manager_id": self.kam_user2.id}),
        ):
            with self.subTest(model=record._name, vals=vals), self.assertRaisesMessage(ValidationError, "follows"):
                record.with_user(self.kam_user).write(vals)
        for record, vals in ((line, {"partner_id": self.other_account.id}), (objective, {"company_id": False})):
            with self.subTest(model=record._name, vals=vals), self.assertRaisesMessage(ValidationError, "follows"):
                record.sudo().write(vals)
        # created with another account: Odoo computes the column from the review (nothing planted)
        planted = (
            self.env["kam.review.line"]
            .with_user(self.kam_user)
            .create({"review_id": review.id, "name": "Planted", "partner_id": self.other_account.id})
        )
        planted.flush_recordset()
        self.env.cr.execute("SELECT partner_id FROM kam_review_line WHERE id = %s", [planted.id])
        self.assertEqual(self.env.cr.fetchone()[0], self.account.id)
        self.env.invalidate_all()
        self.assertEqual((line.partner_id, line.company_id), (self.account, review.company_id))
        self.assertEqual((objective.partner_id, objective.company_id), (self.account, plan.company_id))
        self.assertEqual(interaction.kam_manager_id, self.kam_user)
        self.assertIn(line, review.with_user(self.kam_user).line_ids)
        # the value they follow passes (an import that sends the column back), and the rest is written
        line.with_user(self.kam_user).write({"partner_id": self.account.id, "name": "Checked again"})
        objective.with_user(self.kam_user).write({"company_id": plan.company_id.id, "target": 200})
        self.assertEqual((line.name, objective.target), ("Checked again", 200))
        # nor moved onto another team's review or plan (Odoo checks the rules before the write only)
        other_review = self.env["kam.review"].create(
            {"partner_id": self.other_account.id, "date_from": today, "date_to": today}
        )
        other_plan = self._plan([], user=self.kam_user2, partner_id=self.other_account.id)
        for record, vals in ((line, {"review_id": other_review.id}), (objective, {"plan_id": other_plan.id})):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.kam_user).write(dict(vals, name="Planted"))
        self.assertFalse(other_review.line_ids.filtered(lambda item: item.name == "Planted"))
        self.assertFalse(other_plan.objective_ids)
        new_line = (
            self.env["kam.review.line"]
            .with_user(self.kam_user)
            .create({"review_id": review.id, "name": "Added", "partner_id": self.account.id})
        )
        self.assertEqual(new_line.partner_id, self.account)
