//! The provider's setup guide as data, and what of it a given host shows.

use crate::i18n::Messages;
use sps_connect_wire::Service;

/// Where the sign-in step sends the user.
pub const DEV_CENTER_URL: &str = "https://developercenter.spscommerce.com/";

/// A message picked from the catalog of the current language.
pub type Text = fn(&Messages) -> &'static str;

/// A titled group of steps.
#[derive(Debug)]
pub struct Section {
    /// Stable identifier, used for element ids and tests.
    pub id: &'static str,
    /// Heading.
    pub title: Text,
    /// Optional lead paragraph.
    pub intro: Option<Text>,
    /// Whether white-label portals leave the section out.
    pub hidden_in_white_label: bool,
    /// The steps, in order.
    pub steps: &'static [Step],
}

/// One numbered step of a section.
#[derive(Debug)]
pub struct Step {
    /// Stable identifier.
    pub id: &'static str,
    /// Optional short title.
    pub title: Option<Text>,
    /// The instructions, in the light markup of [`crate::rich_text`].
    pub body: Text,
    /// Target of the body's `[…]` link, opened in a new tab.
    pub link: Option<&'static str>,
    /// Shown only when the host requests one of these services; empty means always.
    pub scopes: &'static [Service],
    /// Whether the step lists the requested services.
    pub lists_services: bool,
}

const STEP: Step = Step { id: "", title: None, body: |m| m.notice, link: None, scopes: &[], lists_services: false };

/// The SPS Commerce guide.
pub static SPS_GUIDE: &[Section] = &[
    Section {
        id: "create-app",
        title: |m| m.create_app_title,
        intro: Some(|m| m.create_app_intro),
        hidden_in_white_label: false,
        steps: &[
            Step {
                id: "sign-in",
                title: Some(|m| m.sign_in_title),
                body: |m| m.sign_in_body,
                link: Some(DEV_CENTER_URL),
                ..STEP
            },
            Step {
                id: "configure",
                title: Some(|m| m.configure_title),
                body: |m| m.configure_body,
                lists_services: true,
                ..STEP
            },
            Step {
                id: "missing-service",
                title: Some(|m| m.missing_service_title),
                body: |m| m.missing_service_body,
                scopes: &[Service::ShippingLabel, Service::PackingSlip, Service::TradingPartnerSubmission],
                ..STEP
            },
            Step { id: "credentials", title: Some(|m| m.credentials_title), body: |m| m.credentials_body, ..STEP },
        ],
    },
    Section {
        id: "link-account",
        title: |m| m.link_title,
        intro: None,
        hidden_in_white_label: true,
        steps: &[
            Step { id: "fill", body: |m| m.link_fill_body, ..STEP },
            Step { id: "authorize", body: |m| m.link_authorize_body, ..STEP },
            Step { id: "confirm", body: |m| m.link_confirm_body, ..STEP },
        ],
    },
];

/// What decides which parts of the guide a host shows.
#[derive(Clone, Copy, Debug)]
pub struct GuideFilter<'a> {
    /// The services the host requests.
    pub requested: &'a [Service],
    /// Whether the host is a white-label portal.
    pub white_label: bool,
}

/// A section with the steps that remain after filtering.
#[derive(Debug)]
pub struct VisibleSection<'g> {
    /// The section.
    pub section: &'g Section,
    /// Its visible steps, in order.
    pub steps: Vec<&'g Step>,
}

impl Step {
    /// Whether the step applies to a host requesting `requested`.
    pub fn applies_to(&self, requested: &[Service]) -> bool {
        self.scopes.is_empty() || self.scopes.iter().any(|scope| requested.contains(scope))
    }
}

/// The sections and steps a host sees; a section left with no step is dropped.
pub fn visible_sections<'g>(guide: &'g [Section], filter: GuideFilter<'_>) -> Vec<VisibleSection<'g>> {
    guide
        .iter()
        .filter(|section| !(filter.white_label && section.hidden_in_white_label))
        .map(|section| VisibleSection {
            section,
            steps: section.steps.iter().filter(|step| step.applies_to(filter.requested)).collect(),
        })
        .filter(|visible| !visible.steps.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    fn ids(sections: &[VisibleSection<'_>]) -> Vec<String> {
        sections.iter().flat_map(|v| v.steps.iter().map(move |s| format!("{}/{}", v.section.id, s.id))).collect()
    }

    #[test]
    fn full_guide_for_a_hub_host_requesting_every_service() {
        let visible = visible_sections(SPS_GUIDE, GuideFilter { requested: &Service::ALL, white_label: false });
        assert_eq!(
            ids(&visible),
            [
                "create-app/sign-in",
                "create-app/configure",
                "create-app/missing-service",
                "create-app/credentials",
                "link-account/fill",
                "link-account/authorize",
                "link-account/confirm"
            ]
        );
    }

    #[test]
    fn white_label_hides_the_hub_linking_section() {
        let visible =
            visible_sections(SPS_GUIDE, GuideFilter { requested: &[Service::Transaction], white_label: true });
        assert!(visible.iter().all(|v| v.section.id != "link-account"));
        assert_eq!(visible.len(), 1);
    }

    #[test]
    fn a_scoped_step_shows_only_when_one_of_its_scopes_is_requested() {
        let only_transactions =
            visible_sections(SPS_GUIDE, GuideFilter { requested: &[Service::Transaction], white_label: false });
        assert!(!ids(&only_transactions).contains(&"create-app/missing-service".to_owned()));
        let with_labels =
            visible_sections(SPS_GUIDE, GuideFilter { requested: &[Service::ShippingLabel], white_label: false });
        assert!(ids(&with_labels).contains(&"create-app/missing-service".to_owned()));
    }

    #[test]
    fn a_section_whose_steps_are_all_filtered_out_is_dropped() {
        static SCOPED: &[Section] = &[Section {
            id: "labels-only",
            title: |m| m.link_title,
            intro: None,
            hidden_in_white_label: false,
            steps: &[Step { id: "labels", scopes: &[Service::ShippingLabel], ..STEP }],
        }];
        assert!(
            visible_sections(SCOPED, GuideFilter { requested: &[Service::Transaction], white_label: false }).is_empty()
        );
        assert_eq!(
            visible_sections(SCOPED, GuideFilter { requested: &[Service::ShippingLabel], white_label: false }).len(),
            1
        );
    }

    #[test]
    fn the_sign_in_step_links_to_the_dev_center_and_the_configure_step_lists_services() {
        let steps = SPS_GUIDE[0].steps;
        assert_eq!(steps[0].link, Some("https://developercenter.spscommerce.com/"));
        assert!((steps[0].body)(&EN).contains("[SPS Dev Center]"));
        assert!(steps[1].lists_services);
        assert!((steps[1].body)(&EN).contains("{app}"));
    }
}
