# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import operator
import re
from collections import defaultdict
from contextvars import ContextVar
from datetime import datetime, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from . import kam_account_privacy as private
from .kam_account_figures import EMPTY_INTERACTION_FIGURES, INTERACTION_FIGURE_COLUMNS
from .kam_cadence_engine import CARE_DATE_COLUMNS, effective_interval, month_day_sql
from .kam_health_engine import HEALTH_BANDS, HEALTH_TRENDS
from .kam_health_snapshot import RISK_LEVELS
from .kam_input import (
    DATE_MAX,
    DATE_MIN,
    MAX_INTERVAL_DAYS,
    check_date_condition,
    check_input,
    check_range,
    latest_today,
    search_unsearchable,
)
from .kam_interaction import CHANNELS
from .kam_job import KEY_ACCOUNT_DOMAIN

_logger = logging.getLogger(__name__)

#: The comparisons of a date condition, for a field searched in Python.
SEARCH_COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

# Key-account fields a key account user may edit on the accounts they manage
# or are in the team of.
KAM_ACCOUNT_FIELDS = {
    "kam_is_key_account",
    "kam_manager_id",
    "kam_team_user_ids",
    "kam_potential",
    "kam_business_scope",
    "kam_competitor_notes",
    "kam_key_account_since",
    "kam_contact_interval_days",
    "kam_contract_date",
    "kam_referrer_id",
}
# Fields only key account managers set: the tier itself and its lock.
KAM_MANAGER_FIELDS = {"kam_tier_id", "kam_tier_locked", "kam_tier_lock_reason"}
#: True inside the write that gives companies a new company: Odoo gives it to their contacts first,
#: which are checked against their company once both are written (not a context key: a client sets those)
COMPANY_MOVING = ContextVar("kam_company_moving", default=False)

BUYING_ROLES = [
    ("decision_maker", "Decision Maker"),
    ("economic_buyer", "Economic Buyer"),
    ("champion", "Champion"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("gatekeeper", "Gatekeeper"),
    ("detractor", "Detractor"),
]
#: social and instant-messaging accounts of a contact, and their longest length
SOCIAL_FIELDS = ("kam_wechat", "kam_whatsapp", "kam_linkedin", "kam_other_social")
SOCIAL_MAX = 128
#: the address of a LinkedIn profile
LINKEDIN_URL = re.compile(r"^https://([a-z]{2,3}\.)?linkedin\.com/\S+$", re.IGNORECASE)

#: days since contact searched beyond this are searched as this (1000 years:
#: no stored date is that far, and the limit stays a valid datetime)
MAX_SEARCH_DAYS = 365000


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo gives a record's next activity (its type, icon and summary) as superuser (related
    # fields): the key-account jobs' activities, which the rules hide from users outside the
    # account's team, showed through them on a partner. Read as the reader here, from the
    # activities they may see (as the state, the deadline and the responsible already are).
    activity_type_id = fields.Many2one(compute_sudo=False, depends_context=("uid",))
    activity_type_icon = fields.Char(compute_sudo=False, depends_context=("uid",), groups="base.group_user")
    activity_summary = fields.Char(compute_sudo=False, depends_context=("uid",))
    # Odoo searches a record's activities (responsible, deadline, type, summary, exception, or any
    # condition on them) through this field, which joins them without record rules (auto_join):
    # the jobs' activities were found through it by those the rules hide them from. Its domain
    # adds the rules to every such search (a superuser's is empty; their conditions are evaluated
    # as the user); the state is searched and grouped in raw SQL (see _search_activity_state and
    # _read_group_groupby). Odoo's access to the partners themselves is unchanged. (The field's
    # cache is not per user: code that reads it as superuser and then as a user invalidates it.)
    activity_ids = fields.One2many(domain=lambda self: self._kam_activity_rule_domain())

    kam_is_key_account = fields.Boolean(
        "Key Account",
        tracking=True,
        index=True,
        copy=False,
        help="This company is managed as a key account (大客户).",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_is_account_holder = fields.Boolean(
        "Key Account Entity",
        compute="_compute_kam_is_account_holder",
        help="The commercial entity that holds the key-account profile; contacts show their company's values.",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_manager_id = fields.Many2one(
        "res.users",
        "Key Account Manager",
        tracking=True,
        index=True,
        copy=False,
        domain=[("share", "=", False)],
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_team_user_ids = fields.Many2many(
        "res.users",
        "kam_partner_team_user_rel",
        "partner_id",
        "user_id",
        "Account Team",
        tracking=True,
        copy=False,
        domain=[("share", "=", False)],
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_tier_id = fields.Many2one(
        "kam.tier",
        "Tier",
        index=True,
        copy=False,
        ondelete="restrict",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_tier_color = fields.Integer(
        related="kam_tier_id.color",
        string="Tier Color",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_tier_locked = private.Boolean(
        "Tier Locked",
        copy=False,
        help="A locked tier is kept as it is by the automatic recompute.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_tier_lock_reason = private.Char("Lock Reason", copy=False, groups="key_account_management.group_kam_viewer")
    kam_potential = private.Integer(
        "Growth Potential",
        tracking=True,
        copy=False,
        help="Manual growth potential score from 0 to 100.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_business_scope = private.Text(
        "Main Business Scope", tracking=True, groups="key_account_management.group_kam_viewer", copy=False
    )
    kam_referrer_id = private.Many2one(
        "res.partner",
        "Referred By",
        tracking=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="Who introduced this customer to us: a customer, a partner or one of their contacts (推荐人).",
        groups="key_account_management.group_kam_viewer",
    )
    # Competitor free text: confidential to the account's team. The text is
    # stored in a field only key account managers read directly; the field
    # users see computes it for the account's manager and team only (a
    # ``groups=`` alone would open every account's notes to every key
    # account user, through read, export and search).
    kam_competitor_notes_text = fields.Text(
        "Competitor Notes (stored)", groups="key_account_management.group_kam_manager", copy=False
    )
    kam_competitor_notes = fields.Text(
        "Competitor Notes",
        compute="_compute_kam_competitor_notes",
        inverse="_inverse_kam_competitor_notes",
        search="_search_kam_competitor_notes",
        groups="key_account_management.group_kam_user",
        help="Competitors and market intelligence; visible to the account's manager and team and to key account "
        "managers only.",
    )
    kam_key_account_since = private.Date(
        "Key Account Since", tracking=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_kam_currency_id",
        string="Figures Currency",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_revenue_current = private.Monetary(
        "Trailing Revenue",
        currency_field="kam_currency_id",
        readonly=True,
        copy=False,
        help="Untaxed revenue of confirmed orders (contacts included) over the trailing window, in company currency.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_revenue_previous = private.Monetary(
        "Previous Window Revenue",
        currency_field="kam_currency_id",
        readonly=True,
        copy=False,
        help="Same figure for the window of the same length before the trailing window.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_order_count = private.Integer(
        "Orders (Trailing)", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_avg_order_value = private.Monetary(
        "Average Order Value",
        currency_field="kam_currency_id",
        readonly=True,
        copy=False,
        aggregator="avg",
        groups="key_account_management.group_kam_viewer",
    )
    kam_first_order_date = private.Date(
        "First Order", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_last_order_date = private.Date(
        "Last Order", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_revenue_trend = private.Float(
        "Revenue Trend (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        help="Change of trailing revenue against the previous window, in percent.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_can_manage_tier = fields.Boolean(
        compute="_compute_kam_can_manage_tier",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_sees_account = fields.Boolean(
        "Sees the Account's Profile",
        compute="_compute_kam_sees_account",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
        help="Whether you read this account's profile, figures, health and risk: its key account manager and "
        "team, key account managers and all-accounts viewers do.",
    )
    kam_is_my_account = private.Boolean(
        "My Account",
        compute="_compute_kam_is_my_account",
        search="_search_kam_is_my_account",
        groups="key_account_management.group_kam_viewer",
        help='You manage this account or are in its team (the filter "My Accounts").',
    )
    kam_tier_history_ids = fields.One2many(
        "kam.tier.history", "partner_id", "Tier History", groups="key_account_management.group_kam_viewer"
    )
    kam_tier_history_count = private.Integer(
        compute="_compute_kam_tier_history_count",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    # ------------------------------------------------------------------
    # Fields: key contacts and interactions
    # ------------------------------------------------------------------
    # Key contacts (关键联系人), on contacts of a key account
    kam_buying_role = private.Selection(
        BUYING_ROLES, "Buying Role", tracking=True, groups="key_account_management.group_kam_viewer", copy=False
    )
    kam_influence = private.Integer(
        "Influence",
        tracking=True,
        help="Weight in the buying decision, 1 (low) to 5 (high).",
        groups="key_account_management.group_kam_viewer",
        copy=False,
    )
    kam_relationship = private.Integer(
        "Relationship Strength",
        tracking=True,
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
        tracking=True,
        groups="key_account_management.group_kam_viewer",
        copy=False,
    )
    # Social and instant-messaging accounts of a key contact (社交账号): where the
    # account team reaches the person besides e-mail and phone
    kam_wechat = private.Char("WeChat", tracking=True, copy=False, groups="key_account_management.group_kam_viewer")
    kam_whatsapp = private.Char("WhatsApp", tracking=True, copy=False, groups="key_account_management.group_kam_viewer")
    kam_linkedin = private.Char(
        "LinkedIn",
        tracking=True,
        copy=False,
        help="The profile's address (https://www.linkedin.com/in/...).",
        groups="key_account_management.group_kam_viewer",
    )
    kam_other_social = private.Char(
        "Other Social / IM",
        tracking=True,
        copy=False,
        help="Any other account, with its network: DingTalk, WeCom, QQ, Telegram, Weibo...",
        groups="key_account_management.group_kam_viewer",
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
    # Relationship coverage (关系地图), written by the stage relationship_coverage (kam_coverage_engine.py)
    kam_reports_to_id = private.Many2one(
        "res.partner",
        "Reports To",
        tracking=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        domain="[('commercial_partner_id', '=', commercial_partner_id), ('id', '!=', id), ('is_company', '=', False)]",
        help="Whom this contact reports to at the customer, among the contacts of the same account: the "
        "relationship map draws the account's people as an org chart from it.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_coverage_touches = private.Integer(
        "Contact Touches",
        readonly=True,
        copy=False,
        help="Done interactions of the coverage window that name at least one of the account's contacts.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_coverage_contacts = private.Integer(
        "Contacts Reached",
        readonly=True,
        copy=False,
        help="Contacts named on at least one done interaction of the coverage window.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_coverage_top_share = private.Float(
        "Main Contact Share (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        help="Share of the contact touches of the window that name the most touched contact.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_coverage_top_contact_id = private.Many2one(
        "res.partner",
        "Main Contact",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The contact named on the most done interactions of the coverage window.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_single_threaded = private.Boolean(
        "Single-Threaded",
        readonly=True,
        copy=False,
        index=True,
        help="One contact carries at least the company's share of the contact touches of the coverage window, "
        "and there are at least its minimum of touches.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_unreached_count = private.Integer(
        "Key People Not Reached",
        readonly=True,
        copy=False,
        help="Decision makers and champions not named on a done interaction for the company's reach period.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_silent_count = private.Integer(
        "Silent Contacts",
        readonly=True,
        copy=False,
        help="Contacts touched at least twice in the coverage window, and not at all for the company's silence period.",
        groups="key_account_management.group_kam_viewer",
    )

    # ------------------------------------------------------------------
    # Fields: contact cadence and customer care
    # ------------------------------------------------------------------
    kam_contact_interval_days = private.Integer(
        "Contact Every (days, override)",
        tracking=True,
        copy=False,
        help="Contact this account at least this often. 0 uses the interval of its tier.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_effective_contact_interval = private.Integer(
        "Effective Contact Interval (days)",
        compute="_compute_kam_contact_cadence",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        help="The account's own interval when set, else its tier's. 0: no cadence.",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_contact_overdue = private.Boolean(
        "Overdue for Contact",
        compute="_compute_kam_contact_cadence",
        compute_sudo=True,  # real values in the cache (shown masked to other teams)
        search="_search_kam_contact_overdue",
        help="Last contact older than the contact interval, or never contacted.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_contract_date = private.Date(
        "Contract Signed On",
        tracking=True,
        copy=False,
        help="Its anniversaries raise a customer care reminder.",
        groups="key_account_management.group_kam_viewer",
    )

    # ------------------------------------------------------------------
    # Fields: health and risk
    # ------------------------------------------------------------------
    # Health and risk (风险管理与预警): written in bulk by the health engine
    # (kam_health_engine.py, no ORM write per account), like the sale figures.
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
        "Health As Of",
        compute="_compute_kam_health_date",
        compute_sudo=True,
        search="_search_kam_health_date",
        help="The day of the last run of the daily health job, on the key accounts it has scored. Each run "
        "computes again the accounts whose data changed or that a date moved over, so the others' health "
        "holds as of that day too; what leaves no trace on the account (an order moved to another "
        "customer) waits for the weekly run of every account.",
        groups="key_account_management.group_kam_viewer",
    )
    kam_risk_signal_ids = fields.One2many(
        "kam.risk.signal", "partner_id", "Risk Signals", groups="key_account_management.group_kam_viewer"
    )
    kam_health_snapshot_ids = fields.One2many(
        "kam.health.snapshot", "partner_id", "Health Snapshots", groups="key_account_management.group_kam_viewer"
    )
    kam_white_space_ids = fields.One2many(
        "kam.white.space", "partner_id", "White Space", groups="key_account_management.group_kam_viewer"
    )
    # profitability (kam_profit.py): key account users and managers only
    kam_profit_ids = fields.One2many(
        "kam.profit", "partner_id", "Profitability", groups="key_account_management.group_kam_user"
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

    # ------------------------------------------------------------------
    # Fields: responsibilities, preferences, reviews
    # ------------------------------------------------------------------
    kam_responsibility_ids = fields.One2many(
        "kam.responsibility", "partner_id", "Responsibilities", groups="key_account_management.group_kam_viewer"
    )
    kam_responsibility_gap_count = private.Integer(
        "Responsibility Gaps",
        compute="_compute_kam_responsibility_gaps",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_missing_duty_names = private.Char(
        "Duties Without Owner",
        compute="_compute_kam_responsibility_gaps",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_preference_ids = fields.One2many(
        "kam.preference",
        "partner_id",
        "Preferences",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
    )
    kam_preference_count = fields.Integer(
        "Preference Count",
        compute="_compute_kam_preference_count",
        groups="sales_team.group_sale_salesman,key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_profile_verified_on = private.Date(
        "Profile Verified On", readonly=True, copy=False, groups="key_account_management.group_kam_viewer"
    )
    kam_review_ids = fields.One2many(
        "kam.review", "partner_id", "Reviews", groups="key_account_management.group_kam_viewer"
    )
    # Transaction history (历史交易记录), read live when the form opens (kam_transaction_history.py)
    kam_transaction_history_html = private.Html(
        "Transaction History",
        compute="_compute_kam_transaction_history_html",
        sanitize=True,
        groups="key_account_management.group_kam_viewer",
    )

    # ------------------------------------------------------------------
    # Searches on the next activity
    # ------------------------------------------------------------------
    def _kam_activity_rule_domain(self):
        """The record rules' domain on activities for the current user
        (empty for the superuser): see ``activity_ids``."""
        return list(self.env["ir.rule"]._compute_domain("mail.activity", "read"))

    def _search_activity_state(self, operator, value):
        """Odoo's state search (raw SQL over every activity of the model, see
        ``mail.activity.mixin``), over the activities the user may see."""
        all_states = {"overdue", "today", "planned", False}
        if operator not in ("=", "!=", "in", "not in"):
            # (Odoo's own search fails on them with a server error, for users the rules leave alone too)
            raise UserError(
                self.env._(
                    "The activity state can only be searched with =, !=, in or not in, not with %(operator)s.",
                    operator=operator,
                )
            )
        given = value if operator in ("in", "not in") and isinstance(value, (list, tuple, set)) else [value]
        if not all(item is None or isinstance(item, (str, bool)) for item in given):
            # (a list or a dict among the states: Odoo's own search fails on them with a TypeError)
            raise UserError(self.env._("“%(value)s” is no activity state to search.", value=value))
        rules = self._kam_activity_rule_domain()
        if not rules:
            return super()._search_activity_state(operator, value)
        if operator in ("=", "!="):
            states = {value}
        else:
            states = set(value) if isinstance(value, (list, tuple, set)) else {value}
        if operator in ("!=", "not in"):
            states = all_states - states
        # partners without activity: those not among the others (the shorter list), as Odoo does
        reverse = False in states
        if reverse:
            states = all_states - states
        query = SQL(
            """(SELECT res_id FROM (
                    SELECT mail_activity.res_id,
                           MIN(SIGN(EXTRACT(day FROM (mail_activity.date_deadline - DATE_TRUNC(
                               'day', %(now)s AT TIME ZONE COALESCE(mail_activity.user_tz, 'utc'))))))::INT AS state
                      FROM mail_activity
                     WHERE mail_activity.id IN %(visible)s
                  GROUP BY mail_activity.res_id
                ) AS res_record
                WHERE %(states)s @> ARRAY[res_record.state])""",
            now=datetime.now(pytz.utc),
            visible=self._kam_visible_activity_ids(),
            states=[{"overdue": -1, "today": 0, "planned": 1}.get(state) for state in states],
        )
        return [("id", "not in" if reverse else "in", query)]

    def _kam_visible_activity_ids(self):
        """Subquery of the ids of the open (active, whatever the context's
        ``active_test``, as in Odoo's queries on the state) activities of
        this model that the record rules let the user see (applied as Odoo
        applies them)."""
        Activity = self.env["mail.activity"].with_context(active_test=False)
        Activity.flush_model(["active", "date_deadline", "res_model", "res_id", "user_id", "user_tz"])
        query = Activity._where_calc([("res_model", "=", self._name), ("active", "=", True)])
        Activity._apply_ir_rules(query, "read")
        return query.subselect()

    def _read_group_groupby(self, groupby_spec, query):
        """Odoo groups by the activity state with raw SQL over every activity
        of the model (``mail.activity.mixin``): over the activities the user
        may see here, as the state search."""
        rules = self._kam_activity_rule_domain() if groupby_spec == "activity_state" else None
        if not rules:
            return super()._read_group_groupby(groupby_spec, query)
        self.check_field_access_rights("read", ["activity_state"])
        self.env["res.users"].flush_model(["partner_id"])
        self.flush_model(["tz"])
        tz = self.env.context.get("tz") if self.env.context.get("tz") in pytz.all_timezones_set else "UTC"
        day = SQL(
            "MIN(EXTRACT(day FROM (mail_activity.date_deadline - DATE_TRUNC('day', %s AT TIME ZONE "
            "COALESCE(mail_activity.user_tz, %s)))))",
            datetime.now(pytz.utc),
            tz,
        )
        states = SQL(
            """(SELECT mail_activity.res_id,
                       CASE WHEN %(day)s > 0 THEN 'planned' WHEN %(day)s < 0 THEN 'overdue'
                            WHEN %(day)s = 0 THEN 'today' ELSE NULL END AS activity_state
                  FROM mail_activity
                 WHERE mail_activity.id IN %(visible)s
              GROUP BY mail_activity.res_id)""",
            day=day,
            visible=self._kam_visible_activity_ids(),
        )
        alias = query.left_join(self._table, "id", states, "res_id", "last_activity_state")
        return SQL.identifier(alias, "activity_state")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("is_company", "parent_id")
    def _compute_kam_is_account_holder(self):
        for partner in self:
            partner.kam_is_account_holder = partner.is_company or not partner.parent_id

    @api.depends_context("uid")
    def _compute_kam_can_manage_tier(self):
        can = self.env.user.has_group("key_account_management.group_kam_manager")
        for partner in self:
            partner.kam_can_manage_tier = can

    def _kam_health_day(self):
        """The day of the health job's last run, in the user's time zone, or
        False when it never ran."""
        last_run = self.env["kam.job"]._run_params("health")[0]
        return fields.Date.context_today(self, fields.Datetime.to_datetime(last_run)) if last_run else False

    @api.depends_context("tz", "uid")
    @api.depends("kam_health_band", "kam_is_key_account", "active", "commercial_partner_id")
    def _compute_kam_health_date(self):
        # (not stamped on each account the job looks at: a daily write of thousands of partner rows,
        # every one on a weekly full run, for a day the last run gives)
        day = self._kam_health_day()
        for partner in self:
            scored = partner.kam_health_band and partner.kam_is_key_account and partner.active
            partner.kam_health_date = day if scored and partner.commercial_partner_id == partner else False

    def _search_kam_health_date(self, operator, value):
        """The scored key accounts when the day of the last run satisfies
        ``operator value``, else none ("is not set": the others, or all when
        the job never ran)."""
        scored = [*KEY_ACCOUNT_DOMAIN, ("kam_health_band", "!=", False)]
        day = self._kam_health_day()
        if (value is False or value is None) and operator in ("=", "!="):
            if operator == "!=":
                return scored if day else [("id", "=", False)]
            return ["!", *expression.normalize_domain(scored)] if day else []
        if operator in ("in", "not in") and isinstance(value, (list, tuple, set)):
            for item in value:
                check_date_condition(self, "kam_health_date", "=", item)
            days = {fields.Date.to_date(item) for item in value if item}
            holds = bool(day) and (day in days) == (operator == "in")
        elif operator in SEARCH_COMPARISONS and value is not False and value is not None:
            # (refuses an empty value too: 0 or "" is no date to compare with)
            check_date_condition(self, "kam_health_date", operator, value)
            holds = bool(day) and SEARCH_COMPARISONS[operator](day, fields.Date.to_date(value))
        else:
            raise UserError(
                self.env._("“%(operator)s %(value)s” is no condition on a date.", operator=operator, value=value)
            )
        return scored if holds else [("id", "=", False)]

    @api.depends_context("uid")
    @api.depends("commercial_partner_id.kam_manager_id", "commercial_partner_id.kam_team_user_ids")
    def _compute_kam_sees_account(self):
        for partner in self:
            partner.kam_sees_account = partner._kam_sees_account()

    @api.depends_context("uid")
    @api.depends("commercial_partner_id.kam_manager_id", "commercial_partner_id.kam_team_user_ids")
    def _compute_kam_is_my_account(self):
        for partner in self:
            partner.kam_is_my_account = bool(partner._origin) and partner._origin._kam_is_member()

    def _search_kam_is_my_account(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Search “My Account” with = or != and True or False."))
        member = self.env["kam.job"]._member_domain()
        return member if (operator == "=") == value else ["!", *member]

    @api.depends("company_id")
    def _compute_kam_currency_id(self):
        default = self.env.company.currency_id
        for partner in self:
            partner.kam_currency_id = partner.company_id.currency_id or default

    def _compute_kam_tier_history_count(self):
        counts = dict(
            self.env["kam.tier.history"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.kam_tier_history_count = counts.get(partner, 0)

    _search_kam_unsearchable = search_unsearchable

    def _kam_may_read_confidential(self):
        """{partner: True} when the current user may read the confidential
        key-account fields of the partner's account."""
        if self.env.su:
            return dict.fromkeys(self, True)
        accounts = self.sudo().commercial_partner_id.with_env(self.env)
        readable = set(accounts._filtered_access("read").ids)
        manager = self.env.user.has_group("key_account_management.group_kam_manager")
        return {
            partner: partner.sudo().commercial_partner_id.id in readable and (manager or partner._kam_is_member())
            for partner in self
        }

    @api.depends("kam_competitor_notes_text", "commercial_partner_id.kam_competitor_notes_text")
    @api.depends_context("uid")
    def _compute_kam_competitor_notes(self):
        allowed = self._kam_may_read_confidential()
        for partner in self:
            account = partner.sudo().commercial_partner_id
            partner.kam_competitor_notes = account.kam_competitor_notes_text if allowed[partner] else False

    def _inverse_kam_competitor_notes(self):
        # the write was checked by _kam_check_edit (manager or account member)
        for partner in self:
            partner.sudo().kam_competitor_notes_text = partner.kam_competitor_notes

    def _search_kam_competitor_notes(self, operator, value):
        domain = [("kam_competitor_notes_text", operator, value)]
        if not (self.env.su or self.env.user.has_group("key_account_management.group_kam_manager")):
            domain += self.env["kam.job"]._member_domain(path="commercial_partner_id.")
        return [("id", "in", self.sudo()._search(domain))]

    # constraints read as superuser: they run for whoever creates or moves a
    # partner, with or without the key-account groups
    @api.constrains("kam_potential")
    def _check_kam_potential(self):
        for partner in self.sudo():
            if not 0 <= partner.kam_potential <= 100:
                raise ValidationError(
                    self.env._("Growth potential of “%s” must be between 0 and 100.", partner.display_name)
                )

    @api.constrains("kam_is_key_account", "parent_id", "is_company")
    def _check_kam_is_key_account(self):
        for partner in self.sudo():
            commercial = partner.commercial_partner_id
            if partner.kam_is_key_account and not commercial.kam_is_key_account:
                raise ValidationError(
                    self.env._(
                        "“%(contact)s” is a contact of “%(company)s”: mark the company as key account instead.",
                        contact=partner.display_name,
                        company=commercial.display_name,
                    )
                )

    @api.constrains("kam_tier_id", "company_id")
    def _check_kam_tier_company(self):
        """An account's tier is one of its company's tiers or one shared by all
        companies: another company's tier would bring that company's
        pricelist and rules (and name its tier in the chatter)."""
        for partner in self.sudo():
            tier_company = partner.kam_tier_id.company_id
            if (
                tier_company
                and partner.company_id
                and tier_company != partner.company_id
                and partner == partner.commercial_partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "The tier of “%(account)s” belongs to another company: choose a tier of %(company)s "
                        "or one shared by all companies.",
                        account=partner.name,
                        company=partner.company_id.name,
                    )
                )

    @api.constrains("kam_manager_id", "kam_team_user_ids")
    def _check_kam_internal_team(self):
        """The key account manager and the account team are internal users:
        a portal user there would get the account's warnings and tasks (kam.routing)."""
        for partner in self.sudo():
            external = (partner.kam_manager_id | partner.kam_team_user_ids).filtered("share")
            if external:
                raise ValidationError(
                    self.env._(
                        "The key account manager and the account team of “%(account)s” are internal users, "
                        "not %(users)s.",
                        account=partner.display_name,
                        users=", ".join(external.mapped("name")),
                    )
                )

    def _check_kam_contact_company(self):
        """A contact of a key account belongs to the account's company: it
        carries the account's key-account values (Odoo's commercial sync:
        manager, tier, scope, notes), which users of another company (or of
        every company, without one) would read. Checked after a create or a
        write of the company or the parent (not as a constraint: Odoo gives
        a company's new company to its contacts before the company itself)."""
        for partner in self.sudo():
            account = partner.commercial_partner_id
            if account != partner and account.kam_is_key_account and account.company_id != partner.company_id:
                if not account.company_id:
                    continue  # (a key account left without company by an old version: no company to follow)
                raise ValidationError(
                    self.env._(
                        "“%(contact)s” is a contact of the key account “%(account)s”: it belongs to the "
                        "account's company, %(company)s.",
                        contact=partner.display_name,
                        account=account.display_name,
                        company=account.company_id.display_name,
                    )
                )

    @api.constrains("kam_tier_locked", "kam_tier_lock_reason", "kam_tier_id")
    def _check_kam_tier_lock(self):
        for partner in self.sudo():
            if partner.kam_tier_locked and partner == partner.commercial_partner_id:
                if not partner.kam_tier_id:
                    raise ValidationError(self.env._("Choose the tier to lock for “%s” first.", partner.display_name))
                if not (partner.kam_tier_lock_reason or "").strip():
                    raise ValidationError(
                        self.env._("Give the reason why the tier of “%s” is locked.", partner.display_name)
                    )

    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "kam_is_key_account",
            "kam_manager_id",
            "kam_team_user_ids",
            "kam_tier_id",
            "kam_tier_locked",
            "kam_tier_lock_reason",
            "kam_potential",
            "kam_business_scope",
            "kam_competitor_notes_text",
            "kam_key_account_since",
            "kam_contact_interval_days",
            "kam_contract_date",
            "kam_referrer_id",
        ]

    # ------------------------------------------------------------------
    # Who may change what
    # ------------------------------------------------------------------
    def _kam_is_member(self, user=None):
        """True when ``user`` manages this account or is in its team."""
        self.ensure_one()
        user = user or self.env.user
        account = self.sudo().commercial_partner_id
        return user == account.kam_manager_id or user in account.kam_team_user_ids

    # ------------------------------------------------------------------
    # Who sees the account-private fields (see kam_account_privacy.py)
    # ------------------------------------------------------------------
    def _kam_sees_account(self):
        """Whether the current user reads the account-private fields of
        this partner: always for superuser, key account managers and
        all-accounts viewers; else only on the accounts (and their contacts)
        that the user manages or is in the team of. A partner being created
        (no record yet) is visible to its creator."""
        if private.sees_all_accounts(self.env):
            return True
        origin = self._origin
        if not origin:
            return True
        return origin._kam_is_member()

    @api.model
    @tools.ormcache()
    def _kam_private_fields(self):
        """Names of the fields that only the account's team (and those who
        see all accounts) read: see kam_account_privacy.py."""
        return frozenset(name for name, field in self._fields.items() if private.is_private(field))

    def init(self):
        res = super().init()
        # the daily tier job looks for the partners changed since its last run
        tools.create_index(self.env.cr, "res_partner_kam_write_date_index", self._table, ["write_date"])
        # the daily customer care reads the birthdays and contract days of its window (kam_cadence_engine.py)
        for column in CARE_DATE_COLUMNS:
            tools.create_index(
                self.env.cr,
                f"res_partner_{column}_day_index",
                self._table,
                [f"({month_day_sql(column).code})"],  # (an expression index: in parentheses)
                where=f"{column} IS NOT NULL",
            )
        return res

    def _track_prepare(self, fields_iter):
        # a write of key-account fields only (see write) tracks those fields: mail.thread's write
        # prepares every tracked field of the partner, computing the contact address of each
        # account and contact marked key, though no core tracked field depends on kam_ fields
        # (TestFirstTier checks it)
        written = self.env.context.get("kam_track_fields")
        if written is not None:
            fields_iter = [fname for fname in fields_iter if fname in written]
        # the values before the write, as they are (not as the writer may see them): else a user
        # outside an account's team would post "0 -> 70" for a potential they did not change
        partners = self.sudo()
        contacts = partners.filtered(lambda partner: partner.commercial_partner_id != partner)
        if contacts:
            # a contact mirrors its company's key-account values (the commercial sync): tracked on
            # the company only, else the contact's chatter keeps its former company's values, shown
            # to the team of the company it moves to
            shared = set(self._commercial_fields())
            super(ResPartner, contacts)._track_prepare(
                [fname for fname in fields_iter if not (fname.startswith("kam_") and fname in shared)]
            )
        return super(ResPartner, partners - contacts)._track_prepare(fields_iter)

    def _update_fields_values(self, fnames):
        # what a contact copies from its company (commercial sync, imports): the real values
        return super(ResPartner, self.sudo())._update_fields_values(fnames)

    def _condition_to_sql(self, alias, fname, operator, value, query):
        if fname.startswith("kam_"):
            check_date_condition(self, fname, operator, value)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if domain and not private.sees_all_accounts(self.env):
            self._kam_check_hierarchy_search(domain)
        return super()._search(domain, offset, limit, order)

    def _kam_check_hierarchy_search(self, domain):
        """``child_of`` / ``parent_of`` on an account-private many2one (the
        referrer): Odoo resolves them as superuser into ids, past the field's
        groups and its masking; refused to who does not see every account."""
        private_fields = self._kam_private_fields()
        for leaf in domain:
            if (
                isinstance(leaf, (list, tuple))
                and len(leaf) == 3
                and isinstance(leaf[0], str)
                and leaf[1] in ("child_of", "parent_of")
                and leaf[0].split(".")[0] in private_fields
            ):
                raise AccessError(
                    self.env._(
                        "“%(field)s” cannot be searched with %(operator)s.",
                        field=self._fields[leaf[0].split(".")[0]].string,
                        operator=leaf[1],
                    )
                )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        sql = super()._field_to_sql(alias, fname, query, flush)
        if (
            fname in self._kam_private_fields()
            and not private.FETCHING.get()
            and not private.sees_all_accounts(self.env)
        ):
            sql = SQL("(CASE WHEN %s THEN %s END)", private.member_sql(self, alias, query), sql)
        return sql

    def _fetch_query(self, query, fields):
        # the cache holds the real values (masked on the way out by the
        # fields), so that sudo code of the same transaction reads the truth
        token = private.FETCHING.set(True)
        try:
            return super()._fetch_query(query, fields)
        finally:
            private.FETCHING.reset(token)

    @api.model
    @tools.ormcache()
    def _kam_job_fields(self):
        """Stored figures that only the key-account jobs write (revenue,
        orders, health, risk, last contact, verification stamps...): the
        ``kam_`` fields declared read-only and not computed by the ORM."""
        return frozenset(
            name
            for name, field in self._fields.items()
            if name.startswith("kam_") and field.store and field.readonly and not field.compute
        )

    def _kam_check_job_fields(self, vals):
        """No user, whatever their groups, writes computed figures."""
        if self.env.su:
            return
        figures = vals.keys() & self._kam_job_fields()
        if figures:
            labels = sorted(self._fields[fname].get_description(self.env)["string"] for fname in figures)
            raise AccessError(
                self.env._(
                    "%s: these figures are computed from orders, invoices and interactions by the key-account "
                    "jobs and cannot be written. Use “Recompute Tier” or “Refresh Health” to update them.",
                    ", ".join(labels),
                )
            )

    @staticmethod
    def _kam_x2many_ids(value):
        """Ids a many2many value sets, or None when it is not a plain set
        (commands that add or remove)."""
        if not isinstance(value, (list, tuple)):
            return None
        ids = set()
        for item in value:
            if isinstance(item, int):
                ids.add(item)
            elif isinstance(item, (list, tuple)) and len(item) == 3 and item[0] == 6:
                ids = set(item[2] or [])
            elif isinstance(item, (list, tuple)) and item and item[0] == 5:
                ids = set()
            else:
                return None
        return ids

    def _kam_changed_fields(self, vals, fnames, against=None):
        """Names in ``fnames`` whose value in ``vals`` differs from the
        values of ``against`` (default: the record itself)."""
        self.ensure_one()
        reference = (against or self).sudo()
        changed = set()
        for fname in fnames & vals.keys():
            field = self._fields[fname]
            value = vals[fname]
            if field.type == "one2many":
                changed.add(fname)
            elif field.type == "many2many":
                if against is None or self._kam_x2many_ids(value) != set(reference[fname].ids):
                    changed.add(fname)
            elif field.type == "many2one":
                if (reference[fname].id or False) != (value or False):
                    changed.add(fname)
            elif (reference[fname] or False) != (value or False):
                changed.add(fname)
        return changed

    def _kam_new_commercial_partner(self, vals):
        """The commercial entity of this partner once ``vals`` is written
        (sudo record); None when ``vals`` holds a value Odoo will refuse."""
        self.ensure_one()
        partner = self.sudo()
        if "parent_id" not in vals and "is_company" not in vals:
            return partner.commercial_partner_id
        parent_id = vals.get("parent_id", partner.parent_id.id)
        if parent_id and not isinstance(parent_id, int):
            return None
        parent = partner.browse(parent_id or []).exists()
        is_company = vals.get("is_company", partner.is_company)
        return partner if is_company or not parent else parent.commercial_partner_id

    def _kam_check_commercial_partner(self, vals):
        """Odoo computes a partner's commercial entity from its parent (a
        stored field without inverse, which the ORM writes as sent): a client
        that sent another one put the partner, and its orders, under an
        account without any of the checks of a move (the rules on sales
        orders follow the commercial entity). Only the value Odoo computes is
        accepted (a new record on create)."""
        if self.env.su or "commercial_partner_id" not in vals:
            return
        given = vals["commercial_partner_id"] or False
        for partner in self:
            if isinstance(partner.id, int):
                expected = partner._kam_new_commercial_partner(vals)
            else:
                parent = self.browse(vals.get("parent_id") if isinstance(vals.get("parent_id"), int) else [])
                parent = parent.sudo().exists()
                expected = parent.commercial_partner_id if parent and not vals.get("is_company") else None
            if expected is None or expected.id != given:
                raise UserError(
                    self.env._(
                        "A partner's commercial entity follows its company (the “Company” field of a contact): "
                        "it cannot be set on its own."
                    )
                )

    def _kam_check_orders_gained(self, account):
        """AccessError when putting these partners under ``account`` (moving
        or merging them) would show the current user sales orders they cannot
        read now: a key account user reads the orders of the accounts they
        manage or are in the team of (the addon's rule on sales orders), so
        moving another team's contact (or any customer) under one's own
        account would open its orders. Key account managers read them all
        anyway; users without the key-account user group gain nothing (Odoo's
        rules only)."""
        user = self.env.user
        if (
            self.env.su
            or not self
            or user.has_group("key_account_management.group_kam_manager")
            or not user.has_group("key_account_management.group_kam_user")
        ):
            return
        account = account.sudo().commercial_partner_id
        if not (account.kam_is_key_account and account._kam_is_member()):
            return
        partner = self._kam_with_unreadable_orders()
        if partner:
            raise AccessError(
                self.env._(
                    "“%(partner)s” has sales orders you may not read: only a key account manager may put it "
                    "under the key account “%(account)s”, whose orders you read.",
                    partner=partner.display_name,
                    account=account.display_name,
                )
            )

    def _kam_with_unreadable_orders(self, own=False):
        """One of these partners (as superuser) that has a sales order of the
        current user's companies that the user cannot read; none if there is
        none. One query for any number of partners. ``own``: the orders of
        these commercial entities (what marking them opens, by the rule on
        sales orders); else the orders of these partners and of everyone
        under them (what moving them moves)."""
        user = self.env.user
        Order = self.env["sale.order"].with_context(active_test=False, allowed_company_ids=user.company_ids.ids)
        partners = ("partner_id.commercial_partner_id", "in", self.ids) if own else ("partner_id", "child_of", self.ids)
        domain = [partners, ("company_id", "in", [False, *user.company_ids.ids])]
        order = Order.sudo().search([*domain, ("id", "not in", Order._search(domain))], limit=1)
        if not order:
            return self.browse().sudo()
        # the partner of the order, or the nearest of its parents among these
        partner = order.partner_id
        while partner and partner not in self:
            partner = partner.parent_id
        return partner or order.partner_id.commercial_partner_id

    def _kam_is_key_contact(self):
        """This contact carries key-contact details (buying role, influence,
        relationship, birthday...) of a key account: they are account-private,
        and whoever takes the contact reads them."""
        self.ensure_one()
        partner = self.sudo()
        account = partner.commercial_partner_id
        return (
            account != partner
            and any(partner[fname] for fname in self._kam_key_contact_fields())
            and account._kam_holds_account_data()
        )

    @api.model
    @tools.ormcache()
    def _kam_key_contact_fields(self):
        """The key-contact details a contact has of its own (not shared with
        its company, no relation): buying role, influence, birthday..."""
        shared = set(self._commercial_fields())
        return frozenset(
            fname
            for fname in self._kam_contact_fields()
            if self._fields[fname].type not in ("one2many", "many2many") and fname not in shared
        )

    def _kam_check_removal(self):
        """Deleting or merging away a key account, or a key contact of one,
        destroys the account's data: its manager, team or a key account
        manager only."""
        if self.env.su:
            return
        for partner in self.sudo():
            account = partner.commercial_partner_id
            if partner == account and partner._kam_holds_account_data():
                message = self.env._(
                    "“%s” is a key account: only its key account manager, its account team or a key account "
                    "manager may delete it or merge it with other partners.",
                    partner.display_name,
                )
            elif partner._kam_is_key_contact():
                message = self.env._(
                    "“%(contact)s” is a key contact of the key account “%(account)s”: only its key account manager, "
                    "its account team or a key account manager may delete it or merge it with other partners.",
                    contact=partner.display_name,
                    account=account.display_name,
                )
            else:
                continue
            account.with_env(self.env)._kam_require_member_edit(message)

    def _kam_require_member_edit(self, message):
        """AccessError with ``message`` unless the current user may edit the
        key-account information of this account: a key account manager, or a
        key account user who manages it or is in its team."""
        self.ensure_one()
        if self.env.su or self.env.user.has_group("key_account_management.group_kam_manager"):
            return
        if not (self.env.user.has_group("key_account_management.group_kam_user") and self._kam_is_member()):
            raise AccessError(message)

    def _kam_holds_account_data(self):
        """This commercial entity carries a key-account profile (flag,
        manager, team, competitor text) or records of the addon hang on it
        (interactions, preferences, plans... kept when an account is paused):
        whoever takes control of it reads them."""
        self.ensure_one()
        partner = self.sudo()
        if (
            partner.kam_is_key_account
            or partner.kam_manager_id
            or partner.kam_team_user_ids
            or partner.kam_competitor_notes_text
        ):
            return True
        if not isinstance(partner.id, int):
            return False  # a partner being created: no record hangs on it yet
        # one query over the tables of every account-bound model
        tables = [
            self.env[model]._table
            for model in self.env.registry.descendants(["kam.account.mixin"], "_inherit")
            if not self.env[model]._abstract and self.env[model]._auto
        ]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(" UNION ALL ").join(
                SQL("(SELECT 1 FROM %s WHERE partner_id = %s LIMIT 1)", SQL.identifier(table), partner.id)
                for table in tables
            )
        )
        return bool(self.env.cr.fetchone())

    def _kam_check_move(self, vals):
        """Re-parenting and company-type changes move a partner under another
        commercial entity, whose key-account values Odoo then copies onto it
        (commercial-field sync). A key account only moves by the hands of
        those who may edit it: else anyone could put a colleague's account
        under their own and take its manager, team and confidential records."""
        if self.env.su or not (vals.keys() & {"parent_id", "is_company"}):
            return
        # the orders a move would open: one check for the partners moved under the same account (an
        # import of contacts under one account, a company made a contact)
        moves = [
            (partner, partner.sudo().commercial_partner_id, partner._kam_new_commercial_partner(vals))
            for partner in self
        ]
        gaining = defaultdict(lambda: self.browse())
        for partner, old, new in moves:
            if new is not None and new != old:
                gaining[new] |= partner
        for new, partners in gaining.items():
            partners._kam_check_orders_gained(new)
        for partner, old, new in moves:
            if partner.sudo() != old:
                # a contact: its key-contact details (buying role, birthday...) go with it
                if new is not None and new != old and partner._kam_is_key_contact():
                    old.with_env(self.env)._kam_require_member_edit(
                        self.env._(
                            "“%(contact)s” is a key contact of the key account “%(account)s”: only its key account "
                            "manager, its account team or a key account manager may move it to another company.",
                            contact=partner.sudo().display_name,
                            account=old.display_name,
                        )
                    )
                continue
            # cheap tests first: most such writes (imports, the company type set on a form) move nothing
            reparented = "parent_id" in vals and (vals["parent_id"] or False) != (partner.sudo().parent_id.id or False)
            if new is None or (new == old and not reparented) or not old._kam_holds_account_data():
                continue
            partner._kam_require_member_edit(
                self.env._(
                    "“%s” is a key account: only its key account manager, its account team or a key account "
                    "manager may put it under another company or change its company type.",
                    partner.sudo().display_name,
                )
            )

    @api.model
    @tools.ormcache()
    def _kam_contact_fields(self):
        """The addon's stored fields a user types on contacts (buying role,
        influence, birthday...): neither account fields shared through the
        commercial sync nor figures of the jobs."""
        return frozenset(
            name
            for name, field in self._fields.items()
            if name.startswith("kam_")
            and field.store
            and not field.compute
            and not field.readonly
            and name not in KAM_ACCOUNT_FIELDS | KAM_MANAGER_FIELDS
        )

    def _kam_check_contact_edit(self, vals, creating=False):
        """The key-account details of an account's contacts are changed by the
        account's manager and team and by key account managers only."""
        fnames = vals.keys() & self._kam_contact_fields()
        if not fnames or self.env.user.has_group("key_account_management.group_kam_manager"):
            return
        message = self.env._(
            "Only the key account manager and the account team of “%s” (or a key account manager) may change "
            "the key-account details of its contacts (buying role, influence, relationship, birthday...)."
        )
        for partner in self:
            if creating:
                parent = self.browse(vals.get("parent_id") or []).sudo().exists()
                account = parent.commercial_partner_id
                if not {f for f in fnames if vals[f]}:
                    continue
            else:
                account = partner._kam_new_commercial_partner(vals)
                if account is None or not partner._kam_changed_fields(vals, fnames):
                    continue
            # a refusal names the account (read as superuser) only to whoever may read it: to others,
            # Odoo's access error
            if account and account._kam_holds_account_data():
                try:
                    account.with_env(self.env)._kam_require_member_edit(message % account.display_name)
                except AccessError:
                    account.with_env(self.env).check_access("read")
                    raise
            elif not self.env.user.has_group("key_account_management.group_kam_user"):
                if account:
                    account.with_env(self.env).check_access("read")
                raise AccessError(message % (account.display_name or partner.sudo().display_name or ""))

    def _kam_check_edit(self, vals, creating=False):
        """Refuse key-account changes the current user may not make.

        Contacts share their company's key-account values: Odoo's commercial
        sync writes them (as superuser); nobody writes other values on a
        contact directly.
        """
        if self.env.su:
            return
        self._kam_check_contact_edit(vals, creating)
        fnames = vals.keys() & (KAM_ACCOUNT_FIELDS | KAM_MANAGER_FIELDS)
        if not fnames:
            return
        user = self.env.user
        is_manager = user.has_group("key_account_management.group_kam_manager")
        is_user = user.has_group("key_account_management.group_kam_user")
        marked = self.browse()
        for partner in self:
            if creating:
                changed = {f for f in fnames if vals[f]}
            else:
                commercial = partner._kam_new_commercial_partner(vals)
                if commercial is not None and commercial != partner.sudo():
                    if partner._kam_changed_fields(vals, fnames, against=commercial):
                        # a company the user may not read is not named (read as superuser)
                        commercial.with_env(self.env).check_access("read")
                        raise UserError(
                            self.env._(
                                "“%(contact)s” is a contact of “%(company)s”: its key-account information is its "
                                "company's. Change it on “%(company)s”.",
                                contact=partner.sudo().display_name,
                                company=commercial.display_name,
                            )
                        )
                    continue
                changed = partner._kam_changed_fields(vals, fnames)
            if not changed or is_manager:
                continue
            if not is_user:
                raise AccessError(
                    self.env._(
                        "Only key account users can change key-account information (%s).", partner.sudo().display_name
                    )
                )
            if changed & KAM_MANAGER_FIELDS:
                raise AccessError(
                    self.env._(
                        "Only key account managers can set or lock the tier of “%s”. "
                        "Use “Recompute Tier” to apply the tier rules.",
                        partner.display_name,
                    )
                )
            # marking a partner as key account: anyone of the key account users, unless the
            # partner still holds a (paused) key account's profile or records
            marking = (
                not partner.sudo().kam_is_key_account
                and vals.get("kam_is_key_account")
                and not partner._kam_holds_account_data()
            )
            if not creating and vals.get("kam_is_key_account") and not partner.sudo().kam_is_key_account:
                # marked, or a paused account marked again (its contacts may have changed meanwhile)
                marked |= partner
            if not (creating or marking or partner._kam_is_member(user)):
                raise AccessError(
                    self.env._(
                        "You can only edit key-account information of accounts you manage or whose team "
                        "you belong to (“%s”). Ask its key account manager or a key account manager.",
                        partner.display_name,
                    )
                )
        # a key account's manager and team read its orders (the addon's rule on sales orders): a key
        # account user marks only partners whose orders they read
        unreadable = marked._kam_with_unreadable_orders(own=True) if marked else marked
        if unreadable:
            raise AccessError(
                self.env._(
                    "“%(partner)s” has sales orders you may not read: only a key account manager may mark it as "
                    "key account, as its key account manager and team read its orders.",
                    partner=unreadable.display_name,
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model
    @tools.ormcache()
    def _kam_input_fields(self):
        """The addon's fields on partners, whose input is checked (values of
        the wrong type or out of the database's range)."""
        return frozenset(fname for fname, field in self._fields.items() if field._module == "key_account_management")

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, self._kam_input_fields())
        for vals in vals_list:
            if not self.env.su:
                if isinstance(vals.get("parent_id"), int) and vals.keys() & self._kam_input_fields():
                    # a parent the user may not read (another company's) gets Odoo's access error:
                    # the key-account checks and constraints name it (read as superuser)
                    self.browse(vals["parent_id"]).check_access("read")
                self._kam_check_job_fields(vals)
                self.new({})._kam_check_commercial_partner(vals)
                self.new({})._kam_check_edit(vals, creating=True)
            if vals.get("kam_is_key_account") and not vals.get("kam_key_account_since"):
                vals["kam_key_account_since"] = fields.Date.context_today(self)
            if vals.get("kam_is_key_account") and not vals.get("company_id") and not vals.get("parent_id"):
                # a key account belongs to the company that manages it (see _kam_set_company)
                vals["company_id"] = self.env.company.id
            elif vals.get("parent_id") and not vals.get("company_id") and isinstance(vals["parent_id"], int):
                # its contacts too: they carry its key-account values (commercial sync)
                parent = self.browse(vals["parent_id"]).sudo().exists()
                if parent.commercial_partner_id.kam_is_key_account and parent.commercial_partner_id.company_id:
                    vals["company_id"] = parent.commercial_partner_id.company_id.id
        partners = super().create(vals_list)
        partners._check_kam_contact_company()
        # key accounts created without a tier of their own get their first one (an imported tier stays)
        untiered = partners.browse(
            partner.id for partner, vals in zip(partners, vals_list, strict=True) if not vals.get("kam_tier_id")
        )
        Engine = self.env["kam.tier.engine"]
        if untiered:
            Engine._first_tier(untiered)
        # a tier given at creation is logged (the first tier of the others is logged by _first_tier)
        given = partners.browse(
            partner.id for partner, vals in zip(partners, vals_list, strict=True) if vals.get("kam_tier_id")
        )
        # sudo: whoever creates a partner may not read tiers
        tiered = given.sudo().filtered(lambda p: p.kam_tier_id and p == p.commercial_partner_id).with_env(self.env)
        if tiered:
            Engine._log_tier_changes({p: (self.env["kam.tier"], p.kam_tier_id) for p in tiered}, "manual")
        return partners

    def unlink(self):
        if not self.env.su:
            # Odoo's access check first: the key-account checks name the partners (read as superuser)
            self.check_access("unlink")
        self._kam_check_removal()
        return super().unlink()

    def _kam_cut_reports_to(self):
        """“Reports To” stays within an account: a contact moved to another
        account (or made a company), with its own contacts, no longer reports
        to the people of its former account, nor they to it."""
        # one query: the moved partners and their contacts that report to someone, and who reports to them
        stale = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("kam_reports_to_id", "!=", False),
                    "|",
                    ("id", "child_of", self.ids),
                    ("kam_reports_to_id", "child_of", self.ids),
                ]
            )
            .filtered(
                lambda p: (
                    p.kam_reports_to_id.commercial_partner_id != p.commercial_partner_id
                    or p.kam_reports_to_id.is_company
                )
            )
        )
        if stale:
            stale.kam_reports_to_id = False

    def _kam_merge_vals(self, vals):
        """``vals`` of the merge wizard's write on the destination partner
        (``kam_partner_merge`` in the context), without the jobs' figures and
        without a “Reports To” that would lead back to the partner itself.
        Only leaves values out: whatever the context, nothing more is
        written."""
        vals = {fname: value for fname, value in vals.items() if fname not in self._kam_job_fields()}
        boss, seen = self.sudo().browse(vals.get("kam_reports_to_id") or ()), set()
        while boss and boss.id not in seen:
            if boss.id in self.ids:
                del vals["kam_reports_to_id"]
                break
            seen.add(boss.id)
            boss = boss.kam_reports_to_id
        return vals

    def write(self, vals):
        if self.env.context.get("kam_partner_merge"):
            vals = self._kam_merge_vals(vals)
        # tracking prepared for the written fields only when they are all key-account fields
        track_fields = frozenset(vals) if vals and all(fname.startswith("kam_") for fname in vals) else None
        if self.env.context.get("kam_track_fields") != track_fields:
            return self.with_context(kam_track_fields=track_fields).write(vals)
        company_synced = self.env.context.get("kam_company_synced")
        if (
            company_synced
            and vals.keys() == {"company_id"}
            and vals["company_id"] == company_synced
            and all(partner.company_id.id == company_synced for partner in self.sudo())
        ):
            return True  # contacts already given the company in bulk (_kam_set_company)
        try:
            check_input(self, [vals], self._kam_input_fields())
            self._kam_check_job_fields(vals)
            self._kam_check_commercial_partner(vals)
            self._kam_check_move(vals)
            self._kam_check_edit(vals)
            if "company_id" in vals and not vals["company_id"]:
                self._kam_check_company_kept()
        except UserError:
            if not self.env.su:
                # Odoo's access error first: the key-account checks name the partners (read as
                # superuser), which whoever may not write them (a portal user, another company)
                # must not learn. Only on a refusal: Odoo's write checks the access anyway, and
                # the check costs as much as the write of many partners
                self.check_access("write")
            raise
        # key account since: set on the accounts that have no date yet, never overwritten
        since_missing = self.browse()
        if vals.get("kam_is_key_account") and "kam_key_account_since" not in vals:
            since_missing = self.sudo().filtered(lambda p: not p.kam_key_account_since)
        newly_key = self.browse()
        if vals.get("kam_is_key_account"):
            newly_key = self.filtered(lambda p: not p.sudo().kam_is_key_account and p.sudo() == p.commercial_partner_id)
        # several accounts get the same key-account values (marking many at once, an import): their
        # contacts get them in one write, not one per account (Odoo's commercial sync)
        batched = set()
        if len(self) > 1 and not self.env.context.get("kam_batched_sync"):
            batched = vals.keys() & set(self._commercial_fields()) & self._kam_batched_sync_fields()
        # contacts leaving their key account for no company, a company of their own or a company that is
        # no key account: they drop the account's values first (_kam_drop_account_values)
        leaving = {}
        if "parent_id" in vals or vals.get("is_company"):
            for partner in self.sudo():
                old = partner.commercial_partner_id
                if old == partner or not old.kam_is_key_account:
                    continue
                new = partner._kam_new_commercial_partner(vals)
                if new is not None and new != old and (new == partner or not new.kam_is_key_account):
                    leaving[partner.id] = old
        if leaving:
            self._kam_drop_account_values(leaving, keep=vals.keys())
        watch = {}
        if vals.keys() & KAM_MANAGER_FIELDS:
            # as sudo: the lock is account-private (masked for users outside the team)
            watch = {p: (p.sudo().kam_tier_id, p.sudo().kam_tier_locked) for p in self if p == p.commercial_partner_id}
        if (
            vals.get("parent_id")
            and "company_id" not in vals
            and isinstance(vals["parent_id"], int)
            and not vals.get("is_company", any(partner.is_company for partner in self))
        ):
            # a contact put under a key account gets its company (as created there; see create)
            account = self.browse(vals["parent_id"]).sudo().exists().commercial_partner_id
            if account.kam_is_key_account and account.company_id:
                vals = dict(vals, company_id=account.company_id.id)
        moving = COMPANY_MOVING.get()
        # Odoo gives the new company to the contacts before the company itself: they are checked with
        # it, once both are written (below)
        token = COMPANY_MOVING.set(True) if "company_id" in vals and not moving else None
        try:
            if batched:
                res = super(ResPartner, self.with_context(kam_batched_sync=frozenset(batched))).write(vals)
                self._kam_sync_contacts(batched)
            else:
                res = super().write(vals)
        finally:
            if token is not None:
                COMPANY_MOVING.reset(token)
        if not moving and vals.keys() & {"company_id", "parent_id", "is_company"}:
            self._check_kam_contact_company()
        if "company_id" in vals and not moving:
            self._kam_move_records_to_company()
        if "parent_id" in vals or "is_company" in vals:
            self._kam_cut_reports_to()
        if since_missing:
            # mail_notrack: the date is not tracked (no chatter either way), and the tracking
            # would read every tracked field of the accounts and their contacts once more
            since_missing.with_context(mail_notrack=True).write(
                {"kam_key_account_since": fields.Date.context_today(self)}
            )
        if vals.get("kam_is_key_account"):
            self._kam_set_company()
        Engine = self.env["kam.tier.engine"]
        # accounts whose tier change was logged: the _kam_tier_changed hook ran for them
        logged = set()
        if newly_key and "kam_tier_id" not in vals:
            # a new key account gets its figures and first tier at once, in bulk (a write, an import
            # or the button alike; unless the tier is given)
            logged.update(partner.id for partner in Engine._first_tier(newly_key))
            # their tier change is logged there: not again below
            for partner in newly_key:
                watch.pop(partner, None)
        if watch:
            changes, locks, unlocks = {}, {}, {}
            for partner, (old_tier, old_locked) in watch.items():
                new_tier, new_locked = partner.sudo().kam_tier_id, partner.sudo().kam_tier_locked
                if new_tier != old_tier:
                    changes[partner] = (old_tier, new_tier)
                elif new_locked and not old_locked:
                    locks[partner] = (old_tier, new_tier)
                elif old_locked and not new_locked:
                    unlocks[partner] = (old_tier, new_tier)
            reason = vals.get("kam_tier_lock_reason") or self.env.context.get("kam_tier_reason")
            if changes:
                Engine._log_tier_changes(changes, "lock" if vals.get("kam_tier_locked") else "manual", reason)
                Engine._apply_tier_pricelists(changes)
            if locks:
                Engine._log_tier_changes(locks, "lock", reason)
            if unlocks:
                Engine._log_tier_changes(unlocks, "unlock", self.env.context.get("kam_tier_reason"))
            logged.update(partner.id for partner in (*changes, *locks, *unlocks))
        if newly_key:
            # the duties every key account needs (proposed by the hook for those whose tier was logged)
            newly_key.filtered(lambda p: p.id not in logged)._kam_propose_responsibilities()
        return res

    def _kam_drop_account_values(self, accounts, keep=()):
        """Contacts about to leave their key account (``accounts``: {contact
        id: former account}) for no company, a company of their own or a
        company that is no key account drop the account's values that Odoo's
        commercial sync had given them (key account, manager, team, tier,
        notes...), before they move: else a contact detached by anyone
        allowed to edit it became a key account of its own, with the former
        account's manager and notes, that the same user could neither put
        back nor delete; and a contact moved under a plain company was
        refused, a key account's contact under a company that is none. (A
        contact moved under another key account gets its values from the
        sync.) The former accounts are stamped changed: their figures lose
        the contact's orders (as for a deleted interaction,
        ``kam.interaction._kam_mark_changed``). Their own contacts drop them
        too (Odoo's sync only passes on the values it writes); the values
        in ``keep`` (written with the move: a key account of its own) stay."""
        left = self.sudo().browse(list(accounts))
        left = left.with_context(active_test=False).search([("id", "child_of", left.ids)]) | left
        empty = {
            fname: [Command.clear()] if self._fields[fname].type == "many2many" else False
            for fname in self._kam_account_commercial_fields()
            if fname not in keep
        }
        self.env["kam.interaction"]._kam_mark_changed(self.env["res.partner"].union(*accounts.values()))
        # the addon's own checks and tier log are skipped (nothing the user chose): Odoo's write only
        return super(ResPartner, left.with_context(mail_notrack=True)).write(empty)

    def _kam_move_records_to_company(self):
        """The records of these accounts (interactions, plans, reviews,
        preferences... every ``kam.account.mixin`` model) in another company
        than the account's follow it, with the lines that follow them
        (checklist lines, objectives): an account that moved to another
        company left them where the other company's users read them. Rows
        the daily stages compute (``_kam_computed_rows``: figures of the
        former company, in its currency) are dropped instead; the account's
        write date has moved, so the next daily run computes them again."""
        accounts = self.sudo().filtered(lambda p: p.company_id and p == p.commercial_partner_id)
        if not accounts:
            return
        models_ = [
            self.env[name].sudo().with_context(active_test=False)
            for name in self.env.registry.descendants(["kam.account.mixin"], "_inherit")
            if not self.env[name]._abstract
            and self.env[name]._auto
            and all(self.env[name]._fields[fname].store for fname in ("partner_id", "company_id"))
        ]
        if not models_:
            return
        # one query for every model (most company writes move nothing: a user's creation, marking)
        self.flush_model(["company_id"])
        for Model in models_:
            Model.flush_model(["partner_id", "company_id"])
        self.env.cr.execute(
            SQL(" UNION ALL ").join(
                SQL(
                    """SELECT %s, r.id FROM %s r JOIN res_partner p ON p.id = r.partner_id
                        WHERE r.partner_id = ANY(%s) AND r.company_id IS DISTINCT FROM p.company_id""",
                    index,
                    SQL.identifier(Model._table),
                    accounts.ids,
                )
                for index, Model in enumerate(models_)
            )
        )
        moved = defaultdict(list)
        for index, record_id in self.env.cr.fetchall():
            moved[index].append(record_id)
        for index, ids in moved.items():
            Model = models_[index]
            # (a line dropped with the rows before it, e.g. an objective of a computed row)
            records = Model.browse(ids).exists()
            if Model._kam_computed_rows:
                records.unlink()
                continue
            for company in records.partner_id.company_id:
                records.filtered(lambda record, company=company: record.partner_id.company_id == company).write(
                    {"company_id": company.id}
                )

    @api.model
    def _kam_account_commercial_fields(self):
        """The addon's fields shared by an account with its contacts (Odoo's
        commercial sync)."""
        return [fname for fname in self._commercial_fields() if fname.startswith("kam_")]

    def _kam_set_company(self):
        """A key account belongs to the company that manages it: marked
        without a company, it gets the current one (its contacts follow, as
        Odoo propagates the company to them). Its figures then count that
        company's orders and invoices only, and users of other companies do
        not see it: key-account data never crosses companies. A customer
        that several companies manage as key account is one partner per
        company, as usual in a multi-company Odoo."""
        shared = self.sudo().filtered(lambda p: not p.company_id and p == p.commercial_partner_id)
        if not shared:
            return
        company_id = self.env.company.id
        # Odoo gives the company to the contacts account by account (one write of each account's
        # contacts): here one write for the contacts of all the accounts, which the accounts' own
        # write then finds done (see write). As the current user, as Odoo does: the contacts they
        # read (Odoo's child_ids); a contact of another company, which they cannot read, stays there.
        # mail_notrack: the company is not tracked (no chatter either way)
        synced = self.with_context(kam_company_synced=company_id, mail_notrack=True)
        contacts = synced.search([("commercial_partner_id", "in", shared.ids), ("id", "not in", shared.ids)])
        if contacts:
            contacts.write({"company_id": company_id})
        shared.with_env(synced.env).write({"company_id": company_id})

    @api.model
    @tools.ormcache()
    def _kam_batched_sync_fields(self):
        """The addon's commercial fields synced to contacts in one write when
        several accounts get them at once."""
        return frozenset(name for name in self._commercial_fields() if name.startswith("kam_"))

    def _children_sync(self, values):
        batched = self.env.context.get("kam_batched_sync")
        if batched:
            # synced for all the accounts of the write at once (_kam_sync_contacts)
            values = {fname: value for fname, value in values.items() if fname not in batched}
        return super()._children_sync(values)

    def _commercial_sync_to_children(self, fields_to_sync=None):
        if fields_to_sync is not None and not fields_to_sync:
            return True  # nothing left to sync (the rest was synced in one batch)
        return super()._commercial_sync_to_children(fields_to_sync)

    def _kam_sync_contacts(self, fnames):
        """Odoo's commercial sync of ``fnames``, for all these accounts at once:
        their contacts (at any depth, not companies) get the accounts' values,
        one write per distinct set of values instead of one per account."""
        accounts = self.sudo().filtered(lambda p: p == p.commercial_partner_id)
        if not accounts:
            return
        contacts = accounts.with_context(active_test=True).search(
            [("commercial_partner_id", "in", accounts.ids), ("id", "not in", accounts.ids)]
        )  # active ones, as Odoo's sync (child_ids)
        # the values of each account once, then one write per distinct set of values
        values = {account.id: account._update_fields_values(fnames) for account in contacts.commercial_partner_id}
        groups = defaultdict(list)
        for contact in contacts:
            account_values = values[contact.commercial_partner_id.id]
            groups[tuple(sorted((k, str(v)) for k, v in account_values.items()))].append(contact.id)
        for ids in groups.values():
            group = contacts.browse(ids)
            group.write(values[group[:1].commercial_partner_id.id])

    def _kam_check_company_kept(self):
        """A key account keeps a company (see _kam_set_company): without one,
        its figures would mix the orders of every company."""
        accounts = self.env["kam.job"]._key_accounts(self.sudo())
        if accounts:
            raise ValidationError(
                self.env._(
                    "A key account belongs to the company that manages it, so that its figures count that "
                    "company's orders only: choose another company for %(accounts)s instead of none, or "
                    "unmark it as key account first.",
                    accounts=", ".join(accounts.mapped("display_name")),
                )
            )

    @api.model
    def _kam_assign_missing_companies(self):
        """Key accounts marked before 18.0.1.4.0 could have no company (their
        figures then mixed companies). Give each one a company: its key
        account manager's, else the company of most of its orders, else the
        main company. Returns {partner id: company id}."""
        accounts = (
            self.sudo()
            .with_context(active_test=False)
            .search(self.env["kam.job"]._key_account_domain() + [("company_id", "=", False)])
        )
        if not accounts:
            return {}
        orders = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [("partner_id.commercial_partner_id", "in", accounts.ids), ("state", "=", "sale")],
                ["partner_id", "company_id"],
                ["__count"],
            )
        )
        order_counts = defaultdict(lambda: defaultdict(int))
        for partner, company, count in orders:
            order_counts[partner.commercial_partner_id.id][company.id] += count
        main = self.env.ref("base.main_company", raise_if_not_found=False) or self.env["res.company"].search(
            [], limit=1
        )
        assigned = {}
        for account in accounts:
            counts = order_counts.get(account.id)
            company = account.kam_manager_id.company_id.id or (
                max(counts, key=lambda company_id: (counts[company_id], -company_id)) if counts else main.id
            )
            assigned[account.id] = company
        by_company = defaultdict(list)
        for account_id, company_id in assigned.items():
            by_company[company_id].append(account_id)
        for company_id, ids in by_company.items():
            # the ORM write: Odoo gives the company to the contacts too, and refuses a company that
            # the users of a contact do not have: such an account keeps no company, and is logged
            try:
                with self.env.cr.savepoint():
                    self.sudo().browse(ids).write({"company_id": company_id})
            except (UserError, ValidationError):
                for account_id in ids:
                    try:
                        with self.env.cr.savepoint():
                            self.sudo().browse(account_id).write({"company_id": company_id})
                    except (UserError, ValidationError) as error:
                        _logger.warning("key account %s keeps no company: %s", account_id, error)
                        del assigned[account_id]
        return assigned

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_kam_mark_key_account(self):
        """Mark the commercial entities of the selected partners as key
        accounts (the current user becomes manager where there is none),
        then compute their figures and tier."""
        accounts = self.commercial_partner_id.filtered(lambda p: not p.kam_is_key_account)
        if not accounts:
            raise UserError(self.env._("The selected partners are already key accounts."))
        # two writes for any number of accounts; the write computes their figures and first tier
        managed = accounts.filtered("kam_manager_id")
        if managed:
            managed.write({"kam_is_key_account": True})
        if accounts - managed:
            (accounts - managed).write({"kam_is_key_account": True, "kam_manager_id": self.env.user.id})
        if len(accounts) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": accounts.id,
                "view_mode": "form",
                "target": "current",
            }
        return True

    def action_kam_recompute_tier(self):
        """Recompute figures and tier now. One account: its manager, team or
        a key account manager; several at once: key account managers."""
        accounts = self._kam_accounts_to_refresh(
            self.env._("Only key account managers can recompute the tiers of several accounts at once."),
            self.env._("You can only recompute the tier of accounts you manage or whose team you belong to."),
        )
        self.env["kam.tier.engine"].sudo()._recompute(accounts.sudo())
        return True

    def _kam_accounts_to_refresh(self, several_refused, not_member_refused):
        """The key accounts of these partners that the user may refresh by
        hand (tier, health): one account for its manager and team, any
        number for key account managers; else AccessError with the given
        messages."""
        accounts = self.commercial_partner_id.filtered("kam_is_key_account")
        if not accounts:
            raise UserError(self.env._("Select key accounts: none of the selected partners is a key account."))
        if len(accounts) == 1:
            accounts._kam_require_member_edit(not_member_refused)
        elif not (self.env.su or self.env.user.has_group("key_account_management.group_kam_manager")):
            raise AccessError(several_refused)
        return accounts

    def _kam_account_action(self, xmlid, create=False, domain=None, views=None, **context):
        """The window action ``xmlid`` opened on the records of this
        partner's account (its commercial entity): the "open the account's
        X" of the smart buttons.

        :param create: new records get the account; else the views offer no
            "New" (records the jobs write)
        :param domain: default: the records whose ``partner_id`` is the account
        :param views: view types to show, the first one opened
        :param context: further context keys
        """
        self.ensure_one()
        account = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain or [("partner_id", "=", account.id)]
        action["context"] = dict({"default_partner_id": account.id} if create else {"create": False}, **context)
        if views:
            action["view_mode"] = ",".join(views)
            action["views"] = [(False, view) for view in views]
        return action

    def action_kam_view_tier_history(self):
        return self._kam_account_action("key_account_management.kam_tier_history_action")

    def action_kam_view_sale_orders(self):
        self.ensure_one()
        domain = [("partner_id", "child_of", self.commercial_partner_id.id), ("state", "=", "sale")]
        return self._kam_account_action("sale.action_orders", domain=domain)

    # ------------------------------------------------------------------
    # Glue: key contacts and interactions
    # ------------------------------------------------------------------
    @api.constrains("kam_birthday")
    def _check_kam_birthday(self):
        today = latest_today()
        for partner in self.sudo():  # account-private fields: the real values
            check_range(
                partner,
                "kam_birthday",
                DATE_MIN,
                today,
                lambda partner=partner: self.env._(
                    "The birthday of “%s” cannot be in the future.", partner.display_name
                ),
            )

    @api.constrains("kam_referrer_id")
    def _check_kam_referrer(self):
        for partner in self.sudo():  # account-private field: the real value
            referrer = partner.kam_referrer_id
            # on the account: its contacts copy its value (commercial sync), and a refusal there
            # would name the account's referrer to whoever moves a contact
            if referrer and partner == partner.commercial_partner_id and referrer.commercial_partner_id == partner:
                raise ValidationError(
                    self.env._(
                        "“%(account)s” cannot be referred by itself or by one of its own contacts (%(referrer)s).",
                        account=partner.commercial_partner_id.display_name,
                        referrer=referrer.display_name,
                    )
                )

    @api.constrains(*SOCIAL_FIELDS)
    def _check_kam_social(self):
        """One account per field, on one line; LinkedIn as the profile's
        address (shown as a link: nothing but https to linkedin.com)."""
        for partner in self.sudo():  # account-private fields: the real values
            for fname in SOCIAL_FIELDS:
                value = partner[fname]
                if not value:
                    continue
                label = partner._fields[fname]._description_string(self.env)
                if len(value) > SOCIAL_MAX or not value.isprintable():
                    raise ValidationError(
                        self.env._(
                            "%(field)s of “%(contact)s”: one account on one line, at most %(max)s characters.",
                            field=label,
                            contact=partner.display_name,
                            max=SOCIAL_MAX,
                        )
                    )
                if fname == "kam_linkedin" and not LINKEDIN_URL.match(value):
                    raise ValidationError(
                        self.env._(
                            "LinkedIn of “%(contact)s”: give the profile's address, such as "
                            "https://www.linkedin.com/in/name (got “%(value)s”).",
                            contact=partner.display_name,
                            value=value,
                        )
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

    @api.constrains("kam_reports_to_id")
    def _check_kam_reports_to(self):
        for partner in self.sudo():  # account-private field: the real values
            boss = partner.kam_reports_to_id
            if not boss:
                continue
            if partner == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "“%s” is the account itself: only its contacts report to someone in it.", partner.display_name
                    )
                )
            if boss == partner or boss.commercial_partner_id != partner.commercial_partner_id or boss.is_company:
                raise ValidationError(
                    self.env._(
                        "“%(contact)s” can only report to another contact of the same account (not %(boss)s).",
                        contact=partner.display_name,
                        boss=boss.display_name,
                    )
                )
        if self.sudo()._has_cycle("kam_reports_to_id"):
            raise ValidationError(
                self.env._(
                    "“Reports To” would go round in a circle (%s): someone must be at the top.",
                    ", ".join(self.sudo().mapped("display_name")),
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

        :param figures: ``kam.account.figures._interaction_figures`` of these
            accounts and ``current``: their stored values
            (``kam.job._read_columns``), both read by the scheduled job for
            all accounts at once
        """
        ids = [pid for pid in self.ids if pid]
        if not ids:
            return
        if figures is None:
            figures = self.env["kam.account.figures"]._interaction_figures(ids)
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
        return self.env["kam.account.figures"]._interaction_figures(ids)

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
        return self._kam_account_action("key_account_management.kam_interaction_action", create=True)

    # ------------------------------------------------------------------
    # Glue: contact cadence and customer care
    # ------------------------------------------------------------------
    @api.constrains("kam_contact_interval_days")
    def _check_kam_contact_interval_days(self):
        for partner in self.sudo():  # account-private fields: the real values
            if partner.kam_contact_interval_days < 0:
                raise ValidationError(
                    self.env._(
                        "The contact interval of “%s” cannot be negative: enter a number of days, "
                        "or 0 to use the interval of its tier.",
                        partner.display_name,
                    )
                )
            if partner.kam_contact_interval_days > MAX_INTERVAL_DAYS:
                raise ValidationError(
                    self.env._(
                        "The contact interval of “%(account)s” is a number of days from 1 to %(max)s, "
                        "or 0 to use the interval of its tier.",
                        account=partner.display_name,
                        max=MAX_INTERVAL_DAYS,
                    )
                )

    @api.constrains("kam_key_account_since", "kam_contract_date")
    def _check_kam_account_dates(self):
        """Key account since is not in the future (reviews and figures count
        from it; in the future everywhere, see :func:`latest_today`), contract
        dates within the dates the addon accepts."""
        today = latest_today()
        for partner in self.sudo():  # account-private fields: the real values
            check_range(
                partner,
                "kam_key_account_since",
                DATE_MIN,
                today,
                lambda partner=partner: self.env._(
                    "“Key Account Since” of “%(account)s” cannot be in the future (or before %(min)s).",
                    account=partner.display_name,
                    min=DATE_MIN,
                ),
            )
            check_range(partner, "kam_contract_date", DATE_MIN, DATE_MAX)

    @api.depends(
        "commercial_partner_id.kam_contact_interval_days",
        "commercial_partner_id.kam_tier_id.contact_interval_days",
        "commercial_partner_id.kam_last_interaction_date",
        "commercial_partner_id.kam_is_key_account",
    )
    @api.depends_context("uid")
    def _compute_kam_contact_cadence(self):
        now = fields.Datetime.now()
        for partner in self:
            account = partner.commercial_partner_id
            interval = effective_interval(account)
            partner.kam_effective_contact_interval = interval
            last = account.kam_last_interaction_date
            # an interval out of bounds (older data) gives no cadence, not an overflow
            partner.kam_contact_overdue = bool(
                account.kam_is_key_account
                and 0 < interval <= MAX_INTERVAL_DAYS
                and (not last or last < now - timedelta(days=interval))
            )

    def _search_kam_contact_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Search “Overdue for Contact” with = or != and True or False."))
        overdue = self.env["kam.cadence.engine"]._overdue_account_ids()
        if not private.sees_all_accounts(self.env):
            # another team's account is never found by its (account-private) cadence
            overdue = self.sudo()._search([("id", "in", overdue)] + self.env["kam.job"]._member_domain())
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", overdue)]

    @api.model
    def _cron_kam_contact_cadence(self, batch_size=None):
        return self.env["kam.cadence.engine"]._run_cadence(batch_size=batch_size)

    @api.model
    def _cron_kam_customer_care(self, batch_size=None):
        return self.env["kam.cadence.engine"]._run_care(batch_size=batch_size)

    # ------------------------------------------------------------------
    # Glue: health and risk
    # ------------------------------------------------------------------
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

    @api.model
    def _cron_kam_health(self, batch_size=None, full=False):
        """Daily: the health and risk stage (kam.health.engine ``_run``)."""
        return self.env["kam.health.engine"]._run(batch_size=batch_size, full=full)

    def _kam_refresh_health(self):
        """Health and risk of these key accounts now (kam.health.engine ``_refresh``)."""
        self.env["kam.health.engine"]._refresh(self.commercial_partner_id.ids)

    # ------------------------------------------------------------------
    # Glue: responsibilities, preferences, reviews, import
    # ------------------------------------------------------------------
    @api.depends(
        "kam_responsibility_ids.state",
        "kam_responsibility_ids.user_id",
        "kam_responsibility_ids.raci",
        "kam_responsibility_ids.duty_id",
        "kam_tier_id",
        "kam_is_key_account",
    )
    def _compute_kam_responsibility_gaps(self):
        gaps = defaultdict(list)
        if self.ids:
            for gap in self.env["kam.responsibility.gap"].sudo().search([("partner_id", "in", self.ids)]):
                gaps[gap.partner_id.id].append(gap.duty_id.name)
        for partner in self:
            partner.kam_responsibility_gap_count = len(gaps.get(partner.id, []))
            partner.kam_missing_duty_names = ", ".join(gaps.get(partner.id, []))

    @api.depends("kam_preference_ids", "commercial_partner_id.kam_preference_ids")
    @api.depends_context("uid")
    def _compute_kam_preference_count(self):
        """Preferences of the partner's account the current user may read
        (one grouped query; contacts show their company's)."""
        counts = dict(
            self.env["kam.preference"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.kam_preference_count = counts.get(partner.commercial_partner_id, 0)

    def _kam_propose_responsibilities(self):
        return self.env["kam.responsibility"]._propose_for(self)

    @api.model
    @api.readonly
    def get_import_templates(self):
        """Core's customer template plus the key-account one (built by
        scripts/make_import_templates.py)."""
        return super().get_import_templates() + [
            {
                "label": self.env._("Import Template for Key Accounts"),
                "template": "/key_account_management/static/xls/kam_key_accounts.xlsx",
            }
        ]

    def action_kam_view_preferences(self):
        return self._kam_account_action(
            "key_account_management.kam_preference_action", create=True, search_default_group_category=1
        )

    # reorder radar (kam_reorder.py)
    def action_kam_reorder_basket(self):
        """Reorder the usual basket: a draft quotation with the usual
        quantities of the account's due and late reorders (those the user
        may read)."""
        self.ensure_one()
        Reorder = self.env["kam.reorder"]
        Reorder.check_access("read")
        account = self.commercial_partner_id
        user = self.env.user
        if not (
            user.has_group("key_account_management.group_kam_viewer_all")
            or account.kam_manager_id == user
            or user in account.kam_team_user_ids
        ):
            raise AccessError(self.env._("Only the account's manager and team can reorder its usual basket."))
        rows = Reorder.search(
            [
                ("partner_id", "=", account.id),
                ("company_id", "=", self.env.company.id),
                ("state", "in", ("due", "late")),
            ]
        )
        if not rows:
            raise UserError(self.env._("No regular order of %s is due or late.", account.display_name))
        return rows._kam_open_quotation()

    def action_kam_view_reorders(self):
        return self._kam_account_action("key_account_management.kam_reorder_action")

    # relationship coverage (kam_relationship.py)
    def action_kam_relationship_map(self):
        """The relationship map of the account (client action)."""
        self.ensure_one()
        account = self.commercial_partner_id
        return {
            "type": "ir.actions.client",
            "tag": "kam_relationship_map",
            "name": self.env._("Relationship Map: %s", account.display_name),
            "params": {"account_id": account.id},
            "context": {"active_id": account.id, "active_model": "res.partner"},
        }

    def action_kam_view_relationships(self):
        return self._kam_account_action("key_account_management.kam_relationship_action")

    # ------------------------------------------------------------------
    # Figures and tiers
    # ------------------------------------------------------------------
    @api.model
    def _cron_kam_recompute_tiers(self, batch_size=None, full=False):
        """Daily: figures and tier of the key accounts (the tier engine)."""
        return self.env["kam.tier.engine"]._run(batch_size=batch_size, full=full)

    def _kam_recompute(self):
        """Figures and tier of these key accounts now (the tier engine)."""
        return self.env["kam.tier.engine"]._recompute(self)

    def _kam_tier_changed(self):
        """What follows a tier change of these accounts (their history and
        chatter entry are written): the duties the new tier requires
        (responsibility matrix, kam.responsibility ``_propose_for``)."""
        self._kam_propose_responsibilities()

    # ------------------------------------------------------------------
    # Glue: transaction history
    # ------------------------------------------------------------------
    @api.depends_context("uid", "lang", "allowed_company_ids")
    def _compute_kam_transaction_history_html(self):
        """The history of the key accounts the user sees, rendered by the
        template the PDF profile prints too; empty on contacts, on other
        partners and on the accounts of other teams."""
        shown = self.filtered(
            lambda partner: (
                partner._origin
                and partner.kam_is_key_account
                and partner._origin == partner._origin.commercial_partner_id
                and partner._kam_sees_account()
            )
        )
        histories = self.env["kam.transaction.history"]._history(shown._origin) if shown else {}
        for partner in self:
            history = histories.get(partner._origin.id)
            partner.kam_transaction_history_html = (
                self.env["kam.transaction.history"]._render(history) if history else False
            )

    @api.readonly
    def kam_transaction_history(self):
        """{account id: transaction history} of the key accounts of these
        partners (contacts give their account): last orders with their
        lines, invoices with payment state and days to pay, credit notes
        (users of the invoicing groups only) and the products bought most.
        See ``kam.transaction.history._history``.

        :raise AccessError: for users without the key-account groups and on
            accounts the user may not read or does not manage or is not in
            the team of (key account managers and all-accounts viewers read
            every account)
        """
        accounts = self._kam_check_transaction_history()
        return self.env["kam.transaction.history"]._history(accounts)

    def _kam_check_transaction_history(self):
        """The key accounts of these partners, after checking that the user
        may read their transaction history."""
        partners = self.exists()
        if not self.env.su and not self.env.user.has_group("key_account_management.group_kam_viewer"):
            raise AccessError(self.env._("Only key account users can read the transaction history of key accounts."))
        partners.check_access("read")
        accounts = partners.sudo().commercial_partner_id.with_env(self.env)
        accounts.check_access("read")
        not_key = accounts.filtered(lambda account: not account.kam_is_key_account)
        if not_key:
            raise UserError(
                self.env._(
                    "Only key accounts have a transaction history here, and these partners are not key accounts: "
                    "%(partners)s.",
                    partners=", ".join(not_key.mapped("display_name")),
                )
            )
        foreign = accounts.filtered(lambda account: not account._kam_sees_account())
        if foreign:
            raise AccessError(
                self.env._(
                    "You can only read the transaction history of key accounts you manage or whose team you "
                    "belong to (%(accounts)s).",
                    accounts=", ".join(foreign.mapped("display_name")),
                )
            )
        return accounts
