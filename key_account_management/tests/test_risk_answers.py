# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Risks can be answered (风险应对): a response owner, an action plan and a
date; resolved, dismissed with a reason, snoozed until a date; entered by
hand. The health job keeps following what it measures: a dismissed or
snoozed risk comes back only when it gets more severe."""

from datetime import timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_health import KamHealthCommon


@tagged("post_install", "-at_install")
class TestRiskAnswers(KamHealthCommon):
    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()  # chatter tracking of the records of setUpClass

    def _complaints(self, count):
        """``count`` open complaints: threshold 1, so 1 medium, 2 high, 3 critical."""
        for number in range(count):
            self._interaction(self.account, days_ago=2, channel="complaint", name=f"Complaint {number}")

    def _complaint_signal(self):
        self._run()
        return self._open_signals().get("complaint") or self.env["kam.risk.signal"].search(
            [("partner_id", "=", self.account.id), ("signal_type", "=", "complaint"), ("resolved_on", "=", False)]
        )

    def _response_activities(self, signal):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "kam.risk.signal"),
                ("res_id", "=", signal.id),
                ("kam_reason", "=like", "risk:response:%"),
            ]
        )

    def test_respond_with_owner_plan_and_date(self):
        self._complaints(1)
        signal = self._complaint_signal().with_user(self.kam_user)
        self.assertEqual(signal.state, "open")
        with self.assertRaisesMessage(UserError, "a response owner and an action plan"):
            signal.action_respond()
        due = self.today + timedelta(days=5)
        self.account.kam_team_user_ids = [(4, self.kam_user2.id)]  # the owner reads the account's risks
        signal.write({"response_user_id": self.kam_user2.id, "action_plan": "Call the buyer", "response_due": due})
        signal.action_respond()
        self.assertEqual(signal.state, "responding")
        self.assertTrue(signal.is_open)
        activity = self._response_activities(signal)
        self.assertEqual((activity.user_id, activity.date_deadline), (self.kam_user2, due))
        # once per owner
        signal.write({"response_due": due + timedelta(days=1)})
        self.assertEqual(len(self._response_activities(signal)), 1)
        # the state is changed by the buttons only
        with self.assertRaisesMessage(UserError, "with its buttons"):
            signal.write({"state": "resolved"})
        # tracked in the chatter
        self.env.cr.precommit.run()
        tracked = signal.sudo().message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("state", tracked)
        self.assertIn("response_user_id", tracked)
        # the measured fields stay the job's
        with self.assertRaises(AccessError):
            signal.write({"severity": "low"})

    def test_dismissed_comes_back_only_when_worse(self):
        self._complaints(2)
        signal = self._complaint_signal().with_user(self.kam_user)
        self.assertEqual(signal.severity, "high")
        with self.assertRaisesMessage(UserError, "why the risk"):
            signal.action_dismiss()
        with self.assertRaisesMessage(ValidationError, "Say why"):
            signal._kam_set_state("dismissed")
        # the state goes through the buttons, whatever the context of the call
        with self.assertRaisesMessage(UserError, "with its buttons"):
            signal.with_context(kam_risk_answer=True).write({"state": "dismissed", "state_reason": "x"})
        signal.write({"state_reason": "Both are one delivery, already credited"})
        signal.action_dismiss()
        self.assertEqual(signal.state, "dismissed")
        self.assertFalse(signal.is_open)
        self.assertEqual(signal.answered_rank, 2)
        # the manager's activity of the risk is done; the job follows it without reopening it nor
        # raising anything: same severity
        raised = self.env["mail.activity"].search([("res_model", "=", "kam.risk.signal"), ("res_id", "=", signal.id)])
        self.assertEqual(raised.user_id, self.kam_user)
        raised.action_feedback(feedback="Checked with the buyer")
        self.assertEqual(self._complaint_signal(), signal)
        self.assertEqual(signal.state, "dismissed")
        self.assertFalse(self._open_signals().get("complaint"))
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "kam.risk.signal"), ("res_id", "=", signal.id)])
        )
        # a third complaint: critical, worse than when dismissed: open again, raised again
        self._complaints(1)
        self.assertEqual(self._complaint_signal(), signal)
        self.assertEqual((signal.state, signal.severity), ("open", "critical"))
        self.assertTrue(signal.is_open)
        again = self.env["mail.activity"].search([("res_model", "=", "kam.risk.signal"), ("res_id", "=", signal.id)])
        self.assertEqual(again.user_id, self.kam_user, "raised again for the key account manager")

    def test_snoozed_until_a_date_unless_worse(self):
        self._complaints(2)
        signal = self._complaint_signal().with_user(self.kam_user)
        for bad in (self.today, self.today - timedelta(days=1), self.today + timedelta(days=400)):
            with self.subTest(date=bad), self.assertRaisesMessage(ValidationError, "after today"):
                signal.write({"snoozed_until": bad})
        with self.assertRaisesMessage(UserError, "the date to snooze it until"):
            signal.action_snooze()
        signal.write({"snoozed_until": self.today + timedelta(days=30)})
        signal.action_snooze()
        self.assertTrue(signal.is_snoozed)
        self.assertTrue(signal.is_open)
        self.assertEqual(self.env["kam.risk.signal"].search([("is_snoozed", "=", True)]), signal)
        # not on the dashboard while snoozed
        risks = self.env["kam.dashboard"].with_user(self.kam_user)._dashboard_risks()
        self.assertNotIn(signal.id, [row["id"] for row in risks["signals"]])
        self.assertEqual(risks["count"], 0)
        # same severity: still snoozed
        self.assertEqual(self._complaint_signal(), signal)
        self.assertTrue(signal.is_snoozed)
        # worse: awake
        self._complaints(1)
        self._complaint_signal()
        self.assertFalse(signal.snoozed_until)
        self.assertEqual((signal.state, signal.severity), ("open", "critical"))

    def test_resolved_by_hand_comes_back_while_it_holds(self):
        self._complaints(1)
        signal = self._complaint_signal().with_user(self.kam_user)
        signal.action_resolve()
        self.assertEqual(signal.state, "resolved")
        self.assertEqual(signal.resolved_on, self.today)
        with self.assertRaisesMessage(UserError, "already resolved"):
            signal.action_resolve()
        with self.assertRaisesMessage(UserError, "comes back by itself"):
            signal.action_reopen()
        again = self._complaint_signal()
        self.assertNotEqual(again, signal, "a new episode: the complaint is still open")
        self.assertEqual(again.state, "open")

    def test_resolved_by_the_data(self):
        self._complaints(1)
        signal = self._complaint_signal()
        complaint = self.env["kam.interaction"].search(
            [("partner_id", "=", self.account.id), ("channel", "=", "complaint")]
        )
        complaint.write({"resolution_state": "resolved"})
        self._run()
        self.assertEqual((signal.state, signal.resolved_on), ("resolved", self.today))

    def test_risk_entered_by_hand(self):
        Signal = self.env["kam.risk.signal"].with_user(self.kam_user)
        risk = Signal.create(
            {
                "partner_id": self.account.id,
                "severity": "high",
                "description": "Their purchasing director is leaving (heard at the trade show)",
                "response_user_id": self.kam_user.id,
                "action_plan": "Meet the successor",
            }
        )
        self.assertEqual((risk.signal_type, risk.state, risk.is_open), ("manual", "open", True))
        self.assertEqual(len(self._response_activities(risk)), 1)
        # the author corrects it; the health job neither measures nor closes it
        risk.write({"severity": "critical"})
        self._run()
        self.assertEqual((risk.severity, risk.is_open), ("critical", True))
        # resolved by hand, reopened
        risk.action_resolve()
        self.assertFalse(risk.is_open)
        risk.action_reopen()
        self.assertEqual((risk.state, risk.is_open, risk.resolved_on), ("open", True, False))
        # bad input
        with self.assertRaisesMessage(ValidationError, "Describe the risk"):
            Signal.create({"partner_id": self.account.id, "severity": "high", "description": "  "})
        with self.assertRaisesMessage(AccessError, "enter by hand only"):
            Signal.create({"partner_id": self.account.id, "signal_type": "overdue", "description": "Fake"})
        with self.assertRaisesMessage(AccessError, "enter by hand only"):
            Signal.create({"partner_id": self.account.id, "description": "x", "value": 5, "last_seen": self.today})
        with self.assertRaisesMessage(ValidationError, "starts open or responding"):
            Signal.create({"partner_id": self.account.id, "description": "x", "state": "resolved"})
        with self.assertRaises(AccessError):
            risk.write({"partner_id": self.other_account.id})
        # another team's account: refused; a viewer enters nothing; nobody deletes
        with self.assertRaises(AccessError):
            Signal.create({"partner_id": self.other_account.id, "description": "Not mine"})
        with self.assertRaises(AccessError):
            self.env["kam.risk.signal"].with_user(self.salesman).create(
                {"partner_id": self.account.id, "description": "No group"}
            )
        with self.assertRaises(AccessError):
            risk.unlink()
        # a viewer of the account reads the risk and answers nothing
        viewer = new_test_user(
            self.env, "kam_risk_viewer", groups="key_account_management.group_kam_viewer", name="Risk Viewer"
        )
        self.account.kam_team_user_ids = [(4, viewer.id)]
        seen = risk.with_user(viewer)
        self.assertEqual(seen.description, risk.description)
        for action in ("action_respond", "action_resolve", "action_dismiss", "action_snooze"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(seen, action)()
        with self.assertRaises(AccessError):
            seen.write({"action_plan": "Viewer plan"})

    def test_response_owner_checked(self):
        """The owner's activity carries the risk and its plan: the owner must
        be an internal user who reads the risk; a former owner's activity
        goes, and a closed risk leaves none."""
        self._complaints(1)
        signal = self._complaint_signal().with_user(self.kam_user)
        portal = new_test_user(self.env, "kam_risk_portal", groups="base.group_portal", name="Risk Portal")
        for user in (portal, self.salesman, self.kam_user2, self.env.ref("base.public_user")):
            with self.subTest(user=user.login), self.assertRaisesMessage(ValidationError, "cannot read the risks"):
                signal.write({"response_user_id": user.id, "action_plan": "Plan"})
        self.assertFalse(self._response_activities(signal))
        # responding needs an owner and a plan, at creation too
        with self.assertRaisesMessage(ValidationError, "has a response owner and an action plan"):
            self.env["kam.risk.signal"].with_user(self.kam_user).create(
                {"partner_id": self.account.id, "description": "x", "state": "responding"}
            )
        # a new owner: the former owner's activity goes
        self.account.kam_team_user_ids = [(4, self.kam_user2.id)]
        signal.write({"response_user_id": self.kam_user.id, "action_plan": "Call"})
        signal.write({"response_user_id": self.kam_user2.id})
        self.assertEqual(self._response_activities(signal).user_id, self.kam_user2)
        signal.action_respond()
        with self.assertRaisesMessage(ValidationError, "has a response owner and an action plan"):
            signal.write({"action_plan": " "})
        # closed: no response activity left
        signal.write({"state_reason": "Handled at the quarterly review"})
        signal.action_dismiss()
        self.assertFalse(self._response_activities(signal))
        # a dismissed risk is not resolved, nor dismissed again, without reopening it
        with self.assertRaisesMessage(UserError, "reopen it"):
            signal.action_resolve()
        with self.assertRaisesMessage(UserError, "reopen it"):
            signal.action_dismiss()
        signal.action_reopen()
        signal.action_resolve()
        with self.assertRaisesMessage(UserError, "reopen it"):
            signal.action_dismiss()

    def test_owner_who_left_the_team_does_not_stop_the_job(self):
        """The response owner is checked when chosen: one who later leaves the
        account's team does not make the health job fail on the risk."""
        self.account.kam_team_user_ids = [(4, self.kam_user2.id)]
        self._complaints(2)
        signal = self._complaint_signal().with_user(self.kam_user)
        signal.write({"response_user_id": self.kam_user2.id, "action_plan": "Visit"})
        signal.action_respond()
        signal.write({"snoozed_until": self.today + timedelta(days=10)})
        self.account.kam_team_user_ids = [(3, self.kam_user2.id)]
        # worse: woken by the job, still responding
        self._complaints(1)
        self._complaint_signal()
        self.assertEqual((signal.state, signal.snoozed_until, signal.severity), ("responding", False, "critical"))
        # the complaints resolved: closed by the job
        self.env["kam.interaction"].search([("partner_id", "=", self.account.id), ("channel", "=", "complaint")]).write(
            {"resolution_state": "resolved"}
        )
        self._run()
        self.assertEqual((signal.state, signal.resolved_on), ("resolved", self.today))
        self.assertFalse(self._response_activities(signal), "a closed risk leaves no response activity")
