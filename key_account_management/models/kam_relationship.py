# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from .kam_interaction import CHANNELS

#: How strong a contact's (or a pair's) relationship is, from its touches in
#: the window and its last touch (kam.coverage.engine ``_date_rows``).
STRENGTHS = [
    ("strong", "Strong"),
    ("medium", "Medium"),
    ("weak", "Weak"),
    ("none", "None"),
]
#: Recency of a link between one of our people and a contact, in the map.
RECENCY_DAYS = (("month", 30), ("quarter", 90))
#: The buying roles whose people an account must keep reaching.
KEY_ROLES = ("decision_maker", "champion")


class KamRelationship(models.Model):
    """Relationship coverage (关系地图): who at a key account is in touch
    with whom at our company, and how recently, from the account's done
    interactions (hand-logged ones and those the stage ``contact_traffic``
    logs from e-mails, done calls and meetings, calendar events).

    Written by the pipeline stage ``relationship_coverage``
    (kam.coverage.engine). Two kinds of rows per account:

    * one per contact (``user_id`` empty): the touches of the contact in the
      company's trailing window (``kam_coverage_window_days``: done
      interactions naming the contact), the last touch ever and its channel,
      its strength, whether it is a decision maker or champion not reached
      for ``kam_coverage_reach_days`` and whether it went silent (touched at
      least twice in the window, nothing for ``kam_coverage_silent_days``).
      Every active person of the account has one, touched or not;
    * one per contact and one of our people (``user_id``): the same figures
      for the interactions naming both.
    """

    _name = "kam.relationship"
    _inherit = ["kam.account.mixin"]
    #: rows the daily stages compute: an account moved to another company drops them (computed again)
    _kam_computed_rows = True
    _description = "Key Account Relationship Coverage"
    _rec_name = "contact_id"
    _order = "partner_id, touches desc, last_date desc, id"

    partner_id = fields.Many2one(readonly=True)
    company_id = fields.Many2one(readonly=True)
    contact_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade", index=True)
    user_id = fields.Many2one(
        "res.users",
        "Our Contact",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
        help="Empty: the contact's touches with any of our people.",
    )
    touches = fields.Integer(
        readonly=True, help="Done interactions naming the contact (and our person) in the trailing window."
    )
    last_date = fields.Datetime("Last Touch", readonly=True, help="The latest done interaction naming them, ever.")
    last_channel = fields.Selection(CHANNELS, readonly=True)
    is_key_person = fields.Boolean(
        "Decision Maker or Champion", readonly=True, help="The contact's buying role is decision maker or champion."
    )
    strength = fields.Selection(
        STRENGTHS,
        readonly=True,
        index=True,
        help="Strong: at least 3 touches in the window, the last within 30 days. Medium: touched in the window, the "
        "last within 90 days. Weak: touched in the window, the last more than 90 days ago. None: no touch in the "
        "window.",
    )
    silent = fields.Boolean(
        "Went Silent",
        readonly=True,
        index=True,
        help="Touched at least twice in the window, and not at all for the company's silence period.",
    )
    unreached = fields.Boolean(
        "Not Reached",
        readonly=True,
        index=True,
        help="A decision maker or champion not touched for the company's reach period (or never).",
    )

    next_change_date = fields.Date(
        readonly=True,
        index="btree_not_null",
        help="The next day on which days passing alone change the strength, silence or reach (empty: never).",
    )

    def init(self):
        res = super().init()
        # one contact row (no user) and one row per user of each contact of an account: the stage's
        # upsert conflicts on it
        tools.create_unique_index(
            self.env.cr,
            "kam_relationship_partner_contact_user_uniq",
            self._table,
            ["partner_id", "contact_id", "COALESCE(user_id, 0)"],
        )
        # the health stage looks for the accounts whose rows changed since its last run
        tools.create_index(self.env.cr, "kam_relationship_write_date_index", self._table, ["write_date"])
        return res

    # ------------------------------------------------------------------
    # The relationship map (client action kam_relationship_map)
    # ------------------------------------------------------------------
    @api.model
    @api.readonly
    def get_relationship_map(self, account_id):
        """The relationship map of one key account, in one call: its people
        as an org chart (``parent_id``: whom each reports to, from “Reports
        To” or the contact's parent contact, else the top), each with its
        buying role, influence, relationship, coverage figures and flags,
        and our people linked to it with the recency of their last touch.

        Only for who reads the account's key-account data (its manager and
        team, key account managers, all-accounts viewers); others get an
        AccessError."""
        if not isinstance(account_id, int) or isinstance(account_id, bool):
            raise UserError(self.env._("Open the relationship map of one key account (got %r).", account_id))
        Partner = self.env["res.partner"]
        account = Partner.browse(account_id).exists()
        if not account:
            raise UserError(self.env._("This account no longer exists."))
        account.check_access("read")
        if not self.env.user.has_group("key_account_management.group_kam_viewer") or not account._kam_sees_account():
            raise AccessError(
                self.env._(
                    "The relationship map of “%s” is for its key account manager and account team, and for key "
                    "account managers.",
                    account.display_name,
                )
            )
        if account != account.commercial_partner_id or not account.kam_is_key_account:
            raise UserError(self.env._("“%s” is not a key account.", account.display_name))
        rows = self.search_fetch(
            [("partner_id", "=", account.id)],
            ["contact_id", "user_id", "touches", "last_date", "last_channel", "strength", "silent", "unreached"],
        )
        touched = rows.contact_id
        people = Partner.search_fetch(
            [
                ("commercial_partner_id", "=", account.id),
                ("id", "!=", account.id),
                "|",
                ("type", "=", "contact"),
                ("id", "in", touched.ids),
            ],
            [
                "name",
                "function",
                "parent_id",
                "kam_reports_to_id",
                "kam_buying_role",
                "kam_influence",
                "kam_relationship",
            ],
            order="name, id",
        )
        roles = dict(Partner._fields["kam_buying_role"]._description_selection(self.env))
        strengths = dict(self._fields["strength"]._description_selection(self.env))
        channels = dict(self._fields["last_channel"]._description_selection(self.env))
        now = fields.Datetime.now()
        ids = set(people.ids)
        own = {row.contact_id.id: row for row in rows if not row.user_id}
        links = {}
        for row in rows.filtered("user_id").sorted(lambda r: r.last_date or fields.Datetime.to_datetime("1970-01-01")):
            days = (now - row.last_date).days if row.last_date else None
            recency = next((key for key, limit in RECENCY_DAYS if days is not None and days <= limit), "older")
            links.setdefault(row.contact_id.id, []).insert(
                0,
                {
                    "user_id": row.user_id.id,
                    "user": row.user_id.name,
                    "touches": row.touches,
                    "last_date": fields.Datetime.to_string(row.last_date) if row.last_date else False,
                    "days": days,
                    "recency": recency,
                    "channel": channels.get(row.last_channel, ""),
                },
            )
        # whom each person reports to: "Reports To", else the parent contact; within the account only
        parents = {}
        for person in people:
            boss = person.kam_reports_to_id or person.parent_id
            parents[person.id] = boss.id if boss.id in ids and boss != person else False
        # "Reports To" and parent contacts together may go round in a circle (a contact whose parent
        # contact reports to it): cut it where it closes, else its people hang under nobody in the chart
        for start in parents:
            path, node = set(), start
            while parents[node]:
                path.add(node)
                if parents[node] in path:
                    parents[node] = False
                    break
                node = parents[node]
        contacts = []
        for person in people:
            row = own.get(person.id)
            contacts.append(
                {
                    "id": person.id,
                    "name": person.name or person.display_name,
                    "function": person.function or "",
                    "parent_id": parents[person.id],
                    "role": person.kam_buying_role or False,
                    "role_label": roles.get(person.kam_buying_role, ""),
                    "influence": person.kam_influence or 0,
                    "relationship": person.kam_relationship or 0,
                    "touches": row.touches if row else 0,
                    "last_date": fields.Datetime.to_string(row.last_date) if row and row.last_date else False,
                    "last_channel": channels.get(row.last_channel, "") if row else "",
                    "strength": row.strength if row else "none",
                    "strength_label": strengths.get(row.strength if row else "none", ""),
                    "silent": bool(row and row.silent),
                    "unreached": bool(row and row.unreached),
                    "key_person": person.kam_buying_role in KEY_ROLES,
                    "links": links.get(person.id, []),
                }
            )
        company = account.company_id or self.env.company
        return {
            "account": {
                "id": account.id,
                "name": account.display_name,
                "single_threaded": account.kam_single_threaded,
                "touches": account.kam_coverage_touches,
                "top_share": account.kam_coverage_top_share,
                "unreached": account.kam_unreached_count,
                "silent": account.kam_silent_count,
            },
            "settings": {
                "window_days": company.kam_coverage_window_days,
                "reach_days": company.kam_coverage_reach_days,
                "silent_days": company.kam_coverage_silent_days,
            },
            "contacts": contacts,
        }
