"""Shared parts of the bench scripts: databases, data, the floor, timing.

The data of every bench, inserted by SQL copies of template rows made with the
ORM (minutes at 100,000 accounts instead of hours):

* ``build_data``: N key-account companies (``ref = 'BENCH-ACCOUNT'``), 1.5 N
  contacts (``BENCH-CONTACT``), 4 N sale orders over 24 months (20 % in a
  second currency, 10 % cancelled, 38 % placed by contacts), optionally with
  order lines;
* ``build_invoices``: 2 N posted customer invoices due over the last 11
  months, 70 % paid (from 10 days early to 30 days late, with their
  receivable line and reconciliation), 30 % still open;
* ``build_interactions``: 2 N interactions over the last 12 months (meetings,
  calls, emails, visits).

And the floor every bench compares with: one SQL ``GROUP BY`` over
``sale_order`` computing, for every commercial partner, the trailing and
previous 12-month revenue in company currency, order count, first and last
order (../shared/PERFORMANCE.md), as the median of a few runs.
"""

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", os.path.expanduser("~/src/odoo-18.0"))
sys.path.insert(0, ODOO_SRC)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api, fields  # noqa: E402
from odoo.tools import SQL  # noqa: E402

MODULE = "key_account_management"
#: the key account manager of the bench accounts: an active user (the jobs raise nothing for one who left)
MANAGER_LOGIN = "admin"

FLOOR_SQL = """
    SELECT p.commercial_partner_id,
           SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0))
               FILTER (WHERE so.date_order >= now() - interval '12 months'),
           SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0))
               FILTER (WHERE so.date_order < now() - interval '12 months'
                         AND so.date_order >= now() - interval '24 months'),
           COUNT(*) FILTER (WHERE so.date_order >= now() - interval '12 months'),
           MIN(so.date_order), MAX(so.date_order)
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale'
  GROUP BY p.commercial_partner_id
"""

#: Tables whose rows the jobs read as their inputs (``write_date`` tells an
#: incremental run what changed); with every ``kam_*`` table, they are made a
#: day older by :func:`next_day`.
INPUT_TABLES = (
    "res_partner",
    "res_company",
    "sale_order",
    "account_move",
    "account_partial_reconcile",
    "mail_activity",
)

#: Dates the jobs write themselves, a day earlier on the next day.
JOB_DATES = {
    "kam_health_check": ("check_date",),
    "kam_health_snapshot": ("date",),
    "kam_risk_signal": ("first_seen", "last_seen"),
}


def log(msg):
    print(f"[bench] {msg}", flush=True)


# ---------------------------------------------------------------- databases


def psql(db, query):
    return subprocess.run(["psql", "-d", db, "-Atc", query], capture_output=True, text=True, check=True).stdout.strip()


def db_exists(db):
    return psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def odoo_cmd(db, *args):
    """odoo-bin with the repository's config, stopping after init, no HTTP,
    no cron thread."""
    return [
        sys.executable,
        os.path.join(ODOO_SRC, "odoo-bin"),
        "-c",
        os.path.join(ROOT, ".odoo.conf"),
        "-d",
        db,
        "--stop-after-init",
        "--http-port=0",
        "--max-cron-threads=0",
        *args,
    ]


def ensure_database(db, modules=MODULE):
    """Create ``db`` with ``modules`` installed (no demo data) unless it exists."""
    if db_exists(db):
        return
    log(f"creating database {db} with {modules} (no demo data)")
    subprocess.run(odoo_cmd(db, "-i", modules, "--without-demo=all", "--log-level=warn"), check=True)


def copy_database(template, db):
    """Drop ``db`` and copy it from ``template`` (``createdb -T``); returns the seconds taken."""
    odoo.modules.registry.Registry.delete(template)
    odoo.sql_db.close_db(template)
    drop_database(db)
    t0 = time.time()
    subprocess.run(["createdb", "-T", template, db], check=True)
    return time.time() - t0


def drop_database(db):
    odoo.modules.registry.Registry.delete(db)
    odoo.sql_db.close_db(db)
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)


def update_module(db, module=MODULE):
    """``odoo-bin -u module`` on ``db``: the code of this worktree on a copied database."""
    odoo.modules.registry.Registry.delete(db)
    odoo.sql_db.close_db(db)
    log(f"updating {module} on {db}")
    subprocess.run(odoo_cmd(db, "-u", module, "--log-level=warn"), check=True)


_CONFIGURED = []


def setup_odoo():
    """Odoo's config from the repository's .odoo.conf (once per process)."""
    if not _CONFIGURED:
        odoo.tools.config.parse_config(["-c", os.path.join(ROOT, ".odoo.conf"), "--log-level=warn"])
        _CONFIGURED.append(True)


@contextmanager
def open_env(db):
    """``with open_env(db) as env:`` a superuser environment on ``db``."""
    setup_odoo()
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def cron_context(env, model, cron_xmlid=None):
    """``env[model]`` as the scheduler runs it: with a progress record in the
    context, so that the jobs commit between batches. The progress record is
    attached to the scheduled action ``cron_xmlid`` (or any one)."""
    cron = env.ref(cron_xmlid, raise_if_not_found=False) if cron_xmlid else None
    cron = cron or env["ir.cron"].with_context(active_test=False).search([], limit=1)
    progress = env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
    return env[model].with_context(ir_cron_progress_id=progress.id)


# ---------------------------------------------------------------- timing


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure_floor(cr, repeat=3):
    """Median seconds of the floor query over ``repeat`` runs."""
    return statistics.median(timed(lambda: cr.execute(FLOOR_SQL) or cr.fetchall()) for __ in range(repeat))


# ---------------------------------------------------------------- data


def insert_copies(cr, table, template_id, count, overrides, source=None):
    """INSERT ``count`` copies of row ``template_id`` of ``table``, with
    ``overrides`` {column: SQL expression over g (1..count) and t (template)}.
    ``source``, an SQL row source aliased ``g``, replaces ``generate_series(1,
    count) g``: one copy per row of it. Overrides of columns the table does not
    have (fields of a module not installed) are left out."""
    cr.execute(
        SQL("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'", table)
    )
    columns = [c for (c,) in cr.fetchall()]
    select = [SQL(overrides[c]) if c in overrides else SQL("t.%s", SQL.identifier(c)) for c in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, %s WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            source or SQL("generate_series(1, %s) g", count),
            template_id,
        )
    )


def _numbered_accounts(cr, name="bench_account"):
    """A temp table ``name`` (rn, id) numbering the bench companies 1..N."""
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
    cr.execute(
        SQL(
            "CREATE TEMP TABLE %s AS"
            " SELECT row_number() OVER (ORDER BY id) AS rn, id FROM res_partner WHERE ref = 'BENCH-ACCOUNT'",
            SQL.identifier(name),
        )
    )
    cr.execute(SQL("CREATE INDEX ON %s (rn)", SQL.identifier(name)))


def build_data(env, accounts, lines_per_order=0):
    """Accounts, contacts and orders (see the module docstring); with
    ``lines_per_order``, that many order lines per order, sharing its amount.
    Works with or without key_account_management installed: without it, the
    companies are plain customers (the kam_* overrides are left out)."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'")
    if cr.fetchone()[0] == accounts:
        log(f"data for {accounts} accounts already there")
        return
    log(
        f"building data: {accounts} accounts, {accounts * 3 // 2} contacts, {accounts * 4} orders, "
        f"{accounts * 4 * lines_per_order} order lines"
    )
    t0 = time.time()
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'")
    if cr.fetchone()[0]:
        sys.exit(f"{env.cr.dbname} holds bench data for another size: drop it (dropdb {env.cr.dbname}) first")
    company = env.company
    other = env.ref("base.EUR")
    other.active = True
    env["res.currency.rate"].create({"currency_id": other.id, "name": "2015-01-01", "rate": 0.9})
    pricelist_other = env["product.pricelist"].create({"name": "Bench EUR", "currency_id": other.id})
    template_partner = env["res.partner"].create({"name": "Bench template", "is_company": True})
    product = env["product.product"].create({"name": "Bench product", "list_price": 10})
    template_order = env["sale.order"].create(
        {
            "partner_id": template_partner.id,
            "client_order_ref": "BENCH",
            "order_line": [(0, 0, {"product_id": product.id, "price_unit": 10})],
        }
    )
    env.flush_all()
    insert_copies(
        cr,
        "res_partner",
        template_partner.id,
        accounts,
        {
            "name": "'Bench account ' || g",
            "ref": "'BENCH-ACCOUNT'",
            "kam_is_key_account": "true",
            "kam_potential": "(g %% 101)",
            "kam_manager_id": f"(SELECT id FROM res_users WHERE login = '{MANAGER_LOGIN}')",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref = 'BENCH-ACCOUNT'")
    _numbered_accounts(cr, "bench_company")
    insert_copies(
        cr,
        "res_partner",
        template_partner.id,
        accounts * 3 // 2,
        {
            "name": "'Bench contact ' || g",
            "ref": "'BENCH-CONTACT'",
            "is_company": "false",
            "parent_id": f"(SELECT id FROM bench_company WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = parent_id WHERE ref = 'BENCH-CONTACT'")
    # buyers: 62 % of orders by companies, 38 % by contacts
    cr.execute("""CREATE TEMP TABLE bench_contact AS
                  SELECT row_number() OVER (ORDER BY id) AS rn, id FROM res_partner WHERE ref = 'BENCH-CONTACT'""")
    cr.execute("CREATE INDEX ON bench_contact (rn)")
    contacts = accounts * 3 // 2
    orders = accounts * 4
    cr.execute("SELECT setseed(0.42)")
    insert_copies(
        cr,
        "sale_order",
        template_order.id,
        orders,
        {
            "name": "'BENCH/' || g",
            "partner_id": f"""CASE WHEN g %% 100 < 38
                              THEN (SELECT id FROM bench_contact
                                    WHERE rn = 1 + (g::bigint * 104729) %% {contacts})
                              ELSE (SELECT id FROM bench_company
                                    WHERE rn = 1 + (g::bigint * 7919) %% {accounts}) END""",
            "partner_invoice_id": "t.partner_invoice_id",
            "state": "CASE WHEN g %% 10 = 0 THEN 'cancel' ELSE 'sale' END",
            "date_order": "now() - (random() * interval '730 days')",
            "amount_untaxed": "round((100 + random() * 20000)::numeric, 2)",
            "amount_total": "round((100 + random() * 20000)::numeric, 2)",
            "currency_rate": "CASE WHEN g %% 5 = 0 THEN 0.9 ELSE 1.0 END",
            "currency_id": f"CASE WHEN g %% 5 = 0 THEN {other.id} ELSE {company.currency_id.id} END",
            "pricelist_id": f"CASE WHEN g %% 5 = 0 THEN {pricelist_other.id} ELSE t.pricelist_id END",
            "client_order_ref": "'BENCH'",
        },
    )
    cr.execute("DELETE FROM sale_order WHERE id = %s", [template_order.id])
    cr.execute(
        "UPDATE sale_order SET partner_invoice_id = partner_id, partner_shipping_id = partner_id"
        " WHERE client_order_ref = 'BENCH'"
    )
    cr.execute("DELETE FROM res_partner WHERE id = %s", [template_partner.id])
    cr.execute("ANALYZE res_partner; ANALYZE sale_order; ANALYZE sale_order_line")
    cr.commit()
    log(f"data built in {time.time() - t0:.1f}s")
    if lines_per_order:
        build_lines(env, lines_per_order)


#: products of the order lines of the bench: PRODUCTS_PER_CATEGORY in each of CATEGORIES categories
CATEGORIES = 20
PRODUCTS_PER_CATEGORY = 5


def build_lines(env, lines_per_order, categories=CATEGORIES):
    """``lines_per_order`` lines for each bench order, sharing its untaxed
    amount, in its currency and state, each of a product among
    ``categories`` x ``PRODUCTS_PER_CATEGORY`` (chosen by the order and the
    line's rank: an account buys a few categories, not all), 1 to 5 units.
    Done once: orders that have lines keep them."""
    cr = env.cr
    cr.execute(
        """SELECT count(*) FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
            WHERE so.client_order_ref = 'BENCH'"""
    )
    if cr.fetchone()[0]:
        log("order lines already there")
        return
    t0 = time.time()
    categs = env["product.category"].create([{"name": f"Bench category {i + 1}"} for i in range(categories)])
    products = env["product.product"].create(
        [
            {"name": f"Bench product {c + 1}.{k + 1}", "categ_id": categ.id, "list_price": 10 + k}
            for c, categ in enumerate(categs)
            for k in range(PRODUCTS_PER_CATEGORY)
        ]
    )
    template_partner = env["res.partner"].create({"name": "Bench line template", "is_company": True})
    template_order = env["sale.order"].create(
        {
            "partner_id": template_partner.id,
            "order_line": [(0, 0, {"product_id": products[0].id, "price_unit": 10})],
        }
    )
    env.flush_all()
    # the account's own categories: 3 of them, from its id (c0 + 0, 7, 13 modulo the categories), the
    # product within the category from the order and the line's rank
    product_ids = "ARRAY[" + ",".join(str(pid) for pid in products.ids) + "]"
    share = f"round(g.amount_untaxed / {lines_per_order}, 2)"
    qty = "(1 + (g.id + g.k) %% 5)"
    insert_copies(
        cr,
        "sale_order_line",
        template_order.order_line.id,
        0,
        {
            "order_id": "g.id",
            "order_partner_id": "g.partner_id",
            "currency_id": "g.currency_id",
            "state": "g.state",
            "sequence": "g.k",
            "product_id": (
                f"({product_ids})[1 + ((g.account_id + (ARRAY[0, 7, 13])[1 + g.k %% 3]) %% {categories})"
                f" * {PRODUCTS_PER_CATEGORY} + (g.id + g.k) %% {PRODUCTS_PER_CATEGORY}]"
            ),
            "name": "'Bench line'",
            "product_uom_qty": qty,
            "qty_delivered": "0",
            "price_unit": f"round({share} / {qty}, 2)",
            "price_subtotal": share,
            "price_total": share,
            "price_tax": "0.0",
            "price_reduce_taxexcl": f"round({share} / {qty}, 2)",
            "price_reduce_taxinc": f"round({share} / {qty}, 2)",
            "create_date": "g.date_order",
            "write_date": "g.date_order",
        },
        source=SQL(
            """(SELECT so.id, so.partner_id, p.commercial_partner_id AS account_id, so.currency_id, so.state,
                       so.amount_untaxed, so.date_order, k
                  FROM sale_order so JOIN res_partner p ON p.id = so.partner_id, generate_series(1, %s) k
                 WHERE so.client_order_ref = 'BENCH') g""",
            lines_per_order,
        ),
    )
    cr.execute("SELECT count(*) FROM sale_order_line WHERE name = 'Bench line'")
    count = cr.fetchone()[0]
    cr.execute("DELETE FROM sale_order WHERE id = %s", [template_order.id])
    cr.execute("DELETE FROM res_partner WHERE id = %s", [template_partner.id])
    cr.execute("ANALYZE sale_order_line")
    cr.commit()
    log(f"{count} order lines of {len(products)} products in {categories} categories built in {time.time() - t0:.1f}s")


def build_invoices(env, accounts):
    """2 N posted customer invoices of the bench companies (see the module docstring)."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM account_move WHERE ref = 'BENCH-INV'")
    if cr.fetchone()[0]:
        log("invoices already there")
        return
    invoices = accounts * 2
    log(f"building {invoices} invoices (70 % paid, some late; 30 % open)")
    t0 = time.time()
    today = fields.Date.context_today(env["res.partner"])
    cr.execute("SELECT id FROM res_partner WHERE ref = 'BENCH-ACCOUNT' ORDER BY id LIMIT 1")
    partner = env["res.partner"].browse(cr.fetchone()[0])
    product = env["product.product"].create({"name": "Bench invoice product", "list_price": 10})
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today,
            "invoice_date_due": today,
            "ref": "BENCH-TEMPLATE",
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "price_unit": 1000.0, "tax_ids": [Command.clear()]})
            ],
        }
    )
    template.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=template.ids).create(
        {"payment_date": today}
    )._create_payments()
    env.flush_all()
    cr.execute(
        """SELECT aml.id, apr.id FROM account_move_line aml
             JOIN account_account aa ON aa.id = aml.account_id AND aa.account_type = 'asset_receivable'
             JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
            WHERE aml.move_id = %s""",
        [template.id],
    )
    line_id, partial_id = cr.fetchone()
    _numbered_accounts(cr)
    due = "(CURRENT_DATE - (5 + (g * 37) %% 330))"
    paid = "(g %% 10 < 7)"
    insert_copies(
        cr,
        "account_move",
        template.id,
        invoices,
        {
            "name": "'BENCH/INV/' || g",
            "ref": "'BENCH-INV'",
            "partner_id": f"(SELECT id FROM bench_account WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
            "commercial_partner_id": f"(SELECT id FROM bench_account WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
            "invoice_date": f"{due} - 30",
            "date": f"{due} - 30",
            "invoice_date_due": due,
            "amount_residual": f"CASE WHEN {paid} THEN 0 ELSE t.amount_total END",
            "amount_residual_signed": f"CASE WHEN {paid} THEN 0 ELSE t.amount_total_signed END",
            "payment_state": f"CASE WHEN {paid} THEN 'paid' ELSE 'not_paid' END",
        },
    )
    cr.execute(
        """CREATE TEMP TABLE bench_paid AS
           SELECT row_number() OVER (ORDER BY id) AS rn, id, invoice_date_due
             FROM account_move WHERE ref = 'BENCH-INV' AND payment_state = 'paid'"""
    )
    cr.execute("CREATE INDEX ON bench_paid (rn)")
    cr.execute("SELECT count(*) FROM bench_paid")
    paid_count = cr.fetchone()[0]
    insert_copies(cr, "account_move_line", line_id, paid_count, {"move_id": "(SELECT id FROM bench_paid WHERE rn = g)"})
    cr.execute(
        """CREATE TEMP TABLE bench_paid_line AS
           SELECT row_number() OVER (ORDER BY aml.move_id) AS rn, aml.id
             FROM account_move_line aml JOIN bench_paid b ON b.id = aml.move_id"""
    )
    cr.execute("CREATE INDEX ON bench_paid_line (rn)")
    insert_copies(
        cr,
        "account_partial_reconcile",
        partial_id,
        paid_count,
        {
            "debit_move_id": "(SELECT id FROM bench_paid_line WHERE rn = g)",
            # from 10 days early to 30 days late
            "max_date": "(SELECT invoice_date_due FROM bench_paid WHERE rn = g) + ((g * 13) %% 41) - 10",
        },
    )
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_partial_reconcile")
    cr.commit()
    log(f"invoices built in {time.time() - t0:.1f}s ({paid_count} paid)")


def build_interactions(env, accounts, per_account=2):
    """``per_account`` N logged interactions (done) of the bench companies
    over the last 12 months, copied from one made with the ORM (its chatter
    and participants are not copied). Needs key_account_management."""
    cr = env.cr
    if "kam.interaction" not in env:
        return
    cr.execute("SELECT count(*) FROM kam_interaction WHERE name LIKE 'Bench interaction%%'")
    if cr.fetchone()[0]:
        log("interactions already there")
        return
    count = accounts * per_account
    log(f"building {count} interactions")
    t0 = time.time()
    cr.execute("SELECT id FROM res_partner WHERE ref = 'BENCH-ACCOUNT' ORDER BY id LIMIT 1")
    template = env["kam.interaction"].create(
        {"name": "Bench interaction template", "partner_id": cr.fetchone()[0], "channel": "meeting", "state": "done"}
    )
    env.flush_all()
    _numbered_accounts(cr)
    insert_copies(
        cr,
        "kam_interaction",
        template.id,
        count,
        {
            "name": "'Bench interaction ' || g",
            "partner_id": f"(SELECT id FROM bench_account WHERE rn = 1 + (g::bigint * 6007) %% {accounts})",
            "date": "now() - ((g * 53) %% 365) * interval '1 day'",
            "channel": "(ARRAY['meeting', 'phone', 'email', 'visit'])[1 + g %% 4]",
        },
    )
    cr.execute("DELETE FROM kam_interaction WHERE id = %s", [template.id])
    cr.execute("ANALYZE kam_interaction")
    cr.commit()
    log(f"interactions built in {time.time() - t0:.1f}s")


def build_participants(env):
    """Participants of the bench interactions (relationship coverage reads
    them): one contact of the account (the contacts in turn) and the
    accounts' manager. Done once."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM kam_interaction_contact_rel")
    if cr.fetchone()[0]:
        log("interaction participants already there")
        return
    t0 = time.time()
    cr.execute(
        """WITH contacts AS (
               SELECT id, parent_id, row_number() OVER (PARTITION BY parent_id ORDER BY id) - 1 AS rank,
                      COUNT(*) OVER (PARTITION BY parent_id) AS n
                 FROM res_partner WHERE ref = 'BENCH-CONTACT')
           INSERT INTO kam_interaction_contact_rel (interaction_id, partner_id)
           SELECT i.id, c.id
             FROM kam_interaction i
             JOIN contacts c ON c.parent_id = i.partner_id AND c.rank = i.id % c.n
            WHERE i.name LIKE 'Bench interaction%%'"""
    )
    contacts = cr.rowcount
    cr.execute(
        """INSERT INTO kam_interaction_user_rel (interaction_id, user_id)
           SELECT i.id, (SELECT id FROM res_users WHERE login = %s)
             FROM kam_interaction i WHERE i.name LIKE 'Bench interaction%%'""",
        [MANAGER_LOGIN],
    )
    cr.execute("ANALYZE kam_interaction_contact_rel; ANALYZE kam_interaction_user_rel")
    cr.commit()
    log(f"{contacts} interactions got a contact and the manager in {time.time() - t0:.1f}s")


# ---------------------------------------------------------------- days


def active_managers(cr):
    """Give the accounts an active key account manager (``MANAGER_LOGIN``):
    bases built before 18.0.1.6.0 had the superuser, an archived user, for
    whom the jobs no longer raise follow-ups, reminders or risk activities
    (nor assign reviews). Returns the number of partners changed."""
    cr.execute(
        """UPDATE res_partner SET kam_manager_id = (SELECT id FROM res_users WHERE login = %s)
            WHERE kam_manager_id IN (SELECT id FROM res_users WHERE NOT active)""",
        [MANAGER_LOGIN],
    )
    return cr.rowcount


def next_day(cr):
    """Make it the next day for the incremental jobs: their last runs
    (``key_account_management.last*run.*`` parameters) one day earlier, and
    every row they read or wrote (``write_date`` of the input tables and of
    every ``kam_*`` table) two days older, so that what the last run wrote
    (an incremental run looks an hour before its last run) is not seen as
    changed; the days the health job wrote (``JOB_DATES``) a day earlier. The
    order dates stay: the windows moved over a day of orders since the
    (shifted) last run, as they do overnight.

    Rewriting every row leaves each index an entry for every old row version
    and the planner statistics of the day before (the written dates all
    recent), which no real night leaves: a real day writes a few rows, and
    autovacuum cleans and analyzes a table after a rewrite of every row. So
    the rewritten tables are vacuumed and analyzed, as autovacuum does, and
    a checkpoint writes their pages out."""
    cr.execute(
        """SELECT table_name FROM information_schema.columns
            WHERE column_name = 'write_date' AND table_schema = 'public'
              AND (table_name = ANY(%s) OR table_name LIKE 'kam\\_%%')""",
        [list(INPUT_TABLES)],
    )
    tables = [table for (table,) in cr.fetchall()]
    for table in tables:
        cr.execute(
            SQL("UPDATE %s SET write_date = write_date - interval '2 days'", SQL.identifier(table)),
        )
    cr.execute(
        """UPDATE ir_config_parameter
              SET value = to_char(value::timestamp - interval '1 day', 'YYYY-MM-DD HH24:MI:SS')
            WHERE key LIKE 'key_account_management.last%%run.%%'"""
    )
    # the days the health job wrote (its next look at an account, its snapshots and signals)
    for table, columns in JOB_DATES.items():
        cr.execute(
            SQL(
                "UPDATE %s SET %s",
                SQL.identifier(table),
                SQL(", ").join(SQL("%s = %s - 1", SQL.identifier(c), SQL.identifier(c)) for c in columns),
            )
        )
    cr.commit()
    # (VACUUM runs outside a transaction: psql's own connection)
    psql(cr.dbname, "VACUUM ANALYZE " + ", ".join(sorted(set(tables) | set(JOB_DATES) | {"ir_config_parameter"})))
    # (and the rewritten pages written out, as the night's checkpoints do: else the day's first
    # statements write them out, and the time of a stage depends on what the stages before it dirtied)
    try:
        psql(cr.dbname, "CHECKPOINT")
    except subprocess.CalledProcessError as error:
        # (a superuser or a member of pg_checkpoint may)
        log(f"no checkpoint: {error.stderr.strip()}")


def touch_orders(cr, accounts, salt=0):
    """Give ``accounts`` bench companies having a confirmed order (chosen by
    ``salt``) a new order: one of their confirmed orders placed an hour ago, a
    unit dearer, written now. Returns the number of accounts touched."""
    cr.execute(
        """WITH buyers AS (
               SELECT DISTINCT ON (p.commercial_partner_id) so.id, p.commercial_partner_id AS account_id
                 FROM sale_order so
                 JOIN res_partner p ON p.id = so.partner_id
                WHERE so.state = 'sale' AND so.client_order_ref = 'BENCH'
                ORDER BY p.commercial_partner_id, so.id)
           UPDATE sale_order SET date_order = now() - interval '1 hour', amount_untaxed = amount_untaxed + 1,
                                 write_date = now()
            WHERE id IN (SELECT id FROM buyers ORDER BY md5(account_id::text || %s) LIMIT %s)""",
        [str(salt), max(accounts, 1)],
    )
    touched = cr.rowcount
    cr.commit()
    return touched
