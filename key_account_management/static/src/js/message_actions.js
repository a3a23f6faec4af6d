/** @odoo-module */

import { _t } from "@web/core/l10n/translation";
import { messageActionsRegistry } from "@mail/core/common/message_actions";

// "Log as Interaction" on e-mails and notes in the chatter of a partner or an
// opportunity: the server builds the interaction (channel e-mail, date,
// author, participants, body) and the form opens.
messageActionsRegistry.add("kam-log-interaction", {
    condition: (component) =>
        ["res.partner", "crm.lead"].includes(component.props.thread?.model) &&
        ["email", "comment"].includes(component.props.message.message_type),
    icon: "fa fa-comments",
    title: _t("Log as Interaction"),
    onClick: async (component) => {
        const action = await component.env.services.orm.call(
            "mail.message",
            "action_kam_create_interaction",
            [[component.props.message.id]]
        );
        await component.env.services.action.doAction(action);
    },
    sequence: 95,
});
