# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestReview(KamCommon):
    def test_scheduling_by_tier_interval(self):
        today = fields.Date.today()
        self.tier_b.review_interval_months = 3
        self.tier_c.review_interval_months = 0
        manager = self.account.with_user(self.kam_manager)
        manager.write({"kam_tier_id": self.tier_b.id, "kam_key_account_since": today - relativedelta(months=4)})
        self.other_account.with_user(self.kam_manager).write(
            {"kam_tier_id": self.tier_b.id, "kam_key_account_since": today - relativedelta(months=1)}
        )
        Review = self.env["kam.review"]
        Review._cron_schedule_reviews(batch_size=1)
        review = Review.search([("partner_id", "=", self.account.id)])
        self.assertEqual(len(review), 1, "due: key account for 4 months, quarterly reviews")
        self.assertEqual(review.user_id, self.kam_user)
        self.assertEqual(len(review.line_ids), 4)
        self.assertFalse(Review.search([("partner_id", "=", self.other_account.id)]), "not due yet")
        Review._cron_schedule_reviews()
        self.assertEqual(Review.search_count([("partner_id", "=", self.account.id)]), 1, "one open review at most")

    def test_completion(self):
        self._order(self.account, 4000)
        self.account.with_user(self.kam_user).action_kam_recompute_tier()
        today = fields.Date.today()
        review = (
            self.env["kam.review"]
            .with_user(self.kam_user)
            .create({"partner_id": self.account.id, "date_from": today - relativedelta(months=3), "date_to": today})
        )
        review.action_start()
        review.line_ids[:3].write({"checked": True})
        self.assertEqual(review.line_ids[0].checked_by_id, self.kam_user)
        with self.assertRaisesMessage(ValidationError, "Check the required lines"):
            review.action_done()
        self.assertEqual(review.state, "in_progress")
        self.assertFalse(self.account.kam_profile_verified_on)
        review.line_ids.write({"checked": True})
        review.action_done()
        self.assertEqual(review.state, "done")
        self.assertEqual(self.account.kam_profile_verified_on, today)
        self.assertEqual(review.snapshot_revenue, 4000)
        self.assertEqual(review.snapshot_tier_id, self.tier_c)

    def test_bad_input_and_access(self):
        today = fields.Date.today()
        with self.assertRaisesMessage(ValidationError, "ends before it starts"):
            self.env["kam.review"].create(
                {"partner_id": self.account.id, "date_from": today, "date_to": today - relativedelta(days=1)}
            )
        review = self.env["kam.review"].create({"partner_id": self.account.id, "date_from": today, "date_to": today})
        with self.assertRaises(AccessError):
            review.with_user(self.kam_user2).read(["name"])
        with self.assertRaises(AccessError):
            self.env["kam.review"].with_user(self.salesman).search([])
