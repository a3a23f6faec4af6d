# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import KamCommon
from .test_analysis import AnalysisCommon


@tagged("post_install", "-at_install", "is_query_count")
class TestFiguresQueryCount(KamCommon):
    """Figures and tiers come from grouped queries: the number of queries of
    a recompute does not grow with the number of accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accounts = cls.env["res.partner"]
        for index in range(12):
            account = cls._make_account(f"Bulk account {index}", manager=cls.kam_user)
            contact = cls.env["res.partner"].create({"name": f"Bulk contact {index}", "parent_id": account.id})
            cls._order(account, 1000 * (index + 1))
            cls._order(contact, 500, days_ago=400)
            cls.accounts |= account

    def _queries_for(self, accounts):
        accounts = accounts.sudo()
        self.env.invalidate_all()
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        accounts._kam_recompute()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow(self):
        # every account gets new figures, a new tier, history and a chatter note
        self._queries_for(self.accounts[:1])  # warm the registry caches
        few = self._queries_for(self.accounts[1:3])
        self.assertTrue(all(self.accounts[:3].mapped("kam_tier_id")))
        with self.assertQueryCount(few):
            self.env.invalidate_all()
            self.accounts[3:].sudo()._kam_recompute()  # 9 accounts, as many queries as for 2
            self.env.flush_all()
        self.assertTrue(all(self.accounts.mapped("kam_tier_id")))
        self.assertEqual(len(self.accounts.kam_tier_history_ids), 12)
        # a second run changes nothing and is cheaper still
        self.assertLess(self._queries_for(self.accounts), few)

    def test_figures_api(self):
        """The shared figures service answers for many partners at once."""
        figures = self.env["kam.account.figures"]._sale_figures(self.accounts.ids, 12)
        self.assertEqual(set(figures), set(self.accounts.ids))
        first = figures[self.accounts[0].id]
        self.assertEqual(first["revenue_current"], 1000)
        self.assertEqual(first["revenue_previous"], 500)
        self.assertEqual(first["order_count"], 1)
        self.assertEqual(first["order_count_previous"], 1)
        self.assertEqual(first["trend"], 100.0)
        self.assertEqual(figures[self.accounts[11].id]["revenue_current"], 12000)


@tagged("post_install", "-at_install")
class TestOrderAmountEverywhere(AnalysisCommon):
    """Every figure made of order amounts counts an order the same way: its
    untaxed amount in the currency of its company at the order's own rate
    (``kam.account.figures._order_amount_sql``, as sale.report). The second
    currency's rate changes after the orders: a place converting at today's
    rate (or not converting) gives another number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 company-currency unit = 0.5 KMX until 5 days ago, 0.25 KMX since
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.other_currency.id,
                "name": cls.today - relativedelta(days=5),
                "rate": 0.25,
                "company_id": cls.company.id,
            }
        )
        cls.kmx_order = cls._order(cls.contact, 100, days_ago=20, pricelist=cls.pricelist_other)  # 200, not 400
        cls._order(cls.account, 1000, days_ago=10)
        cls._order(cls.account, 50, days_ago=15, pricelist=cls.pricelist_other)._action_cancel()  # 100, not 200
        cls.expected = 1200.0

    def _trend_rows(self, account):
        Trend = self.env["kam.sale.trend"]
        Trend._kam_refresh(account.ids)
        return Trend.search([("partner_id", "=", account.id)], order="date")

    def test_same_amount_in_every_figure(self):
        self.assertEqual(self.kmx_order.currency_rate, 0.5, "the order keeps the rate of its date")
        Figures = self.env["kam.account.figures"]
        account = self.account
        # the one formula
        self.env.cr.execute(
            SQL("SELECT %s FROM sale_order so WHERE so.id = %s", Figures._order_amount_sql(), self.kmx_order.id)
        )
        self.assertAlmostEqual(self.env.cr.fetchone()[0], 200.0)
        # sale windows (tiers, health)
        sales = Figures._sale_figures(account.ids, 12)[account.id]
        self.assertEqual((sales["revenue_current"], sales["order_count"]), (self.expected, 2))
        # monthly sales (profile report)
        months = Figures._monthly_sales(account.ids, 24, self.today)[account.id]
        self.assertAlmostEqual(sum(month["revenue"] for month in months), self.expected)
        # purchase trend: month by month the same as the monthly sales
        rows = self._trend_rows(account)
        self.assertAlmostEqual(sum(rows.mapped("revenue")), self.expected)
        by_month = {month["month"]: (month["revenue"], month["order_count"]) for month in months}
        for row in rows:
            self.assertEqual((row.revenue, row.order_count), by_month[row.date])
        # periods of plan objectives (any key; a cold cache: reading the
        # company's currency must not replace the rows of the query)
        self.env.invalidate_all()
        start = datetime.combine(self.today - relativedelta(days=30), time.min)
        periods = [("plan", account.id, start, start + relativedelta(days=60))]
        self.assertEqual(Figures._period_sale_figures(periods), {"plan": {"order_count": 2, "revenue": self.expected}})
        # plan objective
        plan = self.env["kam.plan"].create(
            {
                "name": "Plan",
                "partner_id": account.id,
                "date_start": self.today - relativedelta(days=30),
                "date_end": self.today + relativedelta(days=335),
                "objective_ids": [Command.create({"name": "Revenue", "metric": "revenue", "target": 2400})],
            }
        )
        self.assertEqual(plan.objective_ids.actual, self.expected)
        self.assertEqual(plan.objective_ids.progress, 50.0)
        # stored figures and the dashboard that shows them
        account._kam_recompute()
        self.assertEqual(account.kam_revenue_current, self.expected)
        data = self.env["kam.dashboard"].with_user(self.kam_manager).get_dashboard_data()
        self.assertAlmostEqual(sum(tier["revenue"] for tier in data["tiers"]), self.expected)
        [growing] = data["growing"]["accounts"]
        self.assertEqual((growing["id"], growing["revenue"]), (account.id, self.expected))
        # sales analysis
        [(revenue, orders)] = self.env["kam.sale.analysis"]._read_group(
            [("partner_id", "=", account.id)], [], ["revenue:sum", "order_count:sum"]
        )
        self.assertAlmostEqual(revenue, self.expected)
        self.assertEqual(orders, 2)
        # cancellations (risk signals)
        cancelled = Figures._cancellation_figures(account.ids, 90)[account.id]
        self.assertAlmostEqual(cancelled["cancel_amount"], 100.0)
        self.assertAlmostEqual(cancelled["cancel_share"], round(100.0 / (self.expected + 100.0) * 100.0, 1))

    def _order_from_second_company(self):
        """The account made shared (no company, from an earlier version)
        confirms an order of 300 KMX yesterday from a company in KMX.
        Returns that company."""
        company2 = self.env["res.company"].create({"name": "KAM KMX company", "currency_id": self.other_currency.id})
        pricelist2 = self.env["product.pricelist"].create(
            {"name": "KAM KMX company", "currency_id": self.other_currency.id, "company_id": company2.id}
        )
        self.env.cr.execute(
            "UPDATE res_partner SET company_id = NULL WHERE commercial_partner_id = %s", [self.account.id]
        )
        self.env["res.partner"].invalidate_model(["company_id"])
        order = (
            self.env["sale.order"]
            .with_company(company2)
            .create(
                {
                    "partner_id": self.account.id,
                    "company_id": company2.id,
                    "pricelist_id": pricelist2.id,
                    "order_line": [
                        Command.create({"product_id": self.product.id, "price_unit": 300, "tax_id": [Command.clear()]})
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = fields.Datetime.now() - relativedelta(days=1)
        self.assertEqual(order.currency_id, self.other_currency)
        return company2

    def test_monthly_sales_and_trend_agree_across_company_currencies(self):
        """A shared account (no company, from an earlier version) buying from
        a company of another currency: the trend keeps a row per company in
        its currency, the monthly sales convert that company's row at
        today's rate; both from the same monthly rows."""
        company2 = self._order_from_second_company()
        rows = self._trend_rows(self.account)
        self.assertEqual(rows.company_id, self.company | company2)
        row2 = rows.filtered(lambda row: row.company_id == company2 and row.order_count)
        self.assertEqual((row2.revenue, row2.currency_id), (300.0, self.other_currency))
        months = self.env["kam.account.figures"]._monthly_sales(self.account.ids, 24, self.today)[self.account.id]
        self.assertEqual(sum(month["order_count"] for month in months), sum(rows.mapped("order_count")))
        for month in months:
            same_month = rows.filtered(lambda row, month=month: row.date == month["month"])
            in_usd = sum(
                row.currency_id._convert(row.revenue, self.usd, self.company, self.today) for row in same_month
            )
            self.assertAlmostEqual(month["revenue"], in_usd, places=2)
            self.assertEqual(month["order_count"], sum(same_month.mapped("order_count")))
        self.assertAlmostEqual(sum(month["revenue"] for month in months), self.expected + 300 / 0.25)

    def test_one_scan_of_the_orders_for_the_health_figures(self):
        """The health engine reads the sale windows, the cancellations and
        the rhythm of the orders from one query (``_order_figures``): the
        same figures as each of them alone, the windows by company currency
        (converted), the others by account across currencies."""
        self._order_from_second_company()
        # an order before every period but the history, a quotation in every period: neither counts
        # in the cancellations or the rhythm (a window function over them would make a 900-day gap)
        old_order = self._order(self.account, 70, days_ago=900)
        self._order(self.account, 80, days_ago=5, confirm=False)
        Figures = self.env["kam.account.figures"]
        ids = (self.account | self.other_account).ids
        windows = [(12, self.today), (3, self.today), (3, self.today - relativedelta(years=1))]
        self.env.flush_all()
        with patch.object(self.env.cr, "execute", wraps=self.env.cr.execute) as execute:
            both = Figures._order_figures(ids, windows=windows, cancellation_days=90, gap_months=24, today=self.today)
        scans = [call for call in execute.call_args_list if "FROM sale_order" in str(call.args[0])]
        self.assertEqual(len(scans), 1, "one scan of the orders (the other queries read currency rates)")
        self.assertEqual(both["windows"], Figures._sale_figures_windows(ids, windows))
        self.assertEqual(both["cancellations"], Figures._cancellation_figures(ids, 90, self.today))
        self.assertEqual(both["gaps"], Figures._order_gap_figures(ids, 24, self.today))
        # answered from all the partners (a large request), the same
        large = Figures.with_context(kam_large_request=0)._order_figures(
            ids, windows=windows, cancellation_days=90, gap_months=24, today=self.today
        )
        self.assertEqual(large, both)
        sales, __, last_year = both["windows"]
        self.assertEqual(sales[self.account.id]["order_count"], 3)
        self.assertAlmostEqual(sales[self.account.id]["revenue_current"], self.expected + 300 / 0.25)
        self.assertEqual(sales[self.account.id]["first_order_date"], old_order.date_order.date())
        last_year = last_year[self.account.id]
        self.assertEqual((last_year["order_count"], last_year["revenue_current"]), (0, 0))
        self.assertEqual(both["windows"][0][self.other_account.id], Figures._empty_sale_figures())
        cancellations = both["cancellations"][self.account.id]
        self.assertEqual((cancellations["cancel_count"], cancellations["order_count"]), (1, 4))
        self.assertAlmostEqual(cancellations["cancel_amount"], 100.0)
        gaps = both["gaps"][self.account.id]
        # confirmed 20, 10 and 1 days ago: gaps of 10 and 9 days
        self.assertEqual((gaps["gap_count"], gaps["median_gap"], gaps["days_since_last_order"]), (2, 9.5, 1))
        self.assertEqual(both["gaps"][self.other_account.id]["gap_count"], 0)

    def test_monthly_sales_and_trend_agree_on_other_company_orders(self):
        """An account of one company whose contact (with no company of its
        own, older data) ordered from another company: its figures leave
        that order out, and so do the monthly sales and the trend (the trend
        used to show a row for the other company); an order dated later
        this month counts nowhere yet (the trend used to count it)."""
        company2 = self.env["res.company"].create({"name": "KAM other company"})
        self.env.cr.execute("UPDATE res_partner SET company_id = NULL WHERE id = %s", [self.contact.id])
        self.contact.invalidate_recordset(["company_id"])
        order = (
            self.env["sale.order"]
            .with_company(company2)
            .create(
                {
                    "partner_id": self.contact.id,
                    "company_id": company2.id,
                    "order_line": [
                        Command.create({"product_id": self.product.id, "price_unit": 700, "tax_id": [Command.clear()]})
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = fields.Datetime.now() - relativedelta(days=1)
        self._order(self.account, 900, when=datetime.combine(self.today + relativedelta(days=1), time(12, 0)))
        Figures = self.env["kam.account.figures"]
        sales = Figures._sale_figures(self.account.ids, 12)[self.account.id]
        self.assertEqual((sales["revenue_current"], sales["order_count"]), (self.expected, 2))
        months = Figures._monthly_sales(self.account.ids, 24, self.today)[self.account.id]
        rows = self._trend_rows(self.account)
        self.assertEqual(rows.company_id, self.company)
        self.assertAlmostEqual(sum(month["revenue"] for month in months), self.expected)
        self.assertAlmostEqual(sum(rows.mapped("revenue")), self.expected)
        by_month = {month["month"]: (month["revenue"], month["order_count"]) for month in months}
        for row in rows:
            self.assertEqual((row.revenue, row.order_count), by_month[row.date])
