# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Holes found by attacking the features of issue 12 (traffic, routing and
duties, matrix, transaction history, digest, risk descriptions in the
reader's language) as the roles that might misuse them. Each test failed
before its fix."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import KamCommon
from .test_routing import RoutingMixin


@tagged("post_install", "-at_install")
class TestAttacksIssue12(RoutingMixin, KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._routing_users()

    # ------------------------------------------------------------------
    # Interactions logged from traffic: their source is not typed
    # ------------------------------------------------------------------
    def test_interaction_source_not_forged(self):
        """A key account user cannot pass a row of their own for an e-mail or
        a meeting logged from Odoo's traffic (nor claim a message the traffic
        stage has not logged yet, which it would then skip)."""
        Interaction = self.env["kam.interaction"].with_user(self.kam_user)
        vals = {"partner_id": self.account.id, "name": "Forged", "channel": "email", "state": "done"}
        with self.assertRaisesMessage(AccessError, "Logged From"):
            Interaction.create(dict(vals, source_model="mail.message", source_id=987654))
        with self.assertRaises(AccessError):
            Interaction.create(dict(vals, source_id=987654))
        mine = Interaction.create(vals)
        with self.assertRaises(AccessError):
            mine.write({"source_model": "calendar.event", "source_id": 7})
        self.assertRecordValues(mine, [{"source_model": False, "source_id": 0}])
        self.assertFalse(mine.copy().source_model)
        # logging an e-mail of the chatter by hand still records where it comes from
        message = self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": self.account.id,
                "body": "<p>Quote please</p>",
                "subject": "RFQ",
                "message_type": "email",
                "author_id": self.contact.id,
            }
        )
        action = message.with_user(self.kam_user).action_kam_create_interaction()
        logged = self.env["kam.interaction"].browse(action["res_id"])
        self.assertRecordValues(logged, [{"source_model": "mail.message", "source_id": message.id}])
        self.assertEqual(message.with_user(self.kam_user).action_kam_create_interaction()["res_id"], logged.id)

    # ------------------------------------------------------------------
    # Duties marked done: only confirmed ones, once a day
    # ------------------------------------------------------------------
    def test_done_only_confirmed_once_a_day(self):
        """Done on a proposed line (nobody owns it) logged an on-time done for
        nobody; Done twice in a day moved the deadline two periods ahead and
        logged the skipped period done on time."""
        Done = self.env["kam.responsibility.done"]
        proposed = self.env["kam.responsibility"].create(
            {
                "partner_id": self.account.id,
                "duty_id": self.information.id,
                "raci": "responsible",
                "state": "draft",
                "cadence": "monthly",
            }
        )
        with self.assertRaisesMessage(UserError, "Confirm"):
            proposed.with_user(self.kam_user).action_done()
        self.assertFalse(proposed.last_done_date)
        self.assertFalse(Done.search([("responsibility_id", "=", proposed.id)]))

        due = self.today + relativedelta(days=2)
        resp = self._own(self.collections, self.collector, cadence="monthly", deadline=due)
        resp.with_user(self.collector).action_done()
        self.assertEqual(resp.deadline, due + relativedelta(months=1))
        with self.assertRaisesMessage(UserError, "already marked done today"):
            resp.with_user(self.collector).action_done()
        with self.assertRaises(UserError):
            resp.with_user(self.kam_manager).action_done()
        self.assertEqual(resp.deadline, due + relativedelta(months=1), "the next period is not skipped")
        self.assertEqual(len(Done.search([("responsibility_id", "=", resp.id)])), 1)
        # the rights are checked first: someone else is told they may not, not that it is done
        with self.assertRaises(AccessError):
            resp.with_user(self.analyst).action_done()

    # ------------------------------------------------------------------
    # Risk descriptions, now computed in the reader's language, are searched
    # ------------------------------------------------------------------
    def test_search_risk_description(self):
        """Searching the description (a list column, a custom filter) returned
        every risk: the computed field was not searchable."""
        Signal = self.env["kam.risk.signal"]
        typed = Signal.with_user(self.kam_user).create(
            {
                "partner_id": self.account.id,
                "signal_type": "manual",
                "severity": "high",
                "description": "Buyer 100% moving to a rival",
            }
        )
        measured = Signal.sudo().create(
            {
                "partner_id": self.account.id,
                "signal_type": "overdue",
                "severity": "high",
                "description_data": {
                    "key": "overdue",
                    "currency_id": self.usd.id,
                    "figures": {"amount": 500.0, "count": 1, "days": 40, "threshold": 100.0, "grace": 0},
                },
            }
        )
        mine = Signal.with_user(self.kam_user)
        both = typed | measured
        self.assertEqual(mine.search([("id", "in", both.ids), ("description", "ilike", "RIVAL")]), typed)
        self.assertEqual(mine.search([("id", "in", both.ids), ("description", "ilike", "100%")]), typed)
        self.assertFalse(mine.search([("id", "in", both.ids), ("description", "ilike", "10_%")]))
        self.assertEqual(mine.search([("id", "in", both.ids), ("description", "ilike", "past due")]), measured)
        self.assertFalse(mine.search([("id", "in", both.ids), ("description", "ilike", "zzz nowhere")]))
        self.assertEqual(mine.search([("id", "in", both.ids), ("description", "not ilike", "rival")]), measured)
        self.assertEqual(mine.search([("id", "in", both.ids), ("description", "!=", False)]), both)
        # another team's user finds nothing of this account's risks by their text
        self.assertFalse(
            Signal.with_user(self.kam_user2).search([("id", "in", both.ids), ("description", "ilike", "rival")])
        )
        with self.assertRaises(ValidationError):
            mine.search([("description", "in", ["x"])])

    # ------------------------------------------------------------------
    # Away: a manager of another company does not mark this company's users away
    # ------------------------------------------------------------------
    def test_away_not_by_manager_of_another_company(self):
        """A key account manager of company 2 only named a company-1 user on a
        responsibility of their own account and marked them away through it:
        away holds for every company, so the user's company-1 warnings and
        tasks went to their backups."""
        company2 = self.env["res.company"].create({"name": "Second Company"})
        manager2 = new_test_user(
            self.env,
            "kam_manager_c2",
            groups="key_account_management.group_kam_manager",
            company_id=company2.id,
            company_ids=[Command.set(company2.ids)],
        )
        account2 = self._make_account("Company 2 Account", manager=manager2, company_id=company2.id)
        resp = (
            self.env["kam.responsibility"]
            .with_user(manager2)
            .with_company(company2)
            .create(
                {
                    "partner_id": account2.id,
                    "duty_id": self.information.id,
                    "user_id": self.collector.id,
                    "raci": "informed",
                    "state": "confirmed",
                }
            )
        )
        with self.assertRaisesMessage(AccessError, "users of their companies"):
            resp.with_user(manager2).with_company(company2).user_away = True
        self.assertFalse(self.collector.kam_away)
        # a manager of the user's company still does; the user themselves too
        self.collector.with_user(self.kam_manager)._kam_set_away(True)
        self.assertTrue(self.collector.kam_away)
        self.collector.with_user(self.collector)._kam_set_away(False)
        self.assertFalse(self.collector.kam_away)

    # ------------------------------------------------------------------
    # Contact from traffic: a private calendar event's title stays private
    # ------------------------------------------------------------------
    def test_private_event_title_not_logged(self):
        """A salesman's private meeting with a contact was logged with its
        title, which the account's whole team then read (Odoo shows them
        "Busy")."""
        seller = new_test_user(self.env, "kam_private_seller", groups="sales_team.group_sale_salesman")
        self.company.kam_traffic_calendar = True
        start = fields.Datetime.now() - timedelta(days=2)
        Event = self.env["calendar.event"].with_user(seller)
        vals = {
            "start": start,
            "stop": start + timedelta(hours=1),
            "partner_ids": [Command.set([self.contact.id, seller.partner_id.id])],
            "user_id": seller.id,
        }
        private = Event.create(dict(vals, name="Job offer for the buyer", privacy="private"))
        public = Event.create(dict(vals, name="Quarterly review", privacy="public"))
        # private by the organizer's default privacy
        seller.with_user(seller).calendar_default_privacy = "private"
        default_private = Event.create(dict(vals, name="Buyer's divorce lunch"))
        self.env["kam.traffic.engine"]._run()
        logged = self.env["kam.interaction"].search(
            [("partner_id", "=", self.account.id), ("source_model", "!=", False)]
        )
        names = {interaction.source_id: interaction.name for interaction in logged}
        self.assertEqual(set(names), {private.id, public.id, default_private.id}, "each meeting counts")
        self.assertEqual(names[public.id], "Quarterly review")
        self.assertEqual(names[private.id], f"Meeting with {self.contact.name}")
        self.assertEqual(names[default_private.id], f"Meeting with {self.contact.name}")
        # the team member who is no attendee reads no private title
        readable = self.env["kam.interaction"].with_user(self.kam_user).search([("id", "in", logged.ids)])
        self.assertNotIn("Job offer", " ".join(readable.mapped("name")))

    # ------------------------------------------------------------------
    # Warnings and tasks go to internal users only
    # ------------------------------------------------------------------
    def test_no_portal_user_in_the_account_team_or_duties(self):
        """A key account user made a customer's portal user the key account
        manager, a team member or the backup of a duty (the field's domain
        is the form's only): routing then sent the account's warnings and
        tasks, and their e-mails, outside the company."""
        portal = new_test_user(self.env, "kam_portal_customer", groups="base.group_portal")
        account = self.account.with_user(self.kam_user)
        with self.assertRaisesMessage(ValidationError, "internal users"):
            account.kam_team_user_ids = [Command.link(portal.id)]
        with self.assertRaisesMessage(ValidationError, "internal users"):
            account.kam_manager_id = portal
        self.assertEqual(self.account.kam_manager_id, self.kam_user)
        # (the field reads internal users only: its table says who is in the team)
        self.env.flush_all()
        self.env.cr.execute("SELECT user_id FROM kam_partner_team_user_rel WHERE partner_id = %s", [self.account.id])
        self.assertNotIn(portal.id, [row[0] for row in self.env.cr.fetchall()])
        resp = self._own(self.collections, self.collector)
        for fname in ("backup_user_id", "escalation_user_id", "user_id"):
            with self.assertRaisesMessage(ValidationError, "internal users"):
                resp.with_user(self.kam_user).write({fname: portal.id})
        Resp = self.env["kam.responsibility"].with_user(self.kam_user)
        with self.assertRaises(ValidationError):
            Resp.create(
                {"partner_id": self.account.id, "duty_id": self.analysis.id, "user_id": portal.id, "raci": "informed"}
            )
        # internal users still do
        account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        resp.with_user(self.kam_user).backup_user_id = self.backup
