//! Renaming many devices at once from a pattern: `{store} Kassa {n}` gives each device a name
//! from its store and its place in the store ("Göteborg Kassa 1", "Göteborg Kassa 2", …).
//!
//! Placeholders: `{name}` (its name now), `{store}` (its store's name, or "Unassigned"), `{n}`
//! (its number in its store, 1, 2, …), `{nn}` and `{nnn}` (the same, padded: 01, 001).
//! `{{` and `}}` write a brace. Anything else in braces is refused, naming it, rather than
//! written into hundreds of names.

use std::collections::HashMap;

use kustom_ipp::Device;

use crate::AppError;

/// The longest device name Kustom takes [DOC §7: 1–100 characters].
pub const MAX_NAME: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Name,
    Store,
    Number { width: usize },
}

fn invalid(message: String) -> AppError {
    AppError::invalid_field("pattern", message)
}

fn parse(pattern: &str) -> Result<Vec<Part>, AppError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) if name.chars().count() < 20 => name.push(c),
                        _ => {
                            return Err(invalid(
                                "A “{” is not closed: write placeholders as {name}, {store} or {n}."
                                    .to_owned(),
                            ));
                        }
                    }
                }
                let part = match name.trim() {
                    "name" => Part::Name,
                    "store" => Part::Store,
                    "n" => Part::Number { width: 1 },
                    "nn" => Part::Number { width: 2 },
                    "nnn" => Part::Number { width: 3 },
                    other => {
                        return Err(invalid(format!(
                            "“{{{other}}}” is not a placeholder: use {{name}}, {{store}}, {{n}}, {{nn}} or {{nnn}}."
                        )));
                    }
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
            }
            '}' => {
                return Err(invalid(
                    "A “}” without its “{”: write a brace as }}.".to_owned(),
                ));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// Checks `pattern` on its own (before any device): it must parse and not be blank.
pub fn check(pattern: &str) -> Result<(), AppError> {
    if pattern.trim().is_empty() {
        return Err(invalid("Write the pattern of the new names.".to_owned()));
    }
    parse(pattern).map(|_| ())
}

/// The new name of each of `devices`, in their order (numbers count per store in that order).
/// A name that comes out blank or too long is refused, naming the device.
pub fn names(
    pattern: &str,
    devices: &[&Device],
    store_names: &HashMap<String, String>,
    unassigned: &str,
) -> Result<Vec<String>, AppError> {
    check(pattern)?;
    let parts = parse(pattern)?;
    let mut numbers: HashMap<Option<&str>, usize> = HashMap::new();
    devices
        .iter()
        .map(|device| {
            let number = numbers.entry(device.location_id.as_deref()).or_default();
            *number += 1;
            let store = device
                .location_id
                .as_ref()
                .map(|id| store_names.get(id).map_or(id.as_str(), String::as_str))
                .unwrap_or(unassigned);
            let mut name = String::new();
            for part in &parts {
                match part {
                    Part::Text(text) => name.push_str(text),
                    Part::Name => name.push_str(&device.name),
                    Part::Store => name.push_str(store),
                    Part::Number { width } => name.push_str(&format!("{:0width$}", *number)),
                }
            }
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            if name.is_empty() {
                return Err(invalid(format!(
                    "“{}” would get a blank name.",
                    device.name
                )));
            }
            if name.chars().count() > MAX_NAME {
                return Err(invalid(format!(
                    "“{}” would get a name over {MAX_NAME} characters.",
                    device.name
                )));
            }
            Ok(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};
    use proptest::prelude::*;

    use super::*;

    fn device(name: &str, store: Option<&str>) -> Device {
        Device {
            id: format!("id-{name}"),
            hardware_id: "HW".into(),
            merchant_id: "m".into(),
            location_id: store.map(str::to_owned),
            name: name.into(),
            platform: Platform::Android,
            metadata: Metadata::new(),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    fn ok<T>(result: Result<T, AppError>) -> T {
        result.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn numbers_count_per_store_and_pad() {
        let stores = HashMap::from([("g".to_owned(), "Göteborg".to_owned())]);
        let (a, b, c) = (
            device("x", Some("g")),
            device("y", None),
            device("z", Some("g")),
        );
        let names = ok(names(
            "{store} Kassa {nn} ({name})",
            &[&a, &b, &c],
            &stores,
            "Utan butik",
        ));
        assert_eq!(
            names,
            [
                "Göteborg Kassa 01 (x)",
                "Utan butik Kassa 01 (y)",
                "Göteborg Kassa 02 (z)"
            ]
        );
        assert_eq!(ok(names_of("{{{n}}}", &a)), ["{1}"]);
    }

    fn names_of(pattern: &str, device: &Device) -> Result<Vec<String>, AppError> {
        names(pattern, &[device], &HashMap::new(), "Unassigned")
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_refused_by_name() {
        let a = device("x", None);
        let err = names_of("Kassa {nummer}", &a).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("{nummer}")));
        assert!(names_of("Kassa {n", &a).is_err());
        assert!(names_of("Kassa }", &a).is_err());
        assert!(names_of("   ", &a).is_err());
        let long = "x".repeat(101);
        assert!(names_of(&long, &a).is_err());
    }

    proptest! {
        /// Whatever is typed: an error or a name Kustom takes, never a panic.
        #[test]
        fn any_pattern_gives_a_valid_name_or_an_error(pattern in "\\PC{0,120}") {
            let a = device("Kassa 1", Some("s"));
            if let Ok(names) = names_of(&pattern, &a) {
                let name = &names[0];
                prop_assert!(!name.trim().is_empty());
                prop_assert!(name.chars().count() <= MAX_NAME);
            }
        }
    }
}
