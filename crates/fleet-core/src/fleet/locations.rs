//! The location panel's counts: how many devices each store has, by store name.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use specta::Type;

use super::name_order;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct LocationCount {
    /// `None`: the unassigned bucket.
    pub location_id: Option<String>,
    pub name: String,
    pub count: u32,
}

/// Counts by location id as the panel lists them: every known location (empty ones too), by
/// name, the unassigned bucket last.
pub fn counted(
    counts: BTreeMap<Option<String>, u32>,
    names: &HashMap<String, String>,
) -> Vec<LocationCount> {
    let mut locations: Vec<LocationCount> = counts
        .into_iter()
        .map(|(id, count)| LocationCount {
            name: match &id {
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                None => "Unassigned".to_owned(),
            },
            location_id: id,
            count,
        })
        .collect();
    for (id, name) in names {
        if !locations
            .iter()
            .any(|l| l.location_id.as_deref() == Some(id))
        {
            locations.push(LocationCount {
                location_id: Some(id.clone()),
                name: name.clone(),
                count: 0,
            });
        }
    }
    // Stores by name, the unassigned devices last.
    locations.sort_by(|a, b| {
        (a.location_id.is_none())
            .cmp(&b.location_id.is_none())
            .then_with(|| name_order::compare(&a.name, &b.name))
    });
    locations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_panel_lists_stores_in_name_order_and_unassigned_last() {
        let names = HashMap::from([
            ("loc_a".to_owned(), "Bergen Galleriet 10".to_owned()),
            ("loc_b".to_owned(), "bergen galleriet 2".to_owned()),
            ("loc_c".to_owned(), "Arendal".to_owned()),
        ]);
        let counts = BTreeMap::from([
            (None, 4),
            (Some("loc_a".to_owned()), 2),
            (Some("loc_b".to_owned()), 1),
        ]);
        let listed: Vec<(String, u32)> = counted(counts, &names)
            .into_iter()
            .map(|l| (l.name, l.count))
            .collect();
        assert_eq!(
            listed,
            [
                ("Arendal".to_owned(), 0),
                ("bergen galleriet 2".to_owned(), 1),
                ("Bergen Galleriet 10".to_owned(), 2),
                ("Unassigned".to_owned(), 4),
            ]
        );
    }
}
