//! Demo data that looks like a real Nordic retailer: stores in Swedish and Norwegian cities,
//! devices named by store and till, metadata such as `store_id`, `region` and `terminal_type`.
//! Deterministic for a given seed.

use chrono::{DateTime, Duration, Utc};
use kustom_ipp::{
    Address, Device, Enrollment, EnrollmentCode, EnrollmentStatus, Location, Metadata, Platform,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::SeedSpec;
use crate::state::{SimState, StoredEnrollment};

struct Store {
    name: &'static str,
    street: &'static str,
    postal_code: &'static str,
    city: &'static str,
    country: &'static str,
    region: &'static str,
    code: &'static str,
}

const STORES: &[Store] = &[
    Store {
        name: "Stockholm Drottninggatan",
        street: "Drottninggatan 53",
        postal_code: "111 21",
        city: "Stockholm",
        country: "SE",
        region: "Stockholm",
        code: "STO",
    },
    Store {
        name: "Göteborg Nordstan",
        street: "Nordstadstorget 6",
        postal_code: "411 05",
        city: "Göteborg",
        country: "SE",
        region: "Väst",
        code: "GOT",
    },
    Store {
        name: "Malmö Triangeln",
        street: "Södra Förstadsgatan 41",
        postal_code: "211 43",
        city: "Malmö",
        country: "SE",
        region: "Syd",
        code: "MMX",
    },
    Store {
        name: "Oslo Karl Johan",
        street: "Karl Johans gate 16",
        postal_code: "0154",
        city: "Oslo",
        country: "NO",
        region: "Østlandet",
        code: "OSL",
    },
    Store {
        name: "Uppsala Forum",
        street: "Dragarbrunnsgatan 46",
        postal_code: "753 20",
        city: "Uppsala",
        country: "SE",
        region: "Mitt",
        code: "UPP",
    },
    Store {
        name: "Bergen Galleriet",
        street: "Torgallmenningen 8",
        postal_code: "5014",
        city: "Bergen",
        country: "NO",
        region: "Vestlandet",
        code: "BGO",
    },
    Store {
        name: "Linköping Tornby",
        street: "Tornbyvägen 11",
        postal_code: "582 73",
        city: "Linköping",
        country: "SE",
        region: "Öst",
        code: "LPI",
    },
    Store {
        name: "Trondheim Solsiden",
        street: "Beddingen 10",
        postal_code: "7014",
        city: "Trondheim",
        country: "NO",
        region: "Midt-Norge",
        code: "TRD",
    },
    Store {
        name: "Västerås Erikslund",
        street: "Hallsta gårdsgata 7",
        postal_code: "721 38",
        city: "Västerås",
        country: "SE",
        region: "Mitt",
        code: "VST",
    },
    Store {
        name: "Örebro Krämaren",
        street: "Drottninggatan 29",
        postal_code: "702 22",
        city: "Örebro",
        country: "SE",
        region: "Mitt",
        code: "ORB",
    },
    Store {
        name: "Stavanger Kvadrat",
        street: "Gamle Stokkavei 1",
        postal_code: "4313",
        city: "Sandnes",
        country: "NO",
        region: "Vestlandet",
        code: "SVG",
    },
    Store {
        name: "Umeå Utopia",
        street: "Kungsgatan 52",
        postal_code: "903 26",
        city: "Umeå",
        country: "SE",
        region: "Norr",
        code: "UME",
    },
];

const TERMINAL_TYPES: &[(&str, &str)] = &[
    ("checkout", "Till"),
    ("checkout", "Till"),
    ("handheld", "Handheld"),
    ("popup", "Pop-up"),
    ("service_desk", "Service desk"),
];

const DEPARTMENTS: &[&str] = &["Fashion", "Home", "Kids", "Beauty", "Sport"];

/// The location Kustom creates when IPP is enabled for a merchant [DOC help centre §8].
pub const MY_STORE: &str = "My Store";

/// Adds what every merchant has — the location `My Store` — and then the merchant's demo
/// locations, devices and enrollments on top.
pub fn seed(state: &mut SimState, merchant_id: &str, spec: &SeedSpec, now: DateTime<Utc>) {
    let epoch = now - Duration::days(540);
    // Its own random stream, so the demo data below is the same with or without it.
    let mut store_rng = StdRng::seed_from_u64(
        spec.rng_seed
            ^ merchant_id
                .bytes()
                .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b)),
    );
    state.add_location(
        merchant_id,
        Location {
            id: seeded_uuid(&mut store_rng),
            name: MY_STORE.to_owned(),
            city: None,
            address: None,
            created_at: Some(epoch),
        },
    );

    let mut rng = StdRng::seed_from_u64(spec.rng_seed);

    let mut locations: Vec<(Location, &Store, String)> = Vec::new();
    for index in 0..spec.locations {
        let store = &STORES[index % STORES.len()];
        let round = index / STORES.len();
        let name = if round == 0 {
            store.name.to_owned()
        } else {
            format!("{} {}", store.name, round + 1)
        };
        let store_id = format!("{}-{}-{:03}", store.country, store.code, index + 1);
        let location = Location {
            id: seeded_uuid(&mut rng),
            name,
            city: Some(store.city.to_owned()),
            address: Some(Address {
                street_address: store.street.to_owned(),
                postal_code: store.postal_code.to_owned(),
                city: store.city.to_owned(),
                country: store.country.to_owned(),
            }),
            created_at: Some(epoch + Duration::days(index as i64 % 60)),
        };
        state.add_location(merchant_id, location.clone());
        locations.push((location, store, store_id));
    }

    let mut tills_per_location = vec![0usize; locations.len()];
    let step = if spec.devices == 0 {
        0
    } else {
        (500 * 86_400) / spec.devices.max(1) as i64
    };
    for index in 0..spec.devices {
        let created_at = epoch + Duration::days(60) + Duration::seconds(step * index as i64);
        // About 3 % of the fleet is not assigned to any store yet.
        let assigned = !locations.is_empty() && rng.random_ratio(97, 100);
        let (terminal_type, label) = TERMINAL_TYPES[rng.random_range(0..TERMINAL_TYPES.len())];
        let platform = match rng.random_range(0..100) {
            0..55 => Platform::Ios,
            55..95 => Platform::Android,
            _ => Platform::Terminal,
        };
        let mut metadata = Metadata::new();
        metadata.insert("terminal_type".to_owned(), terminal_type.to_owned());
        let (location_id, name) = if assigned {
            let slot = index % locations.len();
            let (location, store, store_id) = &locations[slot];
            tills_per_location[slot] += 1;
            metadata.insert("store_id".to_owned(), store_id.clone());
            metadata.insert("region".to_owned(), store.region.to_owned());
            if rng.random_ratio(1, 2) {
                metadata.insert(
                    "department".to_owned(),
                    DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())].to_owned(),
                );
            }
            let short = store.name.split(' ').next().unwrap_or(store.name);
            (
                Some(location.id.clone()),
                format!("{short} {label} {}", tills_per_location[slot]),
            )
        } else {
            (None, format!("Spare {label} {}", index + 1))
        };
        let hardware_id = hardware_id(&platform, &mut rng);
        let device = Device {
            id: seeded_uuid(&mut rng),
            hardware_id: hardware_id.clone(),
            merchant_id: merchant_id.to_owned(),
            location_id,
            name,
            platform,
            metadata,
            created_at,
            // A register is opened on one device at a time [DOC help centre]: numbered by the
            // device, so no two share one. (The draw stays, so the demo data is as it was.)
            open_cash_register_id: rng.random_ratio(1, 3).then(|| {
                let _unused_draw = rng.random_range(1..60);
                index as i64 + 1
            }),
            unique_id: Some(hardware_id),
        };
        state.insert_device(device, None);
    }

    // Consumed enrollments for the first devices: the codes they were paired with.
    let consumed: Vec<Device> = state
        .devices
        .iter()
        .filter(|d| d.merchant_id == merchant_id)
        .take(spec.consumed_enrollments)
        .cloned()
        .collect();
    for device in consumed {
        state.enrollments.push(StoredEnrollment {
            merchant_id: merchant_id.to_owned(),
            enrollment: Enrollment {
                enrollment_id: seeded_uuid(&mut rng),
                enrollment_code: EnrollmentCode(seeded_code(&mut rng)),
                expires_at: device.created_at + Duration::hours(2),
                status: EnrollmentStatus::Consumed,
                metadata: device.metadata.clone(),
                location_id: device.location_id.clone(),
                created_at: Some(device.created_at - Duration::minutes(12)),
                device_id: Some(device.id.clone()),
                consumed_at: Some(device.created_at),
            },
        });
    }
    // Pending codes waiting for a clerk, for the first stores.
    for index in 0..spec.pending_enrollments {
        let Some((location, _, store_id)) = locations.get(index % locations.len().max(1)) else {
            break;
        };
        let mut metadata = Metadata::new();
        metadata.insert("store_id".to_owned(), store_id.clone());
        metadata.insert("terminal_type".to_owned(), "checkout".to_owned());
        state.enrollments.push(StoredEnrollment {
            merchant_id: merchant_id.to_owned(),
            enrollment: Enrollment {
                enrollment_id: seeded_uuid(&mut rng),
                enrollment_code: EnrollmentCode(seeded_code(&mut rng)),
                expires_at: now + Duration::minutes(45 + 30 * index as i64),
                status: EnrollmentStatus::Pending,
                metadata,
                location_id: Some(location.id.clone()),
                created_at: Some(now - Duration::minutes(75 - 30 * index as i64 % 75)),
                device_id: None,
                consumed_at: None,
            },
        });
    }
}

fn seeded_uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

fn seeded_code(rng: &mut StdRng) -> String {
    (0..crate::state::CODE_LENGTH)
        .map(|_| {
            crate::state::CODE_ALPHABET[rng.random_range(0..crate::state::CODE_ALPHABET.len())]
                as char
        })
        .collect()
}

fn hardware_id(platform: &Platform, rng: &mut StdRng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let tail: String = (0..10)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    match platform {
        Platform::Ios => format!("F{tail}"),
        Platform::Android => format!("R58{tail}"),
        _ => format!("T2-{tail}"),
    }
}
