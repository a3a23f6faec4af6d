# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Input checks shared by the addon's models.

Values sent by a client (JSON-RPC, imports, a form) are checked before they
reach the ORM's conversion, the addon's constraints and computations or
PostgreSQL: a value of the wrong type, an integer beyond the database's
range, NaN or infinity in a float, a date outside any sane range, or a
reference to a record that does not exist gets a ValidationError that names
the field, instead of a TypeError, ValueError, OverflowError or a database
error.

Bounds in the business sense (an interval of 1 to 3650 days...) are the
constraints of each model; the helpers here give them their messages.
"""

import math
from datetime import date, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError

#: PostgreSQL int4, the column of Integer fields
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Largest absolute value of an amount or any other float the addon stores
FLOAT_MAX = 1e15
#: Sane range of the business dates of the addon (plans, objectives,
#: reviews, interactions, deadlines, signals...)
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
#: Plans and their objectives: the years a plan can sensibly cover
PLAN_DATE_MIN = date(2000, 1, 1)
PLAN_DATE_MAX = DATE_MAX
#: Longest interval in days (contact cadence...) and in months (reviews...)
MAX_INTERVAL_DAYS = 3650
MAX_INTERVAL_MONTHS = 120

#: The timezone furthest ahead of UTC (Kiribati, UTC+14)
LATEST_UTC_OFFSET = timedelta(hours=14)

TEXT_TYPES = ("char", "text", "html")
DATE_TYPES = ("date", "datetime")


def _label(model, fname):
    return model._fields[fname]._description_string(model.env)


def _wrong_value(model, fname, value):
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ValidationError(
        model.env._(
            "“%(field)s” (%(model)s): %(value)s is not a valid value.",
            field=_label(model, fname),
            model=model._description,
            value=shown,
        )
    )


def latest_today():
    """The date it is now where it is latest on earth (UTC+14): the bound of
    the "not in the future" checks.

    A date typed as today by a user in Shanghai is tomorrow for a user in
    London until midnight UTC, and the constraint runs again on writes that
    only carry the date: the account's date copied onto a new contact, a
    duplicate, an import or a job without a timezone. Checked against the
    writer's today, those writes failed for a few hours a day; a date is in
    the future only when it is in the future everywhere."""
    return (fields.Datetime.now() + LATEST_UTC_OFFSET).date()


def _is_date_value(value):
    """A value that may stand for a date: a date, or a text without a NUL
    (True, a number or a list is none; PostgreSQL refuses the NUL)."""
    return isinstance(value, date) or isinstance(value, str) and "\x00" not in value


def check_date_condition(model, fname, operator, value):
    """A date that is no date in a search condition (e.g. ``'nan'``) gets a
    clear message instead of a database error (PostgreSQL would read the text
    itself: ``'yesterday'``...). The text is read whole (Odoo reads the first
    10 characters of a date, PostgreSQL all of them: ``'2026-01-01 junk'``),
    and each value of ``in`` / ``not in`` is checked."""
    field = model._fields.get(fname)
    if field is None or field.type not in DATE_TYPES:
        return
    if operator in ("in", "not in") and isinstance(value, list | tuple):
        # (another value is Odoo's "Invalid domain term", as on any field)
        items = value
    elif operator in ("=", "!=", "<", "<=", ">", ">="):
        items = [value]
    else:
        return
    for item in items:
        if item is False or item is None:
            continue
        try:
            if not _is_date_value(item):
                raise ValueError(item)
            converted = field.convert_to_cache(item, model)
            # (an empty value, "", is no date, also for = and != (PostgreSQL refuses it): "is set" is
            # = / != False)
            if not converted:
                raise ValueError(item)
            if isinstance(item, str) and len(item) > 10:
                # the whole text (a date with a time is a date): no text after the date (Odoo's
                # to_datetime reads 19 characters, PostgreSQL all of them)
                datetime.fromisoformat(item)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(
                model.env._("“%(value)s” is not a date (search on “%(field)s”).", value=item, field=field.string)
            ) from None


def check_input(model, vals_list, fnames=None):
    """Check the values of ``vals_list`` (create or write values of
    ``model``) for the fields ``fnames`` (default: all of them), raising a
    ValidationError (or MissingError for a missing record) with the field's
    label. Many2many commands are checked for their shape and for the
    existence of the records they refer to."""
    many2one_ids = {}
    for vals in vals_list:
        if not isinstance(vals, dict):
            raise ValidationError(model.env._("%(model)s: the values to save are not valid.", model=model._description))
        for fname, value in vals.items():
            if fnames is not None and fname not in fnames:
                continue
            field = model._fields.get(fname)
            if field is None or value is False or value is None:
                continue
            ftype = field.type
            if ftype in TEXT_TYPES:
                if not isinstance(value, str):
                    raise _wrong_value(model, fname, value)
                if "\x00" in value:
                    # (PostgreSQL refuses the character: a database error)
                    raise ValidationError(
                        model.env._(
                            "“%(field)s” (%(model)s): the text contains a NUL character (\\x00), which cannot be "
                            "saved.",
                            field=_label(model, fname),
                            model=model._description,
                        )
                    )
            elif ftype == "integer":
                value = _number(model, fname, value, int)
                if not INT_MIN <= value <= INT_MAX:
                    raise ValidationError(
                        model.env._("“%(field)s” (%(model)s): %(value)s is out of range.", **_args(model, fname, value))
                    )
            elif ftype in ("float", "monetary"):
                value = _number(model, fname, value, float)
                if not math.isfinite(value) or abs(value) > FLOAT_MAX:
                    raise ValidationError(
                        model.env._(
                            "“%(field)s” (%(model)s): %(value)s is not a usable number.",
                            **_args(model, fname, value),
                        )
                    )
            elif ftype in DATE_TYPES:
                if not _is_date_value(value):
                    raise _wrong_value(model, fname, value)
                try:
                    converted = field.convert_to_cache(value, model)
                except (TypeError, ValueError, OverflowError):
                    raise _wrong_value(model, fname, value) from None
                if not converted:
                    # an empty text: no date (the ORM would send "" to the database on create)
                    vals[fname] = False
                    continue
                if isinstance(value, str):
                    # the date read from the text (Odoo reads its first 10 characters for a date and
                    # would send the whole text, "2026-01-01 junk", to the database on create)
                    vals[fname] = field.to_string(converted)
                day = converted.date() if isinstance(converted, datetime) else converted
                if day and not DATE_MIN <= day <= DATE_MAX:
                    raise ValidationError(
                        model.env._(
                            "“%(field)s” (%(model)s): %(value)s is outside the dates this application accepts "
                            "(%(min)s to %(max)s).",
                            **_args(model, fname, value),
                            min=DATE_MIN,
                            max=DATE_MAX,
                        )
                    )
            elif ftype == "selection":
                try:
                    field.convert_to_cache(value, model)
                except (TypeError, ValueError):
                    raise _wrong_value(model, fname, value) from None
            elif ftype == "boolean":
                if not isinstance(value, bool | int) or isinstance(value, int) and value not in (0, 1):
                    raise _wrong_value(model, fname, value)
            elif ftype == "many2many":
                for record_id in _x2many_ids(model, fname, value):
                    many2one_ids.setdefault(field.comodel_name, {}).setdefault(record_id, fname)
            elif ftype == "many2one":
                if isinstance(value, models.BaseModel):
                    continue
                if isinstance(value, tuple) and len(value) == 2:
                    value = value[0]  # (id, name), as the ORM accepts
                if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT_MAX:
                    raise _wrong_value(model, fname, value)
                many2one_ids.setdefault(field.comodel_name, {}).setdefault(value, fname)
    for comodel, ids in many2one_ids.items():
        # existence only (no content): the record rules apply later, on use
        found = set(model.env[comodel].sudo().with_context(active_test=False).browse(ids).exists().ids)
        for missing in set(ids) - found:
            raise MissingError(
                model.env._(
                    "“%(field)s” (%(model)s): the record %(id)s does not exist or has been deleted.",
                    field=_label(model, ids[missing]),
                    model=model._description,
                    id=missing,
                )
            )


def _x2many_ids(model, fname, value):
    """The ids a many2many value refers to, after checking that it is a list
    of commands the ORM understands (or of ids); the ids must be positive
    integers."""
    if isinstance(value, models.BaseModel):
        return []
    if not isinstance(value, list | tuple):
        raise _wrong_value(model, fname, value)

    def record_id(item):
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= INT_MAX:
            raise _wrong_value(model, fname, value)
        return item

    ids = []
    for command in value:
        if isinstance(command, int) and not isinstance(command, bool):
            ids.append(record_id(command))
            continue
        if not isinstance(command, list | tuple) or not command or command[0] not in range(7):
            raise _wrong_value(model, fname, value)
        code = command[0]
        if code in (1, 2, 3, 4):  # update, delete, unlink, link: (code, id[, vals])
            if len(command) < 2:
                raise _wrong_value(model, fname, value)
            ids.append(record_id(command[1]))
            if code == 1 and not isinstance(command[2] if len(command) > 2 else None, dict):
                raise _wrong_value(model, fname, value)
        elif code == 6:  # set: (6, _, ids)
            if len(command) != 3 or not isinstance(command[2], list | tuple):
                raise _wrong_value(model, fname, value)
            ids.extend(record_id(item) for item in command[2])
        elif code == 0 and (len(command) != 3 or not isinstance(command[2], dict)):
            raise _wrong_value(model, fname, value)
    return ids


def search_unsearchable(records, operator, value):
    """``search=`` method of the figures computed on display (counts,
    summaries): a search on them gets a clear message instead of being
    ignored (with an error in the log) as Odoo does for a non-stored field."""
    raise UserError(
        records.env._(
            "This key-account figure is computed when shown and cannot be used in a search or a filter. "
            "Filter on the stored key-account fields (tier, health, risk, revenue, last contact...) instead."
        )
    )


def _number(model, fname, value, kind):
    """``value`` as a number of ``kind`` (int or float): numbers, and
    strings of numbers as data files and imports give them."""
    if isinstance(value, bool):
        raise _wrong_value(model, fname, value)
    if isinstance(value, str):
        try:
            value = kind(value.strip())
        except ValueError:
            raise _wrong_value(model, fname, value) from None
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int | float) or kind is int and not isinstance(value, int):
        raise _wrong_value(model, fname, value)
    if kind is float and isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            value = math.inf  # refused as not a usable number
    return value


def _args(model, fname, value):
    return {"field": _label(model, fname), "model": model._description, "value": value}


def check_range(record, fname, low, high, message=None):
    """Raise a ValidationError when ``record[fname]`` is not within
    ``[low, high]`` (or is NaN / infinite); empty values pass.

    :param message: the error's text, or a function that returns it (built
        only on an error: a constraint checking thousands of records does not
        translate a message and compute a name for each)"""
    value = record[fname]
    if value is False or value is None:
        return
    bad = isinstance(value, float) and not math.isfinite(value)
    if not bad and (low is not None and value < low or high is not None and value > high):
        bad = True
    if bad:
        raise ValidationError(
            (message() if callable(message) else message)
            or record.env._(
                "“%(field)s” of “%(record)s” must be between %(low)s and %(high)s (got %(value)s).",
                field=_label(record, fname),
                record=record.display_name,
                low=low,
                high=high,
                value=value,
            )
        )


def check_related_kept(records, vals_list):
    """Raise a ValidationError when ``vals_list`` (the create or write
    values of ``records``) gave a stored related field that cannot be set
    (no inverse: the review of a checklist line, the plan of an objective,
    the account of a record give its account, company, manager...) a value
    other than the one it follows. The ORM stores such a value as sent,
    and the record rules read those columns: a line of one's own review
    moved onto another team's account, or into no company. The same value
    as the one followed (an import that sends the column back) passes."""
    fnames = {
        fname
        for vals in vals_list
        for fname in vals
        if (field := records._fields.get(fname)) is not None and field.related and field.store and not field.inverse
    }
    for fname in sorted(fnames):
        path = records._fields[fname].related.split(".")
        for record in records.sudo():
            followed = record
            for name in path:
                followed = followed[name]
            if record[fname] != followed:
                raise ValidationError(
                    records.env._(
                        "“%(field)s” (%(model)s) follows “%(followed)s” and cannot be set: change “%(followed)s”.",
                        field=_label(records, fname),
                        model=records._description,
                        followed=_label(records, path[0]),
                    )
                )


def check_moved_access(records, vals):
    """After a write that moved ``records`` under another parent (the
    review of a checklist line, the plan of an objective: the records whose
    stored related fields follow them), check the record rules again on
    the records as they are now. Odoo checks them on the records as they
    were: a line of one's own review could be moved onto another team's
    review, planted there and out of reach."""
    if records.env.su:
        return
    parents = {
        field.related.split(".")[0]
        for field in records._fields.values()
        if field.related and field.store and not field.inverse
    }
    if vals.keys() & parents:
        records.check_access("write")


class KamInputMixin(models.AbstractModel):
    """Checks the values sent to the addon's models (see the module doc)."""

    _name = "kam.input.mixin"
    _description = "Key account input checks"

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list)
        # (a followed field given to create is computed again by the ORM: nothing to check)
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals])
        res = super().write(vals)
        check_related_kept(self, [vals])
        check_moved_access(self, vals)
        return res
