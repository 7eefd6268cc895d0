// Writes N synthetic incidents (default 100,000) as a GeoJSON
// FeatureCollection in the wire format, for the browser test's large run:
//   node web/e2e/gen-synthetic.mjs 100000 > /tmp/synthetic.geojson
// Points are scattered within about 40 km of cities of the seed countries so
// that each lies in its stated country; the values cycle deterministically.
const n = Number(process.argv[2] ?? 100000);
const cities = [
  ["Kabul", "AFG", 69.17, 34.53],
  ["Herat", "AFG", 62.2, 34.34],
  ["Kandahar", "AFG", 65.71, 31.61],
  ["Mazar-i-Sharif", "AFG", 67.11, 36.71],
  ["Baghdad", "IRQ", 44.37, 33.31],
  ["Nasiriyah", "IRQ", 46.26, 31.04],
  ["Mosul", "IRQ", 43.13, 36.34],
  ["Karbala", "IRQ", 44.02, 32.62],
];
const events = [
  ["Protests", "Peaceful protest"],
  ["Riots", "Violent demonstration"],
  ["Explosions/Remote violence", "Remote explosive/landmine/IED"],
  ["Battles", "Armed clash"],
  ["Violence against civilians", "Attack"],
  ["Strategic developments", "Other"],
];
const targets = ["embassy", "consulate", "diplomatic_vehicle", "military", "government", "civilian"];
const targetCountries = ["IRN", "USA", "GBR", "RUS", "PAK", null];
let seed = 42;
function rand() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const out = process.stdout;
out.write('{"type":"FeatureCollection","features":[\n');
for (let i = 0; i < n; i++) {
  const [place, country, lon, lat] = cities[i % cities.length];
  const [eventType, subType] = events[i % events.length];
  const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(rand() * 3650) * 86400000).toISOString().slice(0, 10);
  const f = {
    type: "Feature",
    id: `synthetic-${i}`,
    geometry: { type: "Point", coordinates: [+(lon + (rand() - 0.5) * 0.6).toFixed(5), +(lat + (rand() - 0.5) * 0.6).toFixed(5)] },
    properties: {
      title: `Synthetic incident ${i} near ${place}`,
      occurred_start: day,
      date_precision: "day",
      location_precision: "city",
      place_name: place,
      country,
      event_type: eventType,
      sub_event_type: subType,
      target_type: targets[i % targets.length],
      target_country: targetCountries[i % targetCountries.length],
      fatalities: i % 3 === 0 ? null : i % 7,
      tags: ["synthetic"],
      sources: [{ publisher: "synthetic", title: null, url: null, published_on: null }],
    },
  };
  out.write((i ? ",\n" : "") + JSON.stringify(f));
}
out.write("\n]}\n");
