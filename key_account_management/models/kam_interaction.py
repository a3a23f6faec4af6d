# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

CHANNELS = [
    ("meeting", "Meeting"),
    ("phone", "Phone Call"),
    ("email", "Email"),
    ("video", "Video Call"),
    ("visit", "Visit"),
    ("event", "Event / Trade Show"),
    ("complaint", "Complaint"),
    ("service", "Service Case"),
]
CASE_CHANNELS = ("complaint", "service")
# What a service case was about (客户服务记录: 服务类型)
SERVICE_TYPES = [
    ("technical_support", "Technical Support"),
    ("consulting", "Consulting"),
    ("troubleshooting", "Troubleshooting"),
    ("training", "Training"),
    ("maintenance", "Maintenance"),
    ("other", "Other"),
]


class KamInteraction(models.Model):
    """Interaction log (沟通记录 / 客户服务记录): every meeting, call, email,
    visit, video call, event, complaint and service case with a key account."""

    _name = "kam.interaction"
    _description = "Key Account Interaction"
    _inherit = ["kam.account.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

    _sql_constraints = [
        (
            "source_uniq",
            "unique(source_model, source_id, partner_id)",
            "This e-mail, activity or calendar event is already logged as an interaction of the account.",
        )
    ]

    name = fields.Char("Subject", required=True, tracking=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, tracking=True, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="meeting", tracking=True, index=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], default="outbound")
    service_type = fields.Selection(
        SERVICE_TYPES, tracking=True, help="What the service case was about (service cases only)."
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="done",
        required=True,
        tracking=True,
    )
    contact_ids = fields.Many2many(
        "res.partner",
        "kam_interaction_contact_rel",
        "interaction_id",
        "partner_id",
        "Customer Participants",
        domain="[('commercial_partner_id', '=', partner_id), ('id', '!=', partner_id)]",
    )
    user_ids = fields.Many2many(
        "res.users",
        "kam_interaction_user_rel",
        "interaction_id",
        "user_id",
        "Internal Participants",
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    summary = fields.Html()
    outcome = fields.Text()
    satisfaction = fields.Integer(
        tracking=True,
        help="Customer satisfaction from 1 (very unhappy) to 5 (very happy); 0 = not rated.",
    )
    sentiment = fields.Selection(
        [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")], tracking=True
    )
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", "Opportunity", index="btree_not_null")
    next_step = fields.Char(tracking=True)
    next_step_date = fields.Date(tracking=True)
    next_step_user_id = fields.Many2one("res.users", "Next Step By", tracking=True, domain=[("share", "=", False)])
    next_activity_id = fields.Many2one(
        "mail.activity", "Follow-up Activity", readonly=True, copy=False, index="btree_not_null"
    )
    is_case = fields.Boolean(compute="_compute_is_case")
    resolution_state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        tracking=True,
        copy=False,
        help="Complaints and service cases: open until resolved.",
    )
    resolved_date = fields.Datetime(copy=False, tracking=True)
    resolution_hours = fields.Float(
        "Time to Resolve (h)", compute="_compute_resolution_hours", store=True, aggregator="avg", digits=(16, 1)
    )
    # logged from Odoo's own traffic (kam.traffic.engine): the exchange it comes from, logged once per account
    source_model = fields.Selection(
        [("mail.message", "E-mail or Done Activity"), ("calendar.event", "Calendar Event")],
        "Logged From",
        readonly=True,
        copy=False,
        help="Set when the interaction was logged automatically from an e-mail, a done call or meeting, "
        "or a calendar event.",
    )
    source_id = fields.Integer("Source Record", readonly=True, copy=False)

    def init(self):
        res = super().init()
        # the daily stages (figures and tiers, profitability, relationship coverage, health) look for the
        # accounts of the interactions written since their last run: without it, each reads them all
        tools.create_index(self.env.cr, "kam_interaction_kam_write_date_index", self._table, ["write_date"])
        return res

    @api.depends("channel")
    def _compute_is_case(self):
        for rec in self:
            rec.is_case = rec.channel in CASE_CHANNELS

    @api.depends("date", "resolved_date", "resolution_state")
    def _compute_resolution_hours(self):
        for rec in self:
            if rec.resolution_state == "resolved" and rec.resolved_date and rec.date:
                rec.resolution_hours = max((rec.resolved_date - rec.date).total_seconds() / 3600.0, 0.0)
            else:
                rec.resolution_hours = 0.0

    @api.constrains("service_type", "channel")
    def _check_service_type(self):
        for rec in self:
            if rec.service_type and rec.channel != "service":
                raise ValidationError(
                    self.env._(
                        "“%s”: a service type is for service cases only; clear it or make the interaction a "
                        "service case.",
                        rec.name,
                    )
                )

    @api.constrains("satisfaction")
    def _check_satisfaction(self):
        for rec in self:
            if rec.satisfaction and not 1 <= rec.satisfaction <= 5:
                raise ValidationError(
                    self.env._("Satisfaction of “%s” is a score from 1 to 5 (leave it empty when not rated).", rec.name)
                )

    @api.constrains("next_step", "next_step_date", "next_step_user_id")
    def _check_next_step(self):
        for rec in self:
            if rec.next_step_date and not rec.next_step_user_id:
                raise ValidationError(
                    self.env._("“%s”: choose who does the next step (a user) for its date.", rec.name)
                )
            user = rec.next_step_user_id
            if user and not rec.with_user(user).has_access("read"):
                # the follow-up activity (and its e-mail) carry the next step's text
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot read the interactions of %(account)s, so the next step of “%(name)s” "
                        "cannot go to them: choose the account's key account manager or a member of its "
                        "account team.",
                        user=user.name,
                        account=rec.partner_id.display_name,
                        name=rec.name,
                    )
                )

    @api.constrains("contact_ids", "partner_id")
    def _check_contacts(self):
        for rec in self:
            strangers = rec.contact_ids.filtered(lambda c, account=rec.partner_id: c.commercial_partner_id != account)
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(contacts)s not a contact of %(account)s: choose participants among the account's contacts.",
                        contacts=", ".join(strangers.mapped("display_name")),
                        account=rec.partner_id.display_name,
                    )
                )

    @api.onchange("channel")
    def _onchange_channel(self):
        if self.channel in CASE_CHANNELS and not self.resolution_state:
            self.resolution_state = "open"
            self.direction = "inbound"
        if self.channel != "service":
            self.service_type = False

    @api.model
    def _kam_check_source(self, fnames):
        """Where an interaction was logged from is set by the traffic stage
        (kam.traffic.engine) and by “Log as Interaction” on a message
        (mail.message), never typed: a forged source would pass a user's row
        for an e-mail or a meeting, and keep the real one from being logged."""
        forged = set(fnames) & {"source_model", "source_id"}
        if forged and not self.env.su:
            raise AccessError(
                self.env._(
                    "Where an interaction was logged from is set when it is logged from an e-mail, a done "
                    "activity or a calendar event; it cannot be written (%s).",
                    ", ".join(sorted(self._fields[fname].string for fname in forged)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._kam_check_source({fname for vals in vals_list for fname in vals})
        for vals in vals_list:
            if vals.get("channel") in CASE_CHANNELS and not vals.get("resolution_state"):
                vals["resolution_state"] = "open"
        records = super().create(vals_list)
        records._sync_next_activity()
        records.filtered(lambda r: r.channel == "complaint")._kam_escalate_complaints()
        records.partner_id._kam_refresh_interaction_figures()
        return records

    def _kam_escalate_complaints(self):
        """A new complaint goes to whoever owns complaint escalation for the
        account in the responsibility matrix (the escalation user, else the
        responsible user; when that one left or is away, the routed owner or
        its backup, else the key account manager), as an activity on the
        complaint."""
        duty = self.env.ref("key_account_management.kam_duty_complaint_escalation", raise_if_not_found=False)
        if not duty:
            return
        owners = {
            resp.partner_id: resp.escalation_user_id or resp.user_id
            for resp in self.env["kam.responsibility"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.partner_id.ids),
                    ("duty_id", "=", duty.id),
                    ("raci", "=", "responsible"),
                    ("state", "=", "confirmed"),
                ]
            )
        }
        for complaint in self:
            user = owners.get(complaint.partner_id)
            if user and (not user.active or user.kam_away):
                # left or away: the owner of the duty complaints are routed to (kam_routing.py), its
                # backup when away too, else the key account manager
                user = self.env["kam.routing"]._route_one(complaint.partner_id, "complaint")
            if user and not complaint.with_user(user).has_access("read"):
                # the activity and its e-mail name the complaint: to someone who may read it
                user = complaint.partner_id.kam_manager_id
            if user:
                complaint.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Complaint to handle: %s", complaint.name),
                    user_id=user.id,
                )

    def write(self, vals):
        self._kam_check_source(vals)
        if vals.get("resolution_state") == "resolved" and "resolved_date" not in vals:
            vals = dict(vals, resolved_date=fields.Datetime.now())
        partners = self.partner_id
        res = super().write(vals)
        if vals.keys() & {"next_step", "next_step_date", "next_step_user_id", "partner_id", "state"}:
            self._sync_next_activity()
        if vals.keys() & {"date", "channel", "state", "satisfaction", "resolution_state", "partner_id"}:
            (partners | self.partner_id)._kam_refresh_interaction_figures()
        if "partner_id" in vals:
            self._kam_mark_changed(partners - self.partner_id)
        return res

    def unlink(self):
        partners = self.partner_id
        self.next_activity_id.unlink()
        res = super().unlink()
        partners._kam_refresh_interaction_figures()
        self._kam_mark_changed(partners)
        return res

    @api.model
    def _kam_mark_changed(self, partners):
        """Stamp the write date of ``partners``, accounts that lost an
        interaction (deleted, or moved to another account): the daily stages
        look for the accounts whose interactions were written since their
        last run, and a deleted or moved-away interaction is no longer among
        those of the account. Only the date and author of the last change
        (one UPDATE, no ORM write: the account's own fields do not change)."""
        ids = [pid for pid in partners.ids if pid]
        if not ids:
            return
        self.env["res.partner"].flush_model(["write_date", "write_uid"])
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = %s, write_uid = %s WHERE id = ANY(%s)",
                self.env.cr.now(),
                self.env.uid,
                ids,
            )
        )
        self.env["res.partner"].browse(ids).invalidate_recordset(["write_date", "write_uid"])

    def _sync_next_activity(self):
        """One follow-up activity on the account for the next step, kept in
        line with it (created, moved, reassigned or removed)."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        # on the interaction, not on the partner: the next step is read only
        # by those who may read the interaction
        model_id = self.env["ir.model"]._get_id("kam.interaction")
        for rec in self:
            activity = rec.next_activity_id.exists()
            wanted = rec.state != "cancelled" and rec.next_step_date and rec.next_step_user_id
            if not wanted:
                if activity:
                    activity.sudo().unlink()
                continue
            vals = {
                "summary": rec.next_step or rec.name,
                "note": self.env._("Next step of the interaction “%s”.", rec.name),
                "date_deadline": rec.next_step_date,
                "user_id": rec.next_step_user_id.id,
            }
            if activity:
                activity.sudo().write(vals)
            else:
                vals.update({"res_model_id": model_id, "res_id": rec.id, "activity_type_id": todo.id})
                rec.sudo().next_activity_id = self.env["mail.activity"].sudo().create(vals)

    @api.model
    @api.readonly
    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Key Account Interactions"),
                "template": "/key_account_management/static/xls/kam_interaction.xlsx",
            }
        ]

    def action_resolve(self):
        self.write({"resolution_state": "resolved"})

    def action_done(self):
        self.write({"state": "done"})

    def action_cancel(self):
        self.write({"state": "cancelled"})
