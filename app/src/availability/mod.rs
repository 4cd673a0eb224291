//! Availability: block templates and the blocks materialised from them (PRODUCT.md §3).
//!
//! A building's templates describe its daily blocks on the wall clock (*Día* 08:00 for 11 h,
//! *Noche* 20:00 for 11 h, optionally *Día completo* 08:00 for 23 h). A scheduled job turns them
//! into `availability_blocks` rows — real instants, per active spot, for the building's booking
//! horizon — which search shows and bookings claim.

#[cfg(feature = "ssr")]
pub mod ssr;

use crate::domain::money::Clp;
use crate::domain::schedule::BlockTemplate;
use serde::{Deserialize, Serialize};

/// The standard templates with their default base prices: *Día* and *Noche* at $5.000 (11 h),
/// *Día completo* at $8.000 (23 h).
pub fn standard_templates() -> [(BlockTemplate, Clp); 3] {
    [
        (BlockTemplate::day(), Clp::new(5_000)),
        (BlockTemplate::night(), Clp::new(5_000)),
        (BlockTemplate::full_day(), Clp::new(8_000)),
    ]
}

/// What one run of the block generator did. Stored as the job's JSON result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationReport {
    /// Active buildings visited.
    pub buildings: u64,
    /// Active spots of those buildings.
    pub spots: u64,
    /// Blocks inserted by this run (including the ones inserted as `blocked`).
    pub created: u64,
    /// Of `created`, blocks inserted as `blocked` because a spot closure overlaps them.
    pub created_blocked: u64,
    /// Blocks that already existed (an earlier run made them) and were left untouched.
    pub skipped_existing: u64,
    /// Buildings skipped because this build does not know their time zone (see the log).
    pub buildings_skipped: u64,
}
