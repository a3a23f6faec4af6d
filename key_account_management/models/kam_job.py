# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import zlib
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

import psycopg2
from psycopg2.extras import Json as PsycopgJson

from odoo import api, fields, models, sql_db
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

#: Days between two full runs of an incremental job (the daily runs look at
#: what changed; a full run also catches what leaves no trace).
FULL_RUN_DAYS = 7
#: How far before its last run an incremental job looks for changes
#: (``write_date``): a transaction that began before the last run and
#: committed after it wrote dates older than the run.
CHANGE_MARGIN = timedelta(hours=1)
#: The least memory of a job's statement over a batch of accounts (kam.job._execute_large)
LARGE_WORK_MEM_KB = 64 * 1024

#: First key of the PostgreSQL advisory locks the jobs take (the second one is
#: the job's name hashed): "KAM" in ASCII, apart from other addons' locks.
LOCK_NAMESPACE = 0x4B414D

#: The key accounts: commercial entities flagged as key accounts (their
#: contacts carry the flag too, through the commercial fields). Defined here
#: only; use it or ``kam.job._key_account_domain()``.
KEY_ACCOUNT_DOMAIN = [("kam_is_key_account", "=", True), "|", ("is_company", "=", True), ("parent_id", "=", False)]


def key_account_sql(alias="p"):
    """KEY_ACCOUNT_DOMAIN in SQL, for the jobs' queries on ``res_partner``
    (as ``alias``): the active commercial entities flagged as key accounts."""
    return SQL(
        "%s AND %s = %s AND %s",
        SQL.identifier(alias, "kam_is_key_account"),
        SQL.identifier(alias, "commercial_partner_id"),
        SQL.identifier(alias, "id"),
        SQL.identifier(alias, "active"),
    )


def values_sql(template, rows):
    """``(...), (...)`` of a ``VALUES`` list: each row of ``rows`` (tuples of
    values) as ``template`` (a literal with one ``%s`` per value, e.g.
    ``"(%s, %s::int4)"``), in one SQL object with all the values as
    parameters (an SQL object per row costs more than the statement itself
    on a batch of thousands)."""
    rows = list(rows)
    width = template.count("%s")
    if not rows or any(len(row) != width or any(isinstance(value, SQL) for value in row) for row in rows):
        raise ValueError(f"values_sql: {len(rows)} rows, each of {width} plain values expected")
    return SQL(", ".join([template] * len(rows)), *[value for row in rows for value in row])


def set_fillfactor(cr, table, percent):
    """Leave ``100 - percent`` % of each page of ``table`` free (its models'
    ``init``): a job that rewrites rows in place (no indexed column changes)
    then has PostgreSQL write the new version on the same page without new
    index entries (a "HOT" update). Only new pages get it until the table is
    rewritten (``VACUUM FULL``)."""
    cr.execute("SELECT reloptions FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cr.fetchone()
    if row and f"fillfactor={percent}" not in (row[0] or []):
        cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), SQL(str(int(percent)))))


def partners_sql(ids=None):
    """``res_partner`` as a relation of the jobs' queries: the whole table,
    or only the rows ``ids``, read by their primary key.

    Given a list of ids, a query on ``res_partner`` that also filters on
    ``key_account_sql`` is planned on the ``kam_is_key_account`` index (the
    planner expects few rows from ``commercial_partner_id = id``): it reads
    every key account, ever more as the rows a job updates leave versions in
    that index, to keep the few it was given. The ``OFFSET 0`` subquery is
    PostgreSQL's fence: its own condition only, the primary key."""
    if ids is None:
        return SQL("res_partner")
    return SQL("(SELECT * FROM res_partner WHERE id = ANY(%s) OFFSET 0)", list(ids))


def members_sql(ids):
    """``ARRAY(...)`` of the partners of the accounts ``ids`` (the accounts
    and their contacts), read by the index on ``commercial_partner_id``.

    A query on the orders of a few thousand accounts filters them by
    ``so.partner_id = ANY(members_sql(ids))`` besides the account condition
    (on the joined partner): PostgreSQL then reads them by the orders'
    partner index. With the account condition alone it read every order of
    the window (a day's 1,500 accounts of the 100,000-account bench: 254,000
    orders read to keep 6,000)."""
    return SQL("ARRAY(SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))", list(ids))


class KamJob(models.AbstractModel):
    """Batched jobs over key accounts.

    Re-tiering (and later cadence, care reminders, reviews, risk signals,
    snapshots) all run "for every key account, in batches, with progress,
    safe to rerun". Each job only says what to do for one batch; this helper
    splits the work, reports progress to the running scheduled action and
    commits between batches.
    """

    _name = "kam.job"
    _description = "Key account batched job helper"

    DEFAULT_BATCH_SIZE = 2000

    @api.model
    def _key_account_domain(self):
        """Commercial entities flagged as key accounts (their contacts carry
        the flag too, through the commercial fields)."""
        return list(KEY_ACCOUNT_DOMAIN)

    @api.model
    def _key_accounts(self, partners):
        """The key accounts among ``partners`` (KEY_ACCOUNT_DOMAIN on
        records, read as they are)."""
        return partners.filtered(lambda p: p.kam_is_key_account and p == p.commercial_partner_id)

    @api.model
    def _last_run(self, job, full_every_days=None):
        """Start (UTC) of the last run of ``job``, from which an incremental
        run looks for changes; None when a full run is due: never run, or the
        last full run is older than ``full_every_days``."""
        last, last_full = self._run_params(job)
        if not last or not last_full:
            return None
        if full_every_days and fields.Datetime.to_datetime(last_full) < fields.Datetime.now() - timedelta(
            days=full_every_days
        ):
            return None
        return fields.Datetime.to_datetime(last)

    @api.model
    def _set_last_run(self, job, started, full=False):
        """Keep the start of this run of ``job`` (and of its last full run).

        In the system parameters ``key_account_management.last_run.<job>``
        and ``key_account_management.last_full_run.<job>``, written and read
        (``_run_params``) in SQL: ``set_param`` clears every cache of the
        registry (and of the other workers), which each stage of the daily
        pipeline would then fill again; nothing else reads these two."""
        values = {f"key_account_management.last_run.{job}": fields.Datetime.to_string(started)}
        if full:
            values[f"key_account_management.last_full_run.{job}"] = values[f"key_account_management.last_run.{job}"]
        self.env["ir.config_parameter"].flush_model()
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid, write_date)
                   VALUES %s
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_uid = EXCLUDED.write_uid,
                                                   write_date = EXCLUDED.write_date""",
                SQL(", ").join(
                    SQL("(%s, %s, %s, %s, %s, %s)", key, value, uid, now, uid, now) for key, value in values.items()
                ),
            )
        )
        self.env["ir.config_parameter"].invalidate_model(["value"])

    @api.model
    def _run_params(self, job):
        """(last run, last full run) of ``job`` as stored (strings or None)."""
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        keys = [f"key_account_management.last_run.{job}", f"key_account_management.last_full_run.{job}"]
        self.env.cr.execute(SQL("SELECT key, value FROM ir_config_parameter WHERE key = ANY(%s)", keys))
        values = dict(self.env.cr.fetchall())
        return values.get(keys[0]), values.get(keys[1])

    @api.model
    def _commits(self):
        """Whether a job commits as it goes: only when run by the scheduler
        (it puts the progress record in the context), never inside a test
        (its transaction is rolled back) nor during a module install or a
        button click (their transaction must stay whole)."""
        return (
            bool(self.env.context.get("ir_cron_progress_id"))
            and not odoo_module.current_test
            and not self.env.registry.in_test_mode()
        )

    @api.model
    def _member_domain(self, user=None, path=""):
        """Partners (``path``: through which field, e.g. ``"partner_id."``) of
        the accounts ``user`` (default: the current user) manages or is in the
        account team of. The record rules say the same in XML."""
        uid = (user or self.env.user).id
        return ["|", (f"{path}kam_manager_id", "=", uid), (f"{path}kam_team_user_ids", "in", uid)]

    @api.model
    @contextmanager
    def _exclusive_run(self, name):
        """``with self._exclusive_run(name) as acquired:`` whether this run of
        the job ``name`` is the only one on the database: two cron workers, two
        Odoo servers or a manual run next to the scheduled one never process
        the same accounts at the same time (the second one does nothing).

        A PostgreSQL advisory lock, held by a connection of its own for the
        whole run (the job commits between batches, which would release a
        transaction lock); a crashed process releases it with its connection."""
        key = zlib.crc32(name.encode()) - 2**31  # int4
        lock_cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            lock_cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key))
            acquired = lock_cr.fetchone()[0]
            # the lock is the session's: end the transaction, not to hold a snapshot for the whole run
            lock_cr.commit()  # pylint: disable=invalid-commit
            try:
                yield acquired
            finally:
                if acquired:
                    lock_cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, key))
                    lock_cr.commit()  # pylint: disable=invalid-commit
        finally:
            lock_cr.close()

    @api.model
    def _job_name(self, process_batch):
        return f"{getattr(process_batch, '__module__', '')}.{getattr(process_batch, '__qualname__', process_batch)}"

    @api.model
    def _run_in_batches(self, ids, process_batch, batch_size=None, commit=None, skipped=None):
        """Run ``process_batch(records)`` over ``ids`` split in batches, unless
        the same job is running elsewhere (see :meth:`_exclusive_run`): then
        nothing is done and the result says ``running_elsewhere``."""
        with self._exclusive_run(self._job_name(process_batch)) as acquired:
            if not acquired:
                _logger.info("kam job %s: already running elsewhere, not run twice", self._job_name(process_batch))
                return KamJobResult(0, running_elsewhere=True)
            return self._run_batches(ids, process_batch, batch_size=batch_size, commit=commit, skipped=skipped)

    @api.model
    def _run_batches(self, ids, process_batch, batch_size=None, commit=None, skipped=None):
        """Run ``process_batch(records)`` over ``ids`` split in batches.

        One account cannot break the others: a batch that fails is rolled
        back to its savepoint and run again in halves, each under its own
        savepoint, a failing half split again down to single accounts
        (:meth:`_isolate_bad_accounts`). The accounts that still fail are skipped, logged
        (WARNING, with the account id and the reason: bad data is not a
        server error) and reported in the result; the other accounts are
        processed.

        :param ids: list of ``res.partner`` ids to process (in this order)
        :param process_batch: callable taking a ``res.partner`` recordset
        :param batch_size: records per batch
        :param commit: commit after each batch; defaults to "only when run
            by the scheduler, outside tests", so that the work of finished
            batches survives a crash or a timeout of the scheduled action.
        :param skipped: ``{id: reason}`` of accounts the job already left
            out as bad data before the batches, reported with the others
        :return: a :class:`KamJobResult`: the number of batches run (an int,
            as before), with ``done`` and ``skipped`` (``{id: reason}``)
        """
        batch_size = batch_size or self.DEFAULT_BATCH_SIZE
        if commit is None:
            commit = self._commits()
        name = getattr(process_batch, "__name__", str(process_batch))
        skipped = dict(skipped or {})
        for pid, reason in skipped.items():
            _logger.warning("kam job %s: account %s skipped: %s", name, pid, reason)
        cron = self.env["ir.cron"]
        total = len(ids)
        done = 0
        batches = 0
        partners = self.env["res.partner"]
        for start in range(0, total, batch_size):
            batch = partners.browse(ids[start : start + batch_size])
            if not self._run_isolated(process_batch, batch):
                self._isolate_bad_accounts(process_batch, batch, skipped, name)
            batches += 1
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if commit:
                # Safe: each batch is complete in itself (figures, tier and
                # history of its partners are written together), and a rerun
                # recomputes from live data, so a crash after this point only
                # loses the work of the batches not committed yet.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            # keep memory flat on large runs
            self.env.invalidate_all()
        _logger.info("kam job %s: %s records in %s batches", name, total, batches)
        if skipped:
            _logger.warning(
                "kam job %s: %s account(s) skipped (bad data, see the warnings above): %s",
                name,
                len(skipped),
                ", ".join(str(pid) for pid in sorted(skipped)),
            )
        return KamJobResult(batches, done=done - len(set(skipped) & set(ids)), skipped=skipped)

    @api.model
    def _isolate_bad_accounts(self, process_batch, batch, skipped, name):
        """Run the accounts of ``batch`` (a batch that failed) but the bad
        ones, which go in ``skipped`` ({id: reason}, logged): the batch is
        split in halves, each run under its savepoint, and a half that fails
        is split again, down to single accounts. One bad account among n
        costs about 2 log2(n) runs of shrinking halves (a batch of 10,000
        accounts run again one account at a time took 10,000 runs)."""
        if len(batch) == 1:
            error = self._run_isolated(process_batch, batch, return_error=True)
            if error is not None:
                reason = self._skip_reason(error)
                skipped[batch.id] = reason
                _logger.warning("kam job %s: account %s skipped: %s", name, batch.id, reason)
            return
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            if len(half) == 1 or not self._run_isolated(process_batch, half):
                self._isolate_bad_accounts(process_batch, half, skipped, name)

    # ------------------------------------------------------------------
    # Bulk reader and writer of the stages (no ORM record per account)
    # ------------------------------------------------------------------
    @api.model
    def _written_since(self, tables, since):
        """Whether a row of one of ``tables`` was written since ``since``: an
        incremental job runs in full when its settings (the tiers, a
        company's settings) changed."""
        self.env.cr.execute(
            SQL(
                "SELECT %s",
                SQL(" OR ").join(
                    SQL("EXISTS (SELECT 1 FROM %s WHERE write_date >= %s)", SQL.identifier(table), since)
                    for table in tables
                ),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _execute_large(self, query, work_mem_kb=LARGE_WORK_MEM_KB):
        """Execute ``query``, a statement of a job over a batch of thousands
        of accounts, without JIT (PostgreSQL compiled it for every batch, its
        cost estimate being large, which took longer than running it) and
        with the memory to sort and hash a batch's rows without spilling to
        disk (at least ``work_mem_kb``); both for this statement only, as
        they were before it. Returns the first row of its result, if any."""
        cr = self.env.cr
        cr.execute(
            "SELECT current_setting('jit'), current_setting('work_mem'), setting::bigint"
            "  FROM pg_settings WHERE name = 'work_mem'"
        )
        jit, work_mem, current_kb = cr.fetchone()
        cr.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [f"{max(current_kb, work_mem_kb)}kB"],
        )
        # (on an error the transaction, or the batch's savepoint, ends with the settings)
        cr.execute(query)
        row = cr.fetchone() if cr.description else None
        cr.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])
        return row

    @api.model
    def _accounts_to_refresh(self, table, changed):
        """The key accounts a stage refreshes, ordered by id: every key
        account when ``changed`` is None (a full run), else the key accounts
        among ``changed``; the rows of ``table`` (by ``partner_id``) of the
        accounts no longer key (among ``changed``) deleted first.

        The changed partners that are no longer key accounts are read by the
        primary key, then their rows by the table's index on ``partner_id``:
        a join of the two tables scanned both whole."""
        cr = self.env.cr
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        not_key = SQL("NOT COALESCE((%s), FALSE)", key_account_sql("p"))
        if changed is None:
            cr.execute(
                SQL(
                    "DELETE FROM %s r USING res_partner p WHERE p.id = r.partner_id AND %s",
                    SQL.identifier(table),
                    not_key,
                )
            )
        else:
            cr.execute(
                SQL(
                    "DELETE FROM %s r WHERE r.partner_id = ANY(ARRAY(SELECT p.id FROM %s p WHERE %s))",
                    SQL.identifier(table),
                    partners_sql(changed),
                    not_key,
                )
            )
        cr.execute(SQL("SELECT p.id FROM %s p WHERE %s ORDER BY p.id", partners_sql(changed), key_account_sql("p")))
        return [row[0] for row in cr.fetchall()]

    @api.model
    def _upsert_rows(self, table, keys, columns, new, partner_ids, conflict=None, extra=None, missing=None, scope=None):
        """Write a stage's result rows of the accounts ``partner_ids`` in one
        statement: insert the new rows, update only those whose values
        changed, delete the stored rows of these accounts that ``new`` no
        longer has.

        :param table: the result table (its rows have a ``partner_id``)
        :param keys: its key columns, on which ``conflict`` is unique
        :param columns: the columns written and compared (a row whose values
            are the same is not written)
        :param new: SQL of the rows of these accounts: ``keys`` and
            ``columns``, as ``n`` in the statement
        :param conflict: SQL of the unique index's columns (default ``keys``)
        :param extra: {column: SQL value} written with the others, not
            compared (e.g. the day the row was computed)
        :param missing: SQL condition on a stored row ``r``: ``n`` does not
            have it; default ``(keys) NOT IN (SELECT keys FROM n)``, a hashed
            subplan (NOT EXISTS on the CTE was planned as a nested loop): keys
            that may be NULL need their own
        :param scope: SQL condition on ``r``: the stored rows of these
            accounts that may be deleted (default: all)
        :return: (updated, inserted, deleted) row counts
        """
        extra = extra or {}
        written = [*columns, *extra]

        def names(cols, alias=None):
            return SQL(", ").join(SQL.identifier(alias, c) if alias else SQL.identifier(c) for c in cols)

        missing = missing or SQL("(%s) NOT IN (SELECT %s FROM n)", names(keys, "r"), names(keys, "n"))
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH n AS MATERIALIZED (%(new)s),
                written AS (
                    INSERT INTO %(table)s (%(keys)s, %(written)s, create_uid, create_date, write_uid, write_date)
                    SELECT %(n_keys)s, %(n_columns)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM n
                  ORDER BY %(n_keys)s
                    ON CONFLICT (%(conflict)s) DO UPDATE
                       SET (%(written)s, write_uid, write_date) =
                           (%(excluded_written)s, EXCLUDED.write_uid, EXCLUDED.write_date)
                     WHERE (%(old)s) IS DISTINCT FROM (%(excluded)s)
                 RETURNING (xmax = 0) AS inserted
                ),
                deleted AS (
                    DELETE FROM %(table)s r
                     WHERE r.partner_id = ANY(%(ids)s) AND %(scope)s AND %(missing)s
                 RETURNING r.id
                )
                SELECT (SELECT COUNT(*) FROM written WHERE NOT inserted),
                       (SELECT COUNT(*) FROM written WHERE inserted),
                       (SELECT COUNT(*) FROM deleted)
                """,
                new=new,
                table=SQL.identifier(table),
                keys=names(keys),
                written=names(written),
                n_keys=names(keys, "n"),
                n_columns=SQL(", ").join([*(SQL.identifier("n", c) for c in columns), *extra.values()]),
                conflict=conflict or names(keys),
                excluded_written=names(written, "excluded"),
                old=names(columns, table),
                excluded=names(columns, "excluded"),
                ids=list(partner_ids),
                scope=scope or SQL("TRUE"),
                missing=missing,
                uid=self.env.uid,
                now=now,
            )
        )
        return self.env.cr.fetchone()

    @api.model
    def _read_columns(self, model, ids, columns):
        """Narrow read of stored columns of ``model``: {id: {column: value}},
        one query."""
        model.flush_model(list(columns))
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s)",
                SQL(", ").join(SQL.identifier(c) for c in columns),
                SQL.identifier(model._table),
                list(ids),
            )
        )
        return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in self.env.cr.fetchall()}

    @api.model
    def _write_changed(self, model, column_types, current, new_values, stamps=()):
        """Bulk write of computed columns of ``model``: one ``UPDATE ...
        FROM (VALUES ...)`` for the rows whose values changed, no ORM write
        per record (no commercial sync, no tracking: these are figures).

        :param column_types: {column: SQL type} of the columns to write
            (numbers, ``date``, ``timestamp``, ``varchar``, ``jsonb`` from
            Python values)
        :param current: {id: {column: current value}}
        :param new_values: {id: {column: new value}}
        :param stamps: columns that most rows get the same new value of (the
            day of the run): the rows where only they changed are written by
            one ``UPDATE ... SET column = value WHERE id = ANY(ids)`` per
            value, without a list of values per row (the daily run of the
            health job sees most open signals again, and writes only that)
        :return: number of rows written
        """
        columns = list(column_types)
        number_columns = [c for c in columns if column_types[c] in ("int4", "float8", "numeric")]

        def changed(old, new):
            """The columns whose value changed, as a tuple."""
            return tuple(
                c
                for c in columns
                if (
                    float(old[c] or 0) != float(new[c] or 0)
                    if c in number_columns
                    else (old[c] or False) != (new[c] or False)
                )
            )

        changed_ids, by_column = [], defaultdict(list)  # {column: ids of the rows where it changed}
        stamped = defaultdict(list)  # {((column, value), ...): ids} of the rows where only stamps changed
        for pid, vals in new_values.items():
            changed_columns = changed(current[pid], vals)
            if changed_columns:
                changed_ids.append(pid)
                for column in changed_columns:
                    by_column[column].append(pid)
                if stamps and set(changed_columns) <= set(stamps):
                    stamped[tuple((column, vals[column]) for column in changed_columns)].append(pid)
        if not changed_ids:
            return 0
        json_columns = {c for c in columns if column_types[c] == "jsonb"}

        def column_value(column, value):
            if column in number_columns:
                return value
            if column in json_columns and value:
                return PsycopgJson(value)
            return value or None

        for values, ids in stamped.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s WHERE id = ANY(%s)",
                    SQL.identifier(model._table),
                    SQL(", ").join(
                        SQL("%s = %s::" + column_types[column], SQL.identifier(column), column_value(column, value))
                        for column, value in values
                    ),
                    ids,
                )
            )
        stamped_ids = {pid for ids in stamped.values() for pid in ids}
        rest = [pid for pid in changed_ids if pid not in stamped_ids]
        if rest:
            rows = values_sql(
                "(%s, " + ", ".join("%s::" + column_types[c] for c in columns) + ")",
                ((pid, *[column_value(c, new_values[pid][c]) for c in columns]) for pid in rest),
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE %s p SET %s FROM (VALUES %s) AS v(id, %s) WHERE p.id = v.id",
                    SQL.identifier(model._table),
                    SQL(", ").join(SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns),
                    rows,
                    SQL(", ").join(SQL.identifier(c) for c in columns),
                )
            )
        model.invalidate_model(columns)
        # values computed from these columns (e.g. days since contact) follow; each column marks
        # only the rows where it changed (a new tier recomputes the workload of the account's
        # responsibilities, new figures do not), in one call per column: the dependents of a
        # column are looked up once for all its rows, not once per set of changed columns
        for column, ids in by_column.items():
            model.browse(ids).modified([column])
        # but not the computed columns written here (a signal's severity rank): their values are these
        records = model.browse(changed_ids)
        for column in columns:
            field = model._fields[column]
            if field.compute and field.store:
                self.env.remove_to_compute(field, records)
        return len(changed_ids)

    @api.model
    def _insert_rows(self, model, vals_list):
        """Bulk create of computed records of ``model`` (snapshots, signals,
        activities of a first run): one ``INSERT ... VALUES`` for the whole
        list, no ORM create per record. The caller gives every stored column
        (computed and related ones included) and answers for the
        constraints; no default, compute, mail.thread or access rule runs
        (HTML columns are sanitized, as the ORM stores them).

        :return: the new ids, in the order of ``vals_list``
        """
        if not vals_list:
            return []
        columns = sorted(set().union(*vals_list) - {"create_uid", "create_date", "write_uid", "write_date"})
        now, uid = self.env.cr.now(), self.env.uid
        # False is NULL but in a boolean column, as the ORM stores it
        nullable = {c for c in columns if model._fields[c].type != "boolean"}
        # HTML stored as the ORM stores it: sanitized (an activity's note may quote users' text);
        # JSON as JSON
        converted = [model._fields[c] for c in columns if model._fields[c].type in ("html", "json")]
        params = []
        for vals in vals_list:
            if converted:
                column_values = {
                    f.name: f.convert_to_column(vals[f.name], model) for f in converted if vals.get(f.name)
                }
                vals = dict(vals, **column_values)
            params += [None if c in nullable and vals.get(c) is False else vals.get(c) for c in columns]
            params += [uid, now, uid, now]
        row = "(" + ", ".join(["%s"] * (len(columns) + 4)) + ")"
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, create_uid, create_date, write_uid, write_date) VALUES %s RETURNING id",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(c) for c in columns),
                # one SQL of placeholders and its parameters (an SQL object per value costs more than the insert)
                SQL(", ".join([row] * len(vals_list)), *params),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _run_isolated(self, process_batch, records, return_error=False):
        """Run ``process_batch(records)`` under a savepoint. Returns True
        (or None with ``return_error``) when it worked; else the changes are
        rolled back and it returns False (or the exception). Errors of the
        database connection or of concurrent updates are not bad data: they
        stop the job (the scheduler runs it again)."""
        try:
            with self.env.cr.savepoint():
                process_batch(records)
        except (psycopg2.OperationalError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 - any bad data of one account
            self.env.invalidate_all(flush=False)
            return error if return_error else False
        return None if return_error else True

    @api.model
    def _skip_reason(self, error):
        text = error.args[0] if isinstance(error, UserError) and error.args else str(error)
        text = " ".join(str(text).split())
        return f"{type(error).__name__}: {text[:300]}"


class KamJobResult(int):
    """Result of a batched job: the number of batches run, plus the number
    of accounts processed (``done``) and the accounts skipped as bad data
    (``skipped``: ``{partner id: reason}``)."""

    def __new__(cls, batches, done=0, skipped=None, running_elsewhere=False):
        result = super().__new__(cls, batches)
        result.batches = batches
        result.done = done
        result.skipped = skipped or {}
        result.running_elsewhere = running_elsewhere
        return result

    def __repr__(self):
        extra = ", running_elsewhere=True" if self.running_elsewhere else ""
        return f"KamJobResult(batches={self.batches}, done={self.done}, skipped={self.skipped!r}{extra})"
