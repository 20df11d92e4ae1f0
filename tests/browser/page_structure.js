// The page's structure, as a SHA-256 digest: what axe-core's rules read, and nothing else
// (see `assert_accessible` in helpers.py).
async () => {
  const NUMBERS = new Set(["tabindex", "colspan", "rowspan", "span", "size", "maxlength",
    "aria-level", "aria-posinset", "aria-setsize", "aria-colcount", "aria-colindex",
    "aria-colspan", "aria-rowcount", "aria-rowindex", "aria-rowspan", "aria-valuemin",
    "aria-valuemax", "aria-valuenow"]);
  const REFERENCES = new Set(["for", "form", "list", "headers", "aria-activedescendant",
    "aria-controls", "aria-describedby", "aria-details", "aria-errormessage", "aria-flowto",
    "aria-labelledby", "aria-owns"]);
  const ids = new Map();
  const id = (value) => {
    if (!ids.has(value)) ids.set(value, ids.size);
    return "#" + ids.get(value);
  };
  const attribute = (element, { name, value }) => {
    // A hidden field is neither shown nor in the accessibility tree: its value is the form's
    // (a CSRF token, new on every page).
    if (name === "value" && element instanceof HTMLInputElement && element.type === "hidden") {
      return "value=";
    }
    if (name === "id") return "id=" + id(value);
    if (REFERENCES.has(name)) {
      return name + "=" + value.split(/\s+/).filter(Boolean).map(id).join(" ");
    }
    if (name === "href" && value.startsWith("#")) return "href=" + id(value.slice(1));
    return name + "=" + (NUMBERS.has(name) ? value : value.replace(/\d+/g, "0"));
  };
  const text = (element) => {
    const own = [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.data).join("");
    return /[\p{L}\p{N}]/u.test(own) ? "w" : own.trim() ? "s" : "";
  };
  const parts = [innerWidth + "x" + innerHeight];
  const walk = (element) => {
    const attributes = [...element.attributes].map((each) => attribute(element, each));
    parts.push("<" + element.localName + " " + attributes.join(" ") + " " + text(element));
    for (const child of element.children) walk(child);
    parts.push(">");
  };
  walk(document.documentElement);
  const bytes = new TextEncoder().encode(parts.join("\n"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
