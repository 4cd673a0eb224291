//! Latency percentiles (nearest rank) in milliseconds.

use std::time::Duration;

/// p50, p95, p99 and the maximum of a sample, in milliseconds (all 0 for an empty sample).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Percentiles {
    /// Sorts `sample` in place and reads the nearest-rank percentiles.
    pub fn of(sample: &mut [Duration]) -> Self {
        sample.sort_unstable();
        let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        Self {
            p50_ms: ms(sample.get(rank(sample.len(), 50))),
            p95_ms: ms(sample.get(rank(sample.len(), 95))),
            p99_ms: ms(sample.get(rank(sample.len(), 99))),
            max_ms: ms(sample.last()),
        }
    }
}

/// Index of the nearest-rank `pct` percentile in a sorted sample of `n` (`ceil(pct/100 · n) - 1`).
fn rank(n: usize, pct: usize) -> usize {
    (n * pct).div_ceil(100).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut sample: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let p = Percentiles::of(&mut sample);
        assert!((p.p50_ms - 50.0).abs() < 1e-9);
        assert!((p.p95_ms - 95.0).abs() < 1e-9);
        assert!((p.p99_ms - 99.0).abs() < 1e-9);
        assert!((p.max_ms - 100.0).abs() < 1e-9);
        let mut one = vec![Duration::from_millis(7)];
        assert!((Percentiles::of(&mut one).p99_ms - 7.0).abs() < 1e-9);
        assert_eq!(Percentiles::of(&mut []).p50_ms, 0.0);
    }
}
