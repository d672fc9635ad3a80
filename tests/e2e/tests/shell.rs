//! The app shell: the window opens, every view is reachable by mouse and by keyboard, the header
//! shows the active profile.

use std::process::Command;

use anyhow::{Result, ensure};
use fleetdesk_e2e::{
    App, KEY_ARROW_DOWN, KEY_ARROW_UP, KEY_CONTROL, KEY_END, KEY_HOME, KEY_NULL, VIEWS, with_app,
};

#[tokio::test]
async fn every_view_is_reachable_from_the_sidebar() -> Result<()> {
    with_app(
        "every_view_is_reachable_from_the_sidebar",
        async |app: &App| {
            for (id, heading) in VIEWS {
                app.click_view(id).await?;
                app.wait_for_heading(heading).await?;
                let current = app
                    .text(&format!("nav.sidebar button[data-view='{id}']"))
                    .await?;
                ensure!(
                    current.contains(heading),
                    "sidebar item for {id} reads {current:?}"
                );
                app.screenshot(&format!("view-{id}")).await?;
            }
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn views_switch_with_keyboard_shortcuts_and_arrow_keys() -> Result<()> {
    with_app(
        "views_switch_with_keyboard_shortcuts_and_arrow_keys",
        async |app: &App| {
            app.click_view("enrollments").await?;
            app.wait_for_heading("Enrollments").await?;

            // Ctrl+N jumps to the N-th view, from anywhere.
            for (position, (_, heading)) in VIEWS.iter().enumerate().rev() {
                app.press(&format!("{KEY_CONTROL}{}{KEY_NULL}", position + 1))
                    .await?;
                app.wait_for_heading(heading).await?;
            }

            // In the sidebar, arrows move between views and wrap; Home and End jump to the ends.
            app.click_view("enrollments").await?;
            app.press(&KEY_ARROW_DOWN.to_string()).await?;
            app.wait_for_heading("Devices").await?;
            app.press(&KEY_ARROW_UP.to_string()).await?;
            app.press(&KEY_ARROW_UP.to_string()).await?;
            app.wait_for_heading("Settings").await?;
            app.press(&KEY_HOME.to_string()).await?;
            app.wait_for_heading("Enrollments").await?;
            app.press(&KEY_END.to_string()).await?;
            app.wait_for_heading("Settings").await?;
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn window_is_titled_fleetdesk_and_shows_the_active_profile() -> Result<()> {
    with_app(
        "window_is_titled_fleetdesk_and_shows_the_active_profile",
        async |app: &App| {
            let windows = Command::new("xdotool")
                .args(["search", "--name", "^Fleetdesk$"])
                .output()?;
            ensure!(
                windows.status.success() && !windows.stdout.is_empty(),
                "no X window titled \"Fleetdesk\" is open"
            );

            let profile = app.text("[data-testid='active-profile']").await?;
            ensure!(
                profile == "Local playground",
                "header profile reads {profile:?}"
            );
            let badge = app.text("[data-testid='environment-badge']").await?;
            ensure!(
                badge == "Local playground",
                "environment badge reads {badge:?}"
            );
            Ok(())
        },
    )
    .await
}
