//! Text from outside kept to a bounded length: what an API or a callback sends is shown and
//! recorded, so none of it may grow without limit.

/// Characters kept of any text from the API that Fleetdesk shows or records.
pub const MAX_TEXT: usize = 300;

/// `text`, cut to [`MAX_TEXT`] characters (marked when cut).
pub fn bounded(text: &str) -> String {
    cut(text, MAX_TEXT)
}

/// `text`, cut to `max_chars` characters, with `…` after it when it was cut.
pub fn cut(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_and_marked_short_text_kept() {
        assert_eq!(cut("Kassa 1", 10), "Kassa 1");
        assert_eq!(cut("åäöåäö", 3), "åäö…");
        assert_eq!(bounded(&"x".repeat(MAX_TEXT)).chars().count(), MAX_TEXT);
        assert_eq!(
            bounded(&"x".repeat(MAX_TEXT + 1)).chars().count(),
            MAX_TEXT + 1
        );
    }
}
