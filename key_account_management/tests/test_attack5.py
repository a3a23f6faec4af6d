# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Attack round 5: bad input that reached the database on create."""

from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestAttack5DateText(KamCommon):
    """A date given as text with a NUL or text after it: Odoo reads the first
    10 characters of a date on write but sent the whole text to PostgreSQL on
    create (a psycopg2 error, a ValueError for the NUL)."""

    def _create_cases(self):
        account = self.account.id
        return [
            ("kam.plan", {"partner_id": account, "name": "Plan"}, "date_start"),
            (
                "kam.interaction",
                {"partner_id": account, "name": "Call", "next_step_user_id": self.kam_user.id},
                "next_step_date",
            ),
            ("kam.review", {"partner_id": account, "name": "R", "date_to": "2026-02-01"}, "date_from"),
            ("res.partner", {"name": "Someone", "parent_id": account}, "kam_birthday"),
        ]

    @mute_logger("odoo.sql_db")
    def test_date_text_with_nul_refused(self):
        for model, vals, fname in self._create_cases():
            with self.subTest(model=model, field=fname), self.assertRaises(ValidationError):
                self.env[model].with_user(self.kam_user).create(dict(vals, **{fname: "2026-01-01\x00"}))

    @mute_logger("odoo.sql_db")
    def test_date_text_read_as_write_reads_it(self):
        for model, vals, fname in self._create_cases():
            with self.subTest(model=model, field=fname):
                record = self.env[model].with_user(self.kam_user).create(dict(vals, **{fname: "2026-01-01 junk"}))
                self.assertEqual(record[fname], date(2026, 1, 1))


@tagged("post_install", "-at_install")
class TestAttack5RiskDescription(KamCommon):
    """A risk entered by hand: its description is saved as JSON, which the
    creation's input check did not see (a NUL was a database error)."""

    @mute_logger("odoo.sql_db")
    def test_description_with_nul_refused(self):
        Risk = self.env["kam.risk.signal"].with_user(self.kam_user)
        with self.assertRaisesMessage(ValidationError, "NUL"):
            Risk.create({"partner_id": self.account.id, "severity": "high", "description": "late \x00 payer"})
        risk = Risk.create({"partner_id": self.account.id, "severity": "high", "description": "late payer"})
        self.assertEqual(risk.description, "late payer")

    def test_description_search_with_nul_refused(self):
        Risk = self.env["kam.risk.signal"].with_user(self.kam_user)
        for operator in ("ilike", "not ilike"):
            with self.subTest(operator=operator), self.assertRaises(ValidationError):
                Risk.search([("description", operator, "late\x00")])
        Risk.search([("description", "ilike", "late")])


@tagged("post_install", "-at_install")
class TestAttack5ActivityStateValue(KamCommon):
    """Partners searched by activity state with a value that is no state (a
    list in the list, a dict): a message, not a TypeError (unhashable)."""

    def test_state_value_not_a_state(self):
        for env in (self.salesman, self.kam_user, self.env.user.sudo()):
            Partner = self.env["res.partner"].with_user(env) if not env.env.su else self.env["res.partner"].sudo()
            for operator, value in (("in", [["today"]]), ("=", {"a": 1}), ("not in", [{"a": 1}]), ("in", {"a": 1})):
                with self.subTest(user=env.login, operator=operator, value=value), self.assertRaises(UserError):
                    Partner.search([("activity_state", operator, value)])
            # states still searched
            Partner.search([("activity_state", "in", ["today", "overdue"])])
            Partner.search([("activity_state", "in", "today")])
            Partner.search([("activity_state", "=", False)])


@tagged("post_install", "-at_install")
class TestAttack5DateSearch(KamCommon):
    """Searches on the addon's dates with a value that is no date: a message,
    not a database error (in / not in lists, text after the date, a NUL, a
    number)."""

    @mute_logger("odoo.sql_db")
    def test_no_date_refused(self):
        cases = [
            ("res.partner", "kam_birthday"),
            ("res.partner", "kam_contract_date"),
            ("kam.plan", "date_start"),
            ("kam.interaction", "date"),
        ]
        bad = [
            ("in", ["x"]),
            ("not in", ["nan"]),
            ("in", [""]),
            ("in", ["2026-01-01\x00"]),
            ("in", [{"a": 1}]),
            ("not in", ("x",)),
            ("=", "2026-01-01\x00"),
            ("=", "2026-01-01 junk"),
            ("<", "2026-01-01 10:00:00junk"),
            ("=", 0),
            ("!=", True),
            ("in", [True]),
            ("in", [0]),
            ("=", ""),
            ("!=", ""),
        ]
        for model, fname in cases:
            Model = self.env[model].with_user(self.kam_user)
            for operator, value in bad:
                with (
                    self.subTest(model=model, field=fname, operator=operator, value=value),
                    self.assertRaises(ValidationError),
                ):
                    Model.search([(fname, operator, value)])
            # dates still searched
            Model.search([(fname, "in", ["2026-01-01", False])])
            Model.search([(fname, "=", "2026-01-01 10:00:00")])
            Model.search([(fname, "!=", False)])
            Model.search([(fname, ">=", "2026-01-01")])
