//! The real window on a simulator that answers with only what Kustom's docs promise
//! (docs-minimal): a paired code's card shows its device and store, found through documented
//! facts alone; the device's drawer lists its payments; the fleet table shows and filters open
//! cash registers; an expired code is offered Renew; a rollout reconciles to consumed, cancelled
//! and expired; and an account without In-Person Payments is told so, with what to do.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, eventually, with_app, with_docs_minimal_app};
use ipp_sim::{Clock, MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{Client, ClientConfig, Credentials, Platform, RegisterDevice, Secret};
use serde_json::json;

const MERCHANT: &str = "DM31000002";
const KEY_ESCAPE: &str = "\u{E00C}";

/// A docs-minimal simulator whose clock runs `behind` the real one: a code made now expires
/// `behind` sooner than its lifetime says, by both clocks, once the simulator's clock is moved on.
async fn docs_minimal_sim(behind: chrono::Duration, ipp_enabled: bool) -> Result<(Running, Clock)> {
    let clock = Clock::manual(chrono::Utc::now() - behind);
    let mut merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: 12,
        ..SeedSpec::default()
    });
    if !ipp_enabled {
        merchant = merchant.ipp_disabled();
    }
    let sim = ipp_sim::start(
        SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .clock(clock.clone())
            .docs_minimal(true),
    )
    .await?;
    Ok((sim, clock))
}

/// The POS app registering a phone with a code (unauthenticated, as the app does [DOC §6]).
async fn clerk_enters(sim: &Running, code: &str) -> Result<()> {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new("kco_test_api_notused".to_owned())),
    )?;
    Client::new(config)?
        .register_device(&RegisterDevice {
            enrollment_code: code.to_owned(),
            hardware_id: format!("PHONE-{code}"),
            platform: Platform::Ios,
            name: None,
        })
        .await?;
    Ok(())
}

/// Waits until the rollout's rows read `expected` (their live statuses, in row order).
async fn rollout_reads(app: &App, expected: [&str; 3]) -> Result<()> {
    let statuses = "return [...document.querySelectorAll(\"[data-testid='rollout-row']\")].map((row) => row.querySelector(\"[data-testid='status-pill']\")?.dataset.status ?? '');";
    eventually(
        &format!("the rollout to read {expected:?}"),
        Duration::from_secs(15),
        async || {
            let now: Vec<String> =
                serde_json::from_value(app.client().execute(statuses, vec![]).await?)?;
            Ok((now == expected).then_some(()))
        },
    )
    .await
}

/// A new pairing code from the form, for the first store, valid 15 minutes; returns the store's
/// name and id.
async fn new_code(app: &App, label: &str) -> Result<(String, String)> {
    app.click_view("enrollments").await?;
    app.click("[data-testid='new-code']").await?;
    app.choose_first_option("[data-testid='code-location']")
        .await?;
    let store = app
        .texts_of("[data-testid='code-location'] option:checked")
        .await?
        .pop()
        .context("the chosen store")?;
    let location_id = app.value_of("[data-testid='code-location']").await?;
    app.fill("[data-testid='code-label']", label).await?;
    app.click("[data-testid='expiry-minutes15']").await?;
    app.click("[data-testid='code-create']").await?;
    app.wait_for(Locator::Css("[data-testid='pairing-countdown']"))
        .await?;
    Ok((store, location_id))
}

#[tokio::test]
async fn docs_minimal_a_paired_code_shows_its_device_and_store_and_the_fleet_its_registers()
-> Result<()> {
    with_docs_minimal_app("docs_minimal_pairing", async |app: &App| {
        let (store, _) = new_code(app, "Till 7").await?;
        app.wait_for_text_containing("[data-testid='pairing-location']", &store)
            .await?;
        app.click("[data-testid='simulate-clerk']").await?;
        app.wait_for(Locator::Css("[data-testid='pairing-paired']"))
            .await?;
        // The device, found by the code's own reference; its store, from the device's location.
        app.wait_for_text_containing("[data-testid='paired-device-store']", &store)
            .await?;
        app.wait_for_text_containing("[data-testid='paired-device']", "Till 7")
            .await?;
        let device_id = app
            .wait_for(Locator::Css("[data-testid='paired-device']"))
            .await?
            .attr("data-device-id")
            .await?
            .context("paired device id")?;
        app.screenshot("paired-device").await?;

        // A payment taken on the new phone, then its drawer.
        let session = app
            .invoke(
                "create_test_payment",
                json!({
                    "deviceId": device_id,
                    "currency": "SEK",
                    "lines": [{ "name": "Kaffe", "quantity": 2, "unit_price": 3900, "tax_rate": 1200, "discount": 0 }],
                }),
            )
            .await?;
        let session_id = session["tracked"]["session"]["session_id"]
            .as_str()
            .context("session id")?
            .to_owned();
        app.invoke(
            "simulate_tap",
            json!({ "sessionId": session_id, "outcome": "SUCCESS" }),
        )
        .await?;
        app.click("[data-testid='open-in-fleet']").await?;
        app.wait_for_heading("Devices").await?;
        app.wait_for_text_containing("[data-testid='device-detail']", &device_id)
            .await?;
        let listed = format!(
            "[data-testid='device-session'][data-session-id='{session_id}'][data-status='FINALIZED']"
        );
        app.wait_for(Locator::Css(&listed)).await?;
        app.scroll_to("[data-testid='device-sessions']").await?;
        app.screenshot("device-drawer-sessions").await?;
        app.press(KEY_ESCAPE).await?;

        // The cash register: a column on request, and a filter.
        app.click("[data-testid='columns-menu']").await?;
        app.click("[data-testid='column-toggle-register']").await?;
        app.press(KEY_ESCAPE).await?;
        app.select("[data-testid='device-register']", "open").await?;
        app.wait_for(Locator::Css("[data-testid='register-cell']"))
            .await?;
        let registers = app.texts_of("[data-testid='register-cell']").await?;
        ensure!(
            !registers.is_empty() && registers.iter().all(|r| r.parse::<i64>().is_ok()),
            "with the open-register filter every row shows its register: {registers:?}"
        );
        app.screenshot("cash-register-column").await?;
        app.select("[data-testid='device-register']", "none_open")
            .await?;
        eventually(
            "rows without an open register",
            Duration::from_secs(10),
            async || {
                let cells = app.texts_of("[data-testid='register-cell']").await?;
                Ok((!cells.is_empty() && cells.iter().all(|r| r == "—")).then_some(()))
            },
        )
        .await
    })
    .await
}

#[tokio::test]
async fn docs_minimal_an_expired_code_is_offered_renew_for_its_store() -> Result<()> {
    // A 15-minute code made now expires 20 s from now.
    let (sim, clock) = docs_minimal_sim(
        chrono::Duration::minutes(15) - chrono::Duration::seconds(20),
        true,
    )
    .await?;
    let key = sim.merchants()[0].api_key.clone();
    let outcome = with_app("docs_minimal_expired", async |app: &App| {
        app.use_simulator_profile("Docs only", &sim.base_url(), MERCHANT, &key)
            .await?;
        let (_, location_id) = new_code(app, "Till 3").await?;
        // Past the code's expiry by the wall clock, then by Kustom's: it leaves the list.
        tokio::time::sleep(Duration::from_secs(21)).await;
        clock.advance(chrono::Duration::minutes(16));
        app.wait_for(Locator::Css("[data-testid='pairing-renew']"))
            .await?;
        // What Rust concluded from "no longer listed" and the clock: expired, not cancelled.
        let known = app
            .client()
            .find(Locator::Css("[data-testid='status-pill']"))
            .await?
            .attr("data-status")
            .await?
            .unwrap_or_default();
        ensure!(known == "EXPIRED", "the code reads {known}");
        let listed = app
            .invoke(
                "list_enrollments",
                json!({
                    "filters": { "location_id": null, "metadata": [], "include_consumed": true },
                    "pageNumber": 0,
                    "pageSize": 100
                }),
            )
            .await?;
        let labels: Vec<&str> = listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["device_label"].as_str())
            .collect();
        ensure!(
            !labels.contains(&"Till 3"),
            "an expired code is not listed: {labels:?}"
        );
        app.screenshot("expired-code-renew").await?;
        app.click("[data-testid='pairing-renew']").await?;
        let chosen = app.value_of("[data-testid='code-location']").await?;
        ensure!(
            chosen == location_id,
            "Renew starts from the same store: {chosen} vs {location_id}"
        );
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}

#[tokio::test]
async fn docs_minimal_a_rollout_reconciles_to_consumed_cancelled_and_expired() -> Result<()> {
    // A 2-hour rollout made now expires 25 s from now.
    let (sim, clock) = docs_minimal_sim(
        chrono::Duration::hours(2) - chrono::Duration::seconds(25),
        true,
    )
    .await?;
    let key = sim.merchants()[0].api_key.clone();
    let outcome = with_app("docs_minimal_rollout", async |app: &App| {
        app.use_simulator_profile("Docs only", &sim.base_url(), MERCHANT, &key)
            .await?;
        let codes = app.create_rollout(3, "Pilot", Some("hours2")).await?;
        ensure!(codes.len() == 3, "{codes:?}");
        // One phone pairs; one code is cancelled elsewhere (the Portal, another admin).
        clerk_enters(&sim, &codes[0]).await?;
        let merchant_client = Client::new(
            ClientConfig::new(
                &sim.base_url(),
                Credentials::ApiKey(Secret::new(key.clone())),
            )?
            .merchant_id(MERCHANT),
        )?;
        let listed = merchant_client
            .list_enrollments(
                &kustom_ipp::EnrollmentQuery::default(),
                kustom_ipp::PageRequest::new(0, 100),
            )
            .await?;
        let second = listed
            .content
            .iter()
            .find(|e| e.enrollment_code.as_str() == codes[1])
            .context("the second code is listed")?;
        merchant_client
            .cancel_enrollment(&second.enrollment_id)
            .await?;

        app.click("[data-testid='rollout-reconcile']").await?;
        rollout_reads(app, ["CONSUMED", "CANCELLED", "PENDING"]).await?;
        // Past the codes' expiry by both clocks: the waiting one has expired, the cancelled one
        // stays cancelled.
        tokio::time::sleep(Duration::from_secs(26)).await;
        clock.advance(chrono::Duration::hours(3));
        app.click("[data-testid='rollout-reconcile']").await?;
        rollout_reads(app, ["CONSUMED", "CANCELLED", "EXPIRED"]).await?;
        app.screenshot("rollout-reconciled").await?;
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}

#[tokio::test]
async fn docs_minimal_an_account_without_in_person_payments_is_told_what_to_do() -> Result<()> {
    let (sim, _) = docs_minimal_sim(chrono::Duration::zero(), false).await?;
    let key = sim.merchants()[0].api_key.clone();
    let words = "In-Person Payments is not enabled for this merchant account";
    let outcome = with_app("docs_minimal_ipp_disabled", async |app: &App| {
        app.use_simulator_profile("Not enabled", &sim.base_url(), MERCHANT, &key)
            .await?;
        app.click_view("settings").await?;
        app.click("[data-testid='test-connection']").await?;
        app.wait_for_text_containing("[data-testid='connection-result']", words)
            .await?;
        app.wait_for_text_containing("[data-testid='connection-result']", "ask Kustom")
            .await?;
        app.scroll_to("[data-testid='connection-result']").await?;
        app.screenshot("ipp-not-enabled-settings").await?;
        for (view, heading) in [("enrollments", "Enrollments"), ("devices", "Devices")] {
            app.click_view(view).await?;
            app.wait_for_heading(heading).await?;
            app.wait_for_text_containing("main", words).await?;
            app.screenshot(&format!("ipp-not-enabled-{view}")).await?;
        }
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}
