# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from . import kam_account_privacy as private
from .kam_input import DATE_MIN, check_range
from .kam_interaction import CHANNELS

BUYING_ROLES = [
    ("decision_maker", "Decision Maker"),
    ("economic_buyer", "Economic Buyer"),
    ("champion", "Champion"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("gatekeeper", "Gatekeeper"),
    ("detractor", "Detractor"),
]


#: days since contact searched beyond this are searched as this (1000 years:
#: no stored date is that far, and the limit stays a valid datetime)
MAX_SEARCH_DAYS = 365000

#: stored interaction figures of an account and their SQL types
INTERACTION_FIGURE_COLUMNS = {
    "kam_last_interaction_date": "timestamp",
    "kam_interaction_count": "int4",
    "kam_avg_satisfaction": "float8",
    "kam_open_complaint_count": "int4",
}
EMPTY_INTERACTION_FIGURES = {
    "kam_last_interaction_date": None,
    "kam_interaction_count": 0,
    "kam_avg_satisfaction": 0.0,
    "kam_open_complaint_count": 0,
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Key contacts (关键联系人), on contacts of a key account
    kam_buying_role = private.Selection(
        BUYING_ROLES, "Buying Role", tracking=True, groups="key_account_management.group_kam_viewer", copy=False
    )
    kam_influence = private.Integer(
        "Influence",
        help="Weight in the buying decision, 1 (low) to 5 (high).",
        groups="key_account_management.group_kam_viewer",
        copy=False,
    )
    kam_relationship = private.Integer(
        "Relationship Strength",
        help="How strong our relationship is, 1 to 5.",
        groups="key_account_management.group_kam_viewer",
        copy=False,
    )
    kam_birthday = private.Date("Birthday", groups="key_account_management.group_kam_viewer", copy=False)
    kam_preferred_channel = private.Selection(
        [
            ("phone", "Phone"),
            ("email", "Email"),
            ("meeting", "Meeting"),
            ("video", "Video Call"),
            ("messaging", "Instant Messaging"),
        ],
        "Preferred Channel",
        groups="key_account_management.group_kam_viewer",
        copy=False,
    )
    kam_key_contact_ids = fields.One2many(
        "res.partner",
        "parent_id",
        "Key Contacts",
        domain=[("type", "=", "contact"), ("active", "=", True)],
        groups="key_account_management.group_kam_viewer",
    )
    kam_missing_decision_maker = private.Boolean(
        compute="_compute_kam_missing_roles",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_missing_champion = private.Boolean(
        compute="_compute_kam_missing_roles",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    # Interaction figures, stored and refreshed whenever interactions change
    kam_interaction_ids = fields.One2many(
        "kam.interaction", "partner_id", "Interactions", groups="key_account_management.group_kam_viewer"
    )
    kam_last_interaction_date = private.Datetime(
        "Last Contact", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_days_since_contact = private.Integer(
        "Days Since Contact",
        compute="_compute_kam_days_since_contact",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        search="_search_kam_days_since_contact",
        groups="key_account_management.group_kam_viewer",
    )
    kam_interaction_count = private.Integer(
        "Interactions (Trailing)", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_avg_satisfaction = private.Float(
        "Average Satisfaction",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        groups="key_account_management.group_kam_viewer",
    )
    kam_open_complaint_count = private.Integer(
        "Open Complaints", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_interaction_total = private.Integer(
        "All Interactions",
        compute="_compute_kam_interaction_stats",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_channel_summary = private.Char(
        "Interactions by Channel",
        compute="_compute_kam_interaction_stats",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_competitor_note_ids = fields.One2many(
        "kam.competitor.note", "partner_id", "Competitors", groups="key_account_management.group_kam_user"
    )
    kam_event_ids = fields.One2many(
        "kam.interaction",
        "partner_id",
        "Events",
        domain=[("channel", "=", "event"), ("state", "!=", "cancelled")],
        groups="key_account_management.group_kam_viewer",
    )

    @api.constrains("kam_birthday")
    def _check_kam_birthday(self):
        today = fields.Date.context_today(self)
        for partner in self.sudo():  # account-private fields: the real values
            check_range(
                partner,
                "kam_birthday",
                DATE_MIN,
                today,
                self.env._("The birthday of “%s” cannot be in the future.", partner.display_name),
            )

    @api.constrains("kam_influence", "kam_relationship")
    def _check_kam_contact_scores(self):
        for partner in self.sudo():  # account-private fields: the real values
            for value in (partner.kam_influence, partner.kam_relationship):
                if value and not 1 <= value <= 5:
                    raise ValidationError(
                        self.env._(
                            "Influence and relationship strength of “%s” are scores from 1 to 5.", partner.display_name
                        )
                    )

    @api.depends("child_ids.kam_buying_role", "kam_is_key_account")
    def _compute_kam_missing_roles(self):
        for partner in self:
            roles = set(partner.child_ids.filtered("active").mapped("kam_buying_role"))
            holder = partner.kam_is_key_account and partner.kam_is_account_holder
            partner.kam_missing_decision_maker = holder and "decision_maker" not in roles
            partner.kam_missing_champion = holder and "champion" not in roles

    @api.depends("kam_last_interaction_date")
    def _compute_kam_days_since_contact(self):
        now = fields.Datetime.now()
        for partner in self:
            last = partner.commercial_partner_id.kam_last_interaction_date
            partner.kam_days_since_contact = (now - last).days if last else -1

    def _search_kam_days_since_contact(self, operator, value):
        """Accounts whose last contact is older / more recent than ``value``
        days (no contact at all counts as "older than anything")."""
        if operator not in (">", ">=", "<", "<=") or isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.env._("Search days since contact with >, >=, < or <= and a number of days."))
        # beyond 1000 years either way every contact is on the same side: a
        # bounded value keeps the dates computable (no overflow)
        value = max(min(value, MAX_SEARCH_DAYS), -MAX_SEARCH_DAYS)
        limit = fields.Datetime.now() - relativedelta(days=value)
        if operator in (">", ">="):
            return [
                "|",
                ("kam_last_interaction_date", "=", False),
                ("kam_last_interaction_date", "<" if operator == ">" else "<=", limit),
            ]
        return [("kam_last_interaction_date", ">" if operator == "<" else ">=", limit)]

    def _compute_kam_interaction_stats(self):
        labels = dict(CHANNELS)
        months = self.env.company.kam_trailing_months
        since = fields.Datetime.now() - relativedelta(months=months)
        totals = dict(
            self.env["kam.interaction"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "done")], ["partner_id"], ["__count"]
            )
        )
        recent = defaultdict(dict)
        # per channel over the trailing window: a second grouped query
        for partner, channel, count in self.env["kam.interaction"]._read_group(
            [("partner_id", "in", self.ids), ("state", "=", "done"), ("date", ">=", since)],
            ["partner_id", "channel"],
            ["__count"],
        ):
            recent[partner.id][channel] = count
        for partner in self:
            counts = recent.get(partner.id, {})
            partner.kam_interaction_total = totals.get(partner, 0)
            partner.kam_channel_summary = ", ".join(f"{labels[c]}: {n}" for c, n in sorted(counts.items()))

    def _kam_refresh_interaction_figures(self, figures=None, current=None):
        """Refresh the stored interaction figures of these accounts from
        one grouped query (no query per account), writing only what
        changed. Trailing window: the company's key-account window.

        :param figures: ``_kam_interaction_figures`` of these accounts and
            ``current``: their stored values (``kam.job._read_columns``), both
            read by the scheduled job for all accounts at once
        """
        ids = [pid for pid in self.ids if pid]
        if not ids:
            return
        if figures is None:
            figures = self._kam_interaction_figures(ids)
        if current is None:
            current = self.env["kam.job"]._read_columns(self, ids, INTERACTION_FIGURE_COLUMNS)
        self.env["kam.job"]._write_changed(
            self,
            INTERACTION_FIGURE_COLUMNS,
            current,
            {pid: figures.get(pid) or dict(EMPTY_INTERACTION_FIGURES) for pid in ids if pid in current},
        )

    @api.model
    def _kam_interaction_figures(self, ids):
        """{account id: interaction figures} in one grouped query: last
        contact (done interactions), done interactions and their average
        satisfaction (rated ones) over the trailing window, open
        complaints. Accounts without interaction are left out."""
        months = self.env.company.kam_trailing_months
        since = datetime.combine(fields.Date.context_today(self) - relativedelta(months=months), time.min)
        self.env["kam.interaction"].flush_model(
            ["partner_id", "state", "date", "satisfaction", "channel", "resolution_state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id,
                       MAX(date) FILTER (WHERE state = 'done'),
                       COUNT(*) FILTER (WHERE state = 'done' AND date >= %(since)s),
                       AVG(satisfaction) FILTER (WHERE state = 'done' AND date >= %(since)s AND satisfaction > 0),
                       COUNT(*) FILTER (WHERE channel = 'complaint' AND state != 'cancelled'
                                          AND resolution_state = 'open')
                  FROM kam_interaction p
                 WHERE TRUE %(partner_filter)s
              GROUP BY partner_id
                """,
                since=since,
                partner_filter=self.env["kam.account.figures"]._partner_filter(ids, "p.partner_id"),
            )
        )
        return {
            pid: {
                "kam_last_interaction_date": last,
                "kam_interaction_count": count,
                "kam_avg_satisfaction": round(float(satisfaction or 0.0), 1),
                "kam_open_complaint_count": complaints,
            }
            for pid, last, count, satisfaction, complaints in self.env.cr.fetchall()
        }

    def action_kam_log_interaction(self):
        self.ensure_one()
        account = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log an Interaction"),
            "res_model": "kam.interaction",
            "view_mode": "form",
            "target": "current",
            "context": {"default_partner_id": account.id, "default_contact_ids": [self.id] if self != account else []},
        }

    def action_kam_view_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_interaction_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
