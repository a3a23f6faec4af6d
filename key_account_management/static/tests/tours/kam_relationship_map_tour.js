/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A key account user reads the Relationship Coverage block of the dashboard
// (their single-threaded account, not another team's), opens its
// relationship map from the row: the director on top, the buyer under them
// with our people linked by recency, the champion not reached; then opens
// the account's form and the map again from its button, and a contact.
registry.category("web_tour.tours").add("kam_relationship_map_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("key_account_management.kam_root_menu"),
        {
            content: "The user's single-threaded account in the coverage block",
            trigger: ".o_kam_card_coverage .o_kam_coverage_row:contains('Tour Map Co.'):contains('Single-threaded')",
        },
        {
            content: "not the other team's",
            trigger: ".o_kam_card_coverage:not(:has(.o_kam_coverage_row:contains('Tour Map Hidden Co.')))",
        },
        {
            content: "Open its relationship map",
            trigger: ".o_kam_card_coverage .o_kam_coverage_row:contains('Tour Map Co.')",
            run: "click",
        },
        {
            content: "The director is at the top of the org chart",
            trigger: ".o_kam_relmap_tree > .o_kam_relmap_level > li > .o_kam_relmap_node > .o_kam_relmap_card:contains('Tour Director')",
        },
        {
            content: "the buyer reports to the director, reached this month by the user",
            trigger:
                ".o_kam_relmap_card:contains('Tour Director') + .o_kam_relmap_children .o_kam_relmap_card:contains('Tour Buyer') .o_kam_recency_month:contains('Tour Map User')",
        },
        {
            content: "the champion is not reached",
            trigger: ".o_kam_relmap_card:contains('Tour Champion') .o_kam_relmap_unreached",
        },
        {
            content: "the account is single-threaded",
            trigger: ".o_kam_relmap_single",
        },
        {
            content: "Open the account",
            trigger: ".o_kam_relmap_account:contains('Tour Map Co.')",
            run: "click",
        },
        {
            content: "The account's contacts and interactions",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Contacts & Interactions')",
            run: "click",
        },
        {
            content: "The map again from the account's relationship coverage",
            trigger: ".o_form_view .o_kam_relationship_map_button",
            run: "click",
        },
        {
            content: "Open the buyer",
            trigger: ".o_kam_relmap_card .o_kam_relmap_name:contains('Tour Buyer')",
            run: "click",
        },
        {
            content: "The buyer's form is open",
            trigger: ".o_form_view .o_breadcrumb .active:contains('Tour Buyer')",
        },
    ],
});
