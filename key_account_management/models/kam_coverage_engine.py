# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS, key_account_sql, partners_sql
from .kam_relationship import KEY_ROLES

#: Accounts learnt per statement.
COVERAGE_BATCH_SIZE = 5000
#: The job's last run (kam.job ``_last_run``).
JOB = "relationship_coverage"
#: Strength of a relationship: at least this many touches in the window, the
#: last within the first number of days, is strong; touched in the window, the
#: last within the second, is medium; touched in the window, weak.
STRONG_TOUCHES = 3
STRONG_DAYS = 30
MEDIUM_DAYS = 90
#: Columns the learning writes (besides the key partner, contact, user).
LEARNT_COLUMNS = ["company_id", "kam_manager_id", "touches", "last_date", "last_channel", "is_key_person"]
#: Account columns (res.partner) the learning writes.
ACCOUNT_COLUMNS = [
    "kam_coverage_touches",
    "kam_coverage_contacts",
    "kam_coverage_top_share",
    "kam_coverage_top_contact_id",
    "kam_single_threaded",
]
#: Account columns (res.partner) the dating writes.
DATED_ACCOUNT_COLUMNS = ["kam_unreached_count", "kam_silent_count"]


class KamCoverageEngine(models.AbstractModel):
    """Pipeline stage ``relationship_coverage``: who at each key account is
    in touch with whom at our company (kam.relationship), from the done
    interactions of the account, and the account's coverage flags
    (res.partner): single-threaded, decision makers and champions not
    reached, contacts who went silent. The health stage turns the flags into
    risk signals (kam.health.engine)."""

    _name = "kam.coverage.engine"
    _description = "Key account relationship coverage"

    @api.model
    def _cron_kam_relationship_coverage(self):
        return self._run()

    @api.model
    def _run(self, batch_size=None, full=False, today=None):
        """Daily: the rows of the accounts whose interactions or contacts
        changed since the last run, or whose window moved over one of their
        interactions (every key account on the first run, once a week, with
        ``full`` or when a company's settings changed); then the flags that
        move with today (strength, silent, not reached) of every row, in one
        UPDATE; then the accounts' counts of the rows that changed."""
        Job = self.env["kam.job"]
        cr = self.env.cr
        started = cr.now()
        today = today or fields.Date.context_today(self)
        last_run = None if full else Job._last_run(JOB, full_every_days=FULL_RUN_DAYS)
        changed = self._changed_since(last_run, today) if last_run else None
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        Relationship = self.env["kam.relationship"]
        Relationship.flush_model()
        ids = Job._accounts_to_refresh("kam_relationship", changed)
        Relationship.invalidate_model()

        def learn_coverage(batch):
            self._learn(batch.ids, today=today)

        result = Job._run_in_batches(ids, learn_coverage, batch_size=batch_size or COVERAGE_BATCH_SIZE)
        if result.running_elsewhere:
            return result
        dated = self._date_rows(today, None if changed is None else ids, days_passing=changed is not None)
        self._write_counts(sorted(set(dated) | set(ids)))
        Job._set_last_run(JOB, started, full=changed is None)
        return result

    @api.model
    def _refresh(self, partner_ids, today=None):
        """Coverage of these key accounts now (the form's button, tests)."""
        today = today or fields.Date.context_today(self)
        self._learn(partner_ids, today=today)
        self._date_rows(today, partner_ids)
        self._write_counts(partner_ids)

    # ------------------------------------------------------------------
    # Which accounts (incremental run)
    # ------------------------------------------------------------------
    @api.model
    def _changed_since(self, last_run, today):
        """Ids of the accounts whose coverage may have changed since
        ``last_run``, or None when every account's may have (a company's
        settings changed): the account or one of its contacts written (a
        buying role, a contact archived or moved), its interactions written
        (new, done, other participants), its interactions the trailing
        window moved over since the last run's day. An interaction deleted or
        moved to another account leaves its former account's write date
        (``kam.interaction._kam_mark_changed``); what leaves no trace on the
        account (one of our users archived) is caught by the weekly full run."""
        self.env.flush_all()
        cr = self.env.cr
        since = last_run - CHANGE_MARGIN
        if self.env["kam.job"]._written_since(["res_company"], since):
            return None
        last_day = fields.Datetime.context_timestamp(self, last_run).date()
        windows = set(self.env["res.company"].sudo().search([]).mapped("kam_coverage_window_days"))
        ranges = [
            (self._day_start(last_day - timedelta(days=days)), self._day_start(today - timedelta(days=days)))
            for days in windows
        ]
        ranges = [(a, b) for a, b in ranges if a < b]
        moved = (
            SQL(" OR ").join(SQL("(i.date >= %s AND i.date < %s)", a, b) for a, b in sorted(set(ranges)))
            if ranges
            else SQL("FALSE")
        )
        cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id FROM res_partner p WHERE p.write_date >= %(since)s
                 UNION
                SELECT i.partner_id FROM kam_interaction i WHERE i.write_date >= %(since)s OR %(moved)s
                """,
                since=since,
                moved=moved,
            )
        )
        return [row[0] for row in cr.fetchall() if row[0]]

    @staticmethod
    def _day_start(day):
        return datetime.combine(day, time.min)

    # ------------------------------------------------------------------
    # Learning: one statement per batch of accounts for the rows, one for the accounts
    # ------------------------------------------------------------------
    @api.model
    def _touch_sql(self, partner_ids, today):
        """The CTEs ``acc`` (the key accounts among ``partner_ids`` with
        their company's settings), ``people`` (their active contacts) and
        ``touch`` (one row per done interaction of an account up to now and
        contact of the account it names, ``in_window`` when on or after the
        window's first day)."""
        return SQL(
            """
            acc AS MATERIALIZED (
                SELECT p.id, p.company_id, p.kam_manager_id,
                       %(today)s::date - COALESCE(c.kam_coverage_window_days, 180) AS window_start,
                       COALESCE(c.kam_coverage_min_touches, 5) AS min_touches,
                       COALESCE(c.kam_coverage_single_share, 80) AS single_share
                  FROM %(partners)s p
             LEFT JOIN res_company c ON c.id = COALESCE(p.company_id, %(company)s)
                 WHERE %(key_account)s
            ),
            people AS MATERIALIZED (
                SELECT ct.id, ct.commercial_partner_id AS account_id, ct.type, ct.kam_buying_role
                  FROM res_partner ct
                 WHERE ct.commercial_partner_id = ANY(%(ids)s) AND ct.id != ct.commercial_partner_id AND ct.active
            ),
            touch AS MATERIALIZED (
                SELECT i.id AS iid, i.partner_id, ct.id AS contact_id, i.date, i.channel,
                       i.date >= acc.window_start AS in_window
                  FROM acc
                  JOIN kam_interaction i ON i.partner_id = acc.id AND i.state = 'done' AND i.date <= %(now)s
                  JOIN kam_interaction_contact_rel r ON r.interaction_id = i.id
                  JOIN people ct ON ct.id = r.partner_id AND ct.account_id = i.partner_id
            )
            """,
            today=today,
            partners=partners_sql(partner_ids),
            company=self.env.company.id,
            key_account=key_account_sql("p"),
            ids=list(partner_ids),
            now=fields.Datetime.now(),
        )

    @api.model
    def _coverage_query(self, partner_ids, today):
        """SQL of the rows of these accounts: per contact, and per contact and
        user (active users named on the same interactions), the touches in
        the window, the last touch and its channel; the account's people
        never touched get a contact row too."""
        return SQL(
            """
            WITH %(touch)s,
            -- (materialized: the planner, expecting a few accounts, joined each account to the pairs
            -- computed again for it)
            pairs AS MATERIALIZED (
                SELECT t.partner_id, t.contact_id, NULL::int AS user_id,
                       COUNT(*) FILTER (WHERE t.in_window) AS touches, MAX(t.date) AS last_date,
                       (ARRAY_AGG(t.channel ORDER BY t.date DESC, t.iid DESC))[1] AS last_channel
                  FROM touch t
              GROUP BY t.partner_id, t.contact_id
                 UNION ALL
                SELECT t.partner_id, t.contact_id, u.user_id,
                       COUNT(*) FILTER (WHERE t.in_window), MAX(t.date),
                       (ARRAY_AGG(t.channel ORDER BY t.date DESC, t.iid DESC))[1]
                  FROM touch t
                  JOIN kam_interaction_user_rel u ON u.interaction_id = t.iid
                  JOIN res_users ru ON ru.id = u.user_id AND ru.active
              GROUP BY t.partner_id, t.contact_id, u.user_id
                 UNION ALL
                -- a person of the account never named on an interaction (a decision maker never reached)
                SELECT ct.account_id, ct.id, NULL::int, 0, NULL::timestamp, NULL::varchar
                  FROM people ct
                 WHERE ct.type = 'contact' AND ct.id NOT IN (SELECT t.contact_id FROM touch t)
            )
            SELECT pairs.partner_id, pairs.contact_id, pairs.user_id, acc.company_id, acc.kam_manager_id,
                   pairs.touches::int AS touches, pairs.last_date, pairs.last_channel,
                   COALESCE(ct.kam_buying_role IN %(roles)s, FALSE) AS is_key_person
              FROM pairs
              JOIN acc ON acc.id = pairs.partner_id
              JOIN people ct ON ct.id = pairs.contact_id
            """,
            touch=self._touch_sql(partner_ids, today),
            roles=KEY_ROLES,
        )

    @api.model
    def _learn(self, partner_ids, today=None):
        """Write the rows of these accounts (insert the new ones, update only
        those whose values changed, delete those of contacts no longer
        there), then the accounts' touches, contacts reached, main contact
        and single-threaded flag. Two statements.

        :return: (updated, inserted, deleted) row counts
        """
        if not partner_ids:
            return (0, 0, 0)
        today = today or fields.Date.context_today(self)
        self.env["res.partner"].flush_model(
            ["kam_manager_id", "commercial_partner_id", "active", "type", "kam_buying_role", "company_id"]
        )
        self.env["res.company"].flush_model(
            ["kam_coverage_window_days", "kam_coverage_min_touches", "kam_coverage_single_share"]
        )
        self.env["res.users"].flush_model(["active"])
        self.env["kam.interaction"].flush_model(["partner_id", "state", "date", "channel", "contact_ids", "user_ids"])
        Relationship = self.env["kam.relationship"]
        Relationship.flush_model()
        key = SQL(
            "r.partner_id = n.partner_id AND r.contact_id = n.contact_id AND r.user_id IS NOT DISTINCT FROM n.user_id"
        )
        cr = self.env.cr
        counts = self.env["kam.job"]._upsert_rows(
            "kam_relationship",
            ["partner_id", "contact_id", "user_id"],
            LEARNT_COLUMNS,
            self._coverage_query(partner_ids, today),
            partner_ids,
            # (a contact's own row has no user: NULL in the unique index is 0)
            conflict=SQL("partner_id, contact_id, COALESCE(user_id, 0)"),
            missing=SQL("NOT EXISTS (SELECT 1 FROM n WHERE %s)", key),
        )
        # the accounts: touches of the window (interactions naming at least one of their people), the
        # contacts reached, the main contact (most touches, then the latest), single-threaded when the
        # main contact carries the company's share of the touches and there are enough of them
        account_columns = [SQL.identifier(name) for name in ACCOUNT_COLUMNS]
        cr.execute(
            SQL(
                """
                WITH %(touch)s,
                total AS (
                    SELECT t.partner_id, COUNT(DISTINCT t.iid) AS touches
                      FROM touch t WHERE t.in_window GROUP BY t.partner_id
                ),
                reached AS (
                    SELECT t.partner_id, t.contact_id, COUNT(*) AS touches, MAX(t.date) AS last_date
                      FROM touch t WHERE t.in_window GROUP BY t.partner_id, t.contact_id
                ),
                top AS (
                    SELECT DISTINCT ON (r.partner_id) r.partner_id, r.contact_id, r.touches,
                           COUNT(*) OVER (PARTITION BY r.partner_id) AS contacts
                      FROM reached r
                  ORDER BY r.partner_id, r.touches DESC, r.last_date DESC, r.contact_id
                ),
                n AS (
                    SELECT acc.id,
                           COALESCE(total.touches, 0)::int AS kam_coverage_touches,
                           COALESCE(top.contacts, 0)::int AS kam_coverage_contacts,
                           CASE WHEN total.touches > 0
                                THEN ROUND(100.0 * top.touches / total.touches, 1)::float8 ELSE 0 END
                               AS kam_coverage_top_share,
                           top.contact_id AS kam_coverage_top_contact_id,
                           COALESCE(total.touches >= acc.min_touches
                                    AND 100.0 * top.touches >= acc.single_share * total.touches, FALSE)
                               AS kam_single_threaded
                      FROM acc
                 LEFT JOIN total ON total.partner_id = acc.id
                 LEFT JOIN top ON top.partner_id = acc.id
                )
                UPDATE res_partner p SET (%(columns)s) = (%(new_columns)s)
                  FROM n
                 WHERE p.id = n.id AND (%(old_columns)s) IS DISTINCT FROM (%(new_columns)s)
                """,
                touch=self._touch_sql(partner_ids, today),
                columns=SQL(", ").join(account_columns),
                new_columns=SQL(", ").join(SQL("n.%s", column) for column in account_columns),
                old_columns=SQL(", ").join(SQL("p.%s", column) for column in account_columns),
            )
        )
        Relationship.invalidate_model()
        self.env["res.partner"].invalidate_model(ACCOUNT_COLUMNS)
        return counts

    # ------------------------------------------------------------------
    # Dating: the flags that move with today, one UPDATE
    # ------------------------------------------------------------------
    @api.model
    def _date_rows(self, today=None, partner_ids=None, days_passing=False):
        """Strength, silent and not reached of every row (of these accounts)
        on ``today``, and the next day on which days passing alone change
        them (``next_change_date``: a threshold of days after the last touch
        reached), written only where they changed. Returns the accounts
        whose rows changed.

        ``days_passing``: also the rows of other accounts whose next change
        has come (the daily run: the rows of the accounts it learnt again,
        and those), read by the indexes on ``partner_id`` and
        ``next_change_date``, then updated by their ids; not every row."""
        today = today or fields.Date.context_today(self)
        self.env["res.company"].flush_model(["kam_coverage_reach_days", "kam_coverage_silent_days"])
        self.env["kam.relationship"].flush_model()
        scope = SQL("TRUE") if partner_ids is None else SQL("r.partner_id = ANY(%s)", list(partner_ids))
        if days_passing:
            self.env.cr.execute(
                SQL("SELECT r.id FROM kam_relationship r WHERE %s OR r.next_change_date <= %s", scope, today)
            )
            scope = SQL("r.id = ANY(%s)", [row[0] for row in self.env.cr.fetchall()])
        last_day = SQL("r.last_date::date")
        # the day after each threshold of days since the last touch, when still to come
        thresholds = [
            SQL("%s", STRONG_DAYS),
            SQL("%s", MEDIUM_DAYS),
            SQL("COALESCE(c.kam_coverage_silent_days, 90)"),
            SQL("COALESCE(c.kam_coverage_reach_days, 60)"),
        ]
        next_change = SQL(
            "LEAST(%s)",
            SQL(", ").join(
                SQL(
                    "CASE WHEN %(day)s + %(days)s + 1 > %(today)s::date THEN %(day)s + %(days)s + 1 END",
                    day=last_day,
                    days=days,
                    today=today,
                )
                for days in thresholds
            ),
        )
        self.env.cr.execute(
            SQL(
                """
                WITH d AS (
                    SELECT r.id, r.strength AS old_strength, r.silent AS old_silent, r.unreached AS old_unreached,
                           CASE WHEN r.touches >= %(strong_touches)s
                                     AND r.last_date >= %(today)s::date - %(strong_days)s THEN 'strong'
                                WHEN r.touches >= 1 AND r.last_date >= %(today)s::date - %(medium_days)s THEN 'medium'
                                WHEN r.touches >= 1 THEN 'weak'
                                ELSE 'none' END AS strength,
                           (r.user_id IS NULL AND r.touches >= 2
                            AND r.last_date < %(today)s::date - COALESCE(c.kam_coverage_silent_days, 90)) AS silent,
                           (r.user_id IS NULL AND COALESCE(r.is_key_person, FALSE)
                            AND (r.last_date IS NULL
                                 OR r.last_date < %(today)s::date - COALESCE(c.kam_coverage_reach_days, 60)))
                               AS unreached,
                           %(next_change)s AS next_change_date
                      FROM kam_relationship r
                 LEFT JOIN res_company c ON c.id = COALESCE(r.company_id, %(company)s)
                     WHERE %(scope)s
                )
                -- (a row whose next change day only moved keeps its write date: the health stage reads
                -- the accounts whose rows were written as changed)
                UPDATE kam_relationship r
                   SET strength = d.strength, silent = d.silent, unreached = d.unreached,
                       next_change_date = d.next_change_date,
                       write_uid = CASE WHEN %(flags_changed)s THEN %(uid)s ELSE r.write_uid END,
                       write_date = CASE WHEN %(flags_changed)s THEN %(now)s ELSE r.write_date END
                  FROM d
                 WHERE d.id = r.id AND %(scope)s
                   AND (r.strength, r.silent, r.unreached, r.next_change_date)
                       IS DISTINCT FROM (d.strength, d.silent, d.unreached, d.next_change_date)
             RETURNING r.partner_id, %(flags_changed)s
                """,
                flags_changed=SQL(
                    "(d.old_strength, d.old_silent, d.old_unreached)"
                    " IS DISTINCT FROM (d.strength, d.silent, d.unreached)"
                ),
                strong_touches=STRONG_TOUCHES,
                strong_days=STRONG_DAYS,
                medium_days=MEDIUM_DAYS,
                today=today,
                company=self.env.company.id,
                scope=scope,
                next_change=next_change,
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        changed = {row[0] for row in self.env.cr.fetchall() if row[1]}
        self.env["kam.relationship"].invalidate_model()
        return sorted(changed)

    @api.model
    def _write_counts(self, partner_ids):
        """The decision makers and champions not reached and the silent
        contacts of these accounts, from their contact rows, written where
        they changed. One statement."""
        if not partner_ids:
            return
        self.env["kam.relationship"].flush_model()
        self.env["res.partner"].flush_model(DATED_ACCOUNT_COLUMNS)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET kam_unreached_count = n.unreached, kam_silent_count = n.silent
                  FROM (SELECT a.id,
                               COUNT(r.id) FILTER (WHERE r.unreached)::int AS unreached,
                               COUNT(r.id) FILTER (WHERE r.silent)::int AS silent
                          FROM unnest(%s::int[]) AS a(id)
                     LEFT JOIN kam_relationship r ON r.partner_id = a.id AND r.user_id IS NULL
                      GROUP BY a.id) n
                 WHERE p.id = n.id
                   AND (p.kam_unreached_count, p.kam_silent_count) IS DISTINCT FROM (n.unreached, n.silent)
                """,
                list(partner_ids),
            )
        )
        self.env["res.partner"].invalidate_model(DATED_ACCOUNT_COLUMNS)
