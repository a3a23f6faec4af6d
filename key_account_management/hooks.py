# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Uninstall hook: remove what would stop Odoo from deleting the addon's data.

Odoo uninstalls a module in ``ir.model.data._module_data_uninstall``: it
unlinks every record that has an external id of the module (newest first),
then drops the module's columns and tables. A record it cannot unlink is kept,
but the failed ``DELETE`` is logged at ERROR by ``odoo.sql_db`` ("bad query"),
and so is the later existence check of a kept record whose table is gone.
Without this hook that happens for the default tiers (``res_partner.kam_tier_id``
restricts), the duties and preference categories (the account's
responsibilities and preferences restrict), the activity types (activities
restrict) and the demo partners (their sale orders and invoices restrict).

Before Odoo starts, the hook:

1. moves the open activities of the addon's activity types to the generic
   To-Do type (the work planned stays with its user) and removes the done ones
   that were only kept as history of the care reminders;
2. clears the references from other tables to the addon's tables (the column
   is dropped anyway, so nothing is lost that Odoo would have kept);
3. empties the addon's own tables, in foreign-key order, and removes the
   external ids of the rows it deleted: the tables are dropped right after, and
   Odoo deletes their messages, followers, activities and attachments with the
   models (mail's ``ir.model.unlink``);
4. removes the favourites (saved filters) and export templates on the
   addon's models or naming one of its fields: once the fields are gone they
   fail, and a default favourite would break the menu it belongs to;
5. tries, in a savepoint that is rolled back, to delete the records of other
   models that carry an external id of the addon (demo partners, pricelist,
   activity types...) in the order Odoo will. A record that other data still
   needs (a demo partner with an invoice or an order made later) is kept: its
   external id of the addon is removed, so Odoo leaves it alone, and the hook
   logs which records were kept. This is what Odoo does with a record it cannot
   delete, without the failed query.
"""

import logging
import re

import psycopg2

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

MODULE = "key_account_management"
TODO_ACTIVITY_TYPE = "mail.mail_activity_data_todo"
# Technical records are never kept behind: if one of them cannot be deleted,
# Odoo's own error must show (a view or rule left over would break core flows).
TECHNICAL_MODELS = ("res.groups",)
TECHNICAL_PREFIX = "ir."


def uninstall_hook(env):
    env.flush_all()
    removed = _modules_removed(env)
    own_models = _own_models(env, removed)
    own_tables = _own_tables(env, own_models)
    _release_activities(env)
    env.flush_all()
    _clear_foreign_references(env, own_tables)
    _empty_own_tables(env, own_models, own_tables)
    _drop_saved_filters_and_exports(env, own_models, removed)
    _keep_records_still_used(env, own_models, removed)
    # the indexes the addon put on core tables (init() of res.partner, sale.order and kam.health.engine)
    env.cr.execute(
        "DROP INDEX IF EXISTS res_partner_kam_write_date_index, sale_order_kam_write_date_index,"
        " account_move_kam_write_date_index"
    )
    env["ir.config_parameter"].sudo().search([("key", "=like", "key_account_management.%")]).unlink()
    env.invalidate_all()


def _modules_removed(env):
    """This module and those uninstalled with it (the ones depending on it)."""
    env.cr.execute("SELECT name FROM ir_module_module WHERE state = 'to remove'")
    return tuple({MODULE} | {name for (name,) in env.cr.fetchall()})


def _own_models(env, removed):
    """Names of the models defined by the modules being removed: no other
    module has an external id on their ``ir.model`` (res.partner, sale.order...
    extended here are shared)."""
    env.cr.execute(
        """
        SELECT m.model
          FROM ir_model m
          JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
         GROUP BY m.id, m.model
        HAVING bool_and(d.module IN %s) AND bool_or(d.module = %s)
        """,
        [removed, MODULE],
    )
    return {model for (model,) in env.cr.fetchall()}


def _own_field_names(env, own_models, removed):
    """Names of the fields the modules being removed add to other models
    (all ``kam_*``)."""
    env.cr.execute(
        """
        SELECT f.name
          FROM ir_model_fields f
          JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
         WHERE NOT (f.model IN %s)
         GROUP BY f.id, f.name
        HAVING bool_and(d.module IN %s)
        """,
        [tuple(own_models) or ("",), removed],
    )
    return {name for (name,) in env.cr.fetchall()}


def _own_tables(env, own_models):
    """Tables of the addon's stored models (views of reports excluded)."""
    names = {
        env[model]._table for model in own_models if model in env and not env[model]._abstract and env[model]._auto
    }
    if not names:
        return set()
    env.cr.execute(
        """
        SELECT relname FROM pg_class
         WHERE relname IN %s AND relkind = 'r' AND relnamespace = current_schema()::regnamespace
        """,
        [tuple(names)],
    )
    return {name for (name,) in env.cr.fetchall()}


def _foreign_keys_to(env, tables):
    """(referencing table, column, referenced table, on delete, not null) of
    every foreign key into ``tables``."""
    if not tables:
        return []
    env.cr.execute(
        """
        SELECT src.relname, a.attname, dst.relname, c.confdeltype, a.attnotnull
          FROM pg_constraint c
          JOIN pg_class src ON src.oid = c.conrelid
          JOIN pg_class dst ON dst.oid = c.confrelid
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND dst.relname IN %s
           AND dst.relnamespace = current_schema()::regnamespace
        """,
        [tuple(tables)],
    )
    return env.cr.fetchall()


def _release_activities(env):
    """Open activities of the addon's types become To-Do activities (summary,
    note, deadline and user unchanged); done ones, kept only because the care
    type keeps them, are deleted."""
    types = env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "mail.activity.type")])
    types = env["mail.activity.type"].browse(types.mapped("res_id")).exists()
    if not types:
        return
    Activity = env["mail.activity"].with_context(active_test=False)
    Activity.search([("activity_type_id", "in", types.ids), ("active", "=", False)]).unlink()
    todo = env.ref(TODO_ACTIVITY_TYPE, raise_if_not_found=False)
    open_activities = Activity.search([("activity_type_id", "in", types.ids)])
    templates = env["mail.activity.plan.template"].search([("activity_type_id", "in", types.ids)])
    if todo and todo not in types:
        open_activities.write({"activity_type_id": todo.id})
        templates.write({"activity_type_id": todo.id})
        if open_activities:
            _logger.info("%s: %d open activities moved to the To-Do type", MODULE, len(open_activities))
    else:
        open_activities.unlink()
        templates.unlink()


def _clear_foreign_references(env, own_tables):
    """Set to NULL the columns of other tables that point into the addon's
    tables (res_partner.kam_tier_id, ...). They are the addon's own fields and
    are dropped with it; a restricting one would block the deletion of its rows,
    a cascading one would take the other table's rows with them."""
    for src, column, _dst, on_delete, not_null in _foreign_keys_to(env, own_tables):
        if src in own_tables or on_delete == "n" or not_null:
            # inside the addon (handled by the order of deletion), set null by
            # PostgreSQL, or a many2many table (its rows go with the row)
            continue
        env.cr.execute(
            SQL(
                "UPDATE %s SET %s = NULL WHERE %s IS NOT NULL",
                SQL.identifier(src),
                SQL.identifier(column),
                SQL.identifier(column),
            )
        )


def _empty_own_tables(env, own_models, own_tables):
    """Delete every row of the addon's tables, referencing tables first, and
    the external ids of those rows."""
    blocks = {table: set() for table in own_tables}  # table -> tables whose rows restrict its deletion
    for src, _column, dst, on_delete, _not_null in _foreign_keys_to(env, own_tables):
        if src in own_tables and src != dst and on_delete in ("r", "a"):
            blocks[dst].add(src)
    remaining = set(own_tables)
    while remaining:
        ready = sorted(table for table in remaining if not (blocks[table] & remaining)) or sorted(remaining)
        for table in ready:
            env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
            remaining.discard(table)
    if own_models:
        # of every module: the modules depending on this one go with it, and
        # __export__ / __import__ ids of these rows would be left dangling
        env.cr.execute("DELETE FROM ir_model_data WHERE model IN %s", [tuple(own_models)])
    env.invalidate_all()


def _drop_saved_filters_and_exports(env, own_models, removed):
    """Favourites and export templates of the addon's models, or that name one
    of its fields (``kam_tier_id``, ``partner_id.kam_manager_id``...)."""
    names = _own_field_names(env, own_models, removed)
    if not names:
        return
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    mentions = re.compile(rf"\b(?:{alternatives})\b")
    Filter = env["ir.filters"].with_context(active_test=False)
    filters = Filter.search([("model_id", "in", list(own_models))]) | Filter.search([]).filtered(
        lambda f: mentions.search(" ".join(str(text or "") for text in (f.domain, f.context, f.sort)))
    )
    exports = env["ir.exports"].search([("resource", "in", list(own_models))])
    lines = (
        env["ir.exports.line"]
        .search([("export_id", "not in", exports.ids)])
        .filtered(lambda line: mentions.search(line.name or ""))
    )
    if filters or exports or lines:
        _logger.info(
            "%s: removing the favourites %s, the export templates %s and %d export template lines that use it",
            MODULE,
            filters.mapped("name"),
            exports.mapped("name"),
            len(lines),
        )
    filters.unlink()
    exports.unlink()
    lines.unlink()


def _keep_records_still_used(env, own_models, removed):
    """Find the addon's records in other models that Odoo could not delete,
    and detach them from the addon so that Odoo keeps them without trying."""
    env.cr.execute(
        """
        SELECT id, name, model, res_id FROM ir_model_data d
         WHERE module = %s AND res_id IS NOT NULL AND model NOT LIKE %s AND NOT (model IN %s)
           -- Odoo leaves alone the records that other modules own too
           AND NOT EXISTS (
                SELECT 1 FROM ir_model_data o
                 WHERE o.model = d.model AND o.res_id = d.res_id AND o.module NOT IN %s)
         ORDER BY id DESC
        """,
        [MODULE, TECHNICAL_PREFIX + "%", TECHNICAL_MODELS + tuple(own_models or ("",)), (*removed, "__cloc_exclude__")],
    )
    candidates = [row for row in env.cr.fetchall() if row[2] in env and env[row[2]]._auto]
    kept = []
    # the same deletions as Odoo, newest external id first, all rolled back
    with env.cr.savepoint(flush=False) as trial:
        for imd_id, name, model, res_id in candidates:
            try:
                with env.cr.savepoint(flush=False):
                    env.cr.execute(
                        SQL("DELETE FROM %s WHERE id = %s", SQL.identifier(env[model]._table), res_id),
                        log_exceptions=False,
                    )
            except psycopg2.Error as error:
                kept.append((imd_id, f"{MODULE}.{name}", error.diag.message_detail or error.diag.message_primary))
        trial.rollback()
    if kept:
        env.cr.execute("DELETE FROM ir_model_data WHERE id IN %s", [tuple(imd_id for imd_id, _xmlid, _why in kept)])
        _logger.info(
            "%s: %d records still used by other data are kept (no longer part of the module): %s",
            MODULE,
            len(kept),
            "; ".join(f"{xmlid} ({why})" for _imd_id, xmlid, why in kept),
        )
