//! A resident's frequent visitors: how many they may save, how the booking form refers to one
//! (in a link, so it works without JavaScript), and which five it offers.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// Saved visitors per resident.
pub const MAX_PER_RESIDENT: i64 = 50;

/// The refusal when the list is full.
pub const LIMIT_MESSAGE: &str = "Ya tienes 50 visitas guardadas, el máximo. Elimina alguna que ya no uses para agregar otra.";

/// The refusal of a second entry with the same plate.
pub const DUPLICATE_PLATE_MESSAGE: &str = "Ya tienes una visita guardada con esa patente. Edítala en vez de agregar otra.";

/// How many recent visitors the booking form offers.
pub const RECENT_COUNT: usize = 5;

/// Where a prefill comes from: a saved visitor, or the visitor of one of the resident's own
/// earlier bookings. Travels in the booking form's link as `v-<uuid>` / `r-<uuid>` (ids only,
/// never a name or a plate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitorRef {
    /// `frequent_visitors.id`.
    Saved(Uuid),
    /// `bookings.id`.
    Booking(Uuid),
}

impl VisitorRef {
    /// Reads `v-<uuid>` or `r-<uuid>`; anything else is `None`.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        let (kind, id) = input.split_once('-')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "v" => Some(Self::Saved(id)),
            "r" => Some(Self::Booking(id)),
            _ => None,
        }
    }

    /// The link form, the inverse of [`VisitorRef::parse`].
    pub fn encode(&self) -> String {
        match self {
            Self::Saved(id) => format!("v-{id}"),
            Self::Booking(id) => format!("r-{id}"),
        }
    }
}

/// A visitor the booking form could offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it comes from.
    pub reference: VisitorRef,
    /// Name as stored.
    pub name: String,
    /// Canonical plate (`KHJT52`): two candidates with one plate are one visitor.
    pub plate: String,
    /// When this visitor was last booked for (or saved, if never booked).
    pub used_at: DateTime<Utc>,
}

/// The `n` most recently used visitors, one per plate. A saved visitor wins over an earlier
/// booking's copy of the same plate (the resident may have corrected the name or phone since),
/// but the plate's recency is the latest of both.
pub fn recent(saved: Vec<Candidate>, booked: Vec<Candidate>, n: usize) -> Vec<Candidate> {
    let mut by_plate: HashMap<String, Candidate> = HashMap::new();
    for c in booked.into_iter().chain(saved) {
        match by_plate.get_mut(&c.plate) {
            None => {
                by_plate.insert(c.plate.clone(), c);
            }
            Some(kept) => {
                let used_at = kept.used_at.max(c.used_at);
                let prefer_new = matches!(c.reference, VisitorRef::Saved(_))
                    || (matches!(kept.reference, VisitorRef::Booking(_)) && c.used_at > kept.used_at);
                if prefer_new {
                    *kept = c;
                }
                kept.used_at = used_at;
            }
        }
    }
    let mut all: Vec<Candidate> = by_plate.into_values().collect();
    // Plate as a tie-break so the order never depends on hashing.
    all.sort_by(|a, b| b.used_at.cmp(&a.used_at).then_with(|| a.plate.cmp(&b.plate)));
    all.truncate(n);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn c(reference: VisitorRef, name: &str, plate: &str, minute: u32) -> Candidate {
        Candidate {
            reference,
            name: name.into(),
            plate: plate.into(),
            used_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap(),
        }
    }

    #[test]
    fn references_round_trip_and_reject_anything_else() {
        let id = Uuid::new_v4();
        for r in [VisitorRef::Saved(id), VisitorRef::Booking(id)] {
            assert_eq!(VisitorRef::parse(&r.encode()), Some(r));
        }
        for bad in [
            "",
            "v-",
            "x-",
            "v-123",
            "x-0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b",
            "v0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b",
            "'; drop table",
        ] {
            assert_eq!(VisitorRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn saved_wins_over_a_booking_of_the_same_plate_with_the_latest_recency() {
        let (s, b1, b2) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let out = recent(
            vec![c(VisitorRef::Saved(s), "Ana Pérez", "KHJT52", 1)],
            vec![c(VisitorRef::Booking(b1), "Ana P", "KHJT52", 30), c(VisitorRef::Booking(b2), "Luis Soto", "AB1234", 20)],
            5,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].reference, VisitorRef::Saved(s));
        assert_eq!(out[0].name, "Ana Pérez");
        assert_eq!(out[0].used_at, c(VisitorRef::Saved(s), "", "", 30).used_at);
        assert_eq!(out[1].plate, "AB1234");
    }

    #[test]
    fn the_latest_booking_of_a_plate_is_the_one_offered() {
        let (old, new) = (Uuid::new_v4(), Uuid::new_v4());
        let out = recent(
            vec![],
            vec![c(VisitorRef::Booking(old), "Viejo", "KHJT52", 1), c(VisitorRef::Booking(new), "Nuevo", "KHJT52", 9)],
            5,
        );
        assert_eq!(out, vec![c(VisitorRef::Booking(new), "Nuevo", "KHJT52", 9)]);
    }

    proptest! {
        /// At most `n`, one per plate, newest first; every plate offered is among the inputs'
        /// newest plates.
        #[test]
        fn at_most_n_unique_plates_newest_first(
            saved in prop::collection::vec((0u8..8, 0u32..60), 0..20),
            booked in prop::collection::vec((0u8..8, 0u32..60), 0..40),
            n in 0usize..7,
        ) {
            let mk = |items: &[(u8, u32)], saved: bool| -> Vec<Candidate> {
                items.iter().map(|(p, m)| {
                    let r = if saved { VisitorRef::Saved(Uuid::new_v4()) } else { VisitorRef::Booking(Uuid::new_v4()) };
                    c(r, "Nombre", &format!("ABCD{p:02}"), *m)
                }).collect()
            };
            let (s, b) = (mk(&saved, true), mk(&booked, false));
            let out = recent(s.clone(), b.clone(), n);
            let plates: std::collections::HashSet<_> = s.iter().chain(&b).map(|c| c.plate.clone()).collect();
            prop_assert_eq!(out.len(), n.min(plates.len()));
            let mut seen = std::collections::HashSet::new();
            for w in out.windows(2) {
                prop_assert!(w[0].used_at >= w[1].used_at);
            }
            for o in &out {
                prop_assert!(seen.insert(o.plate.clone()));
                let latest = s.iter().chain(&b).filter(|c| c.plate == o.plate).map(|c| c.used_at).max();
                prop_assert_eq!(Some(o.used_at), latest);
                // A plate that was saved is offered as the saved entry.
                if s.iter().any(|c| c.plate == o.plate) {
                    prop_assert!(matches!(o.reference, VisitorRef::Saved(_)));
                }
            }
        }
    }
}
