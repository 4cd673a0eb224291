//! Identity screens.

pub mod approvals;
pub mod login;
pub mod reset;
pub mod signup;
