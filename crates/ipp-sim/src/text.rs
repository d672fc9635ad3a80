//! What "blank" means, exactly as the OpenAPI document's patterns mean it.
//!
//! The document says "not blank" with the pattern `\S`, and JSON Schema patterns are ECMA-262
//! regular expressions, whose `\s` is not Rust's `char::is_whitespace` (it has U+FEFF, and not
//! U+0085). The simulator judges text by the document's definition, so what the document calls
//! valid it accepts, and what it calls blank it refuses.

/// ECMA-262 `\s`: WhiteSpace and LineTerminator.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// No character outside `\s` (the empty string included).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_space)
}

/// `text` without leading and trailing `\s`.
pub fn trim(text: &str) -> &str {
    text.trim_matches(is_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_the_ecma_definition() {
        assert!(is_blank(""));
        assert!(is_blank(" \t\u{FEFF}\u{3000}"));
        assert!(!is_blank("\u{85}"), "NEL is not ECMA whitespace");
        assert!(!is_blank(" x "));
        assert_eq!(trim("\u{FEFF} Till 1 \u{A0}"), "Till 1");
    }
}
