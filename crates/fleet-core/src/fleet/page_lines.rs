//! How the cache stores a page of the fleet: its devices as Fleetdesk encodes them, one JSON
//! object a line (NDJSON), in the order the API listed them.
//!
//! Encoded by Fleetdesk rather than kept as the API sent it, so that what a server adds beyond the
//! fields Fleetdesk reads never reaches the disk, and so that a listing of the whole fleet as
//! NDJSON is the stored bytes as they are: an export costs what reading the rows costs, not a
//! decode and an encode of every device. Pages written before this format (`format = 'api_page'`)
//! hold the API's page JSON; they read back through the decoder until the next sync replaces them.

use kustom_ipp::Device;
use serde::Deserialize;

/// What a `fleet_pages.body` holds (its `format` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PageFormat {
    /// The API's page JSON (`{"content": [devices…], …}`), as the API sent it.
    ApiPage,
    /// NDJSON: each device `serde_json` encodes it, a newline after each.
    DeviceLines,
}

impl PageFormat {
    pub(super) const DEVICE_LINES: &str = "device_lines";

    /// From the column; anything not known to be lines is read as the API's page JSON, whose
    /// decoder recovers what it can.
    pub(super) fn from_column(text: &str) -> Self {
        if text == Self::DEVICE_LINES {
            Self::DeviceLines
        } else {
            Self::ApiPage
        }
    }
}

/// Devices encoded as stored: one line each, newline-terminated.
pub(super) fn encode(devices: &[Device]) -> Result<Vec<u8>, serde_json::Error> {
    let mut body = Vec::with_capacity(devices.len() * 320);
    for device in devices {
        encode_into(&mut body, device)?;
    }
    Ok(body)
}

/// Appends one device's line to `body`.
pub(crate) fn encode_into(body: &mut Vec<u8>, device: &Device) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *body, device)?;
    body.push(b'\n');
    Ok(())
}

/// The lines of a [`PageFormat::DeviceLines`] body, each with its newline (a last line that lost
/// its newline, in a damaged file, without it); blank lines are skipped.
pub(super) fn lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', body);
    std::iter::from_fn(move || {
        loop {
            if start >= body.len() {
                return None;
            }
            let end = ends.next().map_or(body.len(), |newline| newline + 1);
            let line = &body[start..end];
            start = end;
            if line.iter().any(|byte| !byte.is_ascii_whitespace()) {
                return Some(line);
            }
        }
    })
}

/// A line's device id, read without decoding the line: a line Fleetdesk encoded begins with
/// `{"id":"` (the first field of [`Device`]). `None` when it does not, or when the id holds an
/// escape; the caller then decodes the line.
pub(super) fn line_id(line: &[u8]) -> Option<&str> {
    let rest = line.strip_prefix(br#"{"id":""#)?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"')
        .then(|| std::str::from_utf8(&rest[..end]).ok())
        .flatten()
}

/// The API's page envelope, of which only the devices are read.
#[derive(Deserialize)]
struct ApiPage<Devices> {
    content: Devices,
}

/// A page read back: all its devices, or, if the page as a whole does not decode (a damaged
/// file), each device that still does.
pub(super) fn decode(body: &[u8], format: PageFormat) -> Vec<Device> {
    match format {
        PageFormat::DeviceLines => {
            let mut unreadable = 0usize;
            let devices: Vec<Device> = lines(body)
                .filter_map(|line| {
                    let device = serde_json::from_slice(line).ok();
                    unreadable += usize::from(device.is_none());
                    device
                })
                .collect();
            if unreadable > 0 {
                tracing::warn!(
                    unreadable,
                    readable = devices.len(),
                    "a page of the fleet cache did not read back whole"
                );
            }
            devices
        }
        PageFormat::ApiPage => serde_json::from_slice(body).map_or_else(
            |_| {
                let values: Vec<serde_json::Value> =
                    serde_json::from_slice::<ApiPage<Vec<_>>>(body)
                        .map(|page| page.content)
                        .unwrap_or_default();
                let devices: Vec<Device> = values
                    .into_iter()
                    .filter_map(|value| serde_json::from_value(value).ok())
                    .collect();
                tracing::warn!(
                    readable = devices.len(),
                    "a page of the fleet cache did not read back whole"
                );
                devices
            },
            |page: ApiPage<Vec<Device>>| page.content,
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};
    use proptest::prelude::*;

    use super::*;

    fn device(id: &str, name: &str) -> Device {
        Device {
            id: id.into(),
            hardware_id: "HW".into(),
            merchant_id: "m".into(),
            location_id: None,
            name: name.into(),
            platform: Platform::Ios,
            metadata: Metadata::from([("region".into(), "Syd".into())]),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn a_page_reads_back_as_it_was_encoded_and_each_line_is_a_device_as_serde_writes_it() {
        let devices = vec![device("a", "Till 1"), device("b", "Kassa \"2\"\n")];
        let body = encode(&devices).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decode(&body, PageFormat::DeviceLines), devices);
        let lines: Vec<&[u8]> = lines(&body).collect();
        assert_eq!(lines.len(), 2);
        for (line, device) in lines.iter().zip(&devices) {
            let mut expected = serde_json::to_vec(device).unwrap_or_else(|e| panic!("{e}"));
            expected.push(b'\n');
            assert_eq!(*line, &expected[..]);
            assert_eq!(line_id(line), Some(device.id.as_str()));
        }
    }

    #[test]
    fn an_id_with_an_escape_or_a_line_in_another_shape_is_left_to_the_decoder() {
        assert_eq!(line_id(br#"{"id":"a\"b","name":""}"#), None);
        assert_eq!(line_id(br#"{"name":"x","id":"a"}"#), None);
        assert_eq!(line_id(br#"{"id":"unterminated"#), None);
        assert_eq!(line_id(br#"{"id":"","name":""}"#), Some(""));
    }

    #[test]
    fn a_damaged_line_loses_that_device_only() {
        let devices = vec![device("a", "1"), device("b", "2"), device("c", "3")];
        let mut body = encode(&devices).unwrap_or_else(|e| panic!("{e}"));
        let second = body
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or_else(|| panic!("no newline"));
        body[second + 3] = b'#';
        // The last newline lost too.
        body.pop();
        assert_eq!(
            decode(&body, PageFormat::DeviceLines),
            vec![devices[0].clone(), devices[2].clone()]
        );
    }

    #[test]
    fn the_api_page_json_of_earlier_versions_still_reads() {
        let devices = vec![device("a", "1"), device("b", "2")];
        let page = kustom_ipp::Page::new(devices.clone(), 2, 0, 100);
        let body = serde_json::to_vec_pretty(&page).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decode(&body, PageFormat::ApiPage), devices);
        assert_eq!(PageFormat::from_column("api_page"), PageFormat::ApiPage);
        assert_eq!(
            PageFormat::from_column(PageFormat::DEVICE_LINES),
            PageFormat::DeviceLines
        );
    }

    proptest! {
        /// Whatever the names, ids and metadata hold (quotes, backslashes, newlines, control
        /// characters, any Unicode), a page splits into exactly its devices, and an id read
        /// without decoding is the device's id or nothing.
        #[test]
        fn any_texts_split_into_exactly_their_devices(
            texts in proptest::collection::vec((".{0,12}", "\\PC{0,24}", "[\\s\\S]{0,8}"), 0..12)
        ) {
            let devices: Vec<Device> = texts
                .iter()
                .map(|(id, name, value)| {
                    let mut d = device(id, name);
                    d.metadata.insert(value.clone(), name.clone());
                    d
                })
                .collect();
            let body = encode(&devices).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(decode(&body, PageFormat::DeviceLines), devices.clone());
            let lines: Vec<&[u8]> = lines(&body).collect();
            prop_assert_eq!(lines.len(), devices.len());
            for (line, device) in lines.iter().zip(&devices) {
                if let Some(id) = line_id(line) {
                    prop_assert_eq!(id, device.id.as_str());
                }
            }
        }
    }
}
