# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import KamCommon
from .test_analysis import SaleAnalysisCommon


@tagged("post_install", "-at_install")
class TestIncrementalTrendJob(SaleAnalysisCommon):
    """The daily trend run refreshes only the accounts whose orders, tier or
    manager changed since its last run; every account on the first run,
    weekly, on request and when the month rolls over (the months leaving the
    window go for every account)."""

    def _age_everything(self, ago=timedelta(minutes=5)):
        """As if all data were a day older than the last (full) run, ``ago``."""
        cr = self.env.cr
        for table in ("res_partner", "sale_order", "kam_tier_history", "res_company"):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '2 days'")  # noqa: S608
        self.env["kam.job"]._set_last_run("trend", cr.now() - ago, full=True)
        self.env.invalidate_all()

    def _tamper(self, account):
        """Trend rows the job would correct, changed behind its back: they show
        whether the job looked at the account."""
        self.env.cr.execute("UPDATE kam_sale_trend SET revenue = -1 WHERE partner_id = %s", [account.id])
        self.env.invalidate_all()

    def _revenues(self, account):
        rows = self.env["kam.sale.trend"].search([("partner_id", "=", account.id)])
        return {row.date: row.revenue for row in rows}

    def test_daily_run_refreshes_changed_accounts_only(self):
        Trend = self.env["kam.sale.trend"]
        Trend._cron_kam_refresh_trend()  # the first run: every account
        expected = self._revenues(self.other_account)
        self.assertEqual(expected[self.month_b], 1000.0)
        self._age_everything()
        self._tamper(self.account)
        self._tamper(self.other_account)
        self._order(self.account, 100, when=self._at(self.month_b, 20))  # written now: after the last run
        result = Trend._cron_kam_refresh_trend()
        self.assertEqual(result.done, 1, "only the account with a new order")
        self.assertEqual(self._revenues(self.account)[self.month_b], 500.0, "changed: refreshed")
        self.assertEqual(set(self._revenues(self.other_account).values()), {-1.0}, "unchanged: not rewritten")
        # a tier or a manager changed: refreshed
        self.other_account.kam_manager_id = self.kam_user2
        result = Trend._cron_kam_refresh_trend()
        self.assertEqual(self._revenues(self.other_account), expected)
        rows = Trend.search([("partner_id", "=", self.other_account.id)])
        self.assertEqual(set(rows.mapped("kam_manager_id")), {self.kam_user2})
        # a full run on request
        self._tamper(self.account)
        result = Trend._cron_kam_refresh_trend(full=True)
        self.assertEqual(self._revenues(self.account)[self.month_b], 500.0)
        self.assertEqual(result.done, 2)

    def test_weekly_full_run(self):
        Trend = self.env["kam.sale.trend"]
        Trend._cron_kam_refresh_trend()
        expected = self._revenues(self.other_account)
        self._age_everything(timedelta(days=8))  # the last full run is older than a week
        self._tamper(self.other_account)
        Trend._cron_kam_refresh_trend()
        self.assertEqual(self._revenues(self.other_account), expected)

    def test_month_roll_removes_old_months_of_unchanged_accounts(self):
        Trend = self.env["kam.sale.trend"]
        first_shown = self.today.replace(day=1) - relativedelta(months=23)
        self._order(self.other_account, 50, when=self._at(first_shown, 2))
        Trend._cron_kam_refresh_trend()
        self.assertIn(first_shown, self._revenues(self.other_account))
        self._age_everything()
        next_month = self.today.replace(day=1) + relativedelta(months=1)
        result = Trend._cron_kam_refresh_trend(today=next_month)
        self.assertEqual(result.done, 2, "a new running month for every account")
        revenues = self._revenues(self.other_account)
        self.assertNotIn(first_shown, revenues, "the month left the window")
        self.assertEqual(min(revenues), first_shown + relativedelta(months=1))
        self.assertEqual(revenues[next_month], 0.0, "the new running month")
        self.assertEqual(revenues[self.month_b], 1000.0)
        self.assertFalse(Trend.search_count([("date", "<", first_shown + relativedelta(months=1))]))


@tagged("post_install", "-at_install")
class TestReviewJobLooksAtDueAccounts(KamCommon):
    """The review job looks only at the accounts whose review may be due (one
    query), and gives each due account its review once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_b.review_interval_months = 3
        cls.tier_c.review_interval_months = 0
        today = fields.Date.context_today(cls.env["res.partner"])
        cls.account.write({"kam_tier_id": cls.tier_b.id, "kam_key_account_since": today - relativedelta(months=4)})
        cls.other_account.write(
            {"kam_tier_id": cls.tier_b.id, "kam_key_account_since": today - relativedelta(months=1)}
        )

    def test_only_due_accounts_are_looked_at(self):
        Review = self.env["kam.review"]
        due = Review._due_accounts()
        self.assertIn(self.account.id, due)
        self.assertNotIn(self.other_account.id, due, "not due yet: not looked at")
        result = Review._cron_schedule_reviews()
        self.assertEqual(result.done, len(due), "the due accounts, nothing more")
        review = Review.search([("partner_id", "=", self.account.id)])
        self.assertEqual(len(review), 1)
        self.assertEqual(review.user_id, self.kam_user)
        self.assertEqual(len(review.line_ids), 4)
        manual = Review.create({"partner_id": self.other_account.id, "date_from": self.today, "date_to": self.today})
        fields_ = ["sequence", "code", "name", "required", "checked", "partner_id", "company_id"]
        self.assertEqual(
            review.line_ids.read(fields_, load=None),
            [
                dict(values, id=line.id, partner_id=self.account.id)
                for line, values in zip(review.line_ids, manual.line_ids.read(fields_, load=None), strict=True)
            ],
            "the checklist the job inserts is the one of a review created by hand",
        )
        note_fields = ["body", "message_type", "subtype_id", "is_internal", "author_id", "model", "reply_to"]
        self.assertEqual(
            review.message_ids.read(note_fields, load=None),
            [dict(values, id=review.message_ids.id) for values in manual.message_ids.read(note_fields, load=None)],
            "the creation note the job inserts is the one mail.thread logs",
        )
        self.assertIn("created", str(review.message_ids.body))
        manual.unlink()
        self.assertEqual(review.date_from, self.today - relativedelta(months=4))
        self.assertIn(self.kam_user.partner_id, review.message_partner_ids, "the reviewer follows the review")
        self.assertFalse(Review.search([("partner_id", "=", self.other_account.id)]))
        # the open review: no longer due, never a second review
        self.assertNotIn(self.account.id, Review._due_accounts())
        result = Review._cron_schedule_reviews()
        self.assertEqual(Review.search_count([("partner_id", "=", self.account.id)]), 1)
        # done three months ago: due again, from the end of the last review
        review.write({"state": "done", "date_to": self.today - relativedelta(months=3)})
        self.assertIn(self.account.id, Review._due_accounts())
        Review._cron_schedule_reviews()
        new = Review.search([("partner_id", "=", self.account.id), ("state", "=", "planned")])
        self.assertEqual(new.date_from, self.today - relativedelta(months=3))
        # done two months ago: not due
        new.write({"state": "done", "date_to": self.today - relativedelta(months=2)})
        self.assertNotIn(self.account.id, Review._due_accounts())

    def test_no_partner_read_through_the_orm(self):
        """The job selects the due accounts in one query: the number of
        queries does not grow with the accounts that are not due."""
        Review = self.env["kam.review"]
        for i in range(5):
            self._make_account(f"Not due {i}", manager=self.kam_user).write(
                {"kam_tier_id": self.tier_b.id, "kam_key_account_since": self.today}
            )
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            due = Review._due_accounts()
        self.assertIn(self.account.id, due)

    def test_bulk_creation_as_the_orm(self):
        """From BULK_MIN due reviews in a batch, the job creates them in one
        INSERT: the same reviews, checklists, creation notes and reviewer
        following as the ORM path, in the account's data."""
        Review = self.env["kam.review"]
        second = self._make_account("Second due", manager=self.kam_user2)
        second.write({"kam_tier_id": self.tier_b.id, "kam_key_account_since": self.today - relativedelta(months=5)})
        Review._cron_schedule_reviews()  # below BULK_MIN: the ORM
        by_orm = Review.search([("partner_id", "in", (self.account | second).ids)])
        self.assertEqual(len(by_orm), 2)
        review_fields = ["name", "date_from", "date_to", "date_due", "user_id", "state", "company_id"]
        review_fields += ["kam_manager_id", "partner_id", "create_uid", "write_uid"]
        orm_values = by_orm.read(review_fields, load=None)
        line_fields = ["code", "name", "required", "checked", "company_id"]
        orm_lines = [review.line_ids.read(line_fields, load=None) for review in by_orm]
        note_fields = ["body", "message_type", "subtype_id", "is_internal", "author_id", "model", "reply_to"]
        orm_notes = [review.message_ids.read(note_fields, load=None) for review in by_orm]
        orm_followers = [
            {(f.partner_id, frozenset(f.subtype_ids.ids)) for f in review.message_follower_ids} for review in by_orm
        ]
        # the same accounts due again, created in bulk this time
        by_orm.unlink()
        with patch.object(type(Review), "BULK_MIN", 2):
            result = Review._cron_schedule_reviews()
        self.assertEqual(result.done, 2)
        by_sql = Review.search([("partner_id", "in", (self.account | second).ids)])
        self.assertEqual(len(by_sql), 2)
        self.assertEqual(
            [dict(values, id=False) for values in by_sql.read(review_fields, load=None)],
            [dict(values, id=False) for values in orm_values],
        )
        for review, lines, notes, followers in zip(by_sql, orm_lines, orm_notes, orm_followers, strict=True):
            self.assertEqual(
                [dict(line, id=False) for line in review.line_ids.read(line_fields, load=None)],
                [dict(line, id=False) for line in lines],
            )
            self.assertEqual(
                [dict(note, id=False) for note in review.message_ids.read(note_fields, load=None)],
                [dict(note, id=False) for note in notes],
            )
            self.assertEqual(
                {(f.partner_id, frozenset(f.subtype_ids.ids)) for f in review.message_follower_ids}, followers
            )
            self.assertIn(review.user_id.partner_id, review.message_partner_ids, "the reviewer follows")
        # the reviewer can read and work on the review created in bulk
        mine = by_sql.filtered(lambda r: r.user_id == self.kam_user).with_user(self.kam_user)
        mine.action_start()
        self.assertEqual(mine.state, "in_progress")

    def test_reviews_in_the_account_company(self):
        """The job's reviews belong to the account's company (the users of
        that company see them), whichever company the job runs in, by the
        ORM and in bulk."""
        Review = self.env["kam.review"]
        company_b = self.env["res.company"].create({"name": "KAM Review Company B", "currency_id": self.usd.id})
        user_b = new_test_user(
            self.env,
            "kam_review_user_b",
            groups="key_account_management.group_kam_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        accounts = self.env["res.partner"]
        for i in range(3):
            account = self._make_account(f"Company B account {i}", manager=user_b)
            account.write(
                {
                    "company_id": company_b.id,
                    "kam_tier_id": self.tier_b.id,
                    "kam_key_account_since": self.today - relativedelta(months=4),
                }
            )
            accounts |= account
        Review._cron_schedule_reviews()  # the ORM: below BULK_MIN
        by_orm = Review.search([("partner_id", "in", accounts[:1].ids)])
        self.assertEqual(by_orm.company_id, company_b)
        own = Review.search([("partner_id", "=", self.account.id)])
        self.assertEqual(own.company_id, self.env.company, "an account of the job's company")
        by_orm.unlink()
        with patch.object(type(Review), "BULK_MIN", 2):
            Review._cron_schedule_reviews()
        reviews = Review.search([("partner_id", "in", accounts.ids)])
        self.assertEqual(len(reviews), 3)
        self.assertEqual(reviews.company_id, company_b)
        self.assertEqual(reviews.line_ids.company_id, company_b)
        self.assertEqual(Review.with_user(user_b).search([("partner_id", "in", accounts.ids)]), reviews)
