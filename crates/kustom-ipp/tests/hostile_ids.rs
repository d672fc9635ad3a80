//! Ids from a compromised page cannot leave the API's paths: whatever id the client is given, it
//! either refuses it before sending anything, or the request that reaches the server is exactly
//! `/ipp/v1/<resource>/<id>` with the id as one plain segment. The server here is a raw TCP
//! listener that records the request line as it arrived — independent of the URL parser the
//! client uses — and the ids are generated to be hostile: tabs, newlines and carriage returns
//! (which a URL parser strips), backslashes (read as `/` in http URLs), dots, percent forms,
//! Unicode lookalikes of `/` and `.`, and plain garbage.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use kustom_ipp::{ApiError, Client, ClientConfig, Credentials, RetryPolicy, Secret};
use proptest::prelude::*;

/// Answers every request with 404 and records its request line.
fn recording_server() -> (String, Arc<Mutex<Vec<String>>>) {
    serving(|_| {
        let body = r#"{"title":"Not Found","status":404}"#;
        format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    })
}

/// Answers every request with `answer(request line)` and records its request line.
fn serving(answer: impl Fn(&str) -> String + Send + 'static) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the head, then the answer.
            let mut header = String::new();
            while reader
                .read_line(&mut header)
                .map(|n| n > 2)
                .unwrap_or(false)
            {
                header.clear();
            }
            let line = line.trim_end().to_owned();
            let reply = answer(&line);
            recorded.lock().expect("the record").push(line);
            let _ = reader.get_mut().write_all(reply.as_bytes());
        }
    });
    (base, seen)
}

fn client(base: &str) -> Client {
    let config = ClientConfig::new(
        base,
        Credentials::ApiKey(Secret::new("kco_test_api_x".to_owned())),
    )
    .expect("a config")
    .retry(RetryPolicy::none());
    Client::new(config).expect("a client")
}

/// Ids made of the pieces that change a path when a URL parser reads them.
fn hostile_id() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("\r".to_owned()),
        Just("%2e".to_owned()),
        Just("%2F".to_owned()),
        Just("%5c".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        Just(" ".to_owned()),
        Just("\u{2215}".to_owned()), // division slash
        Just("\u{ff0f}".to_owned()), // fullwidth solidus
        Just("\u{2024}".to_owned()), // one dot leader
        Just("enrollments".to_owned()),
        Just("devices".to_owned()),
        Just("X".to_owned()),
        Just("550e8400-e29b-41d4-a716-446655440000".to_owned()),
        "[a-zA-Z0-9_-]{1,8}",
        "\\PC{1,4}",
    ];
    proptest::collection::vec(piece, 1..8).prop_map(|pieces| pieces.concat())
}

fn plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= kustom_ipp::api::MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn no_id_leaves_its_resources_path(id in hostile_id()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let (base, seen) = recording_server();
        let client = client(&base);
        let outcomes = runtime.block_on(async {
            vec![
                ("DELETE", format!("/ipp/v1/devices/{id}"), client.delete_device(&id).await.map(|_| ())),
                ("GET", format!("/ipp/v1/devices/{id}"), client.get_device(&id).await.map(|_| ())),
                ("PUT", format!("/ipp/v1/sessions/{id}/cancel"), client.cancel_session(&id).await.map(|_| ())),
                ("DELETE", format!("/ipp/v1/enrollments/{id}"), client.cancel_enrollment(&id).await.map(|_| ())),
                ("GET", format!("/ipp/v1/locations/{id}"), client.get_location(&id).await.map(|_| ())),
            ]
        });
        let lines = seen.lock().expect("the record").clone();
        if plain(&id) {
            // Sent, each exactly to its own path (and, for a 404 after no doubt, nothing else).
            let expected: Vec<String> = outcomes.iter().map(|(method, path, _)| format!("{method} {path} HTTP/1.1")).collect();
            for line in &lines {
                prop_assert!(expected.contains(line), "{line:?} for {id:?}");
            }
        } else {
            // Refused before anything was sent.
            prop_assert!(lines.is_empty(), "{id:?} reached the server: {lines:?}");
            for (_, _, outcome) in &outcomes {
                let refused = matches!(outcome, Err(ApiError::Validation { .. }));
                prop_assert!(refused, "{id:?}: {outcome:?}");
            }
        }
    }
}

#[test]
fn the_issues_example_is_refused() {
    // `".\t.\\enrollments\\X"` became `/ipp/v1/enrollments/X` through a URL parser.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (base, seen) = recording_server();
    let client = client(&base);
    let outcome = runtime.block_on(client.delete_device(".\t.\\enrollments\\X"));
    assert!(
        matches!(outcome, Err(ApiError::Validation { .. })),
        "{outcome:?}"
    );
    assert!(seen.lock().expect("the record").is_empty());
}

/// A redirect is not followed: the other host (a recording server) hears nothing, and the answer
/// is an error rather than whatever the other host would have said.
#[test]
fn redirects_are_not_followed() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (elsewhere, heard) = recording_server();
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let target = elsewhere.clone();
        let (base, _) = serving(move |_| {
            format!(
                "HTTP/1.1 {status}\r\nlocation: {target}/ipp/v1/devices\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
        });
        let outcome =
            runtime.block_on(client(&base).get_device("550e8400-e29b-41d4-a716-446655440000"));
        assert!(outcome.is_err(), "{status}: {outcome:?}");
        let cancelled =
            runtime.block_on(client(&base).cancel_session("550e8400-e29b-41d4-a716-446655440000"));
        assert!(cancelled.is_err(), "{status}: {cancelled:?}");
    }
    assert!(
        heard.lock().expect("the record").is_empty(),
        "a redirect was followed"
    );
}
