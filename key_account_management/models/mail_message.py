# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.exceptions import AccessError, UserError


class MailMessage(models.Model):
    _inherit = "mail.message"

    def action_kam_create_interaction(self):
        """Turn an e-mail (or a note) of an account's or an opportunity's
        chatter into an interaction: channel e-mail, date, author,
        participants and body filled in. Returns the interaction's form."""
        self.ensure_one()
        if not self.env.user.has_group("key_account_management.group_kam_user"):
            raise AccessError(self.env._("Only key account users can log interactions."))
        self.check_access("read")
        lead = self.env["crm.lead"]
        if self.model == "crm.lead":
            lead = self.env["crm.lead"].browse(self.res_id)
            account = lead.partner_id.commercial_partner_id
        elif self.model == "res.partner":
            account = self.env["res.partner"].browse(self.res_id).commercial_partner_id
        else:
            raise UserError(
                self.env._("Interactions are logged from the messages of a key account or of an opportunity.")
            )
        if not account.kam_is_key_account:
            raise UserError(
                self.env._(
                    "“%s” is not a key account: mark it as key account before logging its e-mails.",
                    account.display_name,
                )
            )
        people = self.author_id | self.partner_ids
        contacts = people.filtered(lambda p: p.commercial_partner_id == account and p != account)
        users = people.user_ids.filtered(lambda u: not u.share) or self.env.user
        inbound = self.author_id.commercial_partner_id == account
        # the e-mail logged once per account, by hand or by the traffic stage (kam.traffic.engine)
        interaction = self.env["kam.interaction"].search(
            [("source_model", "=", "mail.message"), ("source_id", "=", self.id), ("partner_id", "=", account.id)],
            limit=1,
        ) or self.env["kam.interaction"].create(
            {
                "partner_id": account.id,
                "lead_id": lead.id,
                "name": self.subject or self.record_name or self.env._("E-mail"),
                "channel": "email",
                "direction": "inbound" if inbound else "outbound",
                "date": self.date,
                "contact_ids": [(6, 0, contacts.ids)],
                "user_ids": [(6, 0, users.ids)],
                "summary": self.body,
            }
        )
        if not interaction.source_model:
            # its source, which users do not write (kam.interaction._kam_check_source): the message
            # was read above, the interaction created as the user
            interaction.sudo().write({"source_model": "mail.message", "source_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": "kam.interaction",
            "res_id": interaction.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
