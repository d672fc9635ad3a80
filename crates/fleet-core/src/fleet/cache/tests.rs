//! The fleet cache's tests: what a sync writes, what reads give back, and changes on top.

use std::time::{Duration, Instant};

use chrono::Utc;
use kustom_ipp::{Metadata, Platform};

use super::*;
use crate::fleet::index::{FleetIndex, FleetQuery};

fn devices(count: usize) -> Vec<Device> {
    (0..count)
        .map(|i| Device {
            id: format!("d{i}"),
            hardware_id: format!("HW{i}"),
            merchant_id: "m".into(),
            location_id: (i % 3 == 0).then(|| "loc-a".into()),
            name: format!("Till {i}"),
            platform: Platform::Android,
            metadata: Metadata::from([("n".into(), i.to_string())]),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        })
        .collect()
}

fn ok<T>(result: Result<T, AppError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn by_id(mut list: Vec<Device>) -> Vec<Device> {
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

/// The generations that have pages, for `profile_id`.
fn generations(store: &Store, profile_id: &str) -> Vec<i64> {
    ok(store.with(|conn| {
        conn.prepare("SELECT DISTINCT generation FROM fleet_pages WHERE profile_id = ?1")?
            .query_map([profile_id], |row| row.get(0))?
            .collect()
    }))
}

/// Waits (up to 5 s) for the background clean-up to leave `expected` generations.
fn wait_for_generations(store: &Store, profile_id: &str, expected: usize) -> Vec<i64> {
    let started = Instant::now();
    loop {
        let found = generations(store, profile_id);
        if found.len() == expected || started.elapsed() > Duration::from_secs(5) {
            return found;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A sync as `Desk::sync_fleet` runs it: the pages written as they arrive (in the order
/// given), then finished with the pages kept.
async fn sync(
    cache: &FleetCache,
    arrival: &[(i32, Vec<Device>)],
    kept: Vec<Vec<Device>>,
) -> (SyncInfo, FleetIndex) {
    let writer = ok(cache.begin_sync("p"));
    for (number, page) in arrival {
        writer
            .write(*number, page.clone(), sent(page).len())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    ok(cache.finish_and_index(writer, kept.len()))
}

/// A page as the API sends it.
fn sent(devices: &[Device]) -> Vec<u8> {
    let page = kustom_ipp::Page::new(devices.to_vec(), 10_000, 0, 100);
    serde_json::to_vec(&page).unwrap_or_else(|e| panic!("{e}"))
}

fn pages_of(devices: &[Device]) -> Vec<Vec<Device>> {
    devices
        .chunks(DEVICES_PER_PAGE)
        .map(<[Device]>::to_vec)
        .collect()
}

#[test]
fn a_whole_fleet_is_written_in_pages_and_read_back_exactly() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    // Empty, one device, exactly one page, and pages with a remainder; each replaces the last.
    for count in [0, 1, DEVICES_PER_PAGE, 2 * DEVICES_PER_PAGE + 51] {
        let written = devices(count);
        let info = ok(cache.replace("p", &written));
        assert_eq!(info.device_count as usize, count);
        assert_eq!(
            by_id(ok(cache.load("p"))),
            by_id(written),
            "{count} devices"
        );
        // The previous fleet's pages are deleted after the replace (an empty fleet has none).
        let expected = usize::from(count > 0);
        assert_eq!(wait_for_generations(&store, "p", expected).len(), expected);
    }
    assert!(ok(cache.load("another profile")).is_empty());
}

#[tokio::test]
async fn a_sync_caches_exactly_the_pages_it_kept_and_indexes_them() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    ok(cache.replace("p", &devices(5)));
    let fetched = devices(3 * DEVICES_PER_PAGE + 7);
    let pages = pages_of(&fetched);
    // Pages arrive out of order, and one beyond the last (in flight when the last said so)
    // is written but not kept.
    let mut arrival: Vec<(i32, Vec<Device>)> = pages
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, p)| (n as i32, p))
        .rev()
        .collect();
    arrival.push((
        pages.len() as i32,
        devices(2 * DEVICES_PER_PAGE)[DEVICES_PER_PAGE..].to_vec(),
    ));
    let (info, index) = sync(&cache, &arrival, pages).await;
    assert_eq!(info.device_count as usize, fetched.len());
    assert_eq!(by_id(ok(cache.load("p"))), by_id(fetched.clone()));
    assert_eq!(by_id(index.devices().collect()), by_id(fetched));
    assert_eq!(ok(cache.sync_info("p")), Some(info));
    let [current] = wait_for_generations(&store, "p", 1)[..] else {
        panic!("the previous fleet's pages are still there");
    };
    let page_numbers: Vec<i64> = ok(store.with(|conn| {
        conn.prepare("SELECT page FROM fleet_pages WHERE generation = ?1 ORDER BY page")?
            .query_map([current], |row| row.get(0))?
            .collect()
    }));
    assert_eq!(page_numbers, vec![0, 1, 2, 3]);
}

fn stored_pages(store: &Store) -> Vec<Vec<u8>> {
    ok(store.with(|conn| {
        conn.prepare("SELECT body FROM fleet_pages ORDER BY page")?
            .query_map([], |row| row.get(0))?
            .collect()
    }))
}

#[tokio::test]
async fn a_page_is_stored_as_the_devices_fleetdesk_read_whatever_the_server_padded_it_with() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let fetched = devices(150);
    let pages = pages_of(&fetched);
    // Page 0 spaced out as a server may; page 1 with a megabyte Fleetdesk does not read.
    let spaced = serde_json::to_vec_pretty(&kustom_ipp::Page::new(pages[0].clone(), 150, 0, 100))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut padded: serde_json::Value =
        serde_json::from_slice(&sent(&pages[1])).unwrap_or_else(|e| panic!("{e}"));
    padded["content"][0]["notes"] = serde_json::Value::String("x".repeat(1 << 20));
    let padded = serde_json::to_vec(&padded).unwrap_or_else(|e| panic!("{e}"));
    let writer = ok(cache.begin_sync("p"));
    for (number, body) in [&spaced, &padded].into_iter().enumerate() {
        writer
            .write(number as i32, pages[number].clone(), body.len())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (info, _) = ok(cache.finish_and_index(writer, pages.len()));
    assert_eq!(info.device_count, 150);
    let stored = stored_pages(&store);
    for (body, page) in stored.iter().zip(&pages) {
        // One line a device, each what serde writes for it: nothing of the padding.
        let expected: Vec<u8> = page
            .iter()
            .flat_map(|device| {
                let mut line = serde_json::to_vec(device).unwrap_or_default();
                line.push(b'\n');
                line
            })
            .collect();
        assert_eq!(body, &expected);
    }
    assert!(
        stored[1].len() < 50_000,
        "page 1 kept {} bytes",
        stored[1].len()
    );
    assert_eq!(by_id(ok(cache.load("p"))), by_id(fetched));
}

/// Every line `for_each_line` gives, `keep` applied.
fn lines_of(cache: &FleetCache, keep: Option<&dyn Fn(&Device) -> bool>) -> Vec<Device> {
    let mut out = Vec::new();
    ok(cache.for_each_line("p", keep, |chunk| {
        out.extend_from_slice(chunk);
        Ok(())
    }));
    assert!(out.is_empty() || out.ends_with(b"\n"));
    out.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn the_fleet_as_lines_is_the_fleet_with_its_changes_whatever_format_its_pages_are_in() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let synced = devices(2 * DEVICES_PER_PAGE + 30);
    ok(cache.replace("p", &synced));
    assert_eq!(lines_of(&cache, None), synced, "the pages as stored");
    // A device renamed and one deregistered since the sync.
    let mut renamed = synced[7].clone();
    renamed.name = "Kassa \"7\"".into();
    ok(cache.upsert("p", &renamed));
    ok(cache.remove("p", &synced[150].id));
    let mut expected: Vec<Device> = synced
        .iter()
        .filter(|d| d.id != renamed.id && d.id != synced[150].id)
        .cloned()
        .collect();
    expected.push(renamed.clone());
    assert_eq!(lines_of(&cache, None), expected);
    assert_eq!(by_id(ok(cache.load("p"))), by_id(expected.clone()));
    let at_loc_a = |d: &Device| d.location_id.as_deref() == Some("loc-a");
    let filtered: Vec<Device> = expected.iter().filter(|d| at_loc_a(d)).cloned().collect();
    assert_eq!(lines_of(&cache, Some(&at_loc_a)), filtered);
    // Pages stored by an earlier version, as the API sent them, read the same.
    ok(store.transaction(|tx| {
        let mut pages = Vec::new();
        {
            let mut read = tx.prepare("SELECT page FROM fleet_pages").map_err(saving)?;
            let numbers = read
                .query_map([], |row| row.get::<_, i64>(0))
                .map_err(saving)?;
            for number in numbers {
                pages.push(number.map_err(saving)?);
            }
        }
        for number in pages {
            let start = number as usize * DEVICES_PER_PAGE;
            let end = (start + DEVICES_PER_PAGE).min(synced.len());
            tx.execute(
                "UPDATE fleet_pages SET body = ?1, format = 'api_page' WHERE page = ?2",
                rusqlite::params![sent(&synced[start..end]), number],
            )
            .map_err(saving)?;
        }
        Ok(())
    }));
    assert_eq!(lines_of(&cache, None), expected);
    assert_eq!(lines_of(&cache, Some(&at_loc_a)), filtered);
}

#[tokio::test]
async fn a_sync_cut_short_leaves_the_previous_fleet_and_deletes_its_pages() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let before = devices(150);
    ok(cache.replace("p", &before));
    wait_for_generations(&store, "p", 1);
    let writer = ok(cache.begin_sync("p"));
    for (number, page) in pages_of(&devices(500)).into_iter().enumerate() {
        writer
            .write(number as i32, page.clone(), sent(&page).len())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    drop(writer); // the fetch failed
    assert_eq!(by_id(ok(cache.load("p"))), by_id(before.clone()));
    assert_eq!(
        wait_for_generations(&store, "p", 1).len(),
        1,
        "the cut-short sync's pages stay"
    );
    assert_eq!(by_id(ok(cache.load("p"))), by_id(before));
}

#[tokio::test]
async fn a_sync_missing_a_kept_page_changes_nothing() {
    let cache = FleetCache::new(ok(Store::in_memory()));
    let before = devices(10);
    ok(cache.replace("p", &before));
    let pages = pages_of(&devices(250));
    // Page 1 never reached the writer.
    let arrival = vec![(0, pages[0].clone()), (2, pages[2].clone())];
    let writer = ok(cache.begin_sync("p"));
    for (number, page) in &arrival {
        writer
            .write(*number, page.clone(), sent(page).len())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let failed = cache.finish_and_index(writer, pages.len());
    assert!(failed.is_err(), "{:?}", failed.map(|(info, _)| info));
    assert_eq!(by_id(ok(cache.load("p"))), by_id(before));
}

#[tokio::test]
async fn a_device_on_two_pages_is_kept_once_as_last_seen() {
    let cache = FleetCache::new(ok(Store::in_memory()));
    let fetched = devices(200);
    let mut pages = pages_of(&fetched);
    // Device d99 moved from page 0 to page 1 (and was renamed) while the sync ran.
    let mut moved = fetched[99].clone();
    moved.name = "Till 99, renamed".into();
    pages[1].insert(0, moved.clone());
    let arrival: Vec<(i32, Vec<Device>)> = pages
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, p)| (n as i32, p))
        .collect();
    let (info, index) = sync(&cache, &arrival, pages).await;
    let mut expected = fetched;
    expected[99] = moved;
    assert_eq!(info.device_count, 200);
    assert_eq!(by_id(index.devices().collect()), by_id(expected.clone()));
    // Read back at the next start, the index keeps the same copy.
    let reopened = ok(FleetIndex::build(ok(cache.load("p"))).map_err(AppError::from));
    assert_eq!(by_id(reopened.devices().collect()), by_id(expected));
}

#[test]
fn changes_since_a_sync_are_read_on_top_of_it_until_the_next_sync() {
    let cache = FleetCache::new(ok(Store::in_memory()));
    let synced = devices(120);
    ok(cache.replace("p", &synced));
    let mut renamed = synced[7].clone();
    renamed.name = "Kassa 7".into();
    let mut added = devices(121)[120].clone();
    added.id = "new".into();
    ok(cache.upsert("p", &renamed));
    ok(cache.upsert("p", &added));
    ok(cache.remove("p", "d3"));
    // Removed, then back (re-read from the API): present again.
    ok(cache.remove("p", "d4"));
    ok(cache.upsert("p", &synced[4]));
    // Updated, then removed: gone.
    let mut moved = synced[8].clone();
    moved.location_id = None;
    ok(cache.upsert("p", &moved));
    ok(cache.remove("p", "d8"));
    let mut expected: Vec<Device> = synced
        .iter()
        .filter(|d| d.id != "d3" && d.id != "d8")
        .map(|d| {
            if d.id == renamed.id {
                renamed.clone()
            } else {
                d.clone()
            }
        })
        .collect();
    expected.push(added);
    assert_eq!(by_id(ok(cache.load("p"))), by_id(expected));
    // The next sync replaces it all, the changes with it.
    let next = devices(30);
    ok(cache.replace("p", &next));
    assert_eq!(by_id(ok(cache.load("p"))), by_id(next));
}

#[test]
fn forgetting_a_profile_deletes_its_fleet_and_views_and_nothing_else() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let kept = devices(130);
    for profile in ["gone", "kept"] {
        ok(cache.replace(profile, &kept));
        ok(cache.upsert(profile, &devices(131)[130]));
        ok(cache.remove(profile, "d1"));
        ok(cache.save_view(profile, "Väst", &FleetQuery::all()));
    }
    ok(cache.forget("gone"));
    assert!(ok(cache.load("gone")).is_empty());
    assert_eq!(ok(cache.sync_info("gone")), None);
    assert!(ok(cache.views("gone")).is_empty());
    let rows: i64 = ok(store.with(|conn| {
        conn.query_row(
            "SELECT (SELECT count(*) FROM fleet_pages WHERE profile_id = 'gone')
                  + (SELECT count(*) FROM fleet_devices WHERE profile_id = 'gone')
                  + (SELECT count(*) FROM fleet_removed WHERE profile_id = 'gone')",
            [],
            |row| row.get(0),
        )
    }));
    assert_eq!(rows, 0);
    assert_eq!(ok(cache.load("kept")).len(), 130);
    assert_eq!(ok(cache.views("kept")).len(), 1);
    assert!(ok(cache.sync_info("kept")).is_some());
}

#[test]
fn a_cache_from_before_pages_reads_back_the_same() {
    // Until pages, the whole fleet was rows of `fleet_devices`; the upgrade left them there.
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let old = devices(25);
    ok(store.transaction(|tx| {
        for device in &old {
            tx.execute(
                "INSERT INTO fleet_devices (profile_id, id, body) VALUES ('p', ?1, ?2)",
                [&device.id, &serde_json::to_string(device).map_err(saving)?],
            )
            .map_err(saving)?;
        }
        tx.execute(
            "INSERT INTO fleet_sync (profile_id, synced_at, device_count) VALUES ('p', ?1, 25)",
            [Utc::now()],
        )
        .map_err(saving)?;
        Ok(())
    }));
    assert_eq!(by_id(ok(cache.load("p"))), by_id(old));
}

#[test]
fn a_damaged_page_gives_back_the_devices_that_still_read() {
    let store = ok(Store::in_memory());
    let cache = FleetCache::new(store.clone());
    let synced = devices(3);
    ok(cache.replace("p", &synced));
    ok(store.transaction(|tx| {
        tx.execute(
            "UPDATE fleet_pages SET body = CAST(replace(CAST(body AS TEXT), '\"Till 1\"', '17') AS BLOB) WHERE profile_id = 'p'",
            [],
        )
        .map_err(saving)
    }));
    let read = by_id(ok(cache.load("p")));
    assert_eq!(read, vec![synced[0].clone(), synced[2].clone()]);
}
