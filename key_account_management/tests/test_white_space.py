# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestWhiteSpace(KamCommon):
    """White space: categories that peers (same tier / industry) buy and the
    account does not, with the gap scaled to the account's revenue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.cat_common = Category.create({"name": "WS Common"})
        cls.cat_gap = Category.create({"name": "WS Gap"})
        cls.cat_rare = Category.create({"name": "WS Rare"})
        cls.cat_industry = Category.create({"name": "WS Industry"})
        cls.products = {
            categ: cls.env["product.product"].create(
                {"name": f"Product {categ.name}", "categ_id": categ.id, "type": "consu", "taxes_id": [Command.clear()]}
            )
            for categ in (cls.cat_common, cls.cat_gap, cls.cat_rare, cls.cat_industry)
        }
        Industry = cls.env["res.partner.industry"]
        cls.industry = Industry.create({"name": "WS Industry I"})
        cls.industry_other = Industry.create({"name": "WS Industry J"})
        cls.account.write({"kam_tier_id": cls.tier_a.id, "industry_id": cls.industry.id})
        cls.other_account.write({"kam_tier_id": cls.tier_c.id})

        def peer(name, tier, industry):
            return cls._make_account(name, manager=cls.kam_user2, kam_tier_id=tier.id, industry_id=industry.id)

        cls.peer1 = peer("WS Peer 1", cls.tier_a, cls.industry)
        cls.peer2 = peer("WS Peer 2", cls.tier_a, cls.industry_other)
        cls.peer3 = peer("WS Peer 3", cls.tier_a, cls.industry_other)
        cls.peer4 = peer("WS Peer 4", cls.tier_b, cls.industry)
        cls.peer5 = peer("WS Peer 5", cls.tier_b, cls.industry)
        cls._lines_order(cls.account, {cls.cat_common: 1000})
        cls._lines_order(cls.peer1, {cls.cat_common: 1000, cls.cat_gap: 500, cls.cat_rare: 300, cls.cat_industry: 200})
        cls._lines_order(cls.peer2, {cls.cat_common: 1500, cls.cat_gap: 500})
        cls._lines_order(cls.peer3, {cls.cat_common: 2000, cls.cat_gap: 1000})
        cls._lines_order(cls.peer4, {cls.cat_common: 600, cls.cat_industry: 400})
        cls._lines_order(cls.peer5, {cls.cat_industry: 600})
        # outside the 12-month window: not counted
        cls._lines_order(cls.account, {cls.cat_rare: 5000}, days_ago=500)
        cls.Engine = cls.env["kam.white.space.engine"]

    @classmethod
    def _lines_order(cls, partner, amounts, days_ago=20, company=None, pricelist=None):
        """A confirmed order with one line per category: {category: amount}."""
        company = company or cls.env.company
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "pricelist_id": (pricelist or cls.pricelist_company).id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.products[categ].id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                        for categ, amount in amounts.items()
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = datetime.combine(cls.today - relativedelta(days=days_ago), time(12, 0))
        return order

    def _rows(self, partner):
        return self.env["kam.white.space"].search([("partner_id", "=", partner.id)])

    def test_gap_of_the_tier_peers(self):
        self.Engine._cron_kam_white_space(full=True)
        rows = self._rows(self.account)
        # common: bought by the account; rare and industry: one peer of the tier only
        self.assertEqual(rows.categ_id, self.cat_gap)
        self.assertEqual(rows.peer_count, 3)
        self.assertAlmostEqual(rows.peer_share, 100.0)
        self.assertAlmostEqual(rows.peer_revenue, 666.67)
        self.assertAlmostEqual(rows.account_revenue, 1000.0)
        self.assertAlmostEqual(rows.peer_account_revenue, 2333.33)
        # 2,000 spent on the category by peers with 7,000 of revenue, scaled to the account's 1,000
        self.assertAlmostEqual(rows.estimated_gap, 285.71)
        self.assertEqual(rows.currency_id, self.env.company.currency_id)
        self.assertEqual(rows.kam_manager_id, self.kam_user)
        # peer 1 misses nothing the two others buy (rare: only itself)
        self.assertFalse(self._rows(self.peer1))
        # a lower minimum of peers lists the rare category (one of the three other peers bought it)
        self.env.company.kam_white_space_min_peers = 1
        self.Engine._cron_kam_white_space(full=True)
        self.assertEqual(self._rows(self.account).categ_id, self.cat_gap | self.cat_rare | self.cat_industry)
        # a share of peers above 1 in 3 drops them again
        self.env.company.kam_white_space_min_share = 50
        self.Engine._cron_kam_white_space(full=True)
        self.assertEqual(self._rows(self.account).categ_id, self.cat_gap)

    def test_industry_basis(self):
        self.env.company.kam_white_space_basis = "industry"
        self.Engine._cron_kam_white_space(full=True)
        rows = self._rows(self.account)
        # peers of the industry: peer 1, 4 and 5 buy the industry category; only peer 1 the gap one
        self.assertEqual(rows.categ_id, self.cat_industry)
        self.assertEqual(rows.peer_count, 3)
        self.assertAlmostEqual(rows.estimated_gap, 333.33)  # 1,200 / 3,600 x 1,000

    def test_rows_replaced_and_stage_in_pipeline(self):
        self.env["kam.pipeline"]._cron_daily(stages=["white_space"])
        self.assertEqual(self._rows(self.account).categ_id, self.cat_gap)
        # the account buys the category: its row goes at the next refresh
        self._lines_order(self.account, {self.cat_gap: 100})
        self.Engine._cron_kam_white_space(full=True)
        self.assertFalse(self._rows(self.account))
        # no longer a key account: no rows
        self._lines_order(self.peer1, {self.cat_common: 10})
        self.env.company.kam_white_space_min_peers = 1
        self.Engine._cron_kam_white_space(full=True)
        self.assertTrue(self._rows(self.peer2))
        self.peer2.kam_is_key_account = False
        self.Engine._cron_kam_white_space(full=True)
        self.assertFalse(self._rows(self.peer2))

    def test_other_company_orders_ignored(self):
        company2 = self.env["res.company"].create(
            {"name": "WS Other Company", "currency_id": self.env.company.currency_id.id}
        )
        self.env.user.company_ids |= company2
        pricelist2 = self.env["product.pricelist"].create({"name": "WS shared", "company_id": False})
        # orders of the other company, placed while the accounts belonged to it: the account buys the
        # gap category there, three peers another category
        accounts = self.account | self.peer1 | self.peer2 | self.peer3
        accounts.company_id = company2
        self._lines_order(self.account, {self.cat_gap: 9000}, company=company2, pricelist=pricelist2)
        for partner in (self.peer1, self.peer2, self.peer3):
            self._lines_order(partner, {self.cat_rare: 100}, company=company2, pricelist=pricelist2)
        accounts.company_id = self.env.company
        self.Engine._cron_kam_white_space(full=True)
        rows = self._rows(self.account)
        # as if the other company's orders did not exist
        self.assertEqual(rows.categ_id, self.cat_gap)
        self.assertEqual(rows.company_id, self.env.company)
        self.assertAlmostEqual(rows.account_revenue, 1000.0)
        self.assertAlmostEqual(rows.estimated_gap, 285.71)
        self.assertFalse(self.env["kam.white.space"].search([("company_id", "=", company2.id)]))

    def test_objective_button_as_user(self):
        self.Engine._cron_kam_white_space(full=True)
        row = self._rows(self.account).with_user(self.kam_user)
        self.assertFalse(self.env["kam.plan"].search([("partner_id", "=", self.account.id)]))
        action = row.action_create_objective()
        plan = self.env["kam.plan"].browse(action["res_id"])
        self.assertEqual(plan.partner_id, self.account)
        self.assertEqual(plan.state, "draft")
        self.assertEqual((plan.date_start.month, plan.date_start.day, plan.date_end.month), (1, 1, 12))
        objective = plan.objective_ids
        self.assertEqual(objective.name, "Sell WS Gap")
        self.assertEqual(objective.metric, "revenue")
        self.assertAlmostEqual(objective.target, 285.71)
        self.assertEqual(objective.create_uid, self.kam_user)
        # clicked twice: no second objective
        row.action_create_objective()
        self.assertEqual(len(plan.objective_ids), 1)
        # the active plan gets the objective of another category
        plan.action_activate()
        self.env.company.kam_white_space_min_peers = 1
        self.Engine._cron_kam_white_space(full=True)
        rare = self._rows(self.account).filtered(lambda r: r.categ_id == self.cat_rare).with_user(self.kam_user)
        self.assertEqual(rare.action_create_objective()["res_id"], plan.id)
        self.assertEqual(plan.objective_ids.mapped("name"), ["Sell WS Gap", "Sell WS Rare"])
        self.assertEqual(self.env["kam.plan"].search_count([("partner_id", "=", self.account.id)]), 1)

    def test_objective_measures_its_category(self):
        """The objective "Sell <category>" measures the sales of that category
        (and of its subcategories) over the plan, not the account's revenue."""
        self.Engine._cron_kam_white_space(full=True)
        row = self._rows(self.account).with_user(self.kam_user)
        plan = self.env["kam.plan"].browse(row.action_create_objective()["res_id"])
        objective = plan.objective_ids
        self.assertEqual(objective.categ_id, self.cat_gap)
        self.assertEqual(objective.actual, 0.0)  # the account's 1,000 of WS Common are not counted
        sub = self.env["product.category"].create({"name": "WS Gap Sub", "parent_id": self.cat_gap.id})
        sub_product = self.env["product.product"].create(
            {"name": "Product WS Gap Sub", "categ_id": sub.id, "type": "consu", "taxes_id": [Command.clear()]}
        )
        self.products[sub] = sub_product
        self._lines_order(self.account, {self.cat_gap: 120, sub: 30, self.cat_common: 700}, days_ago=0)
        self._lines_order(self.account, {self.cat_common: 400}, days_ago=0)
        objective.invalidate_recordset(["actual", "progress"])
        self.assertAlmostEqual(objective.actual, 150.0)
        objective.metric = "order_count"
        self.assertEqual(objective.actual, 1)  # one order has lines of the category
        # a category limits only what is measured from the orders
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            objective.with_user(self.kam_user).write({"metric": "interactions"})
        self.assertEqual(objective.metric, "order_count")
        # the same objective without category measures the account's revenue
        objective.write({"metric": "revenue", "categ_id": False})
        self.assertAlmostEqual(objective.actual, 2250.0)

    def test_access(self):
        self.Engine._cron_kam_white_space(full=True)
        self.env.company.kam_white_space_min_peers = 1
        self.Engine._cron_kam_white_space(full=True)
        Rows = self.env["kam.white.space"]
        with self.assertRaises(AccessError):
            Rows.with_user(self.salesman).search([])
        # a key account user reads the rows of their accounts only
        mine = Rows.with_user(self.kam_user).search([])
        self.assertTrue(mine)
        self.assertEqual(mine.partner_id, self.account)
        self.assertTrue(Rows.with_user(self.kam_user2).search([("partner_id", "=", self.peer2.id)]))
        with self.assertRaises(AccessError):
            mine[0].write({"estimated_gap": 1.0})
        with self.assertRaises(AccessError):
            Rows.with_user(self.kam_user2).browse(mine[0].id).action_create_objective()
        self.assertTrue(Rows.with_user(self.kam_manager).search([("partner_id", "=", self.peer2.id)]))

    def test_bad_settings_refused(self):
        company = self.env.company
        for vals in (
            {"kam_white_space_min_peers": 0},
            {"kam_white_space_min_peers": 1001},
            {"kam_white_space_months": 2},
            {"kam_white_space_months": 61},
            {"kam_white_space_min_share": -1},
            {"kam_white_space_min_share": 101},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                company.write(vals)
        with self.assertRaises(ValidationError):
            company.write({"kam_white_space_basis": "country"})
        settings = self.env["res.config.settings"].create({"kam_white_space_months": 100})
        with self.assertRaises(ValidationError):
            settings.execute()
        self.assertEqual(company.kam_white_space_months, 12)
        self.assertEqual(company.kam_white_space_min_peers, 3)

    def test_query_count(self):
        self.Engine._cron_kam_white_space(full=True)  # warm the caches
        self.env.cr.flush()
        with self.assertQueryCount(14):
            self.Engine._cron_kam_white_space(full=True)
        # more accounts, same number of queries
        for index in range(10):
            partner = self._make_account(f"WS More {index}", kam_tier_id=self.tier_a.id)
            self._lines_order(partner, {self.cat_common: 100 + index})
        self.env.cr.flush()
        with self.assertQueryCount(14):
            self.Engine._cron_kam_white_space(full=True)
        self.assertEqual(len(self.env["kam.white.space"].search([("categ_id", "=", self.cat_gap.id)])), 11)

    def test_dashboard_and_profile(self):
        self.Engine._cron_kam_white_space(full=True)
        data = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()
        self.assertFalse(data["errors"])
        block = data["white_space"]
        self.assertEqual(block["count"], 1)
        self.assertEqual(
            [(row["partner_id"], row["category"], row["peer_count"]) for row in block["rows"]],
            [(self.account.id, "WS Gap", 3)],
        )
        self.assertAlmostEqual(block["rows"][0]["gap"], 285.71)
        # the other user's accounts have no white space at 3 peers
        self.assertEqual(
            self.env["kam.dashboard"].with_user(self.kam_user2).get_dashboard_data()["white_space"]["count"], 0
        )
        html, __ = (
            self.env["ir.actions.report"]
            .with_user(self.kam_user)
            ._render_qweb_html("key_account_management.action_report_kam_account_profile", self.account.ids)
        )
        html = html.decode()
        self.assertIn("White Space", html)
        self.assertIn("WS Gap", html)
        self.assertIn("285.71", html)
