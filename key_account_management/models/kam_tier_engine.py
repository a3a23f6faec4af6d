# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage 2 of the daily pipeline: the tier of every key account.

Reads the sale figures (kam.account.figures), stores them on the account,
decides the tier from the company's tier rules, and writes what follows a
change: the new tier on the account and its contacts, the tier pricelist,
a history line with the figures of the decision, a chatter note (a tracking
value of the tier field) and the ``_kam_tier_changed`` hook of res.partner
(the duties the new tier requires). Everything in bulk: a fixed number of
queries per batch of accounts, whatever its size.
"""

import logging
from collections import defaultdict
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .kam_account_figures import EMPTY_INTERACTION_FIGURES, INTERACTION_FIGURE_COLUMNS
from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS, key_account_sql, partners_sql, values_sql

_logger = logging.getLogger(__name__)

#: Live figures of res.partner, written in bulk by the recompute (never typed
#: in): {field: (key in the sale figures, SQL type)}.
KAM_FIGURE_FIELDS = {
    "kam_revenue_current": ("revenue_current", "numeric"),
    "kam_revenue_previous": ("revenue_previous", "numeric"),
    "kam_order_count": ("order_count", "int4"),
    "kam_avg_order_value": ("avg_order_value", "numeric"),
    "kam_first_order_date": ("first_order_date", "date"),
    "kam_last_order_date": ("last_order_date", "date"),
    "kam_revenue_trend": ("trend", "float8"),
}


class KamTierEngine(models.AbstractModel):
    """The tier stage: figures of the key accounts, then their tier.

    ``_run`` is the daily job (incremental, see ``_changed_since``);
    ``_recompute`` does the same for given accounts (the form button, a
    manager's "recompute selected", the first tier of accounts just marked
    key); ``_log_tier_changes`` records changes, whoever made them.
    """

    _name = "kam.tier.engine"
    _description = "Key account tier engine"

    # ------------------------------------------------------------------
    # The daily job
    # ------------------------------------------------------------------
    @api.model
    def _run(self, batch_size=None, full=False):
        """Figures and tier of the key accounts, in batches.

        Incremental: only the accounts whose inputs changed since the last run
        (see :meth:`_changed_since`); every account on the first run, when
        the tiers or the company settings changed, once a week, and with
        ``full``. The figures come from one grouped query per company; the
        batches then decide the tiers and write what changed, committing
        between batches."""
        Job = self.env["kam.job"]
        started = self.env.cr.now()
        last_run = None if full else Job._last_run("tiers", full_every_days=FULL_RUN_DAYS)
        changed = self._changed_since(last_run) if last_run else None
        states = self._read_state(changed)
        # the figures queries filtered by account up to half of the key accounts
        Figures = self.env["kam.account.figures"]
        engine = self.with_context(kam_large_request=Figures._large_request_limit(len(states)))
        figures = engine._compute_figures(states)
        ids = sorted(states)

        # the trailing window moves every day: refresh interaction figures too (in the same
        # UPDATE of the accounts as their sale figures and tier)
        interaction_figures = engine.env["kam.account.figures"]._interaction_figures(ids)

        def process(batch):
            self._recompute(
                batch,
                figures=figures,
                states={pid: states[pid] for pid in batch.ids},
                interaction_figures=interaction_figures,
            )

        result = Job._run_in_batches(ids, process, batch_size=batch_size)
        if not result.running_elsewhere:
            Job._set_last_run("tiers", started, full=changed is None)
        return result

    @api.model
    def _changed_since(self, last_run):
        """Ids of the key accounts whose figures or tier may have changed since
        ``last_run`` (the start of the last run), or None when every account
        may have (the tiers or a company's settings changed). Read from the
        ``write_date`` of what the figures and the tier are made of:

        * the account or its contacts (marked, potential, tier lock, moved);
        * its sale orders (confirmed, cancelled, amounts, dates);
        * its interactions (the interaction figures; one deleted or moved to
          another account stamps its former account's write date);
        * the trailing windows, which move every day: orders and interactions
          whose date a window boundary passed over between the day of the last
          run and today, computed exactly (see :meth:`_moved_windows`).

        What leaves no trace (an order moved to another customer, a contact
        to another company, an order dated in the future) is caught by the
        weekly full run. (``>=``: what
        was written in the transaction of the last run is looked at again.)"""
        self.env.flush_all()
        cr = self.env.cr
        since = last_run - CHANGE_MARGIN
        if self.env["kam.job"]._written_since(["kam_tier", "res_company"], since):
            return None
        moved = self._moved_windows(last_run)
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id FROM res_partner p WHERE p.write_date >= %(since)s
                 UNION
                SELECT p.commercial_partner_id
                  FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                 WHERE so.write_date >= %(since)s
                 UNION
                SELECT p.commercial_partner_id
                  FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                 WHERE so.state = 'sale' AND (%(orders_moved)s)
                 UNION
                SELECT i.partner_id FROM kam_interaction i WHERE i.write_date >= %(since)s
                 UNION
                SELECT i.partner_id FROM kam_interaction i WHERE %(interactions_moved)s
                %(profit_changed)s
                """,
                since=since,
                orders_moved=self._date_ranges_sql(SQL("so.date_order"), moved["sale"]),
                interactions_moved=self._date_ranges_sql(SQL("i.date"), moved["interaction"]),
                # the profitability its stage wrote after the last run (it runs after this stage), when
                # a tier asks a minimum profit
                profit_changed=SQL("UNION SELECT r.partner_id FROM kam_profit r WHERE r.write_date >= %s", since)
                if self.env["kam.tier"].sudo().search_count([("profit_criterion", "=", True)], limit=1)
                else SQL(""),
            )
        )
        return [row[0] for row in cr.fetchall() if row[0]]

    @api.model
    def _moved_windows(self, last_run):
        """What the windows of the figures passed over since ``last_run``,
        exactly: {"sale": [(start, end)], "interaction": [(start, end)]},
        half-open datetime ranges. An order dated in a sale range left the
        previous window or moved from the previous window into the current
        one; an interaction dated in an interaction range left the trailing
        window of the interaction figures. Empty on the day of the last run:
        the windows are those of the day. (An order dated in the future when
        it was written enters the window on its date without a trace, as a
        confirmed order is dated when confirmed: the weekly full run.)"""
        Figures = self.env["kam.account.figures"]
        today = fields.Date.context_today(self)
        last_day = fields.Datetime.context_timestamp(self, last_run).date()
        moved = {"sale": [], "interaction": []}
        if last_day >= today:
            return moved
        for months in set(self.env["res.company"].sudo().search([]).mapped("kam_trailing_months")):
            # the windows of kam.account.figures._sale_figures, then and now
            old_previous, old_current, __ = Figures._window(months, last_day)
            new_previous, new_current, __ = Figures._window(months, today)
            moved["sale"] += [(old_previous, new_previous), (old_current, new_current)]
            # the trailing window of the interaction figures (kam.account.figures._interaction_figures)
            # starts a day earlier
            moved["interaction"].append(
                (
                    datetime.combine(last_day - relativedelta(months=months), time.min),
                    datetime.combine(today - relativedelta(months=months), time.min),
                )
            )
        return moved

    @api.model
    def _date_ranges_sql(self, column, ranges):
        """``column`` in one of the half-open ``ranges`` (SQL; FALSE when none)."""
        if not ranges:
            return SQL("FALSE")
        return SQL(" OR ").join(
            SQL("(%s >= %s AND %s < %s)", column, start, column, end) for start, end in sorted(set(ranges))
        )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    @api.model
    def _read_state(self, ids):
        """Narrow read of what the recompute needs, for key accounts among
        ``ids`` (all key accounts when ``ids`` is None): {id: row dict}.
        One query, without loading whole partner records."""
        self.env["res.partner"].flush_model(
            [
                "kam_is_key_account",
                "commercial_partner_id",
                "company_id",
                "kam_tier_id",
                "kam_tier_locked",
                "kam_potential",
                "active",
                *KAM_FIGURE_FIELDS,
                *INTERACTION_FIGURE_COLUMNS,
            ]
        )
        columns = [
            "id",
            "company_id",
            "kam_tier_id",
            "kam_tier_locked",
            "kam_potential",
            *KAM_FIGURE_FIELDS,
            *INTERACTION_FIGURE_COLUMNS,
        ]
        query = SQL(
            "SELECT %s FROM %s p WHERE %s",
            SQL(", ").join(SQL.identifier("p", c) for c in columns),
            partners_sql(ids),
            key_account_sql("p"),
        )
        self.env.cr.execute(query)
        return {row[0]: dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()}

    @api.model
    def _compute_figures(self, states):
        """Figures of the accounts in ``states``, one grouped query per company."""
        by_company = defaultdict(list)
        default_company = self.env.company
        for pid, state in states.items():
            by_company[state["company_id"] or default_company.id].append(pid)
        figures = {}
        Figures = self.env["kam.account.figures"]
        for company_id, ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            figures.update(
                Figures.with_company(company)._sale_figures(
                    ids,
                    company.kam_trailing_months,
                    currency_by_partner=dict.fromkeys(ids, company.currency_id),
                )
            )
            # the profit after cost to serve of the last profitability run (a tier criterion)
            for pid, profit in self.env["kam.profit.engine"]._profit_figures(ids, company_id).items():
                figures[pid]["profit"] = profit["profit"]
        return figures

    # ------------------------------------------------------------------
    # Tiers
    # ------------------------------------------------------------------
    @api.model
    def _recompute(self, partners, figures=None, states=None, interaction_figures=None):
        """Refresh the figures of these key accounts (res.partner records)
        and apply the tier rules; locked tiers are kept. A fixed number of
        queries per call, whatever the number of accounts: one UPDATE of
        the accounts whose figures or tier changed (figures and tier
        together), one per new tier for their contacts. Returns the changes
        made: {partner: (old tier, new tier)}.

        :param figures: figures already computed for these accounts (the
            scheduled job computes them for all accounts at once)
        :param states: their current values (``_read_state``), read
            by the scheduled job for all accounts at once
        :param interaction_figures: ``kam.account.figures._interaction_figures``
            of these accounts, written in the same UPDATE (the daily job)
        """
        if states is None:
            states = self._read_state(partners.ids)
        if not states:
            return {}
        if figures is None:
            figures = self._compute_figures(states)
        by_company = defaultdict(list)
        for pid, state in states.items():
            by_company[state["company_id"] or self.env.company.id].append(pid)
        Tier = self.env["kam.tier"]
        decisions = {}
        for company_id, ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            tiers = Tier.with_company(company)._tiers_for_company(company)
            if not tiers:
                continue
            select = tiers._selector()
            for pid in ids:
                state = states[pid]
                if state["kam_tier_locked"]:
                    continue
                new_tier_id = select(figures[pid], state["kam_potential"])
                if new_tier_id != state["kam_tier_id"]:
                    decisions[pid] = Tier.browse(new_tier_id)
        self._store(states, figures, decisions, interaction_figures)
        # one recordset, so that reading the changed partners is one query
        changes = {
            partner: (Tier.browse(states[partner.id]["kam_tier_id"]), decisions[partner.id])
            for partner in partners.browse(list(decisions))
        }
        if changes:
            self._apply_tiers(changes)
            self._log_tier_changes(changes, "auto", figures=figures)
        return changes

    @api.model
    def _store(self, states, figures, decisions, interaction_figures=None):
        """Write on the accounts, in one UPDATE of the rows whose values
        changed, their sale figures, their interaction figures (when given)
        and their new tier (``decisions``: {id: new tier}).

        :param states: {id: current column values} from ``_read_state``
        """
        column_types = {fname: typ for fname, (__, typ) in KAM_FIGURE_FIELDS.items()}
        new_values = {
            pid: {fname: figures[pid][key] for fname, (key, __) in KAM_FIGURE_FIELDS.items()} for pid in states
        }
        if interaction_figures is not None:
            column_types.update(INTERACTION_FIGURE_COLUMNS)
            for pid, values in new_values.items():
                values.update(interaction_figures.get(pid) or EMPTY_INTERACTION_FIGURES)
        column_types["kam_tier_id"] = "int4"
        for pid, values in new_values.items():
            values["kam_tier_id"] = (decisions[pid].id or None) if pid in decisions else states[pid]["kam_tier_id"]
        return self.env["kam.job"]._write_changed(self.env["res.partner"], column_types, states, new_values)

    @api.model
    def _first_tier(self, partners):
        """Figures and tier of accounts just marked as key accounts (the key
        accounts among ``partners``), in one bulk run. Returns the changes
        made ({partner: (old tier, new tier)})."""
        if self.env.context.get("kam_no_first_tier"):
            return {}
        accounts = partners.sudo().filtered(lambda p: p.kam_is_key_account and p == p.commercial_partner_id)
        if not accounts:
            return {}
        return self.sudo()._recompute(accounts)

    @api.model
    def _apply_tiers(self, changes):
        """Give the new tiers of the accounts (written by :meth:`_store`) to
        their contacts (one UPDATE per tier, no per-partner write) and apply
        the tier pricelist when the company asks for it."""
        Partner = self.env["res.partner"]
        by_tier = defaultdict(list)
        for partner, (__, new_tier) in changes.items():
            by_tier[new_tier.id].append(partner.id)
        Partner.flush_model(["kam_tier_id", "commercial_partner_id"])
        for tier_id, partner_ids in by_tier.items():
            self.env.cr.execute(
                SQL(
                    """UPDATE res_partner SET kam_tier_id = %s
                        WHERE commercial_partner_id = ANY(%s) AND id != commercial_partner_id""",
                    tier_id or None,
                    partner_ids,
                )
            )
        Partner.invalidate_model(["kam_tier_id"])
        self._apply_tier_pricelists(changes)

    @api.model
    def _apply_tier_pricelists(self, changes):
        """The tier's pricelist on the accounts whose company applies tier
        pricelists."""
        by_pricelist = defaultdict(lambda: self.env["res.partner"])
        if not any(new_tier.pricelist_id for __, new_tier in changes.values()):
            return
        for partner, (__, new_tier) in changes.items():
            company = partner.company_id or self.env.company
            if company.kam_apply_tier_pricelist and new_tier.pricelist_id:
                by_pricelist[(company, new_tier.pricelist_id)] |= partner
        for (company, pricelist), partners in by_pricelist.items():
            partners.with_company(company).sudo().write({"property_product_pricelist": pricelist.id})

    # ------------------------------------------------------------------
    # History and chatter
    # ------------------------------------------------------------------
    @api.model
    def _log_tier_changes(self, changes, change_type, reason=None, figures=None):
        """Write ``kam.tier.history`` and a chatter entry for each change,
        then call the ``_kam_tier_changed`` hook of the changed accounts.

        The history line keeps the figures the decision was made on (its
        record rules protect them). The chatter entry is a note holding a
        tracking value of the tier field and nothing else: Odoo shows a
        tracking value only to those who may read the field, so users without
        key-account access see neither the tier nor the figures in the
        partner's chatter.

        In bulk: one INSERT for the history lines, one for the notes and their
        tracking values, whatever the number of changes (the ORM would create
        each message on its own). The notes are written as
        ``mail.thread._message_log_batch`` writes them: internal, no
        notification, the generic reply-to.

        :param changes: {partner: (old_tier, new_tier)}
        :param figures: figures used for the decision (default: the stored
            figures of each partner)
        """
        if not changes:
            return
        Partner = self.env["res.partner"]
        ids = [partner.id for partner in changes]
        Partner.flush_model(["company_id", "kam_potential", *KAM_FIGURE_FIELDS])
        cr = self.env.cr
        now = cr.now()
        uid = self.env.uid
        figures = figures or {}
        history_rows = []
        for partner, (old_tier, new_tier) in changes.items():
            fig = figures.get(partner.id)
            history_rows.append(
                (
                    partner.id,
                    old_tier.id or None,
                    new_tier.id or None,
                    fig is None,  # no figures given: the stored ones
                    *(
                        (None, None, None, None)
                        if fig is None
                        else (fig["revenue_current"], fig["revenue_previous"], fig["order_count"], fig["trend"])
                    ),
                )
            )
        cr.execute(
            SQL(
                """
                INSERT INTO kam_tier_history (partner_id, company_id, old_tier_id, new_tier_id, date, user_id,
                                              change_type, reason, currency_id, revenue_current, revenue_previous,
                                              order_count, potential, trend,
                                              create_uid, create_date, write_uid, write_date)
                SELECT p.id, p.company_id, v.old_tier_id, v.new_tier_id, %(date)s, %(uid)s,
                       %(change_type)s, %(reason)s, COALESCE(c.currency_id, %(currency)s),
                       COALESCE(CASE WHEN v.stored THEN p.kam_revenue_current ELSE v.revenue_current END, 0),
                       COALESCE(CASE WHEN v.stored THEN p.kam_revenue_previous ELSE v.revenue_previous END, 0),
                       COALESCE(CASE WHEN v.stored THEN p.kam_order_count ELSE v.order_count END, 0),
                       COALESCE(p.kam_potential, 0),
                       COALESCE(CASE WHEN v.stored THEN p.kam_revenue_trend ELSE v.trend END, 0),
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (VALUES %(rows)s) AS v(partner_id, old_tier_id, new_tier_id, stored,
                                              revenue_current, revenue_previous, order_count, trend)
                  JOIN res_partner p ON p.id = v.partner_id
             LEFT JOIN res_company c ON c.id = p.company_id
              ORDER BY v.partner_id
                """,
                now=now,
                date=now.replace(microsecond=0),  # to the second, as its default (fields.Datetime.now)
                uid=uid,
                change_type=change_type,
                reason=reason or None,
                currency=self.env.company.currency_id.id,
                rows=values_sql(
                    "(%s, %s::int4, %s::int4, %s, %s::numeric, %s::numeric, %s::int4, %s::float8)", history_rows
                ),
            )
        )
        self._log_tier_notes(changes)
        self.env["kam.tier.history"].invalidate_model()
        Partner.invalidate_model(["kam_tier_history_ids", "kam_tier_history_count"])
        Partner.browse(ids)._kam_tier_changed()

    @api.model
    def _log_tier_notes(self, changes):
        """The chatter notes of tier changes, with their tracking values: one
        INSERT of all the notes and their tracking values."""
        Partner = self.env["res.partner"]
        author_id, email_from = Partner._message_compute_author(raise_on_email=False)
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
        tier_field_id = self.env["ir.model.fields"]._get_ids("res.partner")["kam_tier_id"]
        names = {
            tier.id: tier.display_name or ""
            for tier in self.env["kam.tier"]
            .sudo()
            .browse({tier.id for pair in changes.values() for tier in pair if tier})
        }
        rows = values_sql(
            "(%s, %s, %s::int4, %s::int4, %s, %s)",
            (
                (
                    partner.id,
                    generate_tracking_message_id(f"{partner.id}-res.partner"),
                    old_tier.id or None,
                    new_tier.id or None,
                    names.get(old_tier.id, ""),
                    names.get(new_tier.id, ""),
                )
                for partner, (old_tier, new_tier) in changes.items()
            ),
        )
        now, uid = self.env.cr.now(), self.env.uid
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH v(res_id, message_id, old_tier_id, new_tier_id, old_name, new_name) AS (VALUES %(rows)s),
                message AS (
                    INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, is_internal,
                                              author_id, email_from, reply_to, message_id, email_add_signature,
                                              reply_to_force_new, date, create_uid, create_date, write_uid,
                                              write_date)
                    SELECT 'res.partner', v.res_id, '', 'notification', %(subtype)s, TRUE,
                           %(author)s, %(email_from)s, %(reply_to)s, v.message_id, FALSE,
                           FALSE, %(date)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM v ORDER BY v.res_id
                 RETURNING id, res_id
                )
                INSERT INTO mail_tracking_value (mail_message_id, field_id, old_value_integer, new_value_integer,
                                                 old_value_char, new_value_char,
                                                 create_uid, create_date, write_uid, write_date)
                SELECT message.id, %(field)s, v.old_tier_id, v.new_tier_id, v.old_name, v.new_name,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM message JOIN v ON v.res_id = message.res_id
                """,
                rows=rows,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                now=now,
                date=now.replace(microsecond=0),  # a message's date is to the second (fields.Datetime.now)
                uid=uid,
                field=tier_field_id,
            )
        )
        # what mail.message._invalidate_documents does after a create
        Partner.invalidate_model(["message_ids", "message_needaction", "message_needaction_counter"])
