//! A store manager's day in the real window: every view at the default size and at the minimum
//! size, in both themes (screenshots for a person to look at); the device table fits at 1024×768
//! with its metadata column on screen; views keep their filters and selection when you leave and
//! come back, and the app reopens on the last view; Ctrl+K finds a device by part of its hardware id.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, KEY_CONTROL, KEY_NULL, VIEWS, with_app};
use serde_json::json;

const KEY_ENTER: char = '\u{E007}';

/// The left, right and bottom edges of the first element matching `selector`, and the window's
/// width and height, in CSS pixels.
async fn geometry(app: &App, selector: &str) -> Result<(f64, f64, f64, f64, f64)> {
    let value = app
        .client()
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.left, r.right, r.bottom, window.innerWidth, window.innerHeight];",
            vec![json!(selector)],
        )
        .await?;
    let numbers: Vec<f64> = serde_json::from_value(value)?;
    match numbers[..] {
        [left, right, bottom, width, height] => Ok((left, right, bottom, width, height)),
        _ => anyhow::bail!("unexpected geometry {numbers:?}"),
    }
}

async fn wait_for_rows(app: &App) -> Result<()> {
    app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_tour_of_every_view_at_both_sizes_and_in_both_themes() -> Result<()> {
    with_app("tour", async |app: &App| {
        for theme in ["light", "dark"] {
            app.set_theme(theme).await?;
            for (width, height) in [(1280, 800), (1024, 768)] {
                app.resize(width, height).await?;
                let size = format!("{width}x{height}-{theme}");
                for (id, heading) in VIEWS {
                    app.click_view(id).await?;
                    app.wait_for_heading(heading).await?;
                    if id == "devices" {
                        wait_for_rows(app).await?;
                    }
                    app.screenshot(&format!("tour-{size}-{id}")).await?;
                }

                // The device drawer beside the table, with the page's actions still visible.
                app.click_view("devices").await?;
                app.click("[data-testid='device-row'][data-device-id]").await?;
                app.wait_for(Locator::Css("[data-testid='device-detail']")).await?;
                let (_, right, _, window_width, _) = geometry(app, "[data-testid='fleet-export']").await?;
                ensure!(right <= window_width, "the export action is off screen with the drawer open ({right} > {window_width})");
                let covered = app
                    .client()
                    .execute(
                        "const b = document.querySelector(\"[data-testid='fleet-export']\").getBoundingClientRect(); const top = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2); return !!top && !!top.closest(\"[data-testid='fleet-export']\");",
                        vec![],
                    )
                    .await?;
                ensure!(covered == json!(true), "the drawer covers the page's export action");
                app.screenshot(&format!("tour-{size}-device-detail")).await?;
                app.click("[data-testid='device-detail'] [data-testid='drawer-close']").await?;

                // The bulk dialog for two devices.
                let checks = app.client().find_all(Locator::Css("[data-testid='device-check']")).await?;
                ensure!(checks.len() >= 2, "fewer than two device rows");
                for check in checks.iter().take(2) {
                    check.click().await?;
                }
                app.click("[data-testid='bulk-open']").await?;
                app.wait_for(Locator::Css("[data-testid='bulk-kind']")).await?;
                app.screenshot(&format!("tour-{size}-bulk-dialog")).await?;
                app.press("\u{E00C}").await?; // Escape
                app.click("[data-testid='selection-clear']").await?;

                // A pairing code and the command palette.
                app.click_view("enrollments").await?;
                app.click("[data-testid='new-code']").await?;
                app.choose_first_option("[data-testid='code-location']").await?;
                app.click("[data-testid='code-create']").await?;
                app.wait_for(Locator::Css("[data-testid='pairing-code']")).await?;
                app.screenshot(&format!("tour-{size}-pairing")).await?;
                app.click("[data-testid='palette-open']").await?;
                app.wait_for(Locator::Css("[data-testid='palette-input']")).await?;
                app.press("Till").await?;
                tokio::time::sleep(Duration::from_millis(400)).await;
                app.screenshot(&format!("tour-{size}-palette")).await?;
                app.press("\u{E00C}").await?;
            }
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_device_table_shows_metadata_at_the_minimum_window_size() -> Result<()> {
    with_app("fit", async |app: &App| {
        for (width, height) in [(1024, 768), (1280, 800)] {
            app.resize(width, height).await?;
            app.click_view("devices").await?;
            wait_for_rows(app).await?;
            for column in ["name", "location", "platform", "metadata", "last_activity"] {
                let selector = format!("[data-testid='device-table'] [role='columnheader'][data-column='{column}']");
                let (left, right, _, window_width, _) = geometry(app, &selector)
                    .await
                    .with_context(|| format!("the {column} column at {width}×{height}"))?;
                ensure!(left >= 0.0 && right <= window_width, "the {column} column spans {left}..{right} in a {window_width} px window");
                let (_, scroll_right, _, _, _) = geometry(app, "[data-testid='device-scroll']").await?;
                ensure!(right <= scroll_right + 0.5, "the {column} column is clipped by the table ({right} > {scroll_right})");
            }
            // The chips of the first row with metadata are on screen, with their full text on hover.
            let cell = app.wait_for(Locator::Css("[data-testid='device-metadata-cell']")).await?;
            let title = cell.attr("title").await?.unwrap_or_default();
            ensure!(title.contains(": ") || title.contains('='), "the metadata cell's hover text reads {title:?}");
            let (chip_left, _, _, window_width, _) = geometry(app, "[data-testid='device-metadata-cell'] [data-testid='metadata-chip']").await?;
            ensure!(chip_left < window_width, "the first chip is off screen");
            // The last activity (and the enrolled date, when shown) is whole, not cut: its text fits its cell.
            let cut = app
                .client()
                .execute("return [...document.querySelectorAll(\"[data-testid='device-row'] .nums\")].some((c) => c.scrollWidth > c.clientWidth + 1);", vec![])
                .await?;
            ensure!(cut == json!(false), "a date in the table is cut at {width}×{height}");
            app.screenshot(&format!("fit-{width}x{height}")).await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn views_keep_their_state_and_the_app_reopens_where_it_was() -> Result<()> {
    let app = App::launch().await?;
    let data_dir = app.data_dir().to_path_buf();
    let outcome: Result<()> = async {
        app.click_view("devices").await?;
        wait_for_rows(&app).await?;
        app.fill("[data-testid='device-search']", "Till").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !app
            .text("[data-testid='match-count']")
            .await?
            .contains("match")
        {
            ensure!(
                tokio::time::Instant::now() < deadline,
                "the filter never applied"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let matches = app.text("[data-testid='match-count']").await?;
        let checks = app
            .client()
            .find_all(Locator::Css("[data-testid='device-check']"))
            .await?;
        ensure!(checks.len() >= 2, "fewer than two devices match “Till”");
        for check in checks.iter().take(2) {
            check.click().await?;
        }
        app.wait_for(Locator::Css("[data-testid='selection-count']"))
            .await?;
        let selected = app.text("[data-testid='selection-count']").await?;

        app.click_view("sessions").await?;
        app.wait_for_heading("Sessions").await?;
        app.click_view("devices").await?;
        app.wait_for_heading("Devices").await?;
        let search = app
            .wait_for(Locator::Css(
                "[data-testid='device-search'] input, input[data-testid='device-search']",
            ))
            .await?;
        ensure!(
            search.prop("value").await?.as_deref() == Some("Till"),
            "the search was not kept"
        );
        ensure!(
            app.text("[data-testid='match-count']").await? == matches,
            "the matches changed"
        );
        ensure!(
            app.text("[data-testid='selection-count']").await? == selected,
            "the selection was not kept"
        );
        ensure!(
            app.count("[data-testid='device-check']:checked").await? == 2,
            "the rows are not ticked"
        );
        app.screenshot("kept-devices").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = app.screenshot("failed-kept").await;
    }
    app.close().await?;
    outcome?;

    // A restart opens on the view last used.
    let again = App::launch_with(data_dir).await?;
    let reopened = again.wait_for_heading("Devices").await;
    if reopened.is_err() {
        let _ = again.screenshot("failed-reopen").await;
    }
    again.close().await?;
    reopened.map(|_| ())
}

#[tokio::test]
async fn ctrl_k_finds_a_device_by_part_of_its_hardware_id() -> Result<()> {
    with_app("palette", async |app: &App| {
        app.click_view("devices").await?;
        wait_for_rows(app).await?;
        let device_id = app
            .wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
            .await?
            .attr("data-device-id")
            .await?
            .context("a row without an id")?;
        let detail = app
            .invoke("device_detail", json!({ "deviceId": device_id }))
            .await?;
        let hardware_id = detail["device"]["hardware_id"]
            .as_str()
            .context("no hardware id")?
            .to_owned();
        let part: String = hardware_id.chars().skip(2).take(6).collect();

        app.click_view("enrollments").await?;
        app.wait_for_heading("Enrollments").await?;
        app.press(&format!("{KEY_CONTROL}k{KEY_NULL}")).await?;
        app.wait_for(Locator::Css("[data-testid='palette-input']"))
            .await?;
        app.press(&part).await?;
        let first = format!("[data-testid='palette-device'][data-option-id='device-{device_id}']");
        app.wait_for(Locator::Css(&first))
            .await
            .with_context(|| format!("“{part}” did not find {device_id}"))?;
        app.screenshot("palette-hardware-id").await?;
        // Enter opens the first result; make sure the wanted device is that one, or step to it.
        let options = app
            .client()
            .find_all(Locator::Css("[data-testid^='palette-device']"))
            .await?;
        let position = {
            let mut found = None;
            for (index, option) in options.iter().enumerate() {
                if option.attr("data-option-id").await?.as_deref()
                    == Some(format!("device-{device_id}").as_str())
                {
                    found = Some(index);
                    break;
                }
            }
            found.context("the device is not among the results")?
        };
        for _ in 0..position {
            app.press("\u{E015}").await?;
        }
        app.press(&KEY_ENTER.to_string()).await?;
        app.wait_for_heading("Devices").await?;
        app.wait_for_text_containing("[data-testid='device-detail']", &hardware_id)
            .await?;
        Ok(())
    })
    .await
}
