# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Contact from real traffic (kam.traffic.engine, pipeline stage
``contact_traffic``): e-mails, done calls and meetings, calendar events with
an account's contacts become its interactions, once."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestTraffic(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact.email = "buyer@acme.example.com"
        cls.contact2 = cls.env["res.partner"].create(
            {"name": "Acme Engineer", "parent_id": cls.account.id, "email": "engineer@acme.example.com"}
        )
        cls.stranger = cls.env["res.partner"].create({"name": "Not A Key Account", "is_company": True})
        cls.stranger_contact = cls.env["res.partner"].create(
            {"name": "Stranger Buyer", "parent_id": cls.stranger.id, "email": "buyer@stranger.example.com"}
        )
        # a salesman without the addon's groups, who e-mails customers and marks activities done
        cls.seller = new_test_user(
            cls.env,
            "kam_traffic_seller",
            groups="sales_team.group_sale_salesman",
            name="Traffic Seller",
            email="seller@example.com",
        )
        cls.company.write({"kam_traffic_email": True, "kam_traffic_activities": True, "kam_traffic_calendar": True})
        cls.now = fields.Datetime.now()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _run(self):
        result = self.env["kam.traffic.engine"]._run()
        self.assertFalse(result.skipped)
        self.env.invalidate_all()
        return result

    def _auto(self, account=None):
        return self.env["kam.interaction"].search(
            [("partner_id", "=", (account or self.account).id), ("source_model", "!=", False)]
        )

    def _dated(self, message, days_ago):
        message.sudo().date = self.now - timedelta(days=days_ago)
        return message

    def _incoming(self, record, author, days_ago=2, **kwargs):
        """An e-mail received from ``author`` on ``record`` (as the mail gateway posts it)."""
        message = record.sudo().message_post(
            body="<p>Please send the quotation</p>",
            subject="Quotation",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            author_id=author.id,
            **kwargs,
        )
        return self._dated(message, days_ago)

    def _figures(self):
        account = self.account.with_user(self.kam_user)
        return account.kam_last_interaction_date, account.kam_interaction_count, account.kam_channel_summary

    # ------------------------------------------------------------------
    # sources
    # ------------------------------------------------------------------
    def test_email_from_contact(self):
        message = self._incoming(self.contact, self.contact, days_ago=2)
        self._run()
        interaction = self._auto()
        self.assertEqual(len(interaction), 1)
        self.assertRecordValues(
            interaction,
            [
                {
                    "channel": "email",
                    "direction": "inbound",
                    "state": "done",
                    "date": message.date,
                    "source_model": "mail.message",
                    "source_id": message.id,
                    "kam_manager_id": self.kam_user.id,
                }
            ],
        )
        self.assertEqual(interaction.contact_ids, self.contact)
        self.assertEqual(interaction.name, "E-mail from Acme Buyer")
        last, count, summary = self._figures()
        self.assertEqual(last, message.date)
        self.assertEqual(count, 1)
        self.assertEqual(summary, "Email: 1")

    def test_first_run_reads_the_figures_trailing_window(self):
        """The first run reads the trailing window of the figures (the window
        of the interaction counts it feeds), not a day more."""
        # a first run (the demo data's install ran the stage already: its later runs read by watermark)
        self.env["ir.config_parameter"].sudo().search(
            [("key", "like", "key_account_management.%_run.contact_traffic")]
        ).unlink()
        self.assertIsNone(self.env["kam.job"]._last_run("contact_traffic"))
        start = self.env["kam.account.figures"]._window(self.company.kam_trailing_months)[1]
        inside = self._incoming(self.contact, self.contact)
        inside.sudo().date = start + timedelta(hours=1)
        outside = self._incoming(self.contact2, self.contact2)
        outside.sudo().date = start - timedelta(hours=1)
        self._run()
        self.assertEqual(self._auto().mapped("source_id"), [inside.id])

    def test_email_from_contact_filed_as_note(self):
        # Odoo files a reply to an internal message (or the e-mail that creates a record) under an
        # internal subtype: still the customer writing
        message = self.contact2.sudo().message_post(
            body="<p>Answer</p>", message_type="email", subtype_xmlid="mail.mt_note", author_id=self.contact2.id
        )
        self._run()
        self.assertRecordValues(self._auto(), [{"direction": "inbound", "source_id": message.id}])

    def test_outgoing_email_by_salesman_without_our_groups(self):
        # the salesman e-mails the key account's contact: no error, nothing done at that time
        message = self.contact.with_user(self.seller).message_post(
            body="<p>Here is our quotation</p>",
            subject="Re: Quotation",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.contact.ids,
        )
        self.assertFalse(self._auto(), "logged by the job, not in the user's flow")
        with self.assertRaises(AccessError):
            self.env["kam.interaction"].with_user(self.seller).search([])
        self._dated(message, 1)
        self._run()
        interaction = self._auto()
        self.assertRecordValues(interaction, [{"channel": "email", "direction": "outbound", "date": message.date}])
        self.assertEqual(interaction.user_ids, self.seller)
        self.assertEqual(interaction.contact_ids, self.contact)
        self.assertEqual(self._figures()[:2], (message.date, 1))

    def test_email_to_following_contact(self):
        # sent to the opportunity's followers, the contact among them, no recipient named
        lead = self.env["crm.lead"].create(
            {"name": "Acme line 3", "type": "opportunity", "partner_id": self.account.id, "user_id": self.seller.id}
        )
        lead.message_subscribe(partner_ids=self.contact2.ids)
        message = lead.with_user(self.seller).message_post(
            body="<p>Our offer</p>", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertFalse(message.partner_ids)
        self.assertIn(self.contact2, message.notification_ids.res_partner_id)
        self._run()
        interaction = self._auto()
        self.assertRecordValues(interaction, [{"channel": "email", "direction": "outbound", "lead_id": lead.id}])
        self.assertEqual(interaction.contact_ids, self.contact2)

    def test_done_call_on_opportunity_by_salesman(self):
        lead = self.env["crm.lead"].create(
            {"name": "Acme line 2", "type": "opportunity", "partner_id": self.contact2.id, "user_id": self.seller.id}
        )
        activity = lead.activity_schedule("mail.mail_activity_data_call", user_id=self.seller.id, summary="Call")
        # marked done by the salesman, who has none of our groups
        activity.with_user(self.seller).action_feedback(feedback="Agreed on the delivery dates")
        self.assertFalse(self._auto())
        self._run()
        interaction = self._auto()
        self.assertRecordValues(
            interaction,
            [{"channel": "phone", "lead_id": lead.id, "state": "done", "name": "Call with Acme Engineer"}],
        )
        self.assertEqual(interaction.user_ids, self.seller)
        self.assertEqual(interaction.contact_ids, self.contact2, "the opportunity's contact")
        last, count, summary = self._figures()
        self.assertEqual(last, interaction.date)
        self.assertEqual(count, 1)
        self.assertEqual(summary, "Phone Call: 1")

    def test_done_todo_activity_does_not_count(self):
        activity = self.contact.activity_schedule("mail.mail_activity_data_todo", user_id=self.seller.id)
        activity.with_user(self.seller).action_feedback(feedback="done")
        self._run()
        self.assertFalse(self._auto())

    def test_past_meeting_with_contact(self):
        start = self.now - timedelta(days=3)
        event = self.env["calendar.event"].create(
            {
                "name": "Quarterly review",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(6, 0, [self.contact.id, self.seller.partner_id.id])],
                "user_id": self.seller.id,
            }
        )
        future = self.env["calendar.event"].create(
            {
                "name": "Next review",
                "start": self.now + timedelta(days=3),
                "stop": self.now + timedelta(days=3, hours=1),
                "partner_ids": [(6, 0, [self.contact.id])],
            }
        )
        self._run()
        interaction = self._auto()
        self.assertRecordValues(
            interaction,
            [
                {
                    "channel": "meeting",
                    "name": "Quarterly review",
                    "source_model": "calendar.event",
                    "source_id": event.id,
                    "date": event.stop,
                }
            ],
        )
        self.assertEqual(interaction.contact_ids, self.contact)
        self.assertNotIn(future.id, self._auto().mapped("source_id"))
        self.assertEqual(self._figures()[:2], (event.stop, 1))

    def test_meeting_of_an_event_counts_once(self):
        """A meeting scheduled from an opportunity is a calendar event with a meeting activity on the
        opportunity (Odoo's flow): marked done after the meeting, it is the same meeting."""
        lead = self.env["crm.lead"].create(
            {"name": "Acme meeting", "type": "opportunity", "partner_id": self.contact.id, "user_id": self.seller.id}
        )
        start = self.now - timedelta(days=2)
        event = self.env["calendar.event"].create(
            {
                "name": "Plant visit",
                "start": start,
                "stop": start + timedelta(hours=2),
                "partner_ids": [(6, 0, [self.contact.id, self.seller.partner_id.id])],
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": lead.id,
                "opportunity_id": lead.id,
                "user_id": self.seller.id,
            }
        )
        activity = lead.activity_ids.filtered(lambda a: a.activity_type_id.category == "meeting")
        self.assertEqual(activity.calendar_event_id, event, "Odoo's meeting activity of the event")
        activity.with_user(self.seller).action_feedback(feedback="Met the plant manager")
        self._run()
        self.assertRecordValues(self._auto(), [{"channel": "meeting", "source_model": "calendar.event"}])

        # without calendar events counted, the done meeting counts
        self.company.kam_traffic_calendar = False
        other = self.env["crm.lead"].create({"name": "Acme 2", "type": "opportunity", "partner_id": self.contact.id})
        self.env["calendar.event"].create(
            {
                "name": "Lunch",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(6, 0, [self.contact.id])],
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": other.id,
            }
        )
        other.activity_ids.action_feedback(feedback="ok")
        self._run()
        self.assertEqual(
            self._auto().filtered(lambda i: i.lead_id == other).mapped("source_model"),
            ["mail.message"],
            "the done meeting this time",
        )

    # ------------------------------------------------------------------
    # once, settings, what does not count
    # ------------------------------------------------------------------
    def test_running_twice_logs_once(self):
        self._incoming(self.contact, self.contact, days_ago=2)
        lead = self.env["crm.lead"].create({"name": "Acme", "type": "opportunity", "partner_id": self.account.id})
        lead.activity_schedule("mail.mail_activity_data_call").action_feedback(feedback="ok")
        self._run()
        first = self._auto()
        self.assertEqual(len(first), 2)
        self._run()
        self.assertEqual(self._auto(), first)
        self.assertEqual(self._figures()[1], 2)

    def test_logged_by_hand_first_then_not_again(self):
        message = self._incoming(self.contact, self.contact)
        action = message.with_user(self.kam_user).action_kam_create_interaction()
        by_hand = self.env["kam.interaction"].browse(action["res_id"])
        self._run()
        self.assertEqual(self._auto(), by_hand)
        # and the button opens the interaction already logged
        again = message.with_user(self.kam_user).action_kam_create_interaction()
        self.assertEqual(again["res_id"], by_hand.id)

    def test_settings_turn_sources_off(self):
        self.company.write({"kam_traffic_email": False, "kam_traffic_calendar": False})
        self._incoming(self.contact, self.contact)
        self.contact.activity_schedule("mail.mail_activity_data_call").action_feedback(feedback="ok")
        start = self.now - timedelta(days=1)
        self.env["calendar.event"].create(
            {"name": "Lunch", "start": start, "stop": start + timedelta(hours=1), "partner_ids": [(4, self.contact.id)]}
        )
        self._run()
        self.assertEqual(self._auto().mapped("channel"), ["phone"], "only the done call counts")

        self.company.kam_traffic_activities = False
        self.account.activity_schedule("mail.mail_activity_data_call").action_feedback(feedback="ok")
        self._run()
        self.assertEqual(len(self._auto()), 1)

    def test_settings_of_the_accounts_company(self):
        company_b = self.env["res.company"].create({"name": "Traffic Company B", "kam_traffic_email": False})
        account_b = self._make_account("Key Account in B", manager=self.kam_user, company_id=company_b.id)
        self.assertEqual(account_b.company_id, company_b)
        contact_b = self.env["res.partner"].create({"name": "B Buyer", "parent_id": account_b.id})
        for contact in (self.contact, contact_b):
            self._incoming(contact, contact)
            contact.activity_schedule("mail.mail_activity_data_call").action_feedback(feedback="ok")
        self._run()
        self.assertEqual(sorted(self._auto().mapped("channel")), ["email", "phone"])
        logged_b = self._auto(account_b)
        self.assertEqual(logged_b.mapped("channel"), ["phone"], "company B counts its done calls, not its e-mails")
        self.assertEqual(logged_b.company_id, company_b)

    def test_settings_in_the_settings_form(self):
        settings = self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")).create({})
        self.assertTrue(settings.kam_traffic_email)
        settings.kam_traffic_email = False
        settings.execute()
        self.assertFalse(self.env.ref("base.user_admin").company_id.kam_traffic_email)

    def test_unrelated_traffic_counts_for_nothing(self):
        before = self._figures()
        # a stranger's e-mail on a partner that is no key account
        self._incoming(self.stranger_contact, self.stranger_contact)
        # the stranger writing on the key account's contact is not the account talking
        self._incoming(self.contact, self.stranger_contact)
        # an e-mail to a stranger only, on the account's contact
        self.contact.message_post(
            body="<p>fwd</p>", message_type="comment", subtype_xmlid="mail.mt_comment", partner_ids=self.stranger.ids
        )
        self._run()
        self.assertFalse(self._auto())
        self.assertFalse(self._auto(self.stranger.commercial_partner_id))
        self.assertEqual(self._figures(), before)

    def test_internal_notes_do_not_count(self):
        # a note mentioning the contact
        self.contact.message_post(
            body="<p>slow payer</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=self.contact.ids,
        )
        # a comment marked internal (employees only)
        self.account.message_post(
            body="<p>internal</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.contact.ids,
            is_internal=True,
        )
        self._run()
        self.assertFalse(self._auto())

    def test_interactions_of_other_teams_stay_private(self):
        self._incoming(self.contact, self.contact)
        self._run()
        interaction = self._auto()
        self.assertTrue(interaction.with_user(self.kam_user).has_access("read"))
        self.assertFalse(
            self.env["kam.interaction"].with_user(self.kam_user2).search([("id", "=", interaction.id)]),
            "another team's key account manager does not see them",
        )
        with self.assertRaises(AccessError):
            interaction.with_user(self.salesman).read(["name"])

    def test_pipeline_sees_the_contact_the_same_day(self):
        self.account.sudo().write(
            {"kam_contact_interval_days": 30, "kam_last_interaction_date": self.now - timedelta(days=400)}
        )
        self.assertTrue(self.account.sudo().kam_contact_overdue)
        # yesterday's run, then today's traffic: the stage logs it, the next stage (incremental) refreshes
        self.env["kam.pipeline"]._cron_daily(stages={"contact_traffic", "figures_and_tiers"})
        self.account.sudo().kam_last_interaction_date = self.now - timedelta(days=400)
        message = self._incoming(self.contact, self.contact, days_ago=1)
        self.env["kam.pipeline"]._cron_daily(stages={"contact_traffic"})
        self.env.invalidate_all()
        self.assertEqual(self._auto().date, message.date)
        self.assertNotEqual(
            self.account.sudo().kam_last_interaction_date, message.date, "in the pipeline, the next stage refreshes"
        )
        results = self.env["kam.pipeline"]._cron_daily(stages={"contact_traffic", "figures_and_tiers"})
        self.assertEqual(list(results), ["contact_traffic", "figures_and_tiers"])
        self.env.invalidate_all()
        self.assertEqual(self.account.sudo().kam_last_interaction_date, message.date)
        self.assertFalse(self.account.sudo().kam_contact_overdue)

    def test_new_key_account_gets_its_past_traffic(self):
        # e-mails with a partner that is not a key account yet
        message = self._incoming(self.stranger_contact, self.stranger_contact, days_ago=20)
        self._run()
        self.assertFalse(self._auto(self.stranger))
        # the next run reads the messages above the watermark only: make it the newest message
        self.env["mail.message"].flush_model()
        self.env.cr.execute("SELECT MAX(id) FROM mail_message")
        self.env["kam.traffic.engine"]._set_watermark(self.env.cr.fetchone()[0])
        self._run()
        self.assertFalse(self._auto(self.stranger))
        # marked key: its traffic of the trailing window is read once
        self.stranger.write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        self._run()
        self.assertEqual(self._auto(self.stranger).mapped("source_id"), [message.id])
        self.assertEqual(self.stranger.sudo().kam_last_interaction_date, message.date)


@tagged("post_install", "-at_install", "is_query_count")
class TestTrafficQueryCount(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bulk = cls.env["res.partner"]
        for index in range(12):
            cls.bulk |= cls._make_account(f"Bulk traffic {index}", manager=cls.kam_user)
        cls.contacts = cls.env["res.partner"].create(
            [{"name": f"Buyer {index}", "parent_id": account.id} for index, account in enumerate(cls.bulk)]
        )

    def _traffic(self, contacts):
        for contact in contacts:
            contact.message_post(body="<p>in</p>", message_type="email", author_id=contact.id)
            contact.message_post(
                body="<p>out</p>", message_type="comment", subtype_xmlid="mail.mt_comment", partner_ids=contact.ids
            )
            contact.activity_schedule("mail.mail_activity_data_call").action_feedback(feedback="ok")

    def _queries_for(self, contacts):
        self._traffic(contacts)
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        self.env["kam.traffic.engine"]._run()
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def test_queries_do_not_grow_with_the_traffic(self):
        self._queries_for(self.contacts[:1])  # warm the caches (and the first run)
        few = self._queries_for(self.contacts[1:3])
        many = self._queries_for(self.contacts[3:])
        self.assertEqual(many, few, "9 accounts' traffic, as many queries as 2 accounts'")
        logged = self.env["kam.interaction"].search(
            [("partner_id", "in", self.bulk.ids), ("source_model", "!=", False)]
        )
        self.assertEqual(len(logged), 36)
        # nothing new: nothing logged, fewer queries
        self.assertLess(self._queries_for(self.contacts[:0]), few)
