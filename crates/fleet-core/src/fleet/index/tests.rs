//! The index against what it must agree with: small fleets by hand, a plain scan, and an index
//! built afresh.

use chrono::Utc;
use kustom_ipp::{Metadata, Platform};

use super::*;

fn device(
    id: &str,
    name: &str,
    location: Option<&str>,
    platform: Platform,
    metadata: &[(&str, &str)],
) -> Device {
    Device {
        id: id.into(),
        hardware_id: format!("HW-{id}"),
        merchant_id: "m".into(),
        location_id: location.map(str::to_owned),
        name: name.into(),
        platform,
        metadata: metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Metadata>(),
        created_at: Utc::now(),
        open_cash_register_id: None,
        unique_id: None,
    }
}

fn index() -> FleetIndex {
    FleetIndex::build(vec![
        device(
            "d1",
            "Malmö Till 2",
            Some("mmx"),
            Platform::Ios,
            &[("region", "Syd"), ("terminal_type", "checkout")],
        ),
        device(
            "d2",
            "Malmö Till 1",
            Some("mmx"),
            Platform::Android,
            &[("region", "Syd"), ("terminal_type", "handheld")],
        ),
        device(
            "d3",
            "Oslo Till 1",
            Some("osl"),
            Platform::Ios,
            &[("region", "Østlandet"), ("terminal_type", "checkout")],
        ),
        device(
            "d4",
            "Spare Till",
            None,
            Platform::Terminal,
            &[("terminal_type", "checkout")],
        ),
    ])
    .expect("a small fleet")
}

fn names(index: &FleetIndex, rows: &[u32]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| index.device(*r))
        .map(|d| d.name.clone())
        .collect()
}

fn query() -> FleetQuery {
    FleetQuery::all()
}

#[test]
fn filters_combine_with_and_in_name_order() {
    let index = index();
    assert_eq!(
        names(&index, &index.find(&query())),
        ["Malmö Till 1", "Malmö Till 2", "Oslo Till 1", "Spare Till"]
    );
    let q = FleetQuery {
        metadata: vec![("terminal_type".into(), "checkout".into())],
        ..query()
    };
    assert_eq!(
        names(&index, &index.find(&q)),
        ["Malmö Till 2", "Oslo Till 1", "Spare Till"]
    );
    let q = FleetQuery {
        metadata: vec![
            ("terminal_type".into(), "checkout".into()),
            ("region".into(), "Syd".into()),
        ],
        ..query()
    };
    assert_eq!(names(&index, &index.find(&q)), ["Malmö Till 2"]);
    let q = FleetQuery {
        location: LocationFilter::Unassigned,
        ..query()
    };
    assert_eq!(names(&index, &index.find(&q)), ["Spare Till"]);
    let q = FleetQuery {
        platform: Some("IOS".into()),
        location: LocationFilter::At("osl".into()),
        ..query()
    };
    assert_eq!(names(&index, &index.find(&q)), ["Oslo Till 1"]);
    let q = FleetQuery {
        metadata: vec![("region".into(), "Nowhere".into())],
        ..query()
    };
    assert!(index.find(&q).is_empty());
}

#[test]
fn the_register_filter_finds_devices_with_and_without_an_open_register() {
    let mut devices = vec![
        device("d1", "Till 1", Some("a"), Platform::Ios, &[("k", "v")]),
        device("d2", "Till 2", Some("a"), Platform::Ios, &[("k", "v")]),
        device("d3", "Till 3", Some("b"), Platform::Android, &[]),
        device("d4", "Till 4", None, Platform::Android, &[("k", "v")]),
    ];
    devices[1].open_cash_register_id = Some(42);
    devices[2].open_cash_register_id = Some(7);
    let index = FleetIndex::build(devices).expect("a small fleet");
    let with =
        |register, query: FleetQuery| names(&index, &index.find(&FleetQuery { register, ..query }));
    assert_eq!(with(RegisterFilter::Open, query()), ["Till 2", "Till 3"]);
    assert_eq!(
        with(RegisterFilter::NoneOpen, query()),
        ["Till 1", "Till 4"]
    );
    assert_eq!(with(RegisterFilter::Any, query()).len(), 4);
    // With other filters, and with text.
    let tagged = FleetQuery {
        metadata: vec![("k".into(), "v".into())],
        ..query()
    };
    assert_eq!(with(RegisterFilter::Open, tagged.clone()), ["Till 2"]);
    assert_eq!(with(RegisterFilter::NoneOpen, tagged), ["Till 1", "Till 4"]);
    let text = FleetQuery {
        text: "till".into(),
        ..query()
    };
    assert_eq!(
        with(RegisterFilter::Open, text.clone()),
        ["Till 2", "Till 3"]
    );
    assert_eq!(with(RegisterFilter::NoneOpen, text), ["Till 1", "Till 4"]);
    assert_eq!(
        index.get("d2").and_then(|d| d.open_cash_register_id),
        Some(42)
    );
}

#[test]
fn text_matches_name_id_hardware_id_and_metadata_values_case_insensitively() {
    let index = index();
    for (text, expected) in [
        ("malmö", 2),
        ("HW-D3", 1),
        ("d4", 1),
        ("østlandet", 1),
        ("handheld", 1),
        ("nothing", 0),
    ] {
        let q = FleetQuery {
            text: text.into(),
            ..query()
        };
        assert_eq!(index.find(&q).len(), expected, "{text}");
    }
}

#[test]
fn api_queries_only_when_the_api_can_answer() {
    let fits = FleetQuery {
        metadata: vec![("region".into(), "Syd".into())],
        location: LocationFilter::At("mmx".into()),
        ..query()
    };
    assert!(fits.as_api_query().is_some());
    assert!(
        FleetQuery {
            text: "till".into(),
            ..query()
        }
        .as_api_query()
        .is_none()
    );
    assert!(
        FleetQuery {
            location: LocationFilter::Unassigned,
            ..query()
        }
        .as_api_query()
        .is_none()
    );
    let six = FleetQuery {
        metadata: (0..6).map(|i| (format!("k{i}"), "v".to_owned())).collect(),
        ..query()
    };
    assert!(six.as_api_query().is_none());
}

#[test]
fn two_platform_values_with_one_name_are_one_filter_in_row_order() {
    let index = FleetIndex::build(vec![
        device("c", "Till 3", None, Platform::Ios, &[]),
        device("a", "Till 1", None, Platform::Unknown("IOS".into()), &[]),
        device("b", "Till 2", None, Platform::Ios, &[]),
    ])
    .expect("a small fleet");
    let rows = index.find(&FleetQuery {
        platform: Some("IOS".to_owned()),
        ..FleetQuery::all()
    });
    assert_eq!(names(&index, &rows), ["Till 1", "Till 2", "Till 3"]);
}

#[test]
fn counts_and_suggestions() {
    let index = index();
    let counts = index.location_counts();
    assert_eq!(counts.get(&Some("mmx".to_owned())), Some(&2));
    assert_eq!(counts.get(&None), Some(&1));
    let values = index.metadata_values();
    assert_eq!(values["terminal_type"]["checkout"], 3);
}
mod edits_in_place {
    use proptest::prelude::*;

    use super::*;

    fn word() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[abÅø1 ]{0,5}").expect("a valid pattern")
    }

    /// An edit: a device (one of a few ids, so edits often hit the same device) taken out (0),
    /// put in as it now is (1), or moved to another store and nothing else (2).
    fn edit() -> impl Strategy<Value = (u8, u8, String, u8, String, bool)> {
        (0u8..3, 0u8..12, word(), 0u8..4, word(), any::<bool>())
    }

    fn made(id: u8, name: &str, location: u8, value: &str, ios: bool) -> Device {
        let location = ["a", "b", "c"].get(location as usize).copied();
        let platform = if ios {
            Platform::Ios
        } else {
            Platform::Android
        };
        Device {
            // Some have a cash register open, and an edit may open or close it.
            open_cash_register_id: (value.len() % 2 == 1).then_some(i64::from(id)),
            ..device(
                &format!("id{id}"),
                name,
                location,
                platform,
                &[("k", value)],
            )
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever edits are made in place, the index answers exactly as one built afresh
        /// from the devices the edits leave: every query's rows in the same (name) order, the
        /// counts, the suggestions and each device by id.
        #[test]
        fn an_index_edited_in_place_answers_as_one_built_afresh(
            start in proptest::collection::vec((0u8..12, word(), 0u8..4, word(), any::<bool>()), 0..12),
            edits in proptest::collection::vec(edit(), 0..16),
            needle in word(),
            value in word(),
        ) {
            let mut fleet: BTreeMap<String, Device> = BTreeMap::new();
            for (id, name, location, value, ios) in &start {
                let device = made(*id, name, *location, value, *ios);
                fleet.insert(device.id.clone(), device);
            }
            let mut index = FleetIndex::build(fleet.values().cloned().collect()).expect("small");
            for (op, id, name, location, value, ios) in &edits {
                match op {
                    0 => {
                        let id = format!("id{id}");
                        prop_assert_eq!(index.remove(&id), fleet.remove(&id).is_some());
                    }
                    1 => {
                        let device = made(*id, name, *location, value, *ios);
                        index.upsert(&device).expect("small");
                        fleet.insert(device.id.clone(), device);
                    }
                    _ => {
                        let Some(mut device) = fleet.get(&format!("id{id}")).cloned() else { continue };
                        device.location_id = ["a", "b", "c"].get(*location as usize).map(|l| (*l).to_owned());
                        index.upsert(&device).expect("small");
                        fleet.insert(device.id.clone(), device);
                    }
                }
            }
            let fresh = FleetIndex::build(fleet.values().cloned().collect()).expect("small");
            prop_assert_eq!(index.len(), fresh.len());
            let ids = |index: &FleetIndex, rows: Vec<u32>| -> Vec<String> {
                rows.into_iter().filter_map(|row| index.device(row)).map(|d| d.id).collect()
            };
            let queries = [
                FleetQuery::all(),
                FleetQuery { text: needle.clone(), ..FleetQuery::all() },
                FleetQuery { metadata: vec![("k".into(), value.clone())], ..FleetQuery::all() },
                FleetQuery { location: LocationFilter::At("b".into()), text: needle.clone(), ..FleetQuery::all() },
                FleetQuery { location: LocationFilter::Unassigned, ..FleetQuery::all() },
                FleetQuery { platform: Some("IOS".into()), ..FleetQuery::all() },
                FleetQuery { register: RegisterFilter::Open, ..FleetQuery::all() },
                FleetQuery { register: RegisterFilter::NoneOpen, text: needle.clone(), ..FleetQuery::all() },
            ];
            for query in &queries {
                prop_assert_eq!(ids(&index, index.find(query)), ids(&fresh, fresh.find(query)), "{:?}", query);
                let mut by_index = ids(&fresh, fresh.find(query));
                by_index.sort();
                let streamed: Vec<String> = fleet.values().filter(|d| query.matches(d)).map(|d| d.id.clone()).collect();
                prop_assert_eq!(streamed, by_index, "read on its own: {:?}", query);
                prop_assert_eq!(index.location_counts_for(query), fresh.location_counts_for(query));
            }
            prop_assert_eq!(index.location_counts(), fresh.location_counts());
            prop_assert_eq!(index.metadata_values(), fresh.metadata_values());
            for id in 0..12u8 {
                let id = format!("id{id}");
                prop_assert_eq!(index.get(&id), fleet.get(&id).cloned());
            }
            let compacted = index.compacted().expect("small");
            prop_assert_eq!(ids(&compacted, compacted.find(&FleetQuery::all())), ids(&fresh, fresh.find(&FleetQuery::all())));
        }
    }
}

/// A move changes a row in place: a job moving a whole fleet neither grows the index nor has it
/// built again.
#[test]
fn moves_change_rows_in_place_and_never_call_for_a_build() {
    let fleet: Vec<Device> = (0..5_000)
        .map(|i| {
            device(
                &format!("d{i:05}"),
                &format!("Till {i}"),
                Some("a"),
                Platform::Ios,
                &[("k", "v")],
            )
        })
        .collect();
    let mut index = FleetIndex::build(fleet.clone()).expect("small");
    for mut moved in fleet {
        moved.location_id = Some("b".into());
        index.upsert(&moved).expect("small");
    }
    assert!(!index.needs_compaction(), "5,000 moves call for no build");
    let counts = index.location_counts();
    assert_eq!(counts.get(&Some("b".to_owned())), Some(&5_000));
    assert_eq!(counts.get(&Some("a".to_owned())), None);
    // A rename is not a move: it still takes the row out and appends the new one.
    let mut renamed = index.get("d00000").expect("there");
    renamed.name = "Kassa".into();
    index.upsert(&renamed).expect("small");
    assert_eq!(index.get("d00000").map(|d| d.name), Some("Kassa".into()));
}

mod against_a_scan {
    use proptest::prelude::*;

    use super::*;

    /// Short words from a small alphabet (with Nordic letters, a space and the index's own
    /// separators), so that needles often hit, often miss, and sometimes span two fields.
    fn word() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[abÅåøØΣς1 \\x00\\x01-]{0,7}").expect("a valid pattern")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Whatever the fleet, the text and whether a platform filter narrows the rows first
        /// (the per-row check) or not (the one pass over the whole buffer), the index finds
        /// exactly the devices a plain case-insensitive substring scan over name, id, hardware
        /// id and metadata values finds.
        #[test]
        fn the_text_search_agrees_with_a_scan(
            rows in proptest::collection::vec((word(), word(), word(), any::<bool>()), 0..40),
            needle in word(),
            only_ios in any::<bool>(),
            register in prop_oneof![
                Just(RegisterFilter::Any),
                Just(RegisterFilter::Open),
                Just(RegisterFilter::NoneOpen)
            ],
        ) {
            let devices: Vec<Device> = rows
                .iter()
                .enumerate()
                .map(|(i, (name, value, other, ios))| {
                    let platform = if *ios { Platform::Ios } else { Platform::Android };
                    let location = [None, Some("a"), Some("b")][i % 3];
                    // Two keys, whose values often repeat across devices and across keys.
                    let metadata = [("k", value.as_str()), ("j", other.as_str())];
                    Device {
                        // Some devices have a cash register open: kept beside the rows.
                        open_cash_register_id: (i % 4 == 1).then_some(i as i64),
                        ..device(&format!("id{i}"), name, location, platform, &metadata)
                    }
                })
                .collect();
            let index = FleetIndex::build(devices.clone()).expect("a small fleet");
            // Every device is found by its id, as it was given; an unknown id finds nothing.
            for device in &devices {
                prop_assert_eq!(index.get(&device.id), Some(device.clone()));
            }
            prop_assert_eq!(index.get("not a device"), None);
            // Rows are in name order (numbers by value, case aside), ties broken by id.
            let order: Vec<(String, String)> = index.devices().map(|d| (d.name, d.id)).collect();
            prop_assert!(
                order.windows(2).all(|pair| {
                    crate::fleet::name_order::compare(&pair[0].0, &pair[1].0)
                        .then_with(|| pair[0].1.cmp(&pair[1].1))
                        .is_le()
                }),
                "{:?}",
                order
            );
            let wanted = needle.trim().to_lowercase().replace(['\u{0}', '\u{1}'], "");
            let matching: Vec<&Device> = devices
                .iter()
                .filter(|d| !only_ios || d.platform == Platform::Ios)
                .filter(|d| match register {
                    RegisterFilter::Any => true,
                    RegisterFilter::Open => d.open_cash_register_id.is_some(),
                    RegisterFilter::NoneOpen => d.open_cash_register_id.is_none(),
                })
                .filter(|d| {
                    [d.name.as_str(), d.id.as_str(), d.hardware_id.as_str()]
                        .into_iter()
                        .chain(d.metadata.values().map(String::as_str))
                        .any(|field| {
                            field
                                .to_lowercase()
                                .replace(['\u{0}', '\u{1}'], "")
                                .contains(&wanted)
                        })
                })
                .collect();
            let mut expected: Vec<String> = matching.iter().map(|d| d.id.clone()).collect();
            let mut expected_counts: BTreeMap<Option<String>, u32> = BTreeMap::new();
            for device in &matching {
                *expected_counts.entry(device.location_id.clone()).or_default() += 1;
            }
            let query = FleetQuery {
                text: needle.clone(),
                platform: only_ios.then(|| "IOS".to_owned()),
                register,
                ..FleetQuery::all()
            };
            let rows = index.find(&query);
            prop_assert!(rows.windows(2).all(|pair| pair[0] < pair[1]), "not in row order: {:?}", rows);
            let mut found: Vec<String> = rows
                .into_iter()
                .filter_map(|row| index.device(row).map(|d| d.id.clone()))
                .collect();
            expected.sort();
            found.sort();
            // A device read on its own (the command line's stream) answers as the index does.
            let mut streamed: Vec<String> = devices.iter().filter(|d| query.matches(d)).map(|d| d.id.clone()).collect();
            streamed.sort();
            prop_assert_eq!(&streamed, &expected);
            prop_assert_eq!(found, expected);
            // The panel's counts, for the same question at any location.
            prop_assert_eq!(index.location_counts_for(&query), expected_counts);
        }
    }
}
