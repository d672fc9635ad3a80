//! Keyboard only: a whole pairing (new code → pairing view → simulated clerk → Paired) and a bulk
//! move of two devices, without a single click. The test decides how many times to press Tab by
//! looking at where the focus is, as a keyboard user looks at the screen.

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{
    App, KEY_ARROW_DOWN, KEY_CONTROL, KEY_END, KEY_ENTER, KEY_ESCAPE, KEY_HOME, KEY_NULL,
    KEY_SHIFT, KEY_SPACE, KEY_TAB, with_app,
};
use serde_json::json;

#[tokio::test]
async fn a_whole_pairing_with_the_keyboard_alone() -> Result<()> {
    with_app("keyboard_pairing", async |app: &App| {
        // Ctrl+1: Enrollments. Then Tab to "+ New code".
        app.press(&format!("{KEY_CONTROL}1{KEY_NULL}")).await?;
        app.wait_for_heading("Enrollments").await?;
        app.tab_to("[data-testid='new-code']", false, 30).await?;
        app.press(&KEY_ENTER.to_string()).await?;

        // The form: choose the first store with the arrow key, name the device, submit with Enter.
        app.tab_to("[data-testid='code-location']", false, 10)
            .await?;
        app.press(&KEY_ARROW_DOWN.to_string()).await?;
        let chosen = app
            .client()
            .execute(
                "return document.querySelector(\"[data-testid='code-location']\").value;",
                vec![],
            )
            .await?;
        ensure!(
            chosen.as_str().is_some_and(|v| !v.is_empty()),
            "the arrow key chose no store"
        );
        app.tab_to("[data-testid='code-label']", false, 5).await?;
        app.press("Till 9").await?;
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css("[data-testid='pairing-code']"))
            .await?;

        // The clerk (simulated) enters the code.
        app.tab_to("[data-testid='simulate-clerk']", false, 30)
            .await?;
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css("[data-testid='pairing-paired']"))
            .await?;
        app.wait_for_text_containing(
            "[data-testid='paired-device-metadata']",
            "device_label: Till 9",
        )
        .await?;
        // A screen reader hears it: the polite live region says so.
        app.wait_for_text_containing("[data-testid='pairing-announcement']", "Paired")
            .await?;
        app.screenshot("keyboard-paired").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_bulk_move_with_the_keyboard_alone() -> Result<()> {
    with_app("keyboard_bulk", async |app: &App| {
        app.press(&format!("{KEY_CONTROL}2{KEY_NULL}")).await?;
        app.wait_for_heading("Devices").await?;
        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
            .await?;

        // Into the grid; Space selects the first row, Shift+↓ extends the selection to the second.
        app.tab_to("[data-testid='device-row']", false, 40).await?;
        app.press(&KEY_SPACE.to_string()).await?;
        app.press(&format!("{KEY_SHIFT}{KEY_ARROW_DOWN}{KEY_NULL}"))
            .await?;
        app.wait_for_text_containing("[data-testid='selection-count']", "2")
            .await?;
        let mut ids = Vec::new();
        for row in app
            .client()
            .find_all(Locator::Css(
                "[data-testid='device-row'][aria-selected='true']",
            ))
            .await?
        {
            ids.push(
                row.attr("data-device-id")
                    .await?
                    .context("a row without an id")?,
            );
        }
        ensure!(ids.len() == 2, "selected rows: {ids:?}");

        // Back to "Bulk actions…" and through the dialog.
        app.tab_to("[data-testid='bulk-open']", true, 40).await?;
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css("[data-testid='bulk-kind']"))
            .await?;
        // A move has no target until one is chosen: nothing to preview yet.
        let preview_disabled = app
            .client()
            .execute(
                "return document.querySelector(\"[data-testid='bulk-preview']\").disabled;",
                vec![],
            )
            .await?;
        ensure!(
            preview_disabled == json!(true),
            "Preview was offered before a location was chosen"
        );
        app.screenshot("keyboard-bulk-dialog").await?;
        // A store neither device is in (a move to where they are changes nothing, and says so).
        let mut current = Vec::new();
        for id in &ids {
            let detail = app
                .invoke("device_detail", json!({ "deviceId": id }))
                .await?;
            current.push(detail["device"]["location_id"].clone());
        }
        app.tab_to("[data-testid='bulk-location']", false, 10)
            .await?;
        let mut target = String::new();
        for _ in 0..8 {
            app.press(&KEY_ARROW_DOWN.to_string()).await?;
            target = app
                .client()
                .execute(
                    "return document.querySelector(\"[data-testid='bulk-location']\").value;",
                    vec![],
                )
                .await?
                .as_str()
                .map(str::to_owned)
                .unwrap_or_default();
            if !["", "unassigned"].contains(&target.as_str()) && !current.contains(&json!(target)) {
                break;
            }
        }
        ensure!(
            !["", "unassigned"].contains(&target.as_str()) && !current.contains(&json!(target)),
            "the arrow keys chose no other store"
        );
        app.tab_to("[data-testid='bulk-preview']", false, 5).await?;
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css("[data-testid='bulk-preview-table']"))
            .await?;
        app.tab_to("[data-testid='bulk-apply']", false, 30).await?;
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for_text_containing("[data-testid='bulk-summary']", "2 done")
            .await?;
        app.screenshot("keyboard-bulk-report").await?;

        for id in &ids {
            let detail = app
                .invoke("device_detail", json!({ "deviceId": id }))
                .await?;
            ensure!(
                detail["device"]["location_id"] == json!(target),
                "{id} is at {}",
                detail["device"]["location_id"]
            );
        }

        // The location panel: one tab stop, arrows move, End reaches the last entry, Enter filters.
        app.press(&KEY_ESCAPE.to_string()).await?;
        app.tab_to("[data-testid='location-all']", true, 40).await?;
        app.press(&KEY_END.to_string()).await?;
        let focused = |attribute: &str| {
            format!("return document.activeElement.getAttribute('{attribute}');")
        };
        let last = app.client().execute(&focused("aria-posinset"), vec![]).await?;
        let size = app.client().execute(&focused("aria-setsize"), vec![]).await?;
        ensure!(last == size, "End focused entry {last} of {size}");
        app.press(&KEY_HOME.to_string()).await?;
        app.press(&KEY_ARROW_DOWN.to_string()).await?;
        let store = app
            .client()
            .execute(&focused("data-location-id"), vec![])
            .await?
            .as_str()
            .map(str::to_owned)
            .context("↓ from All locations did not reach a store")?;
        let count = app
            .client()
            .execute(
                "return document.activeElement.querySelector(\"[data-testid='location-count-value']\").textContent.trim();",
                vec![],
            )
            .await?
            .as_str()
            .map(str::to_owned)
            .unwrap_or_default();
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css(&format!(
            "[data-testid='location-count'][data-location-id='{store}'][aria-selected='true']"
        )))
        .await?;
        // The table now shows that store's devices, as many as the panel said it holds.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let shown = app.text("[data-testid='match-count']").await?;
            if shown.starts_with(&format!("{count} ")) {
                break;
            }
            ensure!(
                tokio::time::Instant::now() < deadline,
                "the table says {shown:?} after choosing a store of {count}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        app.screenshot("keyboard-location-panel").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_device_drawer_opens_with_enter_keeps_tab_inside_and_gives_focus_back() -> Result<()> {
    with_app("keyboard_drawer", async |app: &App| {
        app.press(&format!("{KEY_CONTROL}2{KEY_NULL}")).await?;
        app.wait_for_heading("Devices").await?;
        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
            .await?;
        app.tab_to("[data-testid='device-row']", false, 40).await?;
        app.press(&KEY_ARROW_DOWN.to_string()).await?;
        ensure!(
            app.focus_is("[data-testid='device-row'][data-index='1']")
                .await?,
            "↓ did not move to the second row"
        );
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for(Locator::Css("[data-testid='device-detail']"))
            .await?;
        ensure!(
            app.focus_is("[data-testid='device-detail'] h2").await?,
            "the drawer did not take the focus"
        );
        for _ in 0..40 {
            app.press(&KEY_TAB.to_string()).await?;
            ensure!(
                app.focus_is("[data-testid='device-detail'] *").await?,
                "Tab left the drawer"
            );
        }
        app.press(&KEY_ESCAPE.to_string()).await?;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while app.count("[data-testid='device-detail']").await? > 0 {
            ensure!(
                tokio::time::Instant::now() < deadline,
                "Escape did not close the drawer"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(
            app.focus_is("[data-testid='device-row'][data-index='1']")
                .await?,
            "the focus did not return to the row"
        );
        Ok(())
    })
    .await
}
