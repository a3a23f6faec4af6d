# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import KamCommon

OLD_WRITE = datetime(2000, 1, 1)


@tagged("post_install", "-at_install")
class TestReorderRadar(KamCommon):
    """Reorder radar: the rhythm of each product a key account buys
    regularly, learnt from orders made in the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.boxes = Product.create({"name": "Storage Box", "type": "consu", "list_price": 10.0})
        cls.chairs = Product.create({"name": "Chair", "type": "consu", "list_price": 50.0})
        cls.desks = Product.create({"name": "Desk", "type": "consu", "list_price": 90.0})
        # every ~30 days, 5 times, the last one 50 days ago: expected 20 days ago, late
        # (one of them placed by a contact of the account)
        for days_ago, qty, partner in (
            (170, 10, cls.account),
            (140, 12, cls.contact),
            (110, 10, cls.account),
            (80, 10, cls.account),
            (50, 14, cls.account),
        ):
            cls._order_product(partner, cls.boxes, qty, days_ago)
        # irregular: two orders only
        cls._order_product(cls.account, cls.chairs, 3, 100)
        cls._order_product(cls.account, cls.chairs, 3, 20)
        cls.env["res.company"].invalidate_model()

    @classmethod
    def _order_product(cls, partner, product, qty, days_ago, company=None, uom=None):
        line = {"product_id": product.id, "product_uom_qty": qty, "tax_id": [Command.clear()]}
        if uom:
            line["product_uom"] = uom.id
        vals = {"partner_id": partner.id, "order_line": [Command.create(line)]}
        if company:
            vals["company_id"] = company.id
        order = cls.env["sale.order"].with_company(company or cls.env.company).create(vals)
        order.action_confirm()
        order.date_order = datetime.combine(cls.today - timedelta(days=days_ago), time(12, 0))
        return order

    def _rows(self, account=None, product=None):
        domain = [("partner_id", "=", (account or self.account).id)]
        if product:
            domain.append(("product_id", "=", product.id))
        return self.env["kam.reorder"].with_context(active_test=False).search(domain)

    def _run(self, **kwargs):
        return self.env["kam.reorder.engine"]._run(full=True, today=self.today, **kwargs)

    def test_late_regular_order(self):
        self._run()
        row = self._rows(product=self.boxes)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.order_count, 5, "the contact's order counts for the account")
        self.assertEqual(row.median_interval_days, 30.0)
        self.assertEqual(row.spread_days, 0.0)
        self.assertEqual(row.usual_qty, 10.0)
        self.assertEqual(row.last_order_date, self.today - timedelta(days=50))
        self.assertEqual(row.expected_date, self.today - timedelta(days=20))
        self.assertEqual(row.late_days, 20)
        self.assertEqual(row.tolerance_days, 7)
        self.assertEqual(row.state, "late")
        self.assertEqual(row.kam_manager_id, self.kam_user)
        # the owner is warned once, in an activity on the account
        reason = f"reorder:{row.id}:{row.expected_date}"
        activities = self.env["mail.activity"].search([("kam_reason", "=", reason)])
        self.assertEqual(activities.user_id, self.kam_user)
        self.assertEqual(activities.res_id, self.account.id)
        self.assertIn("Storage Box", activities.summary)
        self._run()
        self.assertEqual(self.env["mail.activity"].search_count([("kam_reason", "=", reason)]), 1)

    def test_not_late_within_tolerance(self):
        self.company.kam_reorder_min_late_days = 30
        self._run()
        row = self._rows(product=self.boxes)
        self.assertEqual((row.late_days, row.tolerance_days, row.state), (20, 30, "due"))
        self.assertFalse(
            self.env["mail.activity"].search_count(
                [
                    ("kam_reason", "=like", "reorder:%"),
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.account.id),
                ]
            )
        )

    def test_irregular_and_minimum_orders(self):
        self._run()
        self.assertFalse(self._rows(product=self.chairs), "two orders are no rhythm")
        self.company.kam_reorder_min_orders = 6
        self._run()
        self.assertFalse(self._rows(), "five orders are fewer than the minimum")
        self.company.kam_reorder_min_orders = 2
        self._run()
        self.assertEqual(self._rows(product=self.chairs).median_interval_days, 80.0)

    def test_other_company(self):
        """Orders of another company (placed before the account was bound
        to its company) make no rhythm: an account counts its company's
        orders only, as its figures do."""
        other = self.env["res.company"].create({"name": "KAM Other Company"})
        self.env.user.company_ids |= other
        self.account.kam_is_key_account = False
        self.account.company_id = False
        for days_ago in (130, 100, 70, 40):
            self._order_product(self.account, self.desks, 2, days_ago, company=other)
        self.account.company_id = self.company
        self.account.kam_is_key_account = True
        self._order_product(self.account, self.desks, 2, 10)
        self._run()
        self.assertFalse(self._rows(product=self.desks))
        self.assertTrue(self._rows(product=self.boxes))

    def test_long_lost_product_warns_nobody(self):
        """A product the account stopped buying long ago shows as late, but
        its first dating raises no activity (only a rhythm that has just
        been missed does)."""
        for days_ago in (400, 370, 340, 310):
            self._order_product(self.account, self.desks, 1, days_ago)
        self._run()
        row = self._rows(product=self.desks)
        self.assertEqual((row.state, row.late_days), ("late", 280))
        self.assertFalse(self.env["mail.activity"].search_count([("kam_reason", "=like", f"reorder:{row.id}:%")]))
        self.assertTrue(
            self.env["mail.activity"].search_count(
                [("kam_reason", "=like", f"reorder:{self._rows(product=self.boxes).id}:%")]
            )
        )

    def test_quantity_in_product_unit(self):
        """The usual quantity is in the product's unit, whatever the unit of
        the order lines (a dozen boxes is 12 boxes)."""
        dozens = self.env.ref("uom.product_uom_dozen")
        for days_ago in (95, 65, 35, 5):
            self._order_product(self.account, self.desks, 1, days_ago, uom=dozens)
        self._run()
        self.assertEqual(self._rows(product=self.desks).usual_qty, 12.0)

    def test_broken_quantities_ignored(self):
        """Quantities of NaN or infinity written around the ORM do not
        count: the rhythm and the usual quantity of the other days stand."""
        self._order_product(self.account, self.boxes, 10, 65)
        self._order_product(self.account, self.boxes, 10, 35)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order_line SET product_uom_qty = 'NaN' WHERE id = %s",
            [self._order_product(self.account, self.boxes, 10, 20).order_line.id],
        )
        self.env.cr.execute(
            "UPDATE sale_order_line SET product_uom_qty = 'Infinity' WHERE id = %s",
            [self._order_product(self.account, self.boxes, 10, 5).order_line.id],
        )
        self.env.invalidate_all()
        self._run()
        row = self._rows(product=self.boxes)
        self.assertEqual(
            (row.order_count, row.usual_qty, row.last_order_date), (7, 10.0, self.today - timedelta(days=35))
        )

    def test_incremental_run(self):
        """After a full run, a daily run learns the accounts whose orders
        changed: a new regular customer gets its rows."""
        self._run()
        for days_ago in (100, 75, 50, 25):
            self._order_product(self.other_account, self.chairs, 4, days_ago)
        self.env["kam.reorder.engine"]._run(today=self.today)
        row = self._rows(account=self.other_account)
        self.assertEqual((row.product_id, row.median_interval_days, row.usual_qty), (self.chairs, 25.0, 4.0))
        self.assertEqual(row.state, "due", "expected today")
        self.assertEqual(row.kam_manager_id, self.kam_user2)

    def test_incremental_learns_the_products_of_the_changed_orders(self):
        """A daily run learns again the products of the orders written since
        the last run, not the account's other products; all of them when the
        account itself was written (its manager, a contact moved...)."""
        for days_ago in (100, 75, 50, 25):
            self._order_product(self.account, self.desks, 4, days_ago)
        self._run()
        self.assertEqual(self._rows(product=self.desks).usual_qty, 4.0)
        # a stored value the data no longer gives, and everything written before the last run
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE kam_reorder SET usual_qty = 999 WHERE product_id = %s AND partner_id = %s",
            [self.desks.id, self.account.id],
        )
        for table in ("sale_order", "res_partner", "res_company"):
            self.env.cr.execute(f"UPDATE {table} SET write_date = write_date - interval '2 days'")  # noqa: S608
        self.env["kam.reorder"].invalidate_model()
        # a new order of boxes: the boxes' rhythm learnt again, not the desks'
        self._order_product(self.account, self.boxes, 12, 20)
        self.env["kam.reorder.engine"]._run(today=self.today)
        self.assertEqual(self._rows(product=self.boxes).last_order_date, self.today - timedelta(days=20))
        self.assertEqual(self._rows(product=self.desks).usual_qty, 999.0)
        # the account written: all its products
        self.account.kam_manager_id = self.kam_user2
        self.env["kam.reorder.engine"]._run(today=self.today)
        self.assertEqual(self._rows(product=self.desks).usual_qty, 4.0)
        self.assertEqual(self._rows(product=self.desks).kam_manager_id, self.kam_user2)

    def test_days_passing_date_the_rows_their_next_change_reaches(self):
        """An incremental dating (``since``) reads only the rows written
        since, and those whose next change by days passing has come: day
        after day, a regular row becomes due, then late after its
        tolerance, as a full dating of every row says, and the other rows
        are not written."""
        Engine = self.env["kam.reorder.engine"]
        # every ~20 days, the last one 5 days ago: expected in 15 days
        for days_ago in (65, 45, 25, 5):
            self._order_product(self.account, self.desks, 2, days_ago)
        self._run()
        desks = self._rows(product=self.desks)
        boxes = self._rows(product=self.boxes)
        self.assertEqual((desks.expected_date, desks.state), (self.today + timedelta(days=15), "regular"))
        self.assertEqual(boxes.state, "late")

        def stored():
            self.env.cr.execute("SELECT id, state, tolerance_days, write_date <> %s FROM kam_reorder", [OLD_WRITE])
            return {row[0]: row[1:] for row in self.env.cr.fetchall()}

        states, warned = [], []
        for day in range(1, 25):
            today = self.today + timedelta(days=day)
            self.env.flush_all()
            self.env.cr.execute("UPDATE kam_reorder SET write_date = %s", [OLD_WRITE])
            before = stored()
            self.env.invalidate_all()
            warned.append([row[0] for row in Engine._date_rows(today, since=OLD_WRITE + timedelta(hours=1))])
            incremental = stored()
            self.assertEqual(
                {rid for rid, (__, __, written) in incremental.items() if written},
                {rid for rid, values in incremental.items() if values[:2] != before[rid][:2]},
                f"day {day}: only the rows whose state changed are written",
            )
            self.assertEqual(Engine._date_rows(today), [], f"day {day}: the full dating warns of nothing more")
            self.assertEqual(
                {rid: values[:2] for rid, values in stored().items()},
                {rid: values[:2] for rid, values in incremental.items()},
                f"day {day}: dating every row changes nothing more",
            )
            self.env.invalidate_all()
            states.append(desks.state)
        self.assertEqual(boxes.state, "late")
        # due 7 days before its expected date (day 8), late after 7 days of tolerance (day 23)
        self.assertEqual(states, ["regular"] * 7 + ["due"] * 15 + ["late"] * 2)
        # the day it became late, and that day only, a row is returned to warn its owner (the rows of
        # the other accounts of the database too)
        self.assertEqual([day for day, ids in enumerate(warned, 1) if desks.id in ids], [23])
        self.assertNotIn(boxes.id, sum(warned, []), "late from the start")
        returned = sum(warned, [])
        self.assertEqual(len(returned), len(set(returned)), "no row returned twice")
        # a late row written again (its tolerance) stays late: nobody warned twice
        self.company.kam_reorder_min_late_days = 1
        warned = [row[0] for row in Engine._date_rows(self.today + timedelta(days=24))]
        self.assertFalse({desks.id, boxes.id} & set(warned))
        self.env.invalidate_all()
        self.assertEqual((desks.state, desks.tolerance_days), ("late", 1))

    def test_quotation_as_key_account_user(self):
        self.account.property_product_pricelist = self.pricelist_other
        self._run()
        row = self._rows(product=self.boxes).with_user(self.kam_user)
        action = row.action_kam_quotation()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.account)
        self.assertEqual(order.pricelist_id, self.pricelist_other)
        self.assertEqual(order.order_line.product_id, self.boxes)
        self.assertEqual(order.order_line.product_uom_qty, 10.0)
        self.assertEqual(order.create_uid, self.kam_user)
        # the usual basket from the account
        action = self.account.with_user(self.kam_user).action_kam_reorder_basket()
        basket = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual((basket.order_line.product_id, basket.order_line.product_uom_qty), (self.boxes, 10.0))
        # nothing due or late: nothing to reorder
        self._rows().unlink()
        with self.assertRaisesMessage(UserError, "No regular order"):
            self.account.with_user(self.kam_user).action_kam_reorder_basket()

    def test_refusals(self):
        self._run()
        row = self._rows(product=self.boxes)
        orders = self.env["sale.order"].search_count([])
        with self.assertRaises(AccessError):
            self.env["kam.reorder"].with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            row.with_user(self.salesman).action_kam_quotation()
        with self.assertRaises(AccessError):
            self.account.with_user(self.salesman).action_kam_reorder_basket()
        # a key account user of another team
        with self.assertRaises(AccessError):
            row.with_user(self.kam_user2).action_kam_quotation()
        with self.assertRaises(AccessError):
            self.account.with_user(self.kam_user2).action_kam_reorder_basket()
        self.assertEqual(self.env["sale.order"].search_count([]), orders, "no quotation created")

    def test_bad_settings(self):
        for vals, message in (
            ({"kam_reorder_min_orders": 1}, "between 2 and 50"),
            ({"kam_reorder_min_orders": 51}, "between 2 and 50"),
            ({"kam_reorder_min_late_days": -1}, "between 0 and 365"),
            ({"kam_reorder_months": 5}, "between 6 and 60"),
            ({"kam_reorder_months": 61}, "between 6 and 60"),
        ):
            with self.subTest(vals=vals), self.assertRaisesMessage(ValidationError, message):
                self.company.write(vals)
        settings = self.env["res.config.settings"].create({"kam_reorder_months": 12, "kam_reorder_min_late_days": 400})
        with self.assertRaisesMessage(ValidationError, "between 0 and 365"):
            settings.execute()
        self.assertEqual((self.company.kam_reorder_months, self.company.kam_reorder_min_late_days), (24, 7))
        settings = self.env["res.config.settings"].create({"kam_reorder_months": 12, "kam_reorder_min_late_days": 3})
        settings.execute()
        self.assertEqual((self.company.kam_reorder_months, self.company.kam_reorder_min_late_days), (12, 3))

    def test_second_run_writes_nothing(self):
        Engine = self.env["kam.reorder.engine"]
        self._run()
        self.env.flush_all()
        self.env.cr.execute("UPDATE kam_reorder SET write_date = %s", [OLD_WRITE])
        self.env.invalidate_all()
        self.assertEqual(Engine._learn(self.account.ids, today=self.today), (0, 0, 0))
        self.assertEqual(Engine._date_rows(self.today), [])
        self._run()
        self.env.cr.execute("SELECT COUNT(*) FROM kam_reorder WHERE write_date <> %s", [OLD_WRITE])
        self.assertEqual(self.env.cr.fetchone()[0], 0, "nothing written twice")
        # a new order of the product: the row is updated, not duplicated
        self._order_product(self.account, self.boxes, 10, 1)
        self.assertEqual(Engine._learn(self.account.ids, today=self.today), (1, 0, 0))
        self.assertEqual(self._rows(product=self.boxes).state, "late", "dated on the next pass")
        Engine._date_rows(self.today)
        self.assertEqual(self._rows(product=self.boxes).state, "regular")

    def test_query_count_does_not_grow_with_accounts(self):
        Engine = self.env["kam.reorder.engine"]
        accounts = self.account
        for n in range(4):
            account = self._make_account(f"Reorder Account {n}", manager=self.kam_user)
            for days_ago in (120, 90, 60, 30, 5):
                self._order_product(account, self.boxes, 5, days_ago)
            accounts |= account
        self.env.flush_all()
        with self.assertQueryCount(2):
            Engine._learn(self.account.ids, today=self.today)
            Engine._date_rows(self.today)
        self.env.flush_all()
        with self.assertQueryCount(2):
            Engine._learn(accounts.ids, today=self.today)
            Engine._date_rows(self.today)
        self.assertEqual(len(self.env["kam.reorder"].search([("partner_id", "in", accounts.ids)])), 5)

    def test_stage_query_count_does_not_grow_with_accounts(self):
        """The whole stage (a full run through the pipeline) reads and writes
        in as many queries for 4 more accounts with regular orders."""
        Pipeline = self.env["kam.pipeline"]
        Pipeline._cron_daily(stages=["reorder_radar"])  # the first run: rows and warnings of the database

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = self.env["kam.reorder.engine"]._run(full=True, today=self.today)
            self.assertFalse(result.skipped)
            return self.env.cr.sql_log_count - before

        baseline = queries()
        accounts = self.env["res.partner"]
        for n in range(4):
            account = self._make_account(f"Reorder Account {n}", manager=self.kam_user)
            for days_ago in (120, 90, 60, 30, 5):
                self._order_product(account, self.boxes, 5, days_ago)
            accounts |= account
        self.assertEqual(queries(), baseline)
        self.assertEqual(self.env["kam.reorder"].search_count([("partner_id", "in", accounts.ids)]), 4)
