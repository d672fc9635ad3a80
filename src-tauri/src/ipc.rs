//! The typed IPC surface: every command and event the UI may use, collected once.
//!
//! `ui/src/lib/bindings.ts` is generated from this by the `bindings` test and committed; the same
//! test fails when the committed file differs from a fresh export.

use tauri_specta::{Builder, collect_commands, collect_events};

use crate::{commands, events};

/// The tauri-specta builder with all commands and events registered.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::shell::boot_info,
            commands::shell::app_info,
            commands::shell::report_first_paint,
            commands::shell::set_theme,
            commands::shell::set_language,
            commands::shell::set_ui_pref,
            commands::shell::palette_search,
            commands::profiles::list_profiles,
            commands::profiles::create_profile,
            commands::profiles::update_profile,
            commands::profiles::duplicate_profile,
            commands::profiles::delete_profile,
            commands::profiles::switch_profile,
            commands::profiles::store_api_key,
            commands::profiles::store_webhook_secret,
            commands::profiles::test_connection,
            commands::profiles::reset_playground,
            commands::locations::list_locations,
            commands::locations::reload_locations,
            commands::enrollments::create_enrollment,
            commands::enrollments::list_enrollments,
            commands::enrollments::refresh_enrollment,
            commands::enrollments::cancel_enrollment,
            commands::enrollments::simulate_clerk,
            commands::enrollments::printable_cards,
            commands::enrollments::export_pairing_pdf,
            commands::enrollments::export_rollout_pdf,
            commands::enrollments::preview_rollout_csv,
            commands::enrollments::preview_rollout_generated,
            commands::enrollments::create_rollout,
            commands::enrollments::run_rollout,
            commands::enrollments::list_rollouts,
            commands::enrollments::get_rollout,
            commands::enrollments::reconcile_rollout,
            commands::enrollments::rollout_cards,
            commands::fleet::fleet_overview,
            commands::fleet::location_counts,
            commands::fleet::sync_fleet,
            commands::fleet::find_devices,
            commands::fleet::device_detail,
            commands::fleet::change_device,
            commands::fleet::deregister_device,
            commands::fleet::export_devices_csv,
            commands::fleet::save_view,
            commands::fleet::delete_view,
            commands::history::device_history,
            commands::history::activity_log,
            commands::history::activity_chain,
            commands::history::stale_report,
            commands::history::export_activity_csv,
            commands::history::export_stale_csv,
            commands::jobs::match_device_list,
            commands::jobs::open_device_list,
            commands::jobs::plan_job,
            commands::jobs::start_job,
            commands::jobs::list_jobs,
            commands::jobs::job,
            commands::jobs::job_devices,
            commands::jobs::set_job_state,
            commands::jobs::retry_failed_job,
            commands::jobs::export_job_csv,
            commands::jobs::request_rate,
            commands::jobs::set_request_rate,
            commands::sessions::list_sessions,
            commands::sessions::session_detail,
            commands::sessions::lookup_session,
            commands::sessions::cancel_session,
            commands::sessions::cart_totals,
            commands::sessions::create_test_payment,
            commands::sessions::simulate_tap,
            commands::sessions::create_simulated_device,
            commands::sessions::receiver_info,
            commands::sessions::recent_deliveries,
            commands::sessions::get_session_settings,
            commands::sessions::set_session_settings,
        ])
        .events(collect_events![
            events::ProfileChanged,
            events::RolloutProgress,
            events::FleetSyncProgress,
            events::JobProgressed,
            events::SessionChanged
        ])
        // Amounts are int64 minor units in the API; every value Fleetdesk shows is far below 2^53,
        // so they cross as plain numbers rather than BigInt.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (fields Rust may omit become optional), rather than
        // separate `_Serialize` / `_Deserialize` shapes.
        .disable_serde_phases()
}

/// The TypeScript exporter with the header the committed file carries.
pub fn typescript() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
    }

    /// Exports the bindings to a temporary file and compares them with the committed ones.
    /// Run with `UPDATE_BINDINGS=1` to rewrite the committed file.
    #[test]
    fn bindings_are_up_to_date() {
        let fresh_path =
            std::env::temp_dir().join(format!("fleetdesk-bindings-{}.ts", std::process::id()));
        super::builder()
            .export(super::typescript(), &fresh_path)
            .expect("export bindings");
        let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
        let _ = std::fs::remove_file(&fresh_path);

        let committed_path = committed_path();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed_path, &fresh).expect("write committed bindings");
            return;
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/bindings.ts is out of date with the Rust commands and events. \
             Regenerate it with `cargo xtask bindings` and commit the result."
        );
    }
}
