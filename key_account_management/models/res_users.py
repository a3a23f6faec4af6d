# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class ResUsers(models.Model):
    """A user for the key-account addon: away (the warnings and tasks of
    their duties go to the backups, kam.routing) and the weekly digest
    (kam.digest): opting out, the week it was last prepared, and the buttons
    of the preferences form."""

    _inherit = "res.users"

    kam_away = fields.Boolean(
        "Away (Key Accounts)",
        help="While set, the key-account warnings and tasks of the duties this user owns go to the backup "
        "of each duty. When it is set, the open key-account activities this user already has are handed over the "
        "same way (they do not come back with the user). Set by the user in their preferences, or by a key account "
        "manager.",
    )
    kam_digest_opt_out = fields.Boolean(
        "No Weekly Key Account Digest",
        help="Do not e-mail me the weekly digest of my key accounts.",
    )
    kam_digest_sent_on = fields.Date(
        "Key Account Digest Prepared On",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The last day the weekly digest was prepared for this user (sent, or nothing to report): "
        "it is prepared once a week.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["kam_away", "kam_digest_opt_out"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["kam_away", "kam_digest_opt_out"]

    def write(self, vals):
        # marked away (in their preferences, by a key account manager, on the user's form): their open
        # activities of the jobs go to whoever the routing chooses now; coming back moves nothing back
        going_away = self.sudo().filtered(lambda user: not user.kam_away) if vals.get("kam_away") else None
        res = super().write(vals)
        if going_away:
            self.env["kam.routing"].sudo()._reroute_away_activities(going_away)
        return res

    def _kam_reader_env(self, env=None):
        """``env`` (default: this record's) in the language and time zone of
        this user: where the texts the addon writes for them are rendered
        (activities, chatter notes, e-mails, interaction names, reviews). A
        user without language gets English; without time zone, UTC."""
        self.ensure_one()
        env = self.env if env is None else env
        user = self.sudo()
        return env(context=dict(env.context, lang=user.lang or "en_US", tz=user.tz or "UTC"))

    def _kam_set_away(self, away):
        """Mark these users away (or back): themselves, or a key account
        manager for anyone. Away, their open activities of the jobs go to
        the backups (see ``write``)."""
        others = self - self.env.user
        if others:
            if not self.env.user.has_group("key_account_management.group_kam_manager"):
                raise AccessError(self.env._("Only a key account manager marks someone else away."))
            # away is for all companies: a manager of one company does not reroute another's warnings
            foreign = others.sudo().filtered(lambda user: not user.company_ids & self.env.user.company_ids)
            if foreign:
                raise AccessError(
                    self.env._(
                        "A key account manager marks away only the users of their companies (%s).",
                        ", ".join(foreign.mapped("name")),
                    )
                )
        self.sudo().write({"kam_away": bool(away)})

    def _kam_digest_check_self(self):
        """Only one's own digest, and only with the key-account user group."""
        self.ensure_one()
        if self != self.env.user or not self.env.user.has_group("key_account_management.group_kam_user"):
            raise AccessError(self.env._("Only a key account user can preview or send their own key account digest."))

    def action_kam_digest_preview(self):
        """The digest this user would get now, without sending it."""
        self._kam_digest_check_self()
        preview = self.env["kam.digest.preview"].create({})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("My Key Account Digest"),
            "res_model": "kam.digest.preview",
            "res_id": preview.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_kam_digest_send(self):
        """E-mail the digest to this user now (queued), whatever the week."""
        self._kam_digest_check_self()
        if not self.email:
            raise UserError(self.env._("Give your user an e-mail address first (in your preferences)."))
        self.env["kam.digest"]._check_enabled(self)
        mails = self.env["kam.digest"]._send(self, force=True)
        if not mails:
            message = self.env._("Nothing to report on your key accounts this week: no digest was sent.")
        else:
            message = self.env._("Your key account digest is on its way to %(email)s.", email=self.email)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success" if mails else "info", "sticky": False},
        }
