# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Contact cadence (跟进) and customer care (客户关怀): the activities that
remind a key account manager to call on an account.

Stage 5 and 6 of the daily pipeline (kam_pipeline.py), after the figures
(the last contact of each account) and the tiers (their contact interval):

* cadence: one follow-up activity for each key account whose last contact
  is older than its effective contact interval (:func:`effective_interval`);
* care: reminders N days ahead of the birthdays of the account's contacts,
  of its contract anniversaries and of the holidays (``kam.care.date``).

Activities are raised once, in bulk, by ``kam.activity``.
"""

import calendar
import logging
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .kam_activity import ActivityRequest
from .kam_input import MAX_INTERVAL_DAYS
from .kam_job import key_account_sql

_logger = logging.getLogger(__name__)

FOLLOW_UP_TYPE = "key_account_management.mail_activity_type_kam_follow_up"
CARE_TYPE = "key_account_management.mail_activity_type_kam_care"


# ----------------------------------------------------------------------
# The effective contact interval of an account: its own interval when set
# (not 0), else its tier's, else 0 (no cadence). Written once, in Python
# for records and in SQL for the jobs that read every account at once.
# ----------------------------------------------------------------------
def effective_interval(account):
    """Effective contact interval (days) of ``account`` (a commercial
    partner, read as it is)."""
    return account.kam_contact_interval_days or account.kam_tier_id.contact_interval_days or 0


def effective_interval_sql(partner="p", tier="t"):
    """The same as :func:`effective_interval`, in SQL, for a query that
    joins ``res_partner`` as ``partner`` and its ``kam_tier`` as ``tier``."""
    return SQL(
        "COALESCE(NULLIF(%s, 0), %s, 0)",
        SQL.identifier(partner, "kam_contact_interval_days"),
        SQL.identifier(tier, "contact_interval_days"),
    )


def occurrence_in_window(month, day, today, days):
    """Date of the next ``month``/``day`` occasion within ``[today, today +
    days]``, or None. Feb 29 falls on Feb 28 in non-leap years."""
    for year in (today.year, today.year + 1):
        leap_day_moved = month == 2 and day == 29 and not calendar.isleap(year)
        when = date(year, 2, 28) if leap_day_moved else date(year, month, day)
        if today <= when <= today + timedelta(days=days):
            return when
    return None


class KamCadenceEngine(models.AbstractModel):
    """Decides which key accounts are due for contact and which care
    occasions are near, and raises one activity for each (never twice)."""

    _name = "kam.cadence.engine"
    _description = "Key account contact cadence and customer care"

    # ------------------------------------------------------------------
    # Contact cadence
    # ------------------------------------------------------------------
    @api.model
    def _run_cadence(self, batch_size=None):
        """Daily: one follow-up activity (reason "cadence") for the manager of
        each key account overdue for contact, never a duplicate while one is
        open. Accounts without manager are skipped; accounts whose interval
        is out of bounds (older data) are left out and reported."""
        return self.env["kam.job"]._run_in_batches(
            self._overdue_account_ids(with_manager=True),
            self._raise_cadence_activities,
            batch_size=batch_size,
            skipped=self._bad_interval_accounts(),
        )

    @api.model
    def _overdue_account_ids(self, with_manager=False):
        """Ids of the key accounts (commercial entities) whose last contact
        is older than their effective interval, or never contacted: one
        query for all accounts."""
        self.env["res.partner"].flush_model(
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
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id
                  FROM res_partner p
             LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
                 WHERE %(key_account)s
                   AND %(interval)s BETWEEN 1 AND %(max_interval)s
                   AND (p.kam_last_interaction_date IS NULL
                        OR p.kam_last_interaction_date < %(now)s::timestamp - make_interval(days => %(interval)s))
                   %(manager)s
              ORDER BY p.id
                """,
                key_account=key_account_sql("p"),
                interval=effective_interval_sql(),
                max_interval=MAX_INTERVAL_DAYS,
                now=fields.Datetime.now(),
                manager=SQL("AND p.kam_manager_id IS NOT NULL") if with_manager else SQL(""),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _bad_interval_accounts(self):
        """{id: reason} of the key accounts whose contact interval is out of
        bounds (older data, from before the constraints)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, %(interval)s
                  FROM res_partner p
             LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
                 WHERE %(key_account)s
                   AND %(interval)s NOT BETWEEN 0 AND %(max_interval)s
                """,
                key_account=key_account_sql("p"),
                interval=effective_interval_sql(),
                max_interval=MAX_INTERVAL_DAYS,
            )
        )
        return {
            pid: f"contact interval of {interval} days is out of bounds (0 to {MAX_INTERVAL_DAYS})"
            for pid, interval in self.env.cr.fetchall()
        }

    @api.model
    def _raise_cadence_activities(self, accounts):
        """One follow-up activity for the manager of each of ``accounts``
        (key accounts overdue for contact), unless one is open."""
        requests = []
        for account in accounts:
            # neutral text: the activity (and its "done" note in the chatter) is
            # seen by whoever reads the partner; the figures stay on the account
            summary = self.env._("Follow up with %s: contact is due", account.name)
            requests.append(ActivityRequest(account.id, "cadence", account.kam_manager_id.id, summary))
        return self.env["kam.activity"]._raise_once(requests, FOLLOW_UP_TYPE)

    # ------------------------------------------------------------------
    # Customer care
    # ------------------------------------------------------------------
    @api.model
    def _run_care(self, batch_size=None):
        """Daily: care reminders (birthdays of contacts, contract
        anniversaries, holidays) N days ahead (company setting), one per
        occasion and year, for the key account manager."""
        Job = self.env["kam.job"]
        domain = Job._key_account_domain() + [("kam_manager_id", "!=", False)]
        ids = self.env["res.partner"].search(domain, order="id").ids
        return Job._run_in_batches(ids, self._raise_care_activities, batch_size=batch_size)

    @api.model
    def _raise_care_activities(self, accounts):
        """The care reminders of ``accounts`` (key accounts) whose occasion
        falls within their company's days ahead."""
        accounts = accounts.filtered("kam_manager_id")
        if not accounts:
            return self.env["mail.activity"]
        today = fields.Date.context_today(self)
        days_before = {account: (account.company_id or self.env.company).kam_care_days_before for account in accounts}
        requests = (
            self._birthday_requests(accounts, today, days_before)
            + self._anniversary_requests(accounts, today, days_before)
            + self._holiday_requests(accounts, today, days_before)
        )
        return self.env["kam.activity"]._raise_once(requests, CARE_TYPE, include_done=True)

    def _care_request(self, account, reason, summary, when):
        return ActivityRequest(account.id, reason, account.kam_manager_id.id, summary, "", when)

    def _birthday_requests(self, accounts, today, days_before):
        """Birthdays of the active contacts of ``accounts``: one query."""
        contacts = accounts.with_context(active_test=True).search(
            [
                ("commercial_partner_id", "in", accounts.ids),
                ("id", "not in", accounts.ids),
                ("kam_birthday", "!=", False),
            ]
        )
        requests = []
        for contact in contacts:
            account = contact.commercial_partner_id
            birthday = contact.kam_birthday
            when = occurrence_in_window(birthday.month, birthday.day, today, days_before[account])
            if when:
                summary = self.env._(
                    "Birthday of %(contact)s (%(account)s) on %(date)s",
                    contact=contact.name,
                    account=account.name,
                    date=fields.Date.to_string(when),
                )
                requests.append(self._care_request(account, f"care:birthday:{contact.id}:{when.year}", summary, when))
        return requests

    def _anniversary_requests(self, accounts, today, days_before):
        """Contract anniversaries of ``accounts`` (not the signing day)."""
        requests = []
        for account in accounts.filtered("kam_contract_date"):
            signed = account.kam_contract_date
            when = occurrence_in_window(signed.month, signed.day, today, days_before[account])
            if when and when.year > signed.year:
                summary = self.env._(
                    "%(years)s-year contract anniversary of %(account)s on %(date)s",
                    years=when.year - signed.year,
                    account=account.name,
                    date=fields.Date.to_string(when),
                )
                requests.append(self._care_request(account, f"care:anniversary:{when.year}", summary, when))
        return requests

    def _holiday_requests(self, accounts, today, days_before):
        """Holidays (``kam.care.date``) of the accounts' companies: one query."""
        requests = []
        for care_date in self.env["kam.care.date"].sudo().search([]):
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
                when = occurrence_in_window(int(care_date.month), care_date.day, today, days_before[account])
                if when:
                    summary = self.env._(
                        "%(holiday)s greetings for %(account)s on %(date)s",
                        holiday=care_date.name,
                        account=account.name,
                        date=fields.Date.to_string(when),
                    )
                    requests.append(
                        self._care_request(account, f"care:holiday:{care_date.id}:{when.year}", summary, when)
                    )
        return requests
