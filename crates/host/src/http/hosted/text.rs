//! The hosted page's own words, in each language it speaks.

/// The page's texts in one language; `{app}` is the portal's name.
#[derive(Debug)]
pub struct Texts {
    /// BCP 47 language.
    pub lang: &'static str,
    /// Title of the connect page.
    pub title: &'static str,
    /// Whom the link is for, before the form; `{for}` is the portal's word for the user.
    pub addressee: &'static str,
    /// Lead of the connect page.
    pub lead: &'static str,
    /// The confirmation's way back.
    pub return_to: &'static str,
    /// Shown when the page cannot start.
    pub could_not_start: &'static str,
    /// An expired link.
    pub expired_title: &'static str,
    /// What to do about it.
    pub expired_body: &'static str,
    /// A used link.
    pub used_title: &'static str,
    /// What to do about it.
    pub used_body: &'static str,
    /// A revoked link.
    pub revoked_title: &'static str,
    /// What to do about it.
    pub revoked_body: &'static str,
    /// Not a link.
    pub unknown_title: &'static str,
    /// What to do about it.
    pub unknown_body: &'static str,
}

static EN: Texts = Texts {
    lang: "en",
    title: "Connect SPS Commerce to {app}",
    addressee: "This link connects SPS Commerce to {for}'s account at {app}. If that isn't you, close this page.",
    lead: "{app} asks you to link your SPS Commerce account. Follow the guide, then enter the Client ID and Client Secret of your Machine-to-Machine application.",
    return_to: "Return to {app}",
    could_not_start: "This page could not start. Reload it, or ask {app} for a new link.",
    expired_title: "This link has expired",
    expired_body: "For your security, connect links work for a limited time. Ask {app} for a new link.",
    used_title: "This link has already been used",
    used_body: "An SPS Commerce account was already linked with it, and a link works only once. To link another account, ask {app} for a new link.",
    revoked_title: "This link is no longer valid",
    revoked_body: "{app} withdrew this link. Ask {app} for a new one.",
    unknown_title: "This link is not valid",
    unknown_body: "Check that you opened the whole link from your message, or ask {app} for a new link.",
};

static DE: Texts = Texts {
    lang: "de",
    title: "SPS Commerce mit {app} verbinden",
    addressee: "Dieser Link verbindet SPS Commerce mit dem Konto von {for} bei {app}. Wenn Sie das nicht sind, schließen Sie diese Seite.",
    lead: "{app} bittet Sie, Ihr SPS-Commerce-Konto zu verknüpfen. Folgen Sie der Anleitung und geben Sie dann Client ID und Client Secret Ihrer Machine-to-Machine-Anwendung ein.",
    return_to: "Zurück zu {app}",
    could_not_start: "Diese Seite konnte nicht starten. Laden Sie sie neu oder bitten Sie {app} um einen neuen Link.",
    expired_title: "Dieser Link ist abgelaufen",
    expired_body: "Zu Ihrer Sicherheit gelten Verbindungslinks nur begrenzte Zeit. Bitten Sie {app} um einen neuen Link.",
    used_title: "Dieser Link wurde bereits verwendet",
    used_body: "Mit ihm wurde bereits ein SPS-Commerce-Konto verknüpft, und ein Link gilt nur einmal. Für ein weiteres Konto bitten Sie {app} um einen neuen Link.",
    revoked_title: "Dieser Link ist nicht mehr gültig",
    revoked_body: "{app} hat diesen Link zurückgezogen. Bitten Sie {app} um einen neuen.",
    unknown_title: "Dieser Link ist ungültig",
    unknown_body: "Prüfen Sie, ob Sie den ganzen Link aus Ihrer Nachricht geöffnet haben, oder bitten Sie {app} um einen neuen Link.",
};

/// The texts for a BCP 47 `locale`; English when the language is unknown.
pub fn texts(locale: &str) -> &'static Texts {
    match locale.split('-').next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "de" => &DE,
        _ => &EN,
    }
}
