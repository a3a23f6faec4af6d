# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS, KamJobResult, key_account_sql

# Accounts whose rows are replaced per statement (kam.job batches).
WHITE_SPACE_BATCH_SIZE = 10000

# Working tables of a run (temporary: this connection only, dropped at the end).
SPEND_TABLE = "kam_ws_spend"
ACCOUNT_TABLE = "kam_ws_account"
PEER_TABLE = "kam_ws_peer"


class KamWhiteSpaceEngine(models.AbstractModel):
    """Stage ``white_space`` of the daily pipeline: the product categories
    that comparable key accounts buy and an account does not
    (``kam.white.space``).

    Grouped SQL, one pass over the order lines:

    1. spend: confirmed order lines of the trailing window of each company
       (``kam_white_space_months``), per (key account, company, product
       category), in company currency at the order's rate
       (``kam.account.figures._order_amount_sql``); an account that belongs
       to a company only counts that company's orders;
    2. accounts: each buying account's revenue (the sum of its categories)
       and its peer group: its tier or its industry (the company's
       ``kam_white_space_basis``);
    3. peers: per (company, group, category), the buying accounts, their
       spend on the category and their revenue;
    4. rows: for each account, the categories of its group it did not buy,
       bought by enough peers, replaced account batch by account batch.

    A full refresh: peers change the rows of every account of their group.
    It runs when a week passed since the last one (``FULL_RUN_DAYS``) or
    when a company's settings changed since the last run; the other days the
    stage does nothing (``full=True`` forces it).
    """

    _name = "kam.white.space.engine"
    _description = "Key account white space engine"

    @api.model
    def _cron_kam_white_space(self, full=False, today=None, batch_size=None):
        Job = self.env["kam.job"]
        cr = self.env.cr
        started = cr.now()
        last_run = None if full else Job._last_run("white_space", full_every_days=FULL_RUN_DAYS)
        if last_run and not Job._written_since(["res_company"], last_run - CHANGE_MARGIN):
            return KamJobResult(0)
        today = today or fields.Date.context_today(self)
        self._prepare(today)
        WhiteSpace = self.env["kam.white.space"]
        # rows of accounts without a white space any more (no longer key accounts, no peer group,
        # no orders in the window)
        cr.execute(
            SQL(
                "DELETE FROM kam_white_space w WHERE NOT EXISTS "
                "(SELECT 1 FROM %s a WHERE a.partner_id = w.partner_id AND a.group_id IS NOT NULL)",
                SQL.identifier(ACCOUNT_TABLE),
            )
        )
        cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM %s WHERE group_id IS NOT NULL ORDER BY partner_id",
                SQL.identifier(ACCOUNT_TABLE),
            )
        )
        ids = [row[0] for row in cr.fetchall()]
        WhiteSpace.invalidate_model()

        def refresh_white_space(batch):
            self._replace_rows(batch.ids)

        result = Job._run_in_batches(ids, refresh_white_space, batch_size=batch_size or WHITE_SPACE_BATCH_SIZE)
        # (after a failure, the transaction is rolled back, or the tables stay on this connection
        # until the next run drops them)
        self._drop_working_tables()
        if not result.running_elsewhere:
            Job._set_last_run("white_space", started, full=True)
        return result

    @api.model
    def _drop_working_tables(self):
        self.env.cr.execute(
            SQL(
                "DROP TABLE IF EXISTS %s, %s, %s",
                SQL.identifier(PEER_TABLE),
                SQL.identifier(ACCOUNT_TABLE),
                SQL.identifier(SPEND_TABLE),
            )
        )

    @api.model
    def _prepare(self, today):
        """Fill the working tables: the spend of the accounts by category,
        the accounts with their revenue and group, the peers by category."""
        Figures = self.env["kam.account.figures"]
        Figures._flush_orders()
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "price_subtotal", "display_type", "is_downpayment"]
        )
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        self.env["res.partner"].flush_model(
            ["kam_is_key_account", "active", "kam_tier_id", "industry_id", "kam_manager_id"]
        )
        self.env["res.company"].flush_model(
            [
                "kam_white_space_basis",
                "kam_white_space_months",
                "kam_white_space_min_peers",
                "kam_white_space_min_share",
            ]
        )
        self.env["kam.white.space"].flush_model()
        cr = self.env.cr
        end = Figures._day_end(today)
        self._drop_working_tables()
        # 1. one pass over the confirmed lines of the window
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(spend)s AS
                SELECT p.commercial_partner_id AS partner_id, so.company_id, pt.categ_id,
                       SUM(%(amount)s) AS amount
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN res_company c ON c.id = so.company_id
                  JOIN res_partner p ON p.id = so.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE so.state = 'sale'
                   AND so.date_order >= %(end)s::timestamp - make_interval(months => c.kam_white_space_months)
                   AND so.date_order < %(end)s
                   AND sol.display_type IS NULL
                   AND NOT COALESCE(sol.is_downpayment, FALSE)
                   AND %(key_account)s
                   %(company_filter)s
              GROUP BY p.commercial_partner_id, so.company_id, pt.categ_id
                """,
                spend=SQL.identifier(SPEND_TABLE),
                amount=Figures._order_amount_sql("so", "price_subtotal", amount_alias="sol"),
                end=end,
                key_account=key_account_sql("cp"),
                company_filter=Figures._company_filter(),
            )
        )
        # 2. the buying accounts: revenue of the window and peer group (by the company's basis)
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(accounts)s AS
                SELECT s.partner_id, s.company_id,
                       CASE WHEN c.kam_white_space_basis = 'industry' THEN p.industry_id ELSE p.kam_tier_id END
                           AS group_id,
                       GREATEST(SUM(s.amount), 0.0) AS revenue
                  FROM %(spend)s s
                  JOIN res_partner p ON p.id = s.partner_id
                  JOIN res_company c ON c.id = s.company_id
              GROUP BY s.partner_id, s.company_id, c.kam_white_space_basis, p.industry_id, p.kam_tier_id
                """,
                accounts=SQL.identifier(ACCOUNT_TABLE),
                spend=SQL.identifier(SPEND_TABLE),
            )
        )
        # 3. per group and category: the buying peers, their spend on it and their revenue
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(peers)s AS
                SELECT a.company_id, a.group_id, s.categ_id,
                       COUNT(*) AS buyers, SUM(s.amount) AS spend, SUM(a.revenue) AS revenue,
                       g.accounts
                  FROM %(spend)s s
                  JOIN %(accounts)s a ON a.partner_id = s.partner_id AND a.company_id = s.company_id
                  JOIN (SELECT company_id, group_id, COUNT(*) AS accounts
                          FROM %(accounts)s WHERE group_id IS NOT NULL GROUP BY company_id, group_id) AS g
                    ON g.company_id = a.company_id AND g.group_id = a.group_id
                 WHERE s.amount > 0
              GROUP BY a.company_id, a.group_id, s.categ_id, g.accounts
                """,
                peers=SQL.identifier(PEER_TABLE),
                accounts=SQL.identifier(ACCOUNT_TABLE),
                spend=SQL.identifier(SPEND_TABLE),
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX ON %s (partner_id, company_id, categ_id); ANALYZE %s, %s, %s",
                SQL.identifier(SPEND_TABLE),
                SQL.identifier(SPEND_TABLE),
                SQL.identifier(ACCOUNT_TABLE),
                SQL.identifier(PEER_TABLE),
            )
        )

    @api.model
    def _replace_rows(self, partner_ids):
        """Replace the white-space rows of these accounts (one DELETE, one
        INSERT ... SELECT from the working tables)."""
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM kam_white_space WHERE partner_id = ANY(%s)", list(partner_ids)))
        cr.execute(
            SQL(
                """
                INSERT INTO kam_white_space (partner_id, company_id, categ_id, kam_manager_id,
                                             peer_count, peer_share, peer_revenue, account_revenue,
                                             peer_account_revenue, estimated_gap)
                SELECT a.partner_id, a.company_id, g.categ_id, p.kam_manager_id,
                       g.buyers,
                       ROUND(g.buyers * 100.0 / (g.accounts - 1), 1),
                       ROUND(g.spend / g.buyers, 2),
                       ROUND(a.revenue, 2),
                       ROUND(g.revenue / g.buyers, 2),
                       ROUND(CASE WHEN g.revenue > 0 THEN g.spend / g.revenue * a.revenue ELSE 0.0 END, 2)
                  FROM %(accounts)s a
                  JOIN %(peers)s g ON g.company_id = a.company_id AND g.group_id = a.group_id
                  JOIN res_company c ON c.id = a.company_id
                  JOIN res_partner p ON p.id = a.partner_id
                 WHERE a.partner_id = ANY(%(ids)s)
                   AND g.accounts > 1
                   AND g.buyers >= c.kam_white_space_min_peers
                   AND g.buyers * 100.0 / (g.accounts - 1) >= COALESCE(c.kam_white_space_min_share, 0.0)
                   AND NOT EXISTS (
                           SELECT 1 FROM %(spend)s s
                            WHERE s.partner_id = a.partner_id AND s.company_id = a.company_id
                              AND s.categ_id = g.categ_id AND s.amount > 0
                       )
              ORDER BY a.partner_id, g.categ_id
                """,
                accounts=SQL.identifier(ACCOUNT_TABLE),
                peers=SQL.identifier(PEER_TABLE),
                spend=SQL.identifier(SPEND_TABLE),
                ids=list(partner_ids),
            )
        )
        self.env["kam.white.space"].invalidate_model()
