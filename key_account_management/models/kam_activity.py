# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter, defaultdict, namedtuple

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

#: One activity to raise on a key account, unless one for the same reason
#: is already there. ``partner_id`` and ``user_id`` are ids; ``note`` is HTML
#: (or plain text); ``date_deadline`` a date (today when empty). ``summary``
#: and ``note`` may also be functions of an environment, called in the
#: language of the user the activity is for: the text is written in the
#: reader's language, not in the job's.
ActivityRequest = namedtuple(
    "ActivityRequest",
    ["partner_id", "reason", "user_id", "summary", "note", "date_deadline"],
    defaults=("", False),
)


class MailActivity(models.Model):
    _inherit = "mail.activity"

    kam_reason = fields.Char(
        "Key Account Reason",
        index=True,
        copy=False,
        readonly=True,
        help="Why a key-account job raised this activity (e.g. 'cadence', 'care:birthday:42:2025'). "
        "The job raises at most one open activity per account and reason.",
    )
    kam_account_id = fields.Many2one(
        "res.partner",
        "Key Account",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The key account an activity raised on a partner by the key-account jobs is about: only its "
        "key account manager and team (and whoever it is assigned to) see it.",
    )

    #: set by the jobs only (kam.activity, as superuser): the reason routes the activity (an away user hands
    #: it over, kam.routing) and the key account says who sees it (record rules)
    KAM_JOB_FIELDS = ("kam_reason", "kam_account_id")

    def _kam_check_job_fields(self, vals_list):
        if self.env.su:
            return
        given = {fname for vals in vals_list for fname in self.KAM_JOB_FIELDS if fname in vals}
        given |= {fname for fname in self.KAM_JOB_FIELDS if self.env.context.get(f"default_{fname}")}
        if given:
            raise AccessError(
                self.env._("Only the key-account jobs set the key-account reason and key account of an activity.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._kam_check_job_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._kam_check_job_fields([vals])
        return super().write(vals)

    def _action_done(self, feedback=False, attachment_ids=None):
        # Odoo posts the summary and note of a done activity in the chatter of
        # its record, which everyone who reads the partner reads: the trace of
        # an activity of the jobs on a partner names no occasion, date or figure
        # (kept done activities get their text back: only the account's team reads them)
        traced = self.filtered("kam_account_id").sudo()
        texts = {activity.id: {"summary": activity.summary, "note": activity.note} for activity in traced}
        if traced:
            traced.write({"summary": False, "note": False})
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        for activity in traced.with_context(active_test=False).exists():
            activity.write(texts[activity.id])
        return result


class KamActivity(models.AbstractModel):
    """Raise activities on key accounts once (shared by every job).

    Cadence follow-ups, care reminders, reviews and risk signals all need
    "one open activity for this account and this reason, never a duplicate".
    Callers describe the activities they want; this helper drops the ones
    already raised and creates the rest, in a fixed number of queries for a
    whole batch (one search of the existing activities of the batch, one
    ``create`` with a list).

    **Reason keys** identify the occasion, not the text shown to the user, so
    that renaming a summary or changing the language never leads to
    duplicates. Stored in ``mail.activity.kam_reason``. Conventions::

        "cadence"                               contact overdue (one open at a time)
        "care:birthday:<contact id>:<year>"     birthday of a contact, that year
        "care:anniversary:<year>"               contract anniversary, that year
        "care:holiday:<kam.care.date id>:<year>" holiday greeting, that year
        "review:<...>", "risk:<signal>"         later features: same pattern

    **Open vs. ever.** By default an activity for the same account and reason
    blocks a new one only while it is open: once done (``action_feedback``),
    the next run may raise it again (cadence: the account is overdue again).
    With ``include_done=True`` a done activity also blocks it; this needs an
    activity type that keeps done activities (``keep_done``), as the care
    type of this addon does, so that a reminder done is not raised again
    the next day for the same occasion (the reason then carries the year).

    Usage from a batched job::

        requests = [
            ActivityRequest(account.id, "cadence", account.kam_manager_id.id, _("Follow up"))
            for account in batch
        ]
        self.env["kam.activity"]._raise_once(requests, "key_account_management.mail_activity_type_kam_follow_up")

    or for one reason over many accounts, :meth:`_kam_raise_activities`.
    """

    _name = "kam.activity"
    _description = "Key account activities raised once"

    DEFAULT_ACTIVITY_TYPE = "mail.mail_activity_data_todo"

    @api.model
    def _raise_once(
        self,
        requests,
        activity_type_xmlid=None,
        include_done=False,
        notify=False,
        res_model="res.partner",
        bulk=False,
        names=None,
    ):
        """Create the activities of ``requests`` not already raised.

        :param requests: iterable of :class:`ActivityRequest` (or tuples in
            the same order) on ``res.partner`` records (the commercial entity
            of the key account). Requests without user or with an archived
            user are skipped, and a request repeated within ``requests`` is
            created once.
        :param activity_type_xmlid: xmlid of the ``mail.activity.type``
            (default: To-Do)
        :param include_done: a done (archived, kept) activity with the same
            reason blocks a new one too (see the class documentation)
        :param notify: send the "activity assigned" notification of each
            activity (one message per activity: off for batched jobs, the
            users see their activities in the activity menu)
        :param res_model: model of the records the activities go on; the
            ``partner_id`` of each request is then the id of such a record
            (e.g. ``kam.risk.signal``: a risk activity goes on the signal,
            readable only by those who may read the signal)
        :param bulk: create them in one ``INSERT`` (see :meth:`_create_in_bulk`),
            for the thousands of activities of a job's first run
        :param names: ``{record id: display name}`` the caller already knows
            (``res_name`` of the activities created in bulk; the others are read)
        :return: the created ``mail.activity`` records
        """
        requests = [ActivityRequest(*req) for req in requests]
        requests = [req for req in requests if req.partner_id and req.reason and req.user_id]
        Activity = self.env["mail.activity"].sudo()
        if not requests:
            return Activity
        # one search for the whole batch: the (account, reason) pairs already raised
        domain = [
            ("res_model", "=", res_model),
            ("res_id", "in", list({req.partner_id for req in requests})),
            ("kam_reason", "in", list({req.reason for req in requests})),
        ]
        if include_done:
            Activity = Activity.with_context(active_test=False)
        existing = {
            (row["res_id"], row["kam_reason"]) for row in Activity.search_read(domain, ["res_id", "kam_reason"])
        }
        activity_type = self.env.ref(activity_type_xmlid or self.DEFAULT_ACTIVITY_TYPE)
        model_id = self.env["ir.model"]._get_id(res_model)
        today = fields.Date.context_today(self)
        vals_list = []
        for req in requests:
            key = (req.partner_id, req.reason)
            if key in existing:
                continue
            existing.add(key)
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": req.partner_id,
                    "activity_type_id": activity_type.id,
                    "kam_reason": req.reason,
                    "user_id": req.user_id,
                    "summary": req.summary,
                    "note": req.note,
                    "date_deadline": req.date_deadline or today,
                    # on a partner (readable by many): who may see it, see the record rules
                    "kam_account_id": req.partner_id if res_model == "res.partner" else False,
                }
            )
        if vals_list:
            # an archived user (who left) is no user: nobody would see the activity, and while it
            # is open the record would never get another one
            self.env["res.users"].flush_model(["active"])
            self.env.cr.execute(
                "SELECT id FROM res_users WHERE id = ANY(%s) AND active", [list({v["user_id"] for v in vals_list})]
            )
            active = {row[0] for row in self.env.cr.fetchall()}
            vals_list = [vals for vals in vals_list if vals["user_id"] in active]
        if not vals_list:
            return Activity.browse()
        self._render_in_user_language(vals_list)
        if bulk and not notify:
            return self._create_in_bulk(vals_list, res_model, names=names)
        return Activity.with_context(mail_activity_quick_update=not notify, active_test=True).create(vals_list)

    @api.model
    def _user_langs(self, user_ids):
        """{user id: language code} of ``user_ids`` (one read; ``en_US`` for
        a user without language): the language to write to each of them in."""
        users = self.env["res.users"].sudo().browse(uid for uid in user_ids if uid)
        return {user.id: user._kam_reader_env(self.env).lang for user in users}

    @api.model
    def _render_in_user_language(self, vals_list):
        """Call the ``summary`` and ``note`` functions of ``vals_list`` with
        an environment in the language of each activity's user (one read of
        the users' languages)."""
        to_render = [vals for vals in vals_list if callable(vals["summary"]) or callable(vals["note"])]
        if not to_render:
            return
        users = self.env["res.users"].sudo().browse({vals["user_id"] for vals in to_render})
        envs = {user.id: user._kam_reader_env(self.env) for user in users}
        for vals in to_render:
            for key in ("summary", "note"):
                if callable(vals[key]):
                    vals[key] = vals[key](envs[vals["user_id"]])

    @api.model
    def _create_in_bulk(self, vals_list, res_model, names=None):
        """What ``mail.activity.create`` does for activities of a job, without
        the notification mail: the rows in one ``INSERT`` (with the stored
        computed ``res_model``, ``res_name``, ``user_tz``), the assignees
        following the records (one subscription per user, as Odoo does), and
        the refresh of their activity counter."""
        Activity = self.env["mail.activity"].sudo()
        res_ids = list({vals["res_id"] for vals in vals_list})
        names = dict(names or {})
        unknown = [res_id for res_id in res_ids if res_id not in names]
        names.update((record.id, record.display_name) for record in self.env[res_model].sudo().browse(unknown))
        users = self.env["res.users"].sudo().browse({vals["user_id"] for vals in vals_list})
        tz = {user.id: user.tz or None for user in users}
        rows = [
            dict(
                vals,
                res_model=res_model,
                res_name=names.get(vals["res_id"]),
                user_tz=tz[vals["user_id"]],
                automated=False,
                active=True,
            )
            for vals in vals_list
        ]
        activities = Activity.browse(self.env["kam.job"]._insert_rows(Activity, rows))
        self.env[res_model].invalidate_model(["activity_ids"])
        by_user, due = defaultdict(set), Counter()
        for vals in vals_list:
            by_user[vals["user_id"]].add(vals["res_id"])
            due[vals["user_id"]] += vals["date_deadline"] <= fields.Date.today()
        default, __, external = self.env["mail.message.subtype"].default_subtypes(res_model)
        for user in users:
            partner = user.sudo().partner_id
            self._follow_in_bulk(res_model, by_user[user.id], partner, external if partner.partner_share else default)
            if due[user.id]:
                user._bus_send("mail.activity/updated", {"activity_created": True, "count_diff": due[user.id]})
        return activities

    @api.model
    def _follow_in_bulk(self, res_model, res_ids, partner, subtypes):
        """``partner`` follows the records ``res_ids`` of ``res_model`` with
        ``subtypes``, unless it already does (what ``message_subscribe`` does
        for a new follower): one insert of the followers, one of their
        subtypes."""
        Followers = self.env["mail.followers"]
        Followers.flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH new AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT %(model)s, res_id, %(partner)s FROM unnest(%(res_ids)s::int[]) AS res_id
                        ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
                 RETURNING id
                )
                INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
                SELECT new.id, subtype FROM new, unnest(%(subtypes)s::int[]) AS subtype
                """,
                model=res_model,
                partner=partner.id,
                res_ids=sorted(res_ids),
                subtypes=subtypes.ids,
            )
        )
        Followers.invalidate_model()
        self.env[res_model].invalidate_model(["message_follower_ids", "message_partner_ids"])

    @api.model
    def _kam_raise_activities(
        self,
        partners,
        reason,
        summary_by_partner,
        user_by_partner=None,
        date_deadline=False,
        note="",
        activity_type_xmlid=None,
        include_done=False,
    ):
        """One reason over many accounts: the activity of each of ``partners``
        for ``reason``, assigned to ``user_by_partner[partner]`` (default: its
        key account manager), with ``summary_by_partner[partner]`` (or one
        string for all). Accounts without user are skipped."""
        requests = []
        for partner in partners:
            user = user_by_partner[partner] if user_by_partner is not None else partner.kam_manager_id
            summary = summary_by_partner if isinstance(summary_by_partner, str) else summary_by_partner[partner]
            requests.append(ActivityRequest(partner.id, reason, user.id, summary, note, date_deadline))
        return self._raise_once(requests, activity_type_xmlid, include_done=include_done)
