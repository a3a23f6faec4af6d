# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

#: Health score components and their weight field on the company.
HEALTH_WEIGHT_FIELDS = [
    "kam_health_weight_spend",
    "kam_health_weight_recency",
    "kam_health_weight_payment",
    "kam_health_weight_engagement",
    "kam_health_weight_satisfaction",
]


class ResCompany(models.Model):
    """Thresholds of the risk signals (风险预警) and weights of the health
    score of key accounts, per company.

    Severity rule, the same for every signal: a value at the threshold is
    *medium*, at twice the threshold *high*, at three times *critical*
    (for satisfaction, which is bad when low, one and two points further
    below the threshold). Overdue receivables are *critical* as soon as the
    oldest overdue invoice is older than the critical age."""

    _inherit = "res.company"

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
                        _("The health score weight “%(weight)s” must be between 0 and 100.", weight=labels[fname])
                    )
            total = sum(company[fname] for fname in HEALTH_WEIGHT_FIELDS)
            if total != 100:
                raise ValidationError(
                    _(
                        "The health score weights must add up to 100; they add up to %(total)s now.",
                        total=total,
                    )
                )

    @api.constrains("kam_health_good_from", "kam_health_watch_from")
    def _check_kam_health_bands(self):
        for company in self:
            if not 0 < company.kam_health_watch_from < company.kam_health_good_from <= 100:
                raise ValidationError(
                    _(
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
            if company.kam_risk_overdue_grace_days < 0 or company.kam_risk_overdue_critical_days < 1:
                raise ValidationError(
                    _("Overdue grace days cannot be negative and the critical age is at least 1 day.")
                )
            if company.kam_risk_overdue_amount <= 0 or company.kam_risk_complaint_count < 1:
                raise ValidationError(_("The overdue amount and open complaints thresholds must be above 0."))
            for share in (company.kam_risk_late_share, company.kam_risk_cancel_share, company.kam_risk_spend_drop):
                if not 0 < share <= 100:
                    raise ValidationError(
                        _("Risk thresholds in percent must be above 0 and at most 100 (got %(value)s).", value=share)
                    )
            if not 1 <= company.kam_risk_spend_months <= 24:
                raise ValidationError(_("The spend comparison period is between 1 and 24 months."))
            if company.kam_risk_gap_factor < 1:
                raise ValidationError(_("The order gap factor is at least 1 (1.5 = half again the usual gap)."))
            if not 1 <= company.kam_risk_min_satisfaction <= 5:
                raise ValidationError(_("The minimum satisfaction is on the 1-5 scale of interactions."))


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_risk_overdue_grace_days = fields.Integer(related="company_id.kam_risk_overdue_grace_days", readonly=False)
    kam_risk_overdue_amount = fields.Monetary(related="company_id.kam_risk_overdue_amount", readonly=False)
    kam_risk_overdue_critical_days = fields.Integer(related="company_id.kam_risk_overdue_critical_days", readonly=False)
    kam_risk_late_share = fields.Float(related="company_id.kam_risk_late_share", readonly=False)
    kam_risk_cancel_share = fields.Float(related="company_id.kam_risk_cancel_share", readonly=False)
    kam_risk_spend_drop = fields.Float(related="company_id.kam_risk_spend_drop", readonly=False)
    kam_risk_spend_months = fields.Integer(related="company_id.kam_risk_spend_months", readonly=False)
    kam_risk_gap_factor = fields.Float(related="company_id.kam_risk_gap_factor", readonly=False)
    kam_risk_min_satisfaction = fields.Float(related="company_id.kam_risk_min_satisfaction", readonly=False)
    kam_risk_complaint_count = fields.Integer(related="company_id.kam_risk_complaint_count", readonly=False)
    # The weights are saved together (they must add up to 100 at every
    # write): not related fields, which would be written one by one.
    kam_health_weight_spend = fields.Integer(
        "Spend Trend Weight", compute="_compute_kam_health_weights", store=True, readonly=False
    )
    kam_health_weight_recency = fields.Integer(
        "Recency / Frequency Weight", compute="_compute_kam_health_weights", store=True, readonly=False
    )
    kam_health_weight_payment = fields.Integer(
        "Payment Behaviour Weight", compute="_compute_kam_health_weights", store=True, readonly=False
    )
    kam_health_weight_engagement = fields.Integer(
        "Engagement Weight", compute="_compute_kam_health_weights", store=True, readonly=False
    )
    kam_health_weight_satisfaction = fields.Integer(
        "Satisfaction Weight", compute="_compute_kam_health_weights", store=True, readonly=False
    )
    kam_health_good_from = fields.Integer(related="company_id.kam_health_good_from", readonly=False)
    kam_health_watch_from = fields.Integer(related="company_id.kam_health_watch_from", readonly=False)

    @api.depends("company_id")
    def _compute_kam_health_weights(self):
        for settings in self:
            for fname in HEALTH_WEIGHT_FIELDS:
                settings[fname] = settings.company_id[fname]

    def set_values(self):
        super().set_values()
        for settings in self:
            vals = {fname: settings[fname] for fname in HEALTH_WEIGHT_FIELDS}
            if any(settings.company_id[fname] != value for fname, value in vals.items()):
                settings.company_id.write(vals)
