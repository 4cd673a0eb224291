//! Shared components: the page layout, the 404 page and small building blocks every area uses.

pub mod errors;
pub mod form;
pub mod layout;
pub mod live;
pub mod not_found;
