# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Key Account Management - Margin",
    "summary": "Gross margin in the key account sales analysis and as a plan objective (bridge with sale_margin)",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "key_account_management developers",
    "website": "https://example.com/key_account_management",
    "depends": ["key_account_management", "sale_margin"],
    "data": [
        "views/kam_sale_analysis_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
