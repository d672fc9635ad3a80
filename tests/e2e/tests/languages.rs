//! Swedish and Norwegian in the real window: the language chosen in Settings changes every word
//! (screenshots of Enrollments, Devices and Sessions in both), and a Swedish head office prints a
//! Norwegian store's pairing card: the PDF holds the Norwegian steps with æ, ø and å intact.

use std::process::Command;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, answer_save_dialog, render_pdf_page, with_app};

/// The sidebar's views, in order, with their headings in each language.
const HEADINGS: [(&str, [&str; 2]); 3] = [
    ("enrollments", ["Registreringar", "Registreringer"]),
    ("devices", ["Enheter", "Enheter"]),
    ("sessions", ["Sessioner", "Økter"]),
];

#[tokio::test]
async fn swedish_and_norwegian_screens_and_a_norwegian_card_from_a_swedish_ui() -> Result<()> {
    with_app("languages", async |app: &App| {
        for (index, (language, settings)) in [("sv", "Inställningar"), ("nb", "Innstillinger")]
            .into_iter()
            .enumerate()
        {
            app.click_view("settings").await?;
            app.select("[data-testid='settings-language']", language)
                .await?;
            app.wait_for_heading(settings).await?;
            let lang = app
                .client()
                .execute("return document.documentElement.lang;", vec![])
                .await?;
            ensure!(lang == serde_json::json!(language), "<html lang> is {lang}");
            // At the default size in the light theme, and at the minimum size in the dark one.
            for (width, height, theme) in [(1280, 800, "light"), (1024, 768, "dark")] {
                app.resize(width, height).await?;
                app.set_theme(theme).await?;
                for (view, headings) in HEADINGS {
                    app.click_view(view).await?;
                    app.wait_for_heading(headings[index]).await?;
                    if view == "devices" {
                        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]"))
                            .await?;
                    }
                    app.screenshot(&format!(
                        "language-{language}-{width}x{height}-{theme}-{view}"
                    ))
                    .await?;
                }
            }
            app.resize(1280, 800).await?;
            app.set_theme("light").await?;
        }

        // Back to Swedish; a card for a Norwegian store, printed in Norwegian.
        app.click_view("settings").await?;
        app.select("[data-testid='settings-language']", "sv")
            .await?;
        app.wait_for_heading("Inställningar").await?;
        app.click_view("enrollments").await?;
        app.click("[data-testid='new-code']").await?;
        app.choose_first_option("[data-testid='code-location']")
            .await?;
        app.fill("[data-testid='code-label']", "Kasse Tromsø Ærlig")
            .await?;
        app.click("[data-testid='code-create']").await?;
        app.wait_for(Locator::Css("[data-testid='pairing-code']"))
            .await?;
        app.screenshot("language-sv-pairing").await?;
        app.select("[data-testid='card-language']", "nb").await?;
        let pdf = app.data_dir().join("kort-nb.pdf");
        app.click("[data-testid='pairing-pdf']").await?;
        answer_save_dialog("Spara kopplingskorten", &pdf).await?;
        app.wait_for_text_containing("[data-testid='toasts']", "kort-nb.pdf")
            .await?;

        let text = Command::new("pdftotext").arg(&pdf).arg("-").output()?;
        let text = String::from_utf8_lossy(&text.stdout);
        for expected in [
            "Åpne Kustom POS-appen på telefonen.",
            "Velg å registrere enheten, og skriv inn denne koden.",
            "Vent til appen viser at enheten er koblet til.",
            "Kasse Tromsø Ærlig",
            "Gyldig til",
        ] {
            ensure!(
                text.contains(expected),
                "the Norwegian card lacks {expected:?}:\n{text}"
            );
        }
        ensure!(
            !text.contains("Öppna appen"),
            "the card has the Swedish steps:\n{text}"
        );
        render_pdf_page(&pdf, "pdf-card-nb", 110)?;
        Ok(())
    })
    .await
}
