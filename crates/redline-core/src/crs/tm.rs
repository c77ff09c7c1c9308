//! Analytic Gauss-Krüger (transverse Mercator) on the CGCS2000 ellipsoid.
//!
//! The Krüger series in the third flattening `n` to order n⁶, as in C. F. F. Karney,
//! "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85 (2011), eqs. (35)
//! and (36) — the same series PROJ's `tmerc` uses by default (Poder/Engsager, "exact"). Within a
//! few degrees of the central meridian the truncation error is far below a nanometre, so the
//! results agree with PROJ to rounding (see the differential test below).
//!
//! * forward: geodetic → conformal latitude by the series χ = φ + Σ εⱼ sin 2jφ, the
//!   Gauss-Schreiber step to ζ' = ξ' + iη', then ζ = ζ' + Σ αⱼ sin 2jζ' summed by Clenshaw's
//!   recurrence in complex arithmetic;
//! * inverse: ζ' = ζ + Σ (−βⱼ) sin 2jζ, back to the conformal sphere, then conformal → geodetic
//!   latitude by φ = χ + Σ δⱼ sin 2jχ.
//!
//! The latitude series are also of order n⁶ (truncation ≈ n⁷ ≈ 4·10⁻²⁰ rad). All coefficients
//! are computed once in [`GaussKruger::new`]; a conversion is plain `f64` arithmetic with no
//! allocation — forward: three `sin_cos`, one `atan2`, one `ln_1p`, one square root; inverse: two
//! `sin_cos`, two `exp`, two `atan2`, one square root.

/// CGCS2000 semi-major axis, metres.
pub const CGCS2000_A: f64 = 6_378_137.0;
/// CGCS2000 inverse flattening.
pub const CGCS2000_RF: f64 = 298.257_222_101;

/// Longitude distance from the central meridian (degrees) within which the analytic path is
/// used; farther points go to PROJ (see [`GaussKruger::forward_in_domain`]).
pub const MAX_DLON_DEG: f64 = 4.5;
/// Latitude limit (degrees) of the analytic path: nothing near the poles.
const MAX_LAT_DEG: f64 = 85.0;

/// Series order.
const ORDER: usize = 6;

/// A transverse Mercator projection on the CGCS2000 ellipsoid: central meridian, scale factor
/// on it, false easting and false northing (latitude of origin 0°, as in every CGCS2000
/// Gauss-Krüger CRS).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussKruger {
    lon0: f64,
    k0: f64,
    false_easting: f64,
    false_northing: f64,
    /// k0 · A, A the rectifying radius.
    ka: f64,
    /// Geodetic → conformal latitude series: χ = φ + Σ εⱼ sin 2jφ.
    eps: [f64; ORDER],
    /// Krüger αⱼ (conformal sphere → ellipsoidal TM), j = 1..6.
    alpha: [f64; ORDER],
    /// −βⱼ (ellipsoidal TM → conformal sphere).
    neg_beta: [f64; ORDER],
    /// Conformal → geodetic latitude series.
    delta: [f64; ORDER],
    /// |E − FE| limit of the inverse's analytic path: the easting distance of a point 4.5° from
    /// the central meridian on the equator (≈ 501.5 km for k0 = 1).
    max_de: f64,
}

impl GaussKruger {
    /// A projection with central meridian `lon0` (degrees), scale `k0`, false easting and false
    /// northing (metres).
    pub fn new(lon0: f64, k0: f64, false_easting: f64, false_northing: f64) -> Self {
        let f = 1.0 / CGCS2000_RF;
        let n = f / (2.0 - f);
        let n2 = n * n;
        let n3 = n2 * n;
        let n4 = n3 * n;
        let n5 = n4 * n;
        let n6 = n5 * n;
        // Rectifying radius (Karney eq. 14).
        let a_rect = CGCS2000_A / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0);
        // Karney eq. (35).
        let alpha = [
            n * (1.0 / 2.0
                + n * (-2.0 / 3.0
                    + n * (5.0 / 16.0
                        + n * (41.0 / 180.0 + n * (-127.0 / 288.0 + n * (7891.0 / 37800.0)))))),
            n2 * (13.0 / 48.0
                + n * (-3.0 / 5.0
                    + n * (557.0 / 1440.0 + n * (281.0 / 630.0 + n * (-1983433.0 / 1935360.0))))),
            n3 * (61.0 / 240.0
                + n * (-103.0 / 140.0 + n * (15061.0 / 26880.0 + n * (167603.0 / 181440.0)))),
            n4 * (49561.0 / 161280.0 + n * (-179.0 / 168.0 + n * (6601661.0 / 7257600.0))),
            n5 * (34729.0 / 80640.0 + n * (-3418889.0 / 1995840.0)),
            n6 * (212378941.0 / 319334400.0),
        ];
        // Karney eq. (36), negated for the summation.
        let beta = [
            n * (1.0 / 2.0
                + n * (-2.0 / 3.0
                    + n * (37.0 / 96.0
                        + n * (-1.0 / 360.0 + n * (-81.0 / 512.0 + n * (96199.0 / 604800.0)))))),
            n2 * (1.0 / 48.0
                + n * (1.0 / 15.0
                    + n * (-437.0 / 1440.0 + n * (46.0 / 105.0 + n * (-1118711.0 / 3870720.0))))),
            n3 * (17.0 / 480.0
                + n * (-37.0 / 840.0 + n * (-209.0 / 4480.0 + n * (5569.0 / 90720.0)))),
            n4 * (4397.0 / 161280.0 + n * (-11.0 / 504.0 + n * (-830251.0 / 7257600.0))),
            n5 * (4583.0 / 161280.0 + n * (-108847.0 / 3991680.0)),
            n6 * (20648693.0 / 638668800.0),
        ];
        // Geodetic latitude φ → conformal latitude χ = φ + Σ εⱼ sin 2jφ (Engsager & Poder 2007;
        // PROJ's `cbg`).
        let eps = [
            n * (-2.0
                + n * (2.0 / 3.0
                    + n * (4.0 / 3.0
                        + n * (-82.0 / 45.0 + n * (32.0 / 45.0 + n * (4642.0 / 4725.0)))))),
            n2 * (5.0 / 3.0
                + n * (-16.0 / 15.0
                    + n * (-13.0 / 9.0 + n * (904.0 / 315.0 + n * (-1522.0 / 945.0))))),
            n3 * (-26.0 / 15.0 + n * (34.0 / 21.0 + n * (8.0 / 5.0 + n * (-12686.0 / 2835.0)))),
            n4 * (1237.0 / 630.0 + n * (-12.0 / 5.0 + n * (-24832.0 / 14175.0))),
            n5 * (-734.0 / 315.0 + n * (109598.0 / 31185.0)),
            n6 * (444337.0 / 155925.0),
        ];
        // Conformal latitude χ → geodetic latitude φ = χ + Σ δⱼ sin 2jχ (PROJ's `cgb`).
        let delta = [
            n * (2.0
                + n * (-2.0 / 3.0
                    + n * (-2.0 + n * (116.0 / 45.0 + n * (26.0 / 45.0 + n * (-2854.0 / 675.0)))))),
            n2 * (7.0 / 3.0
                + n * (-8.0 / 5.0
                    + n * (-227.0 / 45.0 + n * (2704.0 / 315.0 + n * (2323.0 / 945.0))))),
            n3 * (56.0 / 15.0
                + n * (-136.0 / 35.0 + n * (-1262.0 / 105.0 + n * (73814.0 / 2835.0)))),
            n4 * (4279.0 / 630.0 + n * (-332.0 / 35.0 + n * (-399572.0 / 14175.0))),
            n5 * (4174.0 / 315.0 + n * (-144838.0 / 6237.0)),
            n6 * (601676.0 / 22275.0),
        ];
        let ka = k0 * a_rect;
        let mut gk = GaussKruger {
            lon0,
            k0,
            false_easting,
            false_northing,
            ka,
            eps,
            alpha,
            neg_beta: beta.map(|b| -b),
            delta,
            max_de: 0.0,
        };
        // The easting distance of the point 4.5° from the central meridian on the equator.
        gk.max_de = gk.forward(lon0 + MAX_DLON_DEG, 0.0).0 - false_easting;
        gk
    }

    /// The projection of a CGCS2000 Gauss-Krüger EPSG code, `None` for any other code:
    ///
    /// | codes     | zones | central meridian | false easting          |
    /// |-----------|-------|------------------|------------------------|
    /// | 4491–4501 | 13–23 | 6·zone − 3       | zone·10⁶ + 500 000     |
    /// | 4502–4512 | 13–23 | 6·zone − 3       | 500 000                |
    /// | 4513–4533 | 25–45 | 3·zone           | zone·10⁶ + 500 000     |
    /// | 4534–4554 | 25–45 | 3·zone           | 500 000                |
    ///
    /// (k0 = 1, false northing 0; as `projinfo EPSG:nnnn` shows with PROJ 9.1.)
    pub fn cgcs2000_epsg(code: u32) -> Option<Self> {
        let (cm, fe) = match code {
            4491..=4501 => {
                let zone = code - 4491 + 13;
                (6 * zone - 3, zone as f64 * 1.0e6 + 500_000.0)
            }
            4502..=4512 => (6 * (code - 4502 + 13) - 3, 500_000.0),
            4513..=4533 => {
                let zone = code - 4513 + 25;
                (3 * zone, zone as f64 * 1.0e6 + 500_000.0)
            }
            4534..=4554 => (3 * (code - 4534 + 25), 500_000.0),
            _ => return None,
        };
        Some(GaussKruger::new(cm as f64, 1.0, fe, 0.0))
    }

    /// Central meridian, degrees.
    pub fn central_meridian(&self) -> f64 {
        self.lon0
    }

    /// Scale factor on the central meridian.
    pub fn scale_factor(&self) -> f64 {
        self.k0
    }

    /// False easting, metres.
    pub fn false_easting(&self) -> f64 {
        self.false_easting
    }

    /// False northing, metres.
    pub fn false_northing(&self) -> f64 {
        self.false_northing
    }

    /// `(lon, lat)` in degrees → `(easting, northing)` in metres, for any point with
    /// |lon − lon0| < 90° and |lat| < 90°; the series is nanometre-accurate only within a few
    /// degrees of the central meridian (see [`GaussKruger::forward_in_domain`]).
    #[inline]
    pub fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (slam, clam) = (lon - self.lon0).to_radians().sin_cos();
        let phi = lat.to_radians();
        let (sphi, cphi) = phi.sin_cos();
        // Conformal latitude χ = φ + Σ εⱼ sin 2jφ.
        let chi = phi + clenshaw_real(&self.eps, 2.0 * sphi * cphi, (cphi - sphi) * (cphi + sphi));
        let (schi, cchi) = chi.sin_cos();
        // Gauss-Schreiber: tan ξ' = tan χ / cos λ, sinh η' = cos χ sin λ / ρ, cosh η' = 1 / ρ,
        // ρ = √(sin² χ + cos² χ cos² λ); so sin ξ' = sin χ / ρ and cos ξ' = cos χ cos λ / ρ.
        let cc = cchi * clam;
        let inv_rho = 1.0 / (schi * schi + cc * cc).sqrt();
        let xip = schi.atan2(cc);
        let (s, c) = (schi * inv_rho, cc * inv_rho);
        let (sh, ch) = (cchi * slam * inv_rho, inv_rho);
        // η' = asinh(sh) = ln(1 + |sh| + sh² / (1 + √(1 + sh²))), with √(1 + sh²) = ch.
        let etap = (sh.abs() + sh * sh / (1.0 + ch)).ln_1p().copysign(sh);
        let (s2, c2) = (2.0 * s * c, (c - s) * (c + s));
        let (sh2, ch2) = (2.0 * sh * ch, ch * ch + sh * sh);
        let (dxi, deta) = clenshaw_complex(&self.alpha, s2, c2, sh2, ch2);
        (
            self.false_easting + self.ka * (etap + deta),
            self.false_northing + self.ka * (xip + dxi),
        )
    }

    /// `(easting, northing)` in metres → `(lon, lat)` in degrees; the inverse of
    /// [`GaussKruger::forward`].
    #[inline]
    pub fn inverse(&self, easting: f64, northing: f64) -> (f64, f64) {
        let xi = (northing - self.false_northing) / self.ka;
        let eta = (easting - self.false_easting) / self.ka;
        let (s2, c2) = (2.0 * xi).sin_cos();
        let (sh2, ch2) = sinh_cosh(2.0 * eta);
        let (dxi, deta) = clenshaw_complex(&self.neg_beta, s2, c2, sh2, ch2);
        let (xip, etap) = (xi + dxi, eta + deta);
        let (s, c) = xip.sin_cos();
        let sh = sinh_cosh(etap).0;
        // Conformal latitude χ and longitude λ on the conformal sphere.
        let r = (sh * sh + c * c).sqrt();
        let lam = sh.atan2(c);
        let chi = s.atan2(r);
        // sin 2χ, cos 2χ from tan χ = s / r.
        let taup = s / r;
        let q = 1.0 / (1.0 + taup * taup);
        let (s2c, c2c) = (2.0 * taup * q, (1.0 - taup) * (1.0 + taup) * q);
        let phi = chi + clenshaw_real(&self.delta, s2c, c2c);
        (self.lon0 + lam.to_degrees(), phi.to_degrees())
    }

    /// [`GaussKruger::forward`] when the point is within 4.5° (`MAX_DLON_DEG`) of the central
    /// meridian and 85° of the equator (and both are finite); `None` otherwise, so the caller
    /// can fall back to PROJ.
    #[inline]
    pub fn forward_in_domain(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        if (lon - self.lon0).abs() <= MAX_DLON_DEG && lat.abs() <= MAX_LAT_DEG {
            let (x, y) = self.forward(lon, lat);
            (x.is_finite() && y.is_finite()).then_some((x, y))
        } else {
            None
        }
    }

    /// [`GaussKruger::inverse`] when |easting − FE| is at most the easting distance of a point
    /// 4.5° from the central meridian on the equator (≈ 501.5 km for k0 = 1; at higher latitudes
    /// the same distance spans more longitude, where the series is just as accurate) and the
    /// northing is within the meridian distance of 85° (a slight over-estimate: ka·85° in radians
    /// of the rectifying sphere) and the result within 85° of the equator; `None` otherwise.
    #[inline]
    pub fn inverse_in_domain(&self, easting: f64, northing: f64) -> Option<(f64, f64)> {
        if (easting - self.false_easting).abs() <= self.max_de
            && (northing - self.false_northing).abs() <= self.ka * MAX_LAT_DEG.to_radians()
        {
            let (lon, lat) = self.inverse(easting, northing);
            (lon.is_finite() && lat.abs() <= MAX_LAT_DEG).then_some((lon, lat))
        } else {
            None
        }
    }
}

/// Σⱼ cⱼ sin 2jζ for complex ζ = ξ + iη, by Clenshaw's recurrence, given sin 2ξ, cos 2ξ,
/// sinh 2η, cosh 2η. Returns (real, imaginary) parts.
///
/// bₖ = cₖ + a·bₖ₊₁ − bₖ₊₂ with a = 2 cos 2ζ, and the sum is b₁ · sin 2ζ, where
/// cos 2ζ = cos 2ξ cosh 2η − i sin 2ξ sinh 2η and sin 2ζ = sin 2ξ cosh 2η + i cos 2ξ sinh 2η.
#[inline(always)]
fn clenshaw_complex(c: &[f64; ORDER], s2: f64, c2: f64, sh2: f64, ch2: f64) -> (f64, f64) {
    let (ar, ai) = (2.0 * c2 * ch2, -2.0 * s2 * sh2);
    let (mut br, mut bi) = (0.0, 0.0); // b_{k+1}
    let (mut br2, mut bi2) = (0.0, 0.0); // b_{k+2}
    for &ck in c.iter().rev() {
        let nr = ck + ar * br - ai * bi - br2;
        let ni = ar * bi + ai * br - bi2;
        (br2, bi2) = (br, bi);
        (br, bi) = (nr, ni);
    }
    let (sr, si) = (s2 * ch2, c2 * sh2);
    (sr * br - si * bi, sr * bi + si * br)
}

/// (sinh x, cosh x) from one `exp`; the absolute error of sinh near 0 is an ulp of 1, far below
/// what matters here (η is at most 0.08, and the result is scaled by A ≈ 6.4·10⁶ m: 1e-9 m).
#[inline(always)]
fn sinh_cosh(x: f64) -> (f64, f64) {
    let g = x.exp();
    let gi = 1.0 / g;
    (0.5 * (g - gi), 0.5 * (g + gi))
}

/// Σⱼ cⱼ sin 2jx by Clenshaw's recurrence, given sin 2x and cos 2x.
#[inline(always)]
fn clenshaw_real(c: &[f64; ORDER], s2: f64, c2: f64) -> f64 {
    let a = 2.0 * c2;
    let (mut b1, mut b2) = (0.0, 0.0);
    for &ck in c.iter().rev() {
        let b = ck + a * b1 - b2;
        b2 = b1;
        b1 = b;
    }
    s2 * b1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proj::Proj;

    /// xorshift64 (Marsaglia); `next` is uniform in [0, 1).
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> f64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Every CGCS2000 Gauss-Krüger code of the four families.
    fn all_codes() -> impl Iterator<Item = u32> {
        4491..=4554
    }

    fn proj(from: &str, to: &str) -> Proj {
        Proj::new_known_crs(from, to, None).expect("PROJ knows the CGCS2000 codes")
    }

    /// DOMAIN §1.2: lon 117.2, lat 29.3 → easting 39519431.2652, northing 3242537.3942 in
    /// EPSG:4527 (519431.2652 in EPSG:4548), and back.
    #[test]
    fn domain_check_value() {
        let gk = GaussKruger::cgcs2000_epsg(4527).expect("4527");
        let (e, n) = gk.forward(117.2, 29.3);
        assert!((e - 39519431.2652).abs() < 5e-5, "easting {e}");
        assert!((n - 3242537.3942).abs() < 5e-5, "northing {n}");
        let gk = GaussKruger::cgcs2000_epsg(4548).expect("4548");
        let (e, n) = gk.forward(117.2, 29.3);
        assert!((e - 519431.2652).abs() < 5e-5, "easting {e}");
        assert!((n - 3242537.3942).abs() < 5e-5, "northing {n}");
        let (lon, lat) = gk.inverse(519431.2652, 3242537.3942);
        // 5e-5 m is about 5e-10° here.
        assert!(
            (lon - 117.2).abs() < 1e-9 && (lat - 29.3).abs() < 1e-9,
            "{lon} {lat}"
        );
    }

    /// On the central meridian at the equator the point maps to (FE, FN) exactly, and the
    /// equator maps to northing 0 at any longitude (ξ' = 0 there, and every sin 2jξ' term is 0).
    #[test]
    fn origin_and_equator() {
        let gk = GaussKruger::new(117.0, 1.0, 500_000.0, 0.0);
        assert_eq!(gk.forward(117.0, 0.0), (500_000.0, 0.0));
        let (e, n) = gk.forward(119.0, 0.0);
        assert_eq!(n, 0.0);
        assert!(e > 500_000.0 + 2.0 * 111_000.0, "{e}");
        assert_eq!(gk.inverse(500_000.0, 0.0), (117.0, 0.0));
    }

    /// The four EPSG families, checked against `projinfo EPSG:nnnn` (PROJ 9.1):
    /// 4491 `+lon_0=75 +x_0=13500000`, 4501 `+lon_0=135 +x_0=23500000`, 4502 `+lon_0=75
    /// +x_0=500000`, 4512 `+lon_0=135`, 4513 `+lon_0=75 +x_0=25500000`, 4527 `+lon_0=117
    /// +x_0=39500000`, 4533 `+lon_0=135 +x_0=45500000`, 4534 `+lon_0=75 +x_0=500000`, 4548
    /// `+lon_0=117 +x_0=500000`, 4554 `+lon_0=135 +x_0=500000`; all `+k=1 +y_0=0`.
    #[test]
    fn epsg_families() {
        let table: [(u32, f64, f64); 14] = [
            (4491, 75.0, 13_500_000.0),
            (4496, 105.0, 18_500_000.0),
            (4501, 135.0, 23_500_000.0),
            (4502, 75.0, 500_000.0),
            (4507, 105.0, 500_000.0),
            (4512, 135.0, 500_000.0),
            (4513, 75.0, 25_500_000.0),
            (4527, 117.0, 39_500_000.0),
            (4533, 135.0, 45_500_000.0),
            (4534, 75.0, 500_000.0),
            (4548, 117.0, 500_000.0),
            (4554, 135.0, 500_000.0),
            (4526, 114.0, 38_500_000.0),
            (4547, 114.0, 500_000.0),
        ];
        for (code, cm, fe) in table {
            let gk = GaussKruger::cgcs2000_epsg(code).expect("a CGCS2000 GK code");
            assert_eq!(gk.central_meridian(), cm, "{code}");
            assert_eq!(gk.false_easting(), fe, "{code}");
            assert_eq!(gk.false_northing(), 0.0, "{code}");
            assert_eq!(gk.scale_factor(), 1.0, "{code}");
        }
        for code in [4490, 4490 + 65, 4326, 4479, 32650] {
            assert!(GaussKruger::cgcs2000_epsg(code).is_none(), "{code}");
        }
    }

    /// Every code's parameters agree with PROJ's own definition: the projection of the central
    /// meridian at the equator is (FE, FN) in PROJ too.
    #[test]
    fn epsg_families_agree_with_proj() {
        for code in all_codes() {
            let gk = GaussKruger::cgcs2000_epsg(code).expect("code");
            let p = proj("EPSG:4490", &format!("EPSG:{code}"));
            let (e, n) = p
                .convert((gk.central_meridian(), 0.0))
                .expect("PROJ converts");
            assert!(
                (e - gk.false_easting()).abs() < 1e-6 && n.abs() < 1e-6,
                "{code}: {e} {n}"
            );
        }
    }

    /// Differential test against PROJ (`tmerc`, Poder/Engsager) for all 64 codes, 300 seeded
    /// points each within ±4.5° of the central meridian and 3°–54°N.
    ///
    /// Measured (PROJ 9.1, x86-64): forward worst 7.5e-9 m — one ulp of an easting near
    /// 4.5·10⁷ m, i.e. rounding (2.6e-9 m for the codes without prefix); inverse worst 2.8e-14°
    /// (lon/lat); round trip forward → inverse worst 5.7e-14°.
    #[test]
    fn differential_against_proj() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let (mut worst_fwd, mut worst_inv, mut worst_rt) = (0.0f64, 0.0f64, 0.0f64);
        // The same without the zone prefix (eastings near 5·10⁵ m, finer ulp).
        let mut worst_fwd_500k = 0.0f64;
        for code in all_codes() {
            let gk = GaussKruger::cgcs2000_epsg(code).expect("code");
            let crs = format!("EPSG:{code}");
            let fwd = proj("EPSG:4490", &crs);
            let inv = proj(&crs, "EPSG:4490");
            for _ in 0..300 {
                let lon = gk.central_meridian() + (rng.next() * 2.0 - 1.0) * MAX_DLON_DEG;
                let lat = 3.0 + rng.next() * 51.0;
                let (e, n) = gk.forward_in_domain(lon, lat).expect("in the domain");
                let (pe, pn) = fwd.convert((lon, lat)).expect("PROJ forward");
                let d = (e - pe).abs().max((n - pn).abs());
                assert!(d <= 1e-6, "{code} ({lon}, {lat}): {d} m");
                worst_fwd = worst_fwd.max(d);
                if gk.false_easting() == 500_000.0 {
                    worst_fwd_500k = worst_fwd_500k.max(d);
                }

                let (ilon, ilat) = gk.inverse_in_domain(pe, pn).expect("in the domain");
                let (plon, plat) = inv.convert((pe, pn)).expect("PROJ inverse");
                let d = (ilon - plon).abs().max((ilat - plat).abs());
                assert!(d <= 1e-10, "{code} ({pe}, {pn}): {d}°");
                worst_inv = worst_inv.max(d);

                let (rlon, rlat) = gk.inverse(e, n);
                let d = (rlon - lon).abs().max((rlat - lat).abs());
                assert!(d <= 1e-11, "{code} round trip ({lon}, {lat}): {d}°");
                worst_rt = worst_rt.max(d);
            }
        }
        eprintln!(
            "worst: forward {worst_fwd:e} m ({worst_fwd_500k:e} m without prefix), \
             inverse {worst_inv:e}°, round trip {worst_rt:e}°"
        );
    }

    /// The domain limits: 4.5° of longitude for the forward path, the easting of 4.5° on the
    /// equator for the inverse; non-finite input is outside.
    #[test]
    fn domain_limits() {
        let gk = GaussKruger::cgcs2000_epsg(4527).expect("4527");
        assert!(gk.forward_in_domain(117.0 + 4.5, 29.0).is_some());
        assert!(gk.forward_in_domain(117.0 - 4.5, 29.0).is_some());
        assert!(gk.forward_in_domain(117.0 + 4.51, 29.0).is_none());
        assert!(gk.forward_in_domain(97.0, 29.0).is_none());
        assert!(gk.forward_in_domain(117.0, 86.0).is_none());
        assert!(gk.forward_in_domain(f64::NAN, 29.0).is_none());
        assert!(gk.forward_in_domain(117.0, f64::INFINITY).is_none());
        // 4.5° on the equator: a·λ = 6 378 137 m · π/40 = 500 934 m of arc, and the easting is a
        // little more (the TM scale there is ≈ 1 + η²/2 ≈ 1.003, averaged over the arc ≈ 1.001).
        let (e, _) = gk.forward(121.5, 0.0);
        let de = e - 39_500_000.0;
        assert!(de > 500_934.0 && de < 500_934.0 * 1.0011, "{e}");
        assert!(gk.inverse_in_domain(39_500_000.0 + de, 3.2e6).is_some());
        assert!(gk.inverse_in_domain(39_500_000.0 - de, 3.2e6).is_some());
        assert!(gk
            .inverse_in_domain(39_500_000.0 + de + 1.0, 3.2e6)
            .is_none());
        assert!(gk
            .inverse_in_domain(39_500_000.0 - de - 1.0, 3.2e6)
            .is_none());
        assert!(gk.inverse_in_domain(519_431.0, 3.2e6).is_none());
        assert!(gk.inverse_in_domain(f64::NAN, 3.2e6).is_none());
        assert!(gk
            .inverse_in_domain(39_519_431.0, f64::NEG_INFINITY)
            .is_none());
    }

    /// Through [`Reprojector`](super::super::Reprojector): near the central meridian the
    /// analytic path answers (bit for bit what [`GaussKruger`] gives); 20° away the point goes to
    /// PROJ (bit for bit what PROJ gives), both ways; non-finite input is an error as before.
    #[test]
    fn reprojector_uses_analytic_path_and_falls_back_to_proj() {
        use super::super::Reprojector;
        let gk = GaussKruger::cgcs2000_epsg(4527).expect("4527");
        let fwd = Reprojector::new("EPSG:4490", "EPSG:4527").expect("fwd");
        let inv = Reprojector::new("epsg:4527", "EPSG:4490").expect("inv");
        let p_fwd = proj("EPSG:4490", "EPSG:4527");
        let p_inv = proj("EPSG:4527", "EPSG:4490");

        let near = fwd.point(117.2, 29.3).expect("near");
        assert_eq!(near, gk.forward(117.2, 29.3));
        let back = inv.point(near.0, near.1).expect("near back");
        assert_eq!(back, gk.inverse(near.0, near.1));

        // 20° east of the central meridian: outside the analytic domain.
        let (lon, lat) = (137.0, 29.3);
        assert!(gk.forward_in_domain(lon, lat).is_none());
        let far = fwd.point(lon, lat).expect("far");
        assert_eq!(far, p_fwd.convert((lon, lat)).expect("PROJ"));
        assert!(gk.inverse_in_domain(far.0, far.1).is_none());
        let far_back = inv.point(far.0, far.1).expect("far back");
        assert_eq!(far_back, p_inv.convert(far).expect("PROJ inverse"));
        assert!((far_back.0 - lon).abs() < 1e-9 && (far_back.1 - lat).abs() < 1e-9);
        // The series itself is still close there (within a millimetre), but it is not used.
        let series = gk.forward(lon, lat);
        assert!((series.0 - far.0).abs() < 1e-3 && (series.1 - far.1).abs() < 1e-3);

        assert!(fwd.point(f64::NAN, 29.3).is_err());
        assert!(fwd.point(117.2, f64::INFINITY).is_err());
        assert!(inv.point(f64::NAN, 3.2e6).is_err());
    }
}
