//! Cancelling a session and deleting an enrollment or a device after an attempt whose outcome was
//! unknown (the change was applied, the answer was lost): whatever a repeat is answered — 2xx, 409
//! or 404 — the call ends as success when the thing is in the wanted state, and as the refusal
//! when it is not. The simulator's scripted faults make each sequence happen exactly.

use contract_tests::*;
use ipp_sim::{Scripted, ScriptedFault};
use kustom_ipp::{ApiError, CreateEnrollment, EnrollmentStatus, PageRequest, SessionStatus};

fn fault(method: &str, path_prefix: &str, fault: Scripted) -> ScriptedFault {
    ScriptedFault {
        method: method.parse().unwrap_or_else(|_| panic!("method {method}")),
        path_prefix: path_prefix.to_owned(),
        fault,
    }
}

async fn session_for_cancel(sim: &Sim) -> String {
    let client = client(sim);
    let device = simulated_device(&client).await;
    client
        .create_session(None, &documented_cart(&device))
        .await
        .ok_or_panic("create")
        .session_id
}

#[tokio::test]
async fn a_lost_cancel_answer_followed_by_200_409_or_404_is_a_cancelled_session() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    for retry_answer in [None, Some(409), Some(404)] {
        let session = session_for_cancel(&sim).await;
        let mut script = vec![fault(
            "PUT",
            "/ipp/v1/sessions/",
            Scripted::DropAfterProcessing,
        )];
        script.extend(
            retry_answer.map(|status| fault("PUT", "/ipp/v1/sessions/", Scripted::Status(status))),
        );
        sim.script_faults(script);
        let cancelled = client.cancel_session(&session).await;
        assert!(
            matches!(&cancelled, Ok(s) if s.status == SessionStatus::Cancelled),
            "retry answered {retry_answer:?}: {cancelled:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_cancel_stays_an_error_when_the_session_is_not_cancelled() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    // No earlier attempt: a 409 is simply the answer.
    let session = session_for_cancel(&sim).await;
    sim.script_faults([fault("PUT", "/ipp/v1/sessions/", Scripted::Status(409))]);
    assert!(matches!(
        client.cancel_session(&session).await,
        Err(ApiError::Conflict(_))
    ));
    // An earlier attempt that was lost before it was applied: the session is still open.
    sim.script_faults([
        fault("PUT", "/ipp/v1/sessions/", Scripted::DropBeforeProcessing),
        fault("PUT", "/ipp/v1/sessions/", Scripted::Status(409)),
    ]);
    assert!(matches!(
        client.cancel_session(&session).await,
        Err(ApiError::Conflict(_))
    ));
    let still = client.get_session(&session).await.ok_or_panic("get");
    assert_eq!(still.status, SessionStatus::Created);
}

async fn pending_enrollment(client: &kustom_ipp::Client) -> String {
    let location = first_location(client).await;
    client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location),
            ..Default::default()
        })
        .await
        .ok_or_panic("create")
        .enrollment_id
}

#[tokio::test]
async fn a_lost_enrollment_delete_answer_is_settled_by_the_list() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    for retry_answer in [None, Some(409), Some(404)] {
        let id = pending_enrollment(&client).await;
        let mut script = vec![fault(
            "DELETE",
            "/ipp/v1/enrollments/",
            Scripted::DropAfterProcessing,
        )];
        script.extend(
            retry_answer
                .map(|status| fault("DELETE", "/ipp/v1/enrollments/", Scripted::Status(status))),
        );
        sim.script_faults(script);
        let result = client.cancel_enrollment(&id).await;
        assert!(
            result.is_ok(),
            "retry answered {retry_answer:?}: {result:?}"
        );
        let status = sim.inspect(|s| {
            s.enrollments
                .iter()
                .find(|e| e.enrollment.enrollment_id == id)
                .map(|e| e.enrollment.status.clone())
        });
        assert_eq!(status, Some(EnrollmentStatus::Cancelled));
    }
    // Lost before it was applied, then refused: the code is still pending, so it is an error.
    let id = pending_enrollment(&client).await;
    sim.script_faults([
        fault(
            "DELETE",
            "/ipp/v1/enrollments/",
            Scripted::DropBeforeProcessing,
        ),
        fault("DELETE", "/ipp/v1/enrollments/", Scripted::Status(409)),
    ]);
    assert!(matches!(
        client.cancel_enrollment(&id).await,
        Err(ApiError::Conflict(_))
    ));
    // The bulk form settles the same way.
    let ids = vec![
        pending_enrollment(&client).await,
        pending_enrollment(&client).await,
    ];
    sim.script_faults([
        fault(
            "DELETE",
            "/ipp/v1/enrollments",
            Scripted::DropAfterProcessing,
        ),
        fault("DELETE", "/ipp/v1/enrollments", Scripted::Status(404)),
    ]);
    client
        .cancel_enrollments(&ids)
        .await
        .ok_or_panic("bulk cancel");
}

#[tokio::test]
async fn a_lost_device_delete_answer_followed_by_409_or_404_is_a_deleted_device() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    for retry_answer in [None, Some(409), Some(404)] {
        let device = simulated_device(&client).await;
        let mut script = vec![fault(
            "DELETE",
            "/ipp/v1/devices/",
            Scripted::DropAfterProcessing,
        )];
        script.extend(
            retry_answer
                .map(|status| fault("DELETE", "/ipp/v1/devices/", Scripted::Status(status))),
        );
        sim.script_faults(script);
        let result = client.delete_device(&device).await;
        assert!(
            result.is_ok(),
            "retry answered {retry_answer:?}: {result:?}"
        );
        assert!(matches!(
            client.get_device(&device).await,
            Err(ApiError::NotFound(_))
        ));
    }
    // A 409 for a device that is still there stays a 409.
    let device = simulated_device(&client).await;
    sim.script_faults([
        fault("DELETE", "/ipp/v1/devices/", Scripted::DropBeforeProcessing),
        fault("DELETE", "/ipp/v1/devices/", Scripted::Status(409)),
    ]);
    assert!(matches!(
        client.delete_device(&device).await,
        Err(ApiError::Conflict(_))
    ));
    assert!(
        client
            .list_devices(&Default::default(), PageRequest::new(0, 100))
            .await
            .ok_or_panic("list")
            .content
            .iter()
            .any(|d| d.id == device)
    );
}
