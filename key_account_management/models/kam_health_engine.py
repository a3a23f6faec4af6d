# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage 3 of the daily pipeline: health and risk of the key accounts.

From the figures (sales, receivables, payments, cancellations, order gaps) and
the account's own columns (contact interval, last contact, satisfaction,
complaints), for each key account:

1. the risk signals, one small rule per signal type (:data:`SIGNAL_RULES`):
   opened, followed while they hold, resolved when they no longer do;
2. the health score, its band, the risk level and the trend, written on the
   partner, and a snapshot each week;
3. an activity for each signal that became high or critical.

The daily run is incremental: it looks at the accounts whose inputs changed
since its last run, whose windows moved over a dated event (an invoice falling
due, an order or an interaction leaving a window) and whose own "check again
on" date has come (a signal threshold that days without order or contact
cross, the weekly snapshot). A full run on the first run, weekly, when the
tiers or the company settings change, and on request.

So the signals open, escalate and resolve on the day their condition
changes. What only drifts day by day between two looks at an account (the
"days" in an open signal's description, the score's slow fading while no
order or contact comes) is brought up to date at the next look: at the
latest its weekly snapshot.
"""

from collections import defaultdict, namedtuple
from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools import SQL
from odoo.tools.misc import format_date, get_lang
from odoo.tools.translate import LazyTranslate

from .kam_activity import ActivityRequest
from .kam_cadence_engine import effective_interval_sql
from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS, key_account_sql, partners_sql
from .kam_risk_signal import MANUAL, SEVERITIES
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

_lt = LazyTranslate(__name__)

#: What a signal measured, in words: a signal stores its rule's key and
#: figures (``kam.risk.signal.description_data``) and shows this text in the
#: language of whoever reads it (the job runs in no user's language).
#: Lazy texts: no environment here, they are translated where shown.
# pylint: disable=prefer-env-translation
DESCRIPTIONS = {
    "overdue": _lt(
        "%(amount)s overdue on %(count)s invoice(s), the oldest %(days)s days past due "
        "(threshold %(threshold)s, grace %(grace)s days)."
    ),
    "late_payment": _lt(
        "%(late)s of %(count)s invoices paid late (%(share)s %%, threshold %(threshold)s %%), "
        "%(days)s days late on average."
    ),
    "cancellation": _lt(
        "%(cancelled)s of %(count)s orders cancelled in the last %(days)s days, %(share)s %% of the "
        "amount ordered (threshold %(threshold)s %%)."
    ),
    "spend_drop": _lt(
        "Revenue of the last %(months)s months %(current)s: down %(drop)s %% from the %(months)s "
        "months before (%(previous)s) and %(drop_year)s %% from the same months last year "
        "(%(year)s); threshold %(threshold)s %%."
    ),
    "order_gap": _lt(
        "No order for %(days)s days (last on %(last)s); the account usually orders every "
        "%(median)s days (threshold %(threshold)s days)."
    ),
    "silence": _lt("No contact for %(days)s days (interval %(interval)s days)."),
    "silence_never": _lt(
        "Never contacted since it became a key account %(days)s days ago (interval %(interval)s days)."
    ),
    "low_satisfaction": _lt("Average satisfaction %(value)s out of 5 (minimum %(minimum)s)."),
    "complaint": _lt("%(count)s open complaint(s) (threshold %(threshold)s)."),
    "unprofitable": _lt(
        "Profit after cost to serve %(profit)s on a revenue of %(revenue)s over the last %(months)s months: "
        "%(percent)s %% (minimum %(threshold)s %%)."
    ),
    "discount_creep": _lt(
        "Average discount up %(quarters)s quarters in a row, from %(first)s %% to %(last)s %% "
        "(at least %(step)s points a quarter)."
    ),
    # relationship coverage (kam.coverage.engine)
    "single_threaded": _lt(
        "%(share)s %% of the %(count)s contact touches of the last %(days)s days were with %(contact)s "
        "(threshold %(threshold)s %%): the relationship hangs on one person."
    ),
    "key_people_unreached": _lt(
        "%(count)s decision maker(s) or champion(s) not reached for more than %(days)s days: %(names)s."
    ),
    "contacts_silent": _lt(
        "%(count)s contact(s) touched at least twice went silent for more than %(days)s days: %(names)s."
    ),
}
# pylint: enable=prefer-env-translation
#: Figures of a description that are amounts (in the company currency) or dates.
DESCRIPTION_AMOUNTS = {
    "overdue": ("amount", "threshold"),
    "spend_drop": ("current", "previous", "year"),
    "unprofitable": ("profit", "revenue"),
}
DESCRIPTION_DATES = {"order_gap": ("last",)}

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
}
#: Partner columns of the relationship coverage (kam.coverage.engine) the coverage rules read.
COVERAGE_COLUMNS = [
    "kam_single_threaded",
    "kam_coverage_top_share",
    "kam_coverage_touches",
    "kam_unreached_count",
    "kam_silent_count",
]
#: Signal columns followed while a signal stays open.
SIGNAL_UPDATE_COLUMNS = {
    "value": "numeric",
    "threshold": "numeric",
    "severity": "varchar",
    "severity_rank": "int4",
    "description_data": "jsonb",
    "last_seen": "date",
    "worsened_on": "date",
}
CANCELLATION_DAYS = 90  # window of the cancelled orders signal
GAP_MONTHS = 24  # orders whose gaps give an account's usual rhythm
MIN_PAYMENT_INVOICES = 3  # invoices due in the window before judging payment behaviour
SNAPSHOT_DAYS = 7  # a new snapshot when the latest is this old
TREND_POINTS = 3  # score change against the previous snapshot that counts as up / down

#: What a signal rule measured: ``severity`` None means no signal (the
#: condition does not hold); ``recheck`` the first later day on which days
#: passing alone may change the rule's outcome (None: only new data may);
#: ``description`` the key of its text in :data:`DESCRIPTIONS` and its
#: figures (see :meth:`KamHealthEngine._describe_data`).
Measure = namedtuple("Measure", ["value", "threshold", "description", "severity", "recheck"], defaults=(None,) * 5)

#: The signal rules, evaluated in this order: each signal type (a value of
#: ``kam.risk.signal.signal_type``) is measured by the engine's method
#: ``_signal_<type>(state, fig, cfg, today) -> Measure | None``. Adding a
#: signal is adding its type here and in ``SIGNAL_TYPES``, and its rule.
SIGNAL_RULES = (
    "overdue",
    "late_payment",
    "cancellation",
    "spend_drop",
    "order_gap",
    "silence",
    "low_satisfaction",
    "complaint",
    "unprofitable",
    "discount_creep",
    "single_threaded",
    "key_people_unreached",
    "contacts_silent",
)
#: Share of an account's revenue whose cost must be known to call it unprofitable (the
#: margin counts only the lines with a known cost).
UNPROFITABLE_MIN_KNOWN_COST = 50


def by_ratio(value, threshold):
    """Severity of ``value`` against ``threshold``: at the threshold medium,
    twice high, three times critical; below it None (no signal)."""
    if threshold <= 0 or value < threshold:
        return None
    ratio = value / threshold
    return "critical" if ratio >= 3 else "high" if ratio >= 2 else "medium"


def next_day_crossing(days, threshold, today):
    """For a count of days that grows by one each day (days without order,
    without contact) and a signal that opens above ``threshold`` then grows
    by ratio (:func:`by_ratio`): the first later date on which its outcome
    changes, None beyond a snapshot week (the account is looked at by then)."""
    if threshold <= 0 or days is None:
        return None
    steps = [int(threshold) + 1, -int(-2 * threshold // 1), -int(-3 * threshold // 1)]
    later = [step - days for step in steps if step > days]
    return today + timedelta(days=later[0]) if later and later[0] <= SNAPSHOT_DAYS else None


class KamHealthEngine(models.AbstractModel):
    """The health and risk stage (see the module docstring)."""

    _name = "kam.health.engine"
    _description = "Key account health and risk engine"

    def init(self):
        res = super().init()
        # the daily run looks for the invoices changed since its last run
        tools.create_index(self.env.cr, "account_move_kam_write_date_index", "account_move", ["write_date"])
        return res

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    @api.model
    def _run(self, batch_size=None, full=False):
        """The daily job: the key accounts to look at (incremental, see
        :meth:`_accounts_to_run`), their figures from a fixed number of
        grouped queries per company, then batches that each apply signals,
        scores, snapshots and activities in a fixed number of queries."""
        Job = self.env["kam.job"]
        started = self.env.cr.now()
        since = None if full else Job._last_run("health", full_every_days=FULL_RUN_DAYS)
        ids = self._accounts_to_run(since) if since else None
        states = self._read_state(ids)
        figures = self._figures(states)

        def process(batch):
            self._apply({pid: states[pid] for pid in batch.ids}, figures)

        result = Job._run_in_batches(sorted(states), process, batch_size=batch_size)
        if not result.running_elsewhere:
            Job._set_last_run("health", started, full=ids is None)
            # the day the scores hold as of (res.partner.kam_health_date)
            self.env["res.partner"].invalidate_model(["kam_health_date"])
        result.full = ids is None
        return result

    @api.model
    def _refresh(self, partner_ids):
        """Health and risk of these key accounts now, whatever changed (the
        job for a few accounts: the form button, "recompute selected")."""
        states = self._read_state(partner_ids)
        if states:
            self._apply(states, self._figures(states))

    # ------------------------------------------------------------------
    # Which accounts (incremental run)
    # ------------------------------------------------------------------
    @api.model
    def _accounts_to_run(self, last_run):
        """Ids of the key accounts whose health may have changed since
        ``last_run`` (the start of the last run), or None when every account
        may have (the tiers or a company's settings changed):

        * written since (an hour of margin: a transaction that began before
          the last run and committed after it wrote older dates): the
          account or a contact, its orders, its invoices (payments and
          reconciliations change them), its interactions;
        * dated events a window moved over since the last run: an invoice
          falling due or past its grace days, an invoice, order or
          interaction leaving a window;
        * its own check day has come (a signal threshold crossed by days
          passing, its weekly snapshot), set when it was last computed
          (kam.health.check), or it was never scored.

        What leaves no trace (an order moved to another customer) is caught
        by the weekly full run."""
        since = last_run - CHANGE_MARGIN
        self.env.flush_all()
        cr = self.env.cr
        if self.env["kam.job"]._written_since(["kam_tier", "res_company"], since):
            return None
        today = fields.Date.context_today(self)
        last_day = fields.Datetime.context_timestamp(self, last_run).date()
        companies = self.env["res.company"].sudo().search([])
        Figures = self.env["kam.account.figures"]

        def moved(boundary):
            """The events a window boundary moved over since the last run:
            from where ``boundary(day)`` was on the last run's day to where
            it is today (the figures' own boundaries, so exact)."""
            return boundary(last_day), boundary(today)

        trailing = set(companies.mapped("kam_trailing_months"))
        spend = {months or 3 for months in companies.mapped("kam_risk_spend_months")}
        # confirmed orders (sale windows, order gaps): the starts of the trailing and spend windows and
        # of the windows before them (their end is the end of every window, below), the start and end of
        # the spend months last year (only their revenue is read, not the window before them), the start
        # of the order gaps' window; a cancelled order or a quotation leaving one changes nothing
        sale_ranges = []
        for months in trailing | spend:
            sale_ranges += [moved(lambda d, m=months, e=edge: Figures._window(m, d)[e]) for edge in (0, 1)]
        for months in spend:
            sale_ranges += [
                moved(lambda d, m=months, e=edge: Figures._window(m, d - relativedelta(years=1))[e]) for edge in (1, 2)
            ]
        sale_ranges.append(moved(lambda d: Figures._day_end(d) - relativedelta(months=GAP_MONTHS)))
        # every order but a draft (cancellations): the end of every window, the start of the cancellations'
        order_ranges = [
            moved(Figures._day_end),
            moved(lambda d: Figures._day_end(d) - relativedelta(days=CANCELLATION_DAYS)),
        ]
        # invoices falling due (payment window), past their grace days (overdue, late), leaving the window
        due_ranges = [moved(lambda d: d)]
        for grace in set(companies.mapped("kam_risk_overdue_grace_days")):
            due_ranges.append(moved(lambda d, g=grace: d - relativedelta(days=g)))
        for months in trailing:
            due_ranges.append(moved(lambda d, m=months: d - relativedelta(months=m)))
        # interactions leaving the trailing window (satisfaction)
        interaction_ranges = [moved(lambda d, m=m: self._start(d - relativedelta(months=m))) for m in trailing]
        # a range is empty on a second run the same day
        sale_ranges, order_ranges, due_ranges, interaction_ranges = (
            sorted({(a, b) for a, b in ranges if a < b}) or [(today, today)]
            for ranges in (sale_ranges, order_ranges, due_ranges, interaction_ranges)
        )

        def between(column, ranges):
            conditions = [SQL("(%s >= %s AND %s < %s)", SQL(column), a, SQL(column), b) for a, b in ranges]
            return SQL("(%s)", SQL(" OR ").join(conditions))

        cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id FROM res_partner p WHERE p.write_date >= %(since)s
                 UNION
                SELECT p.commercial_partner_id
                  FROM res_partner p
                 -- the customers of a few thousand orders: by index (a join scans all partners)
                 WHERE p.id = ANY(ARRAY(
                           SELECT so.partner_id
                             FROM sale_order so
                            WHERE so.write_date >= %(since)s
                               OR (so.state = 'sale' AND %(sales)s)
                               OR (so.state != 'draft' AND %(orders)s)
                       ))
                 UNION
                SELECT am.commercial_partner_id
                  FROM account_move am
                 WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted'
                   AND (am.write_date >= %(since)s OR %(due)s)
                 UNION
                SELECT i.partner_id FROM kam_interaction i WHERE i.write_date >= %(since)s OR %(interactions)s
                 UNION
                -- relationship coverage (kam.coverage.engine): its rows changed, so did its flags
                SELECT r.partner_id FROM kam_relationship r WHERE r.write_date >= %(since)s
                 UNION
                -- its check day has come (by the index of the check days), or it was never scored (the
                -- job gives every account it scores a check day; NOT EXISTS of one probed the check days
                -- of each key account, twice as slow)
                SELECT p.id
                  FROM kam_health_check c
                  JOIN res_partner p ON p.id = c.partner_id
                 WHERE c.check_date <= %(today)s AND %(key_account)s
                 UNION
                SELECT p.id FROM res_partner p WHERE p.kam_health_band IS NULL AND %(key_account)s
                """,
                key_account=key_account_sql("p"),
                since=since,
                today=today,
                sales=between("so.date_order", sale_ranges),
                orders=between("so.date_order", order_ranges),
                due=between("am.invoice_date_due", due_ranges),
                interactions=between("i.date", interaction_ranges),
            )
        )
        return [row[0] for row in cr.fetchall() if row[0]]

    @staticmethod
    def _start(day):
        return datetime.combine(day, time.min)

    # ------------------------------------------------------------------
    # Inputs: account states, figures, settings
    # ------------------------------------------------------------------
    @api.model
    def _read_state(self, ids):
        """Narrow read of what the health job needs, for the key accounts
        among ``ids`` (all when None): {id: row dict}, one query.

        ``contact_interval`` is the effective cadence interval (the
        account's own, else its tier's, as ``kam_effective_contact_interval``);
        ``leader_id`` the leader of the key account manager's sales team
        (``res.users.sale_team_id.user_id``): it receives the critical
        signals as the manager's manager (hr is not a dependency)."""
        Partner = self.env["res.partner"]
        Partner.flush_model(
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
                *COVERAGE_COLUMNS,
                *HEALTH_COLUMNS,
            ]
        )
        self.env["kam.tier"].flush_model(["contact_interval_days"])
        self.env["kam.health.check"].flush_model()
        self.env["res.users"].flush_model(["sale_team_id"])
        self.env["crm.team"].flush_model(["user_id"])
        query = SQL(
            """
            SELECT p.id, p.company_id, p.kam_tier_id, p.kam_manager_id, team.user_id,
                   %(interval)s,
                   p.kam_last_interaction_date, p.kam_avg_satisfaction, p.kam_open_complaint_count,
                   p.kam_key_account_since, %(coverage)s, top.name,
                   -- the names of the key people not reached and of the silent contacts, when there are
                   CASE WHEN p.kam_unreached_count > 0 THEN (
                       SELECT STRING_AGG(c.name, ', ' ORDER BY c.name) FROM kam_relationship r
                         JOIN res_partner c ON c.id = r.contact_id
                        WHERE r.partner_id = p.id AND r.user_id IS NULL AND r.unreached) END,
                   CASE WHEN p.kam_silent_count > 0 THEN (
                       SELECT STRING_AGG(c.name, ', ' ORDER BY c.name) FROM kam_relationship r
                         JOIN res_partner c ON c.id = r.contact_id
                        WHERE r.partner_id = p.id AND r.user_id IS NULL AND r.silent) END,
                   %(health)s, hc.check_date
              FROM %(partners)s p
         LEFT JOIN kam_health_check hc ON hc.partner_id = p.id
         LEFT JOIN res_partner top ON top.id = p.kam_coverage_top_contact_id
         LEFT JOIN kam_tier tier ON tier.id = p.kam_tier_id
         LEFT JOIN res_users u ON u.id = p.kam_manager_id
         LEFT JOIN crm_team team ON team.id = u.sale_team_id
             WHERE %(key_account)s
            """,
            interval=effective_interval_sql("p", "tier"),
            key_account=key_account_sql("p"),
            coverage=SQL(", ").join(SQL("p.%s", SQL.identifier(c)) for c in COVERAGE_COLUMNS),
            health=SQL(", ").join(SQL("p.%s", SQL.identifier(c)) for c in HEALTH_COLUMNS),
            partners=partners_sql(ids),
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
            *COVERAGE_COLUMNS,
            "top_contact",
            "unreached_names",
            "silent_names",
            *HEALTH_COLUMNS,
            "check_date",
        ]
        return {row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()}

    @api.model
    def _figures(self, states):
        """All figures of the accounts in ``states``: {partner_id: {source:
        figures}}, a fixed number of grouped queries per company (the
        thresholds and windows are the company's)."""
        by_company = defaultdict(list)
        for pid, state in states.items():
            by_company[state["company_id"] or self.env.company.id].append(pid)
        today = fields.Date.context_today(self)
        result = {pid: {} for pid in states}
        # each figures query scans the documents once, filtered by account up to half of the key
        # accounts (100,000 accounts: 6,000 filtered 1.1 s, all 2.4 s; 50,000: 2.8 s against 5.1 s)
        engine = self.with_context(kam_large_request=self.env["kam.account.figures"]._large_request_limit(len(states)))
        for company_id, company_ids in by_company.items():
            result.update(engine._company_figures(company_id, company_ids, today))
        return result

    @api.model
    def _company_figures(self, company_id, ids, today):
        """Figures of the accounts ``ids`` of one company, with its windows
        and thresholds: one grouped query for the orders, one per other
        source."""
        company = self.env["res.company"].browse(company_id)
        Figures = self.env["kam.account.figures"].with_company(company)
        currencies = dict.fromkeys(ids, company.currency_id)
        months = company.kam_trailing_months
        spend_months = company.kam_risk_spend_months or 3
        grace = company.kam_risk_overdue_grace_days
        # the trailing window, the spend window and the same months last year, the cancellations and
        # the rhythm of the orders: one scan of the orders
        orders = Figures._order_figures(
            ids,
            windows=[(months, today), (spend_months, today), (spend_months, today - relativedelta(years=1))],
            cancellation_days=CANCELLATION_DAYS,
            gap_months=GAP_MONTHS,
            today=today,
            currency_by_partner=currencies,
        )
        sales, spend, spend_last_year = orders["windows"]
        sources = {
            "sales": sales,
            "spend": spend,
            "spend_last_year": spend_last_year,
            "receivables": Figures._receivable_figures(ids, grace, today),
            "payments": Figures._payment_figures(ids, months, grace, today),
            "cancellations": orders["cancellations"],
            "gaps": orders["gaps"],
            "profit": self.env["kam.profit.engine"]._profit_figures(ids, company.id),
        }
        return {pid: {source: values.get(pid) for source, values in sources.items()} for pid in ids}

    @api.model
    def _settings(self, company):
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
            "profit_min_percent": company.kam_profit_min_percent,
            "creep_quarters": company.kam_profit_creep_quarters,
            "creep_step": company.kam_profit_creep_step,
            "trailing_months": company.kam_trailing_months,
            "coverage_window": company.kam_coverage_window_days,
            "coverage_share": company.kam_coverage_single_share,
            "coverage_reach": company.kam_coverage_reach_days,
            "coverage_silent": company.kam_coverage_silent_days,
            "weights": {key: company[fname] for key, fname in zip(COMPONENTS, HEALTH_WEIGHT_FIELDS, strict=True)},
            "good_from": company.kam_health_good_from,
            "watch_from": company.kam_health_watch_from,
            "currency": company.currency_id,
        }

    @api.model
    def _money_formatter(self, currency):
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
    def _describe_data(self, key, cfg, **figures):
        """What a rule stores to describe its measure: the key of its text in
        :data:`DESCRIPTIONS`, the company currency of its amounts and its
        figures (dates as ISO text), shown by :meth:`_describe`."""
        values = {
            name: value.isoformat()
            if hasattr(value, "isoformat")
            else float(value)
            if isinstance(value, Decimal)
            else value
            for name, value in figures.items()
        }
        return {"key": key, "currency_id": cfg["currency"].id, "figures": values}

    @api.model
    def _describe(self, data, formatters=None):
        """The text of a signal's ``description_data`` in this environment's
        language: amounts formatted in that language with their currency,
        dates in its date format. ``{"text": ...}`` (a risk entered or
        annotated by hand) is shown as it is. ``formatters`` caches the
        amount formatters across calls."""
        if not data:
            return False
        if "text" in data:
            return data["text"]
        key, figures = data.get("key"), dict(data.get("figures") or {})
        if key not in DESCRIPTIONS:
            return False
        formatters = {} if formatters is None else formatters
        currency_id = data.get("currency_id")
        money = formatters.get((self.env.lang, currency_id))
        if money is None:
            currency = self.env["res.currency"].browse(currency_id).exists() or self.env.company.currency_id
            money = formatters[self.env.lang, currency_id] = self._money_formatter(currency)
        for name in DESCRIPTION_AMOUNTS.get(key, ()):
            figures[name] = money(figures[name] or 0.0)
        for name in DESCRIPTION_DATES.get(key, ()):
            figures[name] = format_date(self.env, figures[name]) if figures[name] else "-"
        template = self.env._(DESCRIPTIONS[key])
        try:
            return template % figures
        except (KeyError, TypeError, ValueError):
            # a translation that lost a placeholder: the English text
            return DESCRIPTIONS[key]._source % figures

    # ------------------------------------------------------------------
    # Signal rules: one per signal type, in SIGNAL_RULES
    # ------------------------------------------------------------------
    @api.model
    def _signals(self, state, fig, cfg, today):
        """Signals of one account from its figures: ({signal_type:
        dict(value, threshold, severity, description)} of the conditions
        that hold, the first later day a rule may change by time alone)."""
        signals, rechecks = {}, []
        for signal_type in SIGNAL_RULES:
            measure = getattr(self, f"_signal_{signal_type}")(state, fig, cfg, today)
            if measure is None:
                continue
            if measure.recheck:
                rechecks.append(measure.recheck)
            if measure.severity:
                signals[signal_type] = {
                    "value": round(measure.value, 2),
                    "threshold": round(measure.threshold, 2),
                    "severity": measure.severity,
                    "description_data": measure.description,
                }
        return signals, min(rechecks, default=None)

    @api.model
    def _signal_overdue(self, state, fig, cfg, today):
        """Overdue receivables at or over the amount threshold, by ratio;
        critical once the oldest is past the critical age."""
        rec, threshold = fig["receivables"], cfg["overdue_amount"]
        if rec["overdue_amount"] < threshold:
            return None  # an invoice falling due is looked for by the job (see _accounts_to_run)
        severity, recheck = by_ratio(rec["overdue_amount"], threshold), None
        if rec["oldest_overdue_days"] >= cfg["overdue_critical_days"]:
            severity = "critical"
        elif cfg["overdue_critical_days"] - rec["oldest_overdue_days"] <= SNAPSHOT_DAYS:
            recheck = today + timedelta(days=cfg["overdue_critical_days"] - rec["oldest_overdue_days"])
        description = self._describe_data(
            "overdue",
            cfg,
            amount=rec["overdue_amount"],
            count=rec["overdue_count"],
            days=rec["oldest_overdue_days"],
            threshold=threshold,
            grace=cfg["grace"],
        )
        return Measure(rec["overdue_amount"], threshold, description, severity, recheck)

    @api.model
    def _signal_late_payment(self, state, fig, cfg, today):
        """Share of the invoices of the window paid (or still unpaid) past
        their grace days, once there are enough of them."""
        pay = fig["payments"]
        if pay["invoice_count"] < MIN_PAYMENT_INVOICES:
            return None
        severity = by_ratio(pay["late_share"], cfg["late_share"])
        if not severity:
            return None
        description = self._describe_data(
            "late_payment",
            cfg,
            late=pay["late_count"],
            count=pay["invoice_count"],
            share=pay["late_share"],
            threshold=cfg["late_share"],
            days=pay["avg_days_late"],
        )
        return Measure(pay["late_share"], cfg["late_share"], description, severity)

    @api.model
    def _signal_cancellation(self, state, fig, cfg, today):
        """Share of the amount ordered in the last 90 days that was cancelled."""
        can = fig["cancellations"]
        severity = can["cancel_count"] and by_ratio(can["cancel_share"], cfg["cancel_share"])
        if not severity:
            return None
        description = self._describe_data(
            "cancellation",
            cfg,
            cancelled=can["cancel_count"],
            count=can["order_count"],
            days=CANCELLATION_DAYS,
            share=can["cancel_share"],
            threshold=cfg["cancel_share"],
        )
        return Measure(can["cancel_share"], cfg["cancel_share"], description, severity)

    @api.model
    def _signal_spend_drop(self, state, fig, cfg, today):
        """Revenue of the last months down from the months before, unless
        it is seasonal (the same months were as low last year)."""
        spend, last_year = fig["spend"], fig["spend_last_year"]
        if spend["revenue_previous"] <= 0:
            return None
        drop = -spend["trend"]
        year_revenue = last_year["revenue_current"]
        drop_year = -self.env["kam.account.figures"]._trend(spend["revenue_current"], year_revenue)
        if drop < cfg["spend_drop"] or (year_revenue and drop_year < cfg["spend_drop"]):
            return None
        severity = by_ratio(drop, cfg["spend_drop"])
        if not severity:
            return None
        description = self._describe_data(
            "spend_drop",
            cfg,
            months=cfg["spend_months"],
            current=spend["revenue_current"],
            drop=drop,
            previous=spend["revenue_previous"],
            drop_year=drop_year if year_revenue else "-",
            year=year_revenue,
            threshold=cfg["spend_drop"],
        )
        return Measure(drop, cfg["spend_drop"], description, severity)

    @api.model
    def _signal_order_gap(self, state, fig, cfg, today):
        """Days since the last order over ``gap_factor`` times the account's
        usual (median) gap between orders."""
        gap = fig["gaps"]
        if gap["median_gap"] is None:
            return None
        threshold = cfg["gap_factor"] * max(gap["median_gap"], 1.0)
        days = gap["days_since_last_order"]
        recheck = next_day_crossing(days, threshold, today)
        severity = days > threshold and by_ratio(days, threshold)
        if not severity:
            return Measure(recheck=recheck)
        description = self._describe_data(
            "order_gap",
            cfg,
            days=days,
            last=gap["last_order_date"],
            median=round(gap["median_gap"], 1),
            threshold=round(threshold, 1),
        )
        return Measure(days, threshold, description, severity, recheck)

    @api.model
    def _signal_silence(self, state, fig, cfg, today):
        """Days without contact (since it became a key account when never
        contacted) over the account's contact interval."""
        interval = state["contact_interval"]
        last = state["last_interaction"]
        since = last.date() if last else state["key_account_since"]
        if not interval or not since:
            return None
        days = (today - since).days
        recheck = next_day_crossing(days, interval, today)
        severity = days > interval and by_ratio(days, interval)
        if not severity:
            return Measure(recheck=recheck)
        if last:
            description = self._describe_data("silence", cfg, days=days, interval=interval)
        else:
            description = self._describe_data("silence_never", cfg, days=days, interval=interval)
        return Measure(days, interval, description, severity, recheck)

    @api.model
    def _signal_low_satisfaction(self, state, fig, cfg, today):
        """Average rating below the minimum: medium, high one point below
        it, critical two."""
        satisfaction, minimum = state["avg_satisfaction"] or 0.0, cfg["min_satisfaction"]
        if not 0 < satisfaction < minimum:
            return None
        gap_points = minimum - satisfaction
        severity = "critical" if gap_points >= 2 else "high" if gap_points >= 1 else "medium"
        description = self._describe_data("low_satisfaction", cfg, value=satisfaction, minimum=minimum)
        return Measure(satisfaction, minimum, description, severity)

    @api.model
    def _signal_complaint(self, state, fig, cfg, today):
        """Open complaints at or over the threshold, by ratio."""
        complaints, threshold = state["open_complaints"] or 0, cfg["complaint_count"]
        severity = complaints >= threshold and by_ratio(complaints, threshold)
        if not severity:
            return None
        description = self._describe_data("complaint", cfg, count=complaints, threshold=threshold)
        return Measure(complaints, threshold, description, severity)

    @api.model
    def _signal_unprofitable(self, state, fig, cfg, today):
        """Profit after cost to serve (kam.profit) below the company's share
        of the revenue, once the cost of at least half the revenue is known:
        medium, high 10 points below, critical 25 points below."""
        profit, threshold = fig.get("profit"), cfg["profit_min_percent"]
        if not profit or (profit["revenue"] or 0) <= 0:
            return None
        if profit["revenue_known_cost"] * 100 < profit["revenue"] * UNPROFITABLE_MIN_KNOWN_COST:
            return None
        percent = profit["profit_percent"] or 0.0
        if percent >= threshold:
            return None
        gap_points = threshold - percent
        severity = "critical" if gap_points >= 25 else "high" if gap_points >= 10 else "medium"
        description = self._describe_data(
            "unprofitable",
            cfg,
            profit=profit["profit"],
            revenue=profit["revenue"],
            months=cfg["trailing_months"],
            percent=percent,
            threshold=threshold,
        )
        return Measure(percent, threshold, description, severity)

    @api.model
    def _signal_discount_creep(self, state, fig, cfg, today):
        """The average discount rose quarter after quarter (kam.profit):
        medium at the configured quarters in a row, high two more."""
        profit = fig.get("profit")
        if not profit or not profit["discount_creep"]:
            return None
        rising = profit["creep_quarters"]
        quarters = profit["discount_quarters"][-(rising + 1) :]
        severity = "high" if rising >= cfg["creep_quarters"] + 2 else "medium"
        description = self._describe_data(
            "discount_creep",
            cfg,
            quarters=rising,
            first=round(quarters[0][1], 1) if quarters else 0.0,
            last=round(quarters[-1][1], 1) if quarters else 0.0,
            step=cfg["creep_step"],
        )
        return Measure(rising, cfg["creep_quarters"], description, severity)

    @api.model
    def _signal_single_threaded(self, state, fig, cfg, today):
        """One contact carries the company's share of the contact touches of
        the coverage window (the flag of kam.coverage.engine): medium."""
        if not state["kam_single_threaded"]:
            return None
        share, threshold = state["kam_coverage_top_share"] or 0.0, cfg["coverage_share"]
        description = self._describe_data(
            "single_threaded",
            cfg,
            share=share,
            count=state["kam_coverage_touches"] or 0,
            days=cfg["coverage_window"],
            contact=state["top_contact"] or "-",
            threshold=threshold,
        )
        return Measure(share, threshold, description, "medium")

    @api.model
    def _signal_key_people_unreached(self, state, fig, cfg, today):
        """Decision makers and champions not reached for the reach period:
        medium for one, high for more."""
        count = state["kam_unreached_count"] or 0
        if not count:
            return None
        description = self._describe_data(
            "key_people_unreached", cfg, count=count, days=cfg["coverage_reach"], names=state["unreached_names"] or "-"
        )
        return Measure(count, 1, description, "high" if count >= 2 else "medium")

    @api.model
    def _signal_contacts_silent(self, state, fig, cfg, today):
        """Contacts who went silent: medium, high from three."""
        count = state["kam_silent_count"] or 0
        if not count:
            return None
        description = self._describe_data(
            "contacts_silent", cfg, count=count, days=cfg["coverage_silent"], names=state["silent_names"] or "-"
        )
        return Measure(count, 1, description, "high" if count >= 3 else "medium")

    # ------------------------------------------------------------------
    # Health score
    # ------------------------------------------------------------------
    @api.model
    def _components(self, state, fig, today):
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

    # ------------------------------------------------------------------
    # One batch: signals, score, snapshots, activities
    # ------------------------------------------------------------------
    @api.model
    def _apply(self, states, figures):
        """Signals, score, snapshot and activities of these accounts (a
        batch), from figures computed beforehand, in a fixed number of
        queries whatever the number of accounts."""
        if not states:
            return
        today = fields.Date.context_today(self)
        settings = {}
        for state in states.values():
            company_id = state["company_id"] or self.env.company.id
            if company_id not in settings:
                settings[company_id] = self._settings(self.env["res.company"].browse(company_id))
        configs = {pid: settings[state["company_id"] or self.env.company.id] for pid, state in states.items()}
        measured = {pid: self._signals(state, figures[pid], configs[pid], today) for pid, state in states.items()}
        escalations = self._store_signals(states, {pid: found for pid, (found, __) in measured.items()}, today)
        self._store_scores(states, figures, configs, measured, today)
        self._risk_activities(states, escalations)

    @api.model
    def _store_signals(self, states, measured, today):
        """Open the new signals, follow the open ones, resolve those that no
        longer hold: one read of the open signals, one create, one bulk
        update, one resolve. Returns the escalations: (partner id, signal
        id, signal type, previous severity, values) of the signals that are
        new or more severe."""
        Signal = self.env["kam.risk.signal"].sudo()
        open_signals = defaultdict(dict)
        # narrow read (no ORM records: a batch may follow thousands of signals)
        Signal.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id, partner_id, signal_type, severity, value, threshold,
                          description_data, last_seen,
                          state, snoozed_until, answered_rank, worsened_on
                     FROM kam_risk_signal
                    WHERE resolved_on IS NULL AND partner_id = ANY(%s) AND signal_type != %s""",
                list(states),
                MANUAL,
            )
        )
        for row in self.env.cr.dictfetchall():
            open_signals[row["partner_id"]][row["signal_type"]] = row
        new_vals, updates, update_current, resolved_ids, escalations, woken = [], {}, {}, [], [], []
        for pid, found in measured.items():
            existing = open_signals.get(pid, {})
            resolved_ids += [row["id"] for signal_type, row in existing.items() if signal_type not in found]
            for signal_type, values in found.items():
                row = existing.get(signal_type)
                if not row:
                    new_vals.append(
                        dict(
                            values,
                            partner_id=pid,
                            company_id=states[pid]["company_id"],
                            signal_type=signal_type,
                            first_seen=today,
                            last_seen=today,
                        )
                    )
                    continue
                rank = SEVERITY_RANK[values["severity"]]
                updates[row["id"]] = dict(
                    {k: values[k] for k in ("value", "threshold", "severity", "description_data")},
                    severity_rank=rank,
                    last_seen=today,
                    # the day it got more severe (the weekly digest lists the risks that got worse)
                    worsened_on=today if rank > SEVERITY_RANK[row["severity"]] else row["worsened_on"],
                )
                update_current[row["id"]] = dict(row, severity_rank=SEVERITY_RANK[row["severity"]])
                if row["state"] == "dismissed" or (row["snoozed_until"] and row["snoozed_until"] > today):
                    # answered: quiet, unless more severe than when it was dismissed or snoozed
                    if rank > max(row["answered_rank"] or 0, SEVERITY_RANK[row["severity"]]):
                        woken.append(row["id"])
                        escalations.append((pid, row["id"], signal_type, "low", values))
                elif rank > SEVERITY_RANK[row["severity"]]:
                    escalations.append((pid, row["id"], signal_type, row["severity"], values))
        if resolved_ids:
            # (not tracked: the data closed them; a dismissed risk keeps its state)
            closed = Signal.browse(resolved_ids).with_context(mail_notrack=True)
            answered = closed.filtered(lambda signal: signal.state in ("open", "responding"))
            answered.write({"resolved_on": today, "state": "resolved"})
            (closed - answered).write({"resolved_on": today})
        if woken:
            # back, in the chatter of the risk: a dismissed one open again, a snoozed one no longer
            # snoozed (still responding when it was)
            woken = Signal.browse(woken)
            woken.write({"snoozed_until": False})
            woken.filtered(lambda signal: signal.state == "dismissed").write({"state": "open"})
        if updates:
            # (most are only seen again: their last day seen, in one statement)
            self.env["kam.job"]._write_changed(
                Signal, SIGNAL_UPDATE_COLUMNS, update_current, updates, stamps=("last_seen",)
            )
        # opened in bulk (what the ORM would store: no message nor follower on a new signal)
        rows = [
            dict(
                vals,
                kam_manager_id=states[vals["partner_id"]]["manager_id"],
                severity_rank=SEVERITY_RANK[vals["severity"]],
                is_open=True,
                state="open",
            )
            for vals in new_vals
        ]
        created = self.env["kam.job"]._insert_rows(Signal, rows)
        if created:
            self.env["res.partner"].invalidate_model(["kam_risk_signal_ids", "kam_open_risk_signal_ids"])
        for signal_id, vals in zip(created, new_vals, strict=True):
            escalations.append((vals["partner_id"], signal_id, vals["signal_type"], "low", vals))
        return escalations

    @api.model
    def _store_scores(self, states, figures, configs, measured, today):
        """Score, band, risk level and trend on the partners (one bulk
        update of what changed), the check day (one statement for those
        that changed), and the weekly snapshots (one read of the last ones,
        one create)."""
        snapshots = self._last_snapshots(list(states), today)
        partner_values, snapshot_vals, check_dates = {}, [], {}
        for pid, state in states.items():
            cfg, (signals, recheck) = configs[pid], measured[pid]
            components = self._components(state, figures[pid], today)
            score = round(sum(components[key] * cfg["weights"][key] for key in COMPONENTS) / 100.0)
            band = "good" if score >= cfg["good_from"] else "watch" if score >= cfg["watch_from"] else "at_risk"
            level_rank = max([BAND_RISK_RANK[band]] + [SEVERITY_RANK[v["severity"]] for v in signals.values()])
            level = SEVERITY_KEYS[level_rank]
            last = snapshots.get(pid, {})
            previous_score = last.get("previous_score")
            if previous_score is None or abs(score - previous_score) < TREND_POINTS:
                trend = "flat"
            else:
                trend = "up" if score > previous_score else "down"
            snapshot_date = last.get("last_date")
            if not snapshot_date or (today - snapshot_date).days >= SNAPSHOT_DAYS:
                snapshot_date = today
                sales = figures[pid]["sales"]
                snapshot_vals.append(
                    {
                        "partner_id": pid,
                        "company_id": state["company_id"],
                        "kam_manager_id": state["manager_id"],
                        "date": today,
                        "score": score,
                        **{f"{key}_score": components[key] for key in COMPONENTS},
                        "risk_level": level,
                        "tier_id": state["tier_id"],
                        "currency_id": cfg["currency"].id,
                        "revenue_current": sales["revenue_current"],
                        "revenue_previous": sales["revenue_previous"],
                        "order_count": sales["order_count"],
                    }
                )
            next_snapshot = snapshot_date + timedelta(days=SNAPSHOT_DAYS)
            partner_values[pid] = {
                "kam_health_score": score,
                "kam_health_band": band,
                "kam_risk_level": level,
                "kam_health_trend": trend,
            }
            check_date = min(recheck, next_snapshot) if recheck else next_snapshot
            if check_date != state["check_date"]:
                check_dates[pid] = check_date
        self.env["kam.job"]._write_changed(self.env["res.partner"], HEALTH_COLUMNS, states, partner_values)
        self._write_check_dates(check_dates)
        if snapshot_vals:
            self.env["kam.job"]._insert_rows(self.env["kam.health.snapshot"], snapshot_vals)
            self.env["res.partner"].invalidate_model(["kam_health_snapshot_ids"])

    @api.model
    def _write_check_dates(self, check_dates):
        """Set the check day of the accounts of ``check_dates`` ({partner id:
        day}, those that changed): one statement (kam.health.check)."""
        if not check_dates:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO kam_health_check (partner_id, check_date)
                   SELECT c.partner_id, c.check_date
                     FROM unnest(%s::int[], %s::date[]) AS c(partner_id, check_date)
                     -- (not of a partner deleted meanwhile)
                     JOIN res_partner p ON p.id = c.partner_id
                       ON CONFLICT (partner_id) DO UPDATE SET check_date = EXCLUDED.check_date""",
                list(check_dates),
                list(check_dates.values()),
            )
        )
        self.env["kam.health.check"].invalidate_model(["check_date"])

    @api.model
    def _last_snapshots(self, ids, today):
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
    def _risk_activities(self, states, escalations):
        """Activities for signals that became high or critical in this run:
        one for the owner of the duty the signal type is routed to, else the
        key account manager (reason ``risk:<type>:<signal id>``)
        and, when critical, one for the leader of the manager's sales team
        (``risk:<type>:<signal id>:critical``). Keyed by signal id, a new
        episode of the same signal raises again; never twice while open."""
        labels, formatters = {}, {}

        def labels_in(env):
            """{signal type: label}, {severity: label} in the language of ``env``."""
            if env.lang not in labels:
                fields_ = env["kam.risk.signal"]._fields
                labels[env.lang] = (
                    dict(fields_["signal_type"]._description_selection(env)),
                    dict(fields_["severity"]._description_selection(env)),
                )
            return labels[env.lang]

        high = SEVERITY_RANK["high"]
        critical = SEVERITY_RANK["critical"]
        # the owner of the duty each signal type is routed to (kam_routing.py), else the manager
        owners = self.env["kam.routing"]._route(
            (pid, signal_type, states[pid]["manager_id"]) for pid, __, signal_type, __, __ in escalations
        )
        requests = []
        for (pid, signal_id, signal_type, old_severity, values), owner in zip(escalations, owners, strict=True):
            rank, old_rank = SEVERITY_RANK[values["severity"]], SEVERITY_RANK[old_severity]
            if rank < high:
                continue
            state = states[pid]

            # written in the language of the user each activity is for
            def summary(env, signal_type=signal_type, values=values):
                types, severities = labels_in(env)
                return env._(
                    "%(severity)s risk: %(signal)s (%(value)s, threshold %(threshold)s)",
                    severity=severities[values["severity"]],
                    signal=types[signal_type],
                    value=values["value"],
                    threshold=values["threshold"],
                )

            def note(env, data=values["description_data"]):
                return Markup("<p>%s</p>") % (env["kam.health.engine"]._describe(data, formatters) or "")

            reason = f"risk:{signal_type}:{signal_id}"
            # on the signal, not on the partner: the figures in the summary
            # reach only those who may read the signal
            if old_rank < high:
                requests.append(ActivityRequest(signal_id, reason, owner, summary, note))
            leader = state["leader_id"]
            if rank >= critical and leader and leader != owner:
                requests.append(ActivityRequest(signal_id, f"{reason}:critical", leader, summary, note))
        if requests:
            # their record's name: a signal's display name is its type (its _rec_name), known here
            Signal = self.env["kam.risk.signal"]
            convert = Signal._fields[Signal._rec_name].convert_to_display_name
            names = {signal_id: convert(signal_type, Signal) for __, signal_id, signal_type, __, __ in escalations}
            self.env["kam.activity"]._raise_once(requests, res_model="kam.risk.signal", bulk=True, names=names)
