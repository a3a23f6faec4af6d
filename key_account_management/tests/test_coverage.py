# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from ..models.kam_digest import SECTIONS
from .common import KamCommon

OLD_WRITE = datetime(2000, 1, 1)


@tagged("post_install", "-at_install")
class TestRelationshipCoverage(KamCommon):
    """Relationship coverage (关系地图): who at a key account is in touch
    with whom at our company, from interactions and e-mails made in the
    test; the single-threaded, not reached and silent flags, their risk
    signals, the relationship map and its refusals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        Partner = cls.env["res.partner"]
        # Acme (cls.account, managed by kam_user): a decision maker, a champion, the buyer
        cls.boss = Partner.create(
            {
                "name": "Acme Director",
                "parent_id": cls.account.id,
                "kam_buying_role": "decision_maker",
                "email": "director@acme.example.com",
            }
        )
        cls.champion = Partner.create(
            {"name": "Acme Champion", "parent_id": cls.account.id, "kam_buying_role": "champion"}
        )
        # a one-contact account
        cls.solo = cls._make_account("Solo Key Account", manager=cls.kam_user)
        cls.solo_contact = Partner.create({"name": "Solo Buyer", "parent_id": cls.solo.id})
        cls.other_contact = Partner.create({"name": "Other Buyer", "parent_id": cls.other_account.id})
        cls.colleague = new_test_user(
            cls.env,
            "kam_cov_colleague",
            groups="key_account_management.group_kam_user",
            name="Colleague",
            email="colleague@example.com",
        )
        cls.env["res.company"].invalidate_model()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _touch(self, account, contacts, days_ago, users=None, channel="meeting", state="done"):
        return self.env["kam.interaction"].create(
            {
                "name": f"Touch {days_ago}",
                "partner_id": account.id,
                "channel": channel,
                "state": state,
                "date": self.now - timedelta(days=days_ago),
                "contact_ids": [Command.set(contacts.ids)],
                "user_ids": [Command.set((users or self.kam_user).ids)],
            }
        )

    def _run(self, **kwargs):
        result = self.env["kam.coverage.engine"]._run(full=True, today=self.today, **kwargs)
        self.assertFalse(result.skipped)
        self.env.invalidate_all()
        return result

    def _health(self, account):
        self.env["kam.health.engine"]._refresh(account.ids)
        self.env.invalidate_all()

    def _row(self, contact, user=None):
        return self.env["kam.relationship"].search(
            [("contact_id", "=", contact.id), ("user_id", "=", user.id if user else False)]
        )

    def _signal(self, account, signal_type):
        return self.env["kam.risk.signal"].search(
            [("partner_id", "=", account.id), ("signal_type", "=", signal_type), ("is_open", "=", True)]
        )

    # ------------------------------------------------------------------
    # figures and flags
    # ------------------------------------------------------------------
    def test_one_contact_account_single_threaded(self):
        for days_ago in (10, 20, 30, 40):
            self._touch(self.solo, self.solo_contact, days_ago)
        self._touch(self.solo, self.solo_contact, 400)  # outside the 180-day window
        self._run()
        solo = self.solo.with_user(self.kam_user)
        self.assertEqual((solo.kam_coverage_touches, solo.kam_coverage_contacts), (4, 1))
        self.assertFalse(solo.kam_single_threaded, "4 touches: fewer than the minimum of 5, not judged yet")
        self._touch(self.solo, self.solo_contact, 50, channel="phone")
        self._run()
        self.assertTrue(solo.kam_single_threaded)
        self.assertEqual(solo.kam_coverage_top_share, 100.0)
        self.assertEqual(solo.kam_coverage_top_contact_id, self.solo_contact)
        row = self._row(self.solo_contact)
        self.assertEqual(row.touches, 5)
        self.assertEqual(row.last_channel, "meeting", "the last touch (10 days ago) was a meeting")
        self.assertEqual(row.strength, "strong")
        pair = self._row(self.solo_contact, self.kam_user)
        self.assertEqual((pair.touches, pair.strength), (5, "strong"))
        # its health: a single-threaded risk, in words naming the contact
        self._health(self.solo)
        signal = self._signal(self.solo, "single_threaded")
        self.assertEqual(signal.severity, "medium")
        self.assertIn("Solo Buyer", signal.description)
        self.assertIn("100", signal.description)
        # a second person carrying a third of the touches: no longer single-threaded, the risk resolved
        other = self.env["res.partner"].create({"name": "Solo Engineer", "parent_id": self.solo.id})
        for days_ago in (5, 6, 7):
            self._touch(self.solo, other, days_ago)
        self._run()
        self.assertFalse(solo.kam_single_threaded)
        self.assertEqual(solo.kam_coverage_top_share, 62.5)  # 5 of 8
        self._health(self.solo)
        self.assertFalse(self._signal(self.solo, "single_threaded"))

    def test_share_setting(self):
        # 4 of 5 touches with the buyer: 80 % = single-threaded by default, not at 90 %
        for days_ago in (10, 20, 30, 40):
            self._touch(self.account, self.contact, days_ago)
        self._touch(self.account, self.boss, 15)
        self._run()
        self.assertTrue(self.account.kam_single_threaded)
        self.company.kam_coverage_single_share = 90
        self._run()
        self.assertFalse(self.account.kam_single_threaded)

    def test_decision_maker_not_reached(self):
        self._touch(self.account, self.boss, 70)  # 70 days ago: past the 60-day reach period
        self._touch(self.account, self.contact, 5)
        self._run()
        self.assertTrue(self._row(self.boss).unreached)
        self.assertTrue(self._row(self.champion).unreached, "a champion never touched is not reached")
        self.assertEqual(self._row(self.champion).strength, "none")
        self.assertFalse(self._row(self.contact).unreached, "the buyer is no decision maker nor champion")
        self.assertEqual(self.account.kam_unreached_count, 2)
        self._health(self.account)
        signal = self._signal(self.account, "key_people_unreached")
        self.assertEqual(signal.severity, "high")
        # a high risk: an activity for the key account manager (nobody owns Sales Follow-up, its route's duty)
        activity = self.env["mail.activity"].search([("kam_reason", "=", f"risk:key_people_unreached:{signal.id}")])
        self.assertEqual(activity.user_id, self.kam_user)
        self.assertEqual((activity.res_model, activity.res_id), ("kam.risk.signal", signal.id))
        self.assertIn("Acme Champion", signal.description)
        self.assertIn("Acme Director", signal.description)
        # the director is called: one left
        self._touch(self.account, self.boss, 1, channel="phone")
        self._run()
        self.assertFalse(self._row(self.boss).unreached)
        self.assertEqual(self.account.kam_unreached_count, 1)
        self._health(self.account)
        self.assertEqual(signal.severity, "medium")
        self.assertNotIn("Acme Director", signal.description)
        # a contact no longer champion is no longer looked for
        self.champion.kam_buying_role = "user"
        self._run()
        self.assertEqual(self.account.kam_unreached_count, 0)

    def test_silent_contact(self):
        self._touch(self.account, self.contact, 150)
        self._touch(self.account, self.contact, 120)  # twice, nothing for 120 days: silent
        self._touch(self.account, self.boss, 150)  # once only: not silent (but not reached)
        self._touch(self.account, self.champion, 150)
        self._touch(self.account, self.champion, 30)  # touched again within 90 days: not silent
        self._run()
        self.assertTrue(self._row(self.contact).silent)
        self.assertEqual(self._row(self.contact).strength, "weak")
        self.assertFalse(self._row(self.boss).silent)
        self.assertFalse(self._row(self.champion).silent)
        self.assertEqual(self.account.kam_silent_count, 1)
        self._health(self.account)
        signal = self._signal(self.account, "contacts_silent")
        self.assertIn("Acme Buyer", signal.description)
        # a planned or cancelled interaction is no touch
        self._touch(self.account, self.contact, 1, state="planned")
        self._touch(self.account, self.contact, 2, state="cancelled")
        self._run()
        self.assertTrue(self._row(self.contact).silent)
        # the silence period longer than the last gap: no longer silent
        self.company.kam_coverage_silent_days = 150
        self._run()
        self.assertFalse(self._row(self.contact).silent)

    def test_from_emails(self):
        """An e-mail received from a contact, addressed to the key account
        manager, becomes (through contact_traffic) a touch of the contact
        with the manager; an e-mail the colleague sends to the buyer one of
        the colleague."""
        self.company.write({"kam_traffic_email": True})
        self.contact.email = "buyer@acme.example.com"
        self.account.sudo().message_post(
            body="<p>Please call me</p>",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            author_id=self.boss.id,
            partner_ids=[self.kam_user.partner_id.id],
        )
        # on the buyer's own record (on the account's, its followers would get it too: the director now)
        self.contact.with_user(self.colleague).sudo().message_post(
            body="<p>Here is the offer</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.colleague.partner_id.id,
            partner_ids=[self.contact.id],
        )
        self.env["kam.traffic.engine"]._run()
        self._run()
        self.assertEqual(self._row(self.boss).touches, 1)
        self.assertEqual(self._row(self.boss).last_channel, "email")
        self.assertEqual(self._row(self.boss, self.kam_user).touches, 1, "the manager received it")
        self.assertFalse(self._row(self.boss).unreached)
        self.assertEqual(self._row(self.contact, self.colleague).touches, 1, "the colleague sent it")
        self.assertFalse(self._row(self.contact, self.kam_user))

    def test_from_calendar_event(self):
        """A past meeting in the calendar: each of our people attending is
        in touch with each of the account's people attending."""
        self.company.write({"kam_traffic_calendar": True})
        start = self.now - timedelta(days=4)
        self.env["calendar.event"].create(
            {
                "name": "Plant tour",
                "start": start,
                "stop": start + timedelta(hours=2),
                "partner_ids": [
                    Command.set(
                        [self.boss.id, self.champion.id, self.colleague.partner_id.id, self.kam_user.partner_id.id]
                    )
                ],
                "user_id": self.kam_user.id,
            }
        )
        self.env["kam.traffic.engine"]._run()
        self._run()
        for person in (self.boss, self.champion):
            self.assertEqual(self._row(person).last_channel, "meeting")
            self.assertEqual(self._row(person, self.kam_user).touches, 1, "the organizer")
            self.assertEqual(self._row(person, self.colleague).touches, 1, "a colleague attending")
        self.assertEqual(self.account.kam_unreached_count, 0)

    def test_contact_leaving_account(self):
        self._touch(self.account, self.contact, 10)
        self._run()
        self.assertTrue(self._row(self.contact))
        self.contact.active = False
        self._run()
        self.assertFalse(self._row(self.contact))
        self.assertEqual(self.account.kam_coverage_touches, 0)
        # an account no longer key keeps no rows
        self.account.kam_is_key_account = False
        self._run()
        self.assertFalse(self.env["kam.relationship"].search([("partner_id", "=", self.account.id)]))

    def test_incremental_run(self):
        """After a full run, a daily run learns only the accounts whose
        interactions or contacts changed: the others' rows stay as they
        were (not rewritten)."""
        self._touch(self.account, self.contact, 10)
        self._touch(self.solo, self.solo_contact, 10)
        self._run()
        self.env["kam.relationship"].flush_model()
        self.env.cr.execute("UPDATE kam_relationship SET write_date = %s", [OLD_WRITE])
        self.env.cr.execute(
            "UPDATE kam_interaction SET write_date = %s WHERE partner_id IN %s",
            [OLD_WRITE, (self.account.id, self.solo.id)],
        )
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = %s WHERE commercial_partner_id IN %s",
            [OLD_WRITE, (self.account.id, self.solo.id)],
        )
        self.env.cr.execute("UPDATE res_company SET write_date = %s", [OLD_WRITE])
        self.env.invalidate_all()
        # the last run an hour ago
        self.env["kam.job"]._set_last_run("relationship_coverage", self.now - timedelta(hours=2), full=True)
        changed = self.env["kam.coverage.engine"]._changed_since(self.now - timedelta(hours=2), self.today)
        self.assertNotIn(self.account.id, changed)
        self.assertNotIn(self.solo.id, changed)
        self._touch(self.solo, self.solo_contact, 3, users=self.colleague)
        queries = self.env.cr.sql_log_count
        self.env["kam.coverage.engine"]._run(today=self.today)
        self.assertLess(self.env.cr.sql_log_count - queries, 40, "a fixed number of queries per run")
        self.env.invalidate_all()
        self.assertEqual(self._row(self.solo_contact).touches, 2)
        self.assertEqual(self._row(self.solo_contact, self.colleague).touches, 1)
        self.assertNotEqual(self._row(self.solo_contact).write_date, OLD_WRITE)
        self.assertEqual(self._row(self.contact).write_date, OLD_WRITE, "Acme did not change: not rewritten")
        # a buying role changed on a contact: its account is looked at
        self.champion.kam_buying_role = "influencer"
        changed = self.env["kam.coverage.engine"]._changed_since(self.now - timedelta(minutes=1), self.today)
        self.assertIn(self.account.id, changed)

    def test_deleted_or_moved_interaction_marks_its_account(self):
        """An interaction deleted, or moved to another account, leaves its
        former account a trace: the account's write date. Every daily stage
        that reads interactions (figures and tiers, profitability,
        relationship coverage, health) looks at that account on its next
        incremental run, not a week later."""
        gone = self._touch(self.account, self.contact, 10)
        moved = self._touch(self.solo, self.solo_contact, 10)
        self.env.flush_all()
        accounts = (self.account.id, self.solo.id, self.other_account.id)
        # the state after a run of yesterday: nothing written since, health scored and checked again next
        # week
        self.env.cr.execute("UPDATE kam_interaction SET write_date = %s WHERE partner_id IN %s", [OLD_WRITE, accounts])
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = %s, write_uid = %s WHERE commercial_partner_id IN %s",
            [OLD_WRITE, self.colleague.id, accounts],
        )
        self.env.cr.execute("UPDATE res_partner SET kam_health_band = 'good' WHERE id IN %s", [accounts])
        self.env.cr.execute(
            """INSERT INTO kam_health_check (partner_id, check_date) SELECT unnest(%s), %s
                   ON CONFLICT (partner_id) DO UPDATE SET check_date = EXCLUDED.check_date""",
            [list(accounts), self.today + timedelta(days=7)],
        )
        for table in ("res_company", "kam_tier", "sale_order", "account_move", "kam_relationship", "kam_profit"):
            self.env.cr.execute(SQL("UPDATE %s SET write_date = %s", SQL.identifier(table), OLD_WRITE))
        self.env.invalidate_all()
        last_run = self.now - timedelta(minutes=30)

        def changed():
            """The accounts each stage looks at, by stage."""
            return {
                "figures_and_tiers": self.env["kam.tier.engine"]._changed_since(last_run),
                "profitability": self.env["kam.profit.engine"]._changed_since(last_run, self.today),
                "relationship_coverage": self.env["kam.coverage.engine"]._changed_since(last_run, self.today),
                "health_and_risk": self.env["kam.health.engine"]._accounts_to_run(last_run),
            }

        for stage, ids in changed().items():
            self.assertIsNotNone(ids, stage)
            self.assertFalse(set(accounts) & set(ids), f"{stage}: nothing changed yet")
        gone.unlink()
        moved.write({"partner_id": self.other_account.id, "contact_ids": [Command.set(self.other_contact.ids)]})
        for stage, ids in changed().items():
            self.assertIn(self.account.id, ids, f"{stage}: its interaction was deleted")
            self.assertIn(self.solo.id, ids, f"{stage}: its interaction moved to another account")
            self.assertIn(self.other_account.id, ids, f"{stage}: an interaction moved in")
        # the trace is the date (and author) of the last change, nothing else of the account
        self.assertEqual(self.account.write_uid, self.env.user)
        self.assertGreater(self.account.write_date, OLD_WRITE)

    def test_days_passing_date_the_rows_their_next_change_reaches(self):
        """The daily dating (``days_passing``) reads the rows of the accounts
        learnt again and those whose next change day has come: day after
        day, the strength fades, a contact goes silent and a decision maker
        becomes not reached as a dating of every row says, and a row is
        written (its write date) only the day its flags change."""
        Engine = self.env["kam.coverage.engine"]
        self.company.write({"kam_coverage_silent_days": 45, "kam_coverage_reach_days": 20})
        for days_ago in (12, 8, 4):
            self._touch(self.account, self.contact | self.boss, days_ago)
        self._run()
        contact, boss = self._row(self.contact), self._row(self.boss)
        self.assertEqual((contact.strength, contact.silent, boss.unreached), ("strong", False, False))
        self.assertEqual(contact.next_change_date, self.today + timedelta(days=17), "not reached: 20 days after")
        seen = []
        for day in range(1, 95):
            today = self.today + timedelta(days=day)
            self.env.flush_all()
            self.env.cr.execute("UPDATE kam_relationship SET write_date = %s", [OLD_WRITE])
            self.env.invalidate_all()
            changed = Engine._date_rows(today, [], days_passing=True)
            daily = {row: (row.strength, row.silent, row.unreached, row.next_change_date) for row in self._rows()}
            self.env.cr.execute("SELECT partner_id FROM kam_relationship WHERE write_date <> %s", [OLD_WRITE])
            written = {partner_id for (partner_id,) in self.env.cr.fetchall()}
            self.assertEqual(written, set(changed), f"day {day}: written only where the flags changed")
            self.assertEqual(Engine._date_rows(today), [], f"day {day}: dating every row changes nothing more")
            self.assertEqual(
                {row: (row.strength, row.silent, row.unreached, row.next_change_date) for row in self._rows()}, daily
            )
            state = (contact.strength, contact.silent, boss.unreached)
            if not seen or seen[-1][1] != state:
                seen.append((day, state))
        # last touch 4 days ago: medium after 30 days (day 27), not reached after 20 (day 17), silent after
        # 45 (day 42), weak after 90 (day 87)
        self.assertEqual(
            seen,
            [
                (1, ("strong", False, False)),
                (17, ("strong", False, True)),
                (27, ("medium", False, True)),
                (42, ("medium", True, True)),
                (87, ("weak", True, True)),
            ],
        )

    def _rows(self):
        return self.env["kam.relationship"].search([("partner_id", "=", self.account.id)])

    def test_stage_query_count(self):
        """A run costs as many queries for 2 key accounts as for 7 (a fixed
        number per batch, none per account)."""
        for account, contact in ((self.account, self.contact), (self.solo, self.solo_contact)):
            self._touch(account, contact, 10)

        def count():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = self.env["kam.coverage.engine"]._run(full=True, today=self.today)
            return self.env.cr.sql_log_count - before, result.done

        count()
        few, done_few = count()
        for index in range(5):
            account = self._make_account(f"Batch Account {index}", manager=self.kam_user2)
            people = self.env["res.partner"].create(
                [{"name": f"Batch Person {index}.{n}", "parent_id": account.id} for n in range(3)]
            )
            for n, person in enumerate(people):
                self._touch(account, person, 5 + n, users=self.kam_user2 | self.colleague)
        count()
        many, done_many = count()
        self.assertEqual(done_many - done_few, 5)
        self.assertEqual(many, few)

    def test_pipeline_stage_before_health(self):
        names = [name for name, __, __ in self.env["kam.pipeline"].STAGES]
        self.assertLess(names.index("contact_traffic"), names.index("relationship_coverage"))
        self.assertLess(names.index("figures_and_tiers"), names.index("relationship_coverage"))
        self.assertLess(names.index("relationship_coverage"), names.index("health_and_risk"))

    def test_digest_and_dashboard(self):
        """The single-threaded account in its manager's digest and dashboard;
        not in another team's."""
        for days_ago in (10, 20, 30, 40, 50):
            self._touch(self.solo, self.solo_contact, days_ago)
        self._touch(self.other_account, self.other_contact, 10, users=self.kam_user2)
        self._run()
        self.assertEqual(self.account.kam_unreached_count, 2, "Acme's director and champion never reached")
        Digest = self.env["kam.digest"]
        date_from = self.today - timedelta(days=7)
        ids, __ = Digest._visible(self.kam_user, date_from, self.today)
        self.assertEqual(ids["coverage"], [self.account.id, self.solo.id], "most key people not reached first")
        ids2, __ = Digest._visible(self.kam_user2, date_from, self.today)
        self.assertEqual(ids2["coverage"], [], "the other team's account is reached through its one contact")
        env = self.kam_user._kam_reader_env(self.env)
        records = {key: self.env[model].with_env(env).browse(ids[key]) for key, (model, __) in SECTIONS.items()}
        lines = Digest._digest(env, self.kam_user, records, {key: 0 for key in SECTIONS}, date_from, self.today)
        solo = next(line for line in lines["coverage"] if line["account"] == "Solo Key Account")
        self.assertEqual((solo["single_threaded"], solo["share"], solo["main_contact"]), (True, 100, "Solo Buyer"))
        block = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()["coverage"]
        self.assertEqual((block["single_count"], block["unreached_count"]), (1, 1))
        self.assertEqual([row["name"] for row in block["rows"]], ["Acme Key Account", "Solo Key Account"])
        block2 = self.env["kam.dashboard"].with_user(self.kam_user2).get_dashboard_data()["coverage"]
        self.assertEqual((block2["single_count"], block2["rows"]), (0, []))

    # ------------------------------------------------------------------
    # Reports To
    # ------------------------------------------------------------------
    def test_reports_to(self):
        contact = self.contact.with_user(self.kam_user)
        contact.kam_reports_to_id = self.boss
        self.assertEqual(self.contact.kam_reports_to_id, self.boss)
        with self.assertRaisesMessage(ValidationError, "same account"):
            contact.kam_reports_to_id = self.other_contact
        with self.assertRaisesMessage(ValidationError, "same account"):
            contact.kam_reports_to_id = self.contact
        with self.assertRaisesMessage(ValidationError, "same account"):
            contact.kam_reports_to_id = self.account
        # a circle: the director reporting to the buyer who reports to the director
        with self.assertRaisesMessage(ValidationError, "circle"):
            self.boss.with_user(self.kam_user).kam_reports_to_id = self.contact
        self.champion.kam_reports_to_id = self.contact
        with self.assertRaisesMessage(ValidationError, "circle"):
            self.boss.kam_reports_to_id = self.champion
        self.assertFalse(self.boss.kam_reports_to_id)
        # who is not in the account's team does not reorganize its people
        with self.assertRaises(AccessError):
            self.champion.with_user(self.kam_user2).kam_reports_to_id = self.boss
        self.assertEqual(self.champion.kam_reports_to_id, self.contact)

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------
    def test_bad_settings_refused(self):
        for vals, message in (
            ({"kam_coverage_window_days": 0}, "window is between 1 and 730"),
            ({"kam_coverage_window_days": 731}, "window is between 1 and 730"),
            ({"kam_coverage_single_share": 101}, "percentage between 1 and 100"),
            ({"kam_coverage_single_share": 0}, "percentage between 1 and 100"),
            ({"kam_coverage_min_touches": 0}, "between 1 and 1000"),
            ({"kam_coverage_reach_days": 0}, "1 to 730 days"),
            ({"kam_coverage_silent_days": 180}, "fewer days than the coverage window"),
        ):
            with self.subTest(vals=vals), self.assertRaisesMessage(ValidationError, message):
                self.company.write(vals)
        # through the settings: refused whole, nothing half-saved
        settings = self.env["res.config.settings"].create(
            {"kam_coverage_window_days": 90, "kam_coverage_silent_days": 120}
        )
        with self.assertRaisesMessage(ValidationError, "fewer days than the coverage window"):
            settings.execute()
        self.assertEqual((self.company.kam_coverage_window_days, self.company.kam_coverage_silent_days), (180, 90))

    # ------------------------------------------------------------------
    # The relationship map
    # ------------------------------------------------------------------
    def _map(self, user, account=None):
        return self.env["kam.relationship"].with_user(user).get_relationship_map((account or self.account).id)

    def test_relationship_map(self):
        self.contact.kam_reports_to_id = self.boss
        self.champion.kam_reports_to_id = self.boss
        self.boss.write({"kam_influence": 5, "kam_relationship": 2, "function": "CEO"})
        self._touch(self.account, self.boss, 10, users=self.kam_user)
        self._touch(self.account, self.boss, 50, users=self.colleague)
        self._touch(self.account, self.contact, 120, users=self.colleague)
        self._touch(self.account, self.contact, 150, users=self.colleague)
        self._run()
        data = self._map(self.kam_user)
        self.assertTrue(data["account"]["unreached"])
        people = {contact["name"]: contact for contact in data["contacts"]}
        self.assertEqual(set(people), {"Acme Buyer", "Acme Director", "Acme Champion"})
        boss, buyer, champion = people["Acme Director"], people["Acme Buyer"], people["Acme Champion"]
        self.assertFalse(boss["parent_id"])
        self.assertEqual(buyer["parent_id"], self.boss.id)
        self.assertEqual(champion["parent_id"], self.boss.id)
        self.assertEqual((boss["role"], boss["influence"], boss["relationship"]), ("decision_maker", 5, 2))
        self.assertEqual(boss["function"], "CEO")
        self.assertEqual(boss["touches"], 2)
        self.assertEqual(
            [(link["user"], link["recency"]) for link in boss["links"]],
            [("KAM User", "month"), ("Colleague", "quarter")],
            "the latest first",
        )
        self.assertEqual([link["recency"] for link in buyer["links"]], ["older"])
        self.assertTrue(buyer["silent"])
        self.assertTrue(champion["unreached"])
        self.assertEqual(champion["links"], [])
        # key account managers read every account's map
        self.assertEqual(len(self._map(self.kam_manager)["contacts"]), 3)

    def test_relationship_map_refused(self):
        self._run()
        # a salesman without the addon's groups, a key account user of another team
        with self.assertRaises(AccessError):
            self._map(self.salesman)
        with self.assertRaises(AccessError):
            self._map(self.kam_user2)
        with self.assertRaises(AccessError):
            self.env["kam.relationship"].with_user(self.salesman).search([])
        self.assertFalse(
            self.env["kam.relationship"].with_user(self.kam_user2).search([("partner_id", "=", self.account.id)])
        )
        with self.assertRaisesMessage(UserError, "not a key account"):
            self._map(self.kam_user, self.contact)
        with self.assertRaisesMessage(UserError, "one key account"):
            self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map("1; DROP TABLE x")

    def test_relationship_map_query_count(self):
        """The map costs as many queries for 3 people as for 8."""
        self._touch(self.account, self.boss, 10)
        self._run()

        def count():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = self._map(self.kam_user)
            return self.env.cr.sql_log_count - before, len(data["contacts"])

        count()  # the caches of the access rules and groups filled
        few, people = count()
        self.assertEqual(people, 3)
        for index in range(5):
            person = self.env["res.partner"].create(
                {"name": f"Acme Person {index}", "parent_id": self.account.id, "kam_reports_to_id": self.boss.id}
            )
            self._touch(self.account, person, 5 + index, users=self.kam_user | self.colleague)
        self._run()
        count()
        many, people = count()
        self.assertEqual(people, 8)
        self.assertEqual(many, few)
        self.assertLessEqual(many, 20)


@tagged("post_install", "-at_install")
class TestRelationshipMapTour(HttpCase):
    def test_relationship_map_tour(self):
        """A key account user opens the relationship map of their
        single-threaded account from the dashboard, then from its form."""
        user = new_test_user(
            self.env, "kam_tour_map", groups="key_account_management.group_kam_user", name="Tour Map User"
        )
        other_user = new_test_user(self.env, "kam_tour_map2", groups="key_account_management.group_kam_user")
        Partner = self.env["res.partner"]

        def account(name, manager):
            return Partner.create(
                {"name": name, "is_company": True, "kam_is_key_account": True, "kam_manager_id": manager.id}
            )

        mine = account("Tour Map Co.", user)
        hidden = account("Tour Map Hidden Co.", other_user)
        director = Partner.create({"name": "Tour Director", "parent_id": mine.id, "kam_buying_role": "decision_maker"})
        buyer = Partner.create({"name": "Tour Buyer", "parent_id": mine.id, "kam_reports_to_id": director.id})
        Partner.create({"name": "Tour Champion", "parent_id": mine.id, "kam_buying_role": "champion"})
        hidden_buyer = Partner.create({"name": "Tour Hidden Buyer", "parent_id": hidden.id})
        now = fields.Datetime.now()
        for partner, contact, manager in ((mine, buyer, user), (hidden, hidden_buyer, other_user)):
            for days_ago in (3, 20, 40, 60, 80):
                self.env["kam.interaction"].create(
                    {
                        "name": "Tour call",
                        "partner_id": partner.id,
                        "channel": "phone",
                        "date": now - timedelta(days=days_ago),
                        "contact_ids": [Command.set(contact.ids)],
                        "user_ids": [Command.set(manager.ids)],
                    }
                )
        self.env["kam.interaction"].create(
            {
                "name": "Tour lunch",
                "partner_id": mine.id,
                "channel": "meeting",
                "date": now - timedelta(days=30),
                "contact_ids": [Command.set(director.ids)],
                "user_ids": [Command.set(user.ids)],
            }
        )
        self.env["kam.coverage.engine"]._refresh([mine.id, hidden.id])
        self.assertTrue(mine.kam_single_threaded)  # 5 of 6 touches with the buyer
        self.start_tour("/odoo", "kam_relationship_map_tour", login=user.login)
