//! Enrollments [DOC §5] and the registration that consumes them [§6].

use chrono::Duration;
use contract_tests::*;
use ipp_sim::{Mode, SeedSpec};
use kustom_ipp::{
    ApiError, CreateEnrollment, EnrollmentQuery, EnrollmentStatus, EnrollmentTtl, Metadata,
    MetadataFilter, PageRequest,
};

fn meta(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn create_returns_a_pending_8_character_code_with_the_requested_lifetime() {
    let (sim, clock) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let created = client
        .create_enrollment(&CreateEnrollment {
            metadata: Some(meta(&[("store_id", "123"), ("terminal_type", "checkout")])),
            expires_in: Some(900_000),
            location_id: Some(location.clone()),
            ttl: None,
        })
        .await
        .ok_or_panic("create");
    assert_eq!(created.status, EnrollmentStatus::Pending);
    let code = created.enrollment_code.as_str();
    assert_eq!(code.len(), 8);
    assert!(
        code.bytes()
            .all(|b| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(&b)),
        "{code}"
    );
    assert_eq!(
        created.expires_at,
        clock.now() + Duration::milliseconds(900_000)
    );
    // The location on an enrollment is the simulator's, not promised [GAP §5.1].
    if !docs_minimal() {
        assert_eq!(created.location_id.as_deref(), Some(location.as_str()));
    }
    assert_eq!(created.metadata["terminal_type"], "checkout");

    // Default lifetime is 2 h; the third-party `ttl` enum is accepted too.
    let default = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            ..Default::default()
        })
        .await
        .ok_or_panic("default");
    assert_eq!(default.expires_at, clock.now() + Duration::hours(2));
    let ttl = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location),
            ttl: Some(EnrollmentTtl::SeventyTwoHours),
            ..Default::default()
        })
        .await
        .ok_or_panic("ttl");
    assert_eq!(ttl.expires_at, clock.now() + Duration::hours(72));
}

#[tokio::test]
async fn pending_codes_are_unique() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let mut codes = std::collections::HashSet::new();
    for _ in 0..150 {
        let e = client
            .create_enrollment(&CreateEnrollment {
                location_id: Some(location.clone()),
                ..Default::default()
            })
            .await
            .ok_or_panic("create");
        assert!(
            codes.insert(e.enrollment_code.as_str().to_owned()),
            "duplicate code"
        );
    }
}

#[tokio::test]
async fn invalid_creates_are_400_with_field_errors() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let cases = [
        (
            CreateEnrollment {
                location_id: Some(location.clone()),
                expires_in: Some(0),
                ..Default::default()
            },
            "expires_in",
        ),
        (
            CreateEnrollment {
                location_id: Some(location.clone()),
                expires_in: Some(604_800_001),
                ..Default::default()
            },
            "expires_in",
        ),
        (
            CreateEnrollment {
                location_id: Some("no-such-location".into()),
                ..Default::default()
            },
            "location_id",
        ),
        // Several locations and none given [3P].
        (CreateEnrollment::default(), "location_id"),
        (
            CreateEnrollment {
                location_id: Some(location.clone()),
                metadata: Some(meta(&[("a:b", "x")])),
                ..Default::default()
            },
            "metadata.a:b",
        ),
    ];
    for (body, field) in cases {
        let err = client.create_enrollment(&body).await.err();
        assert!(
            matches!(&err, Some(ApiError::Validation { fields, .. }) if fields.contains_key(field)),
            "{field}: {err:?}"
        );
    }
    // A blank location is refused before sending.
    let blank = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(String::new()),
            ..Default::default()
        })
        .await;
    assert!(matches!(blank, Err(ApiError::Validation { .. })));
}

#[tokio::test]
async fn without_a_location_the_only_location_is_used_and_several_refuse() {
    // No demo stores: the merchant has only "My Store", as a newly enabled one [DOC help centre].
    let seed = SeedSpec {
        locations: 0,
        ..SeedSpec::default()
    };
    let sim = start(config(Mode::Playground, seed)).await;
    let only = first_location(&client(&sim)).await;
    // An empty body is outside the document (which requires `location_id`, because a chain with
    // several stores is refused without it): sent past the recorder, on purpose.
    let key = sim.merchants()[0].api_key.clone();
    let response = kustom_ipp::tls::http_client()
        .ok_or_panic("http client")
        .post(format!("{}/ipp/v1/enrollments", sim.base_url()))
        .header("authorization", format!("Basic {key}"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .ok_or_panic("send");
    assert_eq!(response.status().as_u16(), 201);
    let created: serde_json::Value = response.json().await.ok_or_panic("body");
    if docs_minimal() {
        // The location is not promised on an enrollment [GAP §5.1].
        assert!(created.get("location_id").is_none(), "{created}");
    } else {
        assert_eq!(created["location_id"], only.as_str());
    }

    // With several stores the same request is refused, naming the field [3P §5.5].
    let (chain, _) = playground().await;
    let refused = client(&chain)
        .create_enrollment(&CreateEnrollment::default())
        .await;
    assert!(
        matches!(&refused, Err(ApiError::Validation { fields, .. }) if fields.contains_key("location_id")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn list_filters_by_location_metadata_and_consumed() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let locations = client
        .list_locations(PageRequest::default())
        .await
        .ok_or_panic("locations")
        .content;
    let (a, b) = (locations[0].id.clone(), locations[1].id.clone());
    for (location, lane) in [(&a, "1"), (&a, "2"), (&b, "1")] {
        client
            .create_enrollment(&CreateEnrollment {
                location_id: Some(location.clone()),
                metadata: Some(meta(&[("batch", "contract"), ("lane", lane)])),
                ..Default::default()
            })
            .await
            .ok_or_panic("create");
    }
    let query =
        |location: Option<&str>, filter: &[(&str, &str)], consumed: Option<bool>| EnrollmentQuery {
            location_id: location.map(str::to_owned),
            metadata: MetadataFilter::from_pairs(filter.iter().copied()).ok_or_panic("filter"),
            include_consumed: consumed,
        };
    let count = |q: EnrollmentQuery| {
        let client = client.clone();
        async move {
            client
                .list_enrollments(&q, PageRequest::new(0, 100))
                .await
                .ok_or_panic("list")
                .total_elements
        }
    };
    assert_eq!(count(query(None, &[("batch", "contract")], None)).await, 3);
    assert_eq!(
        count(query(Some(&a), &[("batch", "contract")], None)).await,
        2
    );
    assert_eq!(
        count(query(None, &[("batch", "contract"), ("lane", "1")], None)).await,
        2
    );
    assert_eq!(
        count(query(
            Some(&b),
            &[("batch", "contract"), ("lane", "2")],
            None
        ))
        .await,
        0
    );

    // The seed has consumed enrollments; include_consumed=false hides them.
    let all = count(query(None, &[], None)).await;
    let without_consumed = count(query(None, &[], Some(false))).await;
    let consumed = sim.inspect(|s| {
        s.enrollments
            .iter()
            .filter(|e| {
                e.merchant_id == MERCHANT && e.enrollment.status == EnrollmentStatus::Consumed
            })
            .count()
    });
    assert!(consumed > 0);
    assert_eq!(all - without_consumed, consumed as i64);
}

#[tokio::test]
async fn the_server_enforces_the_metadata_filter_rules_too() {
    let (sim, _) = playground().await;
    let key = sim.merchants()[0].api_key.clone();
    let get = |query: &'static str| {
        let url = format!("{}/ipp/v1/enrollments?{query}", sim.base_url());
        let key = key.clone();
        async move {
            kustom_ipp::tls::http_client()
                .unwrap_or_else(|e| panic!("{e}"))
                .get(url)
                .header("authorization", format!("Basic {key}"))
                .header("x-merchant-id", MERCHANT)
                .send()
                .await
                .ok_or_panic("request")
        }
    };
    let six = get(
        "metadata=a%3A1&metadata=b%3A1&metadata=c%3A1&metadata=d%3A1&metadata=e%3A1&metadata=f%3A1",
    )
    .await;
    assert_eq!(six.status(), 400);
    let body: serde_json::Value = six.json().await.ok_or_panic("body");
    assert!(
        body["errors"]["metadata"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 5"),
        "{body}"
    );
    assert_eq!(get("metadata=a%3A1&metadata=a%3A2").await.status(), 400);
    assert_eq!(get("metadata=no-colon").await.status(), 400);
    assert_eq!(get("page_size=0").await.status(), 400);
    assert_eq!(get("page_size=101").await.status(), 400);
    assert_eq!(get("page_number=-1").await.status(), 400);
    assert_eq!(get("metadata=store_id%3ASE-STO-001").await.status(), 200);
}

#[tokio::test]
async fn paging_walks_every_enrollment_once() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    for _ in 0..45 {
        client
            .create_enrollment(&CreateEnrollment {
                location_id: Some(location.clone()),
                metadata: Some(meta(&[("paging", "yes")])),
                ..Default::default()
            })
            .await
            .ok_or_panic("create");
    }
    let query = EnrollmentQuery {
        metadata: MetadataFilter::new()
            .and("paging", "yes")
            .ok_or_panic("filter"),
        ..Default::default()
    };
    let mut ids = std::collections::HashSet::new();
    for number in 0..3 {
        let page = client
            .list_enrollments(&query, PageRequest::new(number, 20))
            .await
            .ok_or_panic("page");
        assert_eq!(
            (
                page.total_elements,
                page.total_pages,
                page.page_number,
                page.page_size
            ),
            (45, 3, number, 20)
        );
        assert_eq!(page.first, number == 0);
        assert_eq!(page.last, number == 2);
        assert_eq!(page.content.len(), if number == 2 { 5 } else { 20 });
        ids.extend(page.content.into_iter().map(|e| e.enrollment_id));
    }
    assert_eq!(ids.len(), 45);
}

#[tokio::test]
async fn cancel_soft_deletes_pending_codes_only() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let created = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            ..Default::default()
        })
        .await
        .ok_or_panic("create");
    client
        .cancel_enrollment(&created.enrollment_id)
        .await
        .ok_or_panic("cancel");
    let listed = client
        .list_enrollments(&EnrollmentQuery::default(), PageRequest::new(0, 100))
        .await
        .ok_or_panic("list");
    assert!(
        listed
            .content
            .iter()
            .all(|e| e.enrollment_id != created.enrollment_id),
        "cancelled enrollments are never listed"
    );
    // Its code can no longer be used.
    let registered_again = register(&client, created.enrollment_code.as_str(), "HW-1").await;
    assert!(registered_again.is_err());
    assert!(matches!(
        client.cancel_enrollment(&created.enrollment_id).await,
        Err(ApiError::NotFound(_))
    ));
    assert!(matches!(
        client
            .cancel_enrollment("00000000-0000-0000-0000-000000000000")
            .await,
        Err(ApiError::NotFound(_))
    ));

    // A consumed code cannot be cancelled.
    let consumed = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            ..Default::default()
        })
        .await
        .ok_or_panic("create");
    register(&client, consumed.enrollment_code.as_str(), "HW-2")
        .await
        .ok_or_panic("register");
    assert!(matches!(
        client.cancel_enrollment(&consumed.enrollment_id).await,
        Err(ApiError::Conflict(_))
    ));

    // Bulk cancel: all or nothing.
    let one = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            ..Default::default()
        })
        .await
        .ok_or_panic("one");
    let two = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location),
            ..Default::default()
        })
        .await
        .ok_or_panic("two");
    let mixed = client
        .cancel_enrollments(&[one.enrollment_id.clone(), consumed.enrollment_id.clone()])
        .await;
    assert!(matches!(mixed, Err(ApiError::Conflict(_))));
    client
        .cancel_enrollments(&[one.enrollment_id, two.enrollment_id])
        .await
        .ok_or_panic("bulk cancel");
}

/// "`CANCELLED` and `EXPIRED` enrollments are excluded from the list results" [DOC §5.3]: a code
/// with a short expiry is listed PENDING until its `expires_at`, then no longer at all.
#[tokio::test]
async fn a_code_leaves_the_list_once_it_has_expired() {
    let (sim, clock) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let created = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            expires_in: Some(60_000),
            metadata: Some(meta(&[("expiry_test", "short")])),
            ..Default::default()
        })
        .await
        .ok_or_panic("create");
    let listed = |include_consumed: Option<bool>| {
        let client = client.clone();
        let location = location.clone();
        async move {
            let query = EnrollmentQuery {
                location_id: Some(location),
                metadata: MetadataFilter::from_pairs([("expiry_test", "short")])
                    .ok_or_panic("filter"),
                include_consumed,
            };
            client
                .list_enrollments(&query, PageRequest::new(0, 100))
                .await
                .ok_or_panic("list")
                .content
        }
    };
    clock.advance(Duration::seconds(59));
    let before = listed(None).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].enrollment_id, created.enrollment_id);
    assert_eq!(before[0].status, EnrollmentStatus::Pending);

    clock.advance(Duration::seconds(2));
    for include_consumed in [None, Some(true), Some(false)] {
        assert!(
            listed(include_consumed).await.is_empty(),
            "an expired code is still listed (include_consumed {include_consumed:?})"
        );
    }
    let everything = client
        .list_enrollments(&EnrollmentQuery::default(), PageRequest::new(0, 100))
        .await
        .ok_or_panic("list all");
    assert!(
        everything
            .content
            .iter()
            .all(|e| e.status != EnrollmentStatus::Expired
                && e.enrollment_id != created.enrollment_id)
    );
    // It can no longer be used or cancelled.
    let registered_again = register(&client, created.enrollment_code.as_str(), "HW").await;
    assert!(
        matches!(registered_again, Err(ApiError::Conflict(_))),
        "410 Gone maps to Conflict: {registered_again:?}"
    );
    assert!(matches!(
        client.cancel_enrollment(&created.enrollment_id).await,
        Err(ApiError::Conflict(_))
    ));
}

#[tokio::test]
async fn registration_consumes_the_code_and_copies_metadata_and_location() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    let created = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            metadata: Some(meta(&[("store_id", "SE-1"), ("device_label", "Till 9")])),
            ..Default::default()
        })
        .await
        .ok_or_panic("create");
    // Typed as a clerk might: lower case, with the space the app shows.
    let typed = format!(
        "{} {}",
        &created.enrollment_code.as_str()[..4],
        &created.enrollment_code.as_str()[4..]
    )
    .to_lowercase();
    let registered = register(&client, &typed, "F2LXABCDEF1")
        .await
        .ok_or_panic("register");
    assert_eq!(registered.device.metadata, created.metadata);
    assert_eq!(
        registered.device.location_id.as_deref(),
        Some(location.as_str())
    );
    assert_eq!(registered.device.name, "Till 9");
    assert_eq!(registered.device.merchant_id, MERCHANT);
    let credentials = registered.credentials.ok_or_panic_opt("credentials");
    assert!(credentials.bearer_token.expose().starts_with("eyJ"));

    let after = client
        .list_enrollments(&EnrollmentQuery::default(), PageRequest::new(0, 100))
        .await
        .ok_or_panic("list");
    let consumed = after
        .content
        .iter()
        .find(|e| e.enrollment_id == created.enrollment_id)
        .ok_or_panic_opt("listed");
    assert_eq!(consumed.status, EnrollmentStatus::Consumed);
    // Which device consumed it is not promised [GAP §5.1]; docs-minimal leaves it out.
    let expected_device = (!docs_minimal()).then_some(registered.device.id.as_str());
    assert_eq!(consumed.device_id.as_deref(), expected_device);

    let again = register(&client, created.enrollment_code.as_str(), "OTHER").await;
    assert!(matches!(again, Err(ApiError::Conflict(_))));
    let unknown = register(&client, "ZZZZZZZZ", "X").await;
    assert!(matches!(unknown, Err(ApiError::NotFound(_))));
}

trait ExpectSome<T> {
    fn ok_or_panic_opt(self, what: &str) -> T;
}

impl<T> ExpectSome<T> for Option<T> {
    fn ok_or_panic_opt(self, what: &str) -> T {
        self.unwrap_or_else(|| panic!("{what} missing"))
    }
}
