# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.kam_sale_trend import TREND_COLUMNS, TREND_FILLFACTOR
from .test_analysis import SaleAnalysisCommon

OLD_WRITE = datetime(2000, 1, 1)


@tagged("post_install", "-at_install")
class TestTrendWritesChangedRowsOnly(SaleAnalysisCommon):
    """A refresh writes only the trend rows whose values changed (inserts
    the new months, deletes the months that are no longer shown), and what
    it leaves stored is what a refresh from nothing computes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a longer history: a year before month B and months in between
        cls.year_ago = cls.month_b - relativedelta(months=12)
        cls.old_order = cls._order(cls.account, 800, when=cls._at(cls.year_ago, 15))
        cls._order(cls.account, 250, when=cls._at(cls.month_b - relativedelta(months=6), 9))
        cls.env["kam.sale.trend"]._kam_refresh(cls.account.ids)

    def _stored(self, account):
        """{(company_id, date): (id, write_date, {column: value})} of the
        account's rows, read in SQL."""
        columns = SQL(", ").join(SQL.identifier(name) for name in TREND_COLUMNS)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, company_id, date, write_date, %s FROM kam_sale_trend WHERE partner_id = %s",
                columns,
                account.id,
            )
        )
        return {
            (row[1], row[2]): (row[0], row[3], dict(zip(TREND_COLUMNS, row[4:], strict=True)))
            for row in self.env.cr.fetchall()
        }

    def _age_rows(self, account):
        self.env.cr.execute("UPDATE kam_sale_trend SET write_date = %s WHERE partner_id = %s", [OLD_WRITE, account.id])
        self.env.invalidate_all()

    def _recomputed(self, account):
        """The account's rows as a refresh from nothing computes them (in a
        savepoint, rolled back)."""
        Trend = self.env["kam.sale.trend"]
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("DELETE FROM kam_sale_trend WHERE partner_id = %s", [account.id])
            updated, inserted, deleted = Trend._kam_refresh(account.ids)
            self.assertEqual((updated, deleted), (0, 0))
            rows = {key: values for key, (__, __, values) in self._stored(account).items()}
            self.assertEqual(inserted, len(rows))
            savepoint.rollback()
        self.env.invalidate_all()
        return rows

    def _check_refresh(self, account, expected_counts):
        """Refresh the account: the rows written are exactly the rows whose
        values changed, the others keep their id and write date, and the
        stored rows are those of a refresh from nothing."""
        before = self._stored(account)
        expected = self._recomputed(account)
        counts = self.env["kam.sale.trend"]._kam_refresh(account.ids)
        after = self._stored(account)
        self.assertEqual({key: values for key, (__, __, values) in after.items()}, expected)
        changed = {key for key in expected if key in before and before[key][2] != expected[key]}
        written = {key for key, (__, write_date, __) in after.items() if write_date != OLD_WRITE}
        self.assertEqual(written, changed | (set(expected) - set(before)), "only the rows that changed are written")
        for key in set(before) & set(after):
            self.assertEqual(after[key][0], before[key][0], "a row keeps its id")
        self.assertEqual(counts, (len(changed), len(set(expected) - set(before)), len(set(before) - set(expected))))
        self.assertEqual(counts, expected_counts)
        return before, after

    def test_rerun_without_change_writes_nothing(self):
        self._age_rows(self.account)
        before, after = self._check_refresh(self.account, (0, 0, 0))
        self.assertEqual(after, before)

    def test_new_order_writes_only_the_changed_months(self):
        Trend = self.env["kam.sale.trend"]
        rows = len(self._stored(self.account))
        self.assertEqual(rows, 14, "every month from the first order to the running one")
        self._age_rows(self.account)
        self._order(self.account, 100, when=self._at(self.month_b, 20))
        # month B (revenue, orders, frequency), the running month (its
        # previous month) and nothing else
        before, after = self._check_refresh(self.account, (2, 0, 0))
        row_b = after[(self.company.id, self.month_b)][2]
        self.assertAlmostEqual(row_b["revenue"], 500.0)
        self.assertEqual(row_b["order_count"], 2)
        # another account in the same batch, unchanged: not written
        other = self._stored(self.other_account)
        self._age_rows(self.other_account)
        self._order(self.account, 30, when=self._at(self.month_a, 3))
        updated, inserted, deleted = Trend._kam_refresh((self.account | self.other_account).ids)
        self.assertEqual((inserted, deleted), (0, 0))
        self.assertEqual(updated, 3, "month A, month B (its previous month) and the running month (12 months)")
        self.assertEqual(
            {key: values for key, (__, write_date, values) in self._stored(self.other_account).items()},
            {key: values for key, (__, __, values) in other.items()},
        )
        self.assertEqual({write_date for __, write_date, __ in self._stored(self.other_account).values()}, {OLD_WRITE})

    def test_order_moved_to_today(self):
        """The first order moved to today (as the bench's new orders): its
        months before the next order leave, the months after it change
        (previous month, last year, 12-month frequency), the others stay."""
        self._age_rows(self.account)
        self.old_order.date_order = self._at(self.today.replace(day=1), 1)
        before, after = self._check_refresh(self.account, (8, 0, 6))
        first_shown = min(date for __, date in after)
        self.assertEqual(first_shown, self.month_b - relativedelta(months=6))

    def test_older_order_adds_months(self):
        self._age_rows(self.account)
        self._order(self.account, 70, when=self._at(self.year_ago - relativedelta(months=2), 4))
        self._check_refresh(self.account, (11, 2, 0))

    def test_batch_with_an_account_without_orders(self):
        """A batch of accounts without rows (no orders) and with rows: the
        first get none, the second theirs."""
        Trend = self.env["kam.sale.trend"]
        nobody = self.env["res.partner"].create({"name": "No orders", "is_company": True, "kam_is_key_account": True})
        self.assertEqual(Trend._kam_refresh((nobody | self.account).ids), (0, 0, 0))
        self.assertFalse(Trend.search([("partner_id", "=", nobody.id)]))

    def test_pages_keep_room_for_updates(self):
        """The table's pages keep room for the next version of their rows
        (updates in place, see KamSaleTrend.init)."""
        self.env.cr.execute("SELECT reloptions FROM pg_class WHERE oid = 'kam_sale_trend'::regclass")
        self.assertIn(f"fillfactor={TREND_FILLFACTOR}", self.env.cr.fetchone()[0])
        self.assertLess(TREND_FILLFACTOR, 100)
