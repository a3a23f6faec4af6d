# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models.kam_profit_engine import KamProfitEngine, quarter_start
from .common import KamInvoicingCommon

OLD_WRITE = datetime(2000, 1, 1)


@tagged("post_install", "-at_install")
class KamProfitCommon(KamInvoicingCommon):
    """Profitability per account: orders with discounts, invoices paid late
    (payments registered here), a credit note and service interactions made
    in the test (the helpers; no test here, key_account_management_margin's
    tests import it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "kam_trailing_months": 12,
                "kam_profit_financing_rate": 36.5,  # 0.1 % a day: amount x days / 1000
                "kam_profit_service_cost": 25.0,
                "kam_profit_min_percent": 20.0,
                "kam_profit_creep_quarters": 3,
                "kam_profit_creep_step": 1.0,
            }
        )
        cls.journal = cls.company_data["default_journal_sale"]
        Product = cls.env["product.product"].with_company(cls.company)
        # list price 100, cost 60 (the line's cost with sale_margin, the product's without)
        cls.widget = Product.create({"name": "Widget", "type": "consu", "list_price": 100.0, "standard_price": 60.0})
        # no cost: its revenue is counted apart
        cls.service_pack = Product.create({"name": "Pack", "type": "consu", "list_price": 50.0, "standard_price": 0.0})
        cls.accountant = new_test_user(
            cls.env, "kam_profit_accountant", groups="account.group_account_invoice", name="Profit Accountant"
        )

    # ------------------------------------------------------------------
    # Helpers: documents made in the test
    # ------------------------------------------------------------------
    @classmethod
    def _sell(cls, partner, lines, when):
        """A confirmed order of ``lines`` [(product, qty, price_unit, discount %)] on ``when`` (a date)."""
        order = (
            cls.env["sale.order"]
            .with_company(cls.company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "price_unit": price,
                                "discount": discount,
                                "tax_id": [Command.clear()],
                            }
                        )
                        for product, qty, price, discount in lines
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = datetime.combine(when, time(12, 0))
        return order

    @classmethod
    def _invoice(cls, partner, amount, due, move_type="out_invoice"):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "journal_id": cls.journal.id,
                "invoice_date": due - relativedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": cls.widget.id, "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _interaction(cls, partner, days_ago, channel, **vals):
        return cls.env["kam.interaction"].create(
            dict(
                {
                    "name": "Case",
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "channel": channel,
                    "date": datetime.combine(cls.today - relativedelta(days=days_ago), time(10, 0)),
                },
                **vals,
            )
        )

    def _days_ago(self, days):
        return self.today - relativedelta(days=days)

    def _run(self, **kwargs):
        return self.env["kam.profit.engine"]._run(full=True, today=self.today, **kwargs)

    def _row(self, account=None):
        return self.env["kam.profit"].search(
            [("partner_id", "=", (account or self.account).id), ("company_id", "=", self.company.id)]
        )

    def _build_account_documents(self):
        """The documents of the hand computation (see test_parts_by_hand)."""
        # 10 widgets at 100 less 10 %: net 900, cost 600, discount 100
        self._sell(self.account, [(self.widget, 10, 100.0, 10.0)], self._days_ago(60))
        # by a contact: 5 widgets at 80 (list 100): net 400, cost 300, discount 5 x 20 = 100;
        # 2 packs at 50 without cost: net 100, no discount
        self._sell(self.contact, [(self.widget, 5, 80.0, 0.0), (self.service_pack, 2, 50.0, 0.0)], self._days_ago(30))
        # out of the window (400 days ago) and a quotation: not counted
        self._sell(self.account, [(self.widget, 100, 100.0, 50.0)], self._days_ago(400))
        self.env["sale.order"].create(
            {
                "partner_id": self.account.id,
                "order_line": [Command.create({"product_id": self.widget.id, "product_uom_qty": 50})],
            }
        )
        # invoices: 1000 due 40 days ago paid 10 days ago (30 days late), 500 due 20 days ago still
        # open (20 days), 300 due 30 days ago paid 35 days ago (early: 0)
        self._pay(self._invoice(self.account, 1000.0, self._days_ago(40)), days_ago=10)
        self._invoice(self.account, 500.0, self._days_ago(20))
        self._pay(self._invoice(self.contact, 300.0, self._days_ago(30)), days_ago=35)
        # a credit note of 150 (a return), dated 45 days ago
        self._invoice(self.account, 150.0, self._days_ago(15), move_type="out_refund")
        # service effort: a done service case and a done complaint; not: a cancelled complaint,
        # a planned service case, a meeting, a service case 400 days ago
        self._interaction(self.account, 5, "service", service_type="technical_support")
        self._interaction(self.account, 8, "complaint")
        self._interaction(self.account, 9, "complaint", state="cancelled")
        self._interaction(self.account, 2, "service", state="planned")
        self._interaction(self.account, 3, "meeting")
        self._interaction(self.account, 400, "service")


@tagged("post_install", "-at_install")
class TestKamProfit(KamProfitCommon):
    """Each part of the profitability checked against a hand computation."""

    # ------------------------------------------------------------------
    # The parts, by hand
    # ------------------------------------------------------------------
    def test_parts_by_hand(self):
        self._build_account_documents()
        self._run()
        row = self._row()
        self.assertEqual(len(row), 1)
        self.assertEqual(row.currency_id, self.company.currency_id)
        # revenue: 900 + 400 + 100; with known cost 1300 (the packs have none), cost 600 + 300
        self.assertAlmostEqual(row.revenue, 1400.0)
        self.assertAlmostEqual(row.revenue_known_cost, 1300.0)
        self.assertAlmostEqual(row.revenue_unknown_cost, 100.0)
        self.assertAlmostEqual(row.cost, 900.0)
        self.assertAlmostEqual(row.margin, 400.0)
        # discounts: 10 % of 1000 on the first order, (100 - 80) x 5 on the second
        self.assertAlmostEqual(row.discount_amount, 200.0)
        self.assertAlmostEqual(row.list_revenue, 1600.0)
        self.assertAlmostEqual(row.discount_percent, 12.5)
        # the credit note, untaxed
        self.assertAlmostEqual(row.refund_amount, 150.0)
        # 1000 x 30 days + 500 x 20 days = 40,000; x 36.5 % / 365 = 40
        self.assertAlmostEqual(row.late_amount_days, 40000.0)
        self.assertAlmostEqual(row.financing_cost, 40.0)
        # two done service interactions x 25
        self.assertEqual(row.service_count, 2)
        self.assertAlmostEqual(row.service_cost, 50.0)
        # 400 - 150 - 40 - 50
        self.assertAlmostEqual(row.profit, 160.0)
        self.assertAlmostEqual(row.profit_percent, 11.4)
        self.assertEqual(row.kam_manager_id, self.kam_user)
        self.assertEqual(row.date_computed, self.today)
        self.assertEqual(row.date_from, self.today - relativedelta(months=12, days=-1))

        # the health stage reads it: 11.4 % is below the 20 % of the company, with the cost of
        # 93 % of the revenue known
        self.account._kam_refresh_health()
        signal = self.env["kam.risk.signal"].search(
            [("partner_id", "=", self.account.id), ("signal_type", "=", "unprofitable"), ("is_open", "=", True)]
        )
        self.assertEqual(signal.severity, "medium")
        self.assertAlmostEqual(signal.value, 11.4)
        self.assertIn("11.4 %", signal.description)
        self.assertIn("(minimum 20.0 %)", signal.description)

        # the financing rate changes the financing cost only (a setting: the next run is a full one)
        self.company.kam_profit_financing_rate = 0.0
        self._run()
        row.invalidate_recordset()
        self.assertAlmostEqual(row.financing_cost, 0.0)
        self.assertAlmostEqual(row.profit, 200.0)
        # the open invoice is paid today: 500 x 20 days stays
        self.company.kam_profit_financing_rate = 36.5

    def test_invoice_of_a_contact_who_moved(self):
        """A credit note counts for its own commercial entity
        (``account.move.commercial_partner_id``, as in the receivables),
        also when its contact moved to another company and when a day's few
        accounts are read by the index of their invoices: for one account
        only, never for both."""
        refund = self._invoice(self.contact, 80.0, self._days_ago(10), move_type="out_refund")
        self.contact.parent_id = self.other_account
        self.env.flush_all()
        owner = refund.commercial_partner_id
        self.assertIn(owner, self.account | self.other_account)
        for account in self.account | self.other_account:
            self.env["kam.profit.engine"]._compute(account.ids, today=self.today)
        self.assertAlmostEqual(self._row(owner).refund_amount, 80.0)
        self.assertFalse(self._row((self.account | self.other_account) - owner).refund_amount)

    def test_partial_payment_and_unknown_cost_account(self):
        """A half paid late instalment counts each payment for its own days;
        an account whose costs are unknown gets no unprofitable signal."""
        invoice = self._invoice(self.other_account, 1000.0, self._days_ago(50))
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": self._days_ago(40), "amount": 400.0}
        )._create_payments()
        self._sell(self.other_account, [(self.service_pack, 10, 50.0, 0.0)], self._days_ago(10))
        self._run()
        row = self._row(self.other_account)
        # 400 x 10 days + 600 still open x 50 days = 34,000
        self.assertAlmostEqual(row.late_amount_days, 34000.0)
        self.assertAlmostEqual(row.financing_cost, 34.0)
        self.assertAlmostEqual(row.revenue_known_cost, 0.0)
        self.assertAlmostEqual(row.profit, -34.0)
        self.other_account._kam_refresh_health()
        self.assertFalse(
            self.env["kam.risk.signal"].search(
                [("partner_id", "=", self.other_account.id), ("signal_type", "=", "unprofitable")]
            ),
            "no cost known: not called unprofitable",
        )

    # ------------------------------------------------------------------
    # Discount creep
    # ------------------------------------------------------------------
    def _quarterly_discounts(self, account, discounts):
        """One order of 10 widgets at list price per quarter, with these
        discounts (%), the last one in the current quarter."""
        current = quarter_start(self.today)
        for back, discount in enumerate(reversed(discounts)):
            self._sell(account, [(self.widget, 10, 100.0, discount)], current - relativedelta(months=3 * back))

    def test_discount_creep(self):
        # up 2, 2, 3 and 3 points: four quarters in a row
        self._quarterly_discounts(self.account, [2.0, 4.0, 6.0, 9.0, 12.0])
        # up, down once, then up twice: two in a row only
        self._quarterly_discounts(self.other_account, [2.0, 4.0, 3.0, 6.0, 9.0])
        self._run()
        row, other = self._row(), self._row(self.other_account)
        self.assertEqual([percent for __, percent in row.discount_quarters], [2.0, 4.0, 6.0, 9.0, 12.0])
        self.assertEqual(row.creep_quarters, 4)
        self.assertTrue(row.discount_creep)
        self.assertAlmostEqual(row.quarter_discount_percent, 12.0)
        self.assertIn("12.0 %", row.discount_trend)
        self.assertEqual(other.creep_quarters, 2)
        self.assertFalse(other.discount_creep)
        (self.account | self.other_account)._kam_refresh_health()
        Signal = self.env["kam.risk.signal"]
        signal = Signal.search(
            [("partner_id", "=", self.account.id), ("signal_type", "=", "discount_creep"), ("is_open", "=", True)]
        )
        self.assertEqual(len(signal), 1)
        self.assertIn("4 quarters in a row, from 2.0 % to 12.0 %", signal.description)
        self.assertFalse(
            Signal.search([("partner_id", "=", self.other_account.id), ("signal_type", "=", "discount_creep")])
        )
        # a larger step: the rises of 2 points no longer count, the last two (3 points) do
        self.company.kam_profit_creep_step = 2.5
        self._run()
        row.invalidate_recordset()
        self.assertEqual(row.creep_quarters, 2)
        self.assertFalse(row.discount_creep)
        self.account._kam_refresh_health()
        self.assertFalse(signal.is_open, "resolved when the creep stops")

    def test_discount_creep_routed_to_contract_duty(self):
        route = self.env.ref("key_account_management.kam_route_discount_creep")
        self.assertEqual(route.duty_id, self.env.ref("key_account_management.kam_duty_contract"))
        self.assertEqual(
            self.env.ref("key_account_management.kam_route_unprofitable").duty_id,
            self.env.ref("key_account_management.kam_duty_contract"),
        )

    # ------------------------------------------------------------------
    # Tier by profit
    # ------------------------------------------------------------------
    def test_tier_by_profit(self):
        # 3 orders of 10 widgets at list price: revenue 3000, margin 1200 -> tier B by revenue (A asks 10,000)
        for days_ago in (90, 60, 30):
            self._sell(self.account, [(self.widget, 10, 100.0, 0.0)], self._days_ago(days_ago))
        self.tier_a.min_revenue = 2000
        self._run()
        self.assertAlmostEqual(self._row().profit, 1200.0)
        Engine = self.env["kam.tier.engine"]
        Engine._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        # tier A also asks a profit of 1,500: the account falls to B
        self.tier_a.write({"profit_criterion": True, "min_profit": 1500})
        Engine._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_b)
        # a lower one: back to A
        self.tier_a.min_profit = 1000
        Engine._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        # the tier stage (before the profitability stage) looks again the next day at the accounts
        # whose profitability changed, as long as a tier asks a minimum profit
        self.env.flush_all()
        for table in ("res_partner", "sale_order", "kam_interaction", "kam_tier", "res_company"):
            self.env.cr.execute(f"UPDATE {table} SET write_date = %s", [OLD_WRITE])  # noqa: S608
        self.env.cr.execute("UPDATE kam_profit SET write_date = clock_timestamp() at time zone 'UTC'")
        self.env.invalidate_all()
        last_run = datetime.now() - relativedelta(minutes=5)
        self.assertIn(self.account.id, Engine._changed_since(last_run))
        self.tier_a.profit_criterion = False
        self.env.flush_all()
        self.env.cr.execute("UPDATE kam_tier SET write_date = %s", [OLD_WRITE])
        self.assertNotIn(self.account.id, Engine._changed_since(last_run))
        self.tier_a.write({"profit_criterion": True, "min_profit": 1000})
        # a lower tier cannot ask a higher profit than the tier above it
        with self.assertRaisesMessage(ValidationError, "minimum profit after cost to serve"):
            self.tier_b.write({"profit_criterion": True, "min_profit": 5000})
        self.assertFalse(self.tier_b.profit_criterion, "nothing saved")
        # nor ask one when the tier above asks none
        self.tier_a.profit_criterion = False
        with self.assertRaisesMessage(ValidationError, "Tier “Tier A” ranks above “Tier B”"):
            self.tier_b.write({"profit_criterion": True, "min_profit": -100})

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------
    def test_bad_settings_refused(self):
        for vals, message in (
            ({"kam_profit_financing_rate": 101}, "financing rate is between 0 and 100"),
            ({"kam_profit_financing_rate": -1}, "financing rate is between 0 and 100"),
            ({"kam_profit_service_cost": -5}, "cost per service interaction"),
            ({"kam_profit_min_percent": 150}, "unprofitable threshold"),
            ({"kam_profit_creep_quarters": 1}, "2 to 8 quarters"),
            ({"kam_profit_creep_quarters": 9}, "2 to 8 quarters"),
            ({"kam_profit_creep_step": 0}, "creep step"),
            ({"kam_profit_financing_rate": "a lot"}, "Financing Rate"),
        ):
            with self.subTest(vals=vals), self.assertRaisesMessage(ValidationError, message):
                self.company.write(vals)
        # the settings form: a bad value refuses the whole save, nothing half-saved
        settings = self.env["res.config.settings"].create(
            {"kam_profit_service_cost": 99.0, "kam_profit_creep_quarters": 12}
        )
        with self.assertRaisesMessage(ValidationError, "2 to 8 quarters"):
            settings.execute()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.kam_profit_service_cost, 25.0)
        self.assertEqual(self.company.kam_profit_creep_quarters, 3)
        settings = self.env["res.config.settings"].create(
            {"kam_profit_service_cost": 99.0, "kam_profit_creep_quarters": 4}
        )
        settings.execute()
        self.assertEqual((self.company.kam_profit_service_cost, self.company.kam_profit_creep_quarters), (99.0, 4))

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_access(self):
        self._build_account_documents()
        self._run()
        row = self._row()
        Profit = self.env["kam.profit"]
        # the account's manager reads it, another key account user does not see it, a manager does
        self.assertEqual(Profit.with_user(self.kam_user).search([("id", "=", row.id)]), row)
        self.assertFalse(Profit.with_user(self.kam_user2).search([("id", "=", row.id)]))
        self.assertEqual(Profit.with_user(self.kam_manager).search([("id", "=", row.id)]), row)
        self.assertEqual(self.account.with_user(self.kam_user).kam_profit_ids, row)
        # nobody writes it by hand, not even a manager
        with self.assertRaises(AccessError):
            row.with_user(self.kam_manager).write({"profit": 1e6})
        # a salesman and an accountant without the addon's groups: refused
        for user in (self.salesman, self.accountant):
            user.groups_id += self.env.ref("base.group_allow_export")
            with self.subTest(user=user.name):
                with self.assertRaises(AccessError):
                    Profit.with_user(user).search([])
                with self.assertRaises(AccessError):
                    row.with_user(user).read(["profit"])
                # the partner's core flows still work for them, without the field
                partner = self.account.with_user(user)
                self.assertNotIn("kam_profit_ids", partner.fields_get())
                self.assertEqual(partner.read(["name"])[0]["name"], self.account.name)
                # an export of every field they see (but the lists of other records: core's
                # opportunities are refused to an accountant without our addon too)
                fnames = [
                    name
                    for name, field in partner.fields_get().items()
                    if field["exportable"] and field["type"] not in ("one2many", "many2many")
                ]
                self.assertEqual(partner.export_data(["name", *fnames])["datas"][0][0], self.account.name)
                with self.assertRaises(AccessError):
                    partner.read(["kam_profit_ids"])
        copy = self.account.with_user(self.salesman).copy()
        self.assertFalse(self.env["kam.profit"].search([("partner_id", "=", copy.id)]), "rows are not copied")

    # ------------------------------------------------------------------
    # Incremental runs and queries
    # ------------------------------------------------------------------
    def test_incremental_run(self):
        Engine = self.env["kam.profit.engine"]
        Job = self.env["kam.job"]
        self._sell(self.account, [(self.widget, 10, 100.0, 0.0)], self._days_ago(20))
        self._sell(self.other_account, [(self.widget, 10, 100.0, 0.0)], self._days_ago(20))
        self._run()
        self.assertAlmostEqual(self._row(self.other_account).revenue, 1000.0)
        # a day later, nothing of other_account was written since the last run
        self.env.flush_all()
        for table in ("res_partner", "sale_order", "account_move", "kam_interaction", "res_company"):
            self.env.cr.execute(f"UPDATE {table} SET write_date = %s", [OLD_WRITE])  # noqa: S608
        self.env.invalidate_all()
        last_run = datetime.combine(self.today, time(0, 0))
        Job._set_last_run("profitability", last_run, full=True)
        changed = Engine._changed_since(last_run, self.today)
        self.assertNotIn(self.other_account.id, changed)
        self.assertNotIn(self.account.id, changed)
        # a new order of the account: it is computed again, the other is not
        self._sell(self.account, [(self.widget, 5, 100.0, 0.0)], self._days_ago(1))
        changed = Engine._changed_since(last_run, self.today)
        self.assertIn(self.account.id, changed)
        self.assertNotIn(self.other_account.id, changed)
        # (the database's other accounts with an open overdue invoice are looked at too)
        key_accounts = self.env["res.partner"].search(
            [("id", "in", changed), *self.env["kam.job"]._key_account_domain()]
        )
        result = Engine._run(today=self.today)
        self.assertEqual(result.done, len(key_accounts), "only the accounts that changed")
        self.assertAlmostEqual(self._row().revenue, 1500.0)
        # an open overdue invoice is counted late up to the day its row was computed: the next day,
        # only its row's own change brings it back (at the latest the weekly full run)
        self._invoice(self.other_account, 100.0, self._days_ago(3))
        Engine._run(today=self.today)
        row = self._row(self.other_account)
        self.assertAlmostEqual(row.late_amount_days, 300.0)
        self.assertEqual(row.date_computed, self.today)
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET write_date = %s", [OLD_WRITE])
        tomorrow = self.today + relativedelta(days=1)
        self.assertNotIn(self.other_account.id, Engine._changed_since(last_run, tomorrow))
        self.env["kam.profit.engine"]._run(full=True, today=tomorrow)
        row.invalidate_recordset()
        self.assertAlmostEqual(row.late_amount_days, 400.0)
        self.assertEqual(row.date_computed, tomorrow)

    def test_stage_in_pipeline(self):
        self._build_account_documents()
        results = self.env["kam.pipeline"]._cron_daily(stages=["profitability"])
        self.assertFalse(results["profitability"].skipped)
        self.assertAlmostEqual(self._row().profit, 160.0)
        names = [name for name, __, __ in self.env["kam.pipeline"].STAGES]
        self.assertEqual(names.index("profitability"), names.index("figures_and_tiers") + 1)

    def test_query_count_per_batch(self):
        """One batch of accounts is computed and written in as many queries
        for one account as for five."""
        Engine = self.env["kam.profit.engine"]
        accounts = self.account
        self._build_account_documents()
        for n in range(4):
            account = self._make_account(f"Profit Account {n}", manager=self.kam_user)
            self._sell(account, [(self.widget, 3, 100.0, 5.0)], self._days_ago(10))
            self._pay(self._invoice(account, 300.0, self._days_ago(20)), days_ago=5)
            self._interaction(account, 4, "service")
            accounts |= account

        def queries(ids):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Engine._compute(ids, today=self.today)
            return self.env.cr.sql_log_count - before

        one = queries(self.account.ids)
        self.assertLessEqual(one, 4)
        self.assertEqual(queries(accounts.ids), one)
        self.assertEqual(self.env["kam.profit"].search_count([("partner_id", "in", accounts.ids)]), 5)

    # ------------------------------------------------------------------
    # Digest and dashboard
    # ------------------------------------------------------------------
    def test_digest_and_dashboard(self):
        self._build_account_documents()
        self._run()
        self.account._kam_refresh_health()  # the unprofitable signal: news of the week
        digest = self.env["kam.digest"]._gather(self.kam_user)[self.kam_user.id]
        self.assertEqual([line["account"] for line in digest["profit"]], [self.account.display_name])
        self.assertAlmostEqual(digest["profit"][0]["profit"], 160.0)
        body = self.env["kam.digest"]._preview(self.kam_user)
        self.assertIn("Least profitable accounts", body)
        # another manager's digest does not list the account
        self.assertFalse(self.env["kam.digest"]._gather(self.kam_user2).get(self.kam_user2.id, {}).get("profit"))

        data = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()
        self.assertTrue(data["profit"]["visible"])
        self.assertEqual(data["profit"]["rows"][0]["partner_id"], self.account.id)
        self.assertFalse(data["errors"].get("profit"))
        # a viewer (no access to profitability) gets the dashboard without the block
        viewer = new_test_user(
            self.env, "kam_profit_viewer", groups="key_account_management.group_kam_viewer_all", name="Viewer"
        )
        data = self.env["kam.dashboard"].with_user(viewer).get_dashboard_data()
        self.assertFalse(data["profit"]["visible"])
        self.assertFalse(data["profit"]["rows"])
        self.assertFalse(data["errors"])

    def test_profile_pdf_section(self):
        self._quarterly_discounts(self.account, [2.0, 4.0, 6.0, 9.0, 12.0])
        self._run()
        report = self.env["ir.actions.report"].with_user(self.kam_user)
        html = report._render_qweb_html("key_account_management.action_report_kam_account_profile", self.account.ids)
        html = html[0].decode()
        self.assertIn("Profit after Cost to Serve", html)
        self.assertIn("Discount creep:", html)
        self.assertIn("12.0 %", html)
        # an account without profitability: no section
        html = (
            report.with_user(self.kam_user2)
            ._render_qweb_html("key_account_management.action_report_kam_account_profile", self.other_account.ids)[0]
            .decode()
        )
        self.assertNotIn("Profit after Cost to Serve", html)

    def test_core_cost_without_sale_margin(self):
        """Without sale_margin (the core addon alone), the cost of a line is the
        product's cost in the order's company x the quantity in the product's
        unit: 1 dozen widgets at 60 a unit cost 720; a product without cost has none."""
        Engine = self.env["kam.profit.engine"]
        dozen = self.env.ref("uom.product_uom_dozen")
        order = self._sell(self.account, [(self.widget, 1, 1000.0, 0.0), (self.service_pack, 3, 50.0, 0.0)], self.today)
        order.order_line[0].product_uom = dozen
        self.env.flush_all()
        # the addon's own formula (key_account_management_margin replaces it when installed)
        cost = KamProfitEngine._line_cost_sql(Engine)
        self.env.cr.execute(
            SQL(
                """SELECT %s FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
                     JOIN product_product pp ON pp.id = sol.product_id
                     JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     JOIN uom_uom lu ON lu.id = sol.product_uom JOIN uom_uom pu ON pu.id = pt.uom_id
                    WHERE sol.order_id = %s ORDER BY sol.id""",
                cost,
                order.id,
            )
        )
        self.assertEqual([row[0] and float(row[0]) for row in self.env.cr.fetchall()], [720.0, None])

    def test_bad_data_of_one_account(self):
        """An order line written around the ORM with an unusable amount and a
        discount over 100 % stops neither the stage nor the other accounts."""
        self._sell(self.account, [(self.widget, 10, 100.0, 10.0)], self._days_ago(20))
        bad = self._sell(self.other_account, [(self.widget, 10, 100.0, 0.0)], self._days_ago(20))
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order_line SET price_subtotal = 'NaN', discount = 250 WHERE order_id = %s", [bad.id]
        )
        self.env.invalidate_all()
        result = self._run()
        self.assertTrue(set(result.skipped) <= {self.other_account.id}, result)
        self.assertAlmostEqual(self._row().revenue, 900.0)
        self.assertAlmostEqual(self._row().discount_amount, 100.0)
