# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.convert import convert_file

from ..models.kam_cadence_engine import CARE_TYPE, FOLLOW_UP_TYPE
from ..models.kam_duty_engine import DUTY_TYPE
from .common import KamCommon
from .test_routing import RoutingMixin

COVERAGE_KEYS = ("single_threaded", "key_people_unreached", "contacts_silent")


class LeftoversCommon(RoutingMixin, KamCommon):
    """The owners of the shipped duties in the account team (RoutingMixin),
    the account's decision maker and champion, and the jobs' activities."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._routing_users()
        cls.followup = cls.env.ref("key_account_management.kam_duty_sales_followup")
        cls.now = fields.Datetime.now()
        Partner = cls.env["res.partner"]
        cls.director = Partner.create(
            {"name": "Acme Director", "parent_id": cls.account.id, "kam_buying_role": "decision_maker"}
        )
        cls.champion = Partner.create(
            {"name": "Acme Champion", "parent_id": cls.account.id, "kam_buying_role": "champion"}
        )
        cls.employee = new_test_user(cls.env, "kam_plain_employee", groups="base.group_user", name="Plain Employee")

    def _touch(self, contact, days_ago):
        return self.env["kam.interaction"].create(
            {
                "name": f"Touch {days_ago}",
                "partner_id": self.account.id,
                "channel": "meeting",
                "state": "done",
                "date": self.now - timedelta(days=days_ago),
                "contact_ids": [Command.set(contact.ids)],
                "user_ids": [Command.set(self.kam_user.ids)],
            }
        )

    def _key_people_activity(self):
        """The activity of a high "key people not reached" risk of the
        account: the director last met 70 days ago, the champion never."""
        self._touch(self.director, 70)
        self._touch(self.contact, 5)
        self.assertFalse(self.env["kam.coverage.engine"]._run(full=True, today=self.today).skipped)
        self.env["kam.health.engine"]._refresh(self.account.ids)
        self.env.invalidate_all()
        signal = self.env["kam.risk.signal"].search(
            [("partner_id", "=", self.account.id), ("signal_type", "=", "key_people_unreached"), ("is_open", "=", True)]
        )
        self.assertEqual(signal.severity, "high")
        activity = self.env["mail.activity"].search([("kam_reason", "=", f"risk:key_people_unreached:{signal.id}")])
        self.assertEqual(len(activity), 1)
        self.assertEqual((activity.res_model, activity.res_id), ("kam.risk.signal", signal.id))
        return activity

    def _raise(self, reason, user, activity_type=None, account=None):
        """An activity of the jobs on the account (kam.activity: once per reason)."""
        activity = self.env["kam.activity"]._raise_once(
            [((account or self.account).id, reason, user.id, f"Job activity {reason}")], activity_type
        )
        self.assertEqual(len(activity), 1)
        return activity


@tagged("post_install", "-at_install")
class TestCoverageRoutes(LeftoversCommon):
    """The relationship-coverage risks go to the owner of Sales Follow-up."""

    def test_three_routes_shipped(self):
        for key in COVERAGE_KEYS:
            route = self.env.ref(f"key_account_management.kam_route_{key}")
            self.assertEqual((route.key, route.duty_id, route.active), (key, self.followup, True))
        # key account users read the routing (the matrix shows who gets what)
        routes = self.env["kam.route"].with_user(self.kam_user).search([("key", "in", COVERAGE_KEYS)])
        self.assertEqual(sorted(routes.mapped("key")), sorted(COVERAGE_KEYS))
        for key in COVERAGE_KEYS:
            self.assertEqual(self.env["kam.routing"]._route_one(self.account, key), self.kam_user, "nobody owns it")
        self._own(self.followup, self.collector)
        for key in COVERAGE_KEYS:
            self.assertEqual(self.env["kam.routing"]._route_one(self.account, key), self.collector)

    def test_route_made_by_hand_kept_on_update(self):
        """A database of before the route was shipped, where a manager routed
        silent contacts by hand: the update keeps that route (one per key)."""
        self.env.ref("key_account_management.kam_route_contacts_silent").unlink()
        hand = (
            self.env["kam.route"]
            .with_user(self.kam_manager)
            .create({"key": "contacts_silent", "duty_id": self.analysis.id})
        )
        # what the update (-u) does with the file
        convert_file(self.env, "key_account_management", "data/kam_route_data.xml", None, mode="update", kind="data")
        self.assertEqual(self.env.ref("key_account_management.kam_route_contacts_silent"), hand)
        self.assertEqual(self.env["kam.route"].search([("key", "=", "contacts_silent")]), hand)
        self.assertEqual(hand.duty_id, self.analysis, "the manager's duty kept")

    def test_high_risk_to_sales_followup_owner(self):
        self._own(self.followup, self.collector, backup=self.backup)
        activity = self._key_people_activity()
        self.assertEqual(activity.user_id, self.collector, "not the key account manager")
        # the owner opens the risk of their activity
        signal = self.env["kam.risk.signal"].with_user(self.collector).browse(activity.res_id)
        self.assertIn("Acme Champion", signal.description)


@tagged("post_install", "-at_install")
class TestAwayHandsOver(LeftoversCommon):
    """Marked away, a user's open activities of the jobs go to whoever the
    routing chooses now; nothing comes back with them."""

    def test_manager_marks_away(self):
        resp = self._own(self.followup, self.collector, backup=self.backup)
        info = self._own(self.information, self.collector, backup=self.analyst)
        risk = self._key_people_activity()
        self.assertEqual(risk.user_id, self.collector)
        cadence = self._raise("cadence", self.collector, FOLLOW_UP_TYPE)  # no route: the manager
        reminder = self._raise(f"duty:{info.id}:{self.today}", self.collector, DUTY_TYPE)  # the duty's backup
        done = self._raise(f"care:anniversary:{self.today.year}", self.collector, CARE_TYPE)
        done.action_feedback(feedback="Sent flowers")
        done = self.env["mail.activity"].with_context(active_test=False).browse(done.id)
        self.assertFalse(done.active, "the care type keeps done activities")
        own = self.account.activity_schedule("mail.mail_activity_data_todo", user_id=self.collector.id, summary="Own")
        self.assertFalse(own.kam_reason)

        # a plain employee cannot mark the collector away (the user form, the responsibility, the method)
        with self.assertRaises(AccessError):
            self.collector.with_user(self.employee).write({"kam_away": True})
        with self.assertRaises(AccessError):
            self.collector.with_user(self.employee)._kam_set_away(True)
        with self.assertRaises(AccessError):
            resp.with_user(self.employee).user_away = True
        self.assertFalse(self.collector.kam_away)
        self.assertEqual(risk.user_id, self.collector)

        # the key account manager marks the collector away on the responsibility
        resp.with_user(self.kam_manager).user_away = True
        self.env.invalidate_all()
        self.assertTrue(self.collector.kam_away)
        self.assertEqual(risk.user_id, self.backup, "the backup of Sales Follow-up")
        self.assertEqual(cadence.user_id, self.kam_user, "not routed: the key account manager")
        self.assertEqual(reminder.user_id, self.analyst, "the backup of the reminded duty")
        self.assertEqual(done.user_id, self.collector, "a done activity stays")
        self.assertEqual(own.user_id, self.collector, "an activity not raised by the jobs stays")
        # the backup opens the risk of the activity they got
        signal = self.env["kam.risk.signal"].with_user(self.backup).browse(risk.res_id)
        self.assertIn("Acme Champion", signal.description)
        self.assertIn(risk, self.env["mail.activity"].with_user(self.backup).search([("user_id", "=", self.backup.id)]))

        # back: nothing comes back
        self.collector.with_user(self.collector).write({"kam_away": False})
        self.env.invalidate_all()
        self.assertEqual((risk.user_id, cadence.user_id, reminder.user_id), (self.backup, self.kam_user, self.analyst))

    def test_review_reviewer_follows_the_activity(self):
        """A review's activity handed over makes its new holder the reviewer
        (the form names who does the review now)."""
        self._own(self.information, self.collector, backup=self.analyst)  # reviews are routed to it
        review = self.env["kam.review"].create(
            {
                "partner_id": self.account.id,
                "date_from": self.today,
                "date_to": self.today,
                "user_id": self.collector.id,
            }
        )
        activity = review._reviewer_activities()
        self.assertEqual(activity.user_id, self.collector)
        self.collector.with_user(self.collector).write({"kam_away": True})
        self.env.invalidate_all()
        self.assertEqual(activity.user_id, self.analyst)
        self.assertEqual(review.user_id, self.analyst)
        self.assertEqual(len(review._reviewer_activities()), 1, "no second activity for the new reviewer")

    def test_moves_only_when_going_away(self):
        """Away again while already away moves nothing; nobody usable: it stays."""
        self._own(self.collections, self.collector, backup=self.backup)
        self.collector.with_user(self.collector).write({"kam_away": True})
        later = self._raise("risk:overdue:999999", self.collector)  # given by hand to the away owner
        self.collector.with_user(self.kam_manager)._kam_set_away(True)
        self.assertEqual(later.user_id, self.collector, "already away: not moved")
        # the manager away, their follow-up (not routed: the manager) has nobody else to go to
        cadence = self._raise("cadence", self.kam_user, FOLLOW_UP_TYPE)
        self.kam_user.with_user(self.kam_user).write({"kam_away": True})
        self.assertEqual(cadence.user_id, self.kam_user)


@tagged("post_install", "-at_install", "is_query_count")
class TestAwayHandsOverInBulk(LeftoversCommon):
    def test_queries_do_not_grow_with_the_activities(self):
        Activity = self.env["mail.activity"]
        duties = [self.collections, self.analysis, self.information]
        owners = [
            new_test_user(self.env, f"kam_bulk_owner{n}", groups="key_account_management.group_kam_user")
            for n in range(3)
        ]
        backups = [
            new_test_user(self.env, f"kam_bulk_backup{n}", groups="key_account_management.group_kam_user")
            for n in range(3)
        ]
        self.account.kam_team_user_ids = [Command.link(user.id) for user in owners + backups]
        counts = []
        for owner, backup, duty, many in zip(owners, backups, duties, (2, 2, 12), strict=True):
            resp = self._own(duty, owner, backup=backup)
            activities = Activity
            for day in range(many):
                activities |= self._raise(f"duty:{resp.id}:{self.today + timedelta(days=day)}", owner, DUTY_TYPE)
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            owner.with_user(self.kam_manager)._kam_set_away(True)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(activities.user_id, backup)
        # (the first one warms the caches)
        self.assertEqual(counts[2], counts[1], f"queries for 2 and 12 activities: {counts}")


@tagged("post_install", "-at_install")
class TestProfitRisksFromViewers(LeftoversCommon):
    """Profitability risks answered by a viewer, or with a viewer's open
    activity (before the rule that keeps them to key account users), go to
    the account's key account manager (the 18.0.1.10.0 migration)."""

    def _signal(self, signal_type, account=None, **vals):
        return (
            self.env["kam.risk.signal"]
            .sudo()
            .create(
                dict(
                    {
                        "partner_id": (account or self.account).id,
                        "signal_type": signal_type,
                        "severity": "high",
                        "value": -500,
                        "threshold": 0,
                    },
                    **vals,
                )
            )
        )

    def _as_before_the_rule(self, signal, user, state="open"):
        """``user`` answers ``signal`` and has its activity, as a database of
        before the rule may have it (the owner check refuses it today)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE kam_risk_signal SET response_user_id = %s, state = %s, action_plan = 'Raise prices' WHERE id = %s",
            [user.id, state, signal.id],
        )
        self.env.invalidate_all()
        return self.env["kam.activity"]._raise_once(
            [(signal.id, f"risk:{signal.signal_type}:{signal.id}", user.id, "High risk: Unprofitable (-500)")],
            res_model="kam.risk.signal",
            bulk=True,
        )

    def test_moved_to_the_manager(self):
        viewer = new_test_user(self.env, "kam_profit_viewer", groups="key_account_management.group_kam_viewer")
        self.account.kam_team_user_ids = [Command.link(viewer.id)]
        unprofitable = self._signal("unprofitable")
        creep = self._signal("discount_creep", account=self.other_account)
        overdue = self._signal("overdue")
        activity = self._as_before_the_rule(unprofitable, viewer, state="responding")
        creep_activity = self._as_before_the_rule(creep, viewer)
        overdue_activity = self._as_before_the_rule(overdue, viewer)
        # the other account's manager is gone: nobody takes its risk
        self.kam_user2.active = False
        with self.assertRaises(AccessError):
            unprofitable.with_user(viewer).read(["response_user_id"])

        result = self.env["kam.risk.signal"]._kam_move_from_viewers()
        self.env.invalidate_all()
        self.assertEqual(result, (1, 1, 1, 1))
        self.assertEqual((unprofitable.response_user_id, unprofitable.state), (self.kam_user, "responding"))
        self.assertEqual(activity.user_id, self.kam_user)
        # the manager answers it now: the answer's activity is theirs
        answer = self.env["mail.activity"].search([("kam_reason", "=like", f"risk:response:{unprofitable.id}:%")])
        self.assertEqual(answer.user_id, self.kam_user)
        self.assertEqual(unprofitable.with_user(self.kam_user).response_user_id, self.kam_user)
        # without a manager who can take it: no owner, open again, the viewer's activity removed
        self.assertEqual((creep.response_user_id, creep.state), (self.env["res.users"], "open"))
        self.assertFalse(creep_activity.exists())
        # the viewer keeps what viewers read (an overdue risk), nothing of the profitability risks
        self.assertEqual((overdue.response_user_id, overdue_activity.user_id), (viewer, viewer))
        mine = self.env["mail.activity"].with_user(viewer).search([("user_id", "=", viewer.id)])
        self.assertEqual(mine, overdue_activity)
        # run again: nothing left to move
        self.assertEqual(self.env["kam.risk.signal"]._kam_move_from_viewers(), (0, 0, 0, 0))


@tagged("post_install", "-at_install")
class TestJobIndexes(KamCommon):
    def _plan(self, query, params):
        """The plan of ``query``, sequential scans off: whether an index can serve it."""
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("RESET enable_seqscan")
        return plan

    def test_meetings_read_by_their_end_through_an_index(self):
        """The contact-traffic job reads the past meetings of a window by their
        end (kam.traffic.engine ``_event_rows``): an index on it can serve that."""
        now = fields.Datetime.now()
        plan = self._plan(
            "SELECT id FROM calendar_event WHERE active AND stop <= %s AND stop >= %s", [now, now - timedelta(days=365)]
        )
        self.assertIn("calendar_event_kam_stop_index", plan)

    def test_interactions_written_since_read_through_an_index(self):
        """The daily stages look for the accounts of the interactions written
        since their last run (``i.write_date >= since``, next to the dated
        ones a window moved over): an index on the write date serves that,
        so no stage reads every interaction."""
        since = fields.Datetime.now() - timedelta(days=1)
        plan = self._plan(
            "SELECT i.partner_id FROM kam_interaction i WHERE i.write_date >= %s OR i.date < %s",
            [since, since - timedelta(days=365)],
        )
        self.assertIn("kam_interaction_kam_write_date_index", plan)
