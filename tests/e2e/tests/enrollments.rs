//! Enrollments in the real window: a code with its QR and a live countdown, a simulated clerk
//! pairing a device that carries the code's metadata, and a rollout of ten codes exported to a
//! PDF through the OS save dialog — whose text holds all ten codes.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, answer_save_dialog, render_pdf_page, with_app};

/// Reads the QR code in a screenshot.
fn decode_qr(png: &std::path::Path) -> Result<String> {
    let image = image::open(png)
        .context("reading the screenshot")?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    let grid = grids
        .first()
        .context("no QR code found in the screenshot")?;
    let (_, content) = grid.decode().context("the QR code could not be decoded")?;
    Ok(content)
}

/// Seconds in a "m:ss" countdown.
fn seconds(countdown: &str) -> Result<u32> {
    let (minutes, secs) = countdown
        .trim()
        .split_once(':')
        .context("not a m:ss countdown")?;
    Ok(minutes.parse::<u32>()? * 60 + secs.parse::<u32>()?)
}

#[tokio::test]
async fn a_code_shows_its_qr_counts_down_and_pairs_when_a_clerk_enters_it() -> Result<()> {
    with_app("pairing", async |app: &App| {
        app.click_view("enrollments").await?;
        app.click("[data-testid='new-code']").await?;
        app.choose_first_option("[data-testid='code-location']")
            .await?;
        app.fill("[data-testid='code-label']", "Till 7").await?;
        app.fill("[data-testid='code-metadata-key']", "store_id")
            .await?;
        app.fill("[data-testid='code-metadata-value']", "SE-STO-001")
            .await?;
        app.click("[data-testid='code-metadata-add']").await?;
        let keys = app
            .client()
            .find_all(Locator::Css("[data-testid='code-metadata-key']"))
            .await?;
        let values = app
            .client()
            .find_all(Locator::Css("[data-testid='code-metadata-value']"))
            .await?;
        keys[1].send_keys("terminal_type").await?;
        values[1].send_keys("handheld").await?;
        app.click("[data-testid='expiry-minutes15']").await?;
        app.click("[data-testid='code-create']").await?;

        let grouped = app.text("[data-testid='pairing-code']").await?;
        let code: String = grouped.split_whitespace().collect();
        ensure!(
            code.len() == 8 && grouped.trim().len() == 9,
            "code reads {grouped:?}"
        );
        ensure!(
            code.chars()
                .all(|c| "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(c)),
            "{code}"
        );

        let first = seconds(&app.text("[data-testid='pairing-countdown']").await?)?;
        tokio::time::sleep(Duration::from_millis(2200)).await;
        let later = seconds(&app.text("[data-testid='pairing-countdown']").await?)?;
        ensure!(
            later < first && first <= 15 * 60,
            "countdown went {first} → {later}"
        );

        let shot = app.screenshot("pairing-view").await?;
        ensure!(
            decode_qr(&shot)? == code,
            "the QR code does not hold {code}"
        );

        app.click("[data-testid='simulate-clerk']").await?;
        app.wait_for(Locator::Css("[data-testid='pairing-paired']"))
            .await?;
        for pair in [
            "store_id: SE-STO-001",
            "terminal_type: handheld",
            "device_label: Till 7",
        ] {
            app.wait_for_text_containing("[data-testid='paired-device-metadata']", pair)
                .await?;
        }
        app.wait_for_text_containing("[data-testid='status-pill']", "Paired")
            .await?;
        app.screenshot("pairing-paired").await?;

        // The link leads to the device in the fleet.
        let device_id = app
            .wait_for(Locator::Css("[data-testid='paired-device']"))
            .await?
            .attr("data-device-id")
            .await?
            .context("paired device id")?;
        app.click("[data-testid='open-in-fleet']").await?;
        app.wait_for_heading("Devices").await?;
        app.wait_for_text_containing("[data-testid='device-detail']", &device_id)
            .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_rollout_of_ten_codes_exports_a_pdf_sheet_with_every_code() -> Result<()> {
    with_app("rollout", async |app: &App| {
        // All ten rows created, each with its code.
        let codes = app.create_rollout(10, "Stockholm opening", None).await?;
        ensure!(
            codes.len() == 10 && codes.iter().all(|c| c.len() == 8),
            "{codes:?}"
        );
        app.screenshot("rollout-created").await?;

        // Export through the real save dialog.
        let pdf = app.data_dir().join("stockholm-opening.pdf");
        app.click("[data-testid='rollout-pdf']").await?;
        answer_save_dialog("Save the pairing sheet", &pdf).await?;
        app.wait_for_text_containing("[data-testid='toasts']", "Saved 10 cards")
            .await?;

        let text = Command::new("pdftotext")
            .arg("-layout")
            .arg(&pdf)
            .arg("-")
            .output()?;
        let text = String::from_utf8_lossy(&text.stdout).replace(' ', "");
        for code in &codes {
            ensure!(text.contains(code.as_str()), "the PDF text lacks {code}");
        }
        render_pdf_page(&pdf, "pdf-sheet-page1", 80)?;
        Ok(())
    })
    .await
}
