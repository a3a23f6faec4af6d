# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools.convert import convert_file

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
class TestMeetingsIndex(KamCommon):
    def test_meetings_read_by_their_end_through_an_index(self):
        """The contact-traffic job reads the past meetings of a window by their
        end (kam.traffic.engine ``_event_rows``): an index on it can serve that."""
        now = fields.Datetime.now()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM calendar_event WHERE active AND stop <= %s AND stop >= %s",
            [now, now - timedelta(days=365)],
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("RESET enable_seqscan")
        self.assertIn("calendar_event_kam_stop_index", plan)
