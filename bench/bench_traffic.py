#!/usr/bin/env python3
"""Benchmark of the pipeline stage ``contact_traffic`` (kam.traffic.engine):
e-mails, done calls and calendar events logged as interactions.

Copies a base database of ``bench_pipeline.py`` (``--base``, built there),
updates the module on the copy, then adds traffic in SQL: for every key
account over the last year, 2 e-mails received from a contact, 2 sent to it,
an internal note, 3 notifications on its orders (tracking) and a done call;
a past meeting with a contact for one account in two. Then times, on the
copy:

* ``first``: the first run (every message of the trailing window);
* ``daily``: the next day (the last run a day earlier), after 1 % of the
  accounts exchanged 2 e-mails, a done call and 5 notifications, and half of
  them had a meeting, and 10 accounts were marked key (their year of traffic
  read once);
* ``nothing new``: a run right after, with no new traffic (the stage's cost
  in a pipeline whose data has no traffic, as ``bench_pipeline.py``'s).

Each run is the pipeline's stage (``_run_in_pipeline``): the interactions;
the figures of their accounts are the next stage's work.

With ``--explain``, prints the plan of the stage's queries on the daily run.
Usage (from the repository root)::

    .venv/bin/python bench/bench_traffic.py --base bench_kam_10000_base --db kam_bench_traffic
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import copy_database, drop_database, log, open_env, update_module  # noqa: E402

from odoo.tools import SQL  # noqa: E402

TRAFFIC_SQL = """
CREATE TEMP TABLE bench_acc AS
SELECT p.id AS account, COALESCE((SELECT MIN(c.id) FROM res_partner c WHERE c.parent_id = p.id), p.id) AS contact,
       (SELECT MIN(o.id) FROM sale_order o WHERE o.partner_id = p.id) AS order_id,
       row_number() OVER (ORDER BY p.id) AS n
  FROM res_partner p WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id
 ORDER BY p.id %(limit)s;
CREATE TEMP TABLE bench_k AS SELECT
  (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_comment') AS comment,
  (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_note') AS note,
  (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_activities') AS acts,
  (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mail_activity_data_call') AS call,
  (SELECT partner_id FROM res_users WHERE id = 2) AS admin;
-- kinds 1-2: e-mail received; 3-4: e-mail sent (recipient named); 5: note; 6-8: order tracking; 9: done call
INSERT INTO mail_message (message_type, model, res_id, date, author_id, subtype_id, mail_activity_type_id, body,
                          create_date, write_date)
SELECT CASE WHEN kind <= 2 THEN 'email' WHEN kind <= 5 THEN 'comment' ELSE 'notification' END,
       CASE WHEN kind BETWEEN 6 AND 8 AND order_id IS NOT NULL THEN 'sale.order' ELSE 'res.partner' END,
       CASE WHEN kind BETWEEN 6 AND 8 AND order_id IS NOT NULL THEN order_id
            WHEN kind IN (5, 9) THEN account ELSE contact END,
       %(date)s,
       CASE WHEN kind <= 2 THEN contact ELSE bench_k.admin END,
       CASE WHEN kind <= 4 THEN bench_k.comment WHEN kind = 5 THEN bench_k.note WHEN kind = 9 THEN bench_k.acts END,
       CASE WHEN kind = 9 THEN bench_k.call END,
       '<p>bench</p>', %(created)s, %(created)s
  FROM bench_acc, bench_k, generate_series(1, 9) kinds(kind);
INSERT INTO mail_message_res_partner_rel (mail_message_id, res_partner_id)
SELECT m.id, m.res_id FROM mail_message m, bench_k
 WHERE m.id > %(first_id)s AND m.message_type = 'comment' AND m.subtype_id = bench_k.comment
ON CONFLICT DO NOTHING;
INSERT INTO calendar_event (name, start, stop, active, user_id, privacy, show_as, create_date, write_date)
SELECT 'Bench meeting ' || account, %(event_date)s - interval '1 hour', %(event_date)s, TRUE, 2, 'public', 'busy',
       %(created)s, %(created)s
  FROM bench_acc WHERE n %% 2 = 0;
INSERT INTO calendar_attendee (event_id, partner_id, state, common_name, access_token)
SELECT e.id, a.contact, 'accepted', 'bench', md5(random()::text)
  FROM calendar_event e JOIN bench_acc a ON e.name = 'Bench meeting ' || a.account WHERE e.id > %(first_event)s;
DROP TABLE bench_acc; DROP TABLE bench_k;
ANALYZE mail_message; ANALYZE mail_message_res_partner_rel; ANALYZE calendar_event; ANALYZE calendar_attendee;
"""


def add_traffic(cr, limit=None, daily=False):
    """The traffic of a year (every key account), or of a day (``limit`` accounts)."""
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
    first_id = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM calendar_event")
    first_event = cr.fetchone()[0]
    now = "(now() AT TIME ZONE 'UTC')"
    spread = f"{now} - make_interval(days => ((n * 7 + kind * 37) % 365)::int)"  # over the last year
    cr.execute(
        TRAFFIC_SQL
        % {
            "limit": f"LIMIT {int(limit)}" if limit else "",
            "date": f"{now} - interval '5 hours'" if daily else spread,
            "event_date": f"{now} - interval '4 hours'" if daily else f"{now} - make_interval(days => (n % 300)::int)",
            "created": f"{now} - interval '5 hours'" if daily else f"{now} - interval '2 days'",
            "first_id": first_id,
            "first_event": first_event,
        }
    )


def explain(env):
    """Print the plans of the stage's queries during one run (rolled back)."""
    cr = env.cr
    execute = cr.execute

    def explained(query, params=None, log_exceptions=True):
        text = query.code if isinstance(query, SQL) else str(query)
        if any(
            marker in text
            for marker in (
                "WITH msg AS",
                "FROM calendar_event e",
                "JOIN res_partner acc ON acc.id = c.commercial",
                "kam_key_account_since",
                "FROM mail_message WHERE create_date",
            )
        ):
            plan = SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query) if isinstance(query, SQL) else "EXPLAIN " + query
            execute(plan, params)
            print("\n".join(row[0] for row in cr.fetchall()), "\n", flush=True)
        return execute(query, params, log_exceptions)

    cr.execute = explained
    try:
        env["kam.traffic.engine"]._run_in_pipeline()
    finally:
        cr.execute = execute
        cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="base database of bench_pipeline.py (copied, not changed)")
    parser.add_argument("--db", default="kam_bench_traffic", help="the copy the bench runs on")
    parser.add_argument("--explain", action="store_true", help="print the plans of the daily run's queries")
    parser.add_argument("--keep", action="store_true", help="keep the copy afterwards")
    args = parser.parse_args()

    log(f"copying {args.base} to {args.db}: {copy_database(args.base, args.db):.0f}s")
    update_module(args.db)
    try:
        with open_env(args.db) as env:
            cr, engine = env.cr, env["kam.traffic.engine"]
            cr.execute(
                "SELECT count(*) FROM res_partner p WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id"
            )
            accounts = cr.fetchone()[0]
            add_traffic(cr)
            cr.commit()
            t0 = time.perf_counter()
            result = engine._run_in_pipeline()
            cr.commit()
            log(f"{accounts} accounts: first run {time.perf_counter() - t0:.2f}s ({result!r})")
            cr.execute(
                "SELECT channel, direction, count(*) FROM kam_interaction WHERE source_model IS NOT NULL "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            )
            log(f"logged: {cr.fetchall()}")
            # the next day: the last run a day earlier, then 1 % of the accounts exchanged
            cr.execute(
                """UPDATE ir_config_parameter
                      SET value = to_char(value::timestamp - interval '1 day', 'YYYY-MM-DD HH24:MI:SS')
                    WHERE key IN ('key_account_management.last_run.contact_traffic',
                                  'key_account_management.last_full_run.contact_traffic')"""
            )
            add_traffic(cr, limit=max(accounts // 100, 1), daily=True)
            # and 10 accounts were marked key since (their year of traffic is read once)
            cr.execute(
                """UPDATE res_partner SET kam_key_account_since = CURRENT_DATE, write_date = now() AT TIME ZONE 'UTC'
                    WHERE id IN (SELECT id FROM res_partner WHERE kam_is_key_account AND commercial_partner_id = id
                                  ORDER BY id DESC LIMIT 10)"""
            )
            cr.execute(
                """DELETE FROM kam_interaction WHERE source_model IS NOT NULL AND partner_id IN (
                       SELECT id FROM res_partner WHERE kam_key_account_since = CURRENT_DATE)"""
            )
            cr.execute("ANALYZE kam_interaction")
            cr.commit()
            if args.explain:
                explain(env)
            t0 = time.perf_counter()
            result = engine._run_in_pipeline()
            cr.commit()
            log(f"daily (1 %): {time.perf_counter() - t0:.3f}s ({result!r})")
            t0 = time.perf_counter()
            result = engine._run_in_pipeline()
            cr.rollback()
            log(f"nothing new: {time.perf_counter() - t0:.3f}s ({result!r})")
    finally:
        if not args.keep:
            drop_database(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
