# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
import logging
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from . import kam_account_privacy as private
from .kam_activity import ActivityRequest
from .kam_input import DATE_MAX, DATE_MIN, MAX_INTERVAL_DAYS, check_input, check_range
from .res_partner import KAM_ACCOUNT_FIELDS

CADENCE_FIELDS = {"kam_contact_interval_days", "kam_contract_date"}
# Account members edit these like the other key-account fields (same access check).
KAM_ACCOUNT_FIELDS.update(CADENCE_FIELDS)

#: the effective contact interval of an account (``p``) and its tier (``t``)
CADENCE_INTERVAL_SQL = SQL("COALESCE(NULLIF(p.kam_contact_interval_days, 0), t.contact_interval_days, 0)")

_logger = logging.getLogger(__name__)

FOLLOW_UP_TYPE = "key_account_management.mail_activity_type_kam_follow_up"
CARE_TYPE = "key_account_management.mail_activity_type_kam_care"


def occurrence_in_window(month, day, today, days):
    """Date of the next ``month``/``day`` occasion within ``[today, today +
    days]``, or None. Feb 29 falls on Feb 28 in non-leap years."""
    for year in (today.year, today.year + 1):
        leap_day_moved = month == 2 and day == 29 and not calendar.isleap(year)
        when = date(year, 2, 28) if leap_day_moved else date(year, month, day)
        if today <= when <= today + timedelta(days=days):
            return when
    return None


class ResPartner(models.Model):
    """Contact cadence (跟进) and customer care (客户关怀) of key accounts."""

    _inherit = "res.partner"

    kam_contact_interval_days = private.Integer(
        "Contact Every (days, override)",
        copy=False,
        help="Contact this account at least this often. 0 uses the interval of its tier.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_effective_contact_interval = private.Integer(
        "Effective Contact Interval (days)",
        compute="_compute_kam_contact_cadence",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        help="The account's own interval when set, else its tier's. 0: no cadence.",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_contact_overdue = private.Boolean(
        "Overdue for Contact",
        compute="_compute_kam_contact_cadence",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        search="_search_kam_contact_overdue",
        help="Last contact older than the contact interval, or never contacted.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_contract_date = private.Date(
        "Contract Signed On",
        copy=False,
        help="Its anniversaries raise a customer care reminder.",
        groups="key_account_management.group_kam_viewer",
    )

    @api.constrains("kam_contact_interval_days")
    def _check_kam_contact_interval_days(self):
        for partner in self.sudo():  # account-private fields: the real values
            if partner.kam_contact_interval_days < 0:
                raise ValidationError(
                    self.env._(
                        "The contact interval of “%s” cannot be negative: enter a number of days, "
                        "or 0 to use the interval of its tier.",
                        partner.display_name,
                    )
                )
            if partner.kam_contact_interval_days > MAX_INTERVAL_DAYS:
                raise ValidationError(
                    self.env._(
                        "The contact interval of “%(account)s” is a number of days from 1 to %(max)s, "
                        "or 0 to use the interval of its tier.",
                        account=partner.display_name,
                        max=MAX_INTERVAL_DAYS,
                    )
                )

    @api.constrains("kam_key_account_since", "kam_contract_date")
    def _check_kam_account_dates(self):
        """Kept here, not in res_partner.py: key account since is not in the
        future (reviews and figures count from it), contract dates within
        the dates the addon accepts."""
        today = fields.Date.context_today(self)
        for partner in self.sudo():  # account-private fields: the real values
            check_range(
                partner,
                "kam_key_account_since",
                DATE_MIN,
                today,
                self.env._(
                    "“Key Account Since” of “%(account)s” cannot be in the future (or before %(min)s).",
                    account=partner.display_name,
                    min=DATE_MIN,
                ),
            )
            check_range(partner, "kam_contract_date", DATE_MIN, DATE_MAX)

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, self._kam_input_fields())
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], self._kam_input_fields())
        return super().write(vals)

    @api.model
    def _kam_input_fields(self):
        """The addon's fields on contacts, whose input is checked (computed
        once per registry)."""
        cls = type(self)
        if "_kam_input_fnames" not in cls.__dict__:
            cls._kam_input_fnames = frozenset(
                fname for fname, field in self._fields.items() if field._module == "key_account_management"
            )
        return cls._kam_input_fnames

    @api.depends(
        "commercial_partner_id.kam_contact_interval_days",
        "commercial_partner_id.kam_tier_id.contact_interval_days",
        "commercial_partner_id.kam_last_interaction_date",
        "commercial_partner_id.kam_is_key_account",
    )
    @api.depends_context("uid")
    def _compute_kam_contact_cadence(self):
        now = fields.Datetime.now()
        for partner in self:
            account = partner.commercial_partner_id
            interval = account.kam_contact_interval_days or account.kam_tier_id.contact_interval_days
            partner.kam_effective_contact_interval = interval
            last = account.kam_last_interaction_date
            # an interval out of bounds (older data) gives no cadence, not an overflow
            partner.kam_contact_overdue = bool(
                account.kam_is_key_account
                and 0 < interval <= MAX_INTERVAL_DAYS
                and (not last or last < now - timedelta(days=interval))
            )

    def _search_kam_contact_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Search “Overdue for Contact” with = or != and True or False."))
        overdue = self._kam_overdue_account_ids()
        if not private.sees_all_accounts(self.env):
            # another team's account is never found by its (account-private) cadence
            overdue = self.sudo()._search([("id", "in", overdue)] + self.env["kam.job"]._member_domain())
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", overdue)]

    def _commercial_fields(self):
        return super()._commercial_fields() + sorted(CADENCE_FIELDS)

    # ------------------------------------------------------------------
    # Contact cadence
    # ------------------------------------------------------------------
    @api.model
    def _kam_overdue_account_ids(self, with_manager=False):
        """Ids of the key accounts (commercial entities) whose last contact
        is older than their effective interval, or never contacted: one
        query for all accounts."""
        self.flush_model(
            [
                "kam_is_key_account",
                "commercial_partner_id",
                "active",
                "kam_tier_id",
                "kam_manager_id",
                "kam_contact_interval_days",
                "kam_last_interaction_date",
            ]
        )
        self.env["kam.tier"].flush_model(["contact_interval_days"])
        interval = CADENCE_INTERVAL_SQL
        query = SQL(
            """
            SELECT p.id
              FROM res_partner p
         LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
             WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id AND p.active
               AND %(interval)s BETWEEN 1 AND %(max_interval)s
               AND (p.kam_last_interaction_date IS NULL
                    OR p.kam_last_interaction_date < %(now)s::timestamp - make_interval(days => %(interval)s))
               %(manager)s
          ORDER BY p.id
            """,
            interval=interval,
            max_interval=MAX_INTERVAL_DAYS,
            now=fields.Datetime.now(),
            manager=SQL("AND p.kam_manager_id IS NOT NULL") if with_manager else SQL(""),
        )
        self.env.cr.execute(query)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _cron_kam_contact_cadence(self, batch_size=None):
        """Daily: one follow-up activity (reason "cadence") for the manager of
        each key account overdue for contact, never a duplicate while one is
        open. Accounts without manager are skipped."""
        ids = self._kam_overdue_account_ids(with_manager=True)
        return self.env["kam.job"]._run_in_batches(
            ids,
            type(self)._kam_raise_cadence_activities,
            batch_size=batch_size,
            skipped=self._kam_bad_interval_accounts(),
        )

    @api.model
    def _kam_bad_interval_accounts(self):
        """{id: reason} of the key accounts whose contact interval is out of
        bounds (older data, from before the constraints): the cadence job
        leaves them out and reports them."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, %(interval)s
                  FROM res_partner p
             LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
                 WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id AND p.active
                   AND %(interval)s NOT BETWEEN 0 AND %(max_interval)s
                """,
                interval=CADENCE_INTERVAL_SQL,
                max_interval=MAX_INTERVAL_DAYS,
            )
        )
        return {
            pid: f"contact interval of {interval} days is out of bounds (0 to {MAX_INTERVAL_DAYS})"
            for pid, interval in self.env.cr.fetchall()
        }

    def _kam_raise_cadence_activities(self):
        requests = []
        for account in self:
            # neutral text: the activity (and its "done" note in the chatter) is
            # seen by whoever reads the partner; the figures stay on the account
            summary = self.env._("Follow up with %s: contact is due", account.name)
            requests.append(ActivityRequest(account.id, "cadence", account.kam_manager_id.id, summary))
        return self.env["kam.activity"]._raise_once(requests, FOLLOW_UP_TYPE)

    # ------------------------------------------------------------------
    # Customer care
    # ------------------------------------------------------------------
    @api.model
    def _cron_kam_customer_care(self, batch_size=None):
        """Daily: care reminders (birthdays of contacts, contract
        anniversaries, holidays) N days ahead (company setting), one per
        occasion and year, for the key account manager."""
        ids = self.search(self.env["kam.job"]._key_account_domain() + [("kam_manager_id", "!=", False)], order="id").ids
        return self.env["kam.job"]._run_in_batches(ids, type(self)._kam_raise_care_activities, batch_size=batch_size)

    def _kam_raise_care_activities(self):
        today = fields.Date.context_today(self)
        accounts = self.filtered("kam_manager_id")
        if not accounts:
            return self.env["mail.activity"]

        def days_for(account):
            return (account.company_id or self.env.company).kam_care_days_before

        requests = []
        # birthdays of the contacts of these accounts: one query
        contacts = self.with_context(active_test=True).search(
            [
                ("commercial_partner_id", "in", accounts.ids),
                ("id", "not in", accounts.ids),
                ("kam_birthday", "!=", False),
            ]
        )
        for contact in contacts:
            account = contact.commercial_partner_id
            when = occurrence_in_window(contact.kam_birthday.month, contact.kam_birthday.day, today, days_for(account))
            if when:
                summary = self.env._(
                    "Birthday of %(contact)s (%(account)s) on %(date)s",
                    contact=contact.name,
                    account=account.name,
                    date=fields.Date.to_string(when),
                )
                requests.append(
                    ActivityRequest(
                        account.id,
                        f"care:birthday:{contact.id}:{when.year}",
                        account.kam_manager_id.id,
                        summary,
                        "",
                        when,
                    )
                )
        # contract anniversaries
        for account in accounts.filtered("kam_contract_date"):
            signed = account.kam_contract_date
            when = occurrence_in_window(signed.month, signed.day, today, days_for(account))
            if when and when.year > signed.year:
                summary = self.env._(
                    "%(years)s-year contract anniversary of %(account)s on %(date)s",
                    years=when.year - signed.year,
                    account=account.name,
                    date=fields.Date.to_string(when),
                )
                requests.append(
                    ActivityRequest(
                        account.id, f"care:anniversary:{when.year}", account.kam_manager_id.id, summary, "", when
                    )
                )
        # holidays: one query
        care_dates = self.env["kam.care.date"].sudo().search([])
        for care_date in care_dates:
            try:
                occurrence_in_window(int(care_date.month), care_date.day, today, 0)
            except (TypeError, ValueError):
                # a day the month does not have (older data): no reminder,
                # the other dates and accounts go on
                _logger.warning(
                    "kam care: care date %s skipped: no day %s in month %s",
                    care_date.id,
                    care_date.day,
                    care_date.month,
                )
                continue
            for account in accounts:
                if care_date.company_id and care_date.company_id != (account.company_id or self.env.company):
                    continue
                when = occurrence_in_window(int(care_date.month), care_date.day, today, days_for(account))
                if when:
                    summary = self.env._(
                        "%(holiday)s greetings for %(account)s on %(date)s",
                        holiday=care_date.name,
                        account=account.name,
                        date=fields.Date.to_string(when),
                    )
                    requests.append(
                        ActivityRequest(
                            account.id,
                            f"care:holiday:{care_date.id}:{when.year}",
                            account.kam_manager_id.id,
                            summary,
                            "",
                            when,
                        )
                    )
        return self.env["kam.activity"]._raise_once(requests, CARE_TYPE, include_done=True)
