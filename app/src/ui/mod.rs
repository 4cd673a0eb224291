//! Shared components: the page layout, the 404 page and small building blocks every area uses.

pub mod admin;
pub mod errors;
pub mod form;
pub mod layout;
pub mod live;
pub mod not_found;
pub mod pager;
pub mod shell;
