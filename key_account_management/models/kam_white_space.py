# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import fields, models

BASES = [("tier", "Same Tier"), ("industry", "Same Industry")]


class KamWhiteSpace(models.Model):
    """White space (空白市场): a product category that comparable key accounts
    buy and this one does not, with the revenue it could bring.

    Comparable accounts (peers) are the key accounts of the same tier or of
    the same industry (the company's ``kam_white_space_basis``) that bought
    from the company over the trailing window (``kam_white_space_months``).
    A category is listed when at least ``kam_white_space_min_peers`` peers
    (and at least ``kam_white_space_min_share`` % of the peers) bought it.

    The estimated gap is the average spend of the buying peers on the
    category, scaled to the account's size: ``peer_revenue`` x
    ``account_revenue`` / ``peer_account_revenue`` (the buying peers'
    average trailing revenue). Rows are written by the ``white_space`` stage
    of the daily pipeline (kam.white.space.engine), never by hand.
    """

    _name = "kam.white.space"
    _inherit = ["kam.account.mixin"]
    #: rows the daily stages compute: an account moved to another company drops them (computed again)
    _kam_computed_rows = True
    _description = "Key Account White Space"
    _order = "estimated_gap desc, id"
    _rec_name = "categ_id"
    # Rows only the stage writes, all of them again each week: no create/write
    # user and date, whose foreign keys PostgreSQL checks on every row inserted
    # (a third of the insert at 10,000 accounts).
    _log_access = False

    company_id = fields.Many2one(required=True, readonly=True)
    partner_id = fields.Many2one(readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    peer_count = fields.Integer(
        "Buying Peers",
        readonly=True,
        aggregator="max",
        help="Comparable accounts that bought this category over the trailing window.",
    )
    peer_share = fields.Float(
        "Share of Peers (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Buying peers out of all comparable accounts.",
    )
    peer_revenue = fields.Monetary(
        "Average Peer Spend",
        readonly=True,
        aggregator="avg",
        help="Average spend of a buying peer on this category over the trailing window (untaxed, company currency).",
    )
    account_revenue = fields.Monetary(
        "Trailing Revenue", readonly=True, aggregator="max", help="This account's revenue over the trailing window."
    )
    peer_account_revenue = fields.Monetary(
        "Average Peer Revenue",
        readonly=True,
        aggregator="avg",
        help="Average revenue of the buying peers over the trailing window (all categories).",
    )
    estimated_gap = fields.Monetary(
        readonly=True,
        help="Average peer spend on the category x account revenue / average peer revenue.",
    )

    _sql_constraints = [
        (
            "partner_company_categ_uniq",
            "unique(partner_id, company_id, categ_id)",
            "One white-space row per account and category.",
        ),
    ]

    def action_create_objective(self):
        """Add the objective "Sell <category>" (revenue, the estimated gap as
        target) to the account's active plan, or to a draft plan of the
        current year (created when there is none), and open the plan. A plan
        that already has the objective is only opened."""
        self.ensure_one()
        Plan = self.env["kam.plan"]
        today = fields.Date.context_today(self)
        base = [("partner_id", "=", self.partner_id.id), ("company_id", "in", [self.company_id.id, False])]
        plan = Plan.search(base + [("state", "=", "active")], order="date_start desc, id desc", limit=1)
        if not plan:
            plan = Plan.search(
                base + [("state", "=", "draft"), ("date_start", "<=", today), ("date_end", ">=", today)],
                order="date_start desc, id desc",
                limit=1,
            )
        if not plan:
            plan = Plan.create(
                {
                    "name": self.env._("%(account)s %(year)s", account=self.partner_id.name, year=today.year),
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "date_start": date(today.year, 1, 1),
                    "date_end": date(today.year, 12, 31),
                }
            )
        name = self.env._("Sell %s", self.categ_id.name)
        if any(o.categ_id == self.categ_id or o.name == name for o in plan.objective_ids):
            # clicked twice: the plan already has it
            return self._plan_action(plan)
        self.env["kam.plan.objective"].create(
            {
                "plan_id": plan.id,
                "name": name,
                "metric": "revenue",
                "categ_id": self.categ_id.id,
                "target": self.currency_id.round(self.estimated_gap) if self.currency_id else self.estimated_gap,
                "due_date": plan.date_end,
            }
        )
        return self._plan_action(plan)

    def _plan_action(self, plan):
        return {
            "type": "ir.actions.act_window",
            "res_model": "kam.plan",
            "res_id": plan.id,
            "views": [(False, "form")],
            "target": "current",
        }
