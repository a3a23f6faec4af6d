# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.kam_cadence_engine import CARE_DATE_COLUMNS, month_day_sql
from ..models.kam_care_date import gregorian_occurrences, lunar_occurrences
from .common import KamCommon

NOW = datetime(2025, 3, 10, 9, 0)


def occurrence_in_window(month, day, today, days):
    """Date of the next ``month``/``day`` occasion within ``[today, today +
    days]``, or None (the care dates' rule: Feb 29 on Feb 28 in other years)."""
    occurrences = gregorian_occurrences(month, day, today, today + timedelta(days=days))
    return occurrences[0][0] if occurrences else None


class CadenceCommon(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.kam_care_days_before = 7
        # holidays of the data would interfere with the dates of these tests
        cls.env["kam.care.date"].search([]).active = False
        (cls.account | cls.other_account).kam_tier_id = cls.tier_c  # 30 days by default

    def _care(self, today):
        """The care reminders of the two accounts after the care job ran on ``today``."""
        with freeze_time(today):
            self.env["res.partner"]._cron_kam_customer_care()
        return self._activities(self.account | self.other_account, active=False).filtered(
            lambda a: a.kam_reason.startswith("care:")
        )

    def _activities(self, partners, reason=None, active=True):
        domain = [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        if reason:
            domain.append(("kam_reason", "=", reason))
        Activity = self.env["mail.activity"].with_context(active_test=active)
        return Activity.search(domain + [("kam_reason", "!=", False)])

    def _contacted(self, partner, days_ago, now=NOW):
        partner.kam_last_interaction_date = now - timedelta(days=days_ago)


@tagged("post_install", "-at_install")
class TestCadence(CadenceCommon):
    @freeze_time(NOW)
    def test_overdue_account_gets_one_follow_up(self):
        self._contacted(self.account, 40)
        self._contacted(self.other_account, 5)
        self.assertTrue(self.account.kam_contact_overdue)
        self.assertTrue(self.contact.kam_contact_overdue, "contacts show their account's cadence")
        self.assertFalse(self.other_account.kam_contact_overdue)
        self.assertEqual(self.account.kam_effective_contact_interval, 30)
        overdue = self.env["res.partner"].search([("kam_contact_overdue", "=", True)])
        self.assertIn(self.account, overdue)
        self.assertIn(self.contact, overdue)
        self.assertNotIn(self.other_account, overdue)
        self.assertIn(self.other_account, self.env["res.partner"].search([("kam_contact_overdue", "=", False)]))

        self.env["res.partner"]._cron_kam_contact_cadence()
        activity = self._activities(self.account, "cadence")
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.kam_user)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("key_account_management.mail_activity_type_kam_follow_up")
        )
        # neutral text: the partner's activities and chatter are read by all internal users
        self.assertEqual(activity.summary, f"Follow up with {self.account.name}: contact is due")
        self.assertFalse(self._activities(self.other_account), "recently contacted: no follow-up")

        # rerun: no duplicate while the activity is open
        self.env["res.partner"]._cron_kam_contact_cadence()
        self.assertEqual(len(self._activities(self.account, "cadence")), 1)

    def test_new_follow_up_after_done(self):
        with freeze_time(NOW):
            self._contacted(self.account, 40)
            self.env["res.partner"]._cron_kam_contact_cadence()
            activity = self._activities(self.account, "cadence")
            activity.with_user(self.kam_user).action_feedback("Called them")
            self.assertFalse(self._activities(self.account, "cadence"))
        with freeze_time(NOW + timedelta(days=3)):
            self.env["res.partner"]._cron_kam_contact_cadence()
            self.assertEqual(len(self._activities(self.account, "cadence")), 1)

    @freeze_time(NOW)
    def test_account_override_beats_tier(self):
        self._contacted(self.account, 10)
        self._contacted(self.other_account, 10)
        self.account.kam_contact_interval_days = 7
        self.assertEqual(self.account.kam_effective_contact_interval, 7)
        self.assertEqual(self.contact.kam_contact_interval_days, 7, "a commercial field, shared with contacts")
        self.tier_c.contact_interval_days = 5
        self.other_account.kam_contact_interval_days = 60
        self.env["res.partner"]._cron_kam_contact_cadence()
        self.assertEqual(len(self._activities(self.account, "cadence")), 1)
        self.assertFalse(self._activities(self.other_account, "cadence"))

    @freeze_time(NOW)
    def test_never_contacted_and_no_manager(self):
        orphan = self._make_account("No manager account")
        orphan.kam_tier_id = self.tier_c
        self.assertTrue(self.account.kam_contact_overdue, "never contacted counts as overdue")
        self.env["res.partner"]._cron_kam_contact_cadence()
        self.assertEqual(
            self._activities(self.account, "cadence").summary, f"Follow up with {self.account.name}: contact is due"
        )
        self.assertTrue(orphan.kam_contact_overdue)
        self.assertFalse(self._activities(orphan), "accounts without manager are skipped")

    @freeze_time(NOW)
    def test_batches_with_progress(self):
        accounts = self.account | self.other_account
        for index in range(3):
            accounts |= self._make_account(f"Cadence {index}", manager=self.kam_user, kam_tier_id=self.tier_c.id)
        for account in accounts:
            self._contacted(account, 45)
        expected = self.env["kam.cadence.engine"]._overdue_account_ids(with_manager=True)
        self.assertTrue(set(accounts.ids) <= set(expected))
        cron = self.env.ref("key_account_management.ir_cron_kam_contact_cadence")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        batches = (
            self.env["res.partner"]
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_kam_contact_cadence(batch_size=1)
        )
        self.assertEqual(batches, len(expected))
        self.assertEqual(progress.done, len(expected))
        self.assertEqual(progress.remaining, 0)
        for account in accounts:
            activity = self._activities(account, "cadence")
            self.assertEqual(len(activity), 1, account.name)
            self.assertEqual(activity.user_id, account.kam_manager_id)

    def test_cron_action_runs(self):
        self._contacted(self.account, 400, now=fields.Datetime.now())
        self.env.ref("key_account_management.ir_cron_kam_contact_cadence").method_direct_trigger()
        self.assertEqual(len(self._activities(self.account, "cadence")), 1)
        self.env.ref("key_account_management.ir_cron_kam_customer_care").method_direct_trigger()

    def test_raise_once_helper(self):
        Helper = self.env["kam.activity"]
        created = Helper._kam_raise_activities(self.account | self.other_account, "risk:test", "Check")
        self.assertEqual(created.mapped("user_id"), self.kam_user | self.kam_user2)
        again = Helper._raise_once(
            [(self.account.id, "risk:test", self.kam_user.id, "Check"), (self.account.id, "risk:other", False, "x")]
        )
        self.assertFalse(again, "open activity for the reason, and no user for the other: nothing created")

    @freeze_time(NOW)
    def test_daily_run_looks_only_at_due_accounts(self):
        """The job reads the accounts that can get a new follow-up: overdue and
        without an open one. An account not due, or already followed up, is
        not looked at (not in the job's batches)."""
        Engine = self.env["kam.cadence.engine"]
        self._contacted(self.account, 40)
        self._contacted(self.other_account, 5)
        due = Engine._overdue_account_ids(with_manager=True, without_open=True)
        self.assertIn(self.account.id, due)
        self.assertNotIn(self.other_account.id, due, "contacted 5 days ago, interval 30: not due")
        first = self.env["res.partner"]._cron_kam_contact_cadence()
        self.assertEqual(first.done, len(due))
        self.assertEqual(len(self._activities(self.account, "cadence")), 1)
        self.assertFalse(self._activities(self.other_account, "cadence"))
        # the next run: every due account has its open follow-up, none is looked at
        self.assertFalse(Engine._overdue_account_ids(with_manager=True, without_open=True))
        self.assertEqual(self.env["res.partner"]._cron_kam_contact_cadence().done, 0)
        self.assertEqual(len(self._activities(self.account, "cadence")), 1, "raised once")
        # still overdue (the search and the computed field do not depend on the activity)
        self.assertIn(self.account.id, Engine._overdue_account_ids(with_manager=True))
        # done: due again, looked at again, a new follow-up
        self._activities(self.account, "cadence").with_user(self.kam_user).action_feedback("Called")
        self.assertEqual(Engine._overdue_account_ids(with_manager=True, without_open=True), [self.account.id])
        self.assertEqual(self.env["res.partner"]._cron_kam_contact_cadence().done, 1)
        self.assertEqual(len(self._activities(self.account, "cadence")), 1)

    @freeze_time(NOW)
    def test_first_run_in_bulk(self):
        """Many accounts due at once (a first run): one INSERT, the same
        activities as one by one (type, user, text, privacy of the account,
        the manager follows the account), and still never twice."""
        accounts = self.account | self.other_account
        for index in range(3):
            accounts |= self._make_account(f"Bulk due {index}", manager=self.kam_user, kam_tier_id=self.tier_c.id)
        for account in accounts:
            self._contacted(account, 45)
        Engine = self.env["kam.cadence.engine"]
        with patch.object(type(Engine), "BULK_MIN", 2):
            self.env["res.partner"]._cron_kam_contact_cadence()
            self.env["res.partner"]._cron_kam_contact_cadence()
        follow_up = self.env.ref("key_account_management.mail_activity_type_kam_follow_up")
        for account in accounts:
            activity = self._activities(account, "cadence")
            self.assertEqual(len(activity), 1, account.name)
            self.assertEqual(activity.activity_type_id, follow_up)
            self.assertEqual(activity.user_id, account.kam_manager_id)
            self.assertEqual(activity.summary, f"Follow up with {account.name}: contact is due")
            self.assertEqual(activity.kam_account_id, account, "only the account's team sees it")
            self.assertEqual(activity.res_name, account.display_name)
            self.assertEqual(activity.date_deadline, NOW.date())
            self.assertIn(account.kam_manager_id.partner_id, account.message_partner_ids)
        self.assertFalse(
            self.env["mail.activity"].with_user(self.kam_user2).search([("res_id", "=", self.account.id)]),
            "another manager does not see the follow-up of an account not his",
        )

    def test_bad_interval_refused(self):
        with self.assertRaisesMessage(ValidationError, "cannot be negative.*0 to use the interval of its tier"):
            self.account.kam_contact_interval_days = -5
            self.account.flush_recordset()


@tagged("post_install", "-at_install")
class TestCadenceCare(CadenceCommon):
    def test_birthday_once(self):
        self.contact.kam_birthday = date(1980, 3, 17)
        self.assertFalse(self._care(date(2025, 3, 9)), "8 days ahead: not yet")
        activity = self._care(date(2025, 3, 10))
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.kam_reason, f"care:birthday:{self.contact.id}:2025")
        self.assertEqual(activity.date_deadline, date(2025, 3, 17))
        self.assertEqual(activity.user_id, self.kam_user)
        self.assertEqual(activity.res_id, self.account.id)
        self.assertEqual(self._care(date(2025, 3, 11)), activity, "no duplicate on the next run")
        with freeze_time(date(2025, 3, 12)):
            activity.with_user(self.kam_user).action_feedback("Sent flowers")
        self.assertFalse(activity.active, "care activities are kept when done")
        self.assertEqual(self._care(date(2025, 3, 13)), activity, "done: not raised again that year")
        self.assertEqual(len(self._care(date(2026, 3, 12))), 2, "raised again the next year")

    def test_birthday_feb_29(self):
        self.contact.kam_birthday = date(1984, 2, 29)
        activity = self._care(date(2025, 2, 21))
        self.assertEqual(activity.date_deadline, date(2025, 2, 28), "non-leap year: Feb 28")
        self.assertEqual(len(self._care(date(2028, 2, 22))), 2)
        self.assertEqual(
            self._activities(self.account, f"care:birthday:{self.contact.id}:2028").date_deadline, date(2028, 2, 29)
        )

    def test_birthday_feb_29_non_leap_year_by_window(self):
        """Feb 29 birthdays in a non-leap year: due on Feb 28, also when the
        window is that one day."""
        self.env.company.kam_care_days_before = 0
        self.contact.kam_birthday = date(1984, 2, 29)
        self.assertFalse(self._care(date(2027, 2, 27)))
        activity = self._care(date(2027, 2, 28))
        self.assertEqual(activity.date_deadline, date(2027, 2, 28))
        self.assertEqual(activity.kam_reason, f"care:birthday:{self.contact.id}:2027")

    def test_window_is_occurrence_in_window(self):
        """The month/day table the job's query joins on gives, for every day
        of the year, the date :func:`occurrence_in_window` gives."""
        Engine = self.env["kam.cadence.engine"]
        for today in (date(2025, 3, 10), date(2027, 2, 27), date(2028, 2, 28), date(2025, 12, 28), date(2024, 3, 1)):
            for days in (0, 1, 7, 30, 365):
                window = Engine._care_window(today, days)
                for month in range(1, 13):
                    for day in range(1, calendar.monthrange(2024, month)[1] + 1):
                        with self.subTest(today=today, days=days, month=month, day=day):
                            self.assertEqual(window.get((month, day)), occurrence_in_window(month, day, today, days))

    def test_daily_run_looks_only_at_accounts_with_an_occasion(self):
        """The job reads the accounts with an occasion in their window and no
        reminder for it yet; an account without one is not looked at, and
        an occasion is raised once."""
        Engine = self.env["kam.cadence.engine"]
        self.contact.kam_birthday = date(1980, 3, 17)
        self.other_account.kam_contract_date = date(2020, 9, 1)
        today = date(2025, 3, 10)
        with freeze_time(today):
            occasions = Engine._care_occasions(today)
            ids = {row[0] for row in occasions}
            self.assertIn(self.account.id, ids)
            self.assertNotIn(self.other_account.id, ids, "its anniversary is in September: not looked at")
            result = self.env["res.partner"]._cron_kam_customer_care()
            self.assertEqual(result.done, len(ids))
            self.assertFalse(Engine._care_occasions(today), "every occasion has its reminder")
            self.assertEqual(self.env["res.partner"]._cron_kam_customer_care().done, 0, "nothing is looked at")
        activity = self._activities(self.account | self.other_account, active=False)
        self.assertEqual(activity.mapped("kam_reason"), [f"care:birthday:{self.contact.id}:2025"])
        self.assertEqual(activity.summary, f"Birthday of {self.contact.name} ({self.account.name}) on 2025-03-17")
        self.assertEqual(activity.kam_account_id, self.account)

    def test_care_in_bulk(self):
        """Many reminders at once (a first run, a holiday): one INSERT, the
        same reminders, never twice, kept when done."""
        holiday = self.env["kam.care.date"].create({"name": "Company Day", "month": "4", "day": 15})
        self.contact.kam_birthday = date(1980, 4, 14)
        Engine = self.env["kam.cadence.engine"]
        with patch.object(type(Engine), "BULK_MIN", 2):
            activities = self._care(date(2025, 4, 10))
            self.assertEqual(self._care(date(2025, 4, 11)), activities)
        self.assertEqual(
            sorted(activities.mapped(lambda a: (a.res_id, a.kam_reason))),
            sorted(
                [
                    (self.account.id, f"care:holiday:{holiday.id}:2025"),
                    (self.other_account.id, f"care:holiday:{holiday.id}:2025"),
                    (self.account.id, f"care:birthday:{self.contact.id}:2025"),
                ]
            ),
        )
        care = self.env.ref("key_account_management.mail_activity_type_kam_care")
        for activity in activities:
            self.assertEqual(activity.activity_type_id, care)
            self.assertEqual(activity.kam_account_id.id, activity.res_id)
            self.assertEqual(activity.user_id, self.env["res.partner"].browse(activity.res_id).kam_manager_id)
        birthday = activities.filtered(lambda a: a.kam_reason.startswith("care:birthday"))
        self.assertEqual(birthday.date_deadline, date(2025, 4, 14))
        with freeze_time(date(2025, 4, 12)):
            birthday.with_user(self.kam_user).action_feedback("Flowers")
        self.assertEqual(self._care(date(2025, 4, 13)), activities, "done: not raised again")

    def test_care_dates_read_by_their_index(self):
        """The care query's month-and-day expression is the one of the
        partial indexes: a daily run reads the few birthdays and contract
        days of its window by index, not every key account and contact."""
        for column in CARE_DATE_COLUMNS:
            index = f"res_partner_{column}_day_index"
            self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
            self.assertIn(f"WHERE ({column} IS NOT NULL)", self.env.cr.fetchone()[0])
            self.env.cr.execute("SET LOCAL enable_seqscan = off")
            self.env.cr.execute(
                SQL(
                    "EXPLAIN SELECT p.id FROM res_partner p WHERE %s = 1225 AND p.%s IS NOT NULL",
                    month_day_sql(f"p.{column}"),
                    SQL.identifier(column),
                )
            )
            self.assertIn(index, "\n".join(row[0] for row in self.env.cr.fetchall()))
            self.env.cr.execute("SET LOCAL enable_seqscan = on")

    def test_care_other_company_days_before(self):
        """Each account's company sets its own days ahead."""
        other_company = self.env["res.company"].create({"name": "Care Co", "kam_care_days_before": 1})
        self.other_account.company_id = other_company
        self.account.kam_contract_date = date(2020, 3, 14)
        self.other_account.kam_contract_date = date(2020, 3, 14)
        reasons = {(a.res_id, a.kam_reason) for a in self._care(date(2025, 3, 10))}
        self.assertEqual(reasons, {(self.account.id, "care:anniversary:2025")}, "7 days ahead vs 1")
        reasons = {(a.res_id, a.kam_reason) for a in self._care(date(2025, 3, 13))}
        self.assertIn((self.other_account.id, "care:anniversary:2025"), reasons)

    def test_birthday_over_new_year(self):
        self.contact.kam_birthday = date(1990, 1, 2)
        activity = self._care(date(2025, 12, 28))
        self.assertEqual(activity.date_deadline, date(2026, 1, 2))
        self.assertEqual(activity.kam_reason, f"care:birthday:{self.contact.id}:2026")

    def test_contract_anniversary(self):
        self.account.kam_contract_date = date(2022, 6, 1)
        self.assertFalse(self._care(date(2022, 5, 28)), "the signing day itself is no anniversary")
        activity = self._care(date(2025, 5, 28))
        self.assertEqual(activity.kam_reason, "care:anniversary:2025")
        self.assertIn("3-year", activity.summary)
        self.assertEqual(self._care(date(2025, 5, 30)), activity)

    def test_holiday_and_days_before(self):
        holiday = self.env["kam.care.date"].create({"name": "Company Day", "month": "4", "day": 15})
        self.env.company.kam_care_days_before = 3
        self.assertFalse(self._care(date(2025, 4, 11)))
        activities = self._care(date(2025, 4, 12))
        self.assertEqual(set(activities.mapped("res_id")), {self.account.id, self.other_account.id})
        self.assertEqual(set(activities.mapped("kam_reason")), {f"care:holiday:{holiday.id}:2025"})
        self.assertEqual(activities.user_id, self.kam_user | self.kam_user2)
        self.assertEqual(self._care(date(2025, 4, 13)), activities)

    def test_data_holidays(self):
        self.assertTrue(
            self.env.ref("key_account_management.kam_care_date_national_day").with_context(active_test=False).exists()
        )
        cron = self.env.ref("key_account_management.ir_cron_kam_customer_care")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))

    def test_bad_input_refused(self):
        with self.assertRaisesMessage(ValidationError, "no day 30.*from 1 to 29"):
            self.env["kam.care.date"].create({"name": "Bad", "month": "2", "day": 30})
        with self.assertRaisesMessage(ValidationError, "no day 0"):
            self.env["kam.care.date"].create({"name": "Bad", "month": "1", "day": 0})
        with self.assertRaisesMessage(ValidationError, "between 0 and 365 days"):
            self.env.company.kam_care_days_before = -1
        self.env["kam.care.date"].create({"name": "Leap", "month": "2", "day": 29})

    def test_care_date_access(self):
        care_date = self.env["kam.care.date"].create({"name": "Read me", "month": "3", "day": 1})
        self.assertEqual(care_date.with_user(self.kam_user).name, "Read me")
        with self.assertRaises(AccessError):
            care_date.with_user(self.kam_user).write({"day": 2})
        care_date.with_user(self.kam_manager).write({"day": 2})


@tagged("post_install", "-at_install")
class TestLunarCareDates(CadenceCommon):
    """Care dates of the Chinese lunar calendar (农历): their Gregorian date
    is computed every year (dates checked against the published calendar).
    The accounts have no birthday nor contract date: their care reminders
    (``_care``) are those of the holidays."""

    def test_gregorian_dates_of_lunar_dates(self):
        year = (date(2025, 1, 1), date(2026, 12, 31))
        self.assertEqual(lunar_occurrences(1, 1, *year), [(date(2025, 1, 29), 2025), (date(2026, 2, 17), 2026)])
        self.assertEqual(lunar_occurrences(5, 5, *year), [(date(2025, 5, 31), 2025), (date(2026, 6, 19), 2026)])
        self.assertEqual(lunar_occurrences(8, 15, *year), [(date(2025, 10, 6), 2025), (date(2026, 9, 25), 2026)])
        # New Year's Eve (除夕), day 30 of the twelfth month: its last day when it has 29
        self.assertEqual(lunar_occurrences(12, 30, date(2026, 1, 1), date(2026, 12, 31)), [(date(2026, 2, 16), 2025)])
        # twice in 2026: the 20th day of the eleventh month of lunar 2025 and of lunar 2026
        self.assertEqual(
            lunar_occurrences(11, 20, date(2026, 1, 1), date(2026, 12, 31)),
            [(date(2026, 1, 8), 2025), (date(2026, 12, 28), 2026)],
        )

    def test_lunar_holiday_reminded_on_its_date_of_the_year(self):
        mid_autumn = self.env["kam.care.date"].create(
            {"name": "Mid-Autumn", "calendar_type": "lunar", "month": "8", "day": 15}
        )
        with freeze_time("2025-09-01"):
            mid_autumn.invalidate_recordset()
            self.assertEqual(mid_autumn.next_date, date(2025, 10, 6))
            self.assertEqual(mid_autumn.lunar_label, "八月十五")
        # 7 days ahead of October 6, 2025 (September 17, 2024 the year before)
        self.assertFalse(self._care(date(2025, 9, 28)))
        activities = self._care(date(2025, 9, 29))
        self.assertEqual(set(activities.mapped("res_id")), {self.account.id, self.other_account.id})
        self.assertEqual(set(activities.mapped("kam_reason")), {f"care:holiday:{mid_autumn.id}:2025"})
        self.assertEqual(set(activities.mapped("date_deadline")), {date(2025, 10, 6)})
        self.assertIn("2025-10-06", activities[0].summary)
        self.assertEqual(self._care(date(2025, 10, 2)), activities, "once a year")
        # the next year on its new date
        later = self._care(date(2026, 9, 18)) - activities
        self.assertEqual(set(later.mapped("date_deadline")), {date(2026, 9, 25)})
        self.assertEqual(set(later.mapped("kam_reason")), {f"care:holiday:{mid_autumn.id}:2026"})

    def test_lunar_date_twice_in_a_gregorian_year(self):
        occasion = self.env["kam.care.date"].create(
            {"name": "Winter Visit", "calendar_type": "lunar", "month": "11", "day": 20}
        )
        first = self._care(date(2026, 1, 2))
        second = self._care(date(2026, 12, 22)) - first
        self.assertEqual(first.mapped("date_deadline"), [date(2026, 1, 8)] * 2)
        self.assertEqual(second.mapped("date_deadline"), [date(2026, 12, 28)] * 2)
        self.assertEqual(
            set((first | second).mapped("kam_reason")),
            {f"care:holiday:{occasion.id}:2025", f"care:holiday:{occasion.id}:2026"},
        )

    def test_lunar_bad_input_refused(self):
        CareDate = self.env["kam.care.date"].with_user(self.kam_manager)
        with self.assertRaisesMessage(ValidationError, "a lunar month has no day 31"):
            CareDate.create({"name": "Bad", "calendar_type": "lunar", "month": "1", "day": 31})
        with self.assertRaisesMessage(ValidationError, "a lunar month has no day 0"):
            CareDate.create({"name": "Bad", "calendar_type": "lunar", "month": "1", "day": 0})
        with self.assertRaisesMessage(ValidationError, "is not a valid value"):
            CareDate.create({"name": "Bad", "calendar_type": "chinese", "month": "1", "day": 1})
        # the lunar second month has a day 30 (a Gregorian February has not)
        eve = CareDate.create({"name": "Last of the 2nd month", "calendar_type": "lunar", "month": "2", "day": 30})
        with self.assertRaisesMessage(ValidationError, "no day 30"):
            eve.write({"calendar_type": "gregorian"})
        self.assertEqual(eve.calendar_type, "lunar")
        with self.assertRaises(AccessError):
            eve.with_user(self.kam_user).write({"day": 1})

    def test_search_next_date_and_lunar_label(self):
        CareDate = self.env["kam.care.date"]
        mid_autumn = CareDate.create({"name": "Mid-Autumn", "calendar_type": "lunar", "month": "8", "day": 15})
        new_year = CareDate.create({"name": "New Year", "month": "1", "day": 1})
        with freeze_time("2025-09-01"):
            CareDate.invalidate_model()
            self.assertEqual(CareDate.search([("next_date", "=", "2025-10-06")]), mid_autumn)
            self.assertEqual(CareDate.search([("next_date", ">", "2025-12-01")]), new_year)
            self.assertEqual(CareDate.search([("lunar_label", "ilike", "八月")]), mid_autumn)
            with self.assertRaisesMessage(ValidationError, "cannot be compared"):
                CareDate.search([("next_date", "<", "NaN")])

    def test_data_lunar_holidays(self):
        for xmlid, month, day in (("spring_festival", "1", 1), ("dragon_boat", "5", 5), ("mid_autumn", "8", 15)):
            care_date = self.env.ref(f"key_account_management.kam_care_date_{xmlid}").with_context(active_test=False)
            self.assertEqual((care_date.calendar_type, care_date.month, care_date.day), ("lunar", month, day))


@tagged("post_install", "-at_install", "is_query_count")
class TestCadenceQueryCount(CadenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bulk = cls.env["res.partner"]
        for index in range(12):
            cls.bulk |= cls._make_account(f"Bulk cadence {index}", manager=cls.kam_user, kam_tier_id=cls.tier_c.id)
        cls.bulk.kam_last_interaction_date = NOW - timedelta(days=50)

    def _queries_for(self, accounts):
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()  # as assertQueryCount does (precommit hooks)
        before = self.env.cr.sql_log_count
        self.env["kam.cadence.engine"]._raise_cadence_activities(accounts)
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    @freeze_time(NOW)
    def test_cadence_batch_query_count(self):
        self._queries_for(self.bulk[:1])  # warm the caches
        few = self._queries_for(self.bulk[1:3])
        with self.assertQueryCount(few):
            self.env.invalidate_all()
            # 9 accounts, as many queries as for 2
            self.env["kam.cadence.engine"]._raise_cadence_activities(self.bulk[3:])
            self.env.flush_all()
        self.assertEqual(len(self._activities(self.bulk, "cadence")), 12)
        # a rerun creates nothing and is cheaper still
        self.assertLess(self._queries_for(self.bulk), few)

    @freeze_time(NOW)
    def test_cadence_bulk_query_count(self):
        """In bulk (a first run), 9 accounts take as many queries as 2."""
        with patch.object(type(self.env["kam.cadence.engine"]), "BULK_MIN", 2):
            self._queries_for(self.bulk[:2])  # warm the caches
            few = self._queries_for(self.bulk[2:4])
            many = self._queries_for(self.bulk[4:])
        self.assertEqual(many, few)
        self.assertEqual(len(self._activities(self.bulk, "cadence")), 12)
