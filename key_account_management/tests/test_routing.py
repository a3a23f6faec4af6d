# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import KamCommon
from .test_health import KamHealthCommon


class RoutingMixin:
    """Owners of the shipped duties, in the account team of the test account."""

    @classmethod
    def _routing_users(cls):
        cls.collections = cls.env.ref("key_account_management.kam_duty_collections")
        cls.analysis = cls.env.ref("key_account_management.kam_duty_data_analysis")
        cls.information = cls.env.ref("key_account_management.kam_duty_information")
        group = "key_account_management.group_kam_user"
        cls.collector = new_test_user(cls.env, "kam_collector", groups=group, name="Collector")
        cls.backup = new_test_user(cls.env, "kam_backup", groups=group, name="Backup")
        cls.analyst = new_test_user(cls.env, "kam_analyst", groups=group, name="Analyst")
        cls.boss = new_test_user(cls.env, "kam_boss", groups=group, name="Escalation Boss")
        cls.account.kam_team_user_ids = [Command.set((cls.collector | cls.backup | cls.analyst | cls.boss).ids)]

    def _own(self, duty, user, backup=None, account=None, **vals):
        """The account's confirmed responsibility (R) for ``duty``, held by ``user``."""
        account = account or self.account
        Resp = self.env["kam.responsibility"]
        values = dict(
            {
                "user_id": user.id,
                "backup_user_id": backup.id if backup else False,
                "raci": "responsible",
                "state": "confirmed",
            },
            **vals,
        )
        existing = Resp.search(
            [("partner_id", "=", account.id), ("duty_id", "=", duty.id), ("raci", "=", "responsible")]
        )
        if existing:
            existing.write(values)
            return existing
        return Resp.create(dict(values, partner_id=account.id, duty_id=duty.id))


@tagged("post_install", "-at_install")
class TestRoutingSignals(RoutingMixin, KamHealthCommon):
    """Risk activities go to the owner of the duty their signal type is routed to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._routing_users()

    def _overdue_activity(self):
        self._invoice(self.account, 2500.0, due_days_ago=10)  # high: an activity
        self._run()
        activity = self._risk_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.kam_reason, f"risk:overdue:{self._open_signals()['overdue'].id}")
        return activity

    def test_overdue_to_collections_owner(self):
        self._own(self.collections, self.collector, backup=self.backup)
        self.assertEqual(self._overdue_activity().user_id, self.collector)

    def test_to_backup_when_owner_archived(self):
        self._own(self.collections, self.collector, backup=self.backup)
        self.collector.active = False
        self.assertEqual(self._overdue_activity().user_id, self.backup)

    def test_to_backup_when_owner_away(self):
        resp = self._own(self.collections, self.collector, backup=self.backup)
        # the owner marks themselves away in their preferences
        self.collector.with_user(self.collector).write({"kam_away": True})
        self.assertTrue(resp.user_away)
        self.assertEqual(self._overdue_activity().user_id, self.backup)

    def test_to_manager_when_no_owner(self):
        self.assertEqual(self._overdue_activity().user_id, self.kam_user, "nobody owns Collections")

    def test_to_manager_when_owner_and_backup_cannot_take_it(self):
        self._own(self.collections, self.collector, backup=self.backup)
        self.collector.kam_away = True
        self.backup.active = False
        self.assertEqual(self._overdue_activity().user_id, self.kam_user)

    def test_owner_outside_the_account_team_gets_nothing(self):
        """An owner who may not read the account (not its manager, not in its
        team) would get an activity on a signal they cannot open: the manager gets it."""
        outsider = new_test_user(self.env, "kam_outsider", groups="key_account_management.group_kam_user")
        self._own(self.collections, outsider)
        self.assertEqual(self._overdue_activity().user_id, self.kam_user)

    def test_owner_outside_the_account_company_gets_nothing(self):
        """An owner in the account team who is no longer allowed in the
        account's company cannot read it: the activity (its summary names
        the account and its figures) goes to the backup, else the manager."""
        other = self.env["res.company"].create({"name": "Routing Other Company"})
        self.assertEqual(self.account.company_id, self.env.company)
        for user in (self.collector, self.backup):
            user.write({"company_ids": [Command.link(other.id)]})
        self._own(self.collections, self.collector, backup=self.backup)
        self.collector.write({"company_id": other.id, "company_ids": [Command.set(other.ids)]})
        self.assertEqual(self._overdue_activity().user_id, self.backup)
        # the backup moved too: the manager
        self._risk_activities().unlink()
        self.env["kam.risk.signal"].search([("partner_id", "=", self.account.id)]).unlink()
        self.backup.write({"company_id": other.id, "company_ids": [Command.set(other.ids)]})
        self.assertEqual(self._overdue_activity().user_id, self.kam_user)

    def test_proposed_responsibility_routes_nothing(self):
        self._own(self.collections, self.collector, state="draft")
        self.assertEqual(self._overdue_activity().user_id, self.kam_user)

    def test_spend_drop_to_data_analysis_owner(self):
        self._own(self.analysis, self.analyst)
        self._own(self.collections, self.collector)
        self._order(self.account, 1000.0, days_ago=120)
        self._order(self.account, 500.0, days_ago=30)
        self._order(self.account, 1000.0, days_ago=400)
        self._run()
        signal = self._open_signals()["spend_drop"]
        activity = self._risk_activities().filtered(lambda a: a.res_id == signal.id)
        self.assertEqual(activity.user_id, self.analyst)

    def test_critical_also_to_leader(self):
        leader = self.kam_manager
        self.env["crm.team"].create(
            {"name": "Key Accounts East", "user_id": leader.id, "member_ids": [Command.link(self.kam_user.id)]}
        )
        self._own(self.collections, self.collector)
        self._invoice(self.account, 1200.0, due_days_ago=70)  # critical by age
        self._run()
        self.assertEqual(self._risk_activities().user_id, self.collector | self.kam_manager)

    def test_leader_away_keeps_the_critical_escalation(self):
        """The escalation of a critical risk is for the sales team's leader,
        whom no duty backs up: marked away, the leader keeps it (it does not
        go to the duty owner, who already has the risk's own activity)."""
        leader = self.kam_manager
        self.env["crm.team"].create(
            {"name": "Key Accounts East", "user_id": leader.id, "member_ids": [Command.link(self.kam_user.id)]}
        )
        self._own(self.collections, self.collector, backup=self.backup)
        self._invoice(self.account, 1200.0, due_days_ago=70)  # critical by age
        self._run()
        escalation = self._risk_activities().filtered(lambda activity: activity.kam_reason.endswith(":critical"))
        self.assertEqual(escalation.user_id, leader)
        leader.with_user(leader).write({"kam_away": True})
        self.assertEqual(escalation.user_id, leader)
        self.assertEqual(self._risk_activities().mapped("user_id"), self.collector | leader)

    def test_complaint_escalation_user_away(self):
        """A new complaint goes to the escalation user of Complaint Escalation; away, to its
        responsible user; that one away too, to the backup."""
        duty = self.env.ref("key_account_management.kam_duty_complaint_escalation")
        self._own(duty, self.collector, backup=self.backup, escalation_user_id=self.boss.id)
        Interaction = self.env["kam.interaction"].with_user(self.kam_user)

        def complaint_owner(name):
            complaint = Interaction.create({"partner_id": self.account.id, "name": name, "channel": "complaint"})
            return complaint.activity_ids.user_id

        self.assertEqual(complaint_owner("Broken parts"), self.boss)
        self.boss.with_user(self.boss).kam_away = True
        self.assertEqual(complaint_owner("Late parts"), self.collector)
        self.collector.with_user(self.collector).kam_away = True
        self.assertEqual(complaint_owner("Wrong parts"), self.backup)

    def test_route_changes_apply_at_once(self):
        """A route given another warning, or archived, routes the next one of
        the same transaction accordingly (nothing read before the change is flushed)."""
        self._own(self.analysis, self.analyst)
        Routing = self.env["kam.routing"]
        self.assertEqual(Routing._route_one(self.account, "order_gap"), self.kam_user, "not routed")
        route = self.env.ref("key_account_management.kam_route_spend_drop").with_user(self.kam_manager)
        route.key = "order_gap"
        self.assertEqual(Routing._route_one(self.account, "order_gap"), self.analyst)
        route.active = False
        self.assertEqual(Routing._route_one(self.account, "order_gap"), self.kam_user)

    def test_routing_configuration_by_managers_only(self):
        route = self.env.ref("key_account_management.kam_route_overdue")
        self.assertEqual(route.with_user(self.kam_user).duty_id, self.collections, "users read the routing")
        with self.assertRaises(AccessError):
            route.with_user(self.kam_user).duty_id = self.analysis
        with self.assertRaises(AccessError):
            self.env["kam.route"].with_user(self.kam_user).create({"key": "order_gap", "duty_id": self.analysis.id})
        with self.assertRaises(AccessError):
            route.with_user(self.salesman).read(["duty_id"])
        # a manager sends overdue receivables to Data Analysis instead: the next activity follows
        route.with_user(self.kam_manager).duty_id = self.analysis
        self._own(self.collections, self.collector)
        self._own(self.analysis, self.analyst)
        self.assertEqual(self._overdue_activity().user_id, self.analyst)
        # archived route: to the manager again
        route.with_user(self.kam_manager).active = False
        self.assertEqual(self.env["kam.routing"]._route_one(self.account, "overdue"), self.kam_user)
        self.assertEqual(self.env["kam.routing"]._route_one(self.account, "spend_drop"), self.analyst)

    def test_away_set_by_self_or_manager_only(self):
        resp = self._own(self.collections, self.collector, backup=self.backup)
        with self.assertRaises(AccessError):
            self.backup.with_user(self.collector).write({"kam_away": True})
        with self.assertRaises(AccessError):
            resp.with_user(self.backup).user_away = True
        self.assertFalse(self.collector.kam_away)
        resp.with_user(self.kam_manager).user_away = True
        self.assertTrue(self.collector.kam_away)
        resp.with_user(self.collector).user_away = False
        self.assertFalse(self.collector.kam_away)


@tagged("post_install", "-at_install")
class TestDutyDeadlines(RoutingMixin, KamCommon):
    """Reminders before the due date, escalation after it, done on time or late."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._routing_users()
        cls.company.write({"kam_duty_lead_days": 3, "kam_duty_escalation_days": 3})
        cls.Engine = cls.env["kam.duty.engine"]

    def _duty_activities(self, resp=None):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.account.id),
                    ("kam_reason", "=like", f"duty:{resp.id}:%" if resp else "duty:%"),
                ]
            )
        )

    def test_reminder_lead_days_before_and_once(self):
        in_4_days = self.today + relativedelta(days=4)
        resp = self._own(self.collections, self.collector, cadence="monthly", deadline=in_4_days)
        self.assertEqual(resp.next_due_date, self.today + relativedelta(days=4))
        self.Engine._cron_kam_duties()
        self.assertFalse(self._duty_activities(), "4 days ahead, 3 days of lead time: not yet")
        resp.deadline = self.today + relativedelta(days=3)
        self.Engine._cron_kam_duties()
        activity = self._duty_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.date_deadline, resp.deadline)
        self.assertEqual(activity.kam_reason, f"duty:{resp.id}:{resp.deadline}")
        self.assertEqual(activity.activity_type_id, self.env.ref("key_account_management.mail_activity_type_kam_duty"))
        self.assertIn("Collections", activity.summary)
        self.Engine._cron_kam_duties()
        self.assertEqual(len(self._duty_activities()), 1, "never twice")
        # the activity done (not the duty): not raised again for the same due date
        activity.action_feedback("noted")
        self.Engine._cron_kam_duties()
        self.assertEqual(len(self._duty_activities()), 1)
        self.assertFalse(self._duty_activities().active)

    def test_texts_in_the_readers_language(self):
        """The reminder names the duty in its owner's language, the escalation in its receiver's."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["key_account_management"], ["zh_CN"], overwrite=True)
        self.collector.lang = "zh_CN"
        self.boss.lang = "en_US"
        self._own(
            self.collections,
            self.collector,
            escalation_user_id=self.boss.id,
            deadline=self.today - relativedelta(days=5),
        )
        self.Engine._cron_kam_duties()
        activities = self._duty_activities()
        reminder = activities.filtered(lambda a: a.user_id == self.collector)
        escalation = activities.filtered(lambda a: a.user_id == self.boss)
        self.assertIn("回款", reminder.summary)
        self.assertIn("Collections", escalation.summary)
        self.assertNotIn("回款", escalation.summary)

    def test_reminder_to_backup_when_owner_away(self):
        self._own(self.collections, self.collector, backup=self.backup, deadline=self.today)
        self.collector.kam_away = True
        self.Engine._cron_kam_duties()
        self.assertEqual(self._duty_activities().user_id, self.backup)

    def test_cadence_without_deadline(self):
        resp = self._own(self.collections, self.collector, cadence="weekly")
        self.assertEqual(resp.next_due_date, self.today + relativedelta(weeks=1), "a week after its creation")
        resp.last_done_date = self.today - relativedelta(days=5)
        self.assertEqual(resp.next_due_date, self.today + relativedelta(days=2))
        self.Engine._cron_kam_duties()
        self.assertEqual(self._duty_activities(resp).user_id, self.collector)

    def test_draft_or_event_without_deadline_raises_nothing(self):
        self._own(self.collections, self.collector, cadence="event")
        self._own(self.analysis, self.analyst, state="draft", deadline=self.today)
        self.Engine._cron_kam_duties()
        self.assertFalse(self._duty_activities())

    def test_overdue_escalation_after_delay(self):
        resp = self._own(self.collections, self.collector, escalation_user_id=self.boss.id)
        resp.deadline = self.today - relativedelta(days=2)
        self.Engine._cron_kam_duties()
        self.assertEqual(self._duty_activities().user_id, self.collector, "overdue 2 days: a reminder only")
        resp.deadline = self.today - relativedelta(days=3)
        self.Engine._cron_kam_duties()
        escalation = self._duty_activities().filtered(lambda a: a.kam_reason.endswith(":escalated"))
        self.assertEqual(escalation.user_id, self.boss)
        self.assertIn("Overdue since", escalation.summary)
        note = resp.message_ids.filtered(lambda m: "escalated to Escalation Boss" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.Engine._cron_kam_duties()
        self.assertEqual(len(self._duty_activities().filtered(lambda a: a.kam_reason.endswith(":escalated"))), 1)
        self.assertEqual(len(resp.message_ids.filtered(lambda m: "escalated to" in (m.body or ""))), 1)

    def test_escalation_to_manager_without_escalation_user(self):
        self._own(self.collections, self.collector, deadline=self.today - relativedelta(days=10))
        self.Engine._cron_kam_duties()
        escalation = self._duty_activities().filtered(lambda a: a.kam_reason.endswith(":escalated"))
        self.assertEqual(escalation.user_id, self.kam_user)

    def test_no_escalation_to_the_one_reminded(self):
        """The key account manager owns the duty and nobody is set to escalate to: one reminder, no escalation."""
        due = self.today - relativedelta(days=10)
        resp = self._own(self.collections, self.kam_user, deadline=due)
        self.Engine._cron_kam_duties()
        activity = self._duty_activities()
        self.assertEqual((activity.kam_reason, activity.user_id), (f"duty:{resp.id}:{due}", self.kam_user))

    def test_done_on_time_and_late(self):
        soon, past = self.today + relativedelta(days=2), self.today - relativedelta(days=5)
        on_time = self._own(self.collections, self.collector, cadence="monthly", deadline=soon)
        late = self._own(self.analysis, self.collector, cadence="event", deadline=past)
        self.Engine._cron_kam_duties()
        self.assertEqual(len(self._duty_activities()), 3, "two reminders, one escalation")
        on_time.with_user(self.collector).action_done()
        self.assertEqual(on_time.last_done_date, self.today)
        due = self.today + relativedelta(days=2)
        self.assertEqual(on_time.deadline, due + relativedelta(months=1), "moved by the cadence")
        self.assertFalse(self._duty_activities(on_time).filtered("active"), "its reminder is closed")
        late.with_user(self.collector).action_done()
        self.assertFalse(late.deadline, "no cadence: no next deadline")
        self.assertFalse(late.next_due_date)
        self.assertFalse(self._duty_activities().filtered("active"))
        logs = self.env["kam.responsibility.done"].search([("user_id", "=", self.collector.id)])
        self.assertEqual(sorted(logs.mapped("on_time")), [False, True])
        self.assertEqual(logs.filtered(lambda log: not log.on_time).days_late, 5)
        # the moved deadline raises a new reminder in time, not the old one
        self.Engine._cron_kam_duties()
        self.assertFalse(self._duty_activities().filtered("active"))

        Perf = self.env["kam.responsibility.performance"]
        mine = Perf.with_user(self.collector).search([])
        self.assertEqual(mine.user_id, self.collector, "a user sees their own figures only")
        self.assertEqual(sum(mine.mapped("owned_count")), 2)
        self.assertEqual(sum(mine.mapped("done_on_time_count")), 1)
        self.assertEqual(sum(mine.mapped("done_late_count")), 1)
        self.assertEqual(sum(mine.mapped("overdue_count")), 0)
        self.assertFalse(Perf.with_user(self.kam_user2).search([("user_id", "=", self.collector.id)]))
        everyone = Perf.with_user(self.kam_manager).search([("user_id", "=", self.collector.id)])
        self.assertEqual(everyone, mine)
        with self.assertRaises(AccessError):
            Perf.with_user(self.salesman).search([])

    def test_overdue_now_counted(self):
        self._own(self.collections, self.collector, deadline=self.today - relativedelta(days=1))
        perf = self.env["kam.responsibility.performance"].search([("user_id", "=", self.collector.id)])
        self.assertEqual((perf.owned_count, perf.overdue_count), (1, 1))

    def test_reminder_follows_the_owner_and_the_due_date(self):
        """A duty given to someone else, or moved to another date, does not
        leave its reminder with the former owner or for the former date: the
        next run raises it for the people and date of now. One done stays done."""
        resp = self._own(self.collections, self.collector, deadline=self.today + relativedelta(days=1))
        self.Engine._cron_kam_duties()
        self.assertEqual(self._duty_activities(resp).user_id, self.collector)
        resp.write({"user_id": self.analyst.id, "deadline": resp.deadline})
        self.assertFalse(self._duty_activities(resp).filtered("active"), "out of date: gone")
        self.Engine._cron_kam_duties()
        self.assertEqual(self._duty_activities(resp).user_id, self.analyst)
        resp.deadline = self.today + relativedelta(days=2)
        self.Engine._cron_kam_duties()
        reminder = self._duty_activities(resp)
        self.assertEqual((reminder.date_deadline, reminder.user_id), (resp.deadline, self.analyst))
        # done, then given back to the collector: the done reminder is kept
        reminder.action_feedback("noted")
        resp.user_id = self.collector
        self.assertEqual(self._duty_activities(resp), reminder, "kept, done")
        self.assertFalse(reminder.active)
        # archived: its open reminder goes
        resp.deadline = self.today
        self.Engine._cron_kam_duties()
        self.assertTrue(self._duty_activities(resp).filtered("active"))
        resp.active = False
        self.assertFalse(self._duty_activities(resp).filtered("active"))

    def test_mark_done_rights(self):
        resp = self._own(self.collections, self.collector, backup=self.backup, deadline=self.today)
        # kam_user2: a user of the addon, not one of the people of this duty (and not of this account)
        with self.assertRaises(AccessError):
            resp.with_user(self.kam_user2).action_done()
        # the analyst reads the account (team) but is not one of the people of this duty
        with self.assertRaisesMessage(AccessError, "mark it done"):
            resp.with_user(self.analyst).action_done()
        self.assertFalse(resp.last_done_date)
        self.assertFalse(self.env["kam.responsibility.done"].search([("responsibility_id", "=", resp.id)]))
        resp.with_user(self.backup).action_done()
        self.assertEqual(resp.last_done_date, self.today)
        self.assertEqual(resp.done_ids.done_by_id, self.backup)
        self.assertEqual(resp.done_ids.user_id, self.collector, "counted for the responsible user")

    def test_settings_refused(self):
        with self.assertRaisesMessage(ValidationError, "between 0 and 365 days"):
            self.company.write({"kam_duty_lead_days": -1})
        with self.assertRaisesMessage(ValidationError, "0 to 365 days"):
            self.company.write({"kam_duty_escalation_days": -2})
        settings = self.env["res.config.settings"].create({"kam_duty_lead_days": -3})
        with self.assertRaisesMessage(ValidationError, "between 0 and 365 days"):
            settings.execute()
        self.assertEqual(self.company.kam_duty_lead_days, 3, "nothing saved")
        settings = self.env["res.config.settings"].create({"kam_duty_lead_days": 5, "kam_duty_escalation_days": 7})
        settings.execute()
        self.assertEqual((self.company.kam_duty_lead_days, self.company.kam_duty_escalation_days), (5, 7))

    def test_pipeline_stage(self):
        stages = [name for name, __, __ in self.env["kam.pipeline"].STAGES]
        self.assertEqual(stages.index("duties"), stages.index("reviews") + 1)
        self._own(self.collections, self.collector, deadline=self.today)
        self.env["kam.pipeline"]._cron_daily(stages=["duties"])
        self.assertEqual(self._duty_activities().user_id, self.collector)


@tagged("post_install", "-at_install")
class TestReviewerActivity(RoutingMixin, KamCommon):
    """Reviews raise an activity for their reviewer: the Information Upkeep owner, else the manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._routing_users()
        cls.tier_b.review_interval_months = 3
        cls.account.write({"kam_tier_id": cls.tier_b.id, "kam_key_account_since": cls.today - relativedelta(months=4)})

    def _review_activity(self, review):
        return self.env["mail.activity"].search(
            [("res_model", "=", "kam.review"), ("res_id", "=", review.id), ("kam_reason", "=", "review")]
        )

    def test_job_review_to_information_owner(self):
        self._own(self.information, self.analyst)
        Review = self.env["kam.review"]
        Review._cron_schedule_reviews()
        review = Review.search([("partner_id", "=", self.account.id)])
        self.assertEqual(review.user_id, self.analyst)
        activity = self._review_activity(review)
        self.assertEqual(activity.user_id, self.analyst)
        self.assertEqual(activity.date_deadline, review.date_due)
        self.assertIn(self.account.name, activity.summary)

    def test_job_review_to_manager_without_owner(self):
        Review = self.env["kam.review"]
        Review._cron_schedule_reviews()
        review = Review.search([("partner_id", "=", self.account.id)])
        self.assertEqual(review.user_id, self.kam_user)
        self.assertEqual(self._review_activity(review).user_id, self.kam_user)

    def test_job_reviews_in_bulk(self):
        self._own(self.information, self.analyst)
        self.other_account.write(
            {"kam_tier_id": self.tier_b.id, "kam_key_account_since": self.today - relativedelta(months=4)}
        )
        Review = self.env["kam.review"]
        with patch.object(type(Review), "BULK_MIN", 2):
            Review._cron_schedule_reviews()
        reviews = Review.search([("partner_id", "in", (self.account | self.other_account).ids)])
        self.assertEqual(len(reviews), 2)
        for review in reviews:
            expected = self.analyst if review.partner_id == self.account else self.kam_user2
            self.assertEqual(review.user_id, expected)
            activity = self._review_activity(review)
            self.assertEqual(activity.user_id, expected)
            self.assertEqual(activity.res_name, review.name)

    def test_review_by_hand_reassigned_and_done(self):
        review = (
            self.env["kam.review"]
            .with_user(self.kam_user)
            .create(
                {
                    "partner_id": self.account.id,
                    "date_from": self.today - relativedelta(months=3),
                    "date_to": self.today,
                    "user_id": self.kam_user.id,
                }
            )
        )
        self.assertEqual(self._review_activity(review).user_id, self.kam_user)
        review.with_user(self.kam_user).user_id = self.backup
        self.assertEqual(self._review_activity(review).user_id, self.backup, "the new reviewer takes it over")
        review.line_ids.with_user(self.kam_user).write({"checked": True})
        review.with_user(self.kam_user).action_done()
        self.assertFalse(self._review_activity(review), "done with the review")
