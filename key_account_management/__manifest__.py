# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Key Account Management",
    "summary": "Key accounts (大客户管理): tiers computed from live sales, tier history, account team and figures",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "key_account_management developers",
    "website": "https://example.com/key_account_management",
    "depends": ["sale_management", "crm", "contacts", "account"],
    "data": [
        "security/kam_security.xml",
        "security/ir.model.access.csv",
        "data/kam_tier_data.xml",
        "data/ir_cron_data.xml",
        "data/kam_preference_category_data.xml",
        "views/kam_tier_views.xml",
        "views/kam_tier_history_views.xml",
        "views/res_partner_views.xml",
        "views/kam_interaction_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/kam_preference_views.xml",
        "views/sale_order_preference_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/sale_order_demo.xml",
        "demo/kam_interaction_demo.xml",
        "demo/kam_preference_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "key_account_management/static/src/**/*",
        ],
        "web.assets_tests": [
            "key_account_management/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
