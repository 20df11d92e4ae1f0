// Copies the pinned npm packages the pages need into frontend/static/vendor.
//
// Two changes to GOV.UK Frontend's compiled CSS, because this service is not on GOV.UK:
// - the GDS Transport font is licensed for GOV.UK services only, so its @font-face rules go
//   and text falls back to the stack GOV.UK Frontend already names after it (arial, sans-serif);
// - asset URLs point at /assets/ from the site root; they become relative to the stylesheet
//   so they work under Django's STATIC_URL (and its hashed names in production);
// - the source map comment goes, as the map is not shipped.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const vendor = join(root, "frontend", "static", "vendor");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

function withoutRestrictedFont(css) {
  const out = css
    .replace(/@font-face\{font-family:GDS Transport;[^}]*\}/g, "")
    .replaceAll("font-family:GDS Transport,", "font-family:");
  if (out.includes("GDS Transport")) {
    throw new Error("GOV.UK Frontend's CSS changed shape: GDS Transport is still referenced");
  }
  return out;
}

rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, "govuk", "assets"), { recursive: true });
mkdirSync(join(vendor, "htmx"), { recursive: true });

cpSync(join(govuk, "assets", "images"), join(vendor, "govuk", "assets", "images"), { recursive: true });
cpSync(join(govuk, "govuk-frontend.min.js"), join(vendor, "govuk", "govuk-frontend.min.js"));
const css = readFileSync(join(govuk, "govuk-frontend.min.css"), "utf8");
writeFileSync(
  join(vendor, "govuk", "govuk-frontend.min.css"),
  withoutRestrictedFont(css)
    .replaceAll("url(/assets/", "url(assets/")
    .replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "\n"),
);
cpSync(join(root, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(vendor, "htmx", "htmx.min.js"));

// GOV.UK's accessible autocomplete, for pickers of long lists (frontend/autocomplete.py); the
// source map comments go, as the maps are not shipped.
const autocomplete = join(root, "node_modules", "accessible-autocomplete", "dist");
mkdirSync(join(vendor, "accessible-autocomplete"), { recursive: true });
for (const name of ["accessible-autocomplete.min.js", "accessible-autocomplete.min.css"]) {
  const text = readFileSync(join(autocomplete, name), "utf8");
  writeFileSync(
    join(vendor, "accessible-autocomplete", name),
    text.replace(/\n?\/[/*]# sourceMappingURL=\S*( \*\/)?\s*$/, "\n"),
  );
}
// Noto Sans (SIL Open Font License) for the PDFs the service writes (subject access exports),
// whose built-in fonts know only Windows-1252: names from every European alphabet print.
const noto = join(root, "node_modules", "@expo-google-fonts", "noto-sans");
mkdirSync(join(vendor, "fonts"), { recursive: true });
for (const [style, name] of [
  ["400Regular", "NotoSans-Regular.ttf"],
  ["700Bold", "NotoSans-Bold.ttf"],
  ["400Regular_Italic", "NotoSans-Italic.ttf"],
]) {
  cpSync(join(noto, style, `NotoSans_${style}.ttf`), join(vendor, "fonts", name));
}
cpSync(join(noto, "LICENSE_FONT"), join(vendor, "fonts", "OFL.txt"));
console.log("front-end assets copied to frontend/static/vendor");
