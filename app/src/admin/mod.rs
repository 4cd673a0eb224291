//! Administration screens. The landing page links to every tool the caller's role may use.

pub mod pages;
