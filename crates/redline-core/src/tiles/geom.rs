//! Ring work in tile units: clipping to the buffered tile square, Douglas–Peucker
//! simplification and snapping to the integer grid. Rings are given without their closing
//! point throughout.

/// A point in tile units (x right, y down).
pub(super) type P = [f64; 2];

/// Clip ring `ring` to the square `[lo, hi]²` (Sutherland–Hodgman, one pass per side). The
/// result, also without closing point, is left in `a`; `b` is scratch. Edges of the result
/// may run along the square's sides where the ring left and re-entered it.
pub(super) fn clip_ring(ring: &[P], lo: f64, hi: f64, a: &mut Vec<P>, b: &mut Vec<P>) {
    clip_pass(ring, a, 0, lo, true);
    clip_pass(a, b, 0, hi, false);
    clip_pass(b, a, 1, lo, true);
    clip_pass(a, b, 1, hi, false);
    std::mem::swap(a, b);
}

/// One Sutherland–Hodgman pass: keep the side of `axis = bound` where `p[axis] >= bound`
/// (`keep_above`) or `<= bound`.
fn clip_pass(input: &[P], out: &mut Vec<P>, axis: usize, bound: f64, keep_above: bool) {
    out.clear();
    let Some(&last) = input.last() else {
        return;
    };
    let inside = |p: &P| {
        if keep_above {
            p[axis] >= bound
        } else {
            p[axis] <= bound
        }
    };
    let (mut prev, mut prev_in) = (last, inside(&last));
    for &cur in input {
        let cur_in = inside(&cur);
        if cur_in != prev_in {
            // The two sides differ, so prev[axis] != cur[axis].
            let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
            let mut p = [
                prev[0] + t * (cur[0] - prev[0]),
                prev[1] + t * (cur[1] - prev[1]),
            ];
            p[axis] = bound;
            out.push(p);
        }
        if cur_in {
            out.push(cur);
        }
        prev = cur;
        prev_in = cur_in;
    }
}

/// Squared distance from `p` to the segment `a`–`b`.
#[inline]
fn seg_dist2(p: P, a: P, b: P) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    qx * qx + qy * qy
}

/// Douglas–Peucker on a closed ring: `keep[i]` is set for the points that stay. The ring is
/// walked from point 0 round to point 0 again; a point stays when it is farther than `tol`
/// from the chord of its stretch. A ring of three or more points keeps at least three: point
/// 0, the point farthest from it, and the point farthest from the chord between those two (so
/// a ring larger than the tolerance becomes a triangle, not a line). `stack` is scratch.
pub(super) fn simplify_ring(
    ring: &[P],
    tol: f64,
    keep: &mut Vec<bool>,
    stack: &mut Vec<(usize, usize)>,
) {
    let n = ring.len();
    keep.clear();
    keep.resize(n, false);
    if n == 0 {
        return;
    }
    keep[0] = true;
    if n < 3 {
        keep.fill(true);
        return;
    }
    // Index n stands for point 0 again (the closing point).
    let at = |i: usize| if i == n { ring[0] } else { ring[i] };
    let tol2 = tol * tol;
    stack.clear();
    stack.push((0, n));
    while let Some((first, last)) = stack.pop() {
        if last <= first + 1 {
            continue;
        }
        let (a, b) = (at(first), at(last));
        let (mut best, mut best_d) = (first, -1.0);
        for (i, &p) in ring.iter().enumerate().take(last).skip(first + 1) {
            let d = seg_dist2(p, a, b);
            if d > best_d {
                best = i;
                best_d = d;
            }
        }
        if best_d > tol2 {
            keep[best] = true;
            stack.push((first, best));
            stack.push((best, last));
        }
    }
    if keep.iter().filter(|&&k| k).count() < 3 {
        // The two points farthest apart along the ring's reach, and the point farthest from
        // their chord.
        let p0 = ring[0];
        let far = (1..n)
            .max_by(|&i, &j| seg_dist2(ring[i], p0, p0).total_cmp(&seg_dist2(ring[j], p0, p0)))
            .unwrap_or(1);
        let side = (1..n)
            .filter(|&i| i != far)
            .max_by(|&i, &j| {
                seg_dist2(ring[i], p0, ring[far]).total_cmp(&seg_dist2(ring[j], p0, ring[far]))
            })
            .unwrap_or(far);
        keep[far] = true;
        keep[side] = true;
    }
}

/// Append the kept points of `ring`, rounded to the integer grid, to `out`, without repeated
/// consecutive points (nor a last point equal to the first).
pub(super) fn snap_ring(ring: &[P], keep: &[bool], out: &mut Vec<[i32; 2]>) {
    let start = out.len();
    for (p, _) in ring.iter().zip(keep).filter(|(_, &k)| k) {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if out.len() == start || out[out.len() - 1] != q {
            out.push(q);
        }
    }
    while out.len() > start + 1 && out[out.len() - 1] == out[start] {
        out.pop();
    }
}

/// Twice the signed area by the surveyor's formula, `Σ xᵢ·yᵢ₊₁ − xᵢ₊₁·yᵢ`, over a closed ring
/// given without its closing point. In tile coordinates (y down) it is positive for a ring
/// that is clockwise on screen: an MVT exterior ring.
pub(super) fn twice_area(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    let mut s = 0i64;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_inside_and_cuts_at_the_square() {
        let ring = [[-10.0, -10.0], [20.0, -10.0], [20.0, 5.0], [-10.0, 5.0]];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        clip_ring(&ring, 0.0, 10.0, &mut a, &mut b);
        let mut got: Vec<(i64, i64)> = a.iter().map(|p| (p[0] as i64, p[1] as i64)).collect();
        got.sort_unstable();
        assert_eq!(got, vec![(0, 0), (0, 5), (10, 0), (10, 5)]);
        // Entirely outside: nothing.
        let far = [[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]];
        clip_ring(&far, 0.0, 10.0, &mut a, &mut b);
        assert!(a.is_empty());
    }

    #[test]
    fn simplify_keeps_a_triangle_of_a_tiny_ring() {
        let ring = [[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]];
        let (mut keep, mut stack) = (Vec::new(), Vec::new());
        simplify_ring(&ring, 16.0, &mut keep, &mut stack);
        assert_eq!(keep.iter().filter(|&&k| k).count(), 3);
    }
}
