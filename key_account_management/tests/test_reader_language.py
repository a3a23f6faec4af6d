# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Texts the jobs generate are read in the reader's language: a risk's
description when it is displayed, an activity's summary and note in the
language of the user it is for (issue 12, "Chinese first")."""

from datetime import datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .test_health import KamHealthCommon


@tagged("post_install", "-at_install")
class TestReaderLanguage(KamHealthCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["key_account_management"], ["zh_CN"], overwrite=True)
        # the account's manager reads Chinese; the leader of the manager's team reads English
        cls.kam_user.lang = "zh_CN"
        cls.kam_manager.lang = "en_US"
        cls.env["crm.team"].create(
            {"name": "Key Accounts East", "user_id": cls.kam_manager.id, "member_ids": [Command.link(cls.kam_user.id)]}
        )

    def test_risk_description_in_the_readers_language(self):
        self._invoice(self.account, 2500.0, due_days_ago=70)  # critical: past the 60 days
        self._run()
        signal = self._open_signals()["overdue"]
        english = signal.with_user(self.kam_manager).with_context(lang="en_US").description
        chinese = signal.with_user(self.kam_user).with_context(lang="zh_CN").description
        self.assertIn("overdue on 1 invoice(s), the oldest 70 days past due", english)
        self.assertIn("2,500.00", english)
        self.assertIn("已逾期", chinese)
        self.assertIn("70 天", chinese)
        self.assertNotIn("past due", chinese)
        # stored as the rule's figures, not as a text in the job's language
        self.assertEqual(signal.description_data["key"], "overdue")
        self.assertEqual(signal.description_data["figures"]["days"], 70)
        # the severity a Chinese key account manager reads: not 关键 (their word for "key account")
        severity = dict(
            signal.with_context(lang="zh_CN")
            ._fields["severity"]
            ._description_selection(signal.with_context(lang="zh_CN").env)
        )["critical"]
        self.assertNotIn("关键", severity)
        self.assertEqual(severity, "极高")

    def test_risk_activities_in_each_assignees_language(self):
        self._invoice(self.account, 2500.0, due_days_ago=70)
        self._run()
        activities = self._risk_activities()
        by_user = {activity.user_id: activity for activity in activities}
        self.assertEqual(set(by_user), {self.kam_user, self.kam_manager}, "critical: the manager and the leader")
        self.assertIn("逾期应收账款", by_user[self.kam_user].summary)
        self.assertIn("已逾期", str(by_user[self.kam_user].note))
        self.assertIn("Overdue Receivables", by_user[self.kam_manager].summary)
        self.assertIn("days past due", str(by_user[self.kam_manager].note))

    def test_reader_env(self):
        """One place gives the language and time zone texts for a user are
        written in: theirs, else English and UTC."""
        self.kam_user.tz = "Asia/Shanghai"
        writer = self.env["res.partner"].with_context(lang="en_US", tz="Europe/Brussels").env
        env = self.kam_user._kam_reader_env(writer)
        self.assertEqual(
            (env.lang, env.context["tz"], env.uid, env.su), ("zh_CN", "Asia/Shanghai", writer.uid, writer.su)
        )
        self.kam_manager.tz = False
        self.assertEqual(self.kam_manager._kam_reader_env(writer).context["tz"], "UTC")

    def test_typed_description_is_shown_as_typed(self):
        risk = (
            self.env["kam.risk.signal"]
            .with_user(self.kam_user)
            .create({"partner_id": self.account.id, "severity": "high", "description": "采购总监要离职了"})
        )
        self.assertEqual(risk.with_context(lang="en_US").description, "采购总监要离职了")
        self.assertEqual(risk.description_data, {"text": "采购总监要离职了"})
        risk.write({"description": "Purchasing director leaves in March"})
        self.assertEqual(risk.with_context(lang="zh_CN").description, "Purchasing director leaves in March")

    @freeze_time("2026-03-02 10:00:00")
    def test_follow_up_in_the_managers_language(self):
        self.account.kam_contact_interval_days = 30
        self.other_account.write({"kam_contact_interval_days": 30, "kam_manager_id": self.kam_manager.id})
        (self.account | self.other_account).write({"kam_last_interaction_date": datetime(2026, 1, 1, 10, 0)})
        self.env["res.partner"]._cron_kam_contact_cadence()
        Activity = self.env["mail.activity"]
        chinese = Activity.search([("res_id", "=", self.account.id), ("kam_reason", "=", "cadence")])
        english = Activity.search([("res_id", "=", self.other_account.id), ("kam_reason", "=", "cadence")])
        self.assertEqual(chinese.summary, f"跟进 {self.account.name}：已到联系时间")
        self.assertEqual(english.summary, f"Follow up with {self.other_account.name}: contact is due")

    def test_review_named_and_noted_in_the_reviewers_language(self):
        # the "... created" of the note is mail's
        self.env["ir.module.module"]._load_module_terms(["mail"], ["zh_CN"], overwrite=True)
        today = fields.Date.today()
        self.tier_b.review_interval_months = 3
        self.account.write({"kam_tier_id": self.tier_b.id, "kam_key_account_since": today - relativedelta(months=4)})
        # the reviewer of the other account reads English
        self.other_account.write(
            {
                "kam_tier_id": self.tier_b.id,
                "kam_manager_id": self.kam_manager.id,
                "kam_key_account_since": today - relativedelta(months=4),
            }
        )
        self.env.cr.precommit.run()
        Review = self.env["kam.review"]
        Review._cron_schedule_reviews()
        self.env.cr.precommit.run()
        chinese = Review.search([("partner_id", "=", self.account.id)])
        english = Review.search([("partner_id", "=", self.other_account.id)])
        self.assertEqual((chinese.user_id, english.user_id), (self.kam_user, self.kam_manager))
        self.assertTrue(chinese.name.startswith("审查 "), chinese.name)
        self.assertTrue(english.name.startswith("Review "), english.name)
        notes = {
            review: review.message_ids.filtered(lambda m: m.message_type == "notification").mapped("body")
            for review in chinese | english
        }
        self.assertTrue(notes[english] and all("created" in str(body) for body in notes[english]), notes[english])
        self.assertTrue(notes[chinese] and not any("created" in str(body) for body in notes[chinese]), notes[chinese])
