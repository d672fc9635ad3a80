//! Typed client for the Kustom In-Person Payments API (`/ipp/v1`).
