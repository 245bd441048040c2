//! The message catalog: every string a person sees comes from here.
//!
//! Messages may hold `{name}` slots, filled with [`fill`], and the guide's
//! messages use the light markup that [`crate::rich_text`] reads.

mod de;
mod en;
mod es;
mod fr;

pub use de::DE;
pub use en::EN;
pub use es::ES;
pub use fr::FR;

/// Every catalog, English first.
pub static CATALOGS: [&Messages; 4] = [&EN, &DE, &ES, &FR];

/// The accounts list's words, in the order of [`CATALOGS`]. Kept apart from
/// the catalogs so that a bundle without the list carries none of them.
pub static ACCOUNTS_CATALOGS: [&AccountsText; 4] = [&en::ACCOUNTS, &de::ACCOUNTS, &es::ACCOUNTS, &fr::ACCOUNTS];

/// The catalog for a BCP 47 tag, matched on its language (`de-CH` is German);
/// `None` when no catalog speaks it.
pub fn catalog(tag: &str) -> Option<&'static Messages> {
    let language = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
    CATALOGS.into_iter().find(|messages| messages.lang == language)
}

/// The catalog to speak: the `locale` asked for (English when no catalog
/// speaks it), else the first of the reader's `preferred` languages (the
/// browser's `navigator.languages`) that one speaks, else English.
pub fn choose(locale: Option<&str>, preferred: &[String]) -> &'static Messages {
    if let Some(locale) = locale {
        return catalog(locale).unwrap_or(&EN);
    }
    preferred.iter().find_map(|tag| catalog(tag)).unwrap_or(&EN)
}

/// All user-facing text of the widget in one language.
#[derive(Debug)]
pub struct Messages {
    /// BCP 47 tag of the language, used for `lang` and date formatting.
    pub lang: &'static str,

    /// Dialog title.
    pub dialog_title: &'static str,
    /// One line under the title saying what the dialog does.
    pub dialog_description: &'static str,
    /// Accessible name of the close button.
    pub close: &'static str,

    /// Accessible name of the guide region.
    pub guide_label: &'static str,
    /// Label announced before the warning notice.
    pub notice_label: &'static str,
    /// The requirement notice shown above the guide.
    pub notice: &'static str,
    /// Title of the section about creating the application.
    pub create_app_title: &'static str,
    /// Lead of the section about creating the application.
    pub create_app_intro: &'static str,
    /// Step: sign in to the Dev Center.
    pub sign_in_title: &'static str,
    /// Body of the sign-in step; `[…]` is the Dev Center link.
    pub sign_in_body: &'static str,
    /// Step: configure the application.
    pub configure_title: &'static str,
    /// Body of the configure step; `{app}` is the host's application name.
    pub configure_body: &'static str,
    /// Label of the list of services to authorize.
    pub services_to_authorize: &'static str,
    /// Step shown for services an organisation may not have yet.
    pub missing_service_title: &'static str,
    /// Body of the missing-service step.
    pub missing_service_body: &'static str,
    /// Step: find the credentials.
    pub credentials_title: &'static str,
    /// Body of the credentials step.
    pub credentials_body: &'static str,
    /// Title of the section about linking the account.
    pub link_title: &'static str,
    /// Step: fill in and connect.
    pub link_fill_body: &'static str,
    /// Step: complete the provider's authorization.
    pub link_authorize_body: &'static str,
    /// Step: the confirmation and the Accounts page.
    pub link_confirm_body: &'static str,
    /// Hidden suffix of links that open a new tab.
    pub opens_in_new_tab: &'static str,

    /// Accessible name of the credentials form.
    pub form_label: &'static str,
    /// Legend of the environment choice.
    pub environment: &'static str,
    /// Name of the Sandbox environment.
    pub sandbox: &'static str,
    /// What the Sandbox keys are for.
    pub sandbox_hint: &'static str,
    /// Name of the Production environment.
    pub production: &'static str,
    /// What the Production keys are for.
    pub production_hint: &'static str,
    /// Label of the Client ID field.
    pub client_id: &'static str,
    /// Label of the Client Secret field.
    pub client_secret: &'static str,
    /// Reveal-toggle text while the secret is hidden.
    pub show_secret: &'static str,
    /// Reveal-toggle text while the secret is shown.
    pub hide_secret: &'static str,
    /// Submit button.
    pub connect: &'static str,
    /// Submit button while the request is in flight.
    pub connecting: &'static str,
    /// Announcement while the request is in flight.
    pub connecting_status: &'static str,
    /// Announcement when validation fails; `{count}` is the number of fields.
    pub fields_need_attention: Plural,

    /// `{field}` is required.
    pub field_missing: &'static str,
    /// `{field}` is shorter than `{min}` characters.
    pub field_too_short: &'static str,
    /// `{field}` is longer than `{max}` characters.
    pub field_too_long: &'static str,
    /// `{field}` contains whitespace.
    pub field_whitespace: &'static str,
    /// `{field}` contains characters credentials never use.
    pub field_invalid_character: &'static str,
    /// The secret equals the Client ID.
    pub secret_same_as_id: &'static str,

    /// Title of the failure panel.
    pub failure_title: &'static str,
    /// Button that goes back to the form after a retryable failure.
    pub try_again: &'static str,
    /// Button that goes back to the form after a failure the user must fix.
    pub edit_credentials: &'static str,
    /// Prefix of the backend's own explanation.
    pub failure_details: &'static str,
    /// `invalid_request`.
    pub error_invalid_request: &'static str,
    /// `session_invalid`.
    pub error_session_invalid: &'static str,
    /// `invalid_client`; `{environment}` is the chosen environment.
    pub error_invalid_client: &'static str,
    /// `unauthorized_client`.
    pub error_unauthorized_client: &'static str,
    /// `access_denied`.
    pub error_access_denied: &'static str,
    /// `rate_limited`.
    pub error_rate_limited: &'static str,
    /// `provider_unavailable`.
    pub error_provider_unavailable: &'static str,
    /// `internal_error` or an unknown code.
    pub error_internal: &'static str,
    /// The backend could not be reached at all.
    pub error_unreachable: &'static str,
    /// The backend did not answer in time.
    pub error_timed_out: &'static str,
    /// The backend answered outside the contract; `{status}` is the HTTP status.
    pub error_unexpected: &'static str,

    /// Title of the confirmation.
    pub success_title: &'static str,
    /// Lead of the confirmation.
    pub success_lead: &'static str,
    /// Summary label: the linked Client ID.
    pub summary_client_id: &'static str,
    /// Summary label: the services.
    pub summary_services: &'static str,
    /// Summary label: when the link was made.
    pub summary_connected_at: &'static str,
    /// Button that closes the confirmation.
    pub done: &'static str,

    /// Shown when the dialog updates an existing link.
    pub reconnect_notice: &'static str,
    /// Placeholder of the secret when updating: the stored one is never shown.
    pub new_secret_placeholder: &'static str,
    /// Vendor attribution under the dialog.
    pub attribution: &'static str,
    /// The language's plural rule: whether `count` takes the singular form.
    pub is_singular: fn(usize) -> bool,
}

/// The words of the accounts list (`<sps-accounts>`). Messages about one
/// account hold `{environment}` and `{client_id}` (the Client ID's hint).
#[derive(Debug)]
pub struct AccountsText {
    /// Caption of the accounts table.
    pub caption: &'static str,
    /// Shown when no account is linked.
    pub empty: &'static str,
    /// Said while the list loads.
    pub loading: &'static str,
    /// The list could not be read; `{reason}` says why.
    pub load_failed: &'static str,
    /// Column: the environment.
    pub column_environment: &'static str,
    /// Column: the Client ID's last characters.
    pub column_client_id: &'static str,
    /// Column: the services.
    pub column_services: &'static str,
    /// Column: the status.
    pub column_status: &'static str,
    /// Column: when SPS last accepted the credentials.
    pub column_verified: &'static str,
    /// Column: the scheduled checks.
    pub column_checks: &'static str,
    /// Column: the row's buttons.
    pub column_actions: &'static str,
    /// Status badge of an account that works.
    pub active: &'static str,
    /// Status badge of an account SPS refused.
    pub needs_attention: &'static str,
    /// What to do: the secret was rotated or revoked.
    pub advice_invalid_client: &'static str,
    /// What to do: the application lost the client credentials grant.
    pub advice_unauthorized_client: &'static str,
    /// What to do: the application lost access to the services.
    pub advice_access_denied: &'static str,
    /// What to do: SPS refused the account for another reason.
    pub advice_other: &'static str,
    /// A time that has not happened yet (never verified, never checked).
    pub never: &'static str,
    /// The last scheduled check; `{time}`.
    pub last_check: &'static str,
    /// The next scheduled check; `{time}`.
    pub next_check: &'static str,
    /// No check is scheduled.
    pub not_scheduled: &'static str,
    /// Button: verify.
    pub verify: &'static str,
    /// Button: reconnect.
    pub reconnect: &'static str,
    /// Button: disconnect; also the confirmation's button.
    pub disconnect: &'static str,
    /// Accessible name of Verify on a row; `{environment}`, `{client_id}` (its hint).
    pub verify_label: &'static str,
    /// Accessible name of Reconnect on a row.
    pub reconnect_label: &'static str,
    /// Accessible name of Disconnect on a row.
    pub disconnect_label: &'static str,
    /// Said while a verify runs.
    pub verifying: &'static str,
    /// Said when a verify found the account working.
    pub verified: &'static str,
    /// Said when a verify found the account refused; `{advice}` says what to do.
    pub verified_needs_attention: &'static str,
    /// Said when a verify could not be done; `{reason}` says why.
    pub verify_failed: &'static str,
    /// Said when a reconnect succeeded.
    pub reconnected: &'static str,
    /// Title of the disconnect confirmation.
    pub confirm_title: &'static str,
    /// Body of the disconnect confirmation.
    pub confirm_body: &'static str,
    /// Button: keep the account.
    pub cancel: &'static str,
    /// Said while a disconnect runs.
    pub disconnecting: &'static str,
    /// Said when the account is disconnected.
    pub disconnected: &'static str,
    /// Said when a disconnect could not be done; `{reason}` says why.
    pub disconnect_failed: &'static str,
    /// The reason given when the page's session expired.
    pub session_expired: &'static str,
}

/// A message that depends on a count, in the forms the language needs.
#[derive(Debug)]
pub struct Plural {
    /// For a count the language treats as singular; may hold `{count}`.
    pub one: &'static str,
    /// For every other count; holds `{count}`.
    pub other: &'static str,
}

impl Messages {
    /// `plural` for `count`, with `{count}` filled in.
    pub fn count(&self, plural: &Plural, count: usize) -> String {
        let template = if (self.is_singular)(count) { plural.one } else { plural.other };
        fill(template, &[("count", &count.to_string())])
    }

    /// The accounts list's words in this language.
    pub fn accounts(&self) -> &'static AccountsText {
        let found = CATALOGS.into_iter().zip(ACCOUNTS_CATALOGS).find(|(messages, _)| messages.lang == self.lang);
        found.map_or(&en::ACCOUNTS, |(_, text)| text)
    }

    /// The name of an environment in this language.
    pub fn environment_name(&self, environment: sps_connect_wire::Environment) -> &'static str {
        match environment {
            sps_connect_wire::Environment::Sandbox => self.sandbox,
            sps_connect_wire::Environment::Production => self.production,
        }
    }
}

/// Replaces each `{name}` slot in `template` with its value; unknown slots stay as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_slots_and_keeps_the_rest() {
        assert_eq!(
            fill("{field} needs {min} characters", &[("field", "Client ID"), ("min", "8")]),
            "Client ID needs 8 characters"
        );
        assert_eq!(fill("keep {unknown} and {", &[]), "keep {unknown} and {");
    }

    #[test]
    fn catalogs_are_found_by_language() {
        assert_eq!(catalog("de-CH").unwrap().lang, "de");
        assert_eq!(catalog("EN-gb").unwrap().lang, "en");
        assert_eq!(catalog("fr-CA").unwrap().lang, "fr");
        assert_eq!(catalog("es-419").unwrap().lang, "es");
        assert!(catalog("pt-BR").is_none());
    }

    // Regression: a page without a `locale` spoke English to every reader.
    #[test]
    fn without_a_locale_the_readers_first_spoken_language_wins() {
        let preferred = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(choose(None, &preferred(&["pt-BR", "fr-CA", "de"])).lang, "fr");
        assert_eq!(choose(None, &preferred(&["es-MX"])).lang, "es");
        assert_eq!(choose(None, &preferred(&["ja", "zh"])).lang, "en");
        assert_eq!(choose(None, &[]).lang, "en");
        assert_eq!(choose(Some("de-AT"), &preferred(&["fr"])).lang, "de", "the option wins over the browser");
        assert_eq!(choose(Some("ja"), &preferred(&["fr"])).lang, "en", "an option no catalog speaks is English");
    }

    /// Every message of a catalog by path (`field` or `field.form`), read from
    /// its pretty `Debug` output so that a new message is covered without a list.
    fn messages_of(messages: &dyn std::fmt::Debug) -> Vec<(String, String)> {
        let text = format!("{messages:#?}");
        let mut found = Vec::new();
        let mut group = String::new();
        for line in text.lines() {
            let depth = line.len() - line.trim_start().len();
            let Some((name, value)) = line.trim().split_once(": ") else { continue };
            if value.ends_with('{') {
                group = name.to_owned();
            } else if let Some(value) = value.strip_prefix('"') {
                let path = if depth > 4 { format!("{group}.{name}") } else { name.to_owned() };
                found.push((path, unescape(value.trim_end_matches(',').trim_end_matches('"'))));
            }
        }
        found
    }

    /// `text` with `Debug`'s `\u{…}` escapes (French no-break spaces) turned back into characters.
    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("\\u{") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 3..];
            let end = after.find('}').expect("a closed escape");
            out.push(char::from_u32(u32::from_str_radix(&after[..end], 16).unwrap()).unwrap());
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn every_catalog_fills_every_message_with_the_same_slots() {
        let english = messages_of(&EN);
        let paths: Vec<&str> = english.iter().map(|(path, _)| path.as_str()).collect();
        assert!(paths.contains(&"fields_need_attention.other") && paths.contains(&"attribution"), "{paths:?}");
        for messages in CATALOGS {
            same_slots(&english, &messages_of(messages), messages.lang);
        }
        let english = messages_of(&en::ACCOUNTS);
        assert!(english.iter().any(|(path, _)| path == "verify_label"), "{english:?}");
        for (messages, text) in CATALOGS.into_iter().zip(ACCOUNTS_CATALOGS) {
            same_slots(&english, &messages_of(text), messages.lang);
            assert!(
                std::ptr::eq(messages.accounts(), text),
                "{}: the list speaks the dialog's language",
                messages.lang
            );
        }
    }

    /// Each message of `translated` is there, filled, with the slots of its English original.
    fn same_slots(english: &[(String, String)], translated: &[(String, String)], lang: &str) {
        let slots = |text: &str| {
            let mut found: Vec<String> =
                text.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(n, _)| n.to_owned()).collect();
            found.sort();
            found.dedup();
            found
        };
        assert_eq!(translated.len(), english.len(), "{lang}");
        for ((path, en), (other_path, text)) in english.iter().zip(translated) {
            assert_eq!(path, other_path);
            assert!(!text.is_empty(), "{lang}: {path} is empty");
            if path != "lang" && !path.ends_with(".one") {
                assert_eq!(slots(en), slots(text), "{lang}: {path}");
            }
        }
    }

    #[test]
    fn counts_take_the_languages_plural_forms() {
        assert_eq!(EN.count(&EN.fields_need_attention, 1), "Check the form: 1 field needs your attention.");
        assert_eq!(EN.count(&EN.fields_need_attention, 2), "Check the form: 2 fields need your attention.");
        assert_eq!(
            DE.count(&DE.fields_need_attention, 1),
            "Bitte prüfen Sie das Formular: 1 Feld braucht Ihre Aufmerksamkeit."
        );
        assert_eq!(
            DE.count(&DE.fields_need_attention, 2),
            "Bitte prüfen Sie das Formular: 2 Felder brauchen Ihre Aufmerksamkeit."
        );
        assert_eq!(ES.count(&ES.fields_need_attention, 1), "Revise el formulario: 1 campo requiere su atención.");
        assert_eq!(
            FR.count(&FR.fields_need_attention, 0),
            "Vérifiez le formulaire\u{a0}: 0 champ demande votre attention."
        );
        assert_eq!(
            FR.count(&FR.fields_need_attention, 2),
            "Vérifiez le formulaire\u{a0}: 2 champs demandent votre attention."
        );
    }

    #[test]
    fn fill_does_not_reinterpret_inserted_values() {
        assert_eq!(fill("{a}{b}", &[("a", "{b}"), ("b", "x")]), "{b}x");
    }
}
