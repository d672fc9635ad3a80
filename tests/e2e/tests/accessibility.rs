//! Accessibility in the real window: axe-core (WCAG 2.x A/AA rules) on every view, dialog, drawer
//! and the command palette, in the light and the dark theme. Any serious or critical violation
//! fails; every violation found is written to `target/e2e-screens/axe-report.json`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, AxeViolation, VIEWS, with_app};

const KEY_ESCAPE: &str = "\u{E00C}";

struct Audit<'a> {
    app: &'a App,
    theme: &'static str,
    found: BTreeMap<String, Vec<AxeViolation>>,
}

impl Audit<'_> {
    async fn check(&mut self, what: &str) -> Result<()> {
        // Let transitions and live data settle (axe reads computed colours).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let violations = self.app.axe().await?;
        self.found
            .insert(format!("{} / {what}", self.theme), violations);
        Ok(())
    }
}

#[tokio::test]
async fn every_view_dialog_and_drawer_passes_axe_in_both_themes() -> Result<()> {
    with_app("axe", async |app: &App| {
        // A session to open in the Sessions view.
        app.click_view("playground").await?;
        app.fill("[data-testid='sim-name']", "Axe till").await?;
        app.click("[data-testid='sim-create']").await?;
        app.wait_for_text_containing("[data-testid='pay-device'] option:checked", "Axe till")
            .await?;
        app.click("[data-testid='pay-create']").await?;
        app.wait_for(Locator::Css("[data-testid='payment-session']"))
            .await?;

        let mut all = BTreeMap::new();
        for theme in ["light", "dark"] {
            app.click_view("settings").await?;
            app.click(&format!("[data-testid='theme-{theme}']")).await?;
            app.wait_for(Locator::Css(&format!("html[data-theme='{theme}']")))
                .await?;
            let mut audit = Audit {
                app,
                theme,
                found: BTreeMap::new(),
            };

            for (id, heading) in VIEWS {
                app.click_view(id).await?;
                app.wait_for_heading(heading).await?;
                if id == "devices" {
                    app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
                        .await?;
                }
                audit.check(&format!("view {id}")).await?;
            }

            // Enrollments: the new-code form, a pairing code, its cancel confirmation, rollouts.
            app.click_view("enrollments").await?;
            app.click("[data-testid='new-code']").await?;
            app.choose_first_option("[data-testid='code-location']")
                .await?;
            audit.check("new code form").await?;
            app.click("[data-testid='code-create']").await?;
            app.wait_for(Locator::Css("[data-testid='pairing-code']"))
                .await?;
            audit.check("pairing code").await?;
            app.click("[data-testid='pairing-cancel']").await?;
            app.wait_for(Locator::Css("[data-testid='confirm-button']"))
                .await?;
            audit.check("cancel-code confirmation").await?;
            app.press(KEY_ESCAPE).await?;
            app.click("[data-testid='tab-rollouts']").await?;
            audit.check("rollouts").await?;
            app.click("[data-testid='tab-codes']").await?;

            // Devices: the detail drawer, the bulk dialog, the save-view dialog.
            app.click_view("devices").await?;
            app.click("[data-testid='device-row'][data-device-id]")
                .await?;
            app.wait_for(Locator::Css("[data-testid='device-detail']"))
                .await?;
            audit.check("device detail drawer").await?;
            app.click("[data-testid='device-detail'] [data-testid='drawer-close']")
                .await?;
            app.click("[data-testid='device-check']").await?;
            app.click("[data-testid='bulk-open']").await?;
            app.wait_for(Locator::Css("[data-testid='bulk-kind']"))
                .await?;
            audit.check("bulk dialog").await?;
            // A small job: its plan, its report in the dialog, its page in the Jobs view.
            app.select("[data-testid='bulk-kind']", "set_metadata")
                .await?;
            app.fill("[data-testid='bulk-key']", "axe").await?;
            app.fill("[data-testid='bulk-value']", theme).await?;
            app.click("[data-testid='bulk-preview']").await?;
            app.wait_for(Locator::Css("[data-testid='bulk-preview-table']"))
                .await?;
            audit.check("bulk plan").await?;
            app.click("[data-testid='bulk-apply']").await?;
            app.wait_for_text_containing("[data-testid='bulk-summary']", "done")
                .await?;
            audit.check("bulk job report").await?;
            app.press(KEY_ESCAPE).await?;
            app.click("[data-testid='selection-clear']").await?;
            app.click_view("jobs").await?;
            app.wait_for(Locator::Css("[data-testid='job-result']"))
                .await?;
            audit.check("job page").await?;
            app.click("[data-testid='job-new-from-list']").await?;
            app.fill("[data-testid='job-list-text']", "nobody\nnobody")
                .await?;
            app.wait_for(Locator::Css("[data-testid='job-list-report']"))
                .await?;
            audit.check("job from a list").await?;
            app.press(KEY_ESCAPE).await?;
            app.click_view("devices").await?;
            app.fill("[data-testid='device-search']", "Till").await?;
            app.click("[data-testid='saved-view-save']").await?;
            app.wait_for(Locator::Css("[data-testid='saved-view-name']"))
                .await?;
            audit.check("save-view dialog").await?;
            app.press(KEY_ESCAPE).await?;

            // Sessions: the board with a session, its detail drawer, the history tab.
            app.click_view("sessions").await?;
            app.click("[data-testid='board-session'] .open").await?;
            app.wait_for(Locator::Css("[data-testid='session-detail']"))
                .await?;
            audit.check("session detail drawer").await?;
            app.click("[data-testid='tab-history']").await?;
            audit.check("session history").await?;
            app.click("[data-testid='tab-board']").await?;

            // The command palette with results.
            app.click("[data-testid='palette-open']").await?;
            app.wait_for(Locator::Css("[data-testid='palette-input']"))
                .await?;
            app.press("Till").await?;
            app.wait_for(Locator::Css("[data-testid='palette-device']"))
                .await?;
            audit.check("command palette").await?;
            app.press(KEY_ESCAPE).await?;

            all.extend(audit.found);
        }

        let report = std::path::PathBuf::from(std::env::var("FLEETDESK_E2E_SCREENS")?)
            .join("axe-report.json");
        let printable: BTreeMap<&String, Vec<String>> = all
            .iter()
            .map(|(place, found)| {
                let lines = found
                    .iter()
                    .map(|v| {
                        format!(
                            "[{}] {}: {} — {}",
                            v.impact.as_deref().unwrap_or("?"),
                            v.id,
                            v.help,
                            v.targets.join(" | ")
                        )
                    })
                    .collect();
                (place, lines)
            })
            .collect();
        std::fs::write(&report, serde_json::to_string_pretty(&printable)?)?;
        let total: usize = all.values().map(Vec::len).sum();
        let blocking: Vec<String> = all
            .iter()
            .flat_map(|(place, found)| {
                found.iter().filter(|v| v.blocks()).map(move |v| {
                    format!(
                        "{place}: [{}] {} — {}",
                        v.impact.as_deref().unwrap_or("?"),
                        v.id,
                        v.targets.join(" | ")
                    )
                })
            })
            .collect();
        println!(
            "axe: {} places checked, {total} violations, {} serious or critical",
            all.len(),
            blocking.len()
        );
        ensure!(all.len() >= 30, "only {} places were checked", all.len());
        ensure!(
            blocking.is_empty(),
            "{} serious or critical violations:\n{}",
            blocking.len(),
            blocking.join("\n")
        );
        Ok(())
    })
    .await
}
