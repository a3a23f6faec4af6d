# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, escape_psql

from .kam_activity import ActivityRequest
from .kam_input import check_input
from .kam_job import set_fillfactor

SIGNAL_TYPES = [
    ("overdue", "Overdue Receivables"),
    ("late_payment", "Late Payments"),
    ("cancellation", "Cancelled Orders"),
    ("spend_drop", "Spend Drop"),
    ("order_gap", "Order Gap"),
    ("silence", "No Contact"),
    ("low_satisfaction", "Low Satisfaction"),
    ("complaint", "Open Complaints"),
    ("unprofitable", "Unprofitable Account"),
    ("discount_creep", "Discount Creep"),
    ("single_threaded", "Single-Threaded"),
    ("key_people_unreached", "Key People Not Reached"),
    ("contacts_silent", "Contacts Gone Silent"),
    ("manual", "Entered by Hand"),
]
#: the signal type of the risks users enter (a rumour, a reorganisation at the customer...): the
#: health job neither measures nor closes them
MANUAL = "manual"

#: how a risk is answered: open (nobody answered yet), responding (an owner works on a plan),
#: resolved (by the data or by hand), dismissed (not a risk, with a reason)
RISK_STATES = [
    ("open", "Open"),
    ("responding", "Responding"),
    ("resolved", "Resolved"),
    ("dismissed", "Dismissed"),
]
#: longest snooze, in days
MAX_SNOOZE_DAYS = 366
#: what users write when they answer a risk (the rest is measured by the health job)
RESPONSE_FIELDS = {"response_user_id", "action_plan", "response_due", "state_reason", "snoozed_until"}
#: what users give a risk they enter by hand
MANUAL_FIELDS = {"partner_id", "signal_type", "severity", "description", "first_seen"}

SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]


class KamRiskSignal(models.Model):
    """A risk warning (风险预警) of a key account, computed from live data.

    One record per account and signal type while the condition holds: it is
    opened the first time the condition is seen (``first_seen``), its value
    and severity follow the data each time the health job looks at the
    account (``last_seen``), and it is closed (``resolved_on``) when the
    condition no longer holds. A later
    occurrence opens a new record, so the history shows when each episode
    started and ended.
    """

    _name = "kam.risk.signal"
    _inherit = ["kam.account.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Key Account Risk Signal"
    _order = "resolved_on desc nulls first, severity_rank desc, first_seen desc, id desc"
    _rec_name = "signal_type"

    signal_type = fields.Selection(SIGNAL_TYPES, "Signal", required=True, index=True)
    severity = fields.Selection(SEVERITIES, required=True, default="medium", index=True)
    severity_rank = fields.Integer(compute="_compute_severity_rank", store=True)
    value = fields.Float(digits=(16, 2), help="Measured value (unit depends on the signal, see Description).")
    threshold = fields.Float(digits=(16, 2), help="Threshold configured for this signal when it was last seen.")
    description = fields.Char(
        compute="_compute_description",
        inverse="_inverse_description",
        search="_search_description",
        help="What was measured, in words: value, unit and threshold (in the reader's language).",
    )
    description_data = fields.Json(
        readonly=True,
        copy=False,
        help="What the description is made of: the key of the health rule's text and its figures "
        "(or the text a user typed).",
    )
    first_seen = fields.Date(required=True, default=fields.Date.context_today, index=True)
    last_seen = fields.Date(required=True, default=fields.Date.context_today)
    resolved_on = fields.Date(index=True, copy=False)
    is_open = fields.Boolean("Open", compute="_compute_is_open", store=True, index=True)
    duration_days = fields.Integer("Days Open", compute="_compute_duration_days")
    # The answer (风险应对): who, what and by when; dismissed with a reason; snoozed until a date
    state = fields.Selection(RISK_STATES, required=True, default="open", index=True, tracking=True, copy=False)
    response_user_id = fields.Many2one(
        "res.users",
        "Response Owner",
        tracking=True,
        domain=[("share", "=", False)],
        index="btree_not_null",
        help="Who answers this risk; gets an activity due on the response date.",
    )
    action_plan = fields.Text(tracking=True, help="What will be done about the risk.")
    response_due = fields.Date(tracking=True)
    state_reason = fields.Text(
        "Reason", tracking=True, help="Why the risk was dismissed or resolved by hand (required to dismiss)."
    )
    snoozed_until = fields.Date(
        tracking=True,
        copy=False,
        help="A snoozed risk raises nothing before this date, unless it gets more severe.",
    )
    is_snoozed = fields.Boolean("Snoozed", compute="_compute_is_snoozed", search="_search_is_snoozed")
    answered_rank = fields.Integer(
        readonly=True,
        copy=False,
        help="Severity rank when the risk was dismissed or snoozed: the risk comes back only above it.",
    )
    worsened_on = fields.Date(
        "Got Worse On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The last day the risk got more severe (the weekly digest lists the risks that got worse).",
    )

    #: Free space left in each page of the table: the health job rewrites every open signal of
    #: the accounts it looks at (last seen, value); with room in the page, PostgreSQL writes the
    #: new version there without new index entries (a "HOT" update: 2-3x faster on the bench).
    FILLFACTOR = 70

    def init(self):
        res = super().init()
        set_fillfactor(self.env.cr, self._table, self.FILLFACTOR)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        # opened in bulk by the health job: no "created" message nor follower per signal;
        # the chatter is there for the risk activities raised on the signal
        vals_list = [dict({"signal_type": MANUAL}, **vals) if not self.env.su else vals for vals in vals_list]
        self._kam_check_create(vals_list)
        # (checked here: it is saved as description_data below, which the creation does not check)
        check_input(self, vals_list, {"description"})
        # a typed description is stored as typed (checked with the rest at the creation)
        vals_list = [
            dict({k: v for k, v in vals.items() if k != "description"}, description_data={"text": vals["description"]})
            if vals.get("description")
            else vals
            for vals in vals_list
        ]
        signals = super(KamRiskSignal, self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)).create(
            vals_list
        )
        signals.filtered(lambda s: s.signal_type == MANUAL)._kam_raise_response_activities()
        return signals

    def write(self, vals):
        # what a signal measured is the health job's: nobody rewrites it by hand (a manager may
        # annotate the description, until the next run describes the measure again); a risk entered
        # by hand is its author's to correct
        measured = vals.keys() & self._kam_job_fields()
        if measured and not self.env.su and all(signal.signal_type == MANUAL for signal in self):
            measured -= MANUAL_FIELDS - {"partner_id", "signal_type"}
        if "answered_rank" in vals and not self.env.su:
            measured.add("answered_rank")
        if "state" in vals and not self.env.su:
            # through the buttons: each checks what its state needs (an owner and a plan, a reason...)
            raise UserError(
                self.env._("Change the state of a risk with its buttons: Respond, Resolve, Dismiss or Reopen.")
            )
        if measured and not self.env.su:
            raise AccessError(
                self.env._(
                    "Risk signals are measured by the health job from the account's data (%s cannot be written). "
                    "Use “Refresh Health” on the account after the data changed.",
                    ", ".join(sorted(self._fields[fname].string for fname in measured)),
                )
            )
        ranks = {signal.id: signal.severity_rank for signal in self} if "severity" in vals else {}
        res = super().write(vals)
        worse = self.filtered(lambda signal: signal.severity_rank > ranks.get(signal.id, signal.severity_rank))
        if worse:
            # a risk entered by hand made more severe (the health job writes the measured ones in bulk)
            worse.sudo().write({"worsened_on": fields.Date.context_today(self)})
        self._kam_after_write(vals)
        return res

    def _kam_after_write(self, vals):
        """What follows an answer: the severity it was given at, the response
        owner's activity."""
        if vals.get("snoozed_until") or vals.get("state") == "dismissed":
            # the severity the answer was given at: the risk comes back only above it
            for signal in self.sudo():
                if signal.answered_rank != signal.severity_rank:
                    signal.answered_rank = signal.severity_rank
        if "response_user_id" in vals:
            self._kam_drop_response_activities()
        if vals.get("response_user_id"):
            self._kam_raise_response_activities()
        if vals.get("state") in ("resolved", "dismissed"):
            self._kam_drop_response_activities(keep_owner=False)

    def _kam_set_state(self, state, **vals):
        """A state button's change, once its checks passed: as the user (access
        rights and record rules apply), tracked in the chatter."""
        self.check_access("write")
        vals = dict(vals, state=state)
        # (past write's checks, which refuse the state to users: the buttons checked what it needs)
        res = super().write(vals)
        self._kam_after_write(vals)
        return res

    @api.model
    def _kam_check_create(self, vals_list):
        """Users enter risks by hand only (a rumour, a reorganisation at the
        customer): the measured ones are the health job's."""
        if self.env.su:
            return
        for vals in vals_list:
            if vals.get("signal_type", MANUAL) != MANUAL or set(vals) - MANUAL_FIELDS - RESPONSE_FIELDS - {"state"}:
                raise AccessError(
                    self.env._(
                        "Risk signals are measured by the health job; enter by hand only a risk of the type "
                        "“Entered by Hand”, with its account, severity, description and response."
                    )
                )
            if vals.get("state", "open") not in ("open", "responding"):
                raise ValidationError(self.env._("A risk entered by hand starts open or responding."))

    @api.model
    def _kam_job_fields(self):
        return {
            "description_data",
            "partner_id",
            "company_id",
            "signal_type",
            "severity",
            "value",
            "threshold",
            "first_seen",
            "last_seen",
            "resolved_on",
            "worsened_on",
        }

    @api.depends("severity")
    def _compute_severity_rank(self):
        ranks = {key: rank for rank, (key, __) in enumerate(SEVERITIES)}
        for signal in self:
            signal.severity_rank = ranks.get(signal.severity, 0)

    @api.depends("resolved_on", "state")
    def _compute_is_open(self):
        for signal in self:
            signal.is_open = not signal.resolved_on and signal.state in ("open", "responding")

    @api.depends("snoozed_until")
    @api.depends_context("tz")
    def _compute_is_snoozed(self):
        today = fields.Date.context_today(self)
        for signal in self:
            signal.is_snoozed = bool(signal.snoozed_until and signal.snoozed_until > today)

    def _search_is_snoozed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Search snoozed risks with = or != and True or False."))
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return [("snoozed_until", ">", today)]
        return ["|", ("snoozed_until", "=", False), ("snoozed_until", "<=", today)]

    @api.constrains("snoozed_until")
    def _check_snoozed_until(self):
        today = fields.Date.context_today(self)
        for signal in self:
            if signal.snoozed_until and not today < signal.snoozed_until <= today + timedelta(days=MAX_SNOOZE_DAYS):
                raise ValidationError(
                    self.env._(
                        "Snooze the risk “%(risk)s” until a date after today, at most %(days)s days ahead.",
                        risk=signal.display_name,
                        days=MAX_SNOOZE_DAYS,
                    )
                )

    @api.constrains("response_user_id")
    def _check_response_owner(self):
        # when the owner is chosen only: an owner who later leaves the account's team must not stop
        # the health job from closing or waking the risk
        for signal in self:
            user = signal.response_user_id
            if user and (user.share or not user.active or not signal.with_user(user).has_access("read")):
                # the owner's activity carries the risk and its plan
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot read the risks of %(account)s: choose as response owner the account's "
                        "key account manager, a member of its account team or a key account manager.",
                        user=user.name,
                        account=signal.partner_id.display_name,
                    )
                )

    @api.constrains("state", "action_plan", "response_user_id")
    def _check_responding(self):
        for signal in self:
            if signal.state == "responding" and not (signal.response_user_id and (signal.action_plan or "").strip()):
                raise ValidationError(
                    self.env._(
                        "A risk being responded to has a response owner and an action plan (“%s”).",
                        signal.display_name,
                    )
                )

    @api.depends("description_data")
    @api.depends_context("lang")
    def _compute_description(self):
        # measured: the health rule's text in the reader's language; typed by hand: as typed
        formatters = {}
        Engine = self.env["kam.health.engine"]
        for signal in self:
            signal.description = Engine._describe(signal.description_data, formatters)

    def _search_description(self, operator, value):
        """A text typed by hand containing ``value``, or a measure whose
        rule's text (in the reader's language or in English) contains it."""
        if operator in ("=", "!=") and value is False:
            return [("description_data", operator, False)]
        if operator not in ("ilike", "not ilike") or not isinstance(value, str) or "\x00" in value:
            # (a NUL: PostgreSQL refuses the character, a database error)
            raise ValidationError(self.env._("Search risk descriptions with a text they contain or do not contain."))
        from .kam_health_engine import DESCRIPTIONS  # noqa: PLC0415 (it imports this module)

        needle = value.casefold()
        keys = [
            key
            for key, text in DESCRIPTIONS.items()
            if needle in self.env._(text).casefold() or needle in text._source.casefold()
        ]
        matching = SQL(
            "(SELECT id FROM kam_risk_signal"
            " WHERE description_data->>'text' ILIKE %s OR description_data->>'key' IN %s)",
            f"%{escape_psql(value)}%",
            tuple(keys) or (None,),
        )
        return [("id", "in" if operator == "ilike" else "not in", matching)]

    def _inverse_description(self):
        # (the write or create of ``description`` already checked the access to the records)
        for signal in self:
            signal.sudo().description_data = {"text": signal.description} if signal.description else False

    @api.constrains("state", "state_reason", "description_data")
    def _check_answer(self):
        # (the dates are within the application's range: kam.account.mixin checks every input)
        for signal in self:
            if signal.state == "dismissed" and not (signal.state_reason or "").strip():
                raise ValidationError(
                    self.env._("Say why the risk “%s” is dismissed (its reason).", signal.display_name)
                )
            if signal.signal_type == MANUAL and not (signal.description or "").strip():
                raise ValidationError(self.env._("Describe the risk entered by hand: what was learnt, from whom."))

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------
    def _kam_raise_response_activities(self):
        """An activity for the response owner of each risk, due on its
        response date (once per risk and owner)."""
        requests = [
            ActivityRequest(
                signal.id,
                f"risk:response:{signal.id}:{signal.response_user_id.id}",
                signal.response_user_id.id,
                self.env._(
                    "Answer the risk %(risk)s of %(account)s",
                    risk=signal.display_name,
                    account=signal.partner_id.display_name,
                ),
                signal.action_plan or "",
                signal.response_due or fields.Date.context_today(self),
            )
            for signal in self.sudo()
            if signal.response_user_id and signal.is_open
        ]
        if requests:
            self.env["kam.activity"]._raise_once(requests, res_model=self._name)

    def _kam_drop_response_activities(self, keep_owner=True):
        """The open response activities of these risks that no longer apply:
        those of a former owner, or all of them (``keep_owner=False``: the
        risk is closed)."""
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("kam_reason", "=like", "risk:response:%"),
                ]
            )
        )
        if keep_owner:
            owners = {signal.id: signal.response_user_id for signal in self.sudo()}
            activities = activities.filtered(lambda activity: activity.user_id != owners.get(activity.res_id))
        activities.unlink()

    def action_respond(self):
        """Take the risk on: its owner and plan are set, it is answered."""
        self.check_access("write")
        for signal in self:
            if not signal.is_open:
                raise UserError(self.env._("The risk “%s” is closed: reopen it first.", signal.display_name))
            if not signal.response_user_id or not (signal.action_plan or "").strip():
                raise UserError(
                    self.env._("Give the risk “%s” a response owner and an action plan first.", signal.display_name)
                )
        self._kam_set_state("responding")
        self._kam_raise_response_activities()
        return True

    def action_resolve(self):
        """Resolved by hand. A measured risk whose condition still holds is
        opened again by the next run of the health job, as a new episode."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        for signal in self:
            if signal.state == "resolved":
                raise UserError(self.env._("The risk “%s” is already resolved.", signal.display_name))
            if signal.state == "dismissed":
                raise UserError(self.env._("The risk “%s” is dismissed: reopen it to resolve it.", signal.display_name))
        self._kam_set_state("resolved")
        self.sudo().write({"resolved_on": today})
        return True

    def action_dismiss(self):
        """Not a risk: closed with its reason. A measured one is still
        followed, and comes back only when it gets more severe."""
        self.check_access("write")
        for signal in self:
            if not signal.is_open:
                raise UserError(self.env._("The risk “%s” is closed: reopen it first.", signal.display_name))
            if not (signal.state_reason or "").strip():
                raise UserError(
                    self.env._("Write why the risk “%s” is dismissed in its Reason first.", signal.display_name)
                )
        self._kam_set_state("dismissed")
        for signal in self.sudo():
            if signal.signal_type == MANUAL:
                signal.resolved_on = fields.Date.context_today(self)
        return True

    def action_snooze(self):
        """Nothing raised before the snooze date, unless it gets more severe."""
        self.check_access("write")
        for signal in self:
            if not signal.is_open:
                raise UserError(self.env._("The risk “%s” is closed: nothing to snooze.", signal.display_name))
            if not signal.is_snoozed:
                raise UserError(
                    self.env._("Give the risk “%s” the date to snooze it until first.", signal.display_name)
                )
        # (the severity it was snoozed at was recorded with the date: see _kam_after_write)
        return True

    def action_reopen(self):
        """Open again a dismissed risk, or a risk entered by hand."""
        self.check_access("write")
        for signal in self:
            if signal.state not in ("resolved", "dismissed") or (signal.resolved_on and signal.signal_type != MANUAL):
                raise UserError(
                    self.env._(
                        "Only a dismissed risk, or a risk entered by hand, can be reopened; a measured risk "
                        "comes back by itself while its condition holds (“%s”).",
                        signal.display_name,
                    )
                )
        self._kam_set_state("open", snoozed_until=False)
        self.sudo().write({"resolved_on": False, "answered_rank": 0})
        return True

    def _compute_duration_days(self):
        today = fields.Date.context_today(self)
        for signal in self:
            end = signal.resolved_on or today
            signal.duration_days = (end - signal.first_seen).days if signal.first_seen else 0

    # ------------------------------------------------------------------
    # Maintenance
    # ------------------------------------------------------------------
    @api.model
    def _kam_move_from_viewers(self):
        """The profitability risks (kam.routing ``USER_ONLY_KEYS``: only key
        account users read them, rule ``kam_risk_signal_rule_profit``) that a
        user without the key account user group still answers or has an open
        activity on (given before that rule, e.g. to a viewer) go to the
        account's key account manager: its response owner and its open
        activities. When the manager cannot take them (archived, away, not
        a key account user, not in the risk's company), the response owner
        is cleared (a risk being responded to is open again: nobody answers
        it) and the activity removed: its summary tells the figures of the
        risk. Called by the 18.0.1.10.0 migration.

        :return: (risks given to their manager, risks left without owner,
            activities moved, activities removed)
        """
        from .kam_routing import USER_GROUP, USER_ONLY_KEYS  # noqa: PLC0415 (it imports this module)

        Signal = self.sudo()
        Activity = self.env["mail.activity"].sudo()
        Signal.flush_model(["signal_type", "response_user_id", "partner_id", "company_id", "state"])
        Activity.flush_model(["res_model", "res_id", "user_id", "active", "date_done"])
        Routing = self.env["kam.routing"]
        group = self.env["ir.model.data"]._xmlid_to_res_id(USER_GROUP)
        # the account's manager, when it may take the risk: usable (kam.routing), a key account user,
        # in the risk's company
        manager_sql = SQL(
            """CASE WHEN %(usable)s
                     AND EXISTS (SELECT 1 FROM res_groups_users_rel g WHERE g.uid = m.id AND g.gid = %(group)s)
                     AND (s.company_id IS NULL OR EXISTS (SELECT 1 FROM res_company_users_rel c
                                                           WHERE c.user_id = m.id AND c.cid = s.company_id))
                    THEN m.id END""",
            usable=Routing._usable_user_sql("m", "p"),
            group=group,
        )
        # ``who``: the response owner, or the user of the activity
        not_user_sql = SQL(
            "NOT EXISTS (SELECT 1 FROM res_groups_users_rel g WHERE g.uid = who.id AND g.gid = %s)", group
        )
        self.env.cr.execute(
            SQL(
                """SELECT s.id, %(manager)s
                     FROM kam_risk_signal s
                     JOIN res_partner p ON p.id = s.partner_id
                     JOIN res_users who ON who.id = s.response_user_id
                LEFT JOIN res_users m ON m.id = p.kam_manager_id
                    WHERE s.signal_type IN %(keys)s AND %(not_user)s
                 ORDER BY s.id""",
                manager=manager_sql,
                keys=USER_ONLY_KEYS,
                not_user=not_user_sql,
            )
        )
        owners = defaultdict(list)
        for signal_id, manager_id in self.env.cr.fetchall():
            owners[manager_id].append(signal_id)
        for manager_id, ids in owners.items():
            signals = Signal.browse(ids)
            if manager_id:
                # (the write drops the former owner's answer activity and raises the manager's)
                signals.write({"response_user_id": manager_id})
            else:
                signals.filtered(lambda s: s.state == "responding").write({"state": "open"})
                signals.write({"response_user_id": False})
        # the other open activities of such users on these risks (the risk activities of the jobs...)
        self.env.cr.execute(
            SQL(
                """SELECT a.id, %(manager)s
                     FROM mail_activity a
                     JOIN kam_risk_signal s ON s.id = a.res_id
                     JOIN res_partner p ON p.id = s.partner_id
                     JOIN res_users who ON who.id = a.user_id
                LEFT JOIN res_users m ON m.id = p.kam_manager_id
                    WHERE a.res_model = %(model)s AND a.active AND a.date_done IS NULL
                      AND s.signal_type IN %(keys)s AND %(not_user)s
                 ORDER BY a.id""",
                manager=manager_sql,
                model=self._name,
                keys=USER_ONLY_KEYS,
                not_user=not_user_sql,
            )
        )
        activities = defaultdict(list)
        for activity_id, manager_id in self.env.cr.fetchall():
            activities[manager_id].append(activity_id)
        removed = Activity.browse(activities.pop(None, []))
        removed.unlink()
        moved = 0
        for manager_id, ids in activities.items():
            Activity.browse(ids).with_context(mail_activity_quick_update=True).write({"user_id": manager_id})
            moved += len(ids)
        given = sum(len(ids) for manager_id, ids in owners.items() if manager_id)
        return given, len(owners.get(None, [])), moved, len(removed)
