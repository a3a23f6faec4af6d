# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .kam_input import FLOAT_MAX, MAX_INTERVAL_DAYS, MAX_INTERVAL_MONTHS, check_range

THRESHOLDS = ("min_revenue", "min_order_count", "min_potential")


class KamTier(models.Model):
    """A key account tier (客户分级) with its criteria and service level.

    Tiers rank by sequence: the first one is the highest. An account gets the
    highest tier whose thresholds it meets, or the lowest tier.
    """

    _name = "kam.tier"
    _description = "Key Account Tier"
    _inherit = ["kam.input.mixin", "mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10, help="Lower numbers rank higher: the first tier is the highest.")
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to use this tier in every company.")
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", help="Currency of the revenue threshold."
    )
    min_revenue = fields.Monetary(
        "Minimum Trailing Revenue",
        currency_field="currency_id",
        tracking=True,
        help="Untaxed revenue of confirmed orders over the trailing window, in company currency.",
    )
    min_order_count = fields.Integer(
        "Minimum Orders", tracking=True, help="Confirmed orders over the trailing window (purchase frequency)."
    )
    min_potential = fields.Integer("Minimum Potential", tracking=True, help="Manual potential score, 0 to 100.")
    # profitability (kam_profit.py): a criterion only when ticked (a profit can be negative)
    profit_criterion = fields.Boolean(
        tracking=True,
        help="Also ask a minimum profit after cost to serve (the account's profitability in the company, "
        "as of the last run of the pipeline).",
    )
    min_profit = fields.Monetary(
        "Minimum Profit after Cost to Serve",
        currency_field="currency_id",
        tracking=True,
        help="Profit after cost to serve over the trailing window, in company currency (may be negative).",
    )
    contact_interval_days = fields.Integer(
        "Contact Every (days)",
        default=30,
        tracking=True,
        help="Service level: the account is contacted at least this often.",
    )
    review_interval_months = fields.Integer(
        "Review Every (months)", default=6, tracking=True, help="Service level: periodic review (定期审查) frequency."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        "Default Pricelist",
        tracking=True,
        help="When the company setting is on, accounts entering this tier get this pricelist.",
    )
    partner_ids = fields.One2many(
        "res.partner", "kam_tier_id", "Tier Accounts", domain=[("kam_is_key_account", "=", True)]
    )
    account_count = fields.Integer("Accounts", compute="_compute_account_count")
    # responsibility matrix (kam_responsibility.py)
    duty_ids = fields.Many2many(
        "kam.duty",
        "kam_tier_duty_rel",
        "tier_id",
        "duty_id",
        "Required Duties",
        help="Template of the tier: duties every account of this tier needs someone responsible for "
        "(in addition to the duties required for all key accounts).",
    )
    workload_weight = fields.Float(
        default=1.0, help="Weight of a responsibility on an account of this tier, to balance work."
    )

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A tier with this name already exists in this company."),
    ]

    @api.depends("company_id")
    def _compute_currency_id(self):
        for tier in self:
            tier.currency_id = (tier.company_id or self.env.company).currency_id

    def _compute_account_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("kam_tier_id", "in", self.ids)] + self.env["kam.job"]._key_account_domain(),
                ["kam_tier_id"],
                ["__count"],
            )
        )
        for tier in self:
            tier.account_count = counts.get(tier, 0)

    @api.constrains(
        "min_revenue",
        "min_order_count",
        "min_potential",
        "contact_interval_days",
        "review_interval_months",
        "workload_weight",
        "min_profit",
    )
    def _check_values(self):
        self._check_values_sign()
        for tier in self:
            check_range(tier, "workload_weight", 0, 100)
            check_range(tier, "min_profit", -FLOAT_MAX, FLOAT_MAX)

    def _check_values_sign(self):
        for tier in self:
            if tier.min_revenue < 0 or tier.min_order_count < 0 or tier.min_potential < 0:
                raise ValidationError(
                    self.env._(
                        "Tier “%s”: thresholds cannot be negative. Enter 0 or more for revenue, orders and potential.",
                        tier.name,
                    )
                )
            check_range(tier, "min_revenue", 0, FLOAT_MAX)
            check_range(tier, "min_order_count", 0, 1000000)
            if tier.min_potential > 100:
                raise ValidationError(
                    self.env._("Tier “%s”: the minimum potential is a score from 0 to 100.", tier.name)
                )
            if tier.contact_interval_days < 0 or tier.review_interval_months < 0:
                raise ValidationError(
                    self.env._("Tier “%s”: contact and review intervals cannot be negative (0 means none).", tier.name)
                )
            if tier.contact_interval_days > MAX_INTERVAL_DAYS or tier.review_interval_months > MAX_INTERVAL_MONTHS:
                raise ValidationError(
                    self.env._(
                        "Tier “%(tier)s”: contact every 0 (none) to %(days)s days, review every 0 (none) to "
                        "%(months)s months.",
                        tier=tier.name,
                        days=MAX_INTERVAL_DAYS,
                        months=MAX_INTERVAL_MONTHS,
                    )
                )

    @api.constrains(
        "sequence",
        "min_revenue",
        "min_order_count",
        "min_potential",
        "company_id",
        "active",
        "profit_criterion",
        "min_profit",
    )
    def _check_ranking(self):
        """A higher tier must not ask less than a lower one, for any threshold."""
        self._check_values_sign()
        labels = {
            "min_revenue": self.env._("minimum trailing revenue"),
            "min_order_count": self.env._("minimum orders"),
            "min_potential": self.env._("minimum potential"),
            "min_profit": self.env._("minimum profit after cost to serve"),
        }
        Tier = self.sudo()
        scopes = set()
        for tier in self:
            if tier.company_id:
                scopes.add(tier.company_id.id)
            else:
                scopes.add(False)
                scopes.update(Tier.search([("company_id", "!=", False)]).company_id.ids)
        for company_id in scopes:
            tiers = Tier.search([("company_id", "in", [company_id, False])], order="sequence, id")
            for higher, lower in zip(tiers, tiers[1:], strict=False):
                for fname in (*THRESHOLDS, "min_profit"):
                    if not higher._asks_less(lower, fname):
                        continue
                    raise ValidationError(
                        self.env._(
                            "Tier “%(higher)s” ranks above “%(lower)s” but asks a lower %(what)s "
                            "(%(hval)s < %(lval)s). Raise the threshold of “%(higher)s”, lower the "
                            "one of “%(lower)s”, or change their sequence.",
                            higher=higher.name,
                            lower=lower.name,
                            what=labels[fname],
                            hval=higher[fname] if fname != "min_profit" or higher.profit_criterion else "-",
                            lval=lower[fname],
                        )
                    )

    def _asks_less(self, lower, fname):
        """Whether this tier asks less than ``lower`` for the threshold
        ``fname``; a tier without the profit criterion asks no minimum profit."""
        if fname == "min_profit":
            return lower.profit_criterion and (not self.profit_criterion or self.min_profit < lower.min_profit)
        return self[fname] < lower[fname]

    @api.model
    def _tiers_for_company(self, company):
        """Active tiers usable in ``company``, highest first."""
        return self.search([("company_id", "in", [company.id, False])], order="sequence, id")

    def _selector(self):
        """The tier rule as a plain function ``(figures, potential) -> tier
        id``: the highest tier of ``self`` (ordered highest first) whose
        thresholds are all met, else the lowest (False when ``self`` is
        empty). Thresholds are read once: the daily job applies it to every
        account without touching records."""
        thresholds = [
            (
                tier.id,
                tier.min_revenue,
                tier.min_order_count,
                tier.min_potential,
                tier.min_profit if tier.profit_criterion else None,
            )
            for tier in self
        ]
        lowest = thresholds[-1][0] if thresholds else False

        def select(figures, potential):
            revenue, orders, potential = figures["revenue_current"], figures["order_count"], potential or 0
            profit = figures.get("profit") or 0.0
            for tier_id, min_revenue, min_orders, min_potential, min_profit in thresholds:
                if (
                    revenue >= min_revenue
                    and orders >= min_orders
                    and potential >= min_potential
                    and (min_profit is None or profit >= min_profit)
                ):
                    return tier_id
            return lowest

        return select

    def action_view_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_account_action")
        action["domain"] = [("kam_tier_id", "=", self.id)] + self.env["kam.job"]._key_account_domain()
        action["context"] = {"default_kam_tier_id": self.id}
        return action
