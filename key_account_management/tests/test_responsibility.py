# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestResponsibility(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Duty = cls.env["kam.duty"]
        Duty.search([]).required = False
        cls.duty_info = Duty.create({"name": "Info upkeep", "function": "sales", "required": True})
        cls.duty_cash = Duty.create(
            {"name": "Collections", "function": "finance", "required": True, "default_user_id": cls.kam_user2.id}
        )
        cls.duty_tech = Duty.create({"name": "Tech support", "function": "technical"})
        cls.tier_a.duty_ids = cls.duty_tech
        cls.tier_a.workload_weight = 3

    def _resp(self, user=None, **vals):
        values = {"partner_id": self.account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user.id}
        values.update(vals)
        return self.env["kam.responsibility"].with_user(user or self.kam_user).create(values)

    def _gaps(self, partner):
        return self.env["kam.responsibility.gap"].search([("partner_id", "=", partner.id)]).duty_id

    def test_marking_key_proposes_required_duties(self):
        partner = self.env["res.partner"].create({"name": "New Key Co", "is_company": True})
        partner.with_user(self.kam_user).action_kam_mark_key_account()
        resp = partner.kam_responsibility_ids
        self.assertEqual(resp.duty_id, self.duty_info | self.duty_cash)
        info = resp.filtered(lambda r: r.duty_id == self.duty_info)
        cash = resp.filtered(lambda r: r.duty_id == self.duty_cash)
        self.assertEqual((info.state, info.user_id.id), ("draft", False), "proposed for the manager to fill")
        self.assertEqual((cash.state, cash.user_id), ("confirmed", self.kam_user2), "filled from the default user")
        # the draft one is a gap until confirmed with a user
        self.assertEqual(self._gaps(partner), self.duty_info)
        self.assertIn("Info upkeep", partner.kam_missing_duty_names)
        info.with_user(self.kam_user).write({"user_id": self.kam_user.id})
        info.with_user(self.kam_user).action_confirm()
        self.assertFalse(self._gaps(partner))
        self.assertEqual(partner.kam_responsibility_gap_count, 0)

    def test_tier_template_on_tier_change(self):
        self._resp()
        self._resp(duty_id=self.duty_cash.id)
        self.assertFalse(self._gaps(self.account))
        for amount in (5000, 3000, 2000):
            self._order(self.account, amount)
        self.account.with_user(self.kam_user).action_kam_recompute_tier()
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertEqual(self._gaps(self.account), self.duty_tech, "tier A requires technical support")
        proposed = self.account.kam_responsibility_ids.filtered(lambda r: r.duty_id == self.duty_tech)
        self.assertEqual(proposed.state, "draft")
        gap_accounts = self.env["kam.responsibility.gap"].with_user(self.kam_manager).search([]).partner_id
        self.assertIn(self.account, gap_accounts)

    def test_proposals_of_the_account_company(self):
        """The matrix proposes the duties of the account's company (and those
        of no company), in the account's company, once: another company's
        required duty is not proposed, a second call creates nothing."""
        other_company = self.env["res.company"].create({"name": "KAM Resp Other Co"})
        foreign = self.env["kam.duty"].create(
            {"name": "Foreign audit", "function": "finance", "required": True, "company_id": other_company.id}
        )
        archived = self.env["kam.duty"].create({"name": "Old duty", "function": "sales", "required": True})
        archived.active = False
        own = self.env["kam.duty"].create(
            {"name": "Own audit", "function": "finance", "required": True, "company_id": self.company.id}
        )
        partner = self.env["res.partner"].create({"name": "Company Key Co", "is_company": True})
        partner.with_user(self.kam_user).action_kam_mark_key_account()
        resp = partner.kam_responsibility_ids
        self.assertEqual(resp.duty_id, self.duty_info | self.duty_cash | own)
        self.assertNotIn(foreign, resp.duty_id)
        self.assertEqual(resp.company_id, self.company, "the account's company, not the one running the job")
        self.assertFalse(self.env["kam.responsibility"]._propose_for(partner), "nothing missing any more")
        # a contact, a plain company and an archived account get nothing
        plain = self.env["res.partner"].create({"name": "Plain Co", "is_company": True})
        self.assertFalse(self.env["kam.responsibility"]._propose_for(plain | self.contact))

    def test_one_responsible_per_duty(self):
        self._resp()
        with self.assertRaisesMessage(ValidationError, "already has someone responsible"):
            self._resp(user_id=self.kam_user2.id)
        consulted = self._resp(user_id=self.kam_user2.id, raci="consulted")
        self.assertEqual(consulted.raci, "consulted")
        with self.assertRaisesMessage(ValidationError, "must be someone else"):
            self._resp(duty_id=self.duty_tech.id, backup_user_id=self.kam_user.id)
        with self.assertRaisesMessage(ValidationError, "is not a key account"):
            plain = self.env["res.partner"].create({"name": "Plain", "is_company": True})
            self.env["kam.responsibility"].create(
                {"partner_id": plain.id, "duty_id": self.duty_info.id, "user_id": self.kam_user.id}
            )

    def test_workload_weighted_by_tier(self):
        self.account.with_user(self.kam_manager).kam_tier_id = self.tier_a
        self.other_account.with_user(self.kam_manager).kam_tier_id = self.tier_c
        self.env["kam.responsibility"].search([("partner_id", "in", (self.account | self.other_account).ids)]).unlink()
        self._resp()
        self.env["kam.responsibility"].create(
            {"partner_id": self.other_account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user.id}
        )
        groups = self.env["kam.responsibility"]._read_group(
            [("user_id", "=", self.kam_user.id)], ["user_id"], ["workload:sum", "__count"]
        )
        self.assertEqual(groups, [(self.kam_user, 4.0, 2)], "3 for the tier-A account + 1 for tier C")

    def test_workload_follows_tier_set_by_the_job(self):
        """The tier job writes tiers in bulk (SQL): the workload of the
        account's responsibilities follows its new tier all the same."""
        resp = self._resp()
        self.assertEqual(resp.workload, 1.0, "no tier yet")
        for amount in (5000, 3000, 2000):
            self._order(self.account, amount)
        self.env["kam.tier.engine"]._run(full=True)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertEqual(resp.workload, 3.0, "tier A weighs 3")
        self.env.flush_all()
        self.env.cr.execute("SELECT workload FROM kam_responsibility WHERE id = %s", [resp.id])
        self.assertEqual(self.env.cr.fetchone()[0], 3.0, "stored, not only in the cache")

    def test_bulk_writer_marks_only_what_changed(self):
        """kam.job._write_changed marks for recompute what depends on the
        columns a row changed, not on all the columns written: new figures
        leave the workload alone, a new tier recomputes it."""
        resp = self._resp()
        self.env.flush_all()
        Job, Partner = self.env["kam.job"], self.env["res.partner"]
        workload = self.env["kam.responsibility"]._fields["workload"]
        types = {"kam_revenue_current": "numeric", "kam_tier_id": "int4"}
        current = Job._read_columns(Partner, [self.account.id], list(types))
        tier_id = current[self.account.id]["kam_tier_id"]
        Job._write_changed(
            Partner, types, current, {self.account.id: {"kam_revenue_current": 123, "kam_tier_id": tier_id}}
        )
        self.assertNotIn(resp, self.env.records_to_compute(workload), "figures only: the workload stays")
        self.assertEqual(self.account.kam_revenue_current, 123)
        current = Job._read_columns(Partner, [self.account.id], list(types))
        Job._write_changed(
            Partner, types, current, {self.account.id: {"kam_revenue_current": 123, "kam_tier_id": self.tier_a.id}}
        )
        self.assertIn(resp, self.env.records_to_compute(workload), "a new tier: the workload follows")
        self.assertEqual(resp.workload, 3.0)

    def test_access(self):
        own = self._resp()
        other = self.env["kam.responsibility"].create(
            {"partner_id": self.other_account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user2.id}
        )
        Resp = self.env["kam.responsibility"]
        self.assertEqual(Resp.with_user(self.kam_user).search([("id", "in", (own | other).ids)]), own)
        with self.assertRaises(AccessError):
            other.with_user(self.kam_user).write({"notes": "x"})
        with self.assertRaises(AccessError):
            Resp.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.duty_info.with_user(self.kam_user).write({"required": False})

    def test_activity_plan_duty_owner(self):
        self._resp(duty_id=self.duty_cash.id, user_id=self.kam_user2.id)
        plan = self.env["mail.activity.plan"].create(
            {
                "name": "Renewal",
                "res_model": "res.partner",
                "template_ids": [
                    Command.create(
                        {
                            "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                            "summary": "Check open invoices",
                            "responsible_type": "kam_duty",
                            "kam_duty_id": self.duty_cash.id,
                        }
                    )
                ],
            }
        )
        result = plan.template_ids._determine_responsible(self.env["res.users"], self.contact)
        self.assertEqual(result["responsible"], self.kam_user2, "the collections owner of the contact's company")
        self.assertFalse(result["error"])
        result = plan.template_ids._determine_responsible(self.env["res.users"], self.other_account)
        self.assertFalse(result["responsible"])
        self.assertIn("No one is responsible", result["error"])
        with self.assertRaisesMessage(ValidationError, "Choose the duty"):
            plan.template_ids.kam_duty_id = False

    def test_complaint_escalates(self):
        self._resp(
            duty_id=self.env.ref("key_account_management.kam_duty_complaint_escalation").id,
            escalation_user_id=self.kam_user2.id,
        )
        Interaction = self.env["kam.interaction"].with_user(self.kam_user)
        # an escalation user who may not read the account's complaints: the activity (and its
        # e-mail, which names the complaint) goes to the key account manager
        complaint = Interaction.create({"partner_id": self.account.id, "name": "Broken parts", "channel": "complaint"})
        self.assertEqual(complaint.activity_ids.user_id, self.kam_user)
        self.account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        complaint = Interaction.create({"partner_id": self.account.id, "name": "Late parts", "channel": "complaint"})
        self.assertEqual(complaint.activity_ids.user_id, self.kam_user2)

    def test_next_due_from_the_local_day(self):
        """A responsibility without deadline is due one period after the day
        it was created *where its user is*: created at 04:00 in Shanghai
        (20:00 UTC the day before), a weekly duty is due seven days after
        the Shanghai day, both when a user confirms it and when the job
        proposes it."""
        self.kam_user.tz = "Asia/Shanghai"
        resp = self._resp(cadence="weekly")
        resp.with_user(self.kam_user).action_confirm()
        resp.flush_recordset()
        self.env.cr.execute(
            "UPDATE kam_responsibility SET create_date = '2026-03-01 20:00:00', last_done_date = NULL WHERE id = %s",
            [resp.id],
        )
        resp.invalidate_recordset()
        resp.with_user(self.kam_user).cadence = "monthly"
        resp.with_user(self.kam_user).cadence = "weekly"
        self.assertEqual(str(resp.next_due_date), "2026-03-09", "the Shanghai day (2 March) plus a week")
        # the job's bulk proposal counts from the day of its user too
        self.duty_cash.default_cadence = "weekly"
        partner = self.env["res.partner"].create({"name": "Night Shift Co", "is_company": True})
        with freeze_time("2026-03-01 20:00:00"):
            partner.with_user(self.kam_user).action_kam_mark_key_account()
        cash = partner.kam_responsibility_ids.filtered(lambda r: r.duty_id == self.duty_cash)
        self.assertEqual((cash.state, str(cash.next_due_date)), ("confirmed", "2026-03-09"))
