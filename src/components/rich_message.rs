use crate::i18n::fill;
use crate::rich_text::{parse, Span};
use leptos::prelude::*;

/// Renders a guide message: `*names*` in bold, `[text]` as a link that opens
/// in a new tab, and `{app}` replaced by the host's application name.
#[component]
pub fn RichMessage(
    /// The message, in the markup of [`crate::rich_text`].
    text: &'static str,
    /// Target of the `[…]` link; without one the link text is plain.
    link: Option<&'static str>,
    /// Value of the `{app}` slot.
    #[prop(into)]
    app_name: String,
    /// Hidden text telling screen-reader users the link opens a new tab.
    new_tab_hint: &'static str,
) -> impl IntoView {
    let slots = [("app", app_name.as_str())];
    parse(text)
        .into_iter()
        .map(|span| match span {
            Span::Text(text) => fill(text, &slots).into_any(),
            Span::Strong(text) => view! { <strong>{fill(text, &slots)}</strong> }.into_any(),
            Span::Link(text) => match link {
                Some(href) => view! {
                    <a href=href target="_blank" rel="noopener noreferrer" class="spsc-link">
                        {fill(text, &slots)}
                        <span class="spsc-visually-hidden">" " {new_tab_hint}</span>
                    </a>
                }
                .into_any(),
                None => fill(text, &slots).into_any(),
            },
        })
        .collect_view()
}
