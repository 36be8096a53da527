// Builds assets/world/countries.tsv, the country shapes of the directory's world map
// (src/web/world_map), from Natural Earth's 1:110m admin-0 countries as the npm package
// world-atlas redistributes them. Run with `npm ci && npm run build` in this folder; the
// output is deterministic, so an unchanged input gives an unchanged file.
//
// The file's first line is `viewBox<TAB>0 0 W H`; each further line is `CODE<TAB>d`: an ISO
// 3166-1 alpha-2 code and an SVG path, projected (Equal Earth) into that viewBox, in tenths
// of a unit, sorted by code. assets/world/README.md says why the few odd features are mapped
// as they are.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { feature, merge } from 'topojson-client';
import { geoCentroid, geoEqualEarth, geoPath } from 'd3-geo';
import countries from 'i18n-iso-countries';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, '..', '..', 'assets', 'world', 'countries.tsv');
const source = require.resolve('world-atlas/countries-110m.json');
const topology = JSON.parse(readFileSync(source, 'utf8'));

// The map's width; its height follows from the projection once Antarctica is left out.
const WIDTH = 1000;
// Room around the land so that the outermost strokes are not cut by the viewBox.
const MARGIN = 2;

// Natural Earth features without an ISO 3166-1 numeric code, by their world-atlas name.
// Somaliland and Northern Cyprus are, in ISO 3166-1 (and so in every country list a member
// picks from), parts of Somalia and Cyprus: they are merged into those shapes, with no border
// drawn between. Kosovo has no ISO code but the user-assigned XK, which CLDR (our country
// names) and the EU use: it keeps its own shape.
const UNCODED = {
  Somaliland: 'SO',
  'N. Cyprus': 'CY',
  Kosovo: 'XK',
};

// Parts of a Natural Earth feature that ISO 3166 gives another code, found by where the
// part's centroid lies ([longitude, latitude]). Natural Earth draws French Guiana inside
// France and Svalbard inside Norway, which have codes of their own (GF, SJ) that a member in
// Cayenne or Longyearbyen picks; and it draws Crimea inside Russia, where ISO 3166-2 (UA-43)
// and the UN General Assembly (resolution 68/262) place it in Ukraine.
const PARTS = [
  { feature: 'France', code: 'GF', where: ([longitude]) => longitude < -30 },
  { feature: 'Norway', code: 'SJ', where: ([, latitude]) => latitude > 74 },
  {
    feature: 'Russia',
    code: 'UA',
    where: ([longitude, latitude]) => latitude < 46.5 && longitude > 32 && longitude < 37,
  },
];

// Antarctica is left out: no organization lives there, and at the bottom of the map it would
// add a band an eighth as tall as the rest for nothing.
const DROPPED = new Set(['AQ']);

function code(geometry) {
  const name = geometry.properties.name;
  if (geometry.id === undefined) {
    if (!(name in UNCODED)) throw new Error(`no ISO code and no mapping for ${name}`);
    return UNCODED[name];
  }
  const alpha2 = countries.numericToAlpha2(geometry.id);
  if (!alpha2) throw new Error(`no alpha-2 code for ${geometry.id} (${name})`);
  return alpha2;
}

// Each code's geometries (several where features or parts are merged into one country).
const byCode = new Map();
const add = (alpha2, geometry) => byCode.set(alpha2, [...(byCode.get(alpha2) ?? []), geometry]);
for (const geometry of topology.objects.countries.geometries) {
  const alpha2 = code(geometry);
  if (DROPPED.has(alpha2)) continue;
  const parts = PARTS.filter((part) => part.feature === geometry.properties.name);
  if (parts.length === 0) {
    add(alpha2, geometry);
    continue;
  }
  if (geometry.type !== 'MultiPolygon') throw new Error(`${alpha2} has no parts to move`);
  const kept = [];
  const moved = new Set();
  for (const polygon of geometry.arcs) {
    const centroid = geoCentroid(feature(topology, { type: 'Polygon', arcs: polygon }));
    const part = parts.find((candidate) => candidate.where(centroid));
    if (part) {
      add(part.code, { type: 'Polygon', arcs: polygon });
      moved.add(part);
    } else {
      kept.push(polygon);
    }
  }
  for (const part of parts) {
    if (!moved.has(part)) throw new Error(`no part of ${part.feature} found for ${part.code}`);
  }
  add(alpha2, { ...geometry, arcs: kept });
}
// One GeoJSON feature per code; merging through the topology removes the shared borders.
const shapes = [...byCode.entries()]
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .map(([alpha2, geometries]) => ({
    type: 'Feature',
    id: alpha2,
    properties: {},
    geometry:
      geometries.length === 1
        ? feature(topology, geometries[0]).geometry
        : merge(topology, geometries),
  }));
const world = { type: 'FeatureCollection', features: shapes };

const projection = geoEqualEarth().fitWidth(WIDTH - 2 * MARGIN, world);
const [tx, ty] = projection.translate();
projection.translate([tx + MARGIN, ty + MARGIN]);
const height = Math.ceil(geoPath(projection).bounds(world)[1][1] + MARGIN);

// A path context that keeps coordinates in tenths, drops points that round onto the previous
// one, drops rings too small to see, and writes each ring as an absolute move and relative
// lines (exact, since both ends are already rounded).
function pathOf(geometry) {
  const rings = [];
  let ring = null;
  const context = {
    moveTo(x, y) {
      ring = [[Math.round(x * 10), Math.round(y * 10)]];
      rings.push(ring);
    },
    lineTo(x, y) {
      const point = [Math.round(x * 10), Math.round(y * 10)];
      const last = ring[ring.length - 1];
      if (point[0] !== last[0] || point[1] !== last[1]) ring.push(point);
    },
    closePath() {
      const [first, last] = [ring[0], ring[ring.length - 1]];
      if (ring.length > 1 && first[0] === last[0] && first[1] === last[1]) ring.pop();
      ring.closed = true;
    },
  };
  geoPath(projection, context)(geometry);
  const tenths = (value) => {
    const text = (Math.abs(value) / 10).toString().replace(/^0\./, '.');
    return value < 0 ? `-${text}` : text;
  };
  // A pair of numbers, with a comma only where the second has no sign to separate it.
  const pair = ([x, y]) => `${tenths(x)}${y < 0 ? '' : ','}${tenths(y)}`;
  const joined = (pairs) =>
    pairs.map((p, i) => (i === 0 || p[0] < 0 ? pair(p) : `,${pair(p)}`)).join('');
  return rings
    .filter((points) => points.length >= 3)
    .map((points) => {
      const deltas = points
        .slice(1)
        .map((point, i) => [point[0] - points[i][0], point[1] - points[i][1]]);
      return `M${pair(points[0])}l${joined(deltas)}${points.closed ? 'z' : ''}`;
    })
    .join('');
}

const lines = [`viewBox\t0 0 ${WIDTH} ${height}`];
for (const shape of shapes) {
  const d = pathOf(shape);
  if (!d) throw new Error(`${shape.id} has no ring left after rounding`);
  lines.push(`${shape.id}\t${d}`);
}
writeFileSync(output, `${lines.join('\n')}\n`);

// What the module docs and the README list: the ISO 3166-1 codes with no shape here.
const withShape = new Set(shapes.map((shape) => shape.id));
const without = Object.keys(countries.getAlpha2Codes())
  .filter((alpha2) => !withShape.has(alpha2))
  .sort();
console.log(`${output}: ${shapes.length} countries, viewBox 0 0 ${WIDTH} ${height}`);
console.log(`ISO 3166-1 codes without a shape (${without.length}): ${without.join(' ')}`);
