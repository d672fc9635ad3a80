//! Live sessions in the real window on the local playground: a simulated device, a test payment,
//! a declined then a successful tap — and the board and the timeline follow by themselves; then a
//! second session cancelled from the board.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, with_app};
use serde_json::json;

async fn timeline(app: &App) -> Result<Vec<String>> {
    let mut out = Vec::new();
    // Read what each entry stands for (the words on screen are translated; the attributes are the
    // API's own values).
    for entry in app
        .client()
        .find_all(Locator::Css("[data-testid='timeline-entry'] strong"))
        .await?
    {
        if let Some(status) = entry.attr("data-status").await? {
            out.push(status);
        } else if let Some(reason) = entry.attr("data-reason").await? {
            out.push(format!("failed: {reason}"));
        }
    }
    Ok(out)
}

async fn wait_for_timeline(app: &App, expected: &[&str]) -> Result<Vec<String>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = timeline(app).await.unwrap_or_default();
        let matches =
            now.len() == expected.len() && now.iter().zip(expected).all(|(got, want)| got == want);
        if matches {
            return Ok(now);
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "timeline reads {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn taps_show_up_live_on_the_board_and_timeline_and_a_session_is_cancelled() -> Result<()> {
    with_app("sessions", async |app: &App| {
        app.click_view("playground").await?;
        app.fill("[data-testid='sim-name']", "E2E till").await?;
        app.click("[data-testid='sim-create']").await?;
        app.wait_for_text_containing("[data-testid='pay-device'] option:checked", "E2E till").await?;
        app.wait_for_text_containing("[data-testid='pay-totals']", "Total").await?;
        app.click("[data-testid='pay-create']").await?;
        let card = app.wait_for(Locator::Css("[data-testid='payment-session']")).await?;
        let session_id = app
            .client()
            .execute("return document.querySelector(\"[data-testid='payment-session'] .mono\").textContent.trim();", vec![])
            .await?
            .as_str()
            .map(str::to_owned)
            .context("session id")?;
        ensure!(card.attr("data-status").await?.as_deref() == Some("CREATED"));
        app.screenshot("playground-payment").await?;

        // Watch it on the board; the taps happen elsewhere (as a clerk's would).
        app.click_view("sessions").await?;
        let on_board = format!("[data-testid='board-session'][data-session-id='{session_id}']");
        app.click(&format!("{on_board} .open")).await?;
        wait_for_timeline(app, &["CREATED"]).await?;

        app.invoke("simulate_tap", json!({ "sessionId": session_id, "outcome": "DECLINED_GENERIC" })).await?;
        app.wait_for(Locator::Css(&format!("{on_board} [data-testid='board-last-event'][data-reason='DECLINED_GENERIC']"))).await?;
        let after_decline = wait_for_timeline(app, &["CREATED", "ACTIVE", "failed: DECLINED_GENERIC"]).await?;
        ensure!(app.client().find(Locator::Css(&format!("{on_board}[data-status='ACTIVE']"))).await.is_ok(), "{after_decline:?}");
        app.screenshot("sessions-board").await?;

        app.invoke("simulate_tap", json!({ "sessionId": session_id, "outcome": "SUCCESS" })).await?;
        wait_for_timeline(app, &["CREATED", "ACTIVE", "failed: DECLINED_GENERIC", "FINALIZED"]).await?;
        let order = app.text("[data-testid='session-order-id']").await?;
        ensure!(order.len() == 36, "order id reads {order:?}");
        ensure!(app.count(&on_board).await? == 0, "a finalized session leaves the active board");
        app.screenshot("session-timeline").await?;

        // A second payment, cancelled from the board.
        let second = app
            .invoke(
                "create_test_payment",
                json!({
                    "deviceId": app.invoke("session_detail", json!({ "sessionId": session_id })).await?["view"]["tracked"]["session"]["device_id"],
                    "currency": "SEK",
                    "lines": [{ "name": "Coffee", "quantity": 1, "unit_price": 3900, "tax_rate": 1200, "discount": 0 }],
                }),
            )
            .await?;
        let second_id = second["tracked"]["session"]["session_id"].as_str().context("second id")?.to_owned();
        let second_card = format!("[data-testid='board-session'][data-session-id='{second_id}']");
        app.wait_for(Locator::Css(&second_card)).await?;
        app.click(&format!("{second_card} [data-testid='board-cancel']")).await?;
        app.click("[data-testid='confirm-button']").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while app.count(&second_card).await? > 0 {
            ensure!(tokio::time::Instant::now() < deadline, "the cancelled session stayed on the board");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        let status = app.invoke("session_detail", json!({ "sessionId": second_id })).await?["view"]["tracked"]["session"]["status"].clone();
        ensure!(status == "CANCELLED", "status is {status}");
        Ok(())
    })
    .await
}
