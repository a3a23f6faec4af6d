# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import Form, new_test_user, tagged

from ..models.kam_activity import ActivityRequest
from .common import KamCommon
from .test_health import KamHealthCommon


@tagged("post_install", "-at_install")
class TestDigest(KamCommon):
    """The weekly digest e-mail (kam.digest): what each recipient reads,
    who gets nothing, once a week, in the recipient's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the week of the test: the account of kam_user got a tier, a critical risk and an overdue follow-up
        cls.history = cls.env["kam.tier.history"].create(
            {
                "partner_id": cls.account.id,
                "old_tier_id": cls.tier_c.id,
                "new_tier_id": cls.tier_b.id,
                "revenue_current": 1234.5,
                "reason": "Test tier change",
            }
        )
        cls.risk = cls.env["kam.risk.signal"].create(
            {
                "partner_id": cls.account.id,
                "signal_type": "overdue",
                "severity": "critical",
                "description": "Overdue receivables of the test",
            }
        )
        cls.env["kam.activity"]._raise_once(
            [
                ActivityRequest(
                    cls.account.id, "cadence", cls.kam_user.id, "Call Acme back", "", cls.today - timedelta(days=3)
                )
            ],
            activity_type_xmlid="key_account_management.mail_activity_type_kam_follow_up",
        )
        cls.follow_up = cls.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", cls.account.id), ("kam_reason", "=", "cadence")]
        )
        # the other account (kam_user2's) has a risk of its own
        cls.other_risk = cls.env["kam.risk.signal"].create(
            {
                "partner_id": cls.other_account.id,
                "signal_type": "spend_drop",
                "severity": "high",
                "description": "Spend drop of the other account",
            }
        )
        # manages an account with nothing to report
        cls.quiet_user = new_test_user(
            cls.env, "kam_quiet", groups="key_account_management.group_kam_user", name="Quiet KAM", email="quiet@ex.com"
        )
        cls.quiet_account = cls._make_account("Quiet Key Account", manager=cls.quiet_user)
        cls.Digest = cls.env["kam.digest"]
        cls.Mail = cls.env["mail.mail"]

    def _mails(self, user):
        subjects = ["Your key accounts this week", "本周大客户周报"]
        return self.Mail.search([("recipient_ids", "in", user.partner_id.ids), ("subject", "in", subjects)])

    def test_digest_lists_the_week_with_links(self):
        """The key account manager gets one e-mail with the tier change, the
        new critical risk and the overdue follow-up, each linked; queued."""
        self.Digest._cron_send_weekly()
        mail = self._mails(self.kam_user)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, not sent at once")
        body = mail.body_html
        for text in ("Tier changes", "Tier C", "Tier B", "New and worse risks", "Critical", "Overdue follow-ups"):
            self.assertIn(text, body)
        self.assertIn("Call Acme back", body)
        self.assertIn(f"/odoo/kam.tier.history/{self.history.id}", body)
        self.assertIn(f"/odoo/kam.risk.signal/{self.risk.id}", body)
        self.assertIn(f"/odoo/res.partner/{self.account.id}", body)
        self.assertTrue(self.kam_user.sudo().kam_digest_sent_on)
        # the digest is its recipient's: another user reads nothing of it
        Message = self.env["mail.message"].with_user(self.kam_user2)
        self.assertFalse(Message.search([("id", "=", mail.mail_message_id.id)]))
        with self.assertRaises(AccessError):
            Message.browse(mail.mail_message_id.id).read(["body"])

    def test_members_only(self):
        """A key account manager reads only their own accounts; a manager of
        the key-account group reads every account of their companies."""
        self.Digest._cron_send_weekly()
        mine, theirs = self._mails(self.kam_user), self._mails(self.kam_user2)
        self.assertNotIn("Other Key Account", mine.body_html)
        self.assertNotIn(f"/odoo/kam.risk.signal/{self.other_risk.id}", mine.body_html)
        self.assertIn(f"/odoo/kam.risk.signal/{self.other_risk.id}", theirs.body_html)
        self.assertNotIn("Acme Key Account", theirs.body_html)
        self.assertNotIn(f"/odoo/kam.tier.history/{self.history.id}", theirs.body_html)
        manager = self._mails(self.kam_manager).body_html
        self.assertIn(f"/odoo/kam.risk.signal/{self.risk.id}", manager)
        self.assertIn(f"/odoo/kam.risk.signal/{self.other_risk.id}", manager)

    def test_most_severe_first(self):
        critical = self.env["kam.risk.signal"].create(
            {"partner_id": self.other_account.id, "signal_type": "cancellation", "severity": "critical"}
        )
        self.Digest._cron_send_weekly()
        body = self._mails(self.kam_user2).body_html
        first, then = (body.index(f"/odoo/kam.risk.signal/{risk.id}") for risk in (critical, self.other_risk))
        self.assertLess(first, then)

    def test_record_rules_apply(self):
        """An account of another company is out of the digest of a manager
        who does not work for it."""
        other_company = self.env["res.company"].create({"name": "KAM Other Company"})
        foreign = self._make_account("Foreign Key Account", manager=self.kam_user2, company_id=other_company.id)
        foreign_risk = self.env["kam.risk.signal"].create(
            {
                "partner_id": foreign.id,
                "company_id": other_company.id,
                "signal_type": "order_gap",
                "severity": "high",
                "description": "Order gap abroad",
            }
        )
        self.Digest._cron_send_weekly()
        self.assertNotIn(f"/odoo/kam.risk.signal/{foreign_risk.id}", self._mails(self.kam_manager).body_html)

    def test_nothing_to_report_nothing_sent(self):
        self.Digest._cron_send_weekly()
        self.assertIn(self.quiet_user, self.Digest._recipients())
        self.assertFalse(self._mails(self.quiet_user))
        self.assertEqual(self.quiet_user.sudo().kam_digest_sent_on, fields.Date.context_today(self.Digest))

    def test_opt_out(self):
        """The user opts out in their preferences (their own record, as
        themselves); the weekly run then sends them nothing."""
        me = self.kam_user.with_user(self.kam_user)
        with Form(me, view="base.view_users_form_simple_modif") as preferences:
            preferences.kam_digest_opt_out = True
        self.assertTrue(me.read(["kam_digest_opt_out"])[0]["kam_digest_opt_out"])
        with self.assertRaises(AccessError):
            me.write({"kam_digest_sent_on": "2020-01-01"})
        with self.assertRaises(AccessError):
            self.kam_user2.with_user(self.kam_user).write({"kam_digest_opt_out": True})
        self.Digest._cron_send_weekly()
        self.assertFalse(self._mails(self.kam_user))
        self.assertTrue(self._mails(self.kam_user2))

    def test_company_switch_off(self):
        self.company.kam_digest_enabled = False
        self.assertFalse(self.Digest._recipients() & (self.kam_user | self.kam_user2 | self.kam_manager))
        self.Digest._cron_send_weekly()
        self.assertFalse(self._mails(self.kam_user | self.kam_user2 | self.kam_manager))
        with self.assertRaisesMessage(UserError, "turned off"):
            self.kam_user.with_user(self.kam_user).action_kam_digest_send()

    def test_chinese_recipient(self):
        """A zh_CN recipient gets the Chinese subject and headings, the other
        recipients the English ones."""
        self.env["res.lang"]._activate_lang("zh_CN")
        template = self.env.ref("key_account_management.mail_template_kam_digest")
        template.with_context(lang="zh_CN").subject = "本周大客户周报"
        # (a mail template's body is translated whole: i18n/zh_CN.po carries all of it)
        chinese_body = template.body_html.replace("Tier changes", "等级变动")
        template.update_field_translations("body_html", {"zh_CN": chinese_body})
        self.kam_user.lang = "zh_CN"
        self.Digest._cron_send_weekly()
        mail = self._mails(self.kam_user)
        self.assertEqual(mail.subject, "本周大客户周报")
        self.assertIn("等级变动", mail.body_html)
        self.assertIn(f"{self.today.year}年", mail.body_html, "dates in the recipient's language")
        self.assertNotIn("Tier changes", mail.body_html)
        english = self._mails(self.kam_manager)
        self.assertEqual(english.subject, "Your key accounts this week")
        self.assertIn("Tier changes", english.body_html)

    def test_once_a_week(self):
        """Two runs in the same week send one digest; the next week's run
        sends again."""
        self.Digest._cron_send_weekly()
        self.Digest._cron_send_weekly()
        self.assertEqual(len(self._mails(self.kam_user)), 1)
        with freeze_time(fields.Date.today() + timedelta(days=7)):
            self.Digest._cron_send_weekly()
        self.assertEqual(len(self._mails(self.kam_user)), 2)

    def test_worse_risk_listed(self):
        """A risk seen weeks ago is listed once it gets more severe (here one
        entered by hand, made critical by its author)."""
        risk = (
            self.env["kam.risk.signal"]
            .with_user(self.kam_user)
            .create(
                {
                    "partner_id": self.account.id,
                    "severity": "medium",
                    "description": "Rumour of a reorganisation",
                    "first_seen": self.today - timedelta(days=30),
                }
            )
        )
        self.assertFalse(risk.worsened_on)
        digest = self.Digest._gather(self.kam_user)[self.kam_user.id]
        self.assertNotIn(risk.id, [int(line["url"].rsplit("/", 1)[1]) for line in digest["risks"]])
        risk.write({"severity": "critical"})
        self.assertEqual(risk.worsened_on, self.today)
        digest = self.Digest._gather(self.kam_user)[self.kam_user.id]
        line = next(line for line in digest["risks"] if line["url"].endswith(f"/kam.risk.signal/{risk.id}"))
        self.assertFalse(line["new"])
        with self.assertRaises(AccessError):
            risk.write({"worsened_on": self.today - timedelta(days=1)})

    def test_overdue_duty_and_plan(self):
        duty = self.env["kam.duty"].create({"name": "Digest Collections", "function": "finance"})
        responsibility = self.env["kam.responsibility"].create(
            {
                "partner_id": self.quiet_account.id,
                "duty_id": duty.id,
                "user_id": self.quiet_user.id,
                "deadline": self.today - timedelta(days=2),
            }
        )
        plan = self.env["kam.plan"].create(
            {
                "name": "Quiet growth plan",
                "partner_id": self.quiet_account.id,
                "objective_ids": [(0, 0, {"name": "More calls", "metric": "custom", "target": 10, "manual_actual": 4})],
            }
        )
        plan.action_activate()
        self.Digest._cron_send_weekly()
        body = self._mails(self.quiet_user).body_html
        self.assertIn("Overdue duties", body)
        self.assertIn(f"/odoo/kam.responsibility/{responsibility.id}", body)
        self.assertIn("Plan attainment", body)
        self.assertIn(f"/odoo/kam.plan/{plan.id}", body)
        self.assertIn("40%", body)

    def test_overdue_duty_by_its_cadence(self):
        """A duty without deadline is overdue when its cadence has passed
        since it was last done, as for the duty reminders; a proposed one or
        one done in time is not."""
        Duty, Resp = self.env["kam.duty"], self.env["kam.responsibility"]
        duty, other_duty, third_duty = Duty.create(
            [{"name": f"Digest Weekly Duty {n}", "function": "sales"} for n in range(3)]
        )
        late = Resp.create(
            {
                "partner_id": self.quiet_account.id,
                "duty_id": duty.id,
                "user_id": self.quiet_user.id,
                "cadence": "weekly",
            }
        )
        late.last_done_date = self.today - timedelta(days=10)
        in_time = Resp.create(
            {
                "partner_id": self.quiet_account.id,
                "duty_id": other_duty.id,
                "user_id": self.quiet_user.id,
                "cadence": "weekly",
            }
        )
        in_time.last_done_date = self.today - timedelta(days=2)
        proposed = Resp.create(
            {
                "partner_id": self.quiet_account.id,
                "duty_id": third_duty.id,
                "state": "draft",
                "deadline": self.today - timedelta(days=2),
            }
        )
        duties = self.Digest._gather(self.quiet_user)[self.quiet_user.id]["duties"]
        self.assertEqual([line["url"].rsplit("/", 1)[1] for line in duties], [str(late.id)])
        self.assertEqual(duties[0]["deadline"], self.today - timedelta(days=3), "its next due date")
        self.assertFalse(in_time.next_due_date < self.today or proposed.next_due_date)

    def test_refusals(self):
        """The jobs' methods are private (refused over RPC); the buttons act
        on one's own digest only, with the key-account user group."""
        for user in (self.salesman, self.kam_user):
            for method in ("_cron_send_weekly", "_send", "_gather", "_preview"):
                with self.assertRaises(AccessError):
                    get_public_method(self.env["kam.digest"].with_user(user), method)
        with self.assertRaises(AccessError):
            self.env["kam.digest"].with_user(self.kam_user)._cron_send_weekly()
        for action in ("action_kam_digest_send", "action_kam_digest_preview"):
            with self.assertRaises(AccessError):
                getattr(self.salesman.with_user(self.salesman), action)()
            with self.assertRaises(AccessError):
                getattr(self.kam_user2.with_user(self.kam_user), action)()
        self.assertFalse(self._mails(self.salesman | self.kam_user2))

    def test_send_me_now_and_preview(self):
        """By hand: the preview shows the digest, “send me my digest now”
        queues it, even after this week's run and when opted out."""
        me = self.kam_user.with_user(self.kam_user)
        wizard_action = me.action_kam_digest_preview()
        preview = self.env["kam.digest.preview"].with_user(self.kam_user).browse(wizard_action["res_id"])
        self.assertIn(f"/odoo/kam.risk.signal/{self.risk.id}", preview.body_html)
        self.Digest._cron_send_weekly()
        me.write({"kam_digest_opt_out": True})
        me.action_kam_digest_send()
        self.assertEqual(len(self._mails(self.kam_user)), 2)
        quiet = self.quiet_user.with_user(self.quiet_user)
        self.assertIn("Nothing to report", quiet.action_kam_digest_send()["params"]["message"])
        self.assertFalse(self._mails(self.quiet_user))

    def test_grouped_reads(self):
        """The records of a digest are read together: more accounts and lines
        for the same recipients cost no more queries."""
        self._digest_queries()  # warm-up (caches of the registry)
        one_account = self._digest_queries()
        for number in range(6):
            account = self._make_account(f"More Key Account {number}", manager=self.kam_user)
            self.env["kam.tier.history"].create({"partner_id": account.id, "new_tier_id": self.tier_a.id})
            self.env["kam.risk.signal"].create(
                {"partner_id": account.id, "signal_type": "silence", "severity": "high", "description": "Silent"}
            )
        self.assertEqual(self._digest_queries(), one_account)
        self.assertEqual(len(self.Digest._gather(self.kam_user)[self.kam_user.id]["tiers"]), 7)

    def _digest_queries(self):
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        self.Digest._gather(self.kam_user | self.kam_user2)
        return self.env.cr.sql_log_count - start


@tagged("post_install", "-at_install")
class TestDigestWorseRisk(KamHealthCommon):
    def test_health_job_marks_worse_risks(self):
        """The health job writes the day a measured risk got more severe: a
        risk first seen weeks ago is in this week's digest as worse."""
        self._invoice(self.account, 1500.0, due_days_ago=10)  # medium
        self._run()
        signal = self._open_signals()["overdue"]
        self.assertEqual(signal.severity, "medium")
        self.assertFalse(signal.worsened_on)
        signal.first_seen = self.today - timedelta(days=30)
        self._run()
        self.assertFalse(signal.worsened_on, "the same severity is not worse")
        self.assertNotIn(signal.id, self._digest_risk_ids())
        self._invoice(self.account, 2000.0, due_days_ago=10)  # 3500: critical
        self._run()
        self.assertEqual(signal.severity, "critical")
        self.assertEqual(signal.worsened_on, self.today)
        self.assertIn(signal.id, self._digest_risk_ids())

    def _digest_risk_ids(self):
        digest = self.env["kam.digest"]._gather(self.kam_user).get(self.kam_user.id, {})
        return [int(line["url"].rsplit("/", 1)[1]) for line in digest.get("risks", [])]
