# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Attacks on what landed with issue 13's relationship coverage and
profitability (kam.relationship, kam.profit, the partner's coverage fields
and "Reports To", the relationship map, the digest, dashboard and profile
sections) as users without the addon's groups and as its least-privileged
users: each path either refuses clearly or shows nothing of an account the
user may not read, and the core flows keep working."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import KamCommon

NEW_FIELDS = [
    "kam_reports_to_id",
    "kam_coverage_touches",
    "kam_coverage_contacts",
    "kam_coverage_top_share",
    "kam_coverage_top_contact_id",
    "kam_single_threaded",
    "kam_unreached_count",
    "kam_silent_count",
]


@tagged("post_install", "-at_install")
class TestAttackToday(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.boss = Partner.create(
            {"name": "Acme Director", "parent_id": cls.account.id, "kam_buying_role": "decision_maker"}
        )
        cls.contact.kam_reports_to_id = cls.boss
        cls.other_contact = Partner.create({"name": "Other Buyer", "parent_id": cls.other_account.id})
        cls.portal = new_test_user(cls.env, "att_portal", groups="base.group_portal", name="Portal")
        cls.employee = new_test_user(cls.env, "att_employee", groups="base.group_user", name="Employee")
        cls.accountant = new_test_user(
            cls.env, "att_accountant", groups="account.group_account_invoice", name="Accountant"
        )
        cls.viewer = new_test_user(cls.env, "att_viewer", groups="key_account_management.group_kam_viewer")
        cls.team_viewer = new_test_user(
            cls.env, "att_team_viewer", groups="key_account_management.group_kam_viewer", name="Team Viewer"
        )
        cls.account.kam_team_user_ids = cls.team_viewer
        for account, contact in ((cls.account, cls.contact), (cls.other_account, cls.other_contact)):
            account.write(
                {
                    "kam_coverage_touches": 7,
                    "kam_coverage_contacts": 1,
                    "kam_coverage_top_share": 100.0,
                    "kam_coverage_top_contact_id": contact.id,
                    "kam_single_threaded": True,
                    "kam_unreached_count": 1,
                    "kam_silent_count": 1,
                }
            )
        cls.other_contact.kam_reports_to_id = False
        Relationship = cls.env["kam.relationship"]
        cls.rows = Relationship.create(
            [
                {"partner_id": cls.account.id, "contact_id": cls.contact.id, "touches": 7, "strength": "strong"},
                {
                    "partner_id": cls.account.id,
                    "contact_id": cls.contact.id,
                    "user_id": cls.kam_user.id,
                    "touches": 7,
                    "last_date": fields.Datetime.now(),
                },
            ]
        )
        cls.other_rows = Relationship.create(
            [
                {"partner_id": cls.other_account.id, "contact_id": cls.other_contact.id, "touches": 3},
                {
                    "partner_id": cls.other_account.id,
                    "contact_id": cls.other_contact.id,
                    "user_id": cls.kam_user2.id,
                    "touches": 3,
                },
            ]
        )
        Profit = cls.env["kam.profit"]
        cls.profit = Profit.create({"partner_id": cls.account.id, "company_id": cls.company.id, "profit": -500})
        cls.other_profit = Profit.create(
            {"partner_id": cls.other_account.id, "company_id": cls.company.id, "profit": -900}
        )
        cls.outsiders = (cls.portal, cls.employee, cls.salesman, cls.accountant)

    # ------------------------------------------------------------------
    # Users without the addon's groups
    # ------------------------------------------------------------------
    def test_outsiders_refused_the_new_data(self):
        for user in self.outsiders:
            with self.subTest(user=user.name):
                partner = self.account.with_user(user)
                for fname in NEW_FIELDS:
                    with self.assertRaises(AccessError):
                        partner.read([fname])
                with self.assertRaises(AccessError):
                    partner.web_read({"kam_single_threaded": {}, "kam_reports_to_id": {"fields": {}}})
                with self.assertRaises(AccessError):
                    partner.read(["kam_profit_ids"])
                for model in ("kam.relationship", "kam.profit"):
                    Model = self.env[model].with_user(user)
                    with self.assertRaises(AccessError):
                        Model.search_read([], ["partner_id"])
                    with self.assertRaises(AccessError):
                        Model.name_search("Acme")
                    with self.assertRaises(AccessError):
                        Model.read_group([], ["touches:sum" if model == "kam.relationship" else "profit:sum"], [])
                with self.assertRaises(AccessError):
                    self.rows.with_user(user).read(["touches"])
                with self.assertRaises(AccessError):
                    self.env["kam.relationship"].with_user(user).get_relationship_map(self.account.id)
                with self.assertRaises(AccessError):
                    self.env["kam.dashboard"].with_user(user).get_dashboard_data()
                with self.assertRaises(AccessError):
                    self.contact.with_user(user).write({"kam_reports_to_id": False})
                with self.assertRaises(AccessError):
                    self.env["res.partner"].with_user(user).search([("kam_single_threaded", "=", True)])

    def test_outsiders_core_flows(self):
        """A salesman and an accountant read, export and duplicate a key
        account and a contact that reports to someone."""
        for user in (self.salesman, self.accountant):
            user.groups_id += self.env.ref("base.group_allow_export")
            with self.subTest(user=user.name):
                partner = self.account.with_user(user)
                self.assertEqual(partner.read(["name"])[0]["name"], self.account.name)
                self.assertEqual(partner.web_read({"name": {}})[0]["name"], self.account.name)
                fields_seen = partner.fields_get()
                for fname in NEW_FIELDS:
                    self.assertNotIn(fname, fields_seen)
                names = [
                    name
                    for name, field in fields_seen.items()
                    if field["exportable"] and field["type"] not in ("one2many", "many2many")
                ]
                data = (self.account | self.contact).with_user(user).export_data(["name", *names])["datas"]
                self.assertEqual([row[0] for row in data], [self.account.name, self.contact.name])
                with self.assertRaises(AccessError):
                    partner.export_data(["name", "kam_single_threaded"])
        contact_copy = self.contact.with_user(self.salesman).copy()
        self.assertFalse(contact_copy.kam_reports_to_id)
        self.assertEqual(contact_copy.parent_id, self.account)
        account_copy = self.account.with_user(self.salesman).copy()
        self.assertFalse(self.env["kam.relationship"].search([("partner_id", "=", account_copy.id)]))
        self.assertFalse(self.env["kam.profit"].search([("partner_id", "=", account_copy.id)]))
        self.assertRecordValues(
            account_copy, [{"kam_single_threaded": False, "kam_unreached_count": 0, "kam_coverage_touches": 0}]
        )

    # ------------------------------------------------------------------
    # The addon's viewers and users on another team's account
    # ------------------------------------------------------------------
    def test_viewer_and_user_of_another_team(self):
        for user in (self.viewer, self.kam_user2):
            user.groups_id += self.env.ref("base.group_allow_export")
            with self.subTest(user=user.login):
                partner = self.account.with_user(user)
                values = partner.read(NEW_FIELDS)[0]
                self.assertFalse(any(values[fname] for fname in NEW_FIELDS), values)
                self.assertFalse(self.contact.with_user(user).read(["kam_reports_to_id"])[0]["kam_reports_to_id"])
                Partner = self.env["res.partner"].with_user(user)
                self.assertNotIn(self.account, Partner.search([("kam_single_threaded", "=", True)]))
                self.assertNotIn(self.contact, Partner.search([("kam_reports_to_id", "=", self.boss.id)]))
                groups = Partner.read_group(
                    [("id", "=", self.account.id)], ["kam_unreached_count:sum"], ["kam_single_threaded"]
                )
                self.assertEqual(
                    [(group["kam_single_threaded"], group["kam_unreached_count"]) for group in groups], [(False, 0)]
                )
                for groupby in ("kam_reports_to_id", "kam_coverage_top_contact_id"):
                    groups = Partner.read_group(
                        [("id", "in", (self.account | self.contact).ids)], ["id:count"], [groupby]
                    )
                    self.assertEqual([group[groupby] for group in groups], [False], groupby)
                export = (
                    (self.account | self.contact)
                    .with_user(user)
                    .export_data(
                        ["name", "kam_reports_to_id/id", "kam_coverage_top_contact_id/name", "kam_unreached_count"]
                    )
                )
                self.assertEqual(export["datas"], [[self.account.name, "", "", 0], [self.contact.name, "", "", 0]])
                Relationship = self.env["kam.relationship"].with_user(user)
                self.assertFalse(Relationship.search([("partner_id", "=", self.account.id)]))
                self.assertFalse(Relationship.name_search("Acme"))
                self.assertFalse(
                    Relationship.read_group([("partner_id", "=", self.account.id)], ["touches:sum"], ["partner_id"])
                )
                with self.assertRaises(AccessError):
                    self.rows.with_user(user).read(["touches"])
                with self.assertRaises(AccessError):
                    Relationship.get_relationship_map(self.account.id)
                dashboard = self.env["kam.dashboard"].with_user(user).get_dashboard_data()
                self.assertNotIn(self.account.id, [row["id"] for row in dashboard["coverage"]["rows"]])
                self.assertNotIn(self.account.id, [row["partner_id"] for row in dashboard["profit"]["rows"]])
        # a viewer has no profitability at all; a key account user sees their own account's only
        with self.assertRaises(AccessError):
            self.env["kam.profit"].with_user(self.viewer).search([])
        Profit = self.env["kam.profit"].with_user(self.kam_user2)
        self.assertEqual(Profit.search([]), self.other_profit)
        self.assertEqual(Profit.name_search(""), [(self.other_profit.id, self.other_account.display_name)])
        self.assertEqual(
            Profit.read_group([], ["profit:sum"], ["partner_id"])[0]["profit"], -900, "only their account's"
        )
        with self.assertRaises(AccessError):
            self.profit.with_user(self.kam_user2).read(["profit"])
        # the profile of another team's account is refused
        report = self.env.ref("key_account_management.action_report_kam_account_profile")
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.kam_user2)._render_qweb_html(report, self.account.ids)

    def test_team_viewer(self):
        """A viewer of the account's team reads its coverage and its map but
        changes nothing, and has no profitability."""
        data = self.env["kam.relationship"].with_user(self.team_viewer).get_relationship_map(self.account.id)
        self.assertEqual(data["account"]["touches"], 7)
        self.assertEqual(self.account.with_user(self.team_viewer).kam_unreached_count, 1)
        with self.assertRaises(AccessError):
            self.contact.with_user(self.team_viewer).write({"kam_reports_to_id": False})
        with self.assertRaises(AccessError):
            self.rows.with_user(self.team_viewer).write({"touches": 99})
        with self.assertRaises(AccessError):
            self.rows.with_user(self.team_viewer).unlink()
        with self.assertRaises(AccessError):
            self.account.with_user(self.team_viewer).read(["kam_profit_ids"])
        # the digest is for key account users: the preview is refused, not broken
        with self.assertRaises(AccessError):
            self.env["kam.digest.preview"].with_user(self.team_viewer).create({})

    def test_digest_preview_of_another_team(self):
        """The digest preview of a key account user shows their own accounts'
        coverage and profitability only."""
        self.env["kam.risk.signal"].search([]).unlink()
        body = self.env["kam.digest.preview"].with_user(self.kam_user2).create({}).body_html
        self.assertNotIn("Acme Key Account", body)

    def test_profit_signals_not_for_viewers(self):
        """Viewers do not read profitability (kam.profit): nor the risk
        signals that tell it, on the account, in the list or the dashboard."""
        Signal = self.env["kam.risk.signal"]
        signals = Signal.create(
            [
                {
                    "partner_id": self.account.id,
                    "signal_type": signal_type,
                    "severity": "high",
                    "value": -50,
                    "description": f"{signal_type}: profit $ -500 on a revenue of $ 1,000",
                }
                for signal_type in ("unprofitable", "discount_creep", "single_threaded")
            ]
        )
        profit_signals, coverage_signal = signals[:2], signals[2]
        viewer_all = new_test_user(self.env, "att_viewer_all", groups="key_account_management.group_kam_viewer_all")
        for user in (self.team_viewer, viewer_all):
            with self.subTest(user=user.login):
                self.assertEqual(Signal.with_user(user).search([("id", "in", signals.ids)]), coverage_signal)
                with self.assertRaises(AccessError):
                    profit_signals.with_user(user).read(["description", "value"])
                self.assertEqual(self.account.with_user(user).kam_open_risk_signal_ids, coverage_signal)
                dashboard = self.env["kam.dashboard"].with_user(user).get_dashboard_data()
                self.assertNotIn(
                    profit_signals[0].id, [signal["id"] for signal in dashboard["risks"]["signals"]], dashboard["risks"]
                )
        # the account's key account user and a key account manager read them all
        for user in (self.kam_user, self.kam_manager):
            self.assertEqual(Signal.with_user(user).search([("id", "in", signals.ids)]), signals)
        self.assertFalse(Signal.with_user(self.kam_user2).search([("id", "in", signals.ids)]))
        # nor made the response owner of one (the owner's activity carries the risk)
        with self.assertRaisesMessage(ValidationError, "cannot read the risks"):
            profit_signals[0].with_user(self.kam_user).response_user_id = self.team_viewer
        coverage_signal.with_user(self.kam_user).response_user_id = self.team_viewer

    def test_objective_category(self):
        """The product category of an objective: set by the plan's team only,
        on an order metric only; read by the team's viewer, refused to others."""
        category = self.env["product.category"].create({"name": "Att Widgets"})
        self.product.categ_id = category
        self._order(self.account, 300)
        plan = (
            self.env["kam.plan"]
            .with_user(self.kam_user)
            .create(
                {
                    "name": "Plan",
                    "partner_id": self.account.id,
                    "date_start": self.today - timedelta(days=30),
                    "date_end": self.today + timedelta(days=30),
                    "objective_ids": [Command.create({"name": "Widgets", "target": 1000, "categ_id": category.id})],
                }
            )
        )
        objective = plan.objective_ids
        self.assertEqual(objective.actual, 300)
        with self.assertRaises(AccessError):
            objective.with_user(self.kam_user2).write({"categ_id": False})
        with self.assertRaises(AccessError):
            objective.with_user(self.team_viewer).write({"categ_id": False})
        with self.assertRaises(ValidationError):
            objective.with_user(self.kam_user).write({"metric": "satisfaction"})
        self.assertEqual(objective.with_user(self.team_viewer).read(["categ_id"])[0]["categ_id"][0], category.id)
        for user in (self.salesman, self.viewer, self.kam_user2):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                objective.with_user(user).read(["categ_id", "actual"])
        self.assertEqual(objective.categ_id, category)

    def test_profit_signals_not_routed_to_viewers(self):
        """A viewer of the account's team who owns its Contract Negotiation
        duty gets the signals routed to it, but not the profitability ones
        (which they may not read): those go to the key account manager."""
        self.env["kam.responsibility"].create(
            {
                "partner_id": self.account.id,
                "duty_id": self.env.ref("key_account_management.kam_duty_contract").id,
                "user_id": self.team_viewer.id,
                "raci": "responsible",
                "state": "confirmed",
            }
        )
        Route = self.env["kam.routing"]
        self.assertEqual(Route._route_one(self.account, "unprofitable"), self.kam_user)
        self.assertEqual(Route._route_one(self.account, "discount_creep"), self.kam_user)
        # a key account user of the team owning the duty gets them
        owner = new_test_user(self.env, "att_duty_owner", groups="key_account_management.group_kam_user")
        self.account.kam_team_user_ids += owner
        self.env["kam.responsibility"].search([("partner_id", "=", self.account.id)]).user_id = owner
        self.assertEqual(Route._route_one(self.account, "unprofitable"), owner)

    def test_reports_to_across_accounts(self):
        """A key account user cannot make a contact of their account report
        to a contact of another account, nor the other way round."""
        with self.assertRaises(ValidationError):
            self.other_contact.with_user(self.kam_user2).kam_reports_to_id = self.contact
        with self.assertRaises(AccessError):
            self.contact.with_user(self.kam_user2).kam_reports_to_id = self.other_contact
        # nor by creating a contact on another team's account (nor without our groups)
        for user in (self.kam_user2, self.salesman, self.viewer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).create(
                    {"name": "Planted", "parent_id": self.account.id, "kam_reports_to_id": self.boss.id}
                )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Planted")]))
        # the account itself reports to nobody (its people do)
        with self.assertRaisesMessage(ValidationError, "the account itself"):
            self.account.with_user(self.kam_user).kam_reports_to_id = self.boss
        self.assertFalse(self.account.kam_reports_to_id)
        self.assertEqual(self.contact.kam_reports_to_id, self.boss)

    def test_map_bad_ids(self):
        Relationship = self.env["kam.relationship"].with_user(self.kam_user)
        for bad in (None, "x", [self.account.id], True, 10**9, -1):
            with self.subTest(bad=bad), self.assertRaises(UserError):
                Relationship.get_relationship_map(bad)

    # ------------------------------------------------------------------
    # Multi-company
    # ------------------------------------------------------------------
    def _company_b_user(self, login, groups):
        """A user of a new company B only; the account stays in company A."""
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.account.company_id = self.company
        return new_test_user(
            self.env, login, groups=groups, company_id=company_b.id, company_ids=[Command.set(company_b.ids)]
        )

    def test_user_of_another_company(self):
        self.rows.company_id = self.company
        user_b = self._company_b_user("att_company_b", "key_account_management.group_kam_manager")
        with self.assertRaises(AccessError):
            self.env["kam.relationship"].with_user(user_b).get_relationship_map(self.account.id)
        self.assertFalse(self.env["kam.relationship"].with_user(user_b).search([("id", "in", self.rows.ids)]))
        self.assertFalse(self.env["kam.profit"].with_user(user_b).search([("id", "=", self.profit.id)]))
        with self.assertRaises(AccessError):
            self.account.with_user(user_b).read(["kam_single_threaded"])
        dashboard = self.env["kam.dashboard"].with_user(user_b).get_dashboard_data()
        self.assertNotIn(self.account.id, [row["id"] for row in dashboard["coverage"]["rows"]])
        self.assertNotIn(self.account.id, [row["partner_id"] for row in dashboard["profit"]["rows"]])

    def test_team_member_of_another_company(self):
        """A key account user of company B only, in the team of company A's
        account: refused the map, the rows and the profitability."""
        user_b = self._company_b_user("att_company_b_user", "key_account_management.group_kam_user")
        self.account.kam_team_user_ids += user_b
        with self.assertRaises(AccessError):
            self.env["kam.relationship"].with_user(user_b).get_relationship_map(self.account.id)
        self.assertFalse(self.env["kam.relationship"].with_user(user_b).search([("partner_id", "=", self.account.id)]))
        self.assertFalse(self.env["kam.profit"].with_user(user_b).search([("partner_id", "=", self.account.id)]))
        dashboard = self.env["kam.dashboard"].with_user(user_b).get_dashboard_data()
        self.assertNotIn(self.account.id, [row["partner_id"] for row in dashboard["profit"]["rows"]])
        self.assertNotIn(self.account.id, [row["id"] for row in dashboard["coverage"]["rows"]])

    # ------------------------------------------------------------------
    # Contacts and users going away
    # ------------------------------------------------------------------
    def test_archive_and_delete_the_boss(self):
        self.kam_user.groups_id += self.env.ref("base.group_partner_manager")
        self.boss.with_user(self.kam_user).action_archive()
        data = self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map(self.account.id)
        people = {person["id"]: person for person in data["contacts"]}
        self.assertNotIn(self.boss.id, people)
        self.assertFalse(people[self.contact.id]["parent_id"], "an archived boss: at the top")
        self.boss.with_user(self.kam_user).action_unarchive()
        self.boss.with_user(self.kam_user).unlink()
        self.assertFalse(self.contact.kam_reports_to_id)
        # a contact with coverage rows and the account's main contact
        self.contact.with_user(self.kam_user).unlink()
        self.assertFalse(self.rows.exists())
        self.assertFalse(self.account.kam_coverage_top_contact_id)
        self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map(self.account.id)

    def test_unlink_user_in_coverage(self):
        colleague = new_test_user(self.env, "att_colleague", groups="key_account_management.group_kam_user")
        row = self.env["kam.relationship"].create(
            {"partner_id": self.account.id, "contact_id": self.contact.id, "user_id": colleague.id, "touches": 1}
        )
        colleague.unlink()
        self.assertFalse(row.exists())
        data = self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map(self.account.id)
        self.assertEqual(len({link["user_id"] for person in data["contacts"] for link in person["links"]}), 1)

    def test_map_reporting_circle_through_parent_contact(self):
        """“Reports To” and the parent contact together cannot hide people
        from the map: a contact whose parent contact reports to it."""
        assistant = self.env["res.partner"].create({"name": "Acme Assistant", "parent_id": self.boss.id})
        self.assertEqual(assistant.commercial_partner_id, self.account)
        self.boss.kam_reports_to_id = assistant
        data = self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map(self.account.id)
        people = {person["id"]: person for person in data["contacts"]}
        ids = set(people)
        # every person can be reached from the top
        reached, todo = set(), [None]
        while todo:
            parent = todo.pop()
            for person in data["contacts"]:
                if (person["parent_id"] or None) == parent and person["id"] not in reached:
                    reached.add(person["id"])
                    todo.append(person["id"])
        self.assertEqual(reached, ids)

    # ------------------------------------------------------------------
    # Merging partners
    # ------------------------------------------------------------------
    def _merge(self, user, partners, dst):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(user)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({})
        )
        wizard.write({"partner_ids": [Command.set(partners.ids)], "dst_partner_id": dst.id})
        wizard.action_merge()

    def test_merge_contact_into_its_boss(self):
        self.kam_user.groups_id += self.env.ref("base.group_partner_manager")
        self._merge(self.kam_user, self.contact | self.boss, self.boss)
        self.assertFalse(self.contact.exists())
        self.assertNotEqual(self.boss.kam_reports_to_id, self.boss)
        moved = self.env["kam.relationship"].search([("contact_id", "=", self.boss.id)])
        self.assertEqual(moved.mapped("touches"), [7, 7], "the contact's rows: now the boss's")
        self.env["kam.relationship"].with_user(self.kam_user).get_relationship_map(self.account.id)

    def test_merge_contacts_with_coverage_rows(self):
        twin = self.env["res.partner"].create({"name": "Acme Buyer (twin)", "parent_id": self.account.id})
        self.env["kam.relationship"].create(
            {"partner_id": self.account.id, "contact_id": twin.id, "touches": 2, "strength": "weak"}
        )
        self.kam_user.groups_id += self.env.ref("base.group_partner_manager")
        self._merge(self.kam_user, self.contact | twin, self.contact)
        self.assertFalse(twin.exists())
        self.assertEqual(len(self.env["kam.relationship"].search([("contact_id", "=", self.contact.id)])), 2)
        # a salesman without our groups merges two plain contacts, one with coverage rows
        plain = self.env["res.partner"].create({"name": "Plain Buyer", "parent_id": self.account.id})
        plain_twin = self.env["res.partner"].create({"name": "Plain Buyer (twin)", "parent_id": self.account.id})
        self.env["kam.relationship"].create({"partner_id": self.account.id, "contact_id": plain_twin.id, "touches": 1})
        self.salesman.groups_id += self.env.ref("base.group_partner_manager")
        self._merge(self.salesman, plain | plain_twin, plain)
        self.assertFalse(plain_twin.exists())
        self.assertEqual(self.env["kam.relationship"].search([("contact_id", "=", plain.id)]).touches, 1)

    def test_contact_moved_to_another_account(self):
        """A contact moved to another account leaves its “Reports To” links
        behind (in both directions): else the other team reads a boss of an
        account that is not theirs, and merging the contact there fails."""
        self.boss.kam_reports_to_id = False
        assistant = self.env["res.partner"].create(
            {"name": "Acme Assistant", "parent_id": self.account.id, "kam_reports_to_id": self.contact.id}
        )
        self.kam_user.groups_id += self.env.ref("base.group_partner_manager")
        self.contact.with_user(self.kam_user).write({"parent_id": self.other_account.id})
        self.assertFalse(self.contact.kam_reports_to_id)
        self.assertFalse(assistant.kam_reports_to_id)
        self.kam_user2.groups_id += self.env.ref("base.group_partner_manager")
        self._merge(self.kam_user2, self.contact | self.other_contact, self.other_contact)
        self.assertFalse(self.other_contact.kam_reports_to_id)
        # within the same account, a move keeps them
        self.other_contact.kam_reports_to_id = False
        deputy = self.env["res.partner"].create(
            {"name": "Acme Deputy", "parent_id": self.account.id, "kam_reports_to_id": self.boss.id}
        )
        deputy.with_user(self.kam_user).write({"parent_id": self.boss.id})
        self.assertEqual(deputy.kam_reports_to_id, self.boss)

    def test_merge_accounts_with_profit_rows(self):
        self.salesman.groups_id += self.env.ref("base.group_partner_manager")
        with self.assertRaises(AccessError):
            self._merge(self.salesman, self.account | self.other_account, self.account)
        self.kam_manager.groups_id += self.env.ref("base.group_partner_manager")
        self._merge(self.kam_manager, self.account | self.other_account, self.account)
        # the account keeps its own figures (the stage computes them again), the merged one's are not carried
        self.assertEqual(self.account.kam_coverage_top_contact_id, self.contact)
        self.assertFalse(self.other_account.exists())
        self.assertEqual(self.env["kam.profit"].search([("partner_id", "=", self.account.id)]), self.profit)
