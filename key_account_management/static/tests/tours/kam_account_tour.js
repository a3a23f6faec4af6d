/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A key account user opens the Key Accounts app, finds the account card with
// its tier and figures, opens it and recomputes its tier from the form.
registry.category("web_tour.tours").add("kam_account_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("key_account_management.kam_root_menu"),
        {
            content: "The app opens on the dashboard: go to the accounts",
            trigger: ".o_menu_sections [data-menu-xmlid='key_account_management.kam_account_menu']",
            run: "click",
        },
        {
            content: "The account card shows its tier badge",
            trigger: ".o_kanban_record:contains('Tour Trading Co.'):contains('Tour Tier B')",
        },
        {
            content: "The card shows the trend arrow of a growing account",
            trigger: ".o_kanban_record:contains('Tour Trading Co.') .fa-arrow-up",
        },
        {
            content: "Open the account",
            trigger: ".o_kanban_record:contains('Tour Trading Co.') .fw-bold",
            run: "click",
        },
        {
            content: "Open the Key Account tab",
            trigger: ".o_notebook a:contains('Key Account')",
            run: "click",
        },
        {
            content: "Trailing revenue from the orders",
            trigger: "div[name='kam_revenue_current']:contains('1,500.00')",
        },
        {
            content: "A user cannot edit the tier",
            trigger: "div[name='kam_tier_id'].o_readonly_modifier",
        },
        {
            content: "A new large order arrived: recompute the tier",
            trigger: "button[name='action_kam_recompute_tier']",
            run: "click",
        },
        {
            content: "The tier went up and the change is in the chatter",
            trigger: ".o-mail-Message:contains('Tour Tier A')",
        },
        {
            trigger: "div[name='kam_revenue_current']:contains('21,500.00')",
        },
    ],
});
