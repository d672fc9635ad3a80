//! Plans kept in Rust between a preview and its run: what the user saw is what runs.
//!
//! A rollout is created from the preview Fleetdesk parsed and checked (not from rows the webview
//! sends back), and a bulk action runs on the devices its dry run listed (not on whatever "all
//! matching" means a minute later). Each plan remembers the profile it was made for. Only the
//! latest few are kept.

use std::collections::VecDeque;

use parking_lot::Mutex;

/// Plans of one kind kept at once; older ones are forgotten (their preview must be made again).
const KEEP: usize = 16;

pub(crate) struct Kept<T> {
    items: Mutex<VecDeque<(String, T)>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
        }
    }
}

impl<T: Clone> Kept<T> {
    /// Keeps `value` and returns its id.
    pub fn keep(&self, value: T) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut items = self.items.lock();
        if items.len() == KEEP {
            items.pop_front();
        }
        items.push_back((id.clone(), value));
        id
    }

    /// Forgets every plan `belongs` says is of a deleted profile.
    pub fn forget_where(&self, belongs: impl Fn(&T) -> bool) {
        self.items.lock().retain(|(_, value)| !belongs(value));
    }

    /// Keeps a plan taken for a use that failed before doing anything, under its old id.
    pub fn put_back(&self, id: &str, value: T) {
        let mut items = self.items.lock();
        if items.len() == KEEP {
            items.pop_front();
        }
        items.push_back((id.to_owned(), value));
    }

    /// Removes and returns a plan (it is used once).
    pub fn take(&self, id: &str) -> Option<T> {
        let mut items = self.items.lock();
        let index = items.iter().position(|(kept, _)| kept == id)?;
        items.remove(index).map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_and_hands_each_out_once() {
        let kept: Kept<u32> = Kept::default();
        let ids: Vec<String> = (0..20).map(|n| kept.keep(n)).collect();
        assert_eq!(kept.take(&ids[0]), None, "the oldest are forgotten");
        assert_eq!(kept.take(&ids[19]), Some(19));
        assert_eq!(kept.take(&ids[19]), None, "a plan is handed out once");
        kept.put_back(&ids[19], 19);
        assert_eq!(
            kept.take(&ids[19]),
            Some(19),
            "a plan put back is there again"
        );
    }
}
