# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MONTHS = [(str(number), calendar.month_name[number]) for number in range(1, 13)]


class KamCareDate(models.Model):
    """A yearly date on which key accounts get a care greeting (客户关怀),
    e.g. New Year or National Day. Lunar holidays (Spring Festival,
    Mid-Autumn) move every year: enter them with this year's date."""

    _name = "kam.care.date"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Care Date"
    _order = "month_number, day, id"

    name = fields.Char("Occasion", required=True, translate=True)
    month = fields.Selection(MONTHS, required=True, default="1")
    month_number = fields.Integer(compute="_compute_month_number", store=True)
    day = fields.Integer(required=True, default=1)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to use this date in every company.")

    @api.depends("month")
    def _compute_month_number(self):
        for care_date in self:
            care_date.month_number = int(care_date.month or 0)

    @api.constrains("month", "day")
    def _check_month_day(self):
        for care_date in self:
            month = int(care_date.month)
            # a leap year: Feb 29 is allowed (reminded on Feb 28 in other years)
            last_day = calendar.monthrange(2024, month)[1]
            if not 1 <= care_date.day <= last_day:
                raise ValidationError(
                    self.env._(
                        "“%(name)s”: %(month)s has no day %(day)s. Enter a day from 1 to %(last)s.",
                        name=care_date.name,
                        month=dict(care_date._fields["month"]._description_selection(self.env))[care_date.month],
                        day=care_date.day,
                        last=last_day,
                    )
                )
