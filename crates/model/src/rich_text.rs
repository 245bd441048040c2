//! The light markup of guide messages: `*strong*` for names of things in the
//! Dev Center and `[text]` for the step's link. Translators move the markers
//! with the words; unmatched markers are plain text.

/// One run of a guide message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span<'a> {
    /// Plain text.
    Text(&'a str),
    /// A name to emphasise, such as a button in the Dev Center.
    Strong(&'a str),
    /// The text of the step's link.
    Link(&'a str),
}

/// Splits a message into spans.
pub fn parse(message: &str) -> Vec<Span<'_>> {
    let mut spans = Vec::new();
    let mut rest = message;
    let mut text_start = 0;
    let mut index = 0;
    while index < rest.len() {
        let closing = match rest.as_bytes()[index] {
            b'*' => Some('*'),
            b'[' => Some(']'),
            _ => None,
        };
        let Some(closing) = closing else {
            index += 1;
            continue;
        };
        let Some(length) = rest[index + 1..].find(closing).filter(|&length| length > 0) else {
            index += 1;
            continue;
        };
        if text_start < index {
            spans.push(Span::Text(&rest[text_start..index]));
        }
        let inner = &rest[index + 1..index + 1 + length];
        spans.push(if closing == '*' { Span::Strong(inner) } else { Span::Link(inner) });
        rest = &rest[index + length + 2..];
        text_start = 0;
        index = 0;
    }
    if !rest.is_empty() {
        spans.push(Span::Text(rest));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_strong_and_link_runs() {
        assert_eq!(
            parse("Open the [SPS Dev Center], click *Applications*."),
            vec![
                Span::Text("Open the "),
                Span::Link("SPS Dev Center"),
                Span::Text(", click "),
                Span::Strong("Applications"),
                Span::Text("."),
            ]
        );
    }

    #[test]
    fn unmatched_or_empty_markers_stay_text() {
        assert_eq!(parse("5 * 3 [x"), vec![Span::Text("5 * 3 [x")]);
        assert_eq!(parse("a ** b"), vec![Span::Text("a ** b")]);
    }

    #[test]
    fn handles_multibyte_text_around_markers() {
        assert_eq!(
            parse("Klicken Sie auf *Anwendungen* – fertig"),
            vec![Span::Text("Klicken Sie auf "), Span::Strong("Anwendungen"), Span::Text(" – fertig"),]
        );
    }
}
