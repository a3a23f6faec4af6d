# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import math

import psycopg2

from odoo import api, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

TOP_ACCOUNTS = 5
TOP_RISKS = 5
HIGH_SEVERITIES = ("high", "critical")


class KamDashboard(models.AbstractModel):
    """Figures of the key-account dashboard (client action ``kam_dashboard``).

    Everything is read as the current user, so that record rules apply: a
    key account user counts the accounts they manage or are in the team of
    (and the signals and plans the rules let them read), a key account
    manager all of them, both within their allowed companies. A fixed
    number of grouped queries, whatever the number of accounts.

    Each block comes with the domain of the records it counts, so that the
    client opens exactly the records behind a number.
    """

    _name = "kam.dashboard"
    _description = "Key Account Dashboard"

    @api.model
    def _account_domain(self):
        """Key accounts (commercial entities) the dashboard counts for the
        current user; managers and all-accounts viewers count all of them."""
        domain = self.env["kam.job"]._key_account_domain()
        user = self.env.user
        if not user.has_group("key_account_management.group_kam_viewer_all"):
            domain += self.env["kam.job"]._member_domain(user)
        return domain

    @api.model
    @api.readonly
    def get_dashboard_data(self):
        """All the blocks of the dashboard in one call (see the class doc)."""
        if not self.env.user.has_group("key_account_management.group_kam_viewer"):
            raise AccessError(self.env._("The key account dashboard is for key account users and managers."))
        accounts = self._account_domain()
        errors = {}
        blocks = {
            "tiers": (lambda: self._dashboard_tiers(accounts), []),
            "risk_levels": (lambda: self._dashboard_risk_levels(accounts), []),
            "growing": (
                lambda: self._dashboard_top_accounts(accounts, growing=True),
                {"domain": accounts, "accounts": []},
            ),
            "shrinking": (
                lambda: self._dashboard_top_accounts(accounts, growing=False),
                {"domain": accounts, "accounts": []},
            ),
            "follow_ups": (
                lambda: self._dashboard_follow_ups(accounts),
                {
                    "activity_overdue": {"count": 0, "domain": accounts},
                    "contact_overdue": {"count": 0, "domain": accounts},
                },
            ),
            "risks": (self._dashboard_risks, {"count": 0, "domain": [], "by_severity": [], "signals": []}),
            "white_space": (self._dashboard_white_space, {"count": 0, "domain": [], "rows": []}),
            "late_reorders": (self._dashboard_late_reorders, {"count": 0, "domain": [], "rows": []}),
            "profit": (self._dashboard_profit, {"visible": False, "count": 0, "domain": [], "rows": []}),
            "coverage": (
                lambda: self._dashboard_coverage(accounts),
                {
                    "single_count": 0,
                    "single_domain": accounts,
                    "unreached_count": 0,
                    "unreached_domain": accounts,
                    "rows": [],
                },
            ),
            "plans": (
                self._dashboard_plans,
                {
                    "plan_count": 0,
                    "plan_domain": [("state", "=", "active")],
                    "objective_count": 0,
                    "objective_domain": [("plan_id.state", "=", "active")],
                    "attainment": 0.0,
                    "by_status": [],
                },
            ),
        }
        data = {name: self._dashboard_block(name, compute, empty, errors) for name, (compute, empty) in blocks.items()}
        return {
            "is_manager": self.env.user.has_group("key_account_management.group_kam_manager"),
            "currency_id": self.env.company.currency_id.id,
            "account_count": sum(tier["count"] for tier in data["tiers"]),
            "account_domain": accounts,
            **data,
            "errors": errors,
            "views": {
                "account_list": self.env.ref("key_account_management.kam_account_view_list").id,
                "account_search": self.env.ref("key_account_management.kam_account_view_search").id,
                "objective_list": self.env.ref("key_account_management.kam_plan_objective_view_list").id,
            },
        }

    @api.model
    def _dashboard_block(self, name, compute, empty, errors):
        """One block of the dashboard, computed under its own savepoint: a
        block that fails (data it cannot read, e.g. older out-of-range data
        of one account) shows its error; the other blocks still show.
        Non-finite numbers (NaN, infinity) become 0: they are not JSON."""
        try:
            with self.env.cr.savepoint():
                return _finite(compute())
        except (psycopg2.OperationalError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 - one block must not break the others
            self.env.invalidate_all(flush=False)
            if isinstance(error, UserError):
                errors[name] = error.args[0]
            else:
                errors[name] = self.env._(
                    "This block cannot be shown: some key account data is out of range. "
                    "Your administrator finds the details in the server log."
                )
            _logger.warning("kam dashboard: block %s failed for user %s: %r", name, self.env.uid, error)
            return empty

    @api.model
    def _dashboard_tiers(self, accounts):
        groups = self.env["res.partner"]._read_group(
            accounts, ["kam_tier_id"], ["__count", "kam_revenue_current:sum"], order="kam_tier_id"
        )
        return [
            {
                "id": tier.id,
                "name": tier.display_name if tier else self.env._("Without Tier"),
                "count": count,
                "revenue": revenue or 0.0,
                "domain": accounts + [("kam_tier_id", "=", tier.id or False)],
            }
            for tier, count, revenue in groups
        ]

    @api.model
    def _dashboard_risk_levels(self, accounts):
        Partner = self.env["res.partner"]
        counts = dict(Partner._read_group(accounts, ["kam_risk_level"], ["__count"]))
        selection = Partner._fields["kam_risk_level"]._description_selection(self.env)
        labels = selection[::-1] + [(False, self.env._("Not Assessed"))]
        return [
            {
                "key": key,
                "name": label,
                "count": counts.get(key, 0),
                "domain": accounts + [("kam_risk_level", "=", key)],
            }
            for key, label in labels
        ]

    @api.model
    def _dashboard_top_accounts(self, accounts, growing=True):
        """The accounts whose trailing revenue grew (or shrank) the most, in
        percent on the previous window."""
        domain = accounts + [("kam_revenue_trend", ">" if growing else "<", 0)]
        partners = self.env["res.partner"].search_fetch(
            domain,
            ["name", "kam_revenue_current", "kam_revenue_previous", "kam_revenue_trend", "kam_tier_id"],
            order=f"kam_revenue_trend {'desc' if growing else 'asc'}, kam_revenue_current desc, id",
            limit=TOP_ACCOUNTS,
        )
        return {
            "domain": domain,
            "accounts": [
                {
                    "id": partner.id,
                    "name": partner.name,
                    "revenue": partner.kam_revenue_current,
                    "previous": partner.kam_revenue_previous,
                    "trend": partner.kam_revenue_trend,
                    "tier": partner.kam_tier_id.display_name or "",
                }
                for partner in partners
            ],
        }

    @api.model
    def _dashboard_white_space(self):
        """The largest white-space gaps of the user's accounts (all of
        them for managers and all-accounts viewers): categories comparable
        accounts buy and the account does not."""
        domain = []
        if not self.env.user.has_group("key_account_management.group_kam_viewer_all"):
            domain = self.env["kam.job"]._member_domain(path="partner_id.")
        WhiteSpace = self.env["kam.white.space"]
        rows = WhiteSpace.search_fetch(
            domain, ["partner_id", "categ_id", "peer_count", "estimated_gap"], limit=TOP_ACCOUNTS
        )
        return {
            "count": WhiteSpace.search_count(domain),
            "domain": domain,
            "rows": [
                {
                    "id": row.id,
                    "partner_id": row.partner_id.id,
                    "partner": row.partner_id.display_name,
                    "category": row.categ_id.display_name,
                    "peer_count": row.peer_count,
                    "gap": row.estimated_gap,
                }
                for row in rows
            ],
        }

    @api.model
    def _dashboard_late_reorders(self):
        """The late reorders of the user's accounts (all of them for
        managers and all-accounts viewers), most days late first: regular
        orders past their expected date by more than their tolerance."""
        if not self.env.user.has_group("key_account_management.group_kam_viewer"):
            raise AccessError(self.env._("The key account dashboard is for key account users and managers."))
        domain = [("state", "=", "late")]
        if not self.env.user.has_group("key_account_management.group_kam_viewer_all"):
            domain += self.env["kam.job"]._member_domain(path="partner_id.")
        Reorder = self.env["kam.reorder"]
        rows = Reorder.search_fetch(
            domain,
            ["partner_id", "product_id", "expected_date", "usual_qty"],  # late_days: from expected_date
            order="expected_date, id",
            limit=TOP_ACCOUNTS,
        )
        return {
            "count": Reorder.search_count(domain),
            "domain": domain,
            "rows": [
                {
                    "id": row.id,
                    "partner_id": row.partner_id.id,
                    "partner": row.partner_id.display_name,
                    "product": row.product_id.display_name,
                    "late_days": row.late_days,
                    "usual_qty": row.usual_qty,
                }
                for row in rows
            ],
        }

    @api.model
    def _dashboard_profit(self):
        """The least profitable of the user's accounts (the record rules of
        kam.profit: their accounts, all of them for managers), lowest profit
        after cost to serve first, and how many lose money. Key account
        users and managers only: the block is hidden for viewers."""
        if not self.env.user.has_group("key_account_management.group_kam_user"):
            return {"visible": False, "count": 0, "domain": [], "rows": []}
        Profit = self.env["kam.profit"]
        domain = [("profit", "<", 0)]
        rows = Profit.search_fetch(
            [], ["partner_id", "profit", "profit_percent"], order="profit, id", limit=TOP_ACCOUNTS
        )
        return {
            "visible": True,
            "count": Profit.search_count(domain),
            "domain": domain,
            "rows": [
                {
                    "id": row.id,
                    "partner_id": row.partner_id.id,
                    "partner": row.partner_id.display_name,
                    "profit": row.profit,
                    "percent": row.profit_percent,
                }
                for row in rows
            ],
        }

    @api.model
    def _dashboard_coverage(self, accounts):
        """Relationship coverage of the user's accounts: the single-threaded
        ones and those with decision makers or champions not reached (most
        key people not reached first)."""
        Partner = self.env["res.partner"]
        single = accounts + [("kam_single_threaded", "=", True)]
        unreached = accounts + [("kam_unreached_count", ">", 0)]
        either = accounts + ["|", ("kam_single_threaded", "=", True), ("kam_unreached_count", ">", 0)]
        rows = Partner.search_fetch(
            either,
            ["display_name", "kam_single_threaded", "kam_unreached_count", "kam_coverage_top_share"],
            order="kam_unreached_count desc nulls last, id",
            limit=TOP_ACCOUNTS,
        )
        return {
            "single_count": Partner.search_count(single),
            "single_domain": single,
            "unreached_count": Partner.search_count(unreached),
            "unreached_domain": unreached,
            "rows": [
                {
                    "id": row.id,
                    "name": row.display_name,
                    "single_threaded": row.kam_single_threaded,
                    "share": round(row.kam_coverage_top_share),
                    "unreached": row.kam_unreached_count,
                }
                for row in rows
            ],
        }

    @api.model
    def _dashboard_follow_ups(self, accounts):
        Partner = self.env["res.partner"]
        # overdue activities of the account, or next steps of its interactions (they live there)
        activity = accounts + [
            "|",
            ("activity_state", "=", "overdue"),
            ("kam_interaction_ids.activity_state", "=", "overdue"),
        ]
        contact = accounts + [("kam_contact_overdue", "=", True)]
        return {
            "activity_overdue": {"count": Partner.search_count(activity), "domain": activity},
            "contact_overdue": {"count": Partner.search_count(contact), "domain": contact},
        }

    @api.model
    def _dashboard_risks(self):
        """Open high and critical risk signals, but the snoozed ones (record
        rules scope them)."""
        Signal = self.env["kam.risk.signal"]
        domain = [("is_open", "=", True), ("is_snoozed", "=", False), ("severity", "in", HIGH_SEVERITIES)]
        counts = dict(Signal._read_group(domain, ["severity"], ["__count"]))
        labels = dict(Signal._fields["severity"]._description_selection(self.env))
        signal_labels = dict(Signal._fields["signal_type"]._description_selection(self.env))
        signals = Signal.search_fetch(
            domain,
            ["partner_id", "signal_type", "severity", "description", "first_seen"],
            order="severity_rank desc, first_seen, id",
            limit=TOP_RISKS,
        )
        return {
            "count": sum(counts.values()),
            "domain": domain,
            "by_severity": [
                {
                    "key": severity,
                    "name": labels[severity],
                    "count": counts.get(severity, 0),
                    "domain": [("is_open", "=", True), ("is_snoozed", "=", False), ("severity", "=", severity)],
                }
                for severity in reversed(HIGH_SEVERITIES)
            ],
            "signals": [
                {
                    "id": signal.id,
                    "partner_id": signal.partner_id.id,
                    "partner": signal.partner_id.name,
                    "name": signal_labels.get(signal.signal_type, ""),
                    "severity": signal.severity,
                    "severity_name": labels.get(signal.severity, ""),
                    "description": signal.description or "",
                }
                for signal in signals
            ],
        }

    @api.model
    def _dashboard_plans(self):
        """Goal attainment of the objectives of active plans: counts by
        status and average progress, each objective counted up to 100 %."""
        objectives = self.env["kam.plan.objective"].search([("plan_id.state", "=", "active")])
        statuses = objectives._fields["status"]._description_selection(self.env)
        by_status = {key: [] for key, __ in statuses}
        for objective in objectives:
            by_status[objective.status].append(objective.id)
        attainment = (
            sum(min(progress, 100.0) for progress in objectives.mapped("progress")) / len(objectives)
            if objectives
            else 0.0
        )
        return {
            "plan_count": len(objectives.plan_id),
            "plan_domain": [("state", "=", "active")],
            "objective_count": len(objectives),
            "objective_domain": [("id", "in", objectives.ids)],
            "attainment": round(attainment, 1),
            "by_status": [
                {"key": key, "name": label, "count": len(by_status[key]), "domain": [("id", "in", by_status[key])]}
                for key, label in statuses
            ],
        }


def _finite(value):
    """``value`` with NaN and infinite floats replaced by 0.0, in nested
    dictionaries and lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else 0.0
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_finite(item) for item in value)
    return value
