/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A key account user reads the Late Reorders block of the dashboard (their
// account's late reorder, not another team's), opens the late reorders from
// its count, comes back and opens the reorder from its row.
registry.category("web_tour.tours").add("kam_late_reorders_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("key_account_management.kam_root_menu"),
        {
            content: "The user's late reorder, most days late",
            trigger:
                ".o_kam_card_late_reorders .o_kam_late_reorder_row:contains('Tour Late Co.'):contains('Tour Late Box'):contains('25 days late')",
        },
        {
            content: "not the other team's",
            trigger: ".o_kam_card_late_reorders:not(:has(.o_kam_late_reorder_row:contains('Tour Late Hidden Co.')))",
        },
        {
            content: "Open the late reorders from the count",
            trigger: ".o_kam_card_late_reorders .o_kam_total:contains('1 late')",
            run: "click",
        },
        {
            content: "The reorder radar, filtered on Late",
            trigger: ".o_searchview .o_facet_value:contains('Late')",
        },
        {
            content: "lists the late reorder",
            trigger: ".o_list_view .o_data_row:contains('Tour Late Box')",
        },
        {
            content: "and not the one on rhythm",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Rhythm Box')))",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Key Account Dashboard')",
            run: "click",
        },
        {
            content: "Open the late reorder",
            trigger: ".o_kam_card_late_reorders .o_kam_late_reorder_row:contains('Tour Late Box')",
            run: "click",
        },
        {
            content: "Its form is open",
            trigger: ".o_form_view .o_breadcrumb .active:contains('Tour Late Box')",
        },
    ],
});
