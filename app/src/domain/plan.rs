//! The building plan of `/buscar`: where each visitor spot is drawn.
//!
//! A plan is [`PLAN_WIDTH`] × [`PLAN_HEIGHT`] units; every spot is a [`SPOT_WIDTH`] ×
//! [`SPOT_HEIGHT`] box centred on its position. Admins place spots (`visitor_spots.map_x/map_y`,
//! the box centre) anywhere the whole box stays on the plan; the database refuses two boxes that
//! overlap (`visitor_spots_map_no_overlap`, the same rule as [`overlaps`]). Spots nobody placed
//! are laid out by [`layout`] in the free cells of a grid, so no two boxes ever overlap.

use super::inventory::FieldProblem;
use serde::{Deserialize, Serialize};

/// Width of the plan, in plan units.
pub const PLAN_WIDTH: i32 = 1000;
/// Height of the plan as admins place spots on it (the layout may add rows below).
pub const PLAN_HEIGHT: i32 = 600;
/// Width of a spot's box.
pub const SPOT_WIDTH: i32 = 80;
/// Height of a spot's box.
pub const SPOT_HEIGHT: i32 = 60;
/// Smallest and largest x of a box centre that keeps the box on the plan.
pub const X_RANGE: (i32, i32) = (SPOT_WIDTH / 2, PLAN_WIDTH - SPOT_WIDTH / 2);
/// Smallest and largest y of a box centre that keeps the box on the plan.
pub const Y_RANGE: (i32, i32) = (SPOT_HEIGHT / 2, PLAN_HEIGHT - SPOT_HEIGHT / 2);
/// The layout grid: one cell per unplaced spot, a box centred in each cell.
const CELL_WIDTH: i32 = 100;
/// Height of a layout cell.
const CELL_HEIGHT: i32 = 80;

/// The centre of a spot's box on the plan, inside the plan's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// Horizontal centre, in [`X_RANGE`].
    pub x: i32,
    /// Vertical centre, in [`Y_RANGE`].
    pub y: i32,
}

impl Position {
    /// A position, if its box lies wholly on the plan.
    pub fn new(x: i32, y: i32) -> Option<Self> {
        let inside = (X_RANGE.0..=X_RANGE.1).contains(&x) && (Y_RANGE.0..=Y_RANGE.1).contains(&y);
        inside.then_some(Self { x, y })
    }

    /// Reads the admin's two fields (`map_x`, `map_y`). Both empty takes the spot off the plan
    /// (`Ok(None)`: the layout places it); otherwise both must be whole numbers within bounds.
    pub fn parse(x: &str, y: &str) -> Result<Option<Self>, Vec<FieldProblem>> {
        let (x, y) = (x.trim(), y.trim());
        if x.is_empty() && y.is_empty() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        let x = coordinate(&mut problems, "map_x", "La posición horizontal (x)", x, X_RANGE);
        let y = coordinate(&mut problems, "map_y", "La posición vertical (y)", y, Y_RANGE);
        match (x, y) {
            (Some(x), Some(y)) if problems.is_empty() => Ok(Some(Self { x, y })),
            _ => Err(problems),
        }
    }
}

/// One coordinate within `range`, or a problem for `field`.
fn coordinate(problems: &mut Vec<FieldProblem>, field: &'static str, what: &str, raw: &str, range: (i32, i32)) -> Option<i32> {
    let message = if raw.is_empty() {
        format!("{what} falta: escribe ambas coordenadas, o deja las dos vacías para quitarlo del plano.")
    } else {
        format!("{what} debe ser un número entero entre {} y {}.", range.0, range.1)
    };
    // At most 6 characters: a longer "number" is never in range and is not worth parsing.
    match raw.parse::<i32>() {
        Ok(n) if raw.len() <= 6 && (range.0..=range.1).contains(&n) => Some(n),
        _ => {
            problems.push((field, message));
            None
        }
    }
}

/// Whether the boxes centred on `a` and `b` overlap (boxes that only touch do not).
pub fn overlaps(a: Position, b: Position) -> bool {
    (a.x - b.x).abs() < SPOT_WIDTH && (a.y - b.y).abs() < SPOT_HEIGHT
}

/// Where every spot is drawn, and how big the drawing is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLayout {
    /// Plan width (always [`PLAN_WIDTH`]).
    pub width: i32,
    /// Plan height: [`PLAN_HEIGHT`], plus whole rows of cells when the plan is too full to lay
    /// out every unplaced spot on it.
    pub height: i32,
    /// Box centres, in the order of the input.
    pub centres: Vec<(i32, i32)>,
}

/// Lays out a building's spots: a placed spot (`Some`) keeps its position, unless it is off the
/// plan or overlaps a placed spot earlier in the list (data older than the database rule), in
/// which case it is treated as unplaced. Unplaced spots take, in order, the free cells of a
/// 100 × 80 grid — row by row, skipping any cell whose box would overlap a box already drawn —
/// and when the plan has no free cell left, the plan grows by whole rows below.
pub fn layout(spots: &[Option<(i32, i32)>]) -> PlanLayout {
    let mut drawn: Vec<Position> = Vec::with_capacity(spots.len());
    let mut centres: Vec<Option<Position>> = Vec::with_capacity(spots.len());
    for spot in spots {
        let kept = spot.and_then(|(x, y)| Position::new(x, y)).filter(|p| !drawn.iter().any(|d| overlaps(*d, *p)));
        if let Some(p) = kept {
            drawn.push(p);
        }
        centres.push(kept);
    }
    let columns = PLAN_WIDTH / CELL_WIDTH;
    let mut height = PLAN_HEIGHT;
    let mut cell = 0;
    let mut out = Vec::with_capacity(spots.len());
    for kept in centres {
        let p = match kept {
            Some(p) => p,
            None => loop {
                let (column, row) = (cell % columns, cell / columns);
                cell += 1;
                let candidate = Position { x: column * CELL_WIDTH + CELL_WIDTH / 2, y: row * CELL_HEIGHT + CELL_HEIGHT / 2 };
                if drawn.iter().any(|d| overlaps(*d, candidate)) {
                    continue;
                }
                // Rows below the placeable area extend the plan; rows inside it must fit it.
                let bottom = candidate.y + SPOT_HEIGHT / 2;
                if bottom > PLAN_HEIGHT {
                    height = height.max(bottom + (CELL_HEIGHT - SPOT_HEIGHT) / 2);
                }
                drawn.push(candidate);
                break candidate;
            },
        };
        out.push((p.x, p.y));
    }
    PlanLayout { width: PLAN_WIDTH, height, centres: out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_positions_within_the_plan() {
        assert_eq!(Position::parse("40", "30"), Ok(Some(Position { x: 40, y: 30 })));
        assert_eq!(Position::parse(" 960 ", "570"), Ok(Some(Position { x: 960, y: 570 })));
        assert_eq!(Position::parse("", "  "), Ok(None));
    }

    #[test]
    fn refuses_out_of_range_garbage_and_half_positions() {
        for (x, y, fields) in [
            ("39", "100", vec!["map_x"]),
            ("961", "100", vec!["map_x"]),
            ("500", "29", vec!["map_y"]),
            ("500", "571", vec!["map_y"]),
            ("-0x10", "abc", vec!["map_x", "map_y"]),
            ("1e3", "100", vec!["map_x"]),
            ("99999999999999999999", "100", vec!["map_x"]),
            ("00000000500", "100", vec!["map_x"]),
            ("12.5", "100", vec!["map_x"]),
            ("500", "", vec!["map_y"]),
            ("", "300", vec!["map_x"]),
        ] {
            let problems = Position::parse(x, y).expect_err(&format!("{x:?}, {y:?}"));
            assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), fields, "{x:?}, {y:?}");
            assert!(problems.iter().all(|p| p.1.starts_with("La posición")), "{problems:?}");
        }
    }

    #[test]
    fn boxes_that_touch_do_not_overlap() {
        let a = Position { x: 100, y: 100 };
        assert!(!overlaps(a, Position { x: 180, y: 100 }));
        assert!(overlaps(a, Position { x: 179, y: 100 }));
        assert!(!overlaps(a, Position { x: 100, y: 160 }));
        assert!(overlaps(a, Position { x: 179, y: 159 }));
    }

    #[test]
    fn a_dozen_unplaced_spots_get_distinct_cells_around_placed_ones() {
        let mut spots = vec![Some((150, 150)), Some((350, 150))];
        spots.extend(std::iter::repeat_n(None, 12));
        let plan = layout(&spots);
        assert_eq!(plan.centres[0], (150, 150));
        assert_eq!(plan.centres[1], (350, 150));
        assert_eq!(plan.height, PLAN_HEIGHT);
        // The first row is free of the placed boxes: ten cells across.
        assert_eq!(&plan.centres[2..4], &[(50, 40), (150, 40)]);
    }

    #[test]
    fn a_full_plan_grows_downwards() {
        let plan = layout(&vec![None; 85]);
        // Seventy cells fit the plan; the next rows (centres at 600 and 680) extend it.
        assert_eq!(plan.centres[69], (950, 520));
        assert_eq!(plan.centres[70], (50, 600));
        assert_eq!(plan.centres[84], (450, 680));
        assert_eq!(plan.height, 720);
    }

    #[test]
    fn stale_overlapping_or_outside_positions_are_laid_out_again() {
        let plan = layout(&[Some((500, 300)), Some((510, 310)), Some((5, 5)), Some((500, 300))]);
        assert_eq!(plan.centres[0], (500, 300));
        assert_ne!(plan.centres[1], (510, 310));
        assert_ne!(plan.centres[2], (5, 5));
        assert_ne!(plan.centres[3], (500, 300));
    }

    fn arb_spot() -> impl Strategy<Value = Option<(i32, i32)>> {
        prop_oneof![
            Just(None),
            (X_RANGE.0..=X_RANGE.1, Y_RANGE.0..=Y_RANGE.1).prop_map(Some),
            (-200..11_000i32, -200..11_000i32).prop_map(Some),
        ]
    }

    proptest! {
        #[test]
        fn no_two_boxes_overlap_and_all_are_inside_the_plan(spots in prop::collection::vec(arb_spot(), 0..120)) {
            let plan = layout(&spots);
            prop_assert_eq!(plan.centres.len(), spots.len());
            prop_assert_eq!(plan.width, PLAN_WIDTH);
            prop_assert!(plan.height >= PLAN_HEIGHT);
            for (i, &(x, y)) in plan.centres.iter().enumerate() {
                prop_assert!(x - SPOT_WIDTH / 2 >= 0 && x + SPOT_WIDTH / 2 <= plan.width, "{:?}", (x, y));
                prop_assert!(y - SPOT_HEIGHT / 2 >= 0 && y + SPOT_HEIGHT / 2 <= plan.height, "{:?}", (x, y));
                for &(ox, oy) in &plan.centres[..i] {
                    prop_assert!(!overlaps(Position { x, y }, Position { x: ox, y: oy }), "{:?} overlaps {:?}", (x, y), (ox, oy));
                }
            }
        }

        #[test]
        fn valid_placed_spots_keep_their_position(spots in prop::collection::vec(arb_spot(), 0..60)) {
            let plan = layout(&spots);
            let mut kept: Vec<Position> = Vec::new();
            for (spot, centre) in spots.iter().zip(&plan.centres) {
                if let Some(p) = spot.and_then(|(x, y)| Position::new(x, y)) {
                    if !kept.iter().any(|k| overlaps(*k, p)) {
                        prop_assert_eq!(*centre, (p.x, p.y));
                        kept.push(p);
                    }
                }
            }
        }

        #[test]
        fn parse_accepts_exactly_the_plan(x in -100..1100i32, y in -100..700i32) {
            let parsed = Position::parse(&x.to_string(), &y.to_string());
            let inside = (X_RANGE.0..=X_RANGE.1).contains(&x) && (Y_RANGE.0..=Y_RANGE.1).contains(&y);
            prop_assert_eq!(parsed.is_ok(), inside);
            if inside {
                prop_assert_eq!(parsed, Ok(Some(Position { x, y })));
            }
        }

        #[test]
        fn parse_never_panics(x in ".{0,12}", y in ".{0,12}") {
            let _ = Position::parse(&x, &y);
        }
    }
}
