// MapLibre GL JS (vendored, ES module) and what every map of the application shares: a style
// without a glyph server (labels are drawn in the browser from local CJK fonts), an optional
// raster basemap named by the service, the county outlines and the reserves.

import { api } from './api.js';
import { CJK_FONTS, ZONES } from './labels.js';

const VENDOR = '/static/vendor/maplibre-gl/';
let lib = null;
let config = null;

/** The maplibre-gl module, loaded on first use; its worker comes from the same folder. */
export async function maplibre() {
  if (!lib) {
    lib = await import(`${VENDOR}maplibre-gl.mjs`);
    lib.setWorkerUrl(new URL(`${VENDOR}maplibre-gl-worker.mjs`, window.location.origin).href);
  }
  return lib;
}

/** The service's settings for the pages (`GET /api/config/web`): basemap, layers, counties. */
export async function webConfig() {
  if (!config) {
    config = api('GET', '/api/config/web', { noRedirect: true }).catch(() => ({}));
  }
  return (await config) || {};
}

/** The style: a plain background, the basemap if the service names one, no glyphs URL. */
export async function baseStyle() {
  const cfg = await webConfig();
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f3ef' } }],
  };
  const b = cfg.basemap;
  const tiles = typeof b === 'string' ? [b] : (b && Array.isArray(b.tiles) ? b.tiles : []);
  if (tiles.length) {
    style.sources.basemap = {
      type: 'raster',
      tiles,
      tileSize: 256,
      attribution: cfg.basemap_attribution || '',
      maxzoom: 19,
    };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  return style;
}

/** A new map in `container`; `window.redlineMap` is the current one (for tests). */
export async function createMap(container, options = {}) {
  const m = await maplibre();
  const map = new m.Map({
    container,
    style: await baseStyle(),
    center: [117.2, 29.3],
    zoom: 8,
    maxZoom: 22,
    attributionControl: false,
    localIdeographFontFamily: CJK_FONTS.join(', '),
    canvasContextAttributes: { preserveDrawingBuffer: Boolean(options.preserveDrawingBuffer), antialias: true },
    ...options.map,
  });
  if (!options.noControls) {
    map.addControl(new m.NavigationControl({ showCompass: true }), 'top-right');
    map.addControl(new m.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
  }
  window.redlineMap = map;
  await new Promise((resolve) => {
    if (map.loaded()) resolve();
    else map.once('load', resolve);
  });
  return map;
}

export function disposeMap(map) {
  if (!map) return;
  if (window.redlineMap === map) window.redlineMap = null;
  map.remove();
}

/** Text layout shared by every label layer. */
export function textLayout(field, size = 12, extra = {}) {
  return {
    'text-field': field,
    'text-font': CJK_FONTS,
    'text-size': size,
    ...extra,
  };
}

/** [minLon, minLat, maxLon, maxLat] of a GeoJSON object (null when it has no coordinates). */
export function bboxOf(geojson) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < b[0]) b[0] = c[0];
      if (c[1] < b[1]) b[1] = c[1];
      if (c[0] > b[2]) b[2] = c[0];
      if (c[1] > b[3]) b[3] = c[1];
    } else c.forEach(visit);
  };
  const feats = geojson.type === 'FeatureCollection' ? geojson.features
    : geojson.type === 'Feature' ? [geojson] : [{ geometry: geojson }];
  for (const f of feats) if (f.geometry && f.geometry.coordinates) visit(f.geometry.coordinates);
  return b[0] === Infinity ? null : b;
}

export function padBbox(b, metres) {
  const dLat = metres / 111320;
  const dLon = metres / (111320 * Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180));
  return [b[0] - dLon, b[1] - dLat, b[2] + dLon, b[3] + dLat];
}

/** Jingdezhen and some margin: the box for city-wide layers. */
export const CITY_BBOX = [116.4, 28.4, 118.2, 30.2];

let layerList = null;
/** GET /api/layers once per page load. */
export async function layers() {
  if (!layerList) layerList = api('GET', '/api/layers').then((v) => v.layers || []).catch(() => []);
  return layerList;
}
export function forgetLayers() {
  layerList = null;
}

/** The configured layer with this rule (counties: `county`, reserves: `reserve_zones`). */
export async function layerByRule(rule) {
  const ls = await layers();
  return ls.find((l) => l.rule === rule) || null;
}

/** Features of a layer in a lon/lat box (GeoJSON). */
export function features(name, bbox) {
  return api('GET', `/api/layers/${encodeURIComponent(name)}/features`, {
    query: { bbox: bbox.map((v) => v.toFixed(6)).join(',') },
  });
}

function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
  return a / 2;
}

function ringCentroid(r) {
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
    a += f;
    x += (r[j][0] + r[i][0]) * f;
    y += (r[j][1] + r[i][1]) * f;
  }
  return a ? [x / (3 * a), y / (3 * a)] : r[0];
}

/**
 * One label point per feature (the centroid of its largest part, or of the largest part of the
 * features that share `key`), so that names are not repeated on every tile a polygon crosses.
 */
export function labelPoints(fc, key) {
  const best = new Map();
  fc.features.forEach((f, i) => {
    const g = f.geometry;
    if (!g) return;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    const k = key ? key(f) : i;
    for (const p of polys) {
      const a = Math.abs(ringArea(p[0]));
      if (!best.has(k) || best.get(k).a < a) best.set(k, { a, ring: p[0], props: f.properties });
    }
  });
  return {
    type: 'FeatureCollection',
    features: [...best.values()].map((b) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: ringCentroid(b.ring) }, properties: b.props })),
  };
}

/** Add the county outlines (and names) under everything else; returns the GeoJSON or null. */
export async function addCounties(map, bbox = CITY_BBOX, before) {
  const layer = await layerByRule('county');
  if (!layer) return null;
  let gj;
  try {
    gj = bbox === CITY_BBOX ? await countyFeatures() : await features(layer.name, bbox);
  } catch {
    return null;
  }
  if (!gj) return null;
  if (!map.getSource('counties')) map.addSource('counties', { type: 'geojson', data: gj });
  map.addSource('counties-label', { type: 'geojson', data: labelPoints(gj) });
  map.addLayer({ id: 'counties-line', type: 'line', source: 'counties',
    paint: { 'line-color': '#5d4037', 'line-width': 1.5, 'line-dasharray': [4, 2] } }, before);
  map.addLayer({ id: 'counties-label', type: 'symbol', source: 'counties-label', maxzoom: 12,
    layout: textLayout(['coalesce', ['get', 'XZQMC'], ['get', 'name'], ''], 14),
    paint: { 'text-color': '#4e342e', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } }, before);
  return gj;
}

/** Add the reserves coloured by zone; returns the GeoJSON or null. */
export async function addReserves(map, bbox = CITY_BBOX, before) {
  const layer = await layerByRule('reserve_zones');
  if (!layer) return null;
  let gj;
  try {
    gj = await features(layer.name, bbox);
  } catch {
    return null;
  }
  map.addSource('reserves', { type: 'geojson', data: gj });
  const zoneField = ['coalesce', ['get', 'GNFQ'], ['get', 'zone'], ''];
  const colour = ['match', zoneField];
  for (const [code, cn, col] of ZONES) colour.push(cn, col, code, col);
  colour.push('#81c784');
  map.addLayer({ id: 'reserves-fill', type: 'fill', source: 'reserves',
    paint: { 'fill-color': colour, 'fill-opacity': 0.35 } }, before);
  map.addLayer({ id: 'reserves-line', type: 'line', source: 'reserves',
    paint: { 'line-color': '#2e7d32', 'line-width': 1 } }, before);
  map.addSource('reserves-label', { type: 'geojson', data: labelPoints(gj, (f) => f.properties.BHQMC || f.properties.reserve) });
  map.addLayer({ id: 'reserves-label', type: 'symbol', source: 'reserves-label', minzoom: 9,
    layout: textLayout(['coalesce', ['get', 'BHQMC'], ['get', 'reserve'], ''], 12),
    paint: { 'text-color': '#1b5e20', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } }, before);
  return gj;
}

/** Resolve when the map has drawn everything it has (tests wait on `redlineMap` too). */
export function idle(map) {
  return new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded()) {
      map.once('idle', resolve);
      map.triggerRepaint();
    } else map.once('idle', resolve);
  });
}

let countyCache = null;
/** The county layer's features in the city box, fetched once per page load. */
export function countyFeatures() {
  if (!countyCache) {
    countyCache = layerByRule('county').then((l) => (l ? features(l.name, CITY_BBOX) : null)).catch(() => null);
  }
  return countyCache;
}

/** County names for the selects (from the service's settings, else the county layer). */
export async function countyNames() {
  const cfg = await webConfig();
  if (Array.isArray(cfg.counties) && cfg.counties.length) {
    return cfg.counties.map((c) => c.name).filter(Boolean).sort((a, b) => a.localeCompare(b, 'zh-CN'));
  }
  const fc = await countyFeatures();
  if (!fc) return [];
  return [...new Set(fc.features.map((f) => f.properties.XZQMC || f.properties.name).filter(Boolean))].sort();
}
