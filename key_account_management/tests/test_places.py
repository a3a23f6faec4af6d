# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reorder radar and white space in the dashboard and the weekly digest
(issue 13: "its place in the weekly digest and the dashboard")."""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import KamCommon


class PlacesCommon(KamCommon):
    """A regular order of the test's account (kam_user's) late by 20 days,
    and one of the other account (kam_user2's) late by 30 days, learnt by
    the reorder engine from confirmed orders made here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.boxes = Product.create({"name": "Places Storage Box", "type": "consu", "list_price": 10.0})
        cls.paper = Product.create({"name": "Places Paper", "type": "consu", "list_price": 5.0})
        # every 30 days, the last order 50 days ago: expected 20 days ago, late
        for days_ago in (170, 140, 110, 80, 50):
            cls._order_product(cls.account, cls.boxes, 10, days_ago)
        # every 30 days, the last order 60 days ago: expected 30 days ago, later still
        for days_ago in (180, 150, 120, 90, 60):
            cls._order_product(cls.other_account, cls.paper, 4, days_ago)
        cls.env["res.company"].invalidate_model()
        cls.env["kam.reorder.engine"]._run(full=True, today=cls.today)
        Reorder = cls.env["kam.reorder"]
        cls.late = Reorder.search([("partner_id", "=", cls.account.id), ("product_id", "=", cls.boxes.id)])
        cls.other_late = Reorder.search([("partner_id", "=", cls.other_account.id), ("product_id", "=", cls.paper.id)])
        # the only late reorders of the database (a demo database has its own: put on rhythm)
        Reorder.search([("state", "=", "late"), ("id", "not in", (cls.late | cls.other_late).ids)]).write(
            {"state": "regular"}
        )

    @classmethod
    def _order_product(cls, partner, product, qty, days_ago):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty, "tax_id": [Command.clear()]})
                ],
            }
        )
        order.action_confirm()
        order.date_order = datetime.combine(cls.today - timedelta(days=days_ago), time(12, 0))
        return order


@tagged("post_install", "-at_install")
class TestPlacesDashboard(PlacesCommon):
    """The "Late Reorders" block of the dashboard."""

    def _block(self, user):
        data = self.env["kam.dashboard"].with_user(user).get_dashboard_data()
        self.assertNotIn("late_reorders", data["errors"])
        return data["late_reorders"]

    def test_setup_is_late(self):
        self.assertEqual(self.late.state, "late")
        self.assertEqual(self.late.late_days, 20)
        self.assertEqual(self.other_late.state, "late")
        self.assertEqual(self.other_late.late_days, 30)

    def test_user_sees_the_late_reorders_of_their_accounts(self):
        block = self._block(self.kam_user)
        self.assertEqual(block["count"], 1)
        self.assertEqual([row["id"] for row in block["rows"]], self.late.ids, "not the other team's")
        row = block["rows"][0]
        self.assertEqual(row["partner_id"], self.account.id)
        self.assertEqual(row["partner"], self.account.display_name)
        self.assertEqual(row["product"], self.boxes.display_name)
        self.assertEqual(row["late_days"], 20)
        self.assertEqual(row["usual_qty"], 10.0)
        # the domain the count opens gives the same records, as the user
        found = self.env["kam.reorder"].with_user(self.kam_user).search(block["domain"])
        self.assertEqual(found, self.late)
        self.assertEqual([row["id"] for row in self._block(self.kam_user2)["rows"]], self.other_late.ids)

    def test_team_member_sees_the_account(self):
        self.other_account.kam_team_user_ids = [Command.link(self.kam_user.id)]
        self.assertEqual(self._block(self.kam_user)["count"], 2)

    def test_manager_sees_all_most_days_late_first(self):
        block = self._block(self.kam_manager)
        self.assertEqual(block["count"], 2)
        self.assertEqual([row["id"] for row in block["rows"]], (self.other_late | self.late).ids)
        self.assertEqual([row["late_days"] for row in block["rows"]], [30, 20])

    def test_no_late_reorder(self):
        self.late.write({"state": "due"})
        block = self._block(self.kam_user)
        self.assertEqual(block["count"], 0)
        self.assertEqual(block["rows"], [])

    def test_failing_block_shows_a_message(self):
        """The block fails (the database refuses its query): it shows the
        message, the other blocks still show."""
        Dashboard = type(self.env["kam.dashboard"])
        original = Dashboard._dashboard_late_reorders

        def failing(dashboard):
            dashboard.env.cr.execute("SELECT 'x'::date", log_exceptions=False)
            return original(dashboard)

        with (
            patch.object(Dashboard, "_dashboard_late_reorders", failing),
            self.assertLogs("odoo.addons.key_account_management.models.kam_dashboard", "WARNING"),
        ):
            data = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()
        self.assertEqual(list(data["errors"]), ["late_reorders"])
        self.assertIn("cannot be shown", data["errors"]["late_reorders"])
        self.assertEqual(data["late_reorders"]["rows"], [])
        self.assertEqual(data["late_reorders"]["count"], 0)
        self.assertEqual(data["account_count"], 1, "the other blocks still show")

    def test_salesman_is_refused(self):
        with self.assertRaises(AccessError):
            self.env["kam.dashboard"].with_user(self.salesman)._dashboard_late_reorders()
        with self.assertRaises(AccessError):
            self.env["kam.dashboard"].with_user(self.salesman).get_dashboard_data()


@tagged("post_install", "-at_install", "is_query_count")
class TestPlacesDashboardQueryCount(PlacesCommon):
    """The Late Reorders block costs as many queries for many late reorders
    as for one."""

    def _queries(self):
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        self.env["kam.dashboard"].with_user(self.kam_manager)._dashboard_late_reorders()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def test_query_count(self):
        Reorder = self.env["kam.reorder"]
        Reorder.search([("id", "!=", self.late.id)]).unlink()
        self._queries()  # warm the caches
        few = self._queries()
        for index in range(6):
            account = self._make_account(f"Places counted {index}", manager=self.kam_user2)
            product = self.env["product.product"].create(
                {"name": f"Places counted {index}", "default_code": f"PC{index}"}
            )
            Reorder.create(
                {
                    "company_id": self.env.company.id,
                    "partner_id": account.id,
                    "product_id": product.id,
                    "expected_date": self.today - timedelta(days=40 + index),
                    "state": "late",
                }
            )
        self._queries()  # warm the caches again (creating products clears the registry's caches)
        with self.assertQueryCount(few):
            self.env.invalidate_all()
            block = self.env["kam.dashboard"].with_user(self.kam_manager)._dashboard_late_reorders()
        self.assertEqual(block["count"], 7)
        self.assertEqual(len(block["rows"]), 5)
        self.assertEqual(block["rows"][0]["late_days"], 45)


@tagged("post_install", "-at_install")
class TestPlacesDigest(PlacesCommon):
    """Late reorders and white space in the weekly digest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_gap = Category.create({"name": "Places Gap Category"})
        cls.categ_quiet = Category.create({"name": "Places Quiet Category"})
        # manages an account with white space only: nothing new to report
        cls.quiet_user = new_test_user(
            cls.env,
            "places_quiet",
            groups="key_account_management.group_kam_user",
            name="Quiet Places KAM",
            email="places.quiet@example.com",
        )
        cls.quiet_account = cls._make_account("Places Quiet Account", manager=cls.quiet_user)
        WhiteSpace = cls.env["kam.white.space"]
        WhiteSpace.search([]).unlink()  # the only white space of the database (not a demo database's)
        cls.gap = WhiteSpace.create(
            {
                "company_id": cls.env.company.id,
                "partner_id": cls.account.id,
                "categ_id": cls.categ_gap.id,
                "peer_count": 3,
                "estimated_gap": 4321.0,
            }
        )
        cls.quiet_gap = WhiteSpace.create(
            {
                "company_id": cls.env.company.id,
                "partner_id": cls.quiet_account.id,
                "categ_id": cls.categ_quiet.id,
                "peer_count": 2,
                "estimated_gap": 999.0,
            }
        )
        cls.Digest = cls.env["kam.digest"]

    def test_manager_digest_lists_the_late_reorders_with_links(self):
        body = self.Digest._preview(self.kam_manager)
        self.assertIn("Late reorders", body)
        self.assertIn(f"/odoo/kam.reorder/{self.late.id}", body)
        self.assertIn(f"/odoo/kam.reorder/{self.other_late.id}", body)
        self.assertIn("Places Storage Box", body)
        self.assertIn("20 days late", body)
        self.assertIn("10.00", body, "the usual quantity, in the product unit's digits")
        self.assertIn("30 days late", body)
        # the manager's white space: all accounts' gaps, largest first
        self.assertIn("White space", body)
        self.assertLess(body.index(f"/odoo/kam.white.space/{self.gap.id}"), body.index("Places Quiet Category"))

    def test_user_digest_lists_only_their_accounts(self):
        digest = self.Digest._gather(self.kam_user)[self.kam_user.id]
        self.assertEqual([line["product"] for line in digest["reorders"]], [self.boxes.display_name])
        self.assertEqual(digest["reorders"][0]["late_days"], 20)
        self.assertEqual([line["category"] for line in digest["white_space"]], [self.categ_gap.display_name])
        body = self.Digest._preview(self.kam_user)
        self.assertNotIn(f"/odoo/kam.reorder/{self.other_late.id}", body)
        self.assertIn(f"/odoo/kam.white.space/{self.gap.id}", body)
        self.assertNotIn("Places Quiet Category", body)
        # kam_user2 has a late reorder but no white space: no white-space section
        body2 = self.Digest._preview(self.kam_user2)
        self.assertIn(f"/odoo/kam.reorder/{self.other_late.id}", body2)
        self.assertNotIn("White space", body2)

    def test_white_space_alone_sends_no_digest(self):
        self.assertNotIn(self.quiet_user.id, self.Digest._gather(self.quiet_user | self.kam_user))
        mails = self.Digest._send(self.quiet_user)
        self.assertFalse(mails)
        self.assertIn("Nothing to report", self.Digest._preview(self.quiet_user))
        # with news on the account, its white space comes along
        self.other_late.sudo().partner_id = self.quiet_account
        self.assertTrue(self.Digest._send(self.quiet_user))
        self.assertIn("Places Quiet Category", self.Digest._preview(self.quiet_user))

    def test_late_reorders_capped_with_more(self):
        """Lines of a section past the cap are counted, linked to the list."""
        products = self.env["product.product"].create(
            [{"name": f"Places Cap {index}", "type": "consu"} for index in range(22)]
        )
        self.env["kam.reorder"].create(
            [
                {
                    "company_id": self.env.company.id,
                    "partner_id": self.account.id,
                    "product_id": product.id,
                    "expected_date": self.today - timedelta(days=40),
                    "state": "late",
                }
                for product in products
            ]
        )
        digest = self.Digest._gather(self.kam_user)[self.kam_user.id]
        self.assertEqual(len(digest["reorders"]), 20)
        self.assertEqual(digest["more"]["reorders"], 3)
        body = self.Digest._preview(self.kam_user)
        self.assertIn("And 3 more", body)
        self.assertIn(digest["more_urls"]["reorders"], body)


@tagged("post_install", "-at_install")
class TestPlacesDashboardTour(HttpCase):
    def test_late_reorders_tour(self):
        """A key account user clicks through the Late Reorders block."""
        user = new_test_user(self.env, "kam_tour_late", groups="key_account_management.group_kam_user")
        other_user = new_test_user(self.env, "kam_tour_late2", groups="key_account_management.group_kam_user")
        Partner = self.env["res.partner"]

        def account(name, manager):
            return Partner.create(
                {"name": name, "is_company": True, "kam_is_key_account": True, "kam_manager_id": manager.id}
            )

        mine = account("Tour Late Co.", user)
        hidden = account("Tour Late Hidden Co.", other_user)
        Product = self.env["product.product"]
        late_box, rhythm_box = Product.create([{"name": "Tour Late Box"}, {"name": "Tour Rhythm Box"}])
        # the day of the user who reads the days late (near midnight UTC, the administrator's time zone is
        # already on the next day)
        today = fields.Date.context_today(Partner.with_user(user))
        # the rows the reorder engine writes (the engine itself: tests/test_reorder.py)
        self.env["kam.reorder"].create(
            [
                {
                    "company_id": self.env.company.id,
                    "partner_id": partner.id,
                    "product_id": product.id,
                    "expected_date": today - timedelta(days=days),
                    "state": state,
                }
                for partner, product, days, state in (
                    (mine, late_box, 25, "late"),
                    (mine, rhythm_box, -10, "regular"),
                    (hidden, late_box, 40, "late"),
                )
            ]
        )
        self.start_tour("/odoo", "kam_late_reorders_tour", login=user.login)
