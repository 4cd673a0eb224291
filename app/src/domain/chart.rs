//! Geometry of the server-rendered bar charts: the value scale and where each bar goes, in whole
//! SVG user units. Integers only, so the SVG text is stable and no rounding can push a bar out
//! of the plot area (the property tests check exactly that).

use serde::{Deserialize, Serialize};

/// The rectangle the bars are drawn in, in SVG user units (axes and labels go outside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plot {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Plot {
    /// The bottom edge (the baseline bars stand on).
    pub const fn bottom(self) -> u32 {
        self.top.saturating_add(self.height)
    }

    /// The right edge.
    pub const fn right(self) -> u32 {
        self.left.saturating_add(self.width)
    }
}

/// The value at the top of the plot: a "round" number (1, 2 or 5 times a power of ten) at or
/// above the largest value, or a fixed maximum (100 % for shares). Never zero, so all-zero data
/// draws flat bars instead of dividing by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    max: u64,
}

impl Scale {
    /// A fixed scale from 0 to `max` (at least 1); values above it are drawn at the top.
    pub const fn fixed(max: u64) -> Self {
        Self { max: if max == 0 { 1 } else { max } }
    }

    /// The smallest round number (1, 2, 5 × 10ⁿ) at or above every value; 1 for empty or
    /// all-zero data.
    pub fn for_values(values: &[u64]) -> Self {
        let top = values.iter().copied().max().unwrap_or(0);
        let mut step: u64 = 1;
        loop {
            for factor in [1u64, 2, 5] {
                match step.checked_mul(factor) {
                    Some(candidate) if candidate >= top => return Self { max: candidate },
                    Some(_) => {}
                    None => return Self { max: u64::MAX },
                }
            }
            match step.checked_mul(10) {
                Some(next) => step = next,
                None => return Self { max: u64::MAX },
            }
        }
    }

    /// The value at the top of the plot.
    pub const fn max(self) -> u64 {
        self.max
    }

    /// Gridline values: 0, the middle when it is a whole number, and the top.
    pub fn ticks(self) -> Vec<u64> {
        if self.max.is_multiple_of(2) {
            vec![0, self.max / 2, self.max]
        } else {
            vec![0, self.max]
        }
    }

    /// The height in user units of `value` in a plot `height` tall (capped at `height`).
    pub fn length(self, value: u64, height: u32) -> u32 {
        let capped = u128::from(value.min(self.max));
        let scaled = capped * u128::from(height) / u128::from(self.max);
        u32::try_from(scaled).unwrap_or(height)
    }

    /// The y coordinate of a gridline at `value` in `plot`.
    pub fn y(self, value: u64, plot: Plot) -> u32 {
        plot.bottom().saturating_sub(self.length(value, plot.height))
    }
}

/// One bar, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height (0 for a zero value).
    pub height: u32,
}

impl Bar {
    /// The horizontal centre (for the label under the bar).
    pub const fn centre(self) -> u32 {
        self.x + self.width / 2
    }
}

/// Lays `values` out as bars in equal slots across `plot`, standing on its bottom edge, with a
/// gap of a fifth of the slot between neighbours. Many values in a narrow plot give zero-width
/// bars rather than bars outside the plot.
pub fn bars(values: &[u64], scale: Scale, plot: Plot) -> Vec<Bar> {
    let n = u32::try_from(values.len()).unwrap_or(u32::MAX);
    if n == 0 {
        return Vec::new();
    }
    let slot = plot.width / n;
    let gap = slot / 5;
    let width = slot - gap;
    values
        .iter()
        .zip(0u32..)
        .map(|(value, i)| {
            let height = scale.length(*value, plot.height);
            Bar { x: plot.left + i * slot + gap / 2, y: plot.bottom() - height, width, height }
        })
        .collect()
}

/// Which bar indexes get a label under the x axis: the first, the last and a few evenly spaced
/// between, so 90 daily labels do not overlap.
pub fn label_indexes(count: usize, max_labels: usize) -> Vec<usize> {
    if count == 0 || max_labels == 0 {
        return Vec::new();
    }
    if count <= max_labels {
        return (0..count).collect();
    }
    let last = count - 1;
    let gaps = max_labels.saturating_sub(1).max(1);
    let mut out: Vec<usize> = (0..=gaps).map(|k| k * last / gaps).collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PLOT: Plot = Plot { left: 40, top: 10, width: 600, height: 200 };

    #[test]
    fn scales_round_up_to_1_2_5() {
        assert_eq!(Scale::for_values(&[]).max(), 1);
        assert_eq!(Scale::for_values(&[0, 0, 0]).max(), 1);
        assert_eq!(Scale::for_values(&[1]).max(), 1);
        assert_eq!(Scale::for_values(&[3]).max(), 5);
        assert_eq!(Scale::for_values(&[7, 2]).max(), 10);
        assert_eq!(Scale::for_values(&[12_500]).max(), 20_000);
        assert_eq!(Scale::for_values(&[50_000]).max(), 50_000);
        assert_eq!(Scale::for_values(&[u64::MAX]).max(), u64::MAX);
        assert_eq!(Scale::fixed(0).max(), 1);
        assert_eq!(Scale::fixed(10_000).ticks(), [0, 5_000, 10_000]);
        assert_eq!(Scale::fixed(5).ticks(), [0, 5]);
    }

    #[test]
    fn all_zero_data_draws_flat_bars_on_the_baseline() {
        let b = bars(&[0, 0], Scale::for_values(&[0, 0]), PLOT);
        assert_eq!(b.len(), 2);
        assert!(b.iter().all(|b| b.height == 0 && b.y == PLOT.bottom()));
    }

    #[test]
    fn bars_are_proportional_and_in_slots() {
        let b = bars(&[5, 10], Scale::fixed(10), PLOT);
        assert_eq!(b[0], Bar { x: 40 + 30, y: 110, width: 240, height: 100 });
        assert_eq!(b[1], Bar { x: 40 + 300 + 30, y: 10, width: 240, height: 200 });
        assert_eq!(Scale::fixed(10).y(5, PLOT), 110);
    }

    #[test]
    fn labels_are_spread_and_include_both_ends() {
        assert_eq!(label_indexes(0, 5), Vec::<usize>::new());
        assert_eq!(label_indexes(3, 5), [0, 1, 2]);
        assert_eq!(label_indexes(30, 5), [0, 7, 14, 21, 29]);
        assert_eq!(label_indexes(24, 1), [0, 23]);
    }

    proptest! {
        #[test]
        fn bars_never_leave_the_plot(
            values in proptest::collection::vec(any::<u64>(), 0..200),
            left in 0u32..1000, top in 0u32..1000, width in 1u32..2000, height in 1u32..2000,
            fixed in proptest::option::of(0u64..1_000_000),
        ) {
            let plot = Plot { left, top, width, height };
            let scale = fixed.map_or_else(|| Scale::for_values(&values), Scale::fixed);
            let drawn = bars(&values, scale, plot);
            prop_assert_eq!(drawn.len(), values.len());
            for (bar, value) in drawn.iter().zip(&values) {
                prop_assert!(bar.x >= plot.left);
                prop_assert!(bar.x + bar.width <= plot.right());
                prop_assert!(bar.y >= plot.top);
                prop_assert_eq!(bar.y + bar.height, plot.bottom());
                prop_assert!(bar.height <= plot.height);
                if *value >= scale.max() {
                    prop_assert_eq!(bar.height, plot.height);
                }
            }
            // Bars do not overlap one another.
            for pair in drawn.windows(2) {
                prop_assert!(pair[0].x + pair[0].width <= pair[1].x || pair[0].width == 0);
            }
        }

        #[test]
        fn the_scale_covers_every_value(values in proptest::collection::vec(any::<u64>(), 0..50)) {
            let scale = Scale::for_values(&values);
            prop_assert!(scale.max() >= 1);
            prop_assert!(values.iter().all(|v| *v <= scale.max()));
        }

        #[test]
        fn label_indexes_stay_in_range(count in 0usize..500, max in 0usize..20) {
            let idx = label_indexes(count, max);
            prop_assert!(idx.iter().all(|i| *i < count));
            prop_assert!(idx.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
