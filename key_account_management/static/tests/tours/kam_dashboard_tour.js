/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A key account user opens the Key Accounts app on its dashboard, reads its
// blocks (counts of their own accounts only), opens the accounts of a tier
// from the dashboard, comes back and opens a shrinking account.
registry.category("web_tour.tours").add("kam_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("key_account_management.kam_root_menu"),
        {
            content: "The dashboard counts the user's account of the tier (not the other user's)",
            trigger: ".o_kam_card_tiers .o_kam_tier_row:contains('Tour Dash Tier A') .o_kam_count:contains('1')",
        },
        {
            content: "Accounts by risk level",
            trigger: ".o_kam_card_risk_levels .o_kam_risk_level_row:contains('High') .o_kam_count:contains('1')",
        },
        {
            content: "Top growing account",
            trigger: ".o_kam_card_growing .o_kam_account_row:contains('Tour Dash Rising Co.'):contains('+100')",
        },
        {
            content: "Top shrinking account",
            trigger: ".o_kam_card_shrinking .o_kam_account_row:contains('Tour Dash Falling Co.'):contains('-80')",
        },
        {
            content: "Overdue follow-ups",
            trigger: ".o_kam_card_follow_ups .o_kam_activity_overdue .o_kam_stat_value:contains('1')",
        },
        {
            content: "Open high risks",
            trigger: ".o_kam_card_risks .o_kam_signal_row:contains('Tour Dash Falling Co.')",
        },
        {
            content: "Plan goal attainment",
            trigger: ".o_kam_card_plans .o_kam_objective_achieved .o_kam_stat_value:contains('1')",
        },
        {
            content: "Open the accounts of the tier",
            trigger: ".o_kam_card_tiers .o_kam_tier_row:contains('Tour Dash Tier A')",
            run: "click",
        },
        {
            content: "The list shows the account of the tier",
            trigger: ".o_list_view .o_data_row:contains('Tour Dash Rising Co.')",
        },
        {
            content: "and no other account",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains('Tour Dash Falling Co.'))):not(:has(.o_data_row:contains('Tour Dash Hidden Co.')))",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Key Account Dashboard')",
            run: "click",
        },
        {
            content: "Open the shrinking account",
            trigger: ".o_kam_card_shrinking .o_kam_account_row:contains('Tour Dash Falling Co.')",
            run: "click",
        },
        {
            content: "Its form is open",
            trigger: ".o_form_view .o_breadcrumb .active:contains('Tour Dash Falling Co.')",
        },
    ],
});
