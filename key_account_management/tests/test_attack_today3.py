# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Attacks on what changed on 2026-11-29: an away user hands over their open
activities of the jobs (kam.routing._reroute_away_activities)."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.kam_duty_engine import DUTY_TYPE
from .test_leftovers import LeftoversCommon


@tagged("post_install", "-at_install")
class TestAwayForgedReasons(LeftoversCommon):
    """The reason of an activity routes it when its user goes away: only the
    jobs give it (and the key account that says who sees it)."""

    def test_no_forged_reason_nor_account(self):
        """A salesman without key-account group schedules an activity on a
        contact of theirs with the reason of a follow-up and another team's
        key account: refused (else, marked away, they hand it with its
        summary to that account's manager)."""
        own = self.env["res.partner"].with_user(self.salesman).create({"name": "Salesman's own contact"})
        Activity = self.env["mail.activity"].with_user(self.salesman)
        base = {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": own.id,
            "user_id": self.salesman.id,
            "summary": "Call me back about your prices",
        }
        for vals in (
            {"kam_reason": "cadence", "kam_account_id": self.other_account.id},
            {"kam_reason": "cadence"},
            {"kam_account_id": self.other_account.id},
        ):
            with self.assertRaisesMessage(AccessError, "Only the key-account jobs"):
                Activity.create(dict(base, **vals))
        with self.assertRaisesMessage(AccessError, "Only the key-account jobs"):
            Activity.with_context(default_kam_reason="cadence").create(base)
        # an activity of their own: its reason cannot be given afterwards either
        activity = Activity.create(base)
        with self.assertRaisesMessage(AccessError, "Only the key-account jobs"):
            activity.write({"kam_reason": "cadence", "kam_account_id": self.other_account.id})
        self.salesman.with_user(self.salesman).write({"kam_away": True})
        self.assertEqual(activity.user_id, self.salesman)
        self.assertFalse(activity.sudo().kam_reason)
        # the jobs still raise theirs, and the user still marks them done
        job = self._raise("cadence", self.kam_user)
        self.assertEqual(job.kam_account_id, self.account)
        # nor cleared by its user (without key account, everyone who reads the partner would read it)
        for vals in ({"kam_account_id": False}, {"kam_reason": False}):
            with self.assertRaisesMessage(AccessError, "Only the key-account jobs"):
                job.with_user(self.kam_user).write(vals)
        self.assertEqual((job.kam_reason, job.kam_account_id), ("cadence", self.account))
        job.with_user(self.kam_user).action_feedback(feedback="Called")
        self.assertFalse(job.exists())

    def test_odd_reasons_no_server_error(self):
        """Reasons of a duty reminder whose id is no integer of the database
        (another digit, too large): marking away hands them to the key
        account manager as an unrouted reminder, without an error."""
        odd = [self._raise(reason, self.collector, DUTY_TYPE) for reason in ("duty:\u00b2:x", "duty:99999999999:x")]
        self.collector.with_user(self.collector).write({"kam_away": True})
        self.env.invalidate_all()
        self.assertEqual([activity.user_id for activity in odd], [self.kam_user, self.kam_user])


@tagged("post_install", "-at_install")
class TestAwayDutyReminderToViewer(LeftoversCommon):
    def test_reminder_to_viewer_backup_as_the_duty_job(self):
        """A duty owned by a viewer of the account team (finance) with a
        viewer as backup: the owner's reminder goes to the backup when the
        owner goes away, as the duty job gives it (a reminder is no
        profitability risk: no key account user group needed)."""
        group = "key_account_management.group_kam_viewer"
        owner = new_test_user(self.env, "kam_att3_fin1", groups=group, name="Finance One")
        backup = new_test_user(self.env, "kam_att3_fin2", groups=group, name="Finance Two")
        self.account.kam_team_user_ids = [Command.link(owner.id), Command.link(backup.id)]
        resp = self._own(self.collections, owner, backup=backup)
        reminder = self._raise(f"duty:{resp.id}:{self.today}", owner, DUTY_TYPE)
        owner.with_user(owner).write({"kam_away": True})
        self.env.invalidate_all()
        self.assertEqual(self.env["kam.duty.engine"]._rows(resp.ids)[0]["owner_id"], backup.id, "the duty job")
        self.assertEqual(reminder.user_id, backup)
        self.assertIn(reminder, self.env["mail.activity"].with_user(backup).search([("user_id", "=", backup.id)]))


@tagged("post_install", "-at_install")
class TestAwayBadData(LeftoversCommon):
    def test_activities_nobody_can_route_stay(self):
        """An archived user marked away by the key account manager: their
        activities of the jobs on a record deleted behind the ORM's back, on
        a record of a model without key account, on a model no longer
        installed, stay with them; no error."""
        self._own(self.collections, self.collector, backup=self.backup)
        gone = self.env["res.partner"].create({"name": "Gone"})
        on_gone = self._raise("cadence", self.collector, account=gone)
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)

        def job_activity(model, res_id, reason):
            return Activity.create(
                {
                    "res_model_id": self.env["ir.model"]._get_id(model),
                    "res_id": res_id,
                    "user_id": self.collector.id,
                    "kam_reason": reason,
                    "summary": reason,
                }
            )

        on_product = job_activity("product.template", self.product.product_tmpl_id.id, "review")
        on_removed = job_activity("product.template", self.product.product_tmpl_id.id, "cadence")
        signal = (
            self.env["kam.risk.signal"]
            .sudo()
            .create({"partner_id": self.account.id, "signal_type": "overdue", "severity": "high", "value": 1})
        )
        on_signal = job_activity("kam.risk.signal", signal.id, f"risk:overdue:{signal.id}")
        routed = self._raise("risk:overdue:1", self.collector)  # on the account: to the backup
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM res_partner WHERE id = %s", [gone.id])
        self.env.cr.execute("DELETE FROM kam_risk_signal WHERE id = %s", [signal.id])
        self.env.cr.execute("UPDATE mail_activity SET res_model = 'kam.model.gone' WHERE id = %s", [on_removed.id])
        self.env.invalidate_all()
        self.collector.active = False
        self.collector.with_user(self.kam_manager)._kam_set_away(True)
        self.env.invalidate_all()
        self.assertEqual((on_gone | on_product | on_removed | on_signal).user_id, self.collector)
        self.assertEqual(routed.user_id, self.backup)
