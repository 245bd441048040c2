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

static ES: Texts = Texts {
    lang: "es",
    title: "Conectar SPS Commerce con {app}",
    addressee: "Este enlace conecta SPS Commerce con la cuenta de {for} en {app}. Si no es usted, cierre esta página.",
    lead: "{app} le pide que vincule su cuenta de SPS Commerce. Siga la guía y después introduzca el Client ID y el Client Secret de su aplicación Machine-to-Machine.",
    return_to: "Volver a {app}",
    could_not_start: "No se pudo iniciar esta página. Vuelva a cargarla o pida a {app} un enlace nuevo.",
    expired_title: "Este enlace ha caducado",
    expired_body: "Por su seguridad, los enlaces de conexión solo funcionan durante un tiempo limitado. Pida a {app} un enlace nuevo.",
    used_title: "Este enlace ya se ha utilizado",
    used_body: "Ya se vinculó una cuenta de SPS Commerce con él, y cada enlace funciona una sola vez. Para vincular otra cuenta, pida a {app} un enlace nuevo.",
    revoked_title: "Este enlace ya no es válido",
    revoked_body: "{app} retiró este enlace. Pida a {app} uno nuevo.",
    unknown_title: "Este enlace no es válido",
    unknown_body: "Compruebe que abrió el enlace completo de su mensaje o pida a {app} un enlace nuevo.",
};

static FR: Texts = Texts {
    lang: "fr",
    title: "Connecter SPS Commerce à {app}",
    addressee: "Ce lien connecte SPS Commerce au compte de {for} chez {app}. Si ce n’est pas vous, fermez cette page.",
    lead: "{app} vous demande d’associer votre compte SPS Commerce. Suivez le guide, puis saisissez le Client ID et le Client Secret de votre application Machine-to-Machine.",
    return_to: "Retour à {app}",
    could_not_start: "Cette page n’a pas pu démarrer. Rechargez-la ou demandez un nouveau lien à {app}.",
    expired_title: "Ce lien a expiré",
    expired_body: "Pour votre sécurité, les liens de connexion ne fonctionnent que pendant une durée limitée. Demandez un nouveau lien à {app}.",
    used_title: "Ce lien a déjà été utilisé",
    used_body: "Un compte SPS Commerce a déjà été associé avec ce lien, et un lien ne fonctionne qu’une fois. Pour associer un autre compte, demandez un nouveau lien à {app}.",
    revoked_title: "Ce lien n’est plus valide",
    revoked_body: "{app} a retiré ce lien. Demandez-en un nouveau à {app}.",
    unknown_title: "Ce lien n’est pas valide",
    unknown_body: "Vérifiez que vous avez ouvert le lien complet de votre message, ou demandez un nouveau lien à {app}.",
};

/// Every language the page speaks, English first.
static ALL: [&Texts; 4] = [&EN, &DE, &ES, &FR];

/// The texts for a BCP 47 `locale`, if the page speaks its language.
pub fn spoken(locale: &str) -> Option<&'static Texts> {
    let language = locale.split('-').next().unwrap_or_default().trim().to_ascii_lowercase();
    ALL.into_iter().find(|texts| texts.lang == language)
}

/// The texts for a BCP 47 `locale`; English when the language is unknown.
pub fn texts(locale: &str) -> &'static Texts {
    spoken(locale).unwrap_or(&EN)
}

/// The language an `Accept-Language` header prefers among those the page
/// speaks (by weight, then order; `q=0` refused), if any.
pub fn preferred(accept_language: &str) -> Option<&'static Texts> {
    let mut ranges: Vec<(f32, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(order, range)| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(|q| q.trim().parse::<f32>().unwrap_or(0.0)))
                .unwrap_or(1.0);
            (weight > 0.0 && !tag.is_empty()).then_some((weight, order, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, tag)| spoken(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: a link without a locale showed English to every reader.
    #[test]
    fn accept_language_picks_the_heaviest_language_the_page_speaks() {
        assert_eq!(preferred("fr-CA,fr;q=0.9,en;q=0.8").map(|t| t.lang), Some("fr"));
        assert_eq!(preferred("pt-BR, es;q=0.5, de;q=0.7").map(|t| t.lang), Some("de"));
        assert_eq!(preferred("ja, es-419;q=0.3").map(|t| t.lang), Some("es"));
        assert_eq!(preferred("de;q=0, fr;q=0.1").map(|t| t.lang), Some("fr"), "q=0 is a refusal");
        assert_eq!(preferred("ja, zh").map(|t| t.lang), None);
        assert_eq!(preferred("").map(|t| t.lang), None);
    }

    #[test]
    fn every_language_fills_the_same_slots() {
        let slots = |text: &str| text.matches('{').count();
        for texts in ALL {
            let (en, other) = (format!("{EN:?}"), format!("{texts:?}"));
            assert_eq!(slots(&en), slots(&other), "{}", texts.lang);
        }
    }
}
