#!/usr/bin/env python3
"""Build the import templates offered by the import screen of key accounts,
preferences and interactions (key_account_management/static/xls/).

    .venv/bin/python scripts/make_import_templates.py

The first sheet is what the import reads: its headers are the field labels
(English) that the import screen maps to fields by itself, its rows are
samples that import into any database (default tiers and preference
categories by external id, the administrator by login). A second sheet
explains each column. The files are reproducible (fixed creation date):
rebuild them after changing a label or a sample, and commit them.
"""

import argparse
import datetime
import pathlib

import xlsxwriter

XLS_DIR = pathlib.Path(__file__).resolve().parent.parent / "key_account_management" / "static" / "xls"
CREATED = datetime.datetime(2025, 1, 1)

# Accounts the other two templates refer to by name.
HUAXIN = "Huaxin Precision Machinery Co., Ltd."
NORDWERK = "Nordwerk Industrietechnik GmbH"
PACIFIC = "Pacific Coast Packaging Inc."

TEMPLATES = [
    {
        "file": "kam_key_accounts.xlsx",
        "sheet": "Key Accounts",
        "title": "Import your key accounts",
        # (header, required, note)
        "columns": [
            ("Name", True, "Company name."),
            ("Is a Company", False, "Yes for a company."),
            ("Key Account", True, "Yes: the company is managed as a key account."),
            ("Reference", False, "Your internal customer reference."),
            (
                "Tier/External ID",
                False,
                "Default tiers: key_account_management.kam_tier_strategic, key_account_management.kam_tier_key, "
                "key_account_management.kam_tier_growth. Only key account managers may set the tier; leave it "
                "empty to let the tier rules set it.",
            ),
            ("Key Account Manager", False, "Login or name of the user who manages the account."),
            ("Growth Potential", False, "Score from 0 to 100."),
            ("Main Business Scope", False, "What the customer does."),
            ("Key Account Since", False, "Date (YYYY-MM-DD); today when empty."),
            ("Street", False, ""),
            ("City", False, ""),
            ("Country", False, "Country name or ISO code (CN, DE, US...)."),
            ("Phone", False, ""),
            ("Email", False, ""),
        ],
        "rows": [
            [
                HUAXIN,
                "Yes",
                "Yes",
                "KA-0001",
                "key_account_management.kam_tier_strategic",
                "admin",
                80,
                "CNC machine tools and spare parts",
                datetime.date(2024, 1, 15),
                "88 Zhangjiang Road",
                "Shanghai",
                "CN",
                "+86 21 5080 1234",
                "purchasing@huaxin-precision.example.com",
            ],
            [
                NORDWERK,
                "Yes",
                "Yes",
                "KA-0002",
                "key_account_management.kam_tier_key",
                "admin",
                60,
                "Industrial automation components",
                datetime.date(2024, 6, 1),
                "Hafenstrasse 12",
                "Hamburg",
                "DE",
                "+49 40 3070 5500",
                "einkauf@nordwerk.example.com",
            ],
            [
                PACIFIC,
                "Yes",
                "Yes",
                "KA-0003",
                "key_account_management.kam_tier_growth",
                "admin",
                45,
                "Corrugated and molded-fiber packaging",
                datetime.date(2025, 2, 3),
                "1200 Embarcadero West",
                "Oakland",
                "US",
                "+1 510 555 0142",
                "procurement@pacificcoastpack.example.com",
            ],
        ],
    },
    {
        "file": "kam_preference.xlsx",
        "sheet": "Preferences",
        "title": "Import the preferences and needs of your key accounts",
        "columns": [
            ("Key Account", True, "Name of an existing key account."),
            (
                "Category/External ID",
                True,
                "Default categories: key_account_management.kam_preference_category_specification, _packaging, "
                "_delivery, _after_sales, _price, _payment, _documents, _communication (same prefix). "
                "Or use a column Category with the category name.",
            ),
            ("Importance", True, "Info, Important or Critical (critical ones must be acknowledged on quotations)."),
            ("Description", True, "What the customer expects."),
            ("Source", False, "Meeting, Phone Call, Email, Visit, Complaint, Contract or Other."),
            ("Source Details", False, ""),
            ("Source Reference", False, "Reference of the meeting, contract, e-mail..."),
        ],
        "rows": [
            [
                HUAXIN,
                "key_account_management.kam_preference_category_packaging",
                "Critical",
                "Export-grade wooden crates with the IPPC fumigation mark for every machine.",
                "Contract",
                "Framework agreement, annex 3",
                "FA-2024-017",
            ],
            [
                HUAXIN,
                "key_account_management.kam_preference_category_documents",
                "Important",
                "Commercial invoice and packing list in Chinese and English, two originals each.",
                "Email",
                "",
                "",
            ],
            [
                NORDWERK,
                "key_account_management.kam_preference_category_delivery",
                "Important",
                "Deliveries Monday to Thursday, 7:00 to 14:00 only; announce them 48 hours before.",
                "Meeting",
                "Quarterly review",
                "",
            ],
        ],
    },
    {
        "file": "kam_interaction.xlsx",
        "sheet": "Interactions",
        "title": "Import the interaction log of your key accounts",
        "columns": [
            ("Key Account", True, "Name of an existing key account."),
            ("Subject", True, ""),
            ("Date", True, "Date and time (YYYY-MM-DD HH:MM)."),
            (
                "Channel",
                True,
                "Meeting, Phone Call, Email, Video Call, Visit, Event / Trade Show, Complaint or Service Case.",
            ),
            ("Direction", False, "Inbound or Outbound."),
            ("Satisfaction", False, "1 (very unhappy) to 5 (very happy); empty when not rated."),
            ("Sentiment", False, "Positive, Neutral or Negative."),
            ("Outcome", False, ""),
            ("Next Step", False, ""),
        ],
        "rows": [
            [
                HUAXIN,
                "Quarterly business review Q1",
                datetime.datetime(2025, 3, 4, 10, 0),
                "Meeting",
                "Outbound",
                4,
                "Positive",
                "Forecast confirmed; interest in the new spindle line.",
                "Send the spindle line quotation",
            ],
            [
                NORDWERK,
                "Late delivery of two pallets",
                datetime.datetime(2025, 3, 11, 9, 30),
                "Complaint",
                "Inbound",
                2,
                "Negative",
                "Two pallets arrived three days late.",
                "Root cause analysis with logistics",
            ],
            [
                PACIFIC,
                "Call about packaging material prices",
                datetime.datetime(2025, 3, 18, 15, 0),
                "Phone Call",
                "Outbound",
                None,
                "Neutral",
                "Asked for the 2025 price list.",
                "",
            ],
        ],
    },
]


def build(template, directory):
    path = directory / template["file"]
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": CREATED, "author": "key_account_management"})
    header = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet(template["sheet"])
    for col, (label, __, __) in enumerate(template["columns"]):
        width = max([len(label)] + [len(str(row[col] or "")) for row in template["rows"]])
        sheet.set_column(col, col, min(max(width + 2, 12), 60))
        sheet.write_string(0, col, label, header)
    for row_index, row in enumerate(template["rows"], start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(row_index, col, value, datetime_format)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(row_index, col, datetime.datetime.combine(value, datetime.time()), date)
            elif isinstance(value, int | float):
                sheet.write_number(row_index, col, value)
            else:
                sheet.write_string(row_index, col, value)
    sheet.freeze_panes(1, 0)

    notes = workbook.add_worksheet("Instructions")
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 2, 100)
    notes.write_string(0, 0, template["title"], workbook.add_format({"bold": True, "font_size": 14}))
    notes.write_string(
        1, 0, "Only the first sheet is imported. Keep its headers: the import screen maps them to fields by itself."
    )
    notes.write_string(
        2,
        0,
        "A file is imported completely or not at all: rows in error are listed with their row number and reason.",
    )
    for col, label in enumerate(("Column", "Required", "How to fill it")):
        notes.write_string(4, col, label, header)
    for row, (label, required, note) in enumerate(template["columns"], start=5):
        notes.write_string(row, 0, label)
        notes.write_string(row, 1, "Yes" if required else "")
        notes.write_string(row, 2, note, wrap)
    workbook.close()
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=pathlib.Path, default=XLS_DIR, help="output folder (default: %(default)s)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    for template in TEMPLATES:
        print(build(template, args.dir))


if __name__ == "__main__":
    main()
