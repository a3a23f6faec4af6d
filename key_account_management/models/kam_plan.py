# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import math
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .kam_input import FLOAT_MAX, PLAN_DATE_MAX, PLAN_DATE_MIN, check_range

# key_account_management_margin adds "margin" after "revenue" (selection_add)
METRICS = [
    ("revenue", "Revenue"),
    ("order_count", "Order Count"),
    ("satisfaction", "Average Satisfaction"),
    ("interactions", "Number of Interactions"),
    ("custom", "Custom (manual)"),
]


class KamPlan(models.Model):
    """Key account plan (大客户管理计划) for an account and a period."""

    _name = "kam.plan"
    _description = "Key Account Plan"
    _inherit = ["kam.account.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    date_start = fields.Date("Start", required=True, tracking=True, default=fields.Date.context_today)
    date_end = fields.Date(
        "End",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(years=1, days=-1),
    )
    user_id = fields.Many2one(
        "res.users", "Owner", tracking=True, default=lambda self: self.env.user, domain=[("share", "=", False)]
    )
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")], default="draft", required=True, tracking=True
    )
    situation = fields.Html("Situation Summary")
    customer_goals = fields.Html("Customer Goals and Pressures")
    strategy = fields.Html("Our Strategy")
    risks = fields.Html()
    competitor_note_ids = fields.Many2many(
        "kam.competitor.note", string="Competitors", domain="[('partner_id', '=', partner_id)]"
    )
    objective_ids = fields.One2many("kam.plan.objective", "plan_id", "Objectives", copy=True)
    progress = fields.Float("Goal Attainment (%)", compute="_compute_progress", aggregator="avg")

    @api.depends("objective_ids.progress")
    def _compute_progress(self):
        for plan in self:
            objectives = plan.objective_ids
            plan.progress = sum(objectives.mapped("progress")) / len(objectives) if objectives else 0.0

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for plan in self:
            # (a date emptied: required fields, Odoo's own message)
            if plan.date_start and plan.date_end and plan.date_end < plan.date_start:
                raise ValidationError(self.env._("The plan “%s” ends before it starts: fix its dates.", plan.name))
            if not plan._kam_dates_in_range():
                raise ValidationError(plan._kam_dates_message())

    def _kam_dates_in_range(self):
        self.ensure_one()
        return all(PLAN_DATE_MIN <= day <= PLAN_DATE_MAX for day in (self.date_start, self.date_end) if day)

    def _kam_dates_message(self):
        return self.env._(
            "The plan “%(plan)s” must start and end between %(min)s and %(max)s: fix its dates.",
            plan=self.name,
            min=PLAN_DATE_MIN,
            max=PLAN_DATE_MAX,
        )

    def action_activate(self):
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan can be activated (%s).", plan.name))
            if not plan._kam_dates_in_range() or plan.date_end < plan.date_start:
                # dates of older data, from before the constraint
                raise UserError(plan._kam_dates_message())
            if not plan.objective_ids.filtered("target"):
                raise UserError(
                    self.env._(
                        "Give the plan “%s” at least one objective with a target before activating it.", plan.name
                    )
                )
        self.objective_ids._measure_baseline()
        self.write({"state": "active"})

    def action_close(self):
        for plan in self:
            if plan.state != "active":
                raise UserError(self.env._("Only an active plan can be closed (%s).", plan.name))
            for objective in plan.objective_ids:
                objective.final_value = objective.actual
        self.write({"state": "closed"})

    def action_reset_draft(self):
        self.objective_ids.write({"final_value": 0.0})
        self.write({"state": "draft"})


class KamPlanObjective(models.Model):
    """A SMART goal of a plan, its actual value measured from live data over
    the plan period."""

    _name = "kam.plan.objective"
    _description = "Key Account Plan Objective"
    _inherit = ["kam.input.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one("kam.plan", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    plan_state = fields.Selection(related="plan_id.state")
    sequence = fields.Integer(default=10)
    name = fields.Char("Objective", required=True)
    metric = fields.Selection(METRICS, required=True, default="revenue")
    categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        tracking=True,
        help="Measure only the order lines of products of this category and its subcategories "
        "(revenue, order count): the orders counted are those with such a line.",
    )
    baseline = fields.Float(help="Value of the metric over the same length of time before the plan started.")
    target = fields.Float(required=True)
    manual_actual = fields.Float("Actual (manual)", help="For custom objectives: the actual value, entered by hand.")
    actual = fields.Float(compute="_compute_actual", help="Measured over the plan period from orders and interactions.")
    final_value = fields.Float(readonly=True, help="The actual value when the plan was closed.")
    progress = fields.Float("Progress (%)", compute="_compute_actual")
    due_date = fields.Date()
    user_id = fields.Many2one("res.users", "Owner", domain=[("share", "=", False)])
    currency_id = fields.Many2one(related="company_id.currency_id")
    action_done_ratio = fields.Float("Actions Done (%)", compute="_compute_action_done_ratio")
    status = fields.Selection(
        [("on_track", "On Track"), ("at_risk", "At Risk"), ("achieved", "Achieved"), ("missed", "Missed")],
        compute="_compute_status",
        help="Achieved: the target is reached. At risk: less progress than time elapsed in the plan (or past due). "
        "Missed: the plan is closed below target.",
    )

    @api.constrains("target", "metric", "manual_actual", "baseline", "due_date")
    def _check_target(self):
        for objective in self:
            for fname in ("target", "manual_actual", "baseline"):
                check_range(objective, fname, -FLOAT_MAX, FLOAT_MAX)
            check_range(objective, "due_date", PLAN_DATE_MIN, PLAN_DATE_MAX)
            if objective.target < 0 or (objective.metric == "satisfaction" and objective.target > 5):
                raise ValidationError(
                    self.env._(
                        "Objective “%s”: the target must be positive (a satisfaction target is between 1 and 5).",
                        objective.name,
                    )
                )

    @api.constrains("categ_id", "metric")
    def _check_categ(self):
        order_metrics = self._order_metrics()
        for objective in self:
            if objective.categ_id and objective.metric not in order_metrics:
                raise ValidationError(
                    self.env._(
                        "Objective “%(objective)s”: only an objective measured from the orders (revenue, order "
                        "count) can be limited to a product category.",
                        objective=objective.name,
                    )
                )

    @api.depends(
        "metric", "categ_id", "manual_actual", "final_value", "plan_id.state", "plan_id.date_start", "plan_id.date_end"
    )
    def _compute_actual(self):
        measured = self.filtered(lambda o: o.metric != "custom" and o.plan_id.state != "closed")._measure()
        for objective in self:
            if objective.plan_id.state == "closed":
                value = objective.final_value
            elif objective.metric == "custom":
                value = objective.manual_actual
            else:
                value = measured.get(objective, 0.0)
            objective.actual = value
            # NaN or infinity of older data: no progress rather than NaN in
            # every average (dashboard, reviews)
            measurable = objective.target and math.isfinite(objective.target) and math.isfinite(value)
            objective.progress = min(value / objective.target * 100.0, 999.0) if measurable else 0.0

    @api.depends("progress", "due_date", "plan_id.state", "plan_id.date_start", "plan_id.date_end")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for objective in self:
            plan = objective.plan_id
            if objective.progress >= 100.0:
                objective.status = "achieved"
            elif plan.state == "closed" or (objective.due_date and objective.due_date < today):
                objective.status = "missed" if plan.state == "closed" else "at_risk"
            else:
                span = plan.date_end and plan.date_start and (plan.date_end - plan.date_start).days + 1
                elapsed = span and min(max((today - plan.date_start).days + 1, 0), span) / span * 100.0
                objective.status = "at_risk" if elapsed and objective.progress < elapsed else "on_track"

    def _compute_action_done_ratio(self):
        done = dict(
            self.env["mail.message"]._read_group(
                [("model", "=", self._name), ("res_id", "in", self.ids), ("mail_activity_type_id", "!=", False)],
                ["res_id"],
                ["__count"],
            )
        )
        for objective in self:
            closed = done.get(objective.id, 0)
            total = closed + len(objective.activity_ids)
            objective.action_done_ratio = closed / total * 100.0 if total else 0.0

    def _periods(self, shift=False):
        """[(position, account id, start datetime, end datetime)] of the plan
        period of each objective (or of the period of the same length before
        it). Positions, not ids: unsaved objectives are measured too."""
        periods = []
        for position, objective in enumerate(self):
            plan = objective.plan_id
            if not (plan.partner_id and plan.date_start and plan.date_end and plan._kam_dates_in_range()):
                # no period, or dates of older data out of any sane range
                continue
            start = datetime.combine(plan.date_start, time.min)
            end = datetime.combine(plan.date_end + relativedelta(days=1), time.min)
            if shift:
                start, end = start - (end - start), start
            periods.append((position, plan.partner_id._origin.id or plan.partner_id.id, start, end))
        return periods

    def _order_metrics(self):
        """{metric: sale_order column summed as an amount in company currency
        (``kam.account.figures._order_amount_sql``), or None for the count
        of orders}: the metrics measured from the confirmed orders of the
        plan period. key_account_management_margin adds "margin"."""
        return {"revenue": "amount_untaxed", "order_count": None}

    def _measure(self, shift=False):
        """Actual values of these objectives, {objective: value}, from the
        figures service: one grouped query per source (orders,
        interactions) for all of them. Amounts in the currency of the
        plan's company."""
        periods = self._periods(shift)
        if not periods:
            return {}
        Figures = self.env["kam.account.figures"]
        order_metrics = self._order_metrics()
        amounts = {metric: column for metric, column in order_metrics.items() if column}
        currencies = {position: objective.currency_id for position, objective in enumerate(self)}
        categories = {position: objective.categ_id for position, objective in enumerate(self) if objective.categ_id}
        sales = Figures._period_sale_figures(periods, amounts, currencies, categories=categories)
        contacts = Figures._period_interaction_figures(periods)
        result = {}
        for position, objective in enumerate(self):
            if objective.metric in order_metrics:
                name = objective.metric if order_metrics[objective.metric] else "order_count"
                result[objective] = sales.get(position, {}).get(name) or 0.0
            else:
                figures = contacts.get(position, {})
                result[objective] = {
                    "satisfaction": round(figures.get("avg_satisfaction", 0.0), 2),
                    "interactions": figures.get("interaction_count", 0),
                }.get(objective.metric, 0.0)
        return result

    def _measure_baseline(self):
        baselines = self.filtered(lambda o: o.metric != "custom")._measure(shift=True)
        for objective, value in baselines.items():
            objective.baseline = value
