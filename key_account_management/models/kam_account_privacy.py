# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Per-account privacy of the key-account fields of res.partner.

``groups=`` says who may read a field at all. It cannot say "only on the
accounts of my team", which is what the access table asks for Key Account
Users and Viewers: they read the profile, figures, health and risk of the
accounts they manage or are in the team of, and nothing of the others'.

The fields declared with the classes below (``private.Integer(...)``...)
stay stored on res.partner, so that managers sort, group, sum and search
them like any column. For a user who may not see every account
(:func:`sees_all_accounts` is false), two hooks narrow them to the accounts
of the user's teams (:func:`member_sql`, ``res.partner._kam_sees_account``):

* every read of a value in Python goes through the field descriptor:
  ``read``, ``web_read``, ``search_read``, exports, onchanges, reports and
  templates. On another team's account it gives the empty value;
* every SQL use of the column goes through ``_field_to_sql``: search by
  value, ``order``, ``read_group`` groups and aggregates. There the column
  becomes ``CASE WHEN <member> THEN column END``, so another team's account
  matches no condition on it and adds nothing to a sum, an average or a
  group other than "None".

The cache keeps the real values: they are fetched unmasked (the Python hook
masks them on the way out), so code running as superuser in the same
transaction still reads the truth.
"""

from contextvars import ContextVar

from odoo import fields
from odoo.tools import SQL

VIEWER_ALL = "key_account_management.group_kam_viewer_all"

#: True while res.partner fetches rows into the cache (see module docstring)
FETCHING = ContextVar("kam_account_privacy_fetching", default=False)


class _AccountPrivate:
    """Field mixin: the value is given only to users who see the account
    (the partner's commercial entity)."""

    kam_account_private = True

    def __get__(self, record, owner=None):
        if record is not None and self.relational and len(record) > 1:
            # a relational field read on several records (``mapped``, the co-records of web_read):
            # the union of what each gives
            value = record.env[self.comodel_name]
            for one in record:
                value |= self.__get__(one, owner)
            return value
        value = super().__get__(record, owner)
        if record is None or not value or record.env.su or record._name != "res.partner" or record._kam_sees_account():
            return value
        return self.convert_to_record(self.convert_to_cache(False, record, validate=False), record)


def _private(field_class):
    return type(field_class.__name__, (_AccountPrivate, field_class), {"__module__": __name__})


Boolean = _private(fields.Boolean)
Char = _private(fields.Char)
Date = _private(fields.Date)
Datetime = _private(fields.Datetime)
Float = _private(fields.Float)
Html = _private(fields.Html)
Integer = _private(fields.Integer)
Many2one = _private(fields.Many2one)
Monetary = _private(fields.Monetary)
Selection = _private(fields.Selection)
Text = _private(fields.Text)


def is_private(field):
    return getattr(field, "kam_account_private", False)


def sees_all_accounts(env):
    """Whether the user of ``env`` reads the private fields of every account
    they can read (superuser, key account managers, all-accounts viewers)."""
    return env.su or env.user.has_group(VIEWER_ALL)


def member_sql(model, alias, query):
    """SQL condition: the row ``alias`` of res.partner belongs to an account
    (commercial entity) that the current user manages or is in the team of."""
    uid = model.env.uid
    commercial = model._field_to_sql(alias, "commercial_partner_id", query)
    manager = SQL.identifier("kam_manager_id", to_flush=model._fields["kam_manager_id"])
    team = SQL.identifier("kam_partner_team_user_rel", to_flush=model._fields["kam_team_user_ids"])
    return SQL(
        "%s IN (SELECT id FROM res_partner WHERE %s = %s UNION ALL SELECT partner_id FROM %s WHERE user_id = %s)",
        commercial,
        manager,
        uid,
        team,
        uid,
    )
