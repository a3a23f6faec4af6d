# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import KamCommon

# Standard cost of the test product: the margin tests of
# key_account_management_margin use these orders too.
COST = 40.0


class AnalysisCommon(KamCommon):
    """Orders of two closed months, built here and computed by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the accounts, signals and plans of the test count.
        existing = cls.env["res.partner"].search([("kam_is_key_account", "=", True), ("parent_id", "=", False)])
        (existing - cls.account - cls.other_account).active = False
        cls.env["kam.risk.signal"].search([]).unlink()
        cls.env["kam.plan"].search([("state", "=", "active")]).state = "draft"
        cls.product.standard_price = COST
        cls.month_a = (cls.today - relativedelta(months=2)).replace(day=1)
        cls.month_b = (cls.today - relativedelta(months=1)).replace(day=1)

    @classmethod
    def _at(cls, month, day):
        return datetime.combine(month + relativedelta(days=day - 1), time(12, 0))


class SaleAnalysisCommon(AnalysisCommon):
    """The orders of the sales analysis tests (here and in
    key_account_management_margin)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Not a key account", "is_company": True})
        cls.account.kam_tier_id = cls.tier_b
        # Month A: 1000 + 600 (by the contact) + 300 KMX (= 600) = 2200 in 3 orders, margin 2200 - 3 * 40
        cls._order(cls.account, 1000, when=cls._at(cls.month_a, 5))
        cls._order(cls.contact, 600, when=cls._at(cls.month_a, 10))
        cls._order(cls.account, 300, pricelist=cls.pricelist_other, when=cls._at(cls.month_a, 20))
        cls._order(cls.account, 5000, when=cls._at(cls.month_a, 21))._action_cancel()
        cls._order(cls.account, 7000, when=cls._at(cls.month_a, 22), confirm=False)  # a quotation
        # Month B: 400 for the account, 1000 for the other account, 999 for a customer that is no key account
        cls.last_order = cls._order(cls.account, 400, when=cls._at(cls.month_b, 3))
        cls._order(cls.other_account, 1000, when=cls._at(cls.month_b, 7))
        cls._order(cls.customer, 999, when=cls._at(cls.month_b, 8))
        cls.env["kam.sale.trend"]._kam_refresh((cls.account | cls.other_account | cls.customer).ids)


@tagged("post_install", "-at_install")
class TestKamSaleAnalysis(SaleAnalysisCommon):
    def _by_month(self, model, domain, aggregates):
        groups = self.env[model]._read_group(domain, ["date:month"], aggregates)
        return {month: values for month, *values in groups}

    def test_figures_by_month(self):
        """Revenue in company currency (second currency converted at the
        order's rate), orders and average order value per month, contact
        orders rolled up, cancelled orders and quotations left out (the
        margin: key_account_management_margin)."""
        Analysis = self.env["kam.sale.analysis"].with_user(self.kam_user)
        months = self._by_month(
            Analysis._name, [("partner_id", "=", self.account.id)], ["revenue:sum", "order_count:sum"]
        )
        self.assertEqual(set(months), {self.month_a, self.month_b})
        revenue, orders = months[self.month_a]
        self.assertAlmostEqual(revenue, 2200.0)
        self.assertEqual(orders, 3)
        revenue, orders = months[self.month_b]
        self.assertAlmostEqual(revenue, 400.0)
        self.assertEqual(orders, 1)
        rows = Analysis.search([("partner_id", "=", self.account.id)])
        self.assertEqual(rows.kam_manager_id, self.kam_user)
        self.assertEqual(rows.order_tier_id, self.tier_b)
        # the current tier follows the account, the tier at confirmation stays
        self.account.kam_tier_id = self.tier_a
        self.env.invalidate_all()
        rows = Analysis.search([("partner_id", "=", self.account.id)])
        self.assertEqual(rows.tier_id, self.tier_a)
        self.assertEqual(rows.order_tier_id, self.tier_b)
        self.assertFalse(Analysis.search([("partner_id", "in", (self.contact.id, self.customer.id))]))

    def test_average_order_value_aggregates_as_ratio(self):
        """Pivot and graph (read_group) divide the group's revenue by its
        orders, not average the averages of the rows (733.33 and 400)."""
        Analysis = self.env["kam.sale.analysis"].with_user(self.kam_user)
        [group] = Analysis.read_group(
            [("partner_id", "=", self.account.id)],
            ["revenue:sum", "order_count:sum", "avg_order_value:avg"],
            ["partner_id"],
        )
        self.assertAlmostEqual(group["revenue"], 2600.0)
        self.assertEqual(group["order_count"], 4)
        self.assertAlmostEqual(group["avg_order_value"], 650.0)
        month_a = Analysis._read_group(
            [("partner_id", "=", self.account.id), ("date", "=", self.month_a)], [], ["avg_order_value:avg"]
        )
        self.assertAlmostEqual(month_a[0][0], 2200.0 / 3)

    def test_record_rules(self):
        """A key account user sees the rows of their accounts only, a team
        member those of the account they work on, a manager all; a
        salesman has no access."""
        Analysis = self.env["kam.sale.analysis"]
        self.assertEqual(Analysis.with_user(self.kam_user).search([]).partner_id, self.account)
        self.assertEqual(Analysis.with_user(self.kam_user2).search([]).partner_id, self.other_account)
        self.assertFalse(Analysis.with_user(self.kam_user2).search([("partner_id", "=", self.account.id)]))
        [(revenue,)] = Analysis.with_user(self.kam_user2)._read_group([], [], ["revenue:sum"])
        self.assertAlmostEqual(revenue, 1000.0)
        both = (self.account | self.other_account).ids
        manager_accounts = Analysis.with_user(self.kam_manager).search([("partner_id", "in", both)]).partner_id
        self.assertEqual(manager_accounts, self.account | self.other_account)
        self.account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        self.assertEqual(Analysis.with_user(self.kam_user2).search([]).partner_id, self.account | self.other_account)
        with self.assertRaises(AccessError):
            Analysis.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.env["kam.sale.trend"].with_user(self.salesman).search([])

    def test_multi_company(self):
        """A key account belongs to one company; rows of a company the user is
        not allowed in are hidden (shared key accounts made before accounts had
        a company keep their rows per company)."""
        company2 = self.env["res.company"].create({"name": "KAM second company"})
        self.assertEqual(self.account.company_id, self.company, "marked in this company, it belongs to it")
        with self.assertRaises(UserError):
            self.env["sale.order"].with_company(company2).create(
                {"partner_id": self.account.id, "company_id": company2.id}
            )
        # a shared key account of an earlier version (no company on the partner)
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
                    "order_line": [
                        Command.create({"product_id": self.product.id, "price_unit": 250, "tax_id": [Command.clear()]})
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = self._at(self.month_b, 15)
        self.env["kam.sale.trend"]._kam_refresh(self.account.ids)
        self.kam_manager.company_ids = [Command.link(company2.id)]
        Analysis = self.env["kam.sale.analysis"].with_user(self.kam_manager)
        domain = [("partner_id", "=", self.account.id), ("date", "=", self.month_b)]
        rows = Analysis.with_context(allowed_company_ids=self.company.ids).search(domain)
        self.assertEqual(rows.company_id, self.company)
        both = Analysis.with_context(allowed_company_ids=(self.company | company2).ids)
        self.assertEqual(both.search(domain).company_id, self.company | company2)
        [(revenue,)] = both._read_group(domain, [], ["revenue:sum"])
        self.assertAlmostEqual(revenue, 650.0)
        Trend = self.env["kam.sale.trend"].with_user(self.kam_manager)
        trend = Trend.with_context(allowed_company_ids=self.company.ids).search(domain)
        self.assertEqual(trend.company_id, self.company)
        trend = Trend.with_context(allowed_company_ids=(self.company | company2).ids).search(domain)
        self.assertEqual(trend.company_id, self.company | company2)

    def test_purchase_trend(self):
        """Month-by-month revenue and orders against the month before, drops
        below the company threshold flagged on closed months only, and the
        frequency over the last 12 months."""
        Trend = self.env["kam.sale.trend"].with_user(self.kam_user)
        rows = Trend.search([("partner_id", "=", self.account.id)], order="date")
        current_month = self.today.replace(day=1)
        self.assertEqual(rows.mapped("date"), [self.month_a, self.month_b, current_month])
        row_a, row_b, row_now = rows
        self.assertAlmostEqual(row_a.revenue, 2200.0)
        self.assertEqual(row_a.order_count, 3)
        self.assertEqual(row_a.change_prev_pct, 100.0)  # nothing before: +100 %, as the account figures
        self.assertFalse(row_a.is_drop)
        self.assertAlmostEqual(row_b.revenue_prev_month, 2200.0)
        self.assertEqual(row_b.order_count_prev_month, 3)
        self.assertAlmostEqual(row_b.change_prev_pct, (400.0 - 2200.0) / 2200.0 * 100.0, places=2)
        self.assertTrue(row_b.is_drop)
        self.assertFalse(row_b.is_drop_year)  # nothing a year before
        self.assertEqual(row_b.order_count_12m, 4)
        self.assertAlmostEqual(row_b.orders_per_month, 4 / 12.0, places=2)
        span = (self._at(self.month_b, 3) - self._at(self.month_a, 5)).days
        self.assertAlmostEqual(row_b.avg_days_between_orders, round(span / 3, 1))
        # the running month has no orders yet: -100 %, but it is not closed
        self.assertEqual(row_now.revenue, 0.0)
        self.assertEqual(row_now.change_prev_pct, -100.0)
        self.assertFalse(row_now.is_drop)
        # a higher threshold: -81.8 % is no longer a drop
        self.company.kam_trend_drop_pct = 90
        self.env.invalidate_all()
        self.assertFalse(Trend.search([("partner_id", "=", self.account.id), ("is_drop", "=", True)]))
        self.assertFalse(Trend.search([("partner_id", "=", self.other_account.id)]))

    def test_purchase_trend_drop_search(self):
        """The drop filters find the same rows as the highlighted ones."""
        Trend = self.env["kam.sale.trend"].with_user(self.kam_user)
        rows = Trend.search([])
        drops = Trend.search([("is_drop", "=", True)])
        self.assertEqual(drops, rows.filtered("is_drop"))
        self.assertEqual(drops.mapped("date"), [self.month_b])
        self.assertEqual(Trend.search([("is_drop", "!=", True)]), rows - drops)
        self.assertFalse(Trend.search([("is_drop_year", "=", True)]))
        with self.assertRaisesMessage(ValidationError, "Search drops with"):
            Trend.search([("is_drop", ">", 1)])

    def test_purchase_trend_refresh(self):
        """A refresh rewrites only what changed and keeps the ids; the
        nightly job drops the rows of accounts no longer key accounts; only
        managers may ask for a refresh."""
        Trend = self.env["kam.sale.trend"]
        before = Trend.search([("partner_id", "=", self.account.id)])
        snapshot = {row.id: (row.date, row.revenue) for row in before}
        self.assertEqual(Trend._kam_refresh(self.account.ids), (0, 0, 0))
        self._order(self.contact, 100, when=self._at(self.month_b, 20))
        updated, inserted, deleted = Trend._kam_refresh(self.account.ids)
        self.assertEqual((inserted, deleted), (0, 0))
        self.assertGreaterEqual(updated, 2)  # month B and the running month (its previous month changed)
        after = Trend.search([("partner_id", "=", self.account.id)])
        self.assertEqual(after, before)
        row_b = after.filtered(lambda row: row.date == self.month_b)
        self.assertAlmostEqual(row_b.revenue, 500.0)
        self.assertEqual(snapshot[row_b.id][1], 400.0)
        # archived: its rows go at the next nightly run
        self.other_account.active = False
        Trend._cron_kam_refresh_trend()
        self.assertFalse(Trend.search([("partner_id", "=", self.other_account.id)]))
        self.assertEqual(Trend.search([("partner_id", "=", self.account.id)]), before)
        with self.assertRaisesMessage(AccessError, "Only key account managers"):
            Trend.with_user(self.kam_user).action_kam_refresh()
        cron = self.env.ref("key_account_management.ir_cron_kam_daily_pipeline")
        self.assertTrue(cron.active)
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        Trend.with_user(self.kam_manager).action_kam_refresh()
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)

    def test_purchase_trend_aggregates(self):
        """Changes of a group are the change of its total (not an average of
        the rows' changes), days between orders the total span over the
        total gaps."""
        Trend = self.env["kam.sale.trend"].with_user(self.kam_manager)
        domain = [("date", "=", self.month_b), ("partner_id", "in", (self.account | self.other_account).ids)]
        [(revenue, previous, change, days)] = Trend._read_group(
            domain, [], ["revenue:sum", "revenue_prev_month:sum", "change_prev_pct:avg", "avg_days_between_orders:avg"]
        )
        self.assertAlmostEqual(revenue, 1400.0)
        self.assertAlmostEqual(previous, 2200.0)
        self.assertAlmostEqual(change, (1400.0 - 2200.0) / 2200.0 * 100.0)  # rows: -81.8 % and +100 %
        span = (self._at(self.month_b, 3) - self._at(self.month_a, 5)).days
        self.assertAlmostEqual(days, span / 3)  # the other account has a single order: no gap

    def test_drop_threshold_setting(self):
        """The threshold is a percentage, set from the settings."""
        settings = self.env["res.config.settings"].create({"kam_trend_drop_pct": 35})
        settings.execute()
        self.assertEqual(self.company.kam_trend_drop_pct, 35)
        for wrong in (0, 101):
            with self.assertRaisesMessage(ValidationError, "between 1 and 100"):
                self.company.kam_trend_drop_pct = wrong


@tagged("post_install", "-at_install")
class TestKamDashboard(AnalysisCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.third_account = cls._make_account("Third Key Account", manager=cls.kam_user)
        # account: growing (1000 now, 500 a year ago); other: shrinking; third: no orders
        cls._order(cls.account, 1000, days_ago=10)
        cls._order(cls.account, 500, days_ago=400)
        cls._order(cls.other_account, 200, days_ago=10)
        cls._order(cls.other_account, 1000, days_ago=400)
        cls.accounts = cls.account | cls.other_account | cls.third_account
        cls.accounts._kam_recompute()
        cls.account.kam_risk_level = "high"
        cls.other_account.kam_risk_level = "critical"
        # follow-ups: an overdue activity on the account, the third never contacted with a cadence
        cls.account.activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=cls.today - relativedelta(days=2), user_id=cls.kam_user.id
        )
        cls.third_account.kam_contact_interval_days = 30
        (cls.account | cls.other_account).kam_last_interaction_date = fields.Datetime.now()
        Signal = cls.env["kam.risk.signal"]
        cls.high_signal = Signal.create({"partner_id": cls.account.id, "signal_type": "spend_drop", "severity": "high"})
        cls.critical_signal = Signal.create(
            {"partner_id": cls.other_account.id, "signal_type": "overdue", "severity": "critical"}
        )
        Signal.create({"partner_id": cls.account.id, "signal_type": "silence", "severity": "medium"})
        Signal.create(
            {"partner_id": cls.account.id, "signal_type": "order_gap", "severity": "high", "resolved_on": cls.today}
        )
        # plans: the account's objectives at 50 % and 200 % (counted as 100 %), the other's at 20 %
        cls._plan(cls.account, [2000, 500])
        cls._plan(cls.other_account, [1000])
        cls._plan(cls.third_account, [100], activate=False)

    @classmethod
    def _plan(cls, account, targets, activate=True):
        plan = cls.env["kam.plan"].create(
            {
                "name": f"Plan {account.name}",
                "partner_id": account.id,
                "date_start": cls.today - relativedelta(days=30),
                "date_end": cls.today + relativedelta(days=335),
                "objective_ids": [
                    Command.create({"name": f"Revenue {target}", "metric": "revenue", "target": target})
                    for target in targets
                ],
            }
        )
        if activate:
            plan.action_activate()
        return plan

    def _data(self, user):
        return self.env["kam.dashboard"].with_user(user).get_dashboard_data()

    def _count(self, model, domain, user):
        return self.env[model].with_user(user).search_count(domain)

    def test_manager_figures(self):
        data = self._data(self.kam_manager)
        self.assertTrue(data["is_manager"])
        self.assertEqual(data["account_count"], 3)
        tiers = {tier["id"]: tier for tier in data["tiers"]}
        for account in self.accounts:
            self.assertIn(account.kam_tier_id.id, tiers)
        self.assertEqual(sum(tier["count"] for tier in data["tiers"]), 3)
        self.assertAlmostEqual(sum(tier["revenue"] for tier in data["tiers"]), 1200.0)
        for tier in data["tiers"]:
            self.assertEqual(self._count("res.partner", tier["domain"], self.kam_manager), tier["count"])
        levels = {level["key"]: level["count"] for level in data["risk_levels"]}
        self.assertEqual(levels, {"critical": 1, "high": 1, "medium": 0, "low": 0, False: 1})
        self.assertEqual([a["id"] for a in data["growing"]["accounts"]], [self.account.id])
        self.assertEqual(data["growing"]["accounts"][0]["trend"], 100.0)
        self.assertAlmostEqual(data["growing"]["accounts"][0]["revenue"], 1000.0)
        self.assertEqual([a["id"] for a in data["shrinking"]["accounts"]], [self.other_account.id])
        self.assertEqual(data["shrinking"]["accounts"][0]["trend"], -80.0)
        follow_ups = data["follow_ups"]
        self.assertEqual(follow_ups["activity_overdue"]["count"], 1)
        self.assertEqual(
            self.env["res.partner"].search(follow_ups["activity_overdue"]["domain"]),
            self.account,
        )
        self.assertEqual(self.env["res.partner"].search(follow_ups["contact_overdue"]["domain"]), self.third_account)
        risks = data["risks"]
        self.assertEqual(risks["count"], 2)
        self.assertEqual([s["id"] for s in risks["signals"]], [self.critical_signal.id, self.high_signal.id])
        self.assertEqual({s["key"]: s["count"] for s in risks["by_severity"]}, {"critical": 1, "high": 1})
        plans = data["plans"]
        self.assertEqual(plans["plan_count"], 2)
        self.assertEqual(plans["objective_count"], 3)
        self.assertAlmostEqual(plans["attainment"], round((50.0 + 100.0 + 20.0) / 3, 1))
        statuses = {status["key"]: status["count"] for status in plans["by_status"]}
        self.assertEqual(statuses, {"on_track": 2, "achieved": 1, "at_risk": 0, "missed": 0})

    def test_user_counts_own_accounts(self):
        """A key account user counts the accounts they manage (account and
        third), never the other user's, in every block."""
        data = self._data(self.kam_user)
        self.assertFalse(data["is_manager"])
        self.assertEqual(data["account_count"], 2)
        self.assertEqual(
            self.env["res.partner"].with_user(self.kam_user).search(data["account_domain"]),
            self.account | self.third_account,
        )
        levels = {level["key"]: level["count"] for level in data["risk_levels"]}
        self.assertEqual(levels["critical"], 0)
        self.assertEqual(levels["high"], 1)
        self.assertFalse(data["shrinking"]["accounts"])
        self.assertEqual(data["risks"]["count"], 1)
        self.assertEqual([s["id"] for s in data["risks"]["signals"]], [self.high_signal.id])
        self.assertEqual(data["plans"]["objective_count"], 2)
        self.assertAlmostEqual(data["plans"]["attainment"], 75.0)
        # what a block counts is what its link opens
        for block in (data["follow_ups"]["activity_overdue"], data["follow_ups"]["contact_overdue"]):
            self.assertEqual(self._count("res.partner", block["domain"], self.kam_user), block["count"])
        for status in data["plans"]["by_status"]:
            self.assertEqual(self._count("kam.plan.objective", status["domain"], self.kam_user), status["count"])
        # the other user, in the team of the account, counts it too
        data2 = self._data(self.kam_user2)
        self.assertEqual(data2["account_count"], 1)
        self.assertEqual([a["id"] for a in data2["shrinking"]["accounts"]], [self.other_account.id])
        self.assertEqual(data2["risks"]["count"], 1)
        self.account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        self.assertEqual(self._data(self.kam_user2)["account_count"], 2)

    def test_access(self):
        """Only key account users have a dashboard; other companies' accounts
        are not counted."""
        with self.assertRaisesMessage(AccessError, "for key account users"):
            self._data(self.salesman)
        company2 = self.env["res.company"].create({"name": "KAM dashboard company"})
        self._make_account("Elsewhere Key Account", manager=self.kam_user, company_id=company2.id)
        self.assertEqual(self._data(self.kam_user)["account_count"], 2)

    def test_overdue_next_steps_count(self):
        """The next steps of interactions live on the interactions: overdue,
        they count as an overdue follow-up of their account."""
        self.env["kam.interaction"].create(
            {
                "partner_id": self.third_account.id,
                "name": "Call about the renewal",
                "channel": "phone",
                "next_step": "Send the renewal offer",
                "next_step_date": self.today - relativedelta(days=3),
                "next_step_user_id": self.kam_manager.id,
            }
        )
        follow_ups = self._data(self.kam_manager)["follow_ups"]["activity_overdue"]
        self.assertEqual(follow_ups["count"], 2)
        self.assertEqual(
            self.env["res.partner"].with_user(self.kam_manager).search(follow_ups["domain"]),
            self.account | self.third_account,
        )

    def test_viewers(self):
        """A viewer's dashboard counts the accounts whose team they are in; an
        all-accounts viewer's counts all of them, as a manager's does."""
        viewer = new_test_user(self.env, "kam_dash_viewer", groups="key_account_management.group_kam_viewer")
        viewer_all = new_test_user(
            self.env, "kam_dash_viewer_all", groups="key_account_management.group_kam_viewer_all"
        )
        self.assertEqual(self._data(viewer)["account_count"], 0)
        self.account.kam_team_user_ids = [Command.link(viewer.id)]
        self.assertEqual(self._data(viewer)["account_count"], 1)
        self.assertEqual(self._data(viewer_all)["account_count"], self._data(self.kam_manager)["account_count"])


@tagged("post_install", "-at_install", "is_query_count")
class TestKamDashboardQueryCount(AnalysisCommon):
    """The dashboard costs as many queries for many accounts as for few."""

    def _queries(self):
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        self.env["kam.dashboard"].with_user(self.kam_manager).get_dashboard_data()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def _add_accounts(self, count, start):
        for index in range(start, start + count):
            account = self._make_account(f"Counted account {index}", manager=self.kam_user)
            self._order(account, 100 * (index + 1), days_ago=10)
            self.env["kam.risk.signal"].create({"partner_id": account.id, "signal_type": "overdue", "severity": "high"})
            plan = self.env["kam.plan"].create(
                {
                    "name": f"Plan {index}",
                    "partner_id": account.id,
                    "objective_ids": [Command.create({"name": "Revenue", "metric": "revenue", "target": 1000})],
                }
            )
            plan.action_activate()
            account._kam_recompute()

    def test_query_count(self):
        self._add_accounts(1, 0)
        # a risk on an account out of the top lists: its name is read, as with many accounts
        quiet = self._make_account("Quiet account", manager=self.kam_user)
        self.env["kam.risk.signal"].create({"partner_id": quiet.id, "signal_type": "silence", "severity": "critical"})
        self._queries()  # warm the caches
        few = self._queries()
        self._add_accounts(8, 1)
        with self.assertQueryCount(few):
            self.env.invalidate_all()
            data = self.env["kam.dashboard"].with_user(self.kam_manager).get_dashboard_data()
        self.assertEqual(data["risks"]["count"], 10)
        self.assertEqual(data["plans"]["objective_count"], 9)
        self.assertEqual(len(data["growing"]["accounts"]), 5)
