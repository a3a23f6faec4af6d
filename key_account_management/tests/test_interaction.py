# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestInteraction(KamCommon):
    def _log(self, user=None, **vals):
        values = {"partner_id": self.account.id, "name": "Call", "channel": "phone"}
        values.update(vals)
        return self.env["kam.interaction"].with_user(user or self.kam_user).create(values)

    def test_next_step_creates_and_follows_activity(self):
        deadline = fields.Date.today() + timedelta(days=7)
        interaction = self._log(
            next_step="Send revised offer", next_step_date=deadline, next_step_user_id=self.kam_user.id
        )
        activity = interaction.next_activity_id
        self.assertTrue(activity)
        # on the interaction: its text reaches only those who may read the interaction
        self.assertEqual((activity.res_model, activity.res_id), ("kam.interaction", interaction.id))
        self.assertEqual(activity.user_id, self.kam_user)
        self.assertEqual(activity.date_deadline, deadline)
        self.assertEqual(activity.summary, "Send revised offer")
        self.assertIn(activity, interaction.activity_ids)
        self.assertNotIn(activity, self.account.activity_ids)
        # the next step (and its e-mail) goes to no one who may not read the interaction
        with self.assertRaisesMessage(ValidationError, "cannot read the interactions"):
            interaction.write({"next_step_user_id": self.salesman.id})
        with self.assertRaisesMessage(ValidationError, "cannot read the interactions"):
            interaction.write({"next_step_user_id": self.kam_user2.id})
        # the next step changes (to a new team member): the same activity follows
        self.account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        interaction.write({"next_step_date": deadline + timedelta(days=3), "next_step_user_id": self.kam_user2.id})
        self.assertEqual(interaction.next_activity_id, activity)
        self.assertEqual(activity.date_deadline, deadline + timedelta(days=3))
        self.assertEqual(activity.user_id, self.kam_user2)
        # no next step any more: the activity goes
        interaction.write({"next_step_date": False, "next_step_user_id": False})
        self.assertFalse(activity.exists())

    def test_contact_rolls_up_and_participants_checked(self):
        interaction = self._log(partner_id=self.contact.id, contact_ids=[Command.set(self.contact.ids)])
        self.assertEqual(interaction.partner_id, self.account, "records hang on the commercial entity")
        stranger = self.env["res.partner"].create({"name": "Stranger", "parent_id": self.other_account.id})
        with self.assertRaisesMessage(ValidationError, "not a contact of"):
            self._log(name="Wrong participant", contact_ids=[Command.set(stranger.ids)])
        self.assertFalse(self.env["kam.interaction"].search([("name", "=", "Wrong participant")]))

    def test_bad_input_refused(self):
        with self.assertRaisesMessage(ValidationError, "1 to 5"):
            self._log(satisfaction=6)
        with self.assertRaisesMessage(ValidationError, "1 to 5"):
            self._log(satisfaction=-1)
        with self.assertRaisesMessage(ValidationError, "choose who does the next step"):
            self._log(next_step="x", next_step_date=fields.Date.today())
        plain = self.env["res.partner"].create({"name": "Not key", "is_company": True})
        with self.assertRaisesMessage(ValidationError, "is not a key account"):
            self.env["kam.interaction"].create({"partner_id": plain.id, "name": "x", "channel": "email"})
        # the same refusals through RPC-style write
        interaction = self._log()
        with self.assertRaisesMessage(ValidationError, "1 to 5"):
            interaction.write({"satisfaction": 9})
        interaction.invalidate_recordset()
        self.assertEqual(interaction.satisfaction, 0)

    def test_account_figures_follow_interactions(self):
        self.assertFalse(self.account.kam_last_interaction_date)
        self.assertEqual(self.account.kam_days_since_contact, -1)
        old = fields.Datetime.now() - timedelta(days=40)
        self._log(date=old, satisfaction=4)
        self.assertEqual(self.account.kam_last_interaction_date, old)
        self.assertEqual(self.account.kam_days_since_contact, 40)
        self.assertIn(self.account, self.env["res.partner"].search([("kam_days_since_contact", ">", 30)]))
        self.assertNotIn(self.account, self.env["res.partner"].search([("kam_days_since_contact", "<", 30)]))
        self._log(channel="meeting", satisfaction=2)
        self._log(channel="meeting", state="planned")  # planned: not a contact yet
        self._log(channel="email", date=fields.Datetime.now() - timedelta(days=500), satisfaction=1)
        self.assertEqual(self.account.kam_days_since_contact, 0)
        self.assertEqual(self.account.kam_interaction_count, 2, "done interactions in the trailing window")
        self.assertEqual(self.account.kam_avg_satisfaction, 3.0)
        self.assertEqual(self.account.kam_interaction_total, 3)
        self.assertIn("Meeting: 1", self.account.kam_channel_summary)
        complaint = self._log(channel="complaint", name="Late delivery")
        self.assertEqual(complaint.resolution_state, "open")
        self.assertEqual(self.account.kam_open_complaint_count, 1)
        complaint.date = fields.Datetime.now() - timedelta(hours=5)
        complaint.action_resolve()
        self.assertEqual(complaint.resolution_state, "resolved")
        self.assertAlmostEqual(complaint.resolution_hours, 5.0, delta=0.1)
        self.assertEqual(self.account.kam_open_complaint_count, 0)
        complaint.unlink()
        self.assertEqual(self.account.kam_interaction_total, 3)

    def test_event_participation(self):
        event = self._log(channel="event", name="Canton Fair 2026")
        self.assertEqual(self.account.kam_event_ids, event)

    def test_log_from_order_and_opportunity(self):
        order = self._order(self.contact, 500, confirm=False)
        action = order.with_user(self.kam_user).action_kam_log_interaction()
        form = Form(self.env["kam.interaction"].with_user(self.kam_user).with_context(**action["context"]))
        form.channel = "video"
        interaction = form.save()
        self.assertEqual(interaction.partner_id, self.account)
        self.assertEqual(interaction.sale_order_id, order)
        self.assertEqual(interaction.contact_ids, self.contact)
        self.assertEqual(order.kam_interaction_count, 1)
        lead = self.env["crm.lead"].create({"name": "Big deal", "partner_id": self.account.id, "type": "opportunity"})
        action = lead.with_user(self.kam_user).action_kam_log_interaction()
        interaction = Form(
            self.env["kam.interaction"].with_user(self.kam_user).with_context(**action["context"])
        ).save()
        self.assertEqual(interaction.lead_id, lead)
        self.assertEqual(lead.kam_interaction_count, 1)
        action = self.account.with_user(self.kam_user).action_kam_log_interaction()
        self.assertEqual(action["context"]["default_partner_id"], self.account.id)

    def test_access(self):
        own = self._log()
        other = self._log(user=self.kam_user2, partner_id=self.other_account.id)
        Interaction = self.env["kam.interaction"]
        self.assertEqual(Interaction.with_user(self.kam_user).search([("id", "in", (own | other).ids)]), own)
        with self.assertRaises(AccessError):
            other.with_user(self.kam_user).read(["name"])
        with self.assertRaises(AccessError):
            self._log(partner_id=self.other_account.id)
        with self.assertRaises(AccessError):
            Interaction.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self._log(user=self.salesman)
        self.assertEqual(len(Interaction.with_user(self.kam_manager).search([("id", "in", (own | other).ids)])), 2)


@tagged("post_install", "-at_install")
class TestKeyContactsAndCompetitors(KamCommon):
    def test_key_contact_roles(self):
        self.assertTrue(self.account.kam_missing_decision_maker)
        self.assertTrue(self.account.kam_missing_champion)
        self.contact.with_user(self.kam_user).write(
            {
                "kam_buying_role": "decision_maker",
                "kam_influence": 5,
                "kam_relationship": 3,
                "kam_birthday": "1975-03-08",
                "kam_preferred_channel": "phone",
            }
        )
        self.assertFalse(self.account.kam_missing_decision_maker)
        self.assertTrue(self.account.kam_missing_champion)
        self.assertIn(self.contact, self.account.kam_key_contact_ids)
        with self.assertRaisesMessage(ValidationError, "1 to 5"):
            self.contact.write({"kam_influence": 7})

    def test_competitor_notes_confidential(self):
        rival = self.env["res.partner"].create({"name": "Rival Corp", "is_company": True})
        note = (
            self.env["kam.competitor.note"]
            .with_user(self.kam_user)
            .create(
                {"partner_id": self.account.id, "competitor_id": rival.id, "share_of_wallet": 30, "strengths": "Price"}
            )
        )
        self.assertEqual(self.account.with_user(self.kam_user).kam_competitor_note_ids, note)
        with self.assertRaises(AccessError):
            note.with_user(self.salesman).read(["strengths"])
        with self.assertRaises(AccessError):
            note.with_user(self.kam_user2).read(["strengths"])
        self.assertEqual(note.with_user(self.kam_manager).strengths, "Price")
        with self.assertRaisesMessage(ValidationError, "0 to 100"):
            note.with_user(self.kam_user).share_of_wallet = 120
        with self.assertRaisesMessage(ValidationError, "own competitor"):
            self.env["kam.competitor.note"].create({"partner_id": self.account.id, "competitor_id": self.contact.id})

    def test_cron_refreshes_interaction_figures(self):
        interaction = self.env["kam.interaction"].create(
            {"partner_id": self.account.id, "name": "Old visit", "channel": "visit", "satisfaction": 5}
        )
        self.assertEqual(self.account.kam_interaction_count, 1)
        # a year later the visit leaves the trailing window
        interaction.flush_recordset()
        self.env.cr.execute(
            "UPDATE kam_interaction SET date = %s WHERE id = %s", [datetime(2000, 1, 1), interaction.id]
        )
        interaction.invalidate_recordset()
        self.env["res.partner"]._cron_kam_recompute_tiers()
        self.assertEqual(self.account.kam_interaction_count, 0)
        self.assertEqual(self.account.kam_avg_satisfaction, 0)


@tagged("post_install", "-at_install")
class TestEmailToInteraction(KamCommon):
    def _email(self, record, **vals):
        """An e-mail on ``record``, stored as the mail gateway does (nothing is sent)."""
        values = {"model": record._name, "res_id": record.id, "body": "<p>x</p>", "message_type": "email"}
        values.update(vals)
        return self.env["mail.message"].create(values)

    def test_email_becomes_interaction(self):
        # an e-mail received on the account (created as the mail gateway does, nothing is sent)
        message = self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": self.account.id,
                "body": "<p>Please quote 500 units.</p>",
                "subject": "RFQ March",
                "message_type": "email",
                "author_id": self.contact.id,
                "partner_ids": [Command.set(self.kam_user.partner_id.ids)],
            }
        )
        action = message.with_user(self.kam_user).action_kam_create_interaction()
        interaction = self.env["kam.interaction"].browse(action["res_id"])
        self.assertEqual(interaction.partner_id, self.account)
        self.assertEqual(interaction.channel, "email")
        self.assertEqual(interaction.direction, "inbound")
        self.assertEqual(interaction.name, "RFQ March")
        self.assertEqual(interaction.date, message.date)
        self.assertEqual(interaction.contact_ids, self.contact)
        self.assertEqual(interaction.user_ids, self.kam_user)
        self.assertIn("500 units", interaction.summary)

    def test_email_of_opportunity(self):
        lead = self.env["crm.lead"].create({"name": "Deal", "partner_id": self.contact.id, "type": "opportunity"})
        message = self._email(lead, body="<p>Offer attached</p>", author_id=self.kam_user.partner_id.id)
        action = message.with_user(self.kam_user).action_kam_create_interaction()
        interaction = self.env["kam.interaction"].browse(action["res_id"])
        self.assertEqual((interaction.partner_id, interaction.lead_id), (self.account, lead))
        self.assertEqual(interaction.direction, "outbound")

    def test_refusals(self):
        message = self._email(self.account)
        with self.assertRaises(AccessError):
            message.with_user(self.salesman).action_kam_create_interaction()
        plain = self.env["res.partner"].create({"name": "Plain", "is_company": True})
        other = self._email(plain)
        with self.assertRaisesMessage(UserError, "not a key account"):
            other.with_user(self.kam_manager).action_kam_create_interaction()


@tagged("post_install", "-at_install")
class TestPreferenceSource(KamCommon):
    def test_preference_learnt_in_interaction(self):
        meeting = self.env["kam.interaction"].create(
            {"partner_id": self.account.id, "name": "Kick-off", "channel": "meeting"}
        )
        category = self.env["kam.preference.category"].search([], limit=1)
        Preference = self.env["kam.preference"].with_user(self.kam_user)
        pref = Preference.create(
            {
                "partner_id": self.account.id,
                "category_id": category.id,
                "description": "Pallets max 1.2 m",
                "interaction_id": meeting.id,
            }
        )
        self.assertEqual(pref.interaction_id, meeting)
        other = self.env["kam.interaction"].create(
            {"partner_id": self.other_account.id, "name": "x", "channel": "phone"}
        )
        with self.assertRaisesMessage(ValidationError, "same account"):
            pref.sudo().interaction_id = other
