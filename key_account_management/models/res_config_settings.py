# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from .kam_input import check_input
from .kam_white_space import BASES as WHITE_SPACE_BASES


def company_setting(field_class, string, **kwargs):
    """A key-account setting of the company, shown in the settings.

    Not a related field: Odoo writes related settings on the company as soon
    as the settings record is created, before ``execute``; a save refused by
    a constraint of another setting would then keep those. The addon's
    settings are written to the company together, in one ``write`` in
    ``set_values``: a refused save changes none of them.

    Each setting has its own compute function (one compute method for all
    of them would leave the settings not given at create empty)."""

    @api.depends("company_id")
    def compute(settings):
        fname = next(name for name, field in settings._fields.items() if field.compute is compute)
        for record in settings:
            record[fname] = record.company_id[fname]

    compute.kam_company_setting = True
    return field_class(string, compute=compute, store=True, readonly=False, **kwargs)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_trailing_months = company_setting(fields.Integer, "Key Account Trailing Window (months)")
    kam_apply_tier_pricelist = company_setting(fields.Boolean, "Apply Tier Pricelist")

    @api.model
    def _kam_company_settings(self):
        """Names of the key-account settings stored on the company."""
        return [fname for fname, field in self._fields.items() if getattr(field.compute, "kam_company_setting", False)]

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, set(self._kam_company_settings()))
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], set(self._kam_company_settings()))
        return super().write(vals)

    def set_values(self):
        res = super().set_values()
        fnames = self._kam_company_settings()
        for settings in self:
            company = settings.company_id
            vals = {
                fname: company._fields[fname].convert_to_write(settings[fname], company)
                for fname in fnames
                if settings[fname] != company[fname]
            }
            if vals:
                company.write(vals)
        return res

    # Purchase trend
    kam_trend_drop_pct = company_setting(fields.Integer, "Purchase Drop Threshold (%)")

    # White space
    kam_white_space_basis = company_setting(
        lambda string, **kwargs: fields.Selection(WHITE_SPACE_BASES, string, **kwargs), "White Space Comparison"
    )
    kam_white_space_min_peers = company_setting(fields.Integer, "White Space Minimum Peers")
    kam_white_space_min_share = company_setting(fields.Float, "White Space Minimum Share of Peers (%)")
    kam_white_space_months = company_setting(fields.Integer, "White Space Window (months)")
    # Reorder radar
    kam_reorder_min_orders = company_setting(fields.Integer, "Reorder Radar: Minimum Orders")
    kam_reorder_min_late_days = company_setting(fields.Integer, "Reorder Radar: Minimum Lateness (days)")
    kam_reorder_months = company_setting(fields.Integer, "Reorder Radar: Trailing Window (months)")
    # Profitability
    kam_profit_financing_rate = company_setting(fields.Float, "Financing Rate (% a year)")
    kam_profit_service_cost = company_setting(fields.Float, "Cost per Service Interaction")
    kam_profit_min_percent = company_setting(fields.Float, "Unprofitable Below (%)")
    kam_profit_creep_quarters = company_setting(fields.Integer, "Discount Creep After (quarters)")
    kam_profit_creep_step = company_setting(fields.Float, "Discount Creep Step (points)")

    # Relationship coverage
    kam_coverage_window_days = company_setting(fields.Integer, "Relationship Coverage: Window (days)")
    kam_coverage_single_share = company_setting(fields.Integer, "Single-Threaded From (%)")
    kam_coverage_min_touches = company_setting(fields.Integer, "Single-Threaded: Minimum Touches")
    kam_coverage_reach_days = company_setting(fields.Integer, "Key People Reached Within (days)")
    kam_coverage_silent_days = company_setting(fields.Integer, "Contact Silent After (days)")

    # Preferences
    kam_preference_stale_months = company_setting(fields.Integer, "Preference Review Period (months)")

    # Contact from real traffic
    kam_traffic_email = company_setting(fields.Boolean, "Count E-mails as Contact")
    kam_traffic_activities = company_setting(fields.Boolean, "Count Done Calls and Meetings as Contact")
    kam_traffic_calendar = company_setting(fields.Boolean, "Count Calendar Events as Contact")

    # Weekly digest
    kam_digest_enabled = company_setting(fields.Boolean, "Weekly Key Account Digest")

    # Customer care
    kam_care_days_before = company_setting(fields.Integer, "Care Reminder Days Before")
    kam_duty_lead_days = company_setting(fields.Integer, "Duty Reminder Days Before")
    kam_duty_escalation_days = company_setting(fields.Integer, "Duty Escalation Delay (days)")

    # Risk signals and health score
    kam_risk_overdue_grace_days = company_setting(fields.Integer, "Overdue Grace (days)")
    kam_risk_overdue_amount = company_setting(fields.Monetary, "Overdue Amount Threshold", currency_field="currency_id")
    kam_risk_overdue_critical_days = company_setting(fields.Integer, "Overdue Critical After (days)")
    kam_risk_late_share = company_setting(fields.Float, "Late Payments Threshold (%)")
    kam_risk_cancel_share = company_setting(fields.Float, "Cancelled Orders Threshold (%)")
    kam_risk_spend_drop = company_setting(fields.Float, "Spend Drop Threshold (%)")
    kam_risk_spend_months = company_setting(fields.Integer, "Spend Comparison (months)")
    kam_risk_gap_factor = company_setting(fields.Float, "Order Gap Factor")
    kam_risk_min_satisfaction = company_setting(fields.Float, "Minimum Satisfaction")
    kam_risk_complaint_count = company_setting(fields.Integer, "Open Complaints Threshold")
    kam_health_weight_spend = company_setting(fields.Integer, "Spend Trend Weight")
    kam_health_weight_recency = company_setting(fields.Integer, "Recency / Frequency Weight")
    kam_health_weight_payment = company_setting(fields.Integer, "Payment Behaviour Weight")
    kam_health_weight_engagement = company_setting(fields.Integer, "Engagement Weight")
    kam_health_weight_satisfaction = company_setting(fields.Integer, "Satisfaction Weight")
    kam_health_good_from = company_setting(fields.Integer, "Good Health From")
    kam_health_watch_from = company_setting(fields.Integer, "Watch From")
