# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import KamCommon


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
