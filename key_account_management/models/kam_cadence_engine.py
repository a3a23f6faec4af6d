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
import functools
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .kam_activity import ActivityRequest
from .kam_input import MAX_INTERVAL_DAYS
from .kam_job import key_account_sql

_logger = logging.getLogger(__name__)

FOLLOW_UP_TYPE = "key_account_management.mail_activity_type_kam_follow_up"
CARE_TYPE = "key_account_management.mail_activity_type_kam_care"

#: The partner date columns of the care occasions, each indexed on its month and day
#: (``month_day_sql``, res_partner.init) where set.
CARE_DATE_COLUMNS = ("kam_birthday", "kam_contract_date")


def month_day_sql(column):
    """``month * 100 + day`` of a date ``column`` (``alias.column``, or a
    column alone): what the care window is keyed on. The partial indexes of
    ``res_partner.init`` are on this expression, which the care query must
    use as it is: a daily run then reads only the few birthdays and contract
    anniversaries of its window (all key accounts and contacts scanned
    otherwise: 0.28 s on the 100,000-account bench, 0.1 ms with the index)."""
    return SQL("(EXTRACT(MONTH FROM %(c)s) * 100 + EXTRACT(DAY FROM %(c)s))::int", c=SQL.identifier(*column.split(".")))


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


class KamCadenceEngine(models.AbstractModel):
    """Decides which key accounts are due for contact and which care
    occasions are near, and raises one activity for each (never twice)."""

    _name = "kam.cadence.engine"
    _description = "Key account contact cadence and customer care"

    # ------------------------------------------------------------------
    # Contact cadence
    # ------------------------------------------------------------------
    #: from this many activities in one batch on, they are created in one
    #: INSERT (``kam.activity`` ``bulk``): a first run; a daily run has few
    BULK_MIN = 100

    @api.model
    def _run_cadence(self, batch_size=None):
        """Daily: one follow-up activity (reason "cadence") for the manager of
        each key account overdue for contact, never a duplicate while one is
        open. Accounts without manager are skipped; accounts whose interval
        is out of bounds (older data) are left out and reported.

        Only the accounts that can get a new follow-up are looked at: overdue
        and without an open one (one query), so a daily run after the first
        reads the few accounts that fell due since the day before."""
        due, skipped = self._cadence_accounts(with_manager=True, without_open=True, bad=True)
        return self.env["kam.job"]._run_in_batches(
            due, self._raise_cadence_activities, batch_size=batch_size, skipped=skipped
        )

    @api.model
    def _overdue_account_ids(self, with_manager=False, without_open=False):
        """Ids of the key accounts (commercial entities) whose last contact
        is older than their effective interval, or never contacted: one
        query for all accounts. ``without_open``: only those without an open
        follow-up activity (the ones a run of the cadence would raise one for)."""
        return self._cadence_accounts(with_manager=with_manager, without_open=without_open, bad=False)[0]

    @api.model
    def _cadence_accounts(self, with_manager, without_open, bad):
        """(ids, skipped) of the key accounts in one scan of them: the ids
        overdue for contact (``_overdue_account_ids``), in order, and with
        ``bad`` the {id: reason} of those whose contact interval is out of
        bounds (older data, from before the constraints), to report."""
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
        if without_open:
            self.env["mail.activity"].flush_model(["res_model", "res_id", "kam_reason", "active"])
        in_bounds = SQL("acc.days BETWEEN 1 AND %s", MAX_INTERVAL_DAYS)
        out_of_bounds = SQL("acc.days NOT BETWEEN 0 AND %s", MAX_INTERVAL_DAYS)
        self.env.cr.execute(
            SQL(
                """
                WITH acc AS MATERIALIZED (
                    SELECT *
                      FROM (SELECT p.id, p.kam_manager_id, p.kam_last_interaction_date AS last,
                                   %(interval)s AS days
                              FROM res_partner p
                         LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
                             WHERE %(key_account)s) AS acc
                     -- overdue, or out of bounds (the interval in bounds before the date arithmetic)
                     WHERE CASE WHEN %(in_bounds)s
                                THEN acc.last IS NULL OR acc.last < %(now)s::timestamp - make_interval(days => acc.days)
                                ELSE %(bad)s
                           END
                ), overdue AS (
                    SELECT acc.id FROM acc WHERE %(in_bounds)s %(manager)s
                    %(without_open)s
                )
                SELECT id, FALSE, NULL FROM overdue
                 UNION ALL
                SELECT acc.id, TRUE, acc.days FROM acc WHERE %(bad)s
              ORDER BY 1
                """,
                key_account=key_account_sql("p"),
                interval=effective_interval_sql(),
                in_bounds=in_bounds,
                now=fields.Datetime.now(),
                manager=SQL("AND acc.kam_manager_id IS NOT NULL") if with_manager else SQL(""),
                # (a set difference, hashed: NOT EXISTS was planned as a probe of the activities for each
                # overdue account, 0.19 s against 0.08 s when 50,000 of 100,000 accounts have their follow-up)
                without_open=SQL(
                    """EXCEPT
                       SELECT a.res_id FROM mail_activity a
                        WHERE a.kam_reason = 'cadence' AND a.res_model = 'res.partner' AND a.active"""
                )
                if without_open
                else SQL(""),
                bad=out_of_bounds if bad else SQL("FALSE"),
            )
        )
        due, skipped = [], {}
        for pid, out_of_bounds, interval in self.env.cr.fetchall():
            if out_of_bounds:
                skipped[pid] = f"contact interval of {interval} days is out of bounds (0 to {MAX_INTERVAL_DAYS})"
            else:
                due.append(pid)
        return due, skipped

    @api.model
    def _raise_cadence_activities(self, accounts):
        """One follow-up activity for the manager of each of ``accounts``
        (key accounts overdue for contact), unless one is open."""
        bulk = len(accounts) >= self.BULK_MIN
        if bulk:
            # many (a first run): their names in one query, not every column
            rows = self._account_rows(accounts)
        else:
            # few: through the ORM, which ``mail.activity.create`` reads them from
            rows = [(account.id, account.name, account.kam_manager_id.id, None) for account in accounts]
        # the owner of the duty contact follow-ups are routed to (kam_routing.py), else the manager
        owners = self.env["kam.routing"]._route((row[0], "cadence", row[2]) for row in rows)
        requests = []
        names = {}
        for (account_id, name, __, display_name), manager_id in zip(rows, owners, strict=True):
            # neutral text: the activity (and its "done" note in the chatter) is
            # seen by whoever reads the partner; the figures stay on the account.
            # In the language of the manager it is for.
            def summary(env, name=name):
                return env._("Follow up with %s: contact is due", name)

            requests.append(ActivityRequest(account_id, "cadence", manager_id, summary))
            if display_name and display_name == display_name.strip():
                names[account_id] = display_name
        return self.env["kam.activity"]._raise_once(requests, FOLLOW_UP_TYPE, bulk=bulk, names=names)

    @api.model
    def _account_rows(self, accounts):
        """``(id, name, manager id, display name or None)`` of ``accounts`` in
        one query (not the ORM's read of every column of a partner). The
        display name is the name for a commercial entity that is a company
        or has no parent (``res.partner._get_complete_name``, stripped of
        whitespace by the caller); else None (the ORM computes it)."""
        self.env["res.partner"].flush_model(["name", "kam_manager_id", "is_company", "parent_id", "company_name"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, name, kam_manager_id,
                       CASE WHEN name IS NOT NULL AND name != ''
                             AND (is_company OR (parent_id IS NULL AND company_name IS NULL))
                            THEN name END
                  FROM res_partner
                 WHERE id = ANY(%s)
              ORDER BY id
                """,
                accounts.ids,
            )
        )
        return self.env.cr.fetchall()

    # ------------------------------------------------------------------
    # Customer care
    # ------------------------------------------------------------------
    @api.model
    def _run_care(self, batch_size=None):
        """Daily: care reminders (birthdays of contacts, contract
        anniversaries, holidays) N days ahead (company setting), one per
        occasion and year, for the key account manager.

        Only the accounts with an occasion in their window that has no
        reminder yet are looked at (one query, on month and day): a daily
        run reads the few accounts whose occasion came into the window."""
        today = fields.Date.context_today(self)
        ids = sorted({row[0] for row in self._care_occasions(today)})
        return self.env["kam.job"]._run_in_batches(ids, self._raise_care_activities, batch_size=batch_size)

    @api.model
    def _raise_care_activities(self, accounts):
        """The care reminders of ``accounts`` (key accounts) whose occasion
        falls within their company's days ahead."""
        accounts = accounts.filtered("kam_manager_id")
        if not accounts:
            return self.env["mail.activity"]
        today = fields.Date.context_today(self)
        requests = []
        for account_id, reason, user_id, when, kind, account_name, name, years in self._care_occasions(
            today, accounts.ids
        ):
            # in the language of the user it is for (a holiday by its name in that language)
            summary = functools.partial(
                self._care_summary, kind=kind, account=account_name, name=name, years=years, when=when, reason=reason
            )
            requests.append(ActivityRequest(account_id, reason, user_id, summary, "", when))
        return self.env["kam.activity"]._raise_once(
            requests, CARE_TYPE, include_done=True, bulk=len(requests) >= self.BULK_MIN
        )

    @api.model
    def _care_summary(self, env, kind, account, name, years, when, reason):
        """The summary of a care reminder, in the language of ``env``."""
        date_text = fields.Date.to_string(when)
        if kind == "birthday":
            return env._(
                "Birthday of %(contact)s (%(account)s) on %(date)s", contact=name, account=account, date=date_text
            )
        if kind == "anniversary":
            return env._(
                "%(years)s-year contract anniversary of %(account)s on %(date)s",
                years=years,
                account=account,
                date=date_text,
            )
        # "care:holiday:<kam.care.date id>:<year>": its name in the reader's language
        holiday = env["kam.care.date"].sudo().browse(int(reason.split(":")[2])).name or name
        return env._(
            "%(holiday)s greetings for %(account)s on %(date)s", holiday=holiday, account=account, date=date_text
        )

    @api.model
    def _care_window(self, today, days):
        """{(month, day): date} of the occasions within ``[today, today +
        days]``, each at its first date in it, as the care dates'
        ``gregorian_occurrences`` (Feb 29 falls on Feb 28 in non-leap years)."""
        window = {}
        for offset in range(days + 1):
            when = today + timedelta(days=offset)
            window.setdefault((when.month, when.day), when)
            if when.month == 2 and when.day == 28 and not calendar.isleap(when.year):
                window.setdefault((2, 29), when)
        return window

    @api.model
    def _care_date_occurrences(self, start, end):
        """[(id, date, company id, name, year)] of the active holidays
        (``kam.care.date``) between ``start`` and ``end``, at their first
        date there: Gregorian dates
        on their day (Feb 29 on Feb 28 in other years), lunar ones on their
        Gregorian date of the year; ``year`` tells the occurrence (the lunar
        year of a lunar date). A day its month does not have (older data) is
        logged and gives no reminder."""
        found = []
        for care_date in self.env["kam.care.date"].sudo().search([]):
            if not care_date._valid_day():
                # the other dates and accounts go on
                _logger.warning(
                    "kam care: care date %s skipped: no day %s in month %s",
                    care_date.id,
                    care_date.day,
                    care_date.month,
                )
                continue
            found += [
                (care_date.id, when, care_date.company_id.id, care_date.name, year)
                # its first date in the window, as the birthdays and anniversaries
                for when, year in care_date._occurrences(start, end)[:1]
            ]
        return found

    @api.model
    def _care_occasions(self, today, account_ids=None):
        """The care occasions without reminder yet, in one query: rows
        ``(account id, reason, manager id, date, kind, account name, contact
        or holiday name, years of the contract)`` for the key accounts with a
        manager (only ``account_ids`` when given) whose birthdays of active
        contacts, contract anniversaries (not the signing day) or holidays of
        their company fall within their company's days ahead, on month and
        day. A reminder raised (open or done) for the same reason hides its
        occasion."""
        max_days = max(self.env["res.company"].sudo().search([]).mapped("kam_care_days_before") or [0])
        window = self._care_window(today, max_days)
        holidays = [
            (holiday_id, when, company_id or 0, name, year)
            for holiday_id, when, company_id, name, year in self._care_date_occurrences(
                today, today + timedelta(days=max_days)
            )
        ]
        self.env["res.partner"].flush_model(
            [
                "kam_is_key_account",
                "commercial_partner_id",
                "active",
                "kam_manager_id",
                "company_id",
                "name",
                "kam_birthday",
                "kam_contract_date",
            ]
        )
        self.env["res.company"].flush_model(["kam_care_days_before"])
        self.env["mail.activity"].flush_model(["res_model", "res_id", "kam_reason"])
        # the accounts: the given ones (the batches of the job, a form
        # button), else every key account; with a manager, and the last day
        # of the window of their company
        account = SQL(
            """%(accounts)s AND a.kam_manager_id IS NOT NULL
               AND win.date <= %(today)s::date + (SELECT c.kam_care_days_before FROM res_company c
                                                   WHERE c.id = COALESCE(a.company_id, %(company)s))""",
            accounts=SQL("a.id = ANY(%s)", list(account_ids)) if account_ids is not None else key_account_sql("a"),
            today=today,
            company=self.env.company.id,
        )
        occasions = [
            SQL(
                """
                SELECT a.id, 'care:birthday:' || contact.id || ':' || EXTRACT(YEAR FROM win.date)::int AS reason,
                       a.kam_manager_id, win.date, 'birthday' AS kind, a.name, contact.name AS other, 0 AS years
                  FROM res_partner contact
                  JOIN win ON win.month_day = %(birthday)s
                  JOIN res_partner a ON a.id = contact.commercial_partner_id AND a.id != contact.id
                 WHERE contact.kam_birthday IS NOT NULL AND contact.active AND %(account)s
                """,
                birthday=month_day_sql("contact.kam_birthday"),
                account=account,
            ),
            SQL(
                """
                SELECT a.id, 'care:anniversary:' || EXTRACT(YEAR FROM win.date)::int,
                       a.kam_manager_id, win.date, 'anniversary', a.name, NULL,
                       (EXTRACT(YEAR FROM win.date) - EXTRACT(YEAR FROM a.kam_contract_date))::int
                  FROM res_partner a
                  JOIN win ON win.month_day = %(signed)s
                 WHERE a.kam_contract_date IS NOT NULL AND %(account)s
                   AND EXTRACT(YEAR FROM win.date) > EXTRACT(YEAR FROM a.kam_contract_date)
                """,
                signed=month_day_sql("a.kam_contract_date"),
                account=account,
            ),
        ]
        if holidays:
            # (the holidays in the window, as ``win``: the date condition of ``account`` reads win.date)
            occasions.append(
                SQL(
                    """
                SELECT a.id, 'care:holiday:' || win.id || ':' || win.year,
                       a.kam_manager_id, win.date, 'holiday', a.name, win.name, 0
                  FROM unnest(%(ids)s::int[], %(dates)s::date[], %(companies)s::int[], %(names)s::text[],
                              %(years)s::int[])
                       AS win(id, date, company_id, name, year)
                  JOIN res_partner a ON win.company_id IN (0, COALESCE(a.company_id, %(company)s))
                 WHERE %(account)s
                    """,
                    ids=[h[0] for h in holidays],
                    dates=[h[1] for h in holidays],
                    companies=[h[2] for h in holidays],
                    names=[h[3] for h in holidays],
                    years=[h[4] for h in holidays],
                    company=self.env.company.id,
                    account=account,
                )
            )
        self.env.cr.execute(
            SQL(
                """
                WITH win AS (
                    SELECT * FROM unnest(%(month_days)s::int[], %(dates)s::date[]) AS w(month_day, date)
                ), occasion AS (%(occasions)s)
                SELECT occasion.*
                  FROM occasion
                 WHERE NOT EXISTS (SELECT 1 FROM mail_activity act
                                    WHERE act.kam_reason = occasion.reason AND act.res_model = 'res.partner'
                                      AND act.res_id = occasion.id)
              ORDER BY occasion.id, occasion.date, occasion.reason
                """,
                month_days=[month * 100 + day for month, day in window],
                dates=list(window.values()),
                occasions=SQL(" UNION ALL ").join(occasions),
            )
        )
        return self.env.cr.fetchall()
