/** @odoo-module */

import { registry } from "@web/core/registry";

// From the account form, a key account user logs a meeting with a next step
// and finds the follow-up activity on the interaction (not on the account:
// its text is read only by those who may read the interaction).
registry.category("web_tour.tours").add("kam_interaction_tour", {
    steps: () => [
        {
            content: "Log an interaction from the account",
            trigger: ".o_form_view button[name='action_kam_log_interaction']",
            run: "click",
        },
        {
            content: "The interaction form is open",
            trigger: ".o_form_view div[name='channel']",
        },
        {
            trigger: ".o_form_view div[name='name'] input[placeholder*='Quarterly']",
            run: "edit Tour quarterly review",
        },
        {
            trigger: ".o_form_view div[name='next_step'] input",
            run: "edit Send the framework agreement",
        },
        {
            trigger: ".o_form_view div[name='next_step_date'] input",
            run: "edit 12/31/2030",
        },
        {
            trigger: ".o_form_view div[name='next_step_user_id'] input",
            run: "edit KAM Tour",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('KAM Tour')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The follow-up activity is linked",
            trigger: ".o_form_saved div[name='next_activity_id']",
        },
        {
            content: "The interaction's chatter shows the planned activity",
            trigger: ".o-mail-Activity:contains('Send the framework agreement')",
        },
        {
            content: "Back to the account",
            trigger: ".o_breadcrumb a:contains('Tour Interaction Co.')",
            run: "click",
        },
        {
            content: "The account form is back",
            trigger: ".o_form_view button[name='action_kam_log_interaction']",
        },
    ],
});
