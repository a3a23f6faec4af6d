# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import ast
import base64
import io
import re
from datetime import datetime

import xlsxwriter

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..models import kam_account_privacy as private
from ..models.kam_job import KEY_ACCOUNT_DOMAIN

# Pseudo column: open risk signals, counted with one grouped query.
OPEN_SIGNALS = "open_signal_count"

# Exported columns in order: (field name, cell kind, column width).
EXPORT_COLUMNS = [
    ("name", "text", 36),
    ("ref", "text", 14),
    ("kam_tier_id", "many2one", 14),
    ("kam_manager_id", "many2one", 22),
    ("kam_team_user_ids", "many2many", 30),
    ("kam_revenue_current", "money", 18),
    ("kam_revenue_previous", "money", 18),
    ("kam_revenue_trend", "percent", 12),
    ("kam_order_count", "integer", 10),
    ("kam_avg_order_value", "money", 16),
    ("kam_first_order_date", "date", 12),
    ("kam_last_order_date", "date", 12),
    ("kam_last_interaction_date", "datetime", 17),
    ("kam_health_score", "integer", 10),
    ("kam_health_band", "selection", 12),
    ("kam_risk_level", "selection", 12),
    (OPEN_SIGNALS, "integer", 12),
    ("kam_currency_id", "many2one", 10),
]

DOMAIN_OPERATORS = {
    "=": "=",
    "!=": "≠",
    "<": "<",
    ">": ">",
    "<=": "≤",
    ">=": "≥",
}


class KamAccountExport(models.TransientModel):
    """Key accounts with their figures, health and risk to an Excel file
    (one row per account), from the selected accounts or from every account
    the list shows (its filters)."""

    _name = "kam.account.export"
    _description = "Key Account Excel Export"

    partner_ids = fields.Many2many(
        "res.partner",
        "kam_account_export_partner_rel",
        "export_id",
        "partner_id",
        "Selected Accounts",
        help="Accounts selected in the list; when empty, every key account matching the list's filters is exported.",
    )
    domain = fields.Char("List Filters", readonly=True, help="Filters of the list the export was started from.")
    account_count = fields.Integer("Accounts to Export", compute="_compute_account_count")
    file_data = fields.Binary("Excel File", readonly=True)
    file_name = fields.Char(readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") != "res.partner":
            return res
        if "partner_ids" in fields_list and context.get("active_ids"):
            res["partner_ids"] = [Command.set(context["active_ids"])]
        if "domain" in fields_list and isinstance(context.get("active_domain"), list | tuple):
            res["domain"] = repr(list(context["active_domain"]))
        return res

    @api.depends("partner_ids", "domain")
    def _compute_account_count(self):
        for wizard in self:
            if wizard._selected_ids():
                wizard.account_count = len(wizard._get_accounts()[0])
            else:
                wizard.account_count = self.env["res.partner"].search_count(wizard._get_search_domain())

    # ------------------------------------------------------------------
    # Accounts
    # ------------------------------------------------------------------
    def _get_list_domain(self):
        self.ensure_one()
        if not self.domain:
            return []
        unreadable = self.env._("The list filters of this export cannot be read: start the export again.")
        try:
            domain = ast.literal_eval(self.domain)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as error:
            raise UserError(unreadable) from error
        if not isinstance(domain, list | tuple):
            raise UserError(unreadable)
        domain = list(domain)
        try:
            # a domain the ORM can turn into a query (fields, operators,
            # structure), checked before it is searched or described
            self.env["res.partner"]._where_calc(expression.normalize_domain(domain))
        except (ValueError, TypeError, KeyError, IndexError, AssertionError) as error:
            raise UserError(unreadable) from error
        return domain

    def _selected_ids(self):
        """Ids of the selected records: the wizard's own link table, read
        without the partner record rules (which would silently drop the
        records the user may not read) so that they reach the access check
        of ``_get_accounts``."""
        self.ensure_one()
        return self.sudo().with_context(active_test=False).partner_ids.ids

    def _get_search_domain(self):
        """Key accounts matching the list's filters (nothing selected)."""
        return expression.AND([KEY_ACCOUNT_DOMAIN, self._get_list_domain()])

    def _get_accounts(self):
        """(accounts, skipped): the key accounts to export and the number of
        selected records that are not key accounts. Selected records the
        user cannot read are refused (AccessError), not silently dropped."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        selected_ids = self._selected_ids()
        if not selected_ids:
            return Partner.search(self._get_search_domain(), order="kam_revenue_current desc, name, id"), 0
        selected = Partner.browse(selected_ids)
        selected.check_access("read")
        accounts = selected.filtered_domain(KEY_ACCOUNT_DOMAIN)
        return accounts, len(selected) - len(accounts)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_export(self):
        self.ensure_one()
        accounts, skipped = self._get_accounts()
        if not accounts:
            raise UserError(
                self.env._("There is no key account to export: select key accounts in the list or change its filters.")
            )
        today = fields.Date.context_today(self)
        self.write(
            {
                "file_data": base64.b64encode(self._build_workbook(accounts, skipped)),
                "file_name": f"key_accounts_{fields.Date.to_string(today)}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
        }

    # ------------------------------------------------------------------
    # Workbook
    # ------------------------------------------------------------------
    def _read_rows(self, accounts):
        """Values of the exported columns, in a fixed number of queries: one
        read of every field, one for the team names, one grouped count of
        the open risk signals (as the user: accounts whose signals the user
        may not read get an empty cell, not a misleading zero)."""
        fnames = [fname for fname, __, __ in EXPORT_COLUMNS if fname != OPEN_SIGNALS]
        rows = accounts.read(fnames)  # (the health band among them: an account scored or not)
        rows.sort(key=lambda row: (-(row["kam_revenue_current"] or 0.0), row["name"] or "", row["id"]))
        team_ids = {uid for row in rows for uid in row["kam_team_user_ids"]}
        team_names = {
            user["id"]: user["display_name"] for user in self.env["res.users"].browse(team_ids).read(["display_name"])
        }
        signals = self.env["kam.risk.signal"]._read_group(
            [("partner_id", "in", accounts.ids), ("is_open", "=", True)], ["partner_id"], ["__count"]
        )
        signal_counts = {partner.id: count for partner, count in signals}
        user = self.env.user
        sees_all = private.sees_all_accounts(self.env)
        private_fields = self.env["res.partner"]._kam_private_fields() & set(fnames)
        for row in rows:
            member = (
                sees_all
                or (row["kam_manager_id"] and row["kam_manager_id"][0] == user.id)
                or user.id in row["kam_team_user_ids"]
            )
            row[OPEN_SIGNALS] = signal_counts.get(row["id"], 0) if member else None
            if not member:
                # another team's account: empty cells, not misleading zeros
                row.update(dict.fromkeys(private_fields))
            row["kam_team_user_ids"] = ", ".join(team_names[uid] for uid in row["kam_team_user_ids"])
            if not row["kam_health_band"]:
                # never scored yet: an empty cell, not a score of 0
                row["kam_health_score"] = None
        return rows

    def _column_labels(self):
        """Field labels and selection values in the user's language."""
        fnames = [fname for fname, __, __ in EXPORT_COLUMNS if fname != OPEN_SIGNALS]
        described = self.env["res.partner"].fields_get(fnames, attributes=["string", "selection"])
        labels = {fname: described[fname]["string"] for fname in fnames}
        labels[OPEN_SIGNALS] = self.env._("Open Risk Signals")
        selections = {fname: dict(desc["selection"]) for fname, desc in described.items() if desc.get("selection")}
        return labels, selections

    @api.model
    def _sheet_name(self, name):
        """A valid Excel sheet name (translations may not be one)."""
        return re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Sheet"

    @api.model
    def _money_format(self, currency):
        """Excel number format of an amount in ``currency``."""
        number = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places > 0 else "")
        symbol = (currency.symbol or currency.name).replace('"', "")
        if currency.position == "before":
            return f'"{symbol}"{number};-"{symbol}"{number}'
        return f'{number} "{symbol}";-{number} "{symbol}"'

    def _build_workbook(self, accounts, skipped):
        rows = self._read_rows(accounts)
        labels, selections = self._column_labels()
        currencies = self.env["res.currency"].browse(
            {row["kam_currency_id"][0] for row in rows if row["kam_currency_id"]}
        )

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        header = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1, "text_wrap": True})
        formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "integer": workbook.add_format({"num_format": "0"}),
        }
        money_formats = {
            currency.id: workbook.add_format({"num_format": self._money_format(currency)}) for currency in currencies
        }

        sheet = workbook.add_worksheet(self._sheet_name(self.env._("Key Accounts")))
        for col, (fname, __, width) in enumerate(EXPORT_COLUMNS):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, labels[fname], header)
        for row_index, row in enumerate(rows, start=1):
            currency_id = row["kam_currency_id"] and row["kam_currency_id"][0]
            for col, (fname, kind, __) in enumerate(EXPORT_COLUMNS):
                self._write_cell(
                    sheet,
                    row_index,
                    col,
                    kind,
                    row[fname],
                    formats,
                    money_formats.get(currency_id),
                    selections.get(fname),
                )
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(rows), 1), len(EXPORT_COLUMNS) - 1)

        self._write_details_sheet(workbook, header, len(rows), skipped)
        workbook.close()
        return output.getvalue()

    @api.model
    def _write_cell(self, sheet, row, col, kind, value, formats, money_format, selection):
        if value is None or (value is False and kind != "integer"):
            return
        if kind == "money":
            sheet.write_number(row, col, value, money_format)
        elif kind == "percent":
            sheet.write_number(row, col, value / 100.0, formats["percent"])
        elif kind == "integer":
            sheet.write_number(row, col, value or 0, formats["integer"])
        elif kind == "date":
            sheet.write_datetime(row, col, value, formats["date"])
        elif kind == "datetime":
            local = fields.Datetime.context_timestamp(self, value).replace(tzinfo=None)
            sheet.write_datetime(row, col, local, formats["datetime"])
        elif kind == "many2one":
            sheet.write_string(row, col, value[1])
        elif kind == "selection":
            sheet.write_string(row, col, selection.get(value, value))
        else:
            sheet.write_string(row, col, str(value))

    def _write_details_sheet(self, workbook, header, count, skipped):
        sheet = workbook.add_worksheet(self._sheet_name(self.env._("Export Details")))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 90)
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now()).replace(tzinfo=None)
        selection = (
            self.env._("Selected accounts")
            if self._selected_ids()
            else self.env._("All key accounts matching the list filters")
        )
        lines = [
            (self.env._("Exported On"), now),
            (self.env._("Exported By"), self.env.user.display_name),
            (self.env._("Companies"), ", ".join(self.env.companies.mapped("display_name"))),
            (self.env._("Accounts Exported"), count),
            (self.env._("Selection"), selection),
            (self.env._("List Filters"), self._describe_domain(self._get_list_domain()) or self.env._("None")),
        ]
        if skipped:
            lines.append(
                (self.env._("Left Out"), self.env._("%(count)s selected records are not key accounts.", count=skipped))
            )
        sheet.write_string(0, 0, self.env._("Item"), header)
        sheet.write_string(0, 1, self.env._("Value"), header)
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left", "valign": "top"})
        number = workbook.add_format({"align": "left", "valign": "top"})
        for row, (label, value) in enumerate(lines, start=1):
            sheet.write_string(row, 0, label, wrap)
            if isinstance(value, datetime):
                sheet.write_datetime(row, 1, value, when)
            elif isinstance(value, int):
                sheet.write_number(row, 1, value, number)
            else:
                sheet.write_string(row, 1, value, wrap)

    # ------------------------------------------------------------------
    # Filters in words
    # ------------------------------------------------------------------
    def _describe_domain(self, domain):
        """The list filters in words, with field labels and record names in
        the user's language, e.g. "Key Account Manager = Jane Doe"."""
        if not domain:
            return ""
        domain = expression.normalize_domain(domain)

        def describe(pos):
            token = domain[pos]
            if token == expression.NOT_OPERATOR:
                text, pos = describe(pos + 1)
                return self.env._("not (%(condition)s)", condition=text), pos
            if token in (expression.AND_OPERATOR, expression.OR_OPERATOR):
                left, pos = describe(pos + 1)
                right, pos = describe(pos)
                if token == expression.AND_OPERATOR:
                    return self.env._("%(left)s and %(right)s", left=left, right=right), pos
                return "(" + self.env._("%(left)s or %(right)s", left=left, right=right) + ")", pos
            return self._describe_leaf(token), pos + 1

        return describe(0)[0]

    def _describe_leaf(self, leaf):
        leaf = tuple(leaf)
        if leaf == expression.TRUE_LEAF:
            return self.env._("all")
        if leaf == expression.FALSE_LEAF:
            return self.env._("none")
        path, operator, value = leaf
        model, labels, field = self.env["res.partner"], [], None
        for name in str(path).split("."):
            field = model._fields.get(name)
            if field is None:
                labels.append(name)
                break
            labels.append(field._description_string(self.env))
            if field.relational:
                model = self.env[field.comodel_name]
        operators = {
            "in": self.env._("is in"),
            "not in": self.env._("is not in"),
            "ilike": self.env._("contains"),
            "not ilike": self.env._("does not contain"),
            "like": self.env._("contains"),
            "not like": self.env._("does not contain"),
            "=ilike": "=",
            "child_of": self.env._("is under"),
            "parent_of": self.env._("is above"),
        }
        operator_text = DOMAIN_OPERATORS.get(operator) or operators.get(operator, operator)
        return f"{' > '.join(labels)} {operator_text} {self._describe_value(field, value)}"

    def _describe_value(self, field, value):
        if value is False or value is None:
            return self.env._("not set") if field is None or field.type != "boolean" else self.env._("No")
        if value is True:
            return self.env._("Yes")
        if field is not None and field.relational:
            ids = [v for v in (value if isinstance(value, list | tuple) else [value]) if isinstance(v, int)]
            if ids:
                records = self.env[field.comodel_name].with_context(active_test=False).browse(ids).exists()
                return ", ".join(records._filtered_access("read").mapped("display_name")) or str(value)
        if field is not None and field.type == "selection":
            selection = dict(field._description_selection(self.env))
            values = value if isinstance(value, list | tuple) else [value]
            return ", ".join(str(selection.get(v, v)) for v in values)
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)
