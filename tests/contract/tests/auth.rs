//! Authentication [DOC §2.1], `x-merchant-id` [DOC §2.2] and merchant isolation.

use base64::Engine as _;
use contract_tests::*;
use ipp_sim::{MerchantConfig, Mode};
use kustom_ipp::{ApiError, Credentials, DeviceQuery, EnrollmentQuery, PageRequest, Secret};

#[tokio::test]
async fn all_three_authorization_forms_are_accepted() {
    let (sim, _) = playground().await;
    let merchant = sim.merchants()[0].clone();
    let key = Credentials::ApiKey(Secret::new(merchant.api_key.clone()));
    let with_user = Credentials::UsernameAndKey {
        username: merchant.portal_username.clone(),
        key: Secret::new(merchant.api_key.clone()),
    };
    for credentials in [key, with_user] {
        let page = client_with(&sim, credentials, Some(MERCHANT))
            .list_locations(PageRequest::default())
            .await
            .ok_or_panic("list locations");
        // "My Store" [DOC help centre] and the six demo stores.
        assert_eq!(page.total_elements, 7);
    }
    // The third-party client's legacy pair [3P]: base64(merchant_id:shared_secret).
    let legacy = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        merchant.merchant_id, merchant.shared_secret
    ));
    let response = kustom_ipp::tls::http_client()
        .unwrap_or_else(|e| panic!("{e}"))
        .get(format!("{}/ipp/v1/locations", sim.base_url()))
        .header("authorization", format!("Basic {legacy}"))
        .header("x-merchant-id", MERCHANT)
        .send()
        .await
        .ok_or_panic("legacy request");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_401_with_a_problem_body() {
    let (sim, _) = playground().await;
    let wrong = client_with(
        &sim,
        Credentials::ApiKey(Secret::new("kco_test_api_wrong")),
        Some(MERCHANT),
    );
    let err = wrong.list_locations(PageRequest::default()).await.err();
    assert!(
        matches!(&err, Some(ApiError::Unauthorized(p)) if p.detail.as_deref() == Some("Access Denied")),
        "{err:?}"
    );

    let wrong_user = client_with(
        &sim,
        Credentials::UsernameAndKey {
            username: "DM20260001-someone".into(),
            key: Secret::new(sim.merchants()[0].api_key.clone()),
        },
        Some(MERCHANT),
    );
    assert!(matches!(
        wrong_user.list_locations(PageRequest::default()).await,
        Err(ApiError::Unauthorized(_))
    ));

    let none = client_with(&sim, Credentials::None, Some(MERCHANT));
    assert!(matches!(
        none.list_devices(&DeviceQuery::default(), PageRequest::default())
            .await,
        Err(ApiError::Unauthorized(_))
    ));

    let response = kustom_ipp::tls::http_client()
        .unwrap_or_else(|e| panic!("{e}"))
        .get(format!("{}/ipp/v1/locations", sim.base_url()))
        .send()
        .await
        .ok_or_panic("raw request");
    assert_eq!(response.status(), 401);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn merchant_header_is_required_where_documented_and_must_match_the_key() {
    let (sim, _) = playground().await;
    let key = Credentials::ApiKey(Secret::new(sim.merchants()[0].api_key.clone()));
    let without_header = client_with(&sim, key.clone(), None);
    for result in [
        without_header
            .list_locations(PageRequest::default())
            .await
            .map(|_| ()),
        without_header
            .list_enrollments(&EnrollmentQuery::default(), PageRequest::default())
            .await
            .map(|_| ()),
        without_header
            .list_devices(&DeviceQuery::default(), PageRequest::default())
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(&result, Err(ApiError::Validation { fields, .. }) if fields.contains_key("x-merchant-id")),
            "{result:?}"
        );
    }
    // Not required on the calls whose samples omit it.
    let body = kustom_ipp::CreateEnrollment {
        location_id: Some(
            client(&sim)
                .list_locations(PageRequest::default())
                .await
                .ok_or_panic("locations")
                .content[0]
                .id
                .clone(),
        ),
        ..Default::default()
    };
    assert!(without_header.create_enrollment(&body).await.is_ok());

    // A merchant id that is not the key's: the credentials do not go together (401).
    let mismatched = client_with(&sim, key, Some(OTHER_MERCHANT));
    assert!(matches!(
        mismatched.list_locations(PageRequest::default()).await,
        Err(ApiError::Unauthorized(_))
    ));
}

/// In-Person Payments is switched on per account [DOC §1]: a valid key of an account without it
/// gets 403 on every authenticated call, while a wrong key still gets 401.
#[tokio::test]
async fn an_account_without_in_person_payments_is_refused_with_403_everywhere() {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).ipp_disabled();
    let key = merchant.api_key.clone();
    let sim = start(
        ipp_sim::SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .docs_minimal(contract_tests::docs_minimal()),
    )
    .await;
    let disabled = client_with(&sim, Credentials::ApiKey(Secret::new(key)), Some(MERCHANT));
    let answers = [
        disabled
            .list_locations(PageRequest::default())
            .await
            .map(|_| ()),
        disabled
            .list_devices(&DeviceQuery::default(), PageRequest::default())
            .await
            .map(|_| ()),
        disabled
            .list_enrollments(&EnrollmentQuery::default(), PageRequest::default())
            .await
            .map(|_| ()),
    ];
    for answer in answers {
        match answer {
            Err(ApiError::Forbidden(problem)) => assert_eq!(
                problem.detail.as_deref(),
                Some("In-Person Payments is not enabled for this merchant account")
            ),
            other => panic!("expected 403, got {other:?}"),
        }
    }
    let wrong = client_with(
        &sim,
        Credentials::ApiKey(Secret::new("kco_test_api_NotAKeyAtAll".to_owned())),
        Some(MERCHANT),
    );
    assert!(matches!(
        wrong.list_locations(PageRequest::default()).await,
        Err(ApiError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn merchants_never_see_each_others_resources() {
    let (sim, _) = playground().await;
    let ours = client(&sim);
    let theirs = client_for(&sim, OTHER_MERCHANT);
    let their_device = theirs
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("their devices")
        .content[0]
        .clone();
    let their_location = theirs
        .list_locations(PageRequest::default())
        .await
        .ok_or_panic("their locations")
        .content[0]
        .id
        .clone();
    assert!(matches!(
        ours.get_device(&their_device.id).await,
        Err(ApiError::NotFound(_))
    ));
    assert!(matches!(
        ours.get_location(&their_location).await,
        Err(ApiError::NotFound(_))
    ));
    let ours_total = ours
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("ours")
        .total_elements;
    assert_eq!(ours_total, 40);
}
