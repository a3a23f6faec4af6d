# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import KamCommon

_logger = logging.getLogger(__name__)


class MatrixCommon(KamCommon):
    """Three duties: two required for every account (information upkeep,
    collections), one required by tier A only (technical support)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Duty = cls.env["kam.duty"]
        # the shipped duties: not required here, so that the gaps are the test's
        Duty.search([]).required = False
        cls.duty_info = Duty.create(
            {"name": "Matrix info upkeep", "function": "sales", "required": True, "sequence": 1}
        )
        cls.duty_cash = Duty.create(
            {"name": "Matrix collections", "function": "finance", "required": True, "sequence": 2}
        )
        cls.duty_tech = Duty.create({"name": "Matrix tech support", "function": "technical", "sequence": 3})
        cls.tier_a.duty_ids = cls.duty_tech
        cls.Matrix = cls.env["kam.responsibility.matrix"]

    def _matrix(self, user, **kwargs):
        return self.Matrix.with_user(user).get_matrix(**kwargs)

    def _row(self, data, account):
        rows = [row for row in data["accounts"] if row["id"] == account.id]
        self.assertEqual(len(rows), 1, f"{account.name} is on the page once")
        return rows[0]

    def _cell(self, data, account, duty):
        row = self._row(data, account)
        duty_ids = [d["id"] for d in data["duties"]]
        return row["cells"][duty_ids.index(duty.id)]


@tagged("post_install", "-at_install")
class TestResponsibilityMatrix(MatrixCommon):
    def test_user_sees_own_accounts_with_owner_raci_deadline_and_gaps(self):
        deadline = self.today + relativedelta(days=10)
        Resp = self.env["kam.responsibility"].with_user(self.kam_user)
        info = Resp.create(
            {
                "partner_id": self.account.id,
                "duty_id": self.duty_info.id,
                "user_id": self.kam_user2.id,
                "deadline": deadline,
            }
        )
        consulted = Resp.create(
            {
                "partner_id": self.account.id,
                "duty_id": self.duty_info.id,
                "user_id": self.kam_user.id,
                "raci": "consulted",
            }
        )
        # a proposed collections line, nobody yet: still a gap
        Resp.create({"partner_id": self.account.id, "duty_id": self.duty_cash.id, "state": "draft"})
        # the other user's account has its own responsibility
        self.env["kam.responsibility"].create(
            {"partner_id": self.other_account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user2.id}
        )

        data = self._matrix(self.kam_user)
        self.assertEqual([row["id"] for row in data["accounts"]], [self.account.id], "only the user's own account")
        self.assertEqual(data["total"], 1)
        self.assertTrue(data["can_edit"])
        self.assertTrue(self._row(data, self.account)["editable"])
        duty_ids = [d["id"] for d in data["duties"]]
        self.assertLess(duty_ids.index(self.duty_info.id), duty_ids.index(self.duty_cash.id), "duties by sequence")

        cell = self._cell(data, self.account, self.duty_info)
        self.assertEqual([e["id"] for e in cell["entries"]], [info.id, consulted.id])
        owner, other = cell["entries"]
        self.assertEqual(
            (owner["user_id"], owner["user_name"], owner["letter"], owner["deadline"], owner["state"]),
            (self.kam_user2.id, "KAM User Two", "R", deadline.isoformat(), "confirmed"),
        )
        self.assertFalse(owner["overdue"])
        self.assertEqual((other["user_name"], other["letter"], other["deadline"]), ("KAM User", "C", False))
        self.assertEqual(
            (owner["user_in_team"], other["user_in_team"]), (False, True), "the owner is not in the account team"
        )
        self.assertEqual((cell["required"], cell["gap"]), (True, False))

        cash = self._cell(data, self.account, self.duty_cash)
        self.assertEqual((cash["required"], cash["gap"]), (True, True), "proposed, nobody yet: a gap")
        self.assertEqual([(e["state"], e["user_id"], e["letter"]) for e in cash["entries"]], [("draft", False, "R")])

        tech = self._cell(data, self.account, self.duty_tech)
        self.assertEqual((tech["required"], tech["gap"], tech["entries"]), (False, False, []), "not required")

    def test_tier_required_duty_and_archived_owner_are_gaps(self):
        # tier A: its duties are proposed (drafts, nobody yet) for the account
        self.account.kam_tier_id = self.tier_a
        left = new_test_user(self.env, "kam_matrix_left", groups="key_account_management.group_kam_user")
        proposed = self.account.kam_responsibility_ids
        self.assertEqual(proposed.duty_id, self.duty_info | self.duty_cash | self.duty_tech)
        proposed.filtered(lambda r: r.duty_id == self.duty_info).write(
            {"user_id": left.id, "state": "confirmed", "deadline": self.today - relativedelta(days=1)}
        )
        left.active = False
        data = self._matrix(self.kam_user)
        tech = self._cell(data, self.account, self.duty_tech)
        self.assertEqual((tech["required"], tech["gap"]), (True, True), "required by the account's tier")
        info = self._cell(data, self.account, self.duty_info)
        self.assertTrue(info["gap"], "an owner who left covers nothing")
        self.assertEqual(
            (info["entries"][0]["user_active"], info["entries"][0]["user_name"], info["entries"][0]["overdue"]),
            (False, left.name, True),
        )

    def test_overdue_by_cadence_without_deadline(self):
        """A cell is overdue as the duty reminders say: the next due date
        (the deadline, else last done plus the cadence) has passed."""
        resp = self.env["kam.responsibility"].create(
            {
                "partner_id": self.account.id,
                "duty_id": self.duty_info.id,
                "user_id": self.kam_user.id,
                "cadence": "weekly",
            }
        )
        resp.last_done_date = self.today - relativedelta(days=10)
        entry = self._cell(self._matrix(self.kam_user), self.account, self.duty_info)["entries"][0]
        self.assertEqual((entry["deadline"], entry["overdue"]), (False, True))
        resp.last_done_date = self.today
        entry = self._cell(self._matrix(self.kam_user), self.account, self.duty_info)["entries"][0]
        self.assertFalse(entry["overdue"])

    def test_manager_sees_all_and_pages_by_name(self):
        for name in ("Matrix Page C", "Matrix Page A", "Matrix Page B"):
            self._make_account(name, manager=self.kam_user2)
        first = self._matrix(self.kam_manager, search="matrix page", limit=2)
        self.assertEqual([row["name"] for row in first["accounts"]], ["Matrix Page A", "Matrix Page B"])
        self.assertEqual((first["total"], first["offset"], first["limit"]), (3, 0, 2))
        self.assertTrue(all(row["editable"] for row in first["accounts"]), "a manager edits every account")
        second = self._matrix(self.kam_manager, search="matrix page", offset=2, limit=2)
        self.assertEqual([row["name"] for row in second["accounts"]], ["Matrix Page C"])
        # "with gaps": the accounts with a required duty nobody confirmed owns
        self.env["kam.responsibility"].create(
            [
                {"partner_id": self.account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user.id},
                {"partner_id": self.account.id, "duty_id": self.duty_cash.id, "user_id": self.kam_user.id},
            ]
        )
        with_gaps = self._matrix(self.kam_manager, search="key account", gaps=True)
        self.assertEqual([row["name"] for row in with_gaps["accounts"]], ["Other Key Account"])
        self.assertEqual(self._matrix(self.kam_user, gaps=True)["total"], 0, "the user's account has no gap")
        # "my accounts": the manager is in no account's team
        self.assertEqual(self._matrix(self.kam_manager, search="matrix page", mine=True)["total"], 0)
        # a user in the account team sees it among their accounts
        self.other_account.kam_team_user_ids = self.kam_user
        data = self._matrix(self.kam_user, mine=True)
        self.assertEqual({row["id"] for row in data["accounts"]}, {self.account.id, self.other_account.id})

    def test_viewer_reads_without_editing(self):
        viewer = new_test_user(self.env, "kam_matrix_viewer", groups="key_account_management.group_kam_viewer")
        self.account.kam_team_user_ids = viewer
        data = self._matrix(viewer)
        self.assertEqual([row["id"] for row in data["accounts"]], [self.account.id])
        self.assertFalse(data["can_edit"])
        self.assertFalse(self._row(data, self.account)["editable"])

    def test_refused_without_key_account_group(self):
        with self.assertRaisesMessage(AccessError, "key account users and managers"):
            self._matrix(self.salesman)

    def test_bad_paging_arguments_refused(self):
        for kwargs, message in (
            ({"limit": -1}, "1 to 200 accounts per page"),
            ({"limit": 0}, "1 to 200 accounts per page"),
            ({"limit": 10000}, "1 to 200 accounts per page"),
            ({"limit": "50"}, "1 to 200 accounts per page"),
            ({"limit": True}, "1 to 200 accounts per page"),
            ({"offset": -5}, "offset must be a whole number"),
            ({"offset": 1.5}, "offset must be a whole number"),
            ({"offset": 2**63}, "offset must be a whole number"),
            ({"search": 42}, "with a text"),
            ({"search": "x" * 101}, "at most 100 characters"),
            ({"mine": "yes"}, "on or off"),
            ({"gaps": 1}, "on or off"),
        ):
            with self.subTest(**kwargs), self.assertRaisesMessage(UserError, message):
                self._matrix(self.kam_user, **kwargs)

    def test_cell_edits_go_through_the_orm_rules(self):
        """What the client writes: a user fills a gap of their account and
        cannot write a cell of another user's account."""
        Resp = self.env["kam.responsibility"].with_user(self.kam_user)
        Resp.create(
            {
                "partner_id": self.account.id,
                "duty_id": self.duty_cash.id,
                "user_id": self.kam_user.id,
                "raci": "responsible",
                "state": "confirmed",
            }
        )
        self.assertFalse(self._cell(self._matrix(self.kam_user), self.account, self.duty_cash)["gap"])
        with self.assertRaises(AccessError):
            Resp.create(
                {"partner_id": self.other_account.id, "duty_id": self.duty_cash.id, "user_id": self.kam_user.id}
            )
        with self.assertRaises(UserError):  # ValidationError: a second responsible (R)
            Resp.create({"partner_id": self.account.id, "duty_id": self.duty_cash.id, "user_id": self.kam_user2.id})

    def test_what_i_own(self):
        """The "What I Own" action opens the user's lines as owner, backup or
        escalation (its default filter), grouped by account."""
        Resp = self.env["kam.responsibility"]
        self.account.kam_team_user_ids = self.kam_user2
        owned = Resp.create({"partner_id": self.account.id, "duty_id": self.duty_info.id, "user_id": self.kam_user2.id})
        backup = Resp.create(
            {
                "partner_id": self.account.id,
                "duty_id": self.duty_cash.id,
                "user_id": self.kam_user.id,
                "backup_user_id": self.kam_user2.id,
            }
        )
        escalation = Resp.create(
            {
                "partner_id": self.other_account.id,
                "duty_id": self.duty_info.id,
                "user_id": self.kam_user.id,
                "escalation_user_id": self.kam_user2.id,
            }
        )
        Resp.create({"partner_id": self.other_account.id, "duty_id": self.duty_cash.id, "user_id": self.kam_user.id})
        action = self.env.ref("key_account_management.kam_responsibility_mine_action")
        context = safe_eval(action.context)
        self.assertEqual(context, {"search_default_mine_any": 1, "search_default_group_account": 1})
        search_view = Resp.with_user(self.kam_user2).get_view(action.search_view_id.id, "search")
        arch = etree.fromstring(search_view["arch"])
        domain = safe_eval(arch.xpath("//filter[@name='mine_any']")[0].get("domain"), {"uid": self.kam_user2.id})
        mine = Resp.with_user(self.kam_user2).search(domain)
        self.assertEqual(mine, owned | backup | escalation)


@tagged("post_install", "-at_install", "is_query_count")
class TestResponsibilityMatrixQueryCount(MatrixCommon):
    """A page of 50 accounts costs as many queries as a page of 2."""

    def _add_accounts(self, count, start):
        Resp = self.env["kam.responsibility"]
        for index in range(start, start + count):
            account = self._make_account(f"Matrix counted {index:03d}", manager=self.kam_user)
            owner = self.kam_user if index % 2 else self.kam_user2
            Resp.create(
                [
                    {"partner_id": account.id, "duty_id": self.duty_info.id, "user_id": owner.id},
                    {
                        "partner_id": account.id,
                        "duty_id": self.duty_info.id,
                        "user_id": self.kam_manager.id,
                        "raci": "informed",
                    },
                    {"partner_id": account.id, "duty_id": self.duty_cash.id, "state": "draft"},
                ]
            )
            if index % 3 == 0:
                account.kam_tier_id = self.tier_a

    def _queries(self):
        self.env.invalidate_all()
        self.env.flush_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        self._matrix(self.kam_user, search="Matrix counted", limit=50)
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def test_query_count(self):
        self._add_accounts(2, 0)
        self._queries()  # warm the caches
        few = self._queries()
        _logger.info("responsibility matrix: %s queries a page", few)
        self.assertLessEqual(few, 20, "a page: a fixed, small number of queries")
        self._add_accounts(60, 2)
        self._queries()
        with self.assertQueryCount(few):
            self.env.invalidate_all()
            data = self._matrix(self.kam_user, search="Matrix counted", limit=50)
        self.assertEqual(len(data["accounts"]), 50)
        self.assertEqual(data["total"], 62)
        page = [row["id"] for row in data["accounts"]]
        lines = self.env["kam.responsibility"].search_count(
            [("partner_id", "in", page), ("duty_id", "in", (self.duty_info | self.duty_cash | self.duty_tech).ids)]
        )
        self.assertEqual(sum(len(cell["entries"]) for row in data["accounts"] for cell in row["cells"]), lines)
        self.assertGreater(lines, 150, "three lines an account, and the duties tier A proposes")
