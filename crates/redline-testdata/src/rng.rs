//! The one seeded PRNG of the generator (SplitMix64) and deterministic trigonometry.
//!
//! The generator must write byte-identical files for a given seed on every machine and every
//! version of its dependencies, so it owns its random numbers (no `rand`) and computes sine and
//! cosine with basic IEEE operations only (no platform `libm`).
//!
//! Both halves of the generator (parcel review and Green Shield inspection) and the tests draw
//! from [`Rng`]. Two ways of drawing an integer below `n` are offered because each half's
//! committed data depends on its own: [`Rng::below_rejection`] (exact, rejection sampling; the
//! review data, [`Rng::int`], [`Rng::pick`], [`Rng::weighted`]) and
//! [`Rng::below_multiply_shift`] (one draw, `((x >> 11) · n) >> 53`; the inspection data).

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, a fixed increment, a mixing function.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// An independent stream for one part of the data (so adding a layer does not shift another).
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut r = Rng::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform value in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniform integer in [0, n) (n > 0), without modulo bias: rejection sampling on the
    /// 64 random bits (draws again when a value falls in the incomplete last block of `n`), then
    /// `v % n`. May consume more than one draw; `n ≤ 1` consumes none and gives 0.
    pub fn below_rejection(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// An integer in [0, n) from exactly one draw by multiply-shift: the top 53 bits `x >> 11`
    /// scaled to `n` as `((x >> 11) · n) >> 53` (128-bit product). Bias at most `n / 2^53`;
    /// `n = 0` gives 0.
    pub fn below_multiply_shift(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// A uniform integer in [lo, hi] (inclusive), by [`Rng::below_rejection`].
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below_rejection(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice, by [`Rng::below_rejection`].
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below_rejection(items.len() as u64) as usize]
    }

    /// One item of a weighted table (weights > 0 somewhere), by [`Rng::below_rejection`].
    pub fn weighted<'a, T>(&mut self, table: &'a [(T, u32)]) -> &'a T {
        let total: u64 = table.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut k = self.below_rejection(total.max(1));
        for (item, w) in table {
            let w = u64::from(*w);
            if k < w {
                return item;
            }
            k -= w;
        }
        &table[table.len() - 1].0
    }
}

/// π as an f64 constant.
pub const PI: f64 = std::f64::consts::PI;

/// Sine and cosine from a Taylor series after range reduction: only `+ - * /`, which IEEE 754
/// rounds identically everywhere (unlike the platform's `sin`). Accurate to ~1e-15 on [-π, π].
pub fn sin_cos(x: f64) -> (f64, f64) {
    let two_pi = 2.0 * PI;
    let mut r = x - two_pi * (x / two_pi).round();
    // r in [-π, π]; fold to [-π/2, π/2] for faster convergence.
    let mut cos_sign = 1.0;
    if r > PI / 2.0 {
        r = PI - r;
        cos_sign = -1.0;
    } else if r < -PI / 2.0 {
        r = -PI - r;
        cos_sign = -1.0;
    }
    let r2 = r * r;
    let (mut s, mut c) = (0.0, 0.0);
    let (mut ts, mut tc) = (r, 1.0);
    for k in 0..14 {
        s += ts;
        c += tc;
        let n = (2 * k + 2) as f64;
        ts *= -r2 / (n * (n + 1.0));
        tc *= -r2 / ((n - 1.0) * n);
    }
    (s, cos_sign * c)
}

/// Round to millimetres, as survey coordinates are written.
pub fn mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Round to decimetres (design grid of the generated cells).
pub fn dm(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference outputs of SplitMix64 with seed 0 (from the published C reference code).
    #[test]
    fn splitmix64_reference_values() {
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(r.next_u64(), 0x06C4_5D18_8009_454F);
        // Seeded with 1234567 (Vigna's splitmix64.c).
        let mut r = Rng::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        assert_eq!(r.next_u64(), 9817491932198370423);
    }

    /// The two integer derivations, pinned: rejection sampling (`v % n` of one draw unless it
    /// falls in the last incomplete block) and multiply-shift (`((x >> 11) · n) >> 53` of one
    /// draw); `unit` is `(x >> 11) / 2^53`.
    #[test]
    fn derivations_match_their_definitions() {
        let mut raw = Rng::new(2020);
        let mut a = Rng::new(2020);
        for n in [1usize, 2, 3, 7, 9, 30_001, usize::MAX / 3] {
            let x = raw.next_u64();
            assert_eq!(
                a.below_multiply_shift(n),
                ((u128::from(x >> 11) * n as u128) >> 53) as usize
            );
        }
        let mut raw = Rng::new(20_201_013);
        let mut b = Rng::new(20_201_013);
        for n in [2u64, 3, 7, 1000, 48_000] {
            let x = raw.next_u64();
            assert!(x < u64::MAX - u64::MAX % n, "no rejection for these draws");
            assert_eq!(b.below_rejection(n), x % n);
        }
        // n = 1 consumes no draw.
        assert_eq!(b.below_rejection(1), 0);
        assert_eq!(
            b.unit(),
            (raw.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        );
        // The multiply-shift derivation stays below n and covers it.
        let mut seen = [false; 4];
        for _ in 0..200 {
            seen[a.below_multiply_shift(4)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn ranges_stay_in_bounds_and_cover() {
        let mut r = Rng::new(42);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = r.below_rejection(7) as usize;
            seen[v] = true;
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            let i = r.int(3, 5);
            assert!((3..=5).contains(&i));
        }
        assert!(seen.iter().all(|s| *s));
        let table = [("a", 1u32), ("b", 0), ("c", 3)];
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            match *r.weighted(&table) {
                "a" => counts[0] += 1,
                "b" => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > 2 * counts[0], "{counts:?}");
    }

    /// Known values: sin(π/6) = 0.5, cos(π/3) = 0.5, sin(π/2) = 1, cos(π) = −1, and agreement with
    /// the platform's functions over a sweep (to 1e-14).
    #[test]
    fn sin_cos_matches_known_values() {
        let (s, _) = sin_cos(PI / 6.0);
        assert!((s - 0.5).abs() < 1e-15);
        let (_, c) = sin_cos(PI / 3.0);
        assert!((c - 0.5).abs() < 1e-15);
        let (s, c) = sin_cos(PI / 2.0);
        assert!((s - 1.0).abs() < 1e-15 && c.abs() < 1e-15);
        let (s, c) = sin_cos(PI);
        assert!(s.abs() < 1e-15 && (c + 1.0).abs() < 1e-15);
        for i in -700..700 {
            let x = i as f64 * 0.0137;
            let (s, c) = sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-14, "sin {x}");
            assert!((c - x.cos()).abs() < 1e-14, "cos {x}");
        }
    }

    #[test]
    fn same_seed_same_stream_different_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::stream(7, 2);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
