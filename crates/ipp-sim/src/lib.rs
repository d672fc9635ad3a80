//! A local simulator of the Kustom In-Person Payments API.
