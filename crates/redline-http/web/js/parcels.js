// Parcels of a review as GeoJSON: their boundary points (J1 …), and a static SVG drawing of one
// parcel with its overlap pieces for the printed review sheet.

import { svg } from './dom.js';
import { layerColor, layerCn } from './labels.js';

function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function sameXY(a, b) {
  return a && b && a[0] === b[0] && a[1] === b[1];
}

/**
 * The boundary points of a parcel feature: [{name, lon, lat, ring}]. Names come from the
 * feature's `point_names` (nested like the coordinates) when the service gives them; else the
 * points are numbered J1, J2 … along each ring, continuing from ring to ring, without the
 * closing point.
 */
export function parcelPoints(feature) {
  const names = feature.properties?.point_names;
  const out = [];
  let n = 0;
  const polys = polygonsOf(feature.geometry);
  const nameTree = names && feature.geometry.type === 'Polygon' ? [names] : names;
  polys.forEach((poly, pi) => {
    poly.forEach((ring, ri) => {
      const closed = ring.length > 1 && sameXY(ring[0], ring[ring.length - 1]);
      const pts = closed ? ring.slice(0, -1) : ring;
      const given = nameTree?.[pi]?.[ri];
      pts.forEach((c, i) => {
        n += 1;
        const name = Array.isArray(given) && given[i] ? String(given[i]) : `J${n}`;
        out.push({ name, lon: c[0], lat: c[1], ring: ri + 1 });
      });
    });
  });
  return out;
}

/** All boundary points of the parcels of a FeatureCollection, as a point FeatureCollection. */
export function pointsCollection(fc) {
  const features = [];
  for (const f of fc.features) {
    if (f.properties?.kind !== 'parcel') continue;
    for (const p of parcelPoints(f)) {
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
        properties: { name: p.name, parcel_id: f.properties.id, ring: p.ring },
      });
    }
  }
  return { type: 'FeatureCollection', features };
}

/**
 * An SVG map of one parcel: the parcel, its overlap pieces in each layer's colour, the point
 * names, a scale bar and a north arrow. Coordinates: a local plane around the parcel
 * (equirectangular, exact enough for a few hundred metres).
 */
export function parcelSvg(parcel, pieces, { width = 170, height = 92, layerOrder = [] } = {}) {
  const W = width * 4;
  const H = height * 4; // user units: quarter millimetres
  const pts = [];
  for (const poly of polygonsOf(parcel.geometry)) for (const ring of poly) pts.push(...ring);
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, width: `${width}mm`, height: `${height}mm`,
    class: 'parcel-svg', role: 'img', 'aria-label': `地块 ${parcel.properties.id} 示意图`,
  });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#ffffff', stroke: '#555', 'stroke-width': 1 }));
  if (!pts.length) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', 'font-size': 24 }, '图形无效，无法绘制'));
    return root;
  }
  const lat0 = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const kx = 111320 * Math.cos((lat0 * Math.PI) / 180);
  const ky = 110574;
  const xs = pts.map((p) => p[0] * kx);
  const ys = pts.map((p) => p[1] * ky);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const spanM = Math.max(maxX - minX, maxY - minY, 1);
  const u = Math.max(0.5, W / 680); // drawing unit: the sizes below were chosen for 170 mm wide
  // The drawing box: room above for the north arrow, below for the scale bar and the legend.
  const layersShown = new Set(pieces.map((x) => x.properties.layer)).size;
  const box = { left: 50 * u, right: W - 50 * u, top: 80 * u, bottom: H - (44 + 26 * layersShown) * u };
  const scale = Math.min((box.right - box.left) / Math.max(maxX - minX, 1e-9), (box.bottom - box.top) / Math.max(maxY - minY, 1e-9));
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const tx = (lon) => (box.left + box.right) / 2 + (lon * kx - cx) * scale;
  const ty = (lat) => (box.top + box.bottom) / 2 - (lat * ky - cy) * scale;
  const pathOf = (geometry) => polygonsOf(geometry)
    .map((poly) => poly.map((ring) => `M${ring.map((c) => `${tx(c[0]).toFixed(1)},${ty(c[1]).toFixed(1)}`).join('L')}Z`).join(''))
    .join('');

  const clipId = `clip-${String(parcel.properties.id).replace(/[^\w-]/g, '_')}-${Math.random().toString(36).slice(2, 7)}`;
  root.append(svg('clipPath', { id: clipId }, svg('rect', { x: 1, y: 1, width: W - 2, height: H - 2 })));
  const g = svg('g', { 'clip-path': `url(#${clipId})` });
  root.append(g);
  g.append(svg('path', { d: pathOf(parcel.geometry), fill: '#e3f2fd', stroke: 'none', 'fill-rule': 'evenodd' }));
  const legend = new Map();
  for (const piece of pieces) {
    const layer = piece.properties.layer;
    const colour = layerColor(layer, Math.max(0, layerOrder.indexOf(layer)));
    legend.set(layer, [colour, piece.properties.kind === 'outside' ? '超出' : '压占']);
    g.append(svg('path', {
      d: pathOf(piece.geometry), fill: colour, 'fill-opacity': 0.55, stroke: colour, 'stroke-width': 2,
      'fill-rule': 'evenodd', class: 'overlap-piece', 'data-layer': layer,
    }));
  }
  g.append(svg('path', { d: pathOf(parcel.geometry), fill: 'none', stroke: '#0d47a1', 'stroke-width': 3, 'fill-rule': 'evenodd' }));
  const ptsNamed = parcelPoints(parcel);
  const mx = (box.left + box.right) / 2;
  const my = (box.top + box.bottom) / 2;
  for (const p of ptsNamed) {
    const x = tx(p.lon);
    const y = ty(p.lat);
    const dx = x - mx;
    const dy = y - my;
    const len = Math.hypot(dx, dy) || 1;
    g.append(svg('circle', { cx: x, cy: y, r: 5 * u, fill: '#0d47a1' }));
    g.append(svg('text', {
      x: x + (dx / len) * 22 * u, y: y + (dy / len) * 22 * u + 8 * u, 'text-anchor': 'middle', 'font-size': 26 * u,
      fill: '#0d47a1', class: 'point-label',
    }, p.name));
  }
  // North arrow (top right).
  const na = svg('g', { transform: `translate(${W - 30 * u},${6 * u}) scale(${u * 0.8})` });
  na.append(svg('path', { d: 'M0,0 L14,44 L0,34 L-14,44 Z', fill: '#222' }));
  na.append(svg('text', { x: 0, y: 70, 'text-anchor': 'middle', 'font-size': 24, 'font-weight': 'bold' }, '北'));
  root.append(na);
  // Scale bar: a round length of about a fifth of the drawing.
  const target = (W / 5) / scale;
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
  const len = steps.find((s) => s >= target) || spanM;
  const px = len * scale;
  const sb = svg('g', { transform: `translate(${20 * u},${H - 24 * u})` });
  sb.append(svg('rect', { x: 0, y: -8 * u, width: px, height: 8 * u, fill: '#222' }));
  sb.append(svg('rect', { x: px / 2, y: -8 * u, width: px / 2, height: 8 * u, fill: '#fff', stroke: '#222', 'stroke-width': 1 }));
  sb.append(svg('text', { x: px + 10 * u, y: 0, 'font-size': 22 * u }, `${len} 米`));
  root.append(sb);
  // Legend (bottom right).
  let ly = H - 20 * u;
  for (const [layer, [colour, verb]] of [...legend.entries()].reverse()) {
    root.append(svg('rect', { x: W - 250 * u, y: ly - 18 * u, width: 26 * u, height: 18 * u, fill: colour, 'fill-opacity': 0.55, stroke: colour }));
    root.append(svg('text', { x: W - 216 * u, y: ly - 2 * u, 'font-size': 20 * u }, `${verb} ${layerCn(layer)}`));
    ly -= 26 * u;
  }
  return root;
}
