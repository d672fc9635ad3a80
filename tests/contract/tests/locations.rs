//! Locations [DOC §8]: read-only, paged, scoped to the merchant.

use contract_tests::*;
use kustom_ipp::{ApiError, PageRequest};

#[tokio::test]
async fn locations_list_in_pages_and_get_by_id() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let first = client
        .list_locations(PageRequest::new(0, 4))
        .await
        .ok_or_panic("page 0");
    let second = client
        .list_locations(PageRequest::new(1, 4))
        .await
        .ok_or_panic("page 1");
    // Every merchant has "My Store" [DOC help centre]; the six demo stores come on top.
    assert_eq!((first.total_elements, first.total_pages), (7, 2));
    assert_eq!((first.content.len(), second.content.len()), (4, 3));
    assert!(first.first && !first.last && second.last);

    let all: Vec<_> = first.content.into_iter().chain(second.content).collect();
    assert_eq!(all.iter().filter(|l| l.name == "My Store").count(), 1);
    for location in all.iter().filter(|l| l.name != "My Store") {
        // A name is promised [DOC help centre]; the city only by the convenient simulator [3P].
        assert!(
            !location.name.is_empty() && (docs_minimal() || location.city.is_some()),
            "{location:?}"
        );
    }
    for location in &all {
        assert_eq!(
            &client.get_location(&location.id).await.ok_or_panic("get"),
            location
        );
    }
    assert!(all.iter().any(|l| l.name == "Stockholm Drottninggatan"));
    // Addresses are the convenient simulator's [INF]; docs-minimal sends id and name only.
    assert_eq!(
        all.iter()
            .any(|l| l.address.as_ref().is_some_and(|a| a.country == "NO")),
        !docs_minimal()
    );
    assert!(matches!(
        client
            .get_location("00000000-0000-0000-0000-000000000000")
            .await,
        Err(ApiError::NotFound(_))
    ));
}
