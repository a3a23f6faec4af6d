# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from . import kam_account_privacy as private
from .kam_activity import ActivityRequest
from .kam_health_snapshot import RISK_LEVELS
from .kam_risk_signal import SEVERITIES
from .res_company import HEALTH_WEIGHT_FIELDS

HEALTH_BANDS = [
    ("good", "Good"),
    ("watch", "Watch"),
    ("at_risk", "At Risk"),
]

HEALTH_TRENDS = [
    ("up", "Improving"),
    ("flat", "Stable"),
    ("down", "Declining"),
]


#: Health score components, in the order of HEALTH_WEIGHT_FIELDS.
COMPONENTS = ["spend", "recency", "payment", "engagement", "satisfaction"]
SEVERITY_KEYS = [key for key, __ in SEVERITIES]
SEVERITY_RANK = {key: rank for rank, key in enumerate(SEVERITY_KEYS)}
#: Lowest risk level of each health band (the signals may raise it).
BAND_RISK_RANK = {"good": 0, "watch": 1, "at_risk": 2}
#: Partner columns written by the job.
HEALTH_COLUMNS = {
    "kam_health_score": "int4",
    "kam_health_band": "varchar",
    "kam_risk_level": "varchar",
    "kam_health_trend": "varchar",
    "kam_health_date": "date",
}
#: Signal columns followed while a signal stays open.
SIGNAL_UPDATE_COLUMNS = {
    "value": "numeric",
    "threshold": "numeric",
    "severity": "varchar",
    "severity_rank": "int4",
    "description": "varchar",
    "last_seen": "date",
}
CANCELLATION_DAYS = 90  # window of the cancelled orders signal
GAP_MONTHS = 24  # orders whose gaps give an account's usual rhythm
MIN_PAYMENT_INVOICES = 3  # invoices due in the window before judging payment behaviour
SNAPSHOT_DAYS = 7  # a new snapshot when the latest is this old
TREND_POINTS = 3  # score change against the previous snapshot that counts as up / down


def by_ratio(value, threshold):
    """Severity of ``value`` against ``threshold``: at the threshold medium,
    twice high, three times critical; below it None (no signal)."""
    if threshold <= 0 or value < threshold:
        return None
    ratio = value / threshold
    return "critical" if ratio >= 3 else "high" if ratio >= 2 else "medium"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Health and risk (风险管理与预警): written in bulk by the health job
    # (no ORM write per account), like the sale figures.
    kam_health_score = private.Integer(
        "Health Score", readonly=True, copy=False, aggregator="avg", groups="key_account_management.group_kam_viewer"
    )
    kam_health_band = private.Selection(
        HEALTH_BANDS, "Health", readonly=True, copy=False, index=True, groups="key_account_management.group_kam_viewer"
    )
    kam_risk_level = private.Selection(
        RISK_LEVELS,
        "Risk Level",
        readonly=True,
        copy=False,
        index=True,
        groups="key_account_management.group_kam_viewer",
    )
    kam_health_trend = private.Selection(
        HEALTH_TRENDS,
        "Health Trend",
        readonly=True,
        copy=False,
        help="Score against the previous weekly snapshot.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_health_date = private.Date(
        "Health Computed On", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_risk_signal_ids = fields.One2many(
        "kam.risk.signal", "partner_id", "Risk Signals", groups="key_account_management.group_kam_viewer"
    )
    kam_health_snapshot_ids = fields.One2many(
        "kam.health.snapshot", "partner_id", "Health Snapshots", groups="key_account_management.group_kam_viewer"
    )
    # computed rather than a one2many with a domain: creating signals in bulk
    # would then check the domain on each new signal (one query each)
    kam_open_risk_signal_ids = fields.Many2many(
        "kam.risk.signal",
        string="Open Risk Signals",
        compute="_compute_kam_health_counts",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_open_risk_signal_count = private.Integer(
        "Number of Open Risk Signals",
        compute="_compute_kam_health_counts",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    def _compute_kam_health_counts(self):
        signals = self.env["kam.risk.signal"].search(
            [("partner_id", "in", self.commercial_partner_id.ids), ("is_open", "=", True)]
        )
        by_partner = defaultdict(lambda: self.env["kam.risk.signal"])
        for signal in signals:
            by_partner[signal.partner_id.id] |= signal
        for partner in self:
            open_signals = by_partner[partner.commercial_partner_id.id]
            partner.kam_open_risk_signal_ids = open_signals
            partner.kam_open_risk_signal_count = len(open_signals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_kam_refresh_health(self):
        """Recompute health and risk signals now. One account: its manager,
        team or a key account manager; several at once: key account
        managers (same rights as "Recompute Tier")."""
        accounts = self._kam_accounts_to_refresh(
            self.env._("Only key account managers can refresh the health of several accounts at once."),
            self.env._("You can only refresh the health of accounts you manage or whose team you belong to."),
        )
        accounts.sudo()._kam_refresh_health()
        return True

    def action_kam_view_risk_signals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_risk_signal_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        return action

    def action_kam_view_health_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_health_snapshot_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        action["view_mode"] = "graph,list,pivot"
        action["views"] = [(False, "graph"), (False, "list"), (False, "pivot")]
        return action

    # ------------------------------------------------------------------
    # Health and risk job
    # ------------------------------------------------------------------
    @api.model
    def _cron_kam_health(self, batch_size=None):
        """Daily: risk signals, health score and weekly snapshot of every
        key account, in batches with progress.

        The figures of all accounts come first, from a fixed number of
        grouped queries per company (sales of three windows, receivables,
        payments, cancellations, order gaps); each batch then opens, updates
        and resolves its signals, writes the partner columns that changed,
        creates the snapshots due and raises the activities, in a fixed
        number of queries whatever its size."""
        states = self._kam_health_read_state(None)
        ids = sorted(states)
        figures = self._kam_health_figures(states)

        def process(batch):
            batch._kam_health_apply({pid: states[pid] for pid in batch.ids}, figures)

        return self.env["kam.job"]._run_in_batches(ids, process, batch_size=batch_size)

    def _kam_refresh_health(self):
        """Health and risk of these key accounts now (the job for a few)."""
        states = self._kam_health_read_state(self.commercial_partner_id.ids)
        if states:
            self.browse(sorted(states))._kam_health_apply(states, self._kam_health_figures(states))

    @api.model
    def _kam_health_read_state(self, ids):
        """Narrow read of what the health job needs, for the key accounts
        among ``ids`` (all when None): {id: row dict}, one query.

        ``contact_interval`` is the effective cadence interval (the
        account's own, else its tier's, as ``kam_effective_contact_interval``);
        ``leader_id`` the leader of the key account manager's sales team
        (``res.users.sale_team_id.user_id``): it receives the critical
        signals as the manager's manager (hr is not a dependency)."""
        self.flush_model(
            [
                "kam_is_key_account",
                "commercial_partner_id",
                "active",
                "company_id",
                "kam_tier_id",
                "kam_manager_id",
                "kam_contact_interval_days",
                "kam_last_interaction_date",
                "kam_avg_satisfaction",
                "kam_open_complaint_count",
                "kam_key_account_since",
                *HEALTH_COLUMNS,
            ]
        )
        self.env["kam.tier"].flush_model(["contact_interval_days"])
        self.env["res.users"].flush_model(["sale_team_id"])
        self.env["crm.team"].flush_model(["user_id"])
        query = SQL(
            """
            SELECT p.id, p.company_id, p.kam_tier_id, p.kam_manager_id, team.user_id,
                   COALESCE(NULLIF(p.kam_contact_interval_days, 0), tier.contact_interval_days, 0),
                   p.kam_last_interaction_date, p.kam_avg_satisfaction, p.kam_open_complaint_count,
                   p.kam_key_account_since, %(health)s
              FROM res_partner p
         LEFT JOIN kam_tier tier ON tier.id = p.kam_tier_id
         LEFT JOIN res_users u ON u.id = p.kam_manager_id
         LEFT JOIN crm_team team ON team.id = u.sale_team_id
             WHERE p.kam_is_key_account AND p.commercial_partner_id = p.id AND p.active %(ids)s
            """,
            health=SQL(", ").join(SQL("p.%s", SQL.identifier(c)) for c in HEALTH_COLUMNS),
            ids=SQL("AND p.id = ANY(%s)", list(ids)) if ids is not None else SQL(""),
        )
        self.env.cr.execute(query)
        keys = [
            "id",
            "company_id",
            "tier_id",
            "manager_id",
            "leader_id",
            "contact_interval",
            "last_interaction",
            "avg_satisfaction",
            "open_complaints",
            "key_account_since",
            *HEALTH_COLUMNS,
        ]
        return {row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()}

    @api.model
    def _kam_health_figures(self, states):
        """All figures of the accounts in ``states``: {partner_id: {source:
        figures}}, a fixed number of grouped queries per company (the
        thresholds and windows are the company's)."""
        by_company = defaultdict(list)
        for pid, state in states.items():
            by_company[state["company_id"] or self.env.company.id].append(pid)
        today = fields.Date.context_today(self)
        result = {pid: {} for pid in states}
        for company_id, ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            Figures = self.env["kam.account.figures"].with_company(company)
            currencies = dict.fromkeys(ids, company.currency_id)
            months = company.kam_trailing_months
            spend_months = company.kam_risk_spend_months or 3
            grace = company.kam_risk_overdue_grace_days
            sources = {
                "sales": Figures._sale_figures(ids, months, today, currencies),
                "spend": Figures._sale_figures(ids, spend_months, today, currencies),
                "spend_last_year": Figures._sale_figures(ids, spend_months, today - relativedelta(years=1), currencies),
                "receivables": Figures._receivable_figures(ids, grace, today),
                "payments": Figures._payment_figures(ids, months, grace, today),
                "cancellations": Figures._cancellation_figures(ids, CANCELLATION_DAYS, today),
                "gaps": Figures._order_gap_figures(ids, GAP_MONTHS, today),
            }
            for pid in ids:
                result[pid] = {source: values[pid] for source, values in sources.items()}
        return result

    @api.model
    def _kam_health_settings(self, company):
        """Thresholds and weights of ``company`` as a plain dict."""
        return {
            "grace": company.kam_risk_overdue_grace_days,
            "overdue_amount": company.kam_risk_overdue_amount,
            "overdue_critical_days": company.kam_risk_overdue_critical_days,
            "late_share": company.kam_risk_late_share,
            "cancel_share": company.kam_risk_cancel_share,
            "spend_drop": company.kam_risk_spend_drop,
            "spend_months": company.kam_risk_spend_months,
            "gap_factor": company.kam_risk_gap_factor,
            "min_satisfaction": company.kam_risk_min_satisfaction,
            "complaint_count": company.kam_risk_complaint_count,
            "weights": {key: company[fname] for key, fname in zip(COMPONENTS, HEALTH_WEIGHT_FIELDS, strict=True)},
            "good_from": company.kam_health_good_from,
            "watch_from": company.kam_health_watch_from,
            "currency": company.currency_id,
            "money": self._kam_money_formatter(company.currency_id),
            "texts": self._kam_signal_texts(),
        }

    @api.model
    def _kam_money_formatter(self, currency):
        """A function formatting amounts like ``currency.format`` in the
        user's language, resolved once: ``currency.format`` looks the
        language up at each call, which costs more than the whole signal
        computation of an account."""
        lang = get_lang(self.env)
        sep, point, digits = lang.thousands_sep or "", lang.decimal_point or ".", currency.decimal_places
        symbol, after = currency.symbol or "", currency.position == "after"

        def money(amount):
            text = f"{amount:,.{digits}f}".replace(",", "\x00").replace(".", point).replace("\x00", sep)
            return f"{text}\N{NO-BREAK SPACE}{symbol}" if after else f"{symbol}\N{NO-BREAK SPACE}{text}"

        return money

    @api.model
    def _kam_signal_texts(self):
        """The descriptions of the signals, translated once per batch (a
        ``_()`` per signal looks the language up each time: at 100,000
        accounts that cost more than computing the signals)."""
        return {
            "overdue": self.env._(
                "%(amount)s overdue on %(count)s invoice(s), the oldest %(days)s days past due "
                "(threshold %(threshold)s, grace %(grace)s days)."
            ),
            "late_payment": self.env._(
                "%(late)s of %(count)s invoices paid late (%(share)s %%, threshold %(threshold)s %%), "
                "%(days)s days late on average."
            ),
            "cancellation": self.env._(
                "%(cancelled)s of %(count)s orders cancelled in the last %(days)s days, %(share)s %% of the "
                "amount ordered (threshold %(threshold)s %%)."
            ),
            "spend_drop": self.env._(
                "Revenue of the last %(months)s months %(current)s: down %(drop)s %% from the %(months)s "
                "months before (%(previous)s) and %(drop_year)s %% from the same months last year "
                "(%(year)s); threshold %(threshold)s %%."
            ),
            "order_gap": self.env._(
                "No order for %(days)s days (last on %(last)s); the account usually orders every "
                "%(median)s days (threshold %(threshold)s days)."
            ),
            "silence": self.env._("No contact for %(days)s days (interval %(interval)s days)."),
            "silence_never": self.env._(
                "Never contacted since it became a key account %(days)s days ago (interval %(interval)s days)."
            ),
            "low_satisfaction": self.env._("Average satisfaction %(value)s out of 5 (minimum %(minimum)s)."),
            "complaint": self.env._("%(count)s open complaint(s) (threshold %(threshold)s)."),
        }

    @api.model
    def _kam_risk_signals(self, state, fig, cfg, today):
        """Signals of one account from its figures: {signal_type: dict(value,
        threshold, severity, description)}, only the conditions that hold.

        Severity (see res.company): value at the threshold *medium*, twice
        *high*, three times *critical*; overdue receivables are critical
        from the critical age of the oldest invoice; satisfaction is
        medium below the minimum, high one point below it, critical two."""
        signals = {}
        money = cfg["money"]
        texts = cfg["texts"]

        def add(signal_type, value, threshold, description, severity=None):
            severity = severity or by_ratio(value, threshold)
            if severity:
                signals[signal_type] = {
                    "value": round(value, 2),
                    "threshold": round(threshold, 2),
                    "severity": severity,
                    "description": description,
                }

        rec = fig["receivables"]
        if rec["overdue_amount"] >= cfg["overdue_amount"]:
            severity = by_ratio(rec["overdue_amount"], cfg["overdue_amount"])
            if rec["oldest_overdue_days"] >= cfg["overdue_critical_days"]:
                severity = "critical"
            add(
                "overdue",
                rec["overdue_amount"],
                cfg["overdue_amount"],
                texts["overdue"]
                % dict(
                    amount=money(rec["overdue_amount"]),
                    count=rec["overdue_count"],
                    days=rec["oldest_overdue_days"],
                    threshold=money(cfg["overdue_amount"]),
                    grace=cfg["grace"],
                ),
                severity,
            )
        pay = fig["payments"]
        if pay["invoice_count"] >= MIN_PAYMENT_INVOICES:
            add(
                "late_payment",
                pay["late_share"],
                cfg["late_share"],
                texts["late_payment"]
                % dict(
                    late=pay["late_count"],
                    count=pay["invoice_count"],
                    share=pay["late_share"],
                    threshold=cfg["late_share"],
                    days=pay["avg_days_late"],
                ),
            )
        can = fig["cancellations"]
        if can["cancel_count"]:
            add(
                "cancellation",
                can["cancel_share"],
                cfg["cancel_share"],
                texts["cancellation"]
                % dict(
                    cancelled=can["cancel_count"],
                    count=can["order_count"],
                    days=CANCELLATION_DAYS,
                    share=can["cancel_share"],
                    threshold=cfg["cancel_share"],
                ),
            )
        spend, last_year = fig["spend"], fig["spend_last_year"]
        if spend["revenue_previous"] > 0:
            drop = -spend["trend"]
            year_revenue = last_year["revenue_current"]
            drop_year = -self.env["kam.account.figures"]._trend(spend["revenue_current"], year_revenue)
            # a seasonal dip (the same months were as low last year) is no signal
            if drop >= cfg["spend_drop"] and (not year_revenue or drop_year >= cfg["spend_drop"]):
                add(
                    "spend_drop",
                    drop,
                    cfg["spend_drop"],
                    texts["spend_drop"]
                    % dict(
                        months=cfg["spend_months"],
                        current=money(spend["revenue_current"]),
                        drop=drop,
                        previous=money(spend["revenue_previous"]),
                        drop_year=drop_year if year_revenue else "-",
                        year=money(year_revenue),
                        threshold=cfg["spend_drop"],
                    ),
                )
        gap = fig["gaps"]
        if gap["median_gap"] is not None:
            threshold = cfg["gap_factor"] * max(gap["median_gap"], 1.0)
            if gap["days_since_last_order"] > threshold:
                add(
                    "order_gap",
                    gap["days_since_last_order"],
                    threshold,
                    texts["order_gap"]
                    % dict(
                        days=gap["days_since_last_order"],
                        last=gap["last_order_date"],
                        median=round(gap["median_gap"], 1),
                        threshold=round(threshold, 1),
                    ),
                )
        interval = state["contact_interval"]
        if interval:
            last = state["last_interaction"]
            since = last.date() if last else state["key_account_since"]
            if since:
                days = (today - since).days
                if days > interval:
                    add(
                        "silence",
                        days,
                        interval,
                        texts["silence"] % dict(days=days, interval=interval)
                        if last
                        else texts["silence_never"] % dict(days=days, interval=interval),
                    )
        satisfaction, minimum = state["avg_satisfaction"] or 0.0, cfg["min_satisfaction"]
        if 0 < satisfaction < minimum:
            gap_points = minimum - satisfaction
            add(
                "low_satisfaction",
                satisfaction,
                minimum,
                texts["low_satisfaction"] % dict(value=satisfaction, minimum=minimum),
                "critical" if gap_points >= 2 else "high" if gap_points >= 1 else "medium",
            )
        complaints = state["open_complaints"] or 0
        if complaints >= cfg["complaint_count"]:
            add(
                "complaint",
                complaints,
                cfg["complaint_count"],
                texts["complaint"] % dict(count=complaints, threshold=cfg["complaint_count"]),
            )
        return signals

    @api.model
    def _kam_health_components(self, state, fig, today):
        """Component scores 0-100 of one account (see the README):

        * spend: 50 + half the trailing revenue trend in percent (-100 % ->
          0, stable -> 50, +100 % -> 100); no revenue in either window -> 0;
        * recency / frequency: 100 while the days since the last order stay
          within the account's usual gap (its median gap, 30 days when it
          has none), down to 0 at three times that gap; no order in two
          years -> 0;
        * payment: 100 minus the share of late invoices, minus the age in
          days of the oldest overdue invoice (at most 50);
        * engagement: 100 while the last contact is within the contact
          interval (90 days without cadence), down to 0 at three times it;
          never contacted -> 0;
        * satisfaction: average rating mapped 1 -> 0 .. 5 -> 100 (50 when
          nothing was rated), minus 25 per open complaint.
        """

        def fade(days, expected):
            if days <= expected:
                return 100.0
            return max(0.0, 100.0 * (1 - (days - expected) / (2.0 * expected)))

        sales = fig["sales"]
        if sales["revenue_current"] or sales["revenue_previous"]:
            spend = min(100.0, max(0.0, 50.0 + sales["trend"] / 2.0))
        else:
            spend = 0.0
        gap = fig["gaps"]
        if gap["days_since_last_order"] is None:
            recency = 0.0
        else:
            recency = fade(gap["days_since_last_order"], max(gap["median_gap"] or 30.0, 7.0))
        pay, rec = fig["payments"], fig["receivables"]
        payment = 100.0 - pay["late_share"]
        if rec["overdue_amount"]:
            payment -= min(50, rec["oldest_overdue_days"])
        last = state["last_interaction"]
        engagement = fade((today - last.date()).days, state["contact_interval"] or 90) if last else 0.0
        rating = state["avg_satisfaction"] or 0.0
        satisfaction = (rating - 1) * 25.0 if rating else 50.0
        satisfaction -= 25 * (state["open_complaints"] or 0)
        return {
            key: round(min(100.0, max(0.0, value)))
            for key, value in zip(COMPONENTS, (spend, recency, payment, engagement, satisfaction), strict=True)
        }

    def _kam_health_apply(self, states, figures):
        """Signals, score, snapshot and activities of these accounts (a
        batch), from figures computed beforehand. A fixed number of queries
        whatever the number of accounts: one read of their open signals,
        one create, one bulk update and one resolve of signals, one bulk
        update of the partners, one read of the last snapshots and one
        create of the new ones, one search and one create of activities."""
        if not states:
            return
        today = fields.Date.context_today(self)
        Signal = self.env["kam.risk.signal"].sudo()
        Company = self.env["res.company"]
        settings = {}

        def config(state):
            company_id = state["company_id"] or self.env.company.id
            if company_id not in settings:
                settings[company_id] = self._kam_health_settings(Company.browse(company_id))
            return settings[company_id]

        # 1. signals: open, follow, resolve
        open_signals = defaultdict(dict)
        # narrow read (no ORM records: a batch may follow thousands of signals)
        Signal.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id, partner_id, signal_type, severity, value, threshold, description, last_seen
                     FROM kam_risk_signal
                    WHERE resolved_on IS NULL AND partner_id = ANY(%s)""",
                list(states),
            )
        )
        for row in self.env.cr.dictfetchall():
            open_signals[row["partner_id"]][row["signal_type"]] = row
        new_vals, updates, update_current, resolved_ids, escalations = [], {}, {}, [], []
        measured = {}
        for pid, state in states.items():
            cfg = config(state)
            found = self._kam_risk_signals(state, figures[pid], cfg, today)
            measured[pid] = found
            existing = open_signals.get(pid, {})
            for signal_type, row in existing.items():
                if signal_type not in found:
                    resolved_ids.append(row["id"])
            for signal_type, values in found.items():
                row = existing.get(signal_type)
                if not row:
                    new_vals.append(
                        dict(
                            values,
                            partner_id=pid,
                            company_id=state["company_id"],
                            signal_type=signal_type,
                            first_seen=today,
                            last_seen=today,
                        )
                    )
                    continue
                updates[row["id"]] = dict(
                    {k: values[k] for k in ("value", "threshold", "severity", "description")},
                    severity_rank=SEVERITY_RANK[values["severity"]],
                    last_seen=today,
                )
                update_current[row["id"]] = dict(row, severity_rank=SEVERITY_RANK[row["severity"]])
                if SEVERITY_RANK[values["severity"]] > SEVERITY_RANK[row["severity"]]:
                    escalations.append((pid, row["id"], signal_type, row["severity"], values))
        if resolved_ids:
            Signal.browse(resolved_ids).write({"resolved_on": today})
        if updates:
            self.env["kam.job"]._write_changed(Signal, SIGNAL_UPDATE_COLUMNS, update_current, updates)
        created = Signal.create(new_vals) if new_vals else Signal
        for signal, vals in zip(created, new_vals, strict=True):
            escalations.append((vals["partner_id"], signal.id, vals["signal_type"], "low", vals))

        # 2. score, band, risk level, trend and weekly snapshot
        snapshots = self._kam_last_snapshots(list(states), today)
        partner_values, snapshot_vals = {}, []
        for pid, state in states.items():
            cfg = config(state)
            components = self._kam_health_components(state, figures[pid], today)
            weights = cfg["weights"]
            score = round(sum(components[key] * weights[key] for key in COMPONENTS) / 100.0)
            band = "good" if score >= cfg["good_from"] else "watch" if score >= cfg["watch_from"] else "at_risk"
            level_rank = max([BAND_RISK_RANK[band]] + [SEVERITY_RANK[v["severity"]] for v in measured[pid].values()])
            last = snapshots.get(pid, {})
            previous_score = last.get("previous_score")
            if previous_score is None or abs(score - previous_score) < TREND_POINTS:
                trend = "flat"
            else:
                trend = "up" if score > previous_score else "down"
            partner_values[pid] = {
                "kam_health_score": score,
                "kam_health_band": band,
                "kam_risk_level": SEVERITY_KEYS[level_rank],
                "kam_health_trend": trend,
                "kam_health_date": today,
            }
            if not last.get("last_date") or (today - last["last_date"]).days >= SNAPSHOT_DAYS:
                sales = figures[pid]["sales"]
                snapshot_vals.append(
                    {
                        "partner_id": pid,
                        "company_id": state["company_id"],
                        "date": today,
                        "score": score,
                        **{f"{key}_score": components[key] for key in COMPONENTS},
                        "risk_level": SEVERITY_KEYS[level_rank],
                        "tier_id": state["tier_id"],
                        "currency_id": cfg["currency"].id,
                        "revenue_current": sales["revenue_current"],
                        "revenue_previous": sales["revenue_previous"],
                        "order_count": sales["order_count"],
                    }
                )
        self.env["kam.job"]._write_changed(self, HEALTH_COLUMNS, states, partner_values)
        if snapshot_vals:
            self.env["kam.health.snapshot"].sudo().create(snapshot_vals)

        # 3. one activity per new high or critical signal (and its escalation)
        self._kam_risk_activities(states, escalations)

    @api.model
    def _kam_last_snapshots(self, ids, today):
        """{partner_id: dict(last_date, previous_score)}: date of the latest
        snapshot and score of the latest one before today (the trend
        compares with it), one query."""
        Snapshot = self.env["kam.health.snapshot"]
        Snapshot.flush_model(["partner_id", "date", "score"])
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id,
                       MAX(date),
                       (ARRAY_AGG(score ORDER BY date DESC) FILTER (WHERE date < %(today)s))[1]
                  FROM kam_health_snapshot
                 WHERE partner_id = ANY(%(ids)s)
              GROUP BY partner_id
                """,
                today=today,
                ids=ids,
            )
        )
        return {pid: {"last_date": last, "previous_score": score} for pid, last, score in self.env.cr.fetchall()}

    @api.model
    def _kam_risk_activities(self, states, escalations):
        """Activities for signals that became high or critical in this run:
        one for the key account manager (reason ``risk:<type>:<signal id>``)
        and, when critical, one for the leader of the manager's sales team
        (``risk:<type>:<signal id>:critical``). Keyed by signal id, a new
        episode of the same signal raises again; never twice while open."""
        labels = dict(self.env["kam.risk.signal"]._fields["signal_type"]._description_selection(self.env))
        severities = dict(self.env["kam.risk.signal"]._fields["severity"]._description_selection(self.env))
        high = SEVERITY_RANK["high"]
        critical = SEVERITY_RANK["critical"]
        requests = []
        for pid, signal_id, signal_type, old_severity, values in escalations:
            rank, old_rank = SEVERITY_RANK[values["severity"]], SEVERITY_RANK[old_severity]
            if rank < high:
                continue
            state = states[pid]
            summary = self.env._(
                "%(severity)s risk: %(signal)s (%(value)s, threshold %(threshold)s)",
                severity=severities[values["severity"]],
                signal=labels[signal_type],
                value=values["value"],
                threshold=values["threshold"],
            )
            note = Markup("<p>%s</p>") % values["description"]
            reason = f"risk:{signal_type}:{signal_id}"
            # on the signal, not on the partner: the figures in the summary
            # reach only those who may read the signal
            if old_rank < high:
                requests.append(ActivityRequest(signal_id, reason, state["manager_id"], summary, note))
            leader = state["leader_id"]
            if rank >= critical and leader and leader != state["manager_id"]:
                requests.append(ActivityRequest(signal_id, f"{reason}:critical", leader, summary, note))
        if requests:
            self.env["kam.activity"]._raise_once(requests, res_model="kam.risk.signal")
