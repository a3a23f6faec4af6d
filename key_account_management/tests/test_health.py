# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import KamInvoicingCommon, load_migration


# AccountTestInvoicingCommon loads a chart of accounts: after every module is
# loaded, as core's invoicing tests do
@tagged("post_install", "-at_install")
class KamHealthCommon(KamInvoicingCommon):
    """Invoices, payments and interactions built here; thresholds set
    explicitly so that the tests do not depend on the defaults."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "kam_risk_overdue_grace_days": 5,
                "kam_risk_overdue_amount": 1000.0,
                "kam_risk_overdue_critical_days": 60,
                "kam_risk_late_share": 30.0,
                "kam_risk_cancel_share": 20.0,
                "kam_risk_spend_drop": 20.0,
                "kam_risk_spend_months": 3,
                "kam_risk_gap_factor": 1.5,
                "kam_risk_min_satisfaction": 3.0,
                "kam_risk_complaint_count": 1,
                "kam_health_good_from": 76,
                "kam_health_watch_from": 51,
            }
        )
        cls.journal = cls.company_data["default_journal_sale"]
        # the tier interval of the test tiers is 0: no cadence unless set on the account
        cls.account.kam_contact_interval_days = 0

    @classmethod
    def _invoice(cls, partner, amount, due_days_ago, post=True, move_type="out_invoice"):
        due = cls.today - relativedelta(days=due_days_ago)
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "journal_id": cls.journal.id,
                "invoice_date": due - relativedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _interaction(cls, partner, days_ago, **vals):
        return cls.env["kam.interaction"].create(
            dict(
                {
                    "name": "Visit",
                    "partner_id": partner.id,
                    "date": datetime.combine(cls.today - relativedelta(days=days_ago), time(10, 0)),
                },
                **vals,
            )
        )

    def _run(self, partners=None):
        (partners or self.account)._kam_refresh_health()

    def _open_signals(self, partner=None):
        signals = self.env["kam.risk.signal"].search(
            [("partner_id", "=", (partner or self.account).id), ("is_open", "=", True)]
        )
        return {signal.signal_type: signal for signal in signals}

    def _risk_activities(self, partner=None):
        """Risk activities of an account: they go on its signals, never on the partner."""
        signals = self.env["kam.risk.signal"].search([("partner_id", "=", (partner or self.account).id)])
        self.assertFalse(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", (partner or self.account).id),
                    ("kam_reason", "=like", "risk:%"),
                ]
            ),
            "no risk activity on the partner: its summary holds the signal's figures",
        )
        return self.env["mail.activity"].search(
            [("res_model", "=", "kam.risk.signal"), ("res_id", "in", signals.ids), ("kam_reason", "=like", "risk:%")]
        )


class TestKamRiskSignals(KamHealthCommon):
    def test_overdue_receivables(self):
        self._invoice(self.account, 1500.0, due_days_ago=10)
        self._invoice(self.contact, 500.0, due_days_ago=20)  # a contact's invoice counts for the account
        self._invoice(self.account, 5000.0, due_days_ago=3)  # within the grace days
        self._invoice(self.account, 9000.0, due_days_ago=40, post=False)  # draft
        self._pay(self._invoice(self.account, 7000.0, due_days_ago=30), days_ago=1)  # paid
        self._run()
        overdue = self._open_signals()["overdue"]
        self.assertEqual(overdue.value, 2000.0)
        self.assertEqual(overdue.threshold, 1000.0)
        self.assertEqual(overdue.severity, "high", "twice the threshold")
        self.assertEqual(overdue.first_seen, self.today)
        self.assertIn("20 days past due", overdue.description)
        self.assertEqual(overdue.kam_manager_id, self.kam_user)

        # an invoice past the critical age makes it critical, same record
        self._invoice(self.account, 100.0, due_days_ago=61)
        self._run()
        self.assertEqual(self._open_signals()["overdue"], overdue)
        self.assertEqual(overdue.severity, "critical")
        self.assertEqual(overdue.value, 2100.0)

        # below the threshold: no signal
        self._invoice(self.other_account, 900.0, due_days_ago=30)
        self._run(self.other_account)
        self.assertNotIn("overdue", self._open_signals(self.other_account))

    def test_unchanged_signal_not_written_again(self):
        """An open signal seen again with the same figures is not written
        again the same day; the next day only its last day seen moves (one
        statement for all such signals); new figures are written."""
        self._invoice(self.account, 1500.0, due_days_ago=10)
        self._invoice(self.contact, 1234.56, due_days_ago=20)
        self._run()
        overdue = self._open_signals()["overdue"]
        self.assertEqual(overdue.description_data["figures"]["amount"], 2734.56)

        def version():
            self.env.flush_all()
            self.env.cr.execute("SELECT ctid::text FROM kam_risk_signal WHERE id = %s", [overdue.id])
            return self.env.cr.fetchone()[0]

        before = version()
        self._run()
        self.assertEqual(version(), before, "the same day, nothing changed: the signal row is not written")
        # the next day it is seen again, nothing else changed: only its last day seen moves, the
        # job's one-statement stamp
        tomorrow = self.today + timedelta(days=1)
        with freeze_time(tomorrow):
            self._run()
        self.assertNotEqual(version(), before)
        overdue.invalidate_recordset()
        self.account.invalidate_recordset()
        self.assertEqual(overdue.last_seen, tomorrow)
        self.assertEqual(overdue.first_seen, self.today)
        self.assertEqual(overdue.value, 2734.56)
        self.assertEqual(overdue.description_data["figures"]["amount"], 2734.56)
        before = version()
        self._invoice(self.account, 100.0, due_days_ago=12)
        with freeze_time(tomorrow):
            self._run()
        self.assertNotEqual(version(), before)
        overdue.invalidate_recordset()
        self.assertEqual(overdue.value, 2834.56)
        self.assertEqual(overdue.description_data["figures"]["amount"], 2834.56)
        self.assertIn("2,834.56", overdue.description)
        self.assertEqual(overdue.last_seen, tomorrow)

    def test_late_payments(self):
        late1 = self._invoice(self.account, 100.0, due_days_ago=60)
        late2 = self._invoice(self.account, 100.0, due_days_ago=50)
        on_time = self._invoice(self.account, 100.0, due_days_ago=40)
        self._invoice(self.account, 100.0, due_days_ago=30)  # unpaid: late up to today
        self._pay(late1, days_ago=40)  # 20 days late
        self._pay(late2, days_ago=30)  # 20 days late
        self._pay(on_time, days_ago=42)  # before the due date
        self._invoice(self.account, 100.0, due_days_ago=500)  # out of the window
        self._run()
        late = self._open_signals()["late_payment"]
        self.assertEqual(late.value, 75.0)
        self.assertEqual(late.threshold, 30.0)
        self.assertEqual(late.severity, "high")
        self.assertIn("3 of 4 invoices", late.description)
        self.assertIn("23.3 days late", late.description)

        figures = self.env["kam.account.figures"]._payment_figures([self.account.id], 12, 5)
        self.assertEqual(figures[self.account.id]["late_count"], 3)

    def test_late_payments_need_three_invoices(self):
        self._pay(self._invoice(self.account, 100.0, due_days_ago=60), days_ago=20)
        self._pay(self._invoice(self.account, 100.0, due_days_ago=50), days_ago=10)
        self._run()
        self.assertNotIn("late_payment", self._open_signals())

    def test_cancelled_orders(self):
        for __ in range(3):
            self._order(self.account, 100.0, days_ago=20)
        self._order(self.contact, 100.0, days_ago=10)._action_cancel()
        self._order(self.account, 5000.0, days_ago=120)._action_cancel()  # older than 90 days
        self._order(self.account, 5000.0, days_ago=5, confirm=False)  # draft quotation: not counted
        self._run()
        cancelled = self._open_signals()["cancellation"]
        self.assertEqual(cancelled.value, 25.0)
        self.assertEqual(cancelled.severity, "medium")
        self.assertIn("1 of 4 orders", cancelled.description)

    def test_spend_drop(self):
        self._order(self.account, 1000.0, days_ago=120)  # the 3 months before
        self._order(self.account, 500.0, days_ago=30)  # the last 3 months
        self._order(self.account, 1000.0, days_ago=400)  # the same months last year
        self._run()
        drop = self._open_signals()["spend_drop"]
        self.assertEqual(drop.value, 50.0)
        self.assertEqual(drop.threshold, 20.0)
        self.assertEqual(drop.severity, "high")

    def test_spend_drop_seasonal_is_no_signal(self):
        self._order(self.account, 1000.0, days_ago=120)
        self._order(self.account, 500.0, days_ago=30)
        self._order(self.account, 450.0, days_ago=400)  # last year these months were as low
        self._run()
        self.assertNotIn("spend_drop", self._open_signals())

    def test_order_gap(self):
        for days in (70, 60, 50, 40):  # every 10 days, then nothing for 40 days
            self._order(self.account, 100.0, days_ago=days)
        for days in (30, 20, 10):  # on its rhythm
            self._order(self.other_account, 100.0, days_ago=days)
        self._run(self.account | self.other_account)
        gap = self._open_signals()["order_gap"]
        self.assertEqual(gap.value, 40.0)
        self.assertEqual(gap.threshold, 15.0)
        self.assertEqual(gap.severity, "high", "40 days is more than twice 15")
        self.assertNotIn("order_gap", self._open_signals(self.other_account))

    def test_silence(self):
        self.account.kam_contact_interval_days = 10
        self._interaction(self.account, days_ago=25)
        self._interaction(self.account, days_ago=2, state="planned")  # planned: no contact yet
        self._run()
        silence = self._open_signals()["silence"]
        self.assertEqual((silence.value, silence.threshold, silence.severity), (25.0, 10.0, "high"))
        # contact made: the signal is resolved
        self._interaction(self.account, days_ago=1)
        self._run()
        self.assertNotIn("silence", self._open_signals())
        self.assertEqual(silence.resolved_on, self.today)

    def test_low_satisfaction_and_complaints(self):
        self._interaction(self.account, days_ago=5, satisfaction=2)
        self._interaction(self.account, days_ago=4, satisfaction=1)
        self._interaction(self.account, days_ago=3, channel="complaint", name="Late delivery")
        self._run()
        signals = self._open_signals()
        self.assertEqual(signals["low_satisfaction"].value, 1.5)
        self.assertEqual(signals["low_satisfaction"].severity, "high", "1.5 points below the minimum of 3")
        self.assertEqual(signals["complaint"].value, 1.0)
        self.assertEqual(signals["complaint"].severity, "medium")

    def test_resolve_and_reopen(self):
        invoice = self._invoice(self.account, 1200.0, due_days_ago=10)
        self._run()
        first = self._open_signals()["overdue"]
        self._pay(invoice, days_ago=0)
        self._run()
        self.assertFalse(first.is_open)
        self.assertEqual(first.resolved_on, self.today)
        self.assertNotIn("overdue", self._open_signals())
        # a new episode is a new record; the resolved one is kept as it was
        self._invoice(self.account, 1300.0, due_days_ago=8)
        self._run()
        second = self._open_signals()["overdue"]
        self.assertNotEqual(second, first)
        self.assertEqual(second.value, 1300.0)
        self.assertEqual(first.value, 1200.0)
        self.assertEqual(
            self.env["kam.risk.signal"].search_count(
                [("partner_id", "=", self.account.id), ("signal_type", "=", "overdue")]
            ),
            2,
        )


class TestKamRiskActivities(KamHealthCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # kam_manager leads the sales team of kam_user: the manager's manager
        cls.team = cls.env["crm.team"].create(
            {"name": "Key Accounts East", "user_id": cls.kam_manager.id, "member_ids": [Command.link(cls.kam_user.id)]}
        )

    def test_high_signal_raises_one_activity(self):
        self._invoice(self.account, 2500.0, due_days_ago=10)  # high
        self._run()
        activity = self._risk_activities()
        self.assertEqual(len(activity), 1)
        signal = self._open_signals()["overdue"]
        self.assertEqual(activity.user_id, self.kam_user)
        self.assertEqual(activity.kam_reason, f"risk:overdue:{signal.id}")
        self.assertIn("Overdue Receivables", activity.summary)
        self.assertIn("2500.0", activity.summary)
        self.assertIn("threshold 1000.0", activity.summary)
        # rerun, still open: no duplicate; marked done: not raised again while the signal lasts
        self._run()
        self.assertEqual(len(self._risk_activities()), 1)
        activity.action_feedback("Called the customer")
        self._run()
        self.assertFalse(self._risk_activities())

    def test_activities_in_bulk_as_the_orm_makes_them(self):
        """The job inserts its activities in bulk: they hold what Odoo's create
        stores, the assignee follows the signal and sees them in their activities."""
        self.kam_user.tz = "Europe/Brussels"
        self._invoice(self.account, 2500.0, due_days_ago=10)
        self._run()
        activity = self._risk_activities()
        signal = self._open_signals()["overdue"]
        self.assertEqual(activity.res_model, "kam.risk.signal")
        self.assertEqual(activity.res_name, signal.display_name)
        self.assertEqual((activity.user_tz, activity.active, activity.automated), ("Europe/Brussels", True, False))
        self.assertEqual(activity.date_deadline, self.today)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertEqual(signal.activity_ids, activity)
        self.assertIn(self.kam_user.partner_id, signal.message_partner_ids)
        follower = signal.message_follower_ids.filtered(lambda f: f.partner_id == self.kam_user.partner_id)
        self.assertEqual(follower.subtype_ids, self.env["mail.message.subtype"].default_subtypes("kam.risk.signal")[0])
        self.assertEqual(signal.kam_manager_id, self.kam_user)
        self.assertTrue(signal.is_open)
        self.assertEqual(signal.severity_rank, 2)
        mine = self.env["mail.activity"].with_user(self.kam_user).search([("user_id", "=", self.kam_user.id)])
        self.assertIn(activity, mine)
        self.assertEqual(self.account.kam_health_snapshot_ids.kam_manager_id, self.kam_user)

    def test_medium_signal_raises_nothing_until_it_grows(self):
        self._invoice(self.account, 1200.0, due_days_ago=10)  # medium
        self._run()
        self.assertEqual(self._open_signals()["overdue"].severity, "medium")
        self.assertFalse(self._risk_activities())
        self._invoice(self.account, 1000.0, due_days_ago=9)  # 2200: high
        self._run()
        self.assertEqual(self._risk_activities().user_id, self.kam_user)

    def test_critical_signal_also_to_team_leader(self):
        self._invoice(self.account, 1200.0, due_days_ago=70)  # critical by age
        self._run()
        activities = self._risk_activities()
        self.assertEqual(activities.user_id, self.kam_user | self.kam_manager)
        signal = self._open_signals()["overdue"]
        leader_activity = activities.filtered(lambda a: a.user_id == self.kam_manager)
        self.assertEqual(leader_activity.kam_reason, f"risk:overdue:{signal.id}:critical")
        self._run()
        self.assertEqual(len(self._risk_activities()), 2)

    def test_new_episode_raises_again(self):
        invoice = self._invoice(self.account, 2500.0, due_days_ago=10)
        self._run()
        self._risk_activities().action_feedback()
        self._pay(invoice, days_ago=0)
        self._run()
        self._invoice(self.account, 2600.0, due_days_ago=10)
        self._run()
        activity = self._risk_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.kam_reason, f"risk:overdue:{self._open_signals()['overdue'].id}")


class TestKamRiskAccess(KamHealthCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(cls.account, 1500.0, due_days_ago=10)
        cls._invoice(cls.other_account, 1500.0, due_days_ago=10)
        (cls.account | cls.other_account)._kam_refresh_health()
        Signal, Snapshot = cls.env["kam.risk.signal"], cls.env["kam.health.snapshot"]
        cls.signal = Signal.search([("partner_id", "=", cls.account.id)])
        cls.other_signal = Signal.search([("partner_id", "=", cls.other_account.id)])
        cls.snapshot = Snapshot.search([("partner_id", "=", cls.account.id)])
        cls.other_snapshot = Snapshot.search([("partner_id", "=", cls.other_account.id)])

    def test_user_reads_own_accounts_only(self):
        Signal = self.env["kam.risk.signal"].with_user(self.kam_user)
        self.assertEqual(Signal.search([]), self.signal.with_user(self.kam_user))
        self.assertEqual(self.signal.with_user(self.kam_user).value, 1500.0)
        with self.assertRaises(AccessError):
            self.other_signal.with_user(self.kam_user).read(["value"])
        Snapshot = self.env["kam.health.snapshot"].with_user(self.kam_user)
        self.assertEqual(Snapshot.search([]), self.snapshot.with_user(self.kam_user))
        with self.assertRaises(AccessError):
            self.other_snapshot.with_user(self.kam_user).read(["score"])
        # the "Health & Risk" page of the partner form, as the account manager
        form = Form(self.account.with_user(self.kam_user))
        self.assertEqual(form.kam_open_risk_signal_count, 1)
        self.assertEqual(form.kam_risk_level, "high", "no order, no contact, late payment: at risk")
        self.assertEqual(len(form.kam_open_risk_signal_ids), 1)

    def test_team_member_reads(self):
        self.other_account.kam_team_user_ids = [Command.link(self.kam_user.id)]
        self.assertTrue(self.other_signal.with_user(self.kam_user).read(["value"]))

    def test_user_cannot_write_signals_or_snapshots(self):
        with self.assertRaises(AccessError):
            self.signal.with_user(self.kam_user).write({"severity": "low"})
        with self.assertRaises(AccessError):
            self.snapshot.with_user(self.kam_user).write({"score": 100})
        with self.assertRaises(AccessError):
            self.env["kam.risk.signal"].with_user(self.kam_user).create(
                {"partner_id": self.account.id, "signal_type": "overdue"}
            )
        self.signal.with_user(self.kam_manager).write({"description": "Checked with finance"})
        self.assertEqual(self.signal.description, "Checked with finance")
        # what the job measured is not rewritten by hand, not even by a key account manager
        for vals in ({"severity": "low"}, {"value": 0.0}, {"resolved_on": self.signal.first_seen}):
            with self.assertRaises(AccessError):
                self.signal.with_user(self.kam_manager).write(vals)
        self.assertTrue(self.signal.is_open)

    def test_salesman_reads_nothing(self):
        with self.assertRaises(AccessError):
            self.env["kam.risk.signal"].with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.env["kam.health.snapshot"].with_user(self.salesman).search([])

    def test_refresh_button_rights(self):
        self.account.with_user(self.kam_user).action_kam_refresh_health()
        self.contact.with_user(self.kam_user).action_kam_refresh_health()  # on a contact: its company
        with self.assertRaisesMessage(AccessError, "accounts you manage"):
            self.other_account.with_user(self.kam_user).action_kam_refresh_health()
        with self.assertRaisesMessage(AccessError, "several accounts"):
            (self.account | self.other_account).with_user(self.kam_user).action_kam_refresh_health()
        with self.assertRaisesMessage(AccessError, "accounts you manage"):
            self.account.with_user(self.salesman).action_kam_refresh_health()
        plain = self.env["res.partner"].create({"name": "Not a key account", "is_company": True})
        with self.assertRaisesMessage(UserError, "none of the selected partners is a key account"):
            plain.with_user(self.kam_manager).action_kam_refresh_health()
        (self.account | self.other_account).with_user(self.kam_manager).action_kam_refresh_health()


class TestKamHealthScore(KamHealthCommon):
    def test_weights_must_add_up_to_100(self):
        before = self.company.kam_health_weight_spend
        with self.assertRaisesMessage(ValidationError, "add up to 100; they add up to 90"):
            self.company.write({"kam_health_weight_spend": 20})
        self.assertEqual(self.company.kam_health_weight_spend, before)
        with self.assertRaisesMessage(ValidationError, "between 0 and 100"):
            self.company.write({"kam_health_weight_spend": 130, "kam_health_weight_recency": -80})
        with self.assertRaisesMessage(ValidationError, "Watch From"):
            self.company.write({"kam_health_watch_from": 80})
        self.company.invalidate_recordset()
        self.assertEqual(self.company.kam_health_weight_spend, before)
        self.assertEqual(self.company.kam_health_watch_from, 51)

    def test_thresholds_refused(self):
        with self.assertRaisesMessage(ValidationError, "percent"):
            self.company.write({"kam_risk_late_share": 0})
        with self.assertRaisesMessage(ValidationError, "gap factor"):
            self.company.write({"kam_risk_gap_factor": 0.5})
        with self.assertRaisesMessage(ValidationError, "1-5 scale"):
            self.company.write({"kam_risk_min_satisfaction": 7})

    def test_settings_save_weights_together(self):
        settings = Form(self.env["res.config.settings"])
        settings.kam_health_weight_spend = 10
        settings.kam_health_weight_payment = 40  # 10 + 20 + 40 + 15 + 15
        settings.save().execute()
        self.assertEqual((self.company.kam_health_weight_spend, self.company.kam_health_weight_payment), (10, 40))
        settings = Form(self.env["res.config.settings"])
        settings.kam_health_weight_spend = 50
        with self.assertRaisesMessage(ValidationError, "they add up to 140"):
            settings.save().execute()

    def test_score_components_and_weights(self):
        self.account.kam_contact_interval_days = 30
        self._order(self.account, 1000.0, days_ago=400)
        self._order(self.account, 1000.0, days_ago=20)  # trailing window: stable revenue
        self._interaction(self.account, days_ago=3, satisfaction=4)
        self._invoice(self.account, 1500.0, due_days_ago=10)  # unpaid, 10 days overdue
        self._run()
        snapshot = self.account.kam_health_snapshot_ids
        self.assertEqual(len(snapshot), 1)
        self.assertEqual(snapshot.spend_score, 50, "stable revenue")
        self.assertEqual(snapshot.recency_score, 100, "last order 20 days ago, no rhythm of its own: 30 days")
        self.assertEqual(snapshot.payment_score, 0, "the only invoice due is late (100 %), 10 days overdue")
        self.assertEqual(snapshot.engagement_score, 100)
        self.assertEqual(snapshot.satisfaction_score, 75)
        expected = round((50 * 30 + 100 * 20 + 0 * 20 + 100 * 15 + 75 * 15) / 100)
        self.assertEqual(self.account.kam_health_score, expected)
        self.assertEqual(snapshot.score, expected)
        self.assertEqual(self.account.kam_health_band, "watch")
        self.assertEqual(self.account.kam_risk_level, "medium", "watch band, medium overdue signal")
        self.assertEqual(self.contact.commercial_partner_id.kam_health_score, expected)

        # all the weight on payment: the score is the payment component
        self.company.write(
            {
                "kam_health_weight_spend": 0,
                "kam_health_weight_recency": 0,
                "kam_health_weight_payment": 100,
                "kam_health_weight_engagement": 0,
                "kam_health_weight_satisfaction": 0,
            }
        )
        self._run()
        self.assertEqual(self.account.kam_health_score, 0)
        self.assertEqual(self.account.kam_health_band, "at_risk")
        self.assertEqual(self.account.kam_risk_level, "high", "at risk band: at least high")

    def test_weekly_snapshots_and_trend(self):
        self.account.kam_contact_interval_days = 30
        self._order(self.account, 1000.0, days_ago=20)
        self._interaction(self.account, days_ago=1, satisfaction=5)
        self._run()
        first = self.account.kam_health_snapshot_ids
        self.assertEqual(len(first), 1)
        self.assertEqual(self.account.kam_health_trend, "flat", "no previous snapshot")
        with freeze_time(self.today + timedelta(days=3)):
            self._run()
        self.assertEqual(self.account.kam_health_snapshot_ids, first, "less than a week: no new snapshot")
        # a week later the account pays late and has not been contacted: lower score
        self._invoice(self.account, 1500.0, due_days_ago=-7 + 10)
        with freeze_time(self.today + timedelta(days=7)):
            self._run()
        snapshots = self.account.kam_health_snapshot_ids
        self.assertEqual(len(snapshots), 2)
        latest = snapshots.sorted("date")[-1]
        self.assertEqual(latest.date, self.today + timedelta(days=7))
        self.assertLess(latest.score, first.score)
        self.assertEqual(self.account.kam_health_trend, "down")
        self.assertEqual(latest.tier_id, self.account.kam_tier_id)
        self.assertEqual(latest.revenue_current, 1000.0)

    def test_cron_covers_all_key_accounts(self):
        self._invoice(self.other_account, 1500.0, due_days_ago=10)
        self.env["res.partner"]._cron_kam_health(batch_size=1)
        self.assertEqual(self.account.kam_health_date, fields.Date.context_today(self.account))
        self.assertIn("overdue", self._open_signals(self.other_account))
        self.assertTrue(self.other_account.kam_health_snapshot_ids)

    def test_health_date_is_the_day_of_the_last_run(self):
        """A score holds as of the day of the health job's last run, on every
        account the job has scored, also the ones a later incremental run
        did not look at (their data did not change). The job writes no such
        day on the partners: the next day, an account whose health did not
        change keeps its partner row as it was."""
        Job = self.env["kam.job"]
        self.env["res.partner"]._cron_kam_health(full=True)
        unscored = self._make_account("Not Scored Yet", manager=self.kam_user)  # (key since the run)
        self.assertEqual(self.account.kam_health_date, self.today)
        self.assertFalse(unscored.kam_health_date)
        # a later run, that did not look at the account: its health holds as of that day
        Job._set_last_run("health", fields.Datetime.now() + timedelta(days=2))
        self.env["res.partner"].invalidate_model(["kam_health_date"])
        self.assertEqual(self.account.kam_health_date, self.today + timedelta(days=2))
        # (a key account user of another team reads nothing of the account's health)
        self.assertFalse(self.account.with_user(self.kam_user2).kam_health_date)
        self.assertEqual(self.account.with_user(self.kam_user).kam_health_date, self.today + timedelta(days=2))
        # searched as a date (saved filters): the scored key accounts when the day matches
        Partner = self.env["res.partner"]
        ids = (self.account | self.other_account | unscored).ids

        def found(*condition):
            return Partner.search([("id", "in", ids), condition])

        self.assertEqual(
            found("kam_health_date", "=", self.today + timedelta(days=2)), self.account | self.other_account
        )
        self.assertEqual(found("kam_health_date", ">", self.today), self.account | self.other_account)
        self.assertFalse(found("kam_health_date", "<", self.today))
        self.assertEqual(found("kam_health_date", "!=", False), self.account | self.other_account)
        self.assertEqual(found("kam_health_date", "=", False), unscored)
        with self.assertRaises(ValidationError):
            found("kam_health_date", ">", "nan")
        with self.assertRaises(UserError):
            found("kam_health_date", "ilike", "2025")
        # an account no longer key keeps its last score, but no day it holds as of
        self.other_account.kam_is_key_account = False
        self.assertFalse(self.other_account.kam_health_date)
        self.other_account.kam_is_key_account = True

        def version():
            self.env.flush_all()
            self.env.cr.execute("SELECT ctid::text FROM res_partner WHERE id = %s", [self.account.id])
            return self.env.cr.fetchone()[0]

        before, score = version(), self.account.kam_health_score
        with freeze_time(self.today + timedelta(days=1)):
            self.env["res.partner"]._cron_kam_health(full=True)
        self.assertEqual(self.account.kam_health_score, score)
        self.assertEqual(version(), before, "the next day, the same health: the partner row is not written")


@tagged("is_query_count")
class TestKamHealthQueries(KamHealthCommon):
    def _accounts(self, count):
        since = self.today - relativedelta(days=40)
        accounts = self.env["res.partner"].create(
            [
                {
                    "name": f"Query account {i}",
                    "is_company": True,
                    "kam_is_key_account": True,
                    "kam_manager_id": self.kam_user.id,
                    "kam_contact_interval_days": 10,  # never contacted in 40 days: critical silence
                    "kam_key_account_since": since,
                }
                for i in range(count)
            ]
        )
        for account in accounts:
            self._order(account, 100.0, days_ago=30)
        return accounts

    def _count_queries(self, accounts):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        accounts._kam_refresh_health()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_fixed_number_of_queries(self):
        self._count_queries(self._accounts(2))  # warm up the caches (activity type, model ids)
        small = self._count_queries(self._accounts(3))
        large = self._accounts(12)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(small):
            large._kam_refresh_health()
            self.env.flush_all()
        self.assertEqual(len(self.env["kam.risk.signal"].search([("partner_id", "in", large.ids)])), 12)
        self.assertEqual(len(self.env["kam.health.snapshot"].search([("partner_id", "in", large.ids)])), 12)
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [
                    ("res_model", "=", "kam.risk.signal"),
                    ("res_id", "in", self.env["kam.risk.signal"].search([("partner_id", "in", large.ids)]).ids),
                    ("kam_reason", "=like", "risk:%"),
                ]
            ),
            12,
        )


class TestKamHealthIncremental(KamHealthCommon):
    """The daily run looks at the accounts whose data changed since the last
    run, whose windows moved over a dated event (an invoice falling due) and
    whose own check date came (a threshold crossed by days passing); every
    account on the first run, weekly and on request."""

    def _yesterday(self):
        return freeze_time(self.today - timedelta(days=1))

    def _age_everything(self, days=1):
        """As if all data and the last (full) run were ``days`` old."""
        self.env.flush_all()
        cr = self.env.cr
        for table in ("res_partner", "sale_order", "account_move", "kam_interaction", "kam_tier", "res_company"):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '{days + 1} days'")  # noqa: S608
        self.env["kam.job"]._set_last_run("health", cr.now() - timedelta(days=days), full=True)
        self.env.invalidate_all()

    def _check_date(self, account):
        """The account's check day (kam.health.check), False without one."""
        self.env["kam.health.check"].invalidate_model()
        return self.env["kam.health.check"].search([("partner_id", "=", account.id)]).check_date

    def _tamper(self, account):
        """A score the job would correct, changed behind its back: it shows
        whether the job looked at the account."""
        self.env.cr.execute("UPDATE res_partner SET kam_health_score = 99 WHERE id = %s", [account.id])
        self.env.invalidate_all()

    def test_invoice_falling_due_without_any_write(self):
        # due 6 days ago with 5 grace days: overdue since today, not yesterday
        self._invoice(self.account, 1500.0, due_days_ago=6)
        Partner = self.env["res.partner"]
        with self._yesterday():
            first = Partner._cron_kam_health()
        self.assertTrue(first.full, "first run: every account")
        self.assertNotIn("overdue", self._open_signals())
        self.assertTrue(self._check_date(self.account) > self.today, "nothing foreseen by its rules")
        self._age_everything()
        self._tamper(self.account)
        self._tamper(self.other_account)
        result = Partner._cron_kam_health()
        self.assertFalse(result.full)
        self.assertEqual(self._open_signals()["overdue"].first_seen, self.today)
        self.assertNotEqual(self.account.kam_health_score, 99)
        self.assertEqual(self.other_account.kam_health_score, 99, "unchanged: not recomputed")
        key_accounts = Partner.search_count(self.env["kam.job"]._key_account_domain())
        self.assertLess(result.done, key_accounts)

    def test_changed_account_recomputed_unchanged_left_alone(self):
        Partner = self.env["res.partner"]
        with self._yesterday():
            Partner._cron_kam_health()
        self._age_everything()
        self._tamper(self.account)
        self._tamper(self.other_account)
        self._invoice(self.other_account, 2500.0, due_days_ago=10)  # written now: after the last run
        Partner._cron_kam_health()
        self.assertIn("overdue", self._open_signals(self.other_account))
        self.assertNotEqual(self.other_account.kam_health_score, 99, "its invoice changed: recomputed")
        self.assertEqual(self.account.kam_health_score, 99, "unchanged: not recomputed")
        # the next day, nothing changed: neither is looked at (the demo accounts' windows may move
        # over one of their many orders)
        self._age_everything()
        self._tamper(self.account)
        self._tamper(self.other_account)
        result = Partner._cron_kam_health()
        self.assertFalse(result.full)
        self.assertEqual((self.account.kam_health_score, self.other_account.kam_health_score), (99, 99))
        self.assertLess(result.done, Partner.search_count(self.env["kam.job"]._key_account_domain()))
        self._tamper(self.account)
        # a full run on request looks at every account
        result = Partner._cron_kam_health(full=True)
        self.assertTrue(result.full)
        self.assertEqual(result.done, Partner.search_count(self.env["kam.job"]._key_account_domain()))
        self.assertNotEqual(self.account.kam_health_score, 99)

    def test_order_gap_crossed_by_days_passing(self):
        for days in (36, 26, 16):  # every 10 days: the gap signal opens after 15 days without order
            self._order(self.account, 100.0, days_ago=days)
        Partner = self.env["res.partner"]
        with self._yesterday():
            Partner._cron_kam_health()
        self.assertNotIn("order_gap", self._open_signals(), "15 days yesterday: not over 15 yet")
        self.assertEqual(self._check_date(self.account), self.today, "the day it crosses the threshold")
        self._age_everything()
        self._tamper(self.other_account)
        Partner._cron_kam_health()
        gap = self._open_signals()["order_gap"]
        self.assertEqual((gap.value, gap.threshold, gap.first_seen), (16.0, 15.0, self.today))
        self.assertEqual(self.other_account.kam_health_score, 99)

    def test_full_run_when_settings_change_or_weekly(self):
        Partner = self.env["res.partner"]
        with self._yesterday():
            Partner._cron_kam_health()
        self._age_everything()
        self._tamper(self.other_account)
        self.company.kam_risk_overdue_amount = 500.0  # every account may change
        self.assertTrue(Partner._cron_kam_health().full)
        self.assertNotEqual(self.other_account.kam_health_score, 99)

        self._age_everything(8)  # the last full run is older than a week
        self._tamper(self.other_account)
        self.assertTrue(Partner._cron_kam_health().full)
        self.assertNotEqual(self.other_account.kam_health_score, 99)

    def test_account_never_scored_is_looked_at(self):
        """A key account without a score (nor a check day) is looked at by
        the next daily run even if nothing of it was written since."""
        Partner = self.env["res.partner"]
        self.assertTrue(Partner._cron_kam_health().full, "the first run")
        new = self._make_account("Never Scored", manager=self.kam_user)
        self._age_everything()
        self.assertFalse(new.kam_health_band)
        self.assertFalse(self.env["kam.health.check"].search_count([("partner_id", "=", new.id)]))
        self._tamper(self.account)
        self.assertFalse(Partner._cron_kam_health().full)
        self.assertTrue(new.kam_health_band, "never scored: looked at")
        self.assertTrue(self._check_date(new), "and given its check day")
        self.assertEqual(self.account.kam_health_score, 99, "scored, nothing changed: not looked at")

    def test_migration_moves_the_check_days(self):
        """18.0.1.13.0: the check days of the old partner column go to
        kam.health.check, the column goes; a scored account without one
        is looked at on the next run."""
        migration = load_migration("18.0.1.13.0")
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DELETE FROM kam_health_check WHERE partner_id IN %s", [(self.account.id, self.other_account.id)])
        cr.execute("ALTER TABLE res_partner ADD COLUMN kam_health_check_date date")
        cr.execute(
            "UPDATE res_partner SET kam_health_check_date = %s, kam_health_band = 'good' WHERE id = %s",
            [self.today + timedelta(days=3), self.account.id],
        )
        cr.execute("UPDATE res_partner SET kam_health_band = 'watch' WHERE id = %s", [self.other_account.id])
        migration.migrate(cr, "18.0.1.12.0")
        cr.execute(
            "SELECT partner_id, check_date FROM kam_health_check WHERE partner_id IN %s",
            [(self.account.id, self.other_account.id)],
        )
        self.assertEqual(
            dict(cr.fetchall()),
            {self.account.id: self.today + timedelta(days=3), self.other_account.id: fields.Date.today()},
        )
        cr.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_name = 'res_partner' AND column_name = 'kam_health_check_date'"
        )
        self.assertFalse(cr.fetchone(), "the old column dropped")
        migration.migrate(cr, "18.0.1.12.0")  # again: nothing to move, nothing changed
        cr.execute("SELECT check_date FROM kam_health_check WHERE partner_id = %s", [self.account.id])
        self.assertEqual(cr.fetchone()[0], self.today + timedelta(days=3))
        self.env.invalidate_all()

    def test_weekly_snapshot_comes_by_its_check_date(self):
        Partner = self.env["res.partner"]
        Partner._cron_kam_health()
        self.assertEqual(self._check_date(self.other_account), self.today + timedelta(days=7))
        self._age_everything(6)  # a run 6 days ago, nothing changed since: the next one is a daily run
        self.env.cr.execute(
            "UPDATE kam_health_snapshot SET date = date - 7 WHERE partner_id = %s", [self.other_account.id]
        )
        self.env.cr.execute(
            "UPDATE kam_health_check SET check_date = %s WHERE partner_id = %s", [self.today, self.other_account.id]
        )
        self.env.invalidate_all()

        def version():
            self.env.flush_all()
            self.env.cr.execute("SELECT ctid::text FROM res_partner WHERE id = %s", [self.other_account.id])
            return self.env.cr.fetchone()[0]

        before, score = version(), self.other_account.kam_health_score
        self.assertFalse(Partner._cron_kam_health().full)
        self.assertEqual(len(self.other_account.kam_health_snapshot_ids), 2, "its week is over: a new snapshot")
        self.assertEqual(self._check_date(self.other_account), self.today + timedelta(days=7))
        # the check day lives in a narrow table of its own: a new one, the same health, the partner row
        # not written
        self.assertEqual(self.other_account.kam_health_score, score)
        self.assertEqual(version(), before, "a new check day alone: the partner row is not written")
        check = self.env["kam.health.check"].search([("partner_id", "=", self.other_account.id)])
        self.assertEqual(check.check_date, self.today + timedelta(days=7))
        # the job's own: not readable by the key account users, nor through the partner
        with self.assertRaises(AccessError):
            check.with_user(self.kam_user).read(["check_date"])
        self.assertNotIn("kam_health_check_date", self.env["res.partner"]._fields)

    def test_orders_leaving_a_window_that_counts(self):
        """An order a window edge moved over since the last run: its account is
        looked at when the edge is one its figures read (a confirmed order for
        the sale windows, any order but a draft for the cancellations), not
        otherwise (a cancelled order leaving the trailing window, a confirmed
        one leaving the months before last year's spend months, never read)."""
        Partner = self.env["res.partner"]
        Figures = self.env["kam.account.figures"]
        yesterday = self.today - timedelta(days=1)
        trailing = self.company.kam_trailing_months
        spend = self.company.kam_risk_spend_months
        last_year = relativedelta(years=1)

        def crossed(boundary):
            """A moment the edge ``boundary(day)`` moved over from yesterday to today."""
            before, now = boundary(yesterday), boundary(self.today)
            self.assertLess(before, now)
            return before + (now - before) / 2

        def account(name, boundary, confirm=True):
            partner = Partner.create({"name": name, "is_company": True, "kam_is_key_account": True})
            order = self._order(partner, 100.0, confirm=confirm, when=crossed(boundary))
            if not confirm:
                order._action_cancel()
            return partner

        looked_at = {
            "trailing start": account("Trailing", lambda d: Figures._window(trailing, d)[1]),
            "before the trailing months": account("Previous", lambda d: Figures._window(trailing, d)[0]),
            "spend start": account("Spend", lambda d: Figures._window(spend, d)[1]),
            "spend months last year": account("Last year", lambda d: Figures._window(spend, d - last_year)[1]),
            "cancellations' start": account(
                "Cancelled recently",
                lambda d: Figures._day_end(d) - relativedelta(days=90),
                confirm=False,
            ),
        }
        left_alone = {
            "cancelled, trailing start": account("Cancelled", lambda d: Figures._window(trailing, d)[1], confirm=False),
            "before the spend months last year": account(
                "Two years", lambda d: Figures._window(spend, d - last_year)[0]
            ),
        }
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("partner_id", "in", [p.id for p in left_alone.values()]), ("state", "=", "cancel")]
            ),
            1,
        )
        with self._yesterday():
            Partner._cron_kam_health()
        self._age_everything()
        for partner in (*looked_at.values(), *left_alone.values()):
            self.assertGreater(self._check_date(partner), self.today, "nothing due by its check date")
            self._tamper(partner)
        result = Partner._cron_kam_health()
        self.assertFalse(result.full)
        for edge, partner in looked_at.items():
            self.assertNotEqual(partner.kam_health_score, 99, f"an order moved over the {edge}: looked at")
        for edge, partner in left_alone.items():
            self.assertEqual(partner.kam_health_score, 99, f"an order moved over the {edge}: nothing to read")
