# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Margin in the sales analysis and as a plan objective, moved here from
key_account_management's test_analysis and test_plan when the margin left
the main addon. The orders and helpers are theirs (their base classes hold
no test, so importing them runs none of those tests twice)."""

from dateutil.relativedelta import relativedelta

from odoo.tests import TransactionCase, tagged

from odoo.addons.key_account_management.tests.test_analysis import COST, SaleAnalysisCommon
from odoo.addons.key_account_management.tests.test_plan import PlanCommon
from odoo.addons.key_account_management.tests.test_profit import KamProfitCommon


@tagged("post_install", "-at_install")
class TestKamSaleAnalysisMargin(SaleAnalysisCommon):
    def test_margin_by_month(self):
        """Margin in company currency (the second-currency order converted at
        its rate), per month, contact orders rolled up, cancelled orders and
        quotations left out."""
        Analysis = self.env["kam.sale.analysis"].with_user(self.kam_user)
        groups = Analysis._read_group(
            [("partner_id", "=", self.account.id)], ["date:month"], ["revenue:sum", "margin:sum", "order_count:sum"]
        )
        months = {month: values for month, *values in groups}
        self.assertEqual(set(months), {self.month_a, self.month_b})
        revenue, margin, orders = months[self.month_a]
        self.assertAlmostEqual(revenue, 2200.0)
        self.assertAlmostEqual(margin, 2200.0 - 3 * COST)
        self.assertEqual(orders, 3)
        revenue, margin, orders = months[self.month_b]
        self.assertAlmostEqual(revenue, 400.0)
        self.assertAlmostEqual(margin, 400.0 - COST)
        self.assertEqual(orders, 1)
        # rows carry the margin and its percentage of the revenue
        row_b = Analysis.search([("partner_id", "=", self.account.id), ("date", "=", self.month_b)])
        self.assertAlmostEqual(row_b.margin, 400.0 - COST)
        self.assertAlmostEqual(row_b.margin_percent, (400.0 - COST) / 400.0 * 100.0)

    def test_margin_percent_aggregates_as_ratio(self):
        """Pivot and graph (read_group) divide the group's margin by its
        revenue, not average the percentages of the rows."""
        Analysis = self.env["kam.sale.analysis"].with_user(self.kam_user)
        [group] = Analysis.read_group(
            [("partner_id", "=", self.account.id)],
            ["revenue:sum", "margin:sum", "avg_order_value:avg", "margin_percent:avg"],
            ["partner_id"],
        )
        self.assertAlmostEqual(group["revenue"], 2600.0)
        self.assertAlmostEqual(group["margin"], 2600.0 - 4 * COST)
        self.assertAlmostEqual(group["avg_order_value"], 650.0, msg="the main addon's ratio still applies")
        self.assertAlmostEqual(group["margin_percent"], (2600.0 - 4 * COST) / 2600.0 * 100.0)
        rows = Analysis.search([("partner_id", "=", self.account.id)])
        row_average = sum(rows.mapped("margin_percent")) / len(rows)
        self.assertNotAlmostEqual(group["margin_percent"], row_average, places=2)

    def test_margin_column_in_list(self):
        """The margin columns come with this module, in the analysis list."""
        arch = self.env["kam.sale.analysis"].get_view(
            self.env.ref("key_account_management.kam_sale_analysis_view_list").id, "list"
        )["arch"]
        self.assertIn('name="margin"', arch)
        self.assertIn('name="margin_percent"', arch)


@tagged("post_install", "-at_install")
class TestPlanMargin(PlanCommon):
    def test_margin_objective(self):
        """The gross margin objective is measured from the confirmed orders of
        the plan period, in company currency, contact orders included; its
        baseline from the period before."""
        self._order(self.account, 3000, days_ago=10)
        self._order(self.contact, 1000, days_ago=20, pricelist=self.pricelist_other)  # 1000 KMX = 2000
        self._order(self.account, 9999, days_ago=120)  # before the plan: baseline
        self._order(self.account, 7777, days_ago=5)._action_cancel()
        plan = self._plan(
            [
                {"name": "Grow", "metric": "revenue", "target": 10000},
                {"name": "Margin", "metric": "margin", "target": 1000},
            ]
        )
        by_name = {o.name: o for o in plan.objective_ids}
        self.assertEqual(by_name["Grow"].actual, 5000)
        self.assertEqual(by_name["Margin"].actual, 5000, "no product cost: the margin is the revenue")
        self.assertEqual(by_name["Margin"].progress, 500.0)
        self.assertEqual(by_name["Margin"].status, "achieved")
        plan.action_activate()
        self.assertEqual(by_name["Margin"].baseline, 9999, "the same length of time before the plan")

    def test_margin_objective_with_cost(self):
        """With a product cost, the margin is revenue minus cost; the cost of
        the second-currency order is converted to its currency by sale_margin,
        its margin back to the company currency at the order's rate."""
        self.product.standard_price = 40.0
        self._order(self.account, 3000, days_ago=10)
        self._order(self.contact, 1000, days_ago=20, pricelist=self.pricelist_other)  # cost 20 KMX
        plan = self._plan([{"name": "Margin", "metric": "margin", "target": 1000}])
        self.assertAlmostEqual(plan.objective_ids.actual, (3000 - 40) + (1000 - 20) * 2)

    def test_margin_objective_of_a_category(self):
        """Limited to a product category, the margin objective sums the margin
        of that category's order lines only (white space "Sell <category>")."""
        self.product.standard_price = 40.0
        other_categ = self.env["product.category"].create({"name": "Margin Other"})
        self._order(self.account, 3000, days_ago=10)
        plan = self._plan([{"name": "Margin", "metric": "margin", "target": 1000, "categ_id": other_categ.id}])
        self.assertEqual(plan.objective_ids.actual, 0.0)
        plan.objective_ids.categ_id = self.product.categ_id
        self.assertAlmostEqual(plan.objective_ids.actual, 3000 - 40)

    def test_margin_at_the_order_rate(self):
        """The margin objective and the sales analysis take the margin of a
        second-currency order at the order's rate (the figures service's
        order amount), not at the rate of the day: the rate changed since."""
        self.env["res.currency.rate"].create(
            {
                "currency_id": self.other_currency.id,
                "name": self.today - relativedelta(days=5),
                "rate": 0.25,
                "company_id": self.company.id,
            }
        )
        self.product.standard_price = 40.0
        order = self._order(self.contact, 1000, days_ago=20, pricelist=self.pricelist_other)
        self.assertEqual(order.currency_rate, 0.5)
        expected = order.margin / 0.5
        plan = self._plan([{"name": "Margin", "metric": "margin", "target": 1000}])
        self.assertAlmostEqual(plan.objective_ids.actual, expected)
        [(margin,)] = self.env["kam.sale.analysis"]._read_group(
            [("partner_id", "=", self.account.id)], [], ["margin:sum"]
        )
        self.assertAlmostEqual(margin, expected)

    def test_uninstall_keeps_margin_objectives_as_custom(self):
        """What uninstalling this module does to a margin objective: it
        becomes a custom objective holding the margin measured last."""
        self._order(self.account, 3000, days_ago=10)
        plan = self._plan([{"name": "Margin", "metric": "margin", "target": 1000}])
        objective = plan.objective_ids
        ondelete = objective._fields["metric"].ondelete["margin"]
        ondelete(objective)
        self.assertEqual(objective.metric, "custom")
        self.assertEqual(objective.manual_actual, 3000)
        self.assertEqual(objective.actual, 3000)

    def test_margin_metric_offered(self):
        """The margin metric is offered right after revenue."""
        selection = self.env["kam.plan.objective"]._fields["metric"].get_values(self.env)
        self.assertEqual(selection[:2], ["revenue", "margin"])


@tagged("post_install", "-at_install")
class TestBridge(TransactionCase):
    def test_main_addon_installs_without_sale_margin(self):
        """key_account_management never pulls sale_margin in, directly or
        through another module (installing sale_margin on a large database
        recomputes every order line); this bridge comes with it by itself."""
        Module = self.env["ir.module.module"]
        main = Module.search([("name", "=", "key_account_management")])
        upstream = main.upstream_dependencies(exclude_states=("uninstallable",))
        self.assertIn("sale_management", upstream.mapped("name"))
        self.assertNotIn("sale_margin", upstream.mapped("name"))
        bridge = Module.search([("name", "=", "key_account_management_margin")])
        self.assertTrue(bridge.auto_install)
        self.assertEqual(set(bridge.dependencies_id.mapped("name")), {"key_account_management", "sale_margin"})


@tagged("post_install", "-at_install")
class TestKamProfitMargin(KamProfitCommon):
    def test_cost_is_the_line_cost(self):
        """With sale_margin, the cost of a line is its own cost (purchase_price),
        not the product's cost of today; a line whose cost is 0 has no known cost."""
        order = self._sell(self.account, [(self.widget, 10, 100.0, 0.0)], self._days_ago(20))
        self.assertAlmostEqual(order.order_line.purchase_price, 60.0)
        order.order_line.purchase_price = 70.0
        self.widget.with_company(self.company).standard_price = 10.0
        free = self._sell(self.account, [(self.widget, 1, 100.0, 0.0)], self._days_ago(10))
        free.order_line.purchase_price = 0.0
        self.env["kam.profit.engine"]._run(full=True, today=self.today)
        row = self._row()
        self.assertAlmostEqual(row.cost, 700.0)
        self.assertAlmostEqual(row.revenue, 1100.0)
        self.assertAlmostEqual(row.revenue_known_cost, 1000.0)
        self.assertAlmostEqual(row.margin, 300.0)
