//! The integrator's smoke script (`crates/ipp-sim/examples/walkthrough.sh`): the docs' test
//! walkthrough [API.md §11.3] as plain curl commands with the verbatim example bodies, run against
//! a simulator (through the recording proxy, so its traffic is held to the OpenAPI document too).

use contract_tests::*;
use ipp_sim::{Mode, SeedSpec};

#[tokio::test]
async fn the_curl_walkthrough_runs_against_the_simulator() {
    let sim = start(config(Mode::Playground, SeedSpec::default())).await;
    let key = sim.merchants()[0].api_key.clone();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/ipp-sim/examples/walkthrough.sh"
    );
    let output = tokio::process::Command::new("bash")
        .arg(script)
        .env("IPP_BASE", sim.client_url())
        .env("IPP_KEY", &key)
        .env("IPP_MERCHANT", MERCHANT)
        .output()
        .await
        .ok_or_panic("run the walkthrough (needs bash and curl)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("walkthrough: all steps passed"), "{stdout}");
    // What the script did, seen from the simulator's side.
    let finalized = sim.inspect(|s| {
        s.sessions
            .values()
            .filter(|stored| stored.session.status == kustom_ipp::SessionStatus::Finalized)
            .count()
    });
    assert_eq!(finalized, 1);
    // Every call went through the proxy: enrollments, devices, sessions, taps, cancel.
    assert!(
        sim.exchanges().len() >= 10,
        "{} exchanges",
        sim.exchanges().len()
    );
}
