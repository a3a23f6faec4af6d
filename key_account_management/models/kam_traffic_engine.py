# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Contact from real traffic: e-mails, done calls and meetings, calendar
events with an account's contacts become its interactions.

Stage ``contact_traffic`` of the daily pipeline, before ``figures_and_tiers``
(the same day's figures, cadence and health see the contact). Each exchange
becomes one done interaction of the account, created in bulk and marked with
its source (``source_model``, ``source_id``: a unique index with the
account), so that an exchange read twice is logged once.

What counts as contact (each source can be turned off in the settings):

* e-mails on the account, its contacts, its opportunities and its orders:
  received from the account or one of its contacts (``email`` / ``comment``
  messages they wrote), or sent to them by an internal user (they are among
  the recipients, named or notified as followers); notes written by
  employees never count;
* activities of a call or meeting type marked done on the same documents
  (Odoo posts a message with ``mail_activity_type_id``);
* past calendar events with the account or one of its contacts among the
  attendees (not declined).

The work happens in this job only, never while a user posts a message or
marks an activity done: their flow cannot fail because of it.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .kam_job import CHANGE_MARGIN, key_account_sql

#: the documents whose messages count for their account
TRAFFIC_MODELS = ("res.partner", "crm.lead", "sale.order")
#: the job's last run (kam.job ``_last_run``) and the message up to which it read
JOB = "contact_traffic"
WATERMARK_KEY = "key_account_management.traffic_message_watermark"


class KamTrafficEngine(models.AbstractModel):
    _name = "kam.traffic.engine"
    _description = "Key account contact from e-mails, activities and meetings"

    def init(self):
        res = super().init()
        # the meetings of the trailing window (and those ended since the last run) are read by
        # their end (_event_rows): Odoo indexes no column of the events' times
        tools.create_index(self.env.cr, "calendar_event_kam_stop_index", "calendar_event", ["stop"])
        return res

    @api.model
    def _cron_kam_contact_traffic(self, batch_size=None):
        return self._run(batch_size=batch_size)

    @api.model
    def _run_in_pipeline(self):
        """The pipeline's stage: the interactions only; the next stage
        (figures_and_tiers) refreshes the figures of the accounts whose
        interactions were written, once."""
        return self._run(refresh=False)

    @api.model
    def _run(self, batch_size=None, refresh=True):
        """Log as interactions the traffic with key accounts since the last
        run (the first run: over the trailing window), in batches of accounts.

        New messages are those above the watermark, an id (the primary
        key): the last message older than ``CHANGE_MARGIN`` at the previous
        run, so that a message committed late by a long transaction is still
        read (what is read again is not logged twice). The accounts marked
        key since the last run get their traffic of the trailing window.
        ``refresh``: the interaction figures of these accounts refreshed
        too (last contact, counts), as a hand-logged interaction does."""
        job = self.env["kam.job"]
        company = self.env.company
        started = fields.Datetime.now()
        last_run = job._last_run(JOB)
        watermark = self._watermark() if last_run else None
        # the trailing window of the figures (kam.account.figures), whose contact counts it feeds
        trailing_start = self.env["kam.account.figures"]._window(company.kam_trailing_months)[1]
        new_accounts = self._new_key_accounts(last_run) if last_run else []
        # each source as the settings of the interaction's company say (the document's, else the
        # account's, else the company the job runs in); read when one company counts it
        settings = {
            c.id: {"email": c.kam_traffic_email, "activity": c.kam_traffic_activities, "event": c.kam_traffic_calendar}
            for c in self.env["res.company"].sudo().search([])
        }
        counted = {source for values in settings.values() for source, on in values.items() if on}
        rows = []
        sources = ("email" in counted, "activity" in counted)
        if any(sources):
            new = SQL("m.date >= %s", trailing_start) if watermark is None else SQL("m.id > %s", watermark)
            rows += self._message_rows(new, *sources)
            if new_accounts:
                rows += self._message_rows(self._documents_sql(new_accounts, trailing_start), *sources)
        if "event" in counted:
            rows += self._event_rows(last_run, trailing_start, new_accounts, started)
        rows = [
            row for row in rows if settings.get(row["company_id"] or company.id, settings[company.id])[row["source"]]
        ]
        rows = self._without_event_meetings(
            rows, {cid for cid, values in settings.items() if values["event"]}, company.id
        )
        by_account = defaultdict(dict)  # {account: {source: row}}: a message both new and of a new account once
        for row in rows:
            by_account[row["partner_id"]][row["source_model"], row["source_id"]] = row

        def log_batch(partners):
            self._log_interactions([row for pid in partners.ids for row in by_account[pid].values()])
            if refresh:
                partners._kam_refresh_interaction_figures()

        result = job._run_in_batches(sorted(by_account), log_batch, batch_size=batch_size)
        if not result.running_elsewhere and not result.skipped:
            # an account skipped (a user logged the same e-mail by hand meanwhile...) is read again
            # next time, with what the others got (logged once: the unique key)
            self._set_watermark(max(watermark or 0, self._new_watermark(started)))
            job._set_last_run(JOB, started, full=not last_run)
        return result

    # ------------------------------------------------------------------
    # Where the job left off
    # ------------------------------------------------------------------
    @api.model
    def _watermark(self):
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        self.env.cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", WATERMARK_KEY))
        row = self.env.cr.fetchone()
        return int(row[0]) if row and (row[0] or "").isdigit() else 0

    @api.model
    def _new_watermark(self, started):
        """The last message created more than ``CHANGE_MARGIN`` before
        ``started``: the primary key read backwards from the newest message
        (a margin of messages, no index on the dates)."""
        self.env["mail.message"].flush_model(["create_date"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mail_message WHERE create_date < %s ORDER BY id DESC LIMIT 1",
                started - CHANGE_MARGIN,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else 0

    @api.model
    def _set_watermark(self, value):
        # in SQL, as kam.job _set_last_run: set_param would clear the caches of the registry
        self.env["ir.config_parameter"].flush_model()
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid, write_date)
                   VALUES (%s, %s, %s, %s, %s, %s)
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_uid = EXCLUDED.write_uid,
                                                   write_date = EXCLUDED.write_date""",
                WATERMARK_KEY,
                str(value),
                uid,
                now,
                uid,
                now,
            )
        )
        self.env["ir.config_parameter"].invalidate_model(["value"])

    @api.model
    def _new_key_accounts(self, last_run):
        """Key accounts marked key since the last run: their past traffic
        (trailing window) is read once."""
        self.env["res.partner"].flush_model(
            ["kam_is_key_account", "commercial_partner_id", "active", "kam_key_account_since"]
        )
        self.env.cr.execute(
            SQL(
                # marking an account key writes it: the recent rows only (index on write_date)
                "SELECT p.id FROM res_partner p WHERE p.write_date >= %s AND %s AND p.kam_key_account_since >= %s",
                last_run - CHANGE_MARGIN,
                key_account_sql("p"),
                last_run.date(),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Readers: one query per source
    # ------------------------------------------------------------------
    @api.model
    def _documents_sql(self, accounts, since):
        """The messages since ``since`` on the documents of ``accounts``
        (the accounts, their contacts, opportunities and orders), as a
        condition on ``mail_message m`` the index on (model, res_id) answers."""
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["crm.lead"].flush_model(["partner_id"])
        self.env["sale.order"].flush_model(["partner_id"])
        cr = self.env.cr
        cr.execute(SQL("SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)", list(accounts)))
        members = [row[0] for row in cr.fetchall()]
        cr.execute(SQL("SELECT id FROM crm_lead WHERE partner_id = ANY(%s)", members))
        leads = [row[0] for row in cr.fetchall()]
        cr.execute(SQL("SELECT id FROM sale_order WHERE partner_id = ANY(%s)", members))
        orders = [row[0] for row in cr.fetchall()]
        return SQL(
            """m.date >= %s AND ((m.model = 'res.partner' AND m.res_id = ANY(%s))
                               OR (m.model = 'crm.lead' AND m.res_id = ANY(%s))
                               OR (m.model = 'sale.order' AND m.res_id = ANY(%s)))""",
            since,
            members,
            leads,
            orders,
        )

    @api.model
    def _message_rows(self, new, emails=True, activities=True):
        """Messages to log among those ``new`` selects (a condition on
        ``mail_message m``: above the watermark, or of the documents of new
        key accounts). One query, from these messages (primary key range, or
        (model, res_id)) to their document and account (primary keys),
        grouped per message and account."""
        self.env["mail.message"].flush_model(
            [
                "model",
                "res_id",
                "date",
                "message_type",
                "author_id",
                "subject",
                "mail_activity_type_id",
                "is_internal",
                "subtype_id",
                "partner_ids",
            ]
        )
        self.env["mail.message.subtype"].flush_model(["internal"])
        self.env["mail.activity.type"].flush_model(["category"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "kam_is_key_account", "active", "company_id"])
        self.env["mail.notification"].flush_model(["mail_message_id", "res_partner_id"])
        self.env["res.users"].flush_model(["partner_id", "share"])
        self.env["crm.lead"].flush_model(["partner_id", "company_id"])
        self.env["sale.order"].flush_model(["partner_id", "company_id"])
        self.env["kam.interaction"].flush_model(["source_model", "source_id", "partner_id"])
        kinds = []
        if emails:
            # received: written by the account or one of its contacts (not an internal user); an incoming
            # e-mail whatever its subtype (Odoo files a reply to a note, or the e-mail that creates a record,
            # under an internal subtype: it is still the customer writing)
            kinds.append(
                SQL(
                    """(doc.mail_activity_type_id IS NULL AND author.commercial_partner_id = acc.id
                        AND author_user.id IS NULL
                        AND (doc.message_type = 'email'
                             OR (doc.message_type = 'comment' AND NOT COALESCE(doc.is_internal, FALSE)
                                 AND NOT COALESCE(st.internal, FALSE))))"""
                )
            )
            # sent: by an internal user, with the account or one of its contacts among the recipients
            kinds.append(
                SQL(
                    """(doc.mail_activity_type_id IS NULL AND doc.message_type IN ('email', 'comment', 'email_outgoing')
                        AND NOT COALESCE(doc.is_internal, FALSE) AND NOT COALESCE(st.internal, FALSE)
                        AND author_user.id IS NOT NULL AND recipient.commercial_partner_id = acc.id)"""
                )
            )
        if activities:
            kinds.append(SQL("(act.category IN ('phonecall', 'meeting'))"))
        if not kinds:
            return []
        self.env.cr.execute(
            SQL(
                """
                WITH msg AS MATERIALIZED (
                    SELECT m.id, m.model, m.res_id, m.date, m.message_type, m.author_id, m.subtype_id,
                           m.is_internal, m.mail_activity_type_id
                      FROM mail_message m
                     WHERE m.model IN %(models)s AND m.res_id IS NOT NULL
                       AND m.message_type IN ('email', 'comment', 'email_outgoing', 'notification')
                       -- a notification counts only as a done activity: the jobs' own notes (tier
                       -- changes, reviews...) go no further than this
                       AND (m.message_type != 'notification' OR m.mail_activity_type_id IS NOT NULL)
                       AND %(new)s
                ), doc AS (
                    -- the account of each message's document: one join per model, on primary keys
                    SELECT msg.*, NULL::int AS lead_id, NULL::int AS order_id, NULL::int AS company_id,
                           rp.commercial_partner_id AS account_id, rp.id AS doc_partner_id
                      FROM msg JOIN res_partner rp ON rp.id = msg.res_id
                     WHERE msg.model = 'res.partner'
                     UNION ALL
                    SELECT msg.*, lead.id, NULL, lead.company_id, lp.commercial_partner_id, lp.id
                      FROM msg JOIN crm_lead lead ON lead.id = msg.res_id JOIN res_partner lp ON lp.id = lead.partner_id
                     WHERE msg.model = 'crm.lead'
                     UNION ALL
                    SELECT msg.*, NULL, so.id, so.company_id, sp.commercial_partner_id, sp.id
                      FROM msg JOIN sale_order so ON so.id = msg.res_id JOIN res_partner sp ON sp.id = so.partner_id
                     WHERE msg.model = 'sale.order'
                )
                SELECT doc.id, acc.id, MIN(doc.date), MIN(doc.lead_id), MIN(doc.order_id),
                       COALESCE(MIN(doc.company_id), MIN(acc.company_id)), MIN(acc.kam_manager_id),
                       MIN(act.category), BOOL_OR(author_user.id IS NOT NULL), MIN(author_user.id),
                       ARRAY_REMOVE(ARRAY_AGG(DISTINCT CASE WHEN author.commercial_partner_id = acc.id
                                                            THEN author.id END), NULL)
                       || ARRAY_REMOVE(ARRAY_AGG(DISTINCT CASE WHEN recipient.commercial_partner_id = acc.id
                                                               THEN recipient.id END), NULL),
                       MIN(doc.doc_partner_id),
                       -- our people it was sent to (an e-mail received: who at our company got it)
                       ARRAY_REMOVE(ARRAY_AGG(DISTINCT recipient_user.id), NULL)
                  FROM doc
                  JOIN res_partner acc ON acc.id = doc.account_id AND %(key_account)s
             LEFT JOIN mail_message_subtype st ON st.id = doc.subtype_id
             LEFT JOIN mail_activity_type act ON act.id = doc.mail_activity_type_id
             LEFT JOIN res_partner author ON author.id = doc.author_id
             LEFT JOIN res_users author_user ON author_user.partner_id = doc.author_id AND NOT author_user.share
             -- the recipients: those named on the message, and the followers it was sent to
             LEFT JOIN LATERAL (SELECT r.res_partner_id FROM mail_message_res_partner_rel r
                                 WHERE r.mail_message_id = doc.id
                                 UNION
                                SELECT n.res_partner_id FROM mail_notification n
                                 WHERE n.mail_message_id = doc.id AND n.res_partner_id IS NOT NULL) mr ON TRUE
             LEFT JOIN res_partner recipient ON recipient.id = mr.res_partner_id
             LEFT JOIN res_users recipient_user ON recipient_user.partner_id = mr.res_partner_id
                                               AND NOT recipient_user.share AND recipient_user.active
                 WHERE (%(kinds)s)
                   AND NOT EXISTS (SELECT 1 FROM kam_interaction i
                                    WHERE i.source_model = 'mail.message' AND i.source_id = doc.id
                                      AND i.partner_id = acc.id)
              GROUP BY doc.id, acc.id
                """,
                models=TRAFFIC_MODELS,
                new=new,
                key_account=key_account_sql("acc"),
                kinds=SQL(" OR ").join(kinds),
            )
        )
        rows = []
        for row in self.env.cr.fetchall():
            (
                mid,
                account,
                date,
                lead,
                order,
                company,
                manager,
                category,
                by_user,
                user,
                contacts,
                doc_partner,
                to_users,
            ) = row
            if category:
                channel, direction = ("phone" if category == "phonecall" else "meeting"), "outbound"
                # a call or a meeting done on a contact's record, or on a document of a contact: with them
                contacts = [doc_partner]
            else:
                channel, direction = "email", "outbound" if by_user else "inbound"
            rows.append(
                {
                    "source_model": "mail.message",
                    "source_id": mid,
                    "partner_id": account,
                    "date": date,
                    "lead_id": lead,
                    "sale_order_id": order,
                    # the document the message is on
                    "document": ("crm.lead", lead)
                    if lead
                    else ("sale.order", order)
                    if order
                    else ("res.partner", doc_partner),
                    "company_id": company,
                    "kam_manager_id": manager,
                    "channel": channel,
                    "direction": direction,
                    "kind": category or direction,
                    "source": "activity" if category else "email",
                    # the internal author; for an e-mail received, our people among its recipients
                    "user_ids": [user] if user else sorted(to_users or []),
                    "contact_ids": [c for c in dict.fromkeys(contacts or []) if c != account],
                }
            )
        return rows

    @api.model
    def _event_rows(self, last_run, trailing_start, new_accounts, now):
        """Past calendar events with the account or one of its contacts among
        the attendees (not declined): those that ended or were changed since
        the last run (every one of the trailing window on the first run), and
        those of ``new_accounts``. One row per event and account."""
        self.env["calendar.event"].flush_model(["name", "stop", "active", "user_id", "opportunity_id", "privacy"])
        self.env["res.users.settings"].flush_model(["user_id", "calendar_default_privacy"])
        self.env["calendar.attendee"].flush_model(["event_id", "partner_id", "state"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "kam_is_key_account", "active", "company_id"])
        self.env["kam.interaction"].flush_model(["source_model", "source_id", "partner_id"])
        if last_run is None:
            new = SQL("TRUE")
        else:
            since = last_run - CHANGE_MARGIN
            new = SQL("(e.stop >= %s OR e.write_date >= %s)", since, since)
            if new_accounts:
                new = SQL(
                    """(%s OR e.id IN (SELECT a.event_id FROM calendar_attendee a
                                        JOIN res_partner c ON c.id = a.partner_id
                                       WHERE c.commercial_partner_id = ANY(%s)))""",
                    new,
                    list(new_accounts),
                )
        # three narrow queries, each on its own keys, not one join that the planner may start from every
        # key account's contacts: the events' attendees (calendar tables), their accounts (primary keys),
        # the events already logged (unique index)
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT e.id, e.stop, e.opportunity_id, e.user_id,
                       -- a private event's title is its organizer's and attendees' (Odoo shows others "Busy")
                       CASE WHEN e.privacy = 'private'
                              OR (e.privacy IS NULL AND EXISTS (
                                    SELECT 1 FROM res_users_settings s
                                     WHERE s.user_id = e.user_id AND s.calendar_default_privacy = 'private'))
                            THEN NULL ELSE e.name END,
                       a.partner_id
                  FROM calendar_event e
                  JOIN calendar_attendee a ON a.event_id = e.id AND a.state IS DISTINCT FROM 'declined'
                 WHERE e.active AND e.stop <= %(now)s AND e.stop >= %(start)s AND %(new)s
                """,
                now=now,
                start=trailing_start,
                new=new,
            )
        )
        attendees = cr.fetchall()
        if not attendees:
            return []
        cr.execute(
            SQL(
                """
                SELECT c.id, acc.id, acc.company_id, acc.kam_manager_id
                  FROM res_partner c
                  JOIN res_partner acc ON acc.id = c.commercial_partner_id AND %s
                 WHERE c.id = ANY(%s)
                """,
                key_account_sql("acc"),
                list({row[5] for row in attendees}),
            )
        )
        accounts = {pid: (account, company, manager) for pid, account, company, manager in cr.fetchall()}
        cr.execute(
            SQL(
                "SELECT source_id, partner_id FROM kam_interaction WHERE source_model = 'calendar.event' "
                "AND source_id = ANY(%s)",
                list({row[0] for row in attendees}),
            )
        )
        logged = set(cr.fetchall())
        internal_users = self.env["res.users"].sudo().search([("share", "=", False)])
        internal = set(internal_users.ids)
        # our people among the attendees (the organizer first)
        user_of_partner = {user.partner_id.id: user.id for user in internal_users}
        attending = {}
        for eid, __, __, __, __, pid in attendees:
            if pid in user_of_partner:
                attending.setdefault(eid, []).append(user_of_partner[pid])
        rows = {}
        for eid, stop, lead, user, name, pid in attendees:
            if pid not in accounts or (eid, accounts[pid][0]) in logged:
                continue
            account, company, manager = accounts[pid]
            row = rows.setdefault(
                (eid, account),
                {
                    "source_model": "calendar.event",
                    "source_id": eid,
                    "partner_id": account,
                    "date": stop,
                    "lead_id": lead,
                    "sale_order_id": None,
                    "company_id": company,
                    "kam_manager_id": manager,
                    "channel": "meeting",
                    "direction": "outbound",
                    "kind": "event",
                    "source": "event",
                    "name": name,
                    "user_ids": list(
                        dict.fromkeys(([user] if user in internal else []) + sorted(attending.get(eid, [])))
                    ),
                    "contact_ids": [],
                },
            )
            if pid != account and pid not in row["contact_ids"]:
                row["contact_ids"].append(pid)
        return list(rows.values())

    @api.model
    def _without_event_meetings(self, rows, event_companies, default_company):
        """``rows`` but the meetings done as activities that are the meeting
        of a calendar event, when events count (the company's setting):
        Odoo gives an event created from a document (an opportunity...) a
        meeting activity on it, marked done after the meeting. The event
        counts, not its activity: a meeting activity done on a document
        with a calendar event of that document in the week before or after."""
        meetings = [
            row
            for row in rows
            if row["kind"] == "meeting"
            and row["source"] == "activity"
            and (row["company_id"] or default_company) in event_companies
        ]
        if not meetings:
            return rows
        self.env["calendar.event"].flush_model(["res_model", "res_id", "stop", "active"])
        documents = {row["document"] for row in meetings}
        self.env.cr.execute(
            SQL(
                """SELECT e.res_model, e.res_id, e.stop FROM calendar_event e
                    WHERE e.active AND e.res_id = ANY(%s) AND e.res_model = ANY(%s)""",
                list({res_id for __, res_id in documents}),
                list({model for model, __ in documents}),
            )
        )
        events = defaultdict(list)
        for model, res_id, stop in self.env.cr.fetchall():
            events[model, res_id].append(stop)
        week = timedelta(days=7)
        same = {
            id(row)
            for row in meetings
            if any(abs(stop - row["date"]) <= week for stop in events.get(row["document"], ()))
        }
        return [row for row in rows if id(row) not in same]

    # ------------------------------------------------------------------
    # Writer
    # ------------------------------------------------------------------
    @api.model
    def _log_interactions(self, rows):
        """One done interaction per row, inserted in bulk (kam.job
        ``_insert_rows``: no mail.thread, no follow-up), with its
        participants; named in the language of the account's manager."""
        if not rows:
            return []
        Interaction = self.env["kam.interaction"]
        managers = self.env["res.users"].sudo().browse({r["kam_manager_id"] for r in rows if r["kam_manager_id"]})
        envs = {user.id: user._kam_reader_env(self.env) for user in managers}
        contacts = self.env["res.partner"].sudo().browse({c for r in rows for c in r["contact_ids"]})
        names = {c.id: c.name or c.display_name for c in contacts}
        vals_list = []
        for row in rows:
            env = envs.get(row["kam_manager_id"], self.env)
            who = ", ".join(names[c] for c in row["contact_ids"][:3] if names.get(c))
            labels = {
                "inbound": env._("E-mail from %(who)s", who=who) if who else env._("E-mail received"),
                "outbound": env._("E-mail to %(who)s", who=who) if who else env._("E-mail sent"),
                "phonecall": env._("Call with %(who)s", who=who) if who else env._("Call done"),
                "meeting": env._("Meeting with %(who)s", who=who) if who else env._("Meeting done"),
            }
            labels["event"] = labels["meeting"]
            vals_list.append(
                {
                    "name": row.get("name") or labels[row["kind"]],
                    "date": row["date"],
                    "channel": row["channel"],
                    "direction": row["direction"],
                    "state": "done",
                    "partner_id": row["partner_id"],
                    "company_id": row["company_id"] or False,
                    "kam_manager_id": row["kam_manager_id"] or False,
                    "lead_id": row["lead_id"] or False,
                    "sale_order_id": row["sale_order_id"] or False,
                    "source_model": row["source_model"],
                    "source_id": row["source_id"],
                    "resolution_hours": 0.0,
                }
            )
        ids = self.env["kam.job"]._insert_rows(Interaction, vals_list)
        links = {"kam_interaction_contact_rel": "contact_ids", "kam_interaction_user_rel": "user_ids"}
        columns = {"kam_interaction_contact_rel": "partner_id", "kam_interaction_user_rel": "user_id"}
        for table, key in links.items():
            pairs = [(iid, other) for iid, row in zip(ids, rows, strict=True) for other in row[key]]
            if pairs:
                self.env.cr.execute(
                    SQL(
                        "INSERT INTO %s (interaction_id, %s) VALUES %s ON CONFLICT DO NOTHING",
                        SQL.identifier(table),
                        SQL.identifier(columns[table]),
                        SQL(", ".join(["(%s, %s)"] * len(pairs)), *[v for pair in pairs for v in pair]),
                    )
                )
        Interaction.invalidate_model()
        return ids
