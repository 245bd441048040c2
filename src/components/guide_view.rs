use super::RichMessage;
use crate::controller::Controller;
use crate::guide::{visible_sections, GuideFilter, VisibleSection, SPS_GUIDE};
use leptos::prelude::*;
use sps_connect_wire::Service;

/// The provider's setup guide, filtered for the host's services and white-label mode.
#[component]
pub fn GuideView(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let (requested, white_label, app_name) = controller.with_options(|options| {
        (options.requested_services(), options.white_label.enabled, options.white_label.app_name().to_owned())
    });
    let sections = visible_sections(SPS_GUIDE, GuideFilter { requested: &requested, white_label });
    let sections =
        sections.into_iter().map(|visible| guide_section(controller, visible, &requested, &app_name)).collect_view();
    view! {
        <section class="spsc-guide" aria-label=messages.guide_label>
            <div class="spsc-notice" role="note">
                <span class="spsc-notice-icon" aria-hidden="true">"!"</span>
                <p>
                    <strong>{messages.notice_label}": "</strong>
                    {messages.notice}
                </p>
            </div>
            {sections}
        </section>
    }
}

fn guide_section(
    controller: Controller,
    visible: VisibleSection<'static>,
    requested: &[Service],
    app_name: &str,
) -> impl IntoView {
    let messages = controller.messages;
    let section = visible.section;
    let heading_id = controller.id(section.id);
    let labelled_by = heading_id.clone();
    let steps = visible
        .steps
        .into_iter()
        .map(|step| {
            let services = step.lists_services.then(|| {
                let items = requested.iter().map(|service| view! { <li>{service.product_name()}</li> }).collect_view();
                view! {
                    <ul class="spsc-services" aria-label=messages.services_to_authorize>
                        {items}
                    </ul>
                }
            });
            view! {
                <li class="spsc-step" data-step=step.id>
                    {step.title.map(|title| view! { <h4 class="spsc-step-title">{title(messages)}</h4> })}
                    <p>
                        <RichMessage
                            text=(step.body)(messages)
                            link=step.link
                            app_name=app_name.to_owned()
                            new_tab_hint=messages.opens_in_new_tab
                        />
                    </p>
                    {services}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="spsc-section" data-section=section.id aria-labelledby=labelled_by>
            <h3 id=heading_id class="spsc-section-title">{(section.title)(messages)}</h3>
            {section.intro.map(|intro| view! { <p class="spsc-intro">{intro(messages)}</p> })}
            <ol class="spsc-steps">{steps}</ol>
        </section>
    }
}
