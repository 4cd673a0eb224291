//! What each concierge types at the gate, and the verdict each entry must get.
//!
//! Candidates come from the database at the start of the run, chosen so their verdict cannot
//! change while the run lasts (a few minutes): cars inside, or confirmed bookings whose window is
//! open and stays open past the sweeps' grace, are allowed; plates whose bookings of the last day
//! and the next hours are all finished, cancelled or hours away are denied with the booking
//! shown; unknown plates and other buildings' plates are denied with nothing shown. The gate's
//! own ordering of several bookings of one plate is not re-implemented here: each candidate is
//! picked so every booking the gate could consider leads to the same verdict.

use super::spell::{spell_code, spell_plate};
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The verdict a verification must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `verify_allowed`.
    Allowed,
    /// `verify_denied`, naming the booking it found (not yet, finished, cancelled…).
    DeniedWithBooking,
    /// `verify_denied` with no booking: nothing of this building matches.
    DeniedNothing,
}

/// Kinds of entry, in the order of [`PATTERN`]'s letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A plate with a car inside or an open window, in one of six spellings.
    AllowedPlate,
    /// The confirmation code of such a booking.
    AllowedCode,
    /// A plate whose bookings are all finished, cancelled or hours ahead.
    DeniedPlate,
    /// The code of a booking that ended within the day, was cancelled, or is hours ahead.
    DeniedCode,
    /// A well-formed plate nobody booked anywhere.
    UnknownPlate,
    /// A plate with a car inside another building.
    OtherBuildingPlate,
}

impl Kind {
    /// Name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AllowedPlate => "allowed_plate",
            Kind::AllowedCode => "allowed_code",
            Kind::DeniedPlate => "denied_plate",
            Kind::DeniedCode => "denied_code",
            Kind::UnknownPlate => "unknown_plate",
            Kind::OtherBuildingPlate => "other_building_plate",
        }
    }
}

/// One verification: what is typed, and what must come back.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What kind of entry.
    pub kind: Kind,
    /// The text in the gate's input.
    pub query: String,
    /// The verdict it must get.
    pub expect: Expect,
}

/// Twenty verifications at a gate: about half cars that have a booking now (by plate, some by
/// code), a sixth with a booking that is not for now, a fifth unknown plates, a tenth plates of
/// other buildings.
const PATTERN: &[u8; 20] = b"AADAUAAOCAUAADAUCOUD";

/// Candidates of one building.
#[derive(Debug, Default)]
struct Candidates {
    allowed_plates: Vec<String>,
    allowed_codes: Vec<String>,
    denied_plates: Vec<String>,
    denied_codes: Vec<String>,
}

/// Every building's candidates, and plates nobody booked.
pub struct Mixer {
    by_building: BTreeMap<Uuid, Candidates>,
    unknown: Vec<String>,
}

impl Mixer {
    /// Reads every building's candidates and finds plates no booking uses.
    pub async fn load(pool: &PgPool) -> anyhow::Result<Self> {
        let mut by_building: BTreeMap<Uuid, Candidates> = BTreeMap::new();
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(CANDIDATES).fetch_all(pool).await?;
        for (building, kind, value) in rows {
            let c = by_building.entry(building).or_default();
            match kind.as_str() {
                "allowed_plate" => c.allowed_plates.push(value),
                "allowed_code" => c.allowed_codes.push(value),
                "denied_plate" => c.denied_plates.push(value),
                _ => c.denied_codes.push(value),
            }
        }
        Ok(Self { by_building, unknown: unknown_plates(pool, 4000).await? })
    }

    /// `count` entries for the concierge of `building`, starting at `offset` in the pattern (so
    /// concierges do not type in lockstep); `other` is a different building whose cars inside
    /// give the foreign plates. Entries of a kind the building has no candidate for
    /// (no car inside at the moment, say) become unknown plates.
    pub fn entries(&self, building: Uuid, other: Uuid, count: usize, offset: usize) -> Vec<Entry> {
        let empty = Candidates::default();
        let own = self.by_building.get(&building).unwrap_or(&empty);
        let foreign = &self.by_building.get(&other).unwrap_or(&empty).allowed_plates;
        let mut seen: BTreeMap<Kind, usize> = BTreeMap::new();
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let slot = PATTERN.get((i + offset) % PATTERN.len()).copied().unwrap_or(b'U');
            let (kind, values, expect) = match slot {
                b'A' => (Kind::AllowedPlate, &own.allowed_plates, Expect::Allowed),
                b'C' => (Kind::AllowedCode, &own.allowed_codes, Expect::Allowed),
                b'D' if i % 2 == 0 => (Kind::DeniedPlate, &own.denied_plates, Expect::DeniedWithBooking),
                b'D' => (Kind::DeniedCode, &own.denied_codes, Expect::DeniedWithBooking),
                b'O' => (Kind::OtherBuildingPlate, foreign, Expect::DeniedNothing),
                _ => (Kind::UnknownPlate, &self.unknown, Expect::DeniedNothing),
            };
            let (kind, values, expect) = if values.is_empty() {
                (Kind::UnknownPlate, &self.unknown, Expect::DeniedNothing)
            } else {
                (kind, values, expect)
            };
            let n = seen.entry(kind).or_default();
            // Unknown plates are shared by every concierge: spread them by building offset.
            let pick = if kind == Kind::UnknownPlate { *n + offset * 37 } else { *n };
            *n += 1;
            let Some(value) = values.get(pick % values.len().max(1)) else { continue };
            let query = match kind {
                Kind::AllowedCode | Kind::DeniedCode => spell_code(value, *n),
                _ => spell_plate(value, *n + offset),
            };
            out.push(Entry { kind, query, expect });
        }
        out
    }
}

/// Per building: plates and codes with a stable verdict (see the module comment). `$1` margins:
/// one hour around the gate's "ended within the last day" cut, two hours before a future start,
/// and the no-show grace must outlast a quarter of an hour from now.
const CANDIDATES: &str = "
with k as (
    select k.building_id, k.visitor_plate as plate, k.confirmation_code as code, k.status, k.starts_at, k.ends_at,
           (k.status in ('checked_in', 'overstay')
            or (k.status = 'confirmed' and k.starts_at - interval '15 minutes' <= now()
                and k.ends_at > now() + interval '1 hour'
                and (not b.no_show_enabled
                     or k.starts_at + make_interval(mins => b.no_show_grace_minutes) > now() + interval '15 minutes')))
               as allowed,
           (k.status in ('checked_out', 'completed', 'no_show', 'cancelled')
            or (k.status = 'confirmed' and k.starts_at > now() + interval '2 hours')) as settled
      from bookings k join buildings b on b.id = k.building_id
     where k.ends_at > now() - interval '1 day' - interval '1 hour'
), plates as (
    select building_id, plate, bool_or(allowed) as any_allowed, bool_and(settled) as all_settled,
           bool_or(ends_at > now() - interval '1 day' + interval '1 hour') as stays_found
      from k group by building_id, plate
)
select building_id, 'allowed_plate', plate from plates where any_allowed
union all
select building_id, 'denied_plate', plate from plates where all_settled and stays_found
union all
select building_id, 'allowed_code', code from k where allowed
union all
select building_id, 'denied_code', code from k
 where settled and not allowed and ends_at > now() - interval '1 day' + interval '1 hour'
order by 1, 2, 3";

/// Up to `want` well-formed current-format plates no booking of any building uses.
async fn unknown_plates(pool: &PgPool, want: usize) -> anyhow::Result<Vec<String>> {
    const LETTERS: &[u8] = b"BCDFGHJKLPRSTVWXYZ";
    // A fixed linear congruential sequence: the same candidates every run.
    let mut state: u64 = 0x2026_1128;
    let mut candidates = BTreeSet::new();
    while candidates.len() < want * 2 {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let mut x = state >> 16;
        let mut plate = String::with_capacity(6);
        for _ in 0..4 {
            let i = usize::try_from(x % 18)?;
            plate.push(char::from(LETTERS.get(i).copied().unwrap_or(b'B')));
            x /= 18;
        }
        plate.push_str(&format!("{:02}", x % 100));
        candidates.insert(plate);
    }
    let candidates: Vec<String> = candidates.into_iter().collect();
    let mut free: Vec<String> = sqlx::query_scalar(
        "select p from unnest($1::text[]) p except select visitor_plate from bookings where visitor_plate is not null",
    )
    .bind(&candidates)
    .fetch_all(pool)
    .await?;
    free.sort();
    free.truncate(want);
    anyhow::ensure!(!free.is_empty(), "no unknown plates found");
    Ok(free)
}
