#!/usr/bin/env python3
"""Benchmark: the writes alone of a first run of the tier stage, against the floor.

What a first run of the tier stage must write whatever the code computing it
(every account new, behaviour of the addon kept): the figures and tier of
every key account, the tier of their contacts (a commercial field), a tier
history line and a chatter note with its tracking value per account, and the
duties their tier requires (proposed responsibilities). Here PostgreSQL writes
exactly those rows with constant values, one statement each, nothing computed
and no ORM: the least time any implementation can take, on this machine and
these tables (their indexes and foreign keys). Each statement is timed, next
to the floor of ``bench_pipeline.py``, in one transaction rolled back at the
end, then vacuumed (the base database is left as it was).

Runs on the base database of ``bench_pipeline.py`` (default
``kam_bench_pipeline_<N>_base``, built by it; no job has run there)::

    .venv/bin/python bench/bench_write_floor.py --accounts 100000
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import db_exists, log, measure_floor, open_env, psql  # noqa: E402

#: (what, statement): the rows of a first run of the tier stage
WRITES = (
    (
        "figures and tier of the key accounts",
        """UPDATE res_partner
              SET kam_revenue_current = 1000, kam_revenue_previous = 900, kam_order_count = 4,
                  kam_avg_order_value = 250, kam_revenue_trend = 11.1, kam_tier_id = %(tier)s
            WHERE kam_is_key_account AND commercial_partner_id = id""",
    ),
    (
        "tier of their contacts",
        """UPDATE res_partner c SET kam_tier_id = %(tier)s
             FROM res_partner p
            WHERE p.id = c.commercial_partner_id AND c.id != p.id AND p.kam_is_key_account""",
    ),
    (
        "tier history lines",
        """INSERT INTO kam_tier_history (partner_id, company_id, new_tier_id, user_id, currency_id, change_type,
                                         date, create_uid, create_date, write_uid, write_date)
           SELECT id, company_id, %(tier)s, %(uid)s, %(currency)s, 'auto', now(), %(uid)s, now(), %(uid)s, now()
             FROM res_partner WHERE kam_is_key_account AND commercial_partner_id = id""",
    ),
    (
        "chatter notes with their tracking value",
        """WITH message AS (
               INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, is_internal, author_id,
                                         date, create_uid, create_date, write_uid, write_date)
               SELECT 'res.partner', id, '<p>Tier</p>', 'notification', %(subtype)s, TRUE, %(author)s, now(),
                      %(uid)s, now(), %(uid)s, now()
                 FROM res_partner WHERE kam_is_key_account AND commercial_partner_id = id
               RETURNING id)
           INSERT INTO mail_tracking_value (field_id, old_value_integer, new_value_integer, mail_message_id,
                                            create_uid, create_date, write_uid, write_date)
           SELECT %(field)s, 0, %(tier)s, message.id, %(uid)s, now(), %(uid)s, now() FROM message""",
    ),
    (
        "proposed responsibilities (the duties required of every key account and of its tier)",
        """INSERT INTO kam_responsibility (partner_id, company_id, kam_manager_id, duty_id, duty_sequence, raci,
                                           state, active, workload, create_uid, create_date, write_uid, write_date)
           SELECT p.id, p.company_id, p.kam_manager_id, d.id, d.sequence, 'responsible', 'proposed', TRUE, 1,
                  %(uid)s, now(), %(uid)s, now()
             FROM res_partner p
            CROSS JOIN (
                    SELECT id, sequence FROM kam_duty
                     WHERE active
                       AND (required OR id IN (SELECT duty_id FROM kam_tier_duty_rel WHERE tier_id = %(tier)s))
                  ) d
            WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id""",
    ),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100000)
    parser.add_argument("--base", help="base database of bench_pipeline.py (default kam_bench_pipeline_<N>_base)")
    args = parser.parse_args()
    base = args.base or f"kam_bench_pipeline_{args.accounts}_base"
    if not db_exists(base):
        sys.exit(f"no database {base}: build it with bench/bench_pipeline.py --accounts {args.accounts} --build-only")
    with open_env(base) as env:
        cr = env.cr
        try:
            floor = measure_floor(cr)
            # the tier requiring the fewest duties (the least a first run proposes)
            cr.execute(
                """SELECT t.id FROM kam_tier t LEFT JOIN kam_tier_duty_rel r ON r.tier_id = t.id
                    GROUP BY t.id ORDER BY COUNT(r.duty_id), t.id LIMIT 1"""
            )
            params = {
                "tier": cr.fetchone()[0],
                "uid": env.uid,
                "currency": env.company.currency_id.id,
                "subtype": env.ref("mail.mt_note").id,
                "author": env.user.partner_id.id,
                "field": env["ir.model.fields"]._get("res.partner", "kam_tier_id").id,
            }
            log(f"floor {floor:.3f}s (median of 3)")
            total = 0.0
            for what, statement in WRITES:
                start = time.perf_counter()
                cr.execute(statement, params)
                elapsed = time.perf_counter() - start
                total += elapsed
                log(f"{what}: {cr.rowcount} rows, {elapsed:.2f}s ({elapsed / floor:.1f}x floor)")
            log(f"all the writes: {total:.2f}s ({total / floor:.1f}x floor)")
            print(f"RESULT floor={floor:.3f}s writes={total:.2f}s x_floor={total / floor:.1f}")
        finally:
            cr.rollback()
    # the rolled-back rows stay on disk until vacuumed: the base is copied for every pipeline bench
    psql(base, "VACUUM ANALYZE res_partner, kam_tier_history, mail_message, mail_tracking_value, kam_responsibility")


if __name__ == "__main__":
    main()
