# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

try:
    # the Chinese lunar calendar (农历): external_dependencies of the manifest, requirements.txt
    from lunar_python import Lunar, LunarYear
except ImportError:  # pragma: no cover - the module does not install without it
    Lunar = LunarYear = None

MONTHS = [(str(number), calendar.month_name[number]) for number in range(1, 13)]
CALENDARS = [("gregorian", "Gregorian"), ("lunar", "Chinese Lunar (农历)")]
#: lunar months have 29 or 30 days
LUNAR_MAX_DAY = 30


def gregorian_occurrences(month, day, start, end):
    """[(date, year)] of the Gregorian ``month``/``day`` between ``start``
    and ``end`` (both included), in order. Feb 29 falls on Feb 28 in
    non-leap years."""
    found = []
    for year in range(start.year, end.year + 1):
        leap_day_moved = month == 2 and day == 29 and not calendar.isleap(year)
        when = date(year, 2, 28) if leap_day_moved else date(year, month, day)
        if start <= when <= end:
            found.append((when, year))
    return found


def lunar_occurrences(month, day, start, end):
    """[(date, lunar year)] of the lunar ``month``/``day`` between ``start``
    and ``end`` (Gregorian dates, both included), in order. A day 30 in a
    month of 29 days falls on its last day (New Year's Eve, 除夕, is the last
    day of the twelfth month); the leap months (闰月) do not repeat an
    occasion. A lunar year may bring the same lunar date twice within a
    Gregorian year: each occurrence is told by its lunar year."""
    found = []
    for lunar_year in range(start.year - 1, end.year + 1):
        days = LunarYear.fromYear(lunar_year).getMonth(month).getDayCount()
        solar = Lunar.fromYmd(lunar_year, month, min(day, days)).getSolar()
        when = date(solar.getYear(), solar.getMonth(), solar.getDay())
        if start <= when <= end:
            found.append((when, lunar_year))
    return found


class KamCareDate(models.Model):
    """A yearly date on which key accounts get a care greeting (客户关怀),
    e.g. New Year or National Day, in the Gregorian calendar or in the
    Chinese lunar calendar (Spring Festival, Dragon Boat, Mid-Autumn): a
    lunar date falls on another Gregorian date every year, computed each
    year."""

    _name = "kam.care.date"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Care Date"
    _order = "calendar_type, month_number, day, id"

    name = fields.Char("Occasion", required=True, translate=True)
    calendar_type = fields.Selection(
        CALENDARS,
        "Calendar",
        required=True,
        default="gregorian",
        help="Lunar: the month and day are those of the Chinese lunar calendar (January is the first month, "
        "正月); the reminder follows its Gregorian date of each year.",
    )
    month = fields.Selection(MONTHS, required=True, default="1")
    month_number = fields.Integer(compute="_compute_month_number", store=True)
    day = fields.Integer(required=True, default=1)
    lunar_label = fields.Char("Lunar Date", compute="_compute_next_date", search="_search_lunar_label")
    next_date = fields.Date(
        compute="_compute_next_date",
        search="_search_next_date",
        help="Its next date from today, in the Gregorian calendar (the reminder's).",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to use this date in every company.")

    @api.depends("month")
    def _compute_month_number(self):
        for care_date in self:
            care_date.month_number = int(care_date.month or 0)

    @api.depends("calendar_type", "month", "day")
    @api.depends_context("tz")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for care_date in self:
            care_date.lunar_label = False
            care_date.next_date = care_date._next_date(today)
            if care_date.calendar_type == "lunar" and care_date._valid_day():
                lunar = Lunar.fromYmd(today.year, int(care_date.month), min(care_date.day, 29))
                day = "三十" if care_date.day == LUNAR_MAX_DAY else lunar.getDayInChinese()
                care_date.lunar_label = f"{lunar.getMonthInChinese()}月{day}"

    def _search_next_date(self, operator, value):
        return self._search_computed("next_date", operator, value)

    def _search_lunar_label(self, operator, value):
        return self._search_computed("lunar_label", operator, value)

    def _search_computed(self, fname, operator, value):
        """The next date or lunar label computed for every care date (a few
        dozen at most), compared as a search compares them."""
        field = self._fields[fname]
        try:
            if field.type == "date" and value not in (False, None) and not isinstance(value, (list, tuple)):
                value = fields.Date.to_date(value)
            matching = self.with_context(active_test=False).search([]).filtered_domain([(fname, operator, value)])
        except (TypeError, ValueError, OverflowError) as error:
            raise ValidationError(
                self.env._("“%(value)s” cannot be compared with “%(field)s”.", value=value, field=field.string)
            ) from error
        return [("id", "in", matching.ids)]

    def _valid_day(self):
        """The day exists in the month (a day 30 in every lunar month)."""
        self.ensure_one()
        if not self.month or not self.day:
            return False
        if self.calendar_type == "lunar":
            return 1 <= self.day <= LUNAR_MAX_DAY
        # a leap year: Feb 29 is allowed (reminded on Feb 28 in other years)
        return 1 <= self.day <= calendar.monthrange(2024, int(self.month))[1]

    def _occurrences(self, start, end):
        """[(date, year)] of this occasion between ``start`` and ``end``:
        the Gregorian date and the year that tells the occurrence (its lunar
        year for a lunar date). Feb 29 falls on Feb 28 in non-leap years."""
        self.ensure_one()
        if not self._valid_day():
            return []
        occurrences = lunar_occurrences if self.calendar_type == "lunar" else gregorian_occurrences
        return occurrences(int(self.month), self.day, start, end)

    def _next_date(self, today):
        occurrences = self._occurrences(today, today + timedelta(days=400))
        return occurrences[0][0] if occurrences else False

    @api.constrains("month", "day", "calendar_type")
    def _check_month_day(self):
        for care_date in self:
            # (no month: a required field, Odoo's own message)
            if not care_date.month or care_date._valid_day():
                continue
            if care_date.calendar_type == "lunar":
                raise ValidationError(
                    self.env._(
                        "“%(name)s”: a lunar month has no day %(day)s. Enter a day from 1 to 30 (30: the last day "
                        "of the month, also in a month of 29 days).",
                        name=care_date.name,
                        day=care_date.day,
                    )
                )
            month = int(care_date.month)
            last_day = calendar.monthrange(2024, month)[1]
            raise ValidationError(
                self.env._(
                    "“%(name)s”: %(month)s has no day %(day)s. Enter a day from 1 to %(last)s.",
                    name=care_date.name,
                    month=dict(care_date._fields["month"]._description_selection(self.env))[care_date.month],
                    day=care_date.day,
                    last=last_day,
                )
            )
