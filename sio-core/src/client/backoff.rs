//! The reconnection delay, exactly as `backo2` (the official client's)
//! computes it, and the small PRNG its jitter draws from.

use std::time::Duration;

/// splitmix64: a small, fast generator, seeded by the adapter. Not for
/// secrets: it only spreads reconnection delays.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1), as `Math.random()`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The delay before reconnection attempt `attempts + 1` (`attempts`
/// failed or started already since the last success), for the draw `r` in
/// [0, 1):
///
/// ```text
/// base  = delay * 2^attempts
/// if 0 < factor <= 1:
///     dev  = floor(r * factor * base)
///     base = floor(r * 10) even ? base - dev : base + dev
/// delay = min(base, max), truncated to whole milliseconds
/// ```
///
/// One draw gives both the size and the sign of the jitter, as in backo2.
/// The exponent is clamped (backo2's overflows to a 0 ms delay from the
/// 1016th attempt): the delay stays at `max` for ever.
pub(crate) fn delay_for(
    delay: Duration,
    max: Duration,
    factor: f64,
    attempts: u32,
    r: f64,
) -> Duration {
    let mut ms = delay.as_millis() as f64 * 2f64.powi(attempts.min(64) as i32);
    if factor > 0.0 && factor <= 1.0 {
        let deviation = (r * factor * ms).floor();
        ms = if ((r * 10.0).floor() as u64) & 1 == 0 {
            ms - deviation
        } else {
            ms + deviation
        };
    }
    let ms = ms.min(max.as_millis() as f64).max(0.0);
    // JavaScript's `| 0`: truncated to a 32-bit integer.
    Duration::from_millis(ms.min(f64::from(i32::MAX)) as u64)
}

/// The official client's backoff: attempts since the last success, and the
/// delay of the next one.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    pub(crate) attempts: u32,
    delay: Duration,
    max: Duration,
    factor: f64,
}

impl Backoff {
    /// A backoff with the client's options (0 ms delays fall back to the
    /// defaults, as the official `||` does).
    pub(crate) fn new(delay: Duration, max: Duration, factor: f64) -> Backoff {
        Backoff {
            attempts: 0,
            delay: if delay.is_zero() {
                Duration::from_millis(1000)
            } else {
                delay
            },
            max: if max.is_zero() {
                Duration::from_millis(5000)
            } else {
                max
            },
            factor,
        }
    }

    /// The next delay (one draw from `rng`); counts an attempt.
    pub(crate) fn duration(&mut self, rng: &mut Rng) -> Duration {
        let r = rng.next_f64();
        let d = delay_for(self.delay, self.max, self.factor, self.attempts, r);
        self.attempts = self.attempts.saturating_add(1);
        d
    }

    /// Back to the first delay.
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn d(attempts: u32, r: f64) -> u64 {
        delay_for(ms(1000), ms(5000), 0.5, attempts, r).as_millis() as u64
    }

    /// Every delay over a fine grid of draws, per attempt.
    fn grid(attempts: u32) -> Vec<u64> {
        (0..100_000)
            .map(|i| d(attempts, f64::from(i) / 100_000.0))
            .collect()
    }

    #[test]
    fn the_table_of_the_spec() {
        let a1 = grid(0);
        assert_eq!(*a1.iter().min().unwrap(), 551);
        assert_eq!(*a1.iter().max().unwrap(), 1499);
        assert!(!a1.iter().any(|&x| (1001..=1049).contains(&x)), "the gap");
        let a2 = grid(1);
        assert_eq!(
            (*a2.iter().min().unwrap(), *a2.iter().max().unwrap()),
            (1101, 2999)
        );
        let a3 = grid(2);
        assert_eq!(
            (*a3.iter().min().unwrap(), *a3.iter().max().unwrap()),
            (2201, 5000)
        );
        let capped = a3.iter().filter(|&&x| x == 5000).count() as f64 / a3.len() as f64;
        assert!((capped - 0.3).abs() < 0.01, "{capped}");
        let a4 = grid(3);
        let below: Vec<u64> = a4.iter().copied().filter(|&x| x < 5000).collect();
        assert_eq!(
            (*below.iter().min().unwrap(), *below.iter().max().unwrap()),
            (4401, 4800)
        );
        assert!((below.len() as f64 / a4.len() as f64 - 0.1).abs() < 0.01);
        for attempts in [4, 5, 10, 1015, 1016, 5000, u32::MAX] {
            assert!(grid(attempts).iter().all(|&x| x == 5000), "{attempts}");
        }
    }

    #[test]
    fn one_draw_for_size_and_sign() {
        // r in [0.1, 0.2) always adds, r in [0.0, 0.1) always subtracts.
        assert_eq!(d(0, 0.15), 1000 + 75);
        assert_eq!(d(0, 0.05), 1000 - 25);
        assert_eq!(d(0, 0.85), 1000 - 425);
    }

    #[test]
    fn no_jitter_outside_0_1() {
        for f in [0.0, -1.0, 1.5] {
            assert_eq!(delay_for(ms(1000), ms(5000), f, 1, 0.99), ms(2000));
        }
        assert_eq!(delay_for(ms(1000), ms(5000), 1.0, 0, 0.0), ms(1000));
    }

    #[test]
    fn zero_options_fall_back_to_the_defaults() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO, 0.0);
        let mut rng = Rng::new(1);
        assert_eq!(b.duration(&mut rng), ms(1000));
        assert_eq!(b.duration(&mut rng), ms(2000));
        assert_eq!(b.duration(&mut rng), ms(4000));
        assert_eq!(b.duration(&mut rng), ms(5000));
        assert_eq!(b.attempts, 4);
        b.reset();
        assert_eq!(b.duration(&mut rng), ms(1000));
    }

    #[test]
    fn draws_are_uniform_enough_and_seeded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<f64> = (0..10_000).map(|_| a.next_f64()).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        assert_eq!(xs[0], b.next_f64());
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert_ne!(Rng::new(8).next_u64(), Rng::new(7).next_u64());
    }

    proptest! {
        #[test]
        fn delays_stay_within_the_formula_bounds(
            delay in 1u64..10_000, max in 1u64..100_000, factor in 0.0f64..=1.0,
            attempts in 0u32..100, r in 0.0f64..1.0,
        ) {
            let got = delay_for(ms(delay), ms(max), factor, attempts, r).as_millis() as f64;
            let base = delay as f64 * 2f64.powi(attempts.min(64) as i32);
            let lo = (base * (1.0 - factor)).min(max as f64).floor() - 1.0;
            let hi = (base * (1.0 + factor)).min(max as f64);
            prop_assert!(got >= lo && got <= hi, "{got} not in {lo}..{hi}");
            prop_assert!(got <= max as f64);
        }
    }
}
