//! Booking screens.
