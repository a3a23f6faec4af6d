# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bulk paths (SQL inserts and updates of the jobs, marking many accounts
at once) attacked as other users and other companies would: they skip the
ORM, so they must do what the ORM would have done (sanitize HTML, keep
company boundaries)."""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from ..models.kam_activity import ActivityRequest
from .common import KamCommon

USER = "key_account_management.group_kam_user"
MANAGER = "key_account_management.group_kam_manager"


@tagged("post_install", "-at_install")
class TestBulkActivities(KamCommon):
    def test_bulk_activity_note_sanitized_as_the_orm_does(self):
        """An activity created in bulk stores the note the ORM would store:
        the HTML sanitized (no event handler survives)."""
        Activity = self.env["kam.activity"]
        note = "<p>Call <img src=x onerror=alert(1)> now</p>"
        orm = Activity._raise_once([ActivityRequest(self.account.id, "attack:orm", self.kam_user.id, "S", note)])
        bulk = Activity._raise_once(
            [ActivityRequest(self.account.id, "attack:bulk", self.kam_user.id, "S", note)], bulk=True
        )
        self.assertEqual(len(bulk), 1)
        self.env.flush_all()
        self.env.cr.execute("SELECT id, note FROM mail_activity WHERE id IN %s", [(orm.id, bulk.id)])
        stored = dict(self.env.cr.fetchall())
        self.assertNotIn("onerror", stored[orm.id], "the ORM sanitizes the note")
        self.assertEqual(stored[bulk.id], stored[orm.id], "the bulk insert stores what the ORM stores")
