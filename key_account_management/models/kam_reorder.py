# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models

REORDER_STATES = [("regular", "On Rhythm"), ("due", "Due"), ("late", "Late")]


class KamReorder(models.Model):
    """Reorder radar: the rhythm of each product a key account buys
    regularly, learnt from its confirmed order lines (the account's and its
    contacts'), and the date its next order is expected.

    One row per account, company and product, written by the pipeline stage
    ``reorder_radar`` (kam.reorder.engine): the order days of the product
    over the company's trailing window (``kam_reorder_months``), at least
    ``kam_reorder_min_orders`` of them; the median of the days between two
    order days, their median absolute deviation (the spread), the median
    quantity of an order day. Expected = last order day + median interval;
    late when today is past the expected date by more than the tolerance
    (the spread, at least ``kam_reorder_min_late_days``).
    """

    _name = "kam.reorder"
    _inherit = ["kam.account.mixin"]
    #: rows the daily stages compute: an account moved to another company drops them (computed again)
    _kam_computed_rows = True
    _description = "Key Account Reorder Radar"
    _rec_name = "product_id"
    _order = "expected_date, partner_id, product_id"

    company_id = fields.Many2one(required=True, readonly=True)
    partner_id = fields.Many2one(readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, ondelete="cascade")
    order_count = fields.Integer("Orders", readonly=True, help="Days the product was ordered in the trailing window.")
    median_interval_days = fields.Float(
        "Usual Interval (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Median of the days between two orders.",
    )
    spread_days = fields.Float(
        "Spread (days)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Median absolute deviation of the intervals from the usual interval.",
    )
    usual_qty = fields.Float(
        "Usual Quantity", readonly=True, digits="Product Unit of Measure", help="Median quantity of an order."
    )
    last_order_date = fields.Date("Last Order", readonly=True)
    expected_date = fields.Date("Expected Order", readonly=True, index=True)
    tolerance_days = fields.Integer(
        "Tolerance (days)", readonly=True, help="The spread, at least the minimum lateness of the company's settings."
    )
    # moves with today: computed when read (the daily pass stores only the state, which changes
    # far less often, so that a late row is not rewritten every day)
    late_days = fields.Integer("Days Late", compute="_compute_late_days", help="Days past the expected order date.")
    state = fields.Selection(
        REORDER_STATES,
        "Status",
        readonly=True,
        index=True,
        help="Due: expected within a week or past the expected date within the tolerance. "
        "Late: past the expected date by more than the tolerance.",
    )

    _sql_constraints = [
        (
            "partner_company_product_uniq",
            "unique(partner_id, company_id, product_id)",
            "One reorder row per account, company and product.",
        ),
    ]

    @api.depends("expected_date")
    @api.depends_context("tz")
    def _compute_late_days(self):
        today = fields.Date.context_today(self)
        for row in self:
            row.late_days = max((today - row.expected_date).days, 0) if row.expected_date else 0

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_kam_quotation(self):
        """A draft quotation for this row's account with the usual
        quantities of this row and of the account's other due and late rows."""
        self.ensure_one()
        self.check_access("read")
        rows = self | self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("due", "late")),
            ]
        )
        return rows._kam_open_quotation()

    def _kam_open_quotation(self):
        """Create, as the user (their rights on quotations apply), one draft
        quotation for the account of these rows in the account's pricelist,
        one line per row with its usual quantity, and open it."""
        partner = self.partner_id
        partner.ensure_one()
        company = self.company_id[:1]
        order = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "pricelist_id": partner.with_company(company).property_product_pricelist.id,
                    "order_line": [
                        Command.create({"product_id": row.product_id.id, "product_uom_qty": row.usual_qty})
                        for row in self.sorted(lambda r: (r.expected_date or fields.Date.today(), r.id))
                    ],
                }
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
