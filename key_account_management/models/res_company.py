# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .kam_input import FLOAT_MAX, MAX_INTERVAL_DAYS, check_input
from .kam_white_space import BASES as WHITE_SPACE_BASES

#: Health score components and their weight field on the company.
HEALTH_WEIGHT_FIELDS = [
    "kam_health_weight_spend",
    "kam_health_weight_recency",
    "kam_health_weight_payment",
    "kam_health_weight_engagement",
    "kam_health_weight_satisfaction",
]


class ResCompany(models.Model):
    """The key-account settings of a company (shown in the settings through
    ``res.config.settings``): trailing window, tier pricelist, purchase trend,
    preference review, customer care, risk signals and health score."""

    _inherit = "res.company"

    kam_trailing_months = fields.Integer(
        "Key Account Trailing Window (months)",
        default=12,
        help="Length of the trailing window of key-account figures and tiers.",
    )

    kam_apply_tier_pricelist = fields.Boolean(
        "Apply Tier Pricelist", help="When a key account changes tier, set its pricelist to the tier's pricelist."
    )

    @api.constrains("kam_trailing_months")
    def _check_kam_trailing_months(self):
        for company in self:
            if not 1 <= company.kam_trailing_months <= 60:
                raise ValidationError(self.env._("The key account trailing window is between 1 and 60 months."))

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, self._kam_input_fields())
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], self._kam_input_fields())
        return super().write(vals)

    @api.model
    def _kam_input_fields(self):
        """The addon's settings on the company, whose input is checked."""
        cls = type(self)
        if "_kam_input_fnames" not in cls.__dict__:
            cls._kam_input_fnames = frozenset(
                fname for fname, field in self._fields.items() if field._module == "key_account_management"
            )
        return cls._kam_input_fnames

    # ------------------------------------------------------------------
    # Purchase trend
    # ------------------------------------------------------------------
    kam_trend_drop_pct = fields.Integer(
        "Purchase Drop Threshold (%)",
        default=20,
        help="The purchase trend highlights a month whose revenue fell by more than this percentage "
        "on the month before or on the same month last year.",
    )

    @api.constrains("kam_trend_drop_pct")
    def _check_kam_trend_drop_pct(self):
        for company in self:
            if not 1 <= company.kam_trend_drop_pct <= 100:
                raise ValidationError(self.env._("The purchase drop threshold is a percentage between 1 and 100."))

    # ------------------------------------------------------------------
    # Reorder radar
    # ------------------------------------------------------------------
    kam_reorder_min_orders = fields.Integer(
        "Reorder Radar: Minimum Orders",
        default=4,
        help="A product is bought regularly when the account ordered it on at least this many days "
        "in the trailing window.",
    )
    kam_reorder_min_late_days = fields.Integer(
        "Reorder Radar: Minimum Lateness (days)",
        default=7,
        help="A regular order is late when past its expected date by more than its spread, "
        "and at least by this many days.",
    )
    kam_reorder_months = fields.Integer(
        "Reorder Radar: Trailing Window (months)",
        default=24,
        help="Months of confirmed orders the rhythm of each product is learnt from.",
    )

    @api.constrains("kam_reorder_min_orders", "kam_reorder_min_late_days", "kam_reorder_months")
    def _check_kam_reorder_settings(self):
        for company in self:
            if not 2 <= company.kam_reorder_min_orders <= 50:
                raise ValidationError(self.env._("The reorder radar's minimum orders is between 2 and 50."))
            if not 0 <= company.kam_reorder_min_late_days <= 365:
                raise ValidationError(self.env._("The reorder radar's minimum lateness is between 0 and 365 days."))
            if not 6 <= company.kam_reorder_months <= 60:
                raise ValidationError(self.env._("The reorder radar's trailing window is between 6 and 60 months."))

    # ------------------------------------------------------------------
    # Relationship coverage (kam.coverage.engine)
    # ------------------------------------------------------------------
    kam_coverage_window_days = fields.Integer(
        "Relationship Coverage: Window (days)",
        default=180,
        help="The touches of each contact are counted over this many days (done interactions naming them).",
    )
    kam_coverage_single_share = fields.Integer(
        "Single-Threaded From (%)",
        default=80,
        help="An account is single-threaded when one contact is named on at least this share of its contact "
        "touches in the window.",
    )
    kam_coverage_min_touches = fields.Integer(
        "Single-Threaded: Minimum Touches",
        default=5,
        help="An account with fewer contact touches in the window is not judged single-threaded (a new account).",
    )
    kam_coverage_reach_days = fields.Integer(
        "Key People Reached Within (days)",
        default=60,
        help="A decision maker or champion not named on a done interaction for more than this many days is "
        "flagged as not reached.",
    )
    kam_coverage_silent_days = fields.Integer(
        "Contact Silent After (days)",
        default=90,
        help="A contact touched at least twice in the window and not at all for more than this many days went "
        "silent. Shorter than the window.",
    )

    @api.constrains(
        "kam_coverage_window_days",
        "kam_coverage_single_share",
        "kam_coverage_min_touches",
        "kam_coverage_reach_days",
        "kam_coverage_silent_days",
    )
    def _check_kam_coverage_settings(self):
        for company in self:
            if not 1 <= company.kam_coverage_window_days <= 730:
                raise ValidationError(self.env._("The relationship coverage window is between 1 and 730 days."))
            if not 1 <= company.kam_coverage_single_share <= 100:
                raise ValidationError(self.env._("The single-threaded share is a percentage between 1 and 100."))
            if not 1 <= company.kam_coverage_min_touches <= 1000:
                raise ValidationError(
                    self.env._("The minimum touches before judging an account single-threaded is between 1 and 1000.")
                )
            if not 1 <= company.kam_coverage_reach_days <= 730:
                raise ValidationError(
                    self.env._("Decision makers and champions are to be reached within 1 to 730 days.")
                )
            if not 1 <= company.kam_coverage_silent_days < company.kam_coverage_window_days:
                raise ValidationError(
                    self.env._(
                        "A contact goes silent after 1 day or more, and fewer days than the coverage window "
                        "(%(window)s days): else no touch in the window could be followed by silence.",
                        window=company.kam_coverage_window_days,
                    )
                )

    # ------------------------------------------------------------------
    # Preferences
    # ------------------------------------------------------------------
    kam_preference_stale_months = fields.Integer(
        "Preference Review Period (months)",
        default=6,
        help="A key-account preference not verified for this many months is marked stale.",
    )

    @api.constrains("kam_preference_stale_months")
    def _check_kam_preference_stale_months(self):
        for company in self:
            if not 1 <= company.kam_preference_stale_months <= 120:
                raise ValidationError(self.env._("The preference review period is between 1 and 120 months."))

    # ------------------------------------------------------------------
    # Contact from real traffic (kam.traffic.engine)
    # ------------------------------------------------------------------
    kam_traffic_email = fields.Boolean(
        "Count E-mails as Contact",
        default=True,
        help="E-mails received from a key account's contacts, or sent to them, on the account, its contacts, "
        "opportunities and orders are logged as interactions.",
    )
    kam_traffic_activities = fields.Boolean(
        "Count Done Calls and Meetings as Contact",
        default=True,
        help="Activities of a call or meeting type marked done on a key account, its contacts, opportunities "
        "and orders are logged as interactions.",
    )
    kam_traffic_calendar = fields.Boolean(
        "Count Calendar Events as Contact",
        default=True,
        help="Past calendar events with a key account's contacts among the attendees are logged as interactions.",
    )

    # ------------------------------------------------------------------
    # Weekly digest (kam.digest)
    # ------------------------------------------------------------------
    kam_digest_enabled = fields.Boolean(
        "Weekly Key Account Digest",
        default=True,
        help="Every week, e-mail each key account manager (and each member of Key Account: Manager) a digest of "
        "their accounts: tier changes, new and worse risks, overdue follow-ups and duties, plan attainment.",
    )

    # ------------------------------------------------------------------
    # Customer care
    # ------------------------------------------------------------------
    kam_care_days_before = fields.Integer(
        "Care Reminder Days Before",
        default=7,
        help="Customer care reminders (birthdays, contract anniversaries, holidays) are raised this many days ahead.",
    )

    @api.constrains("kam_care_days_before")
    def _check_kam_care_days_before(self):
        for company in self:
            if not 0 <= company.kam_care_days_before <= 365:
                raise ValidationError(
                    self.env._(
                        "Care reminders are raised between 0 and 365 days before the occasion: "
                        "enter a number in that range."
                    )
                )

    # ------------------------------------------------------------------
    # Responsibility deadlines (kam_duty_engine.py)
    # ------------------------------------------------------------------
    kam_duty_lead_days = fields.Integer(
        "Duty Reminder Days Before",
        default=3,
        help="The owner of a responsibility gets an activity this many days before its deadline or next due date.",
    )
    kam_duty_escalation_days = fields.Integer(
        "Duty Escalation Delay (days)",
        default=3,
        help="A responsibility overdue for this many days (not marked done) is escalated to its escalation user.",
    )

    @api.constrains("kam_duty_lead_days", "kam_duty_escalation_days")
    def _check_kam_duty_days(self):
        for company in self:
            if not 0 <= company.kam_duty_lead_days <= 365:
                raise ValidationError(
                    self.env._("Duty reminders are raised between 0 and 365 days before the due date.")
                )
            if not 0 <= company.kam_duty_escalation_days <= 365:
                raise ValidationError(
                    self.env._("An overdue duty is escalated after 0 to 365 days: enter a number in that range.")
                )

    # ------------------------------------------------------------------
    # Risk signals and health score
    # ------------------------------------------------------------------
    # Thresholds of the risk signals (风险预警) and weights of the health
    # score of key accounts, per company.
    #
    # Severity rule, the same for every signal: a value at the threshold is
    # *medium*, at twice the threshold *high*, at three times *critical*
    # (for satisfaction, which is bad when low, one and two points further
    # below the threshold). Overdue receivables are *critical* as soon as the
    # oldest overdue invoice is older than the critical age.
    kam_risk_overdue_grace_days = fields.Integer(
        "Overdue Grace (days)",
        default=5,
        help="Invoices count as overdue (and paid late) only this many days after their due date.",
    )

    kam_risk_overdue_amount = fields.Monetary(
        "Overdue Amount Threshold",
        currency_field="currency_id",
        default=1000.0,
        help="Signal overdue receivables from this amount (company currency). Twice the amount is high, "
        "three times critical.",
    )

    kam_risk_overdue_critical_days = fields.Integer(
        "Overdue Critical After (days)",
        default=60,
        help="Overdue receivables are critical when the oldest overdue invoice is this many days past due.",
    )

    kam_risk_late_share = fields.Float(
        "Late Payments Threshold (%)",
        default=30.0,
        help="Signal when this share of the invoices due over the trailing window was paid late "
        "(or is still unpaid) after the grace days.",
    )

    kam_risk_cancel_share = fields.Float(
        "Cancelled Orders Threshold (%)",
        default=20.0,
        help="Signal when cancelled orders make this share of the amount ordered over the last 90 days.",
    )

    kam_risk_spend_drop = fields.Float(
        "Spend Drop Threshold (%)",
        default=20.0,
        help="Signal when revenue of the last months fell by this percentage against the months before "
        "and against the same months last year.",
    )

    kam_risk_spend_months = fields.Integer(
        "Spend Comparison (months)", default=3, help="Length of the periods compared by the spend drop signal."
    )

    kam_risk_gap_factor = fields.Float(
        "Order Gap Factor",
        default=1.5,
        help="Signal when the days since the last order exceed this many times the account's own median "
        "gap between orders (accounts with at least three orders).",
    )

    kam_risk_min_satisfaction = fields.Float(
        "Minimum Satisfaction",
        default=3.0,
        help="Signal when the average satisfaction of rated interactions (1-5) is below this value.",
    )

    kam_risk_complaint_count = fields.Integer(
        "Open Complaints Threshold", default=1, help="Signal from this many open complaints."
    )

    kam_health_weight_spend = fields.Integer("Spend Trend Weight", default=30)

    kam_health_weight_recency = fields.Integer("Recency / Frequency Weight", default=20)

    kam_health_weight_payment = fields.Integer("Payment Behaviour Weight", default=20)

    kam_health_weight_engagement = fields.Integer("Engagement Weight", default=15)

    kam_health_weight_satisfaction = fields.Integer("Satisfaction Weight", default=15)

    kam_health_good_from = fields.Integer(
        "Good Health From", default=76, help="Scores from this value up to 100 are good."
    )

    kam_health_watch_from = fields.Integer(
        "Watch From",
        default=51,
        help="Scores from this value up to the good band are to watch; lower scores are at risk.",
    )

    @api.constrains(*HEALTH_WEIGHT_FIELDS)
    def _check_kam_health_weights(self):
        labels = {fname: self._fields[fname].get_description(self.env)["string"] for fname in HEALTH_WEIGHT_FIELDS}
        for company in self:
            for fname in HEALTH_WEIGHT_FIELDS:
                if not 0 <= company[fname] <= 100:
                    raise ValidationError(
                        self.env._(
                            "The health score weight “%(weight)s” must be between 0 and 100.", weight=labels[fname]
                        )
                    )
            total = sum(company[fname] for fname in HEALTH_WEIGHT_FIELDS)
            if total != 100:
                raise ValidationError(
                    self.env._(
                        "The health score weights must add up to 100; they add up to %(total)s now.",
                        total=total,
                    )
                )

    @api.constrains("kam_health_good_from", "kam_health_watch_from")
    def _check_kam_health_bands(self):
        for company in self:
            if not 0 < company.kam_health_watch_from < company.kam_health_good_from <= 100:
                raise ValidationError(
                    self.env._(
                        "Health bands: “Watch From” (%(watch)s) must be above 0 and below “Good Health From” "
                        "(%(good)s), which is at most 100.",
                        watch=company.kam_health_watch_from,
                        good=company.kam_health_good_from,
                    )
                )

    @api.constrains(
        "kam_risk_overdue_grace_days",
        "kam_risk_overdue_amount",
        "kam_risk_overdue_critical_days",
        "kam_risk_late_share",
        "kam_risk_cancel_share",
        "kam_risk_spend_drop",
        "kam_risk_spend_months",
        "kam_risk_gap_factor",
        "kam_risk_min_satisfaction",
        "kam_risk_complaint_count",
    )
    def _check_kam_risk_thresholds(self):
        for company in self:
            if not (
                0 <= company.kam_risk_overdue_grace_days <= 365
                and 1 <= company.kam_risk_overdue_critical_days <= MAX_INTERVAL_DAYS
            ):
                raise ValidationError(
                    self.env._(
                        "Overdue grace days are between 0 and 365 and the critical age between 1 and %s days.",
                        MAX_INTERVAL_DAYS,
                    )
                )
            if not (0 < company.kam_risk_overdue_amount <= FLOAT_MAX and 1 <= company.kam_risk_complaint_count <= 1000):
                raise ValidationError(
                    self.env._(
                        "The overdue amount threshold must be above 0 and the open complaints threshold between "
                        "1 and 1000."
                    )
                )
            for share in (company.kam_risk_late_share, company.kam_risk_cancel_share, company.kam_risk_spend_drop):
                if not 0 < share <= 100:
                    raise ValidationError(
                        self.env._(
                            "Risk thresholds in percent must be above 0 and at most 100 (got %(value)s).", value=share
                        )
                    )
            if not 1 <= company.kam_risk_spend_months <= 24:
                raise ValidationError(self.env._("The spend comparison period is between 1 and 24 months."))
            if not 1 <= company.kam_risk_gap_factor <= 100:
                raise ValidationError(
                    self.env._("The order gap factor is between 1 and 100 (1.5 = half again the usual gap).")
                )
            if not 1 <= company.kam_risk_min_satisfaction <= 5:
                raise ValidationError(self.env._("The minimum satisfaction is on the 1-5 scale of interactions."))

    # ------------------------------------------------------------------
    # White space
    # ------------------------------------------------------------------
    kam_white_space_basis = fields.Selection(
        WHITE_SPACE_BASES,
        "White Space Comparison",
        default="tier",
        required=True,
        help="Key accounts compared with each other to find the categories an account does not buy: "
        "those of the same tier, or those of the same industry.",
    )
    kam_white_space_min_peers = fields.Integer(
        "White Space Minimum Peers",
        default=3,
        help="A category is listed only when at least this many comparable accounts bought it.",
    )
    kam_white_space_min_share = fields.Float(
        "White Space Minimum Share of Peers (%)",
        default=0.0,
        help="A category is listed only when at least this share of the comparable accounts bought it (0: no minimum).",
    )
    kam_white_space_months = fields.Integer(
        "White Space Window (months)",
        default=12,
        help="Months of confirmed orders compared (trailing window ending today).",
    )

    @api.constrains(
        "kam_white_space_basis", "kam_white_space_min_peers", "kam_white_space_min_share", "kam_white_space_months"
    )
    def _check_kam_white_space(self):
        for company in self:
            if not 1 <= company.kam_white_space_min_peers <= 1000:
                raise ValidationError(self.env._("The white space minimum of peers is between 1 and 1000."))
            if not 0 <= company.kam_white_space_min_share <= 100:
                raise ValidationError(self.env._("The white space minimum share of peers is between 0 and 100 %."))
            if not 3 <= company.kam_white_space_months <= 60:
                raise ValidationError(self.env._("The white space window is between 3 and 60 months."))

    # ------------------------------------------------------------------
    # Profitability (kam_profit_engine.py)
    # ------------------------------------------------------------------
    kam_profit_financing_rate = fields.Float(
        "Financing Rate (% a year)",
        default=5.0,
        help="Yearly cost of the money a late customer owes: financing cost = amount x days late x rate / 365.",
    )
    kam_profit_service_cost = fields.Float(
        "Cost per Service Interaction",
        default=50.0,
        help="Cost counted for each done service case or complaint of an account (company currency).",
    )
    kam_profit_min_percent = fields.Float(
        "Unprofitable Below (%)",
        default=0.0,
        help="An account whose profit after cost to serve is below this share of its revenue gets the "
        "risk signal “Unprofitable Account”.",
    )
    kam_profit_creep_quarters = fields.Integer(
        "Discount Creep After (quarters)",
        default=3,
        help="The risk signal “Discount Creep” opens when the account's average discount rose this many "
        "quarters in a row.",
    )
    kam_profit_creep_step = fields.Float(
        "Discount Creep Step (points)",
        default=1.0,
        help="A quarter counts as rising when its average discount is at least this many percentage points "
        "above the quarter before.",
    )

    @api.constrains(
        "kam_profit_financing_rate",
        "kam_profit_service_cost",
        "kam_profit_min_percent",
        "kam_profit_creep_quarters",
        "kam_profit_creep_step",
    )
    def _check_kam_profit(self):
        for company in self:
            if not 0 <= company.kam_profit_financing_rate <= 100:
                raise ValidationError(self.env._("The financing rate is between 0 and 100 % a year."))
            if not 0 <= company.kam_profit_service_cost <= FLOAT_MAX:
                raise ValidationError(
                    self.env._("The cost per service interaction is an amount of 0 or more (0: not counted).")
                )
            if not -100 <= company.kam_profit_min_percent <= 100:
                raise ValidationError(
                    self.env._("The unprofitable threshold is a share of the revenue between -100 and 100 %.")
                )
            if not 2 <= company.kam_profit_creep_quarters <= 8:
                raise ValidationError(self.env._("The discount creep is measured over 2 to 8 quarters in a row."))
            if not 0.1 <= company.kam_profit_creep_step <= 100:
                raise ValidationError(self.env._("The discount creep step is between 0.1 and 100 percentage points."))
