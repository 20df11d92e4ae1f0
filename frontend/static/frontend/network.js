// Draws the network page's nodes and links as SVG: the record in the middle, records one step
// away on an inner ring, two steps away on an outer ring (each placed near the records that
// link it in, so lines cross less). The same layout every time for the same data.
// The tables on the page are the accessible route; the drawing is an image summarised in text.

const SVG = "http://www.w3.org/2000/svg";
const SIZE = 800;
const RINGS = [0, 190, 360];
const LABELS_UP_TO = 60; // more names than this would cover each other
const MARGIN = 10;
// The pages' typeface (GOV.UK Frontend's fallback), not the browser's default serif.
const FONT_FAMILY = "arial, sans-serif";

// Shape and colour by kind; the key on the page (legend.html) shows the same.
const KINDS = {
  young_person: { colour: "#1d70b8", shape: (r) => ["circle", { r }] },
  person: { colour: "#d4351c", shape: (r) => ["rect", { x: -r, y: -r, width: 2 * r, height: 2 * r }] },
  location: { colour: "#00703c", shape: (r) => ["polygon", { points: `0,${-r} ${r},${r} ${-r},${r}` }] },
  vehicle: { colour: "#4c2c92", shape: (r) => ["polygon", { points: `0,${-r} ${r},0 0,${r} ${-r},0` }] },
  identifier: {
    colour: "#f47738",
    shape: (r) => ["polygon", { points: `${-r},${-r / 2} 0,${-r} ${r},${-r / 2} ${r},${r / 2} 0,${r} ${-r},${r / 2}` }],
  },
};

function element(name, attributes = {}) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

// Positions on the rings: hop 1 in table order, hop 2 sorted by the mean angle of their hop-1
// neighbours.
export function layout(data) {
  const neighbours = new Map(data.nodes.map((n) => [n.id, []]));
  for (const [a, b] of data.edges) {
    neighbours.get(a)?.push(b);
    neighbours.get(b)?.push(a);
  }
  const position = new Map();
  const place = (nodes, radius) => {
    nodes.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
      position.set(node.id, { x: radius * Math.cos(angle), y: radius * Math.sin(angle), angle });
    });
  };
  const byHop = [0, 1, 2].map((hop) => data.nodes.filter((n) => n.hop === hop));
  place(byHop[0], 0);
  place(byHop[1], RINGS[1]);
  const meanAngle = (node) => {
    const angles = neighbours
      .get(node.id)
      .map((id) => position.get(id))
      .filter((p) => p && p.x !== 0 && byHop[1].length)
      .map((p) => p.angle);
    if (!angles.length) return 0;
    const x = angles.reduce((s, a) => s + Math.cos(a), 0);
    const y = angles.reduce((s, a) => s + Math.sin(a), 0);
    return Math.atan2(y, x);
  };
  const outer = byHop[2]
    .map((node) => ({ node, angle: meanAngle(node) }))
    .sort((p, q) => p.angle - q.angle || p.node.id - q.node.id)
    .map((p) => p.node);
  place(outer, RINGS[2]);
  return position;
}

// A label under a record at the top, bottom or middle of the drawing; beside one to the left
// or right, on its outer side, so that names on the same row do not run into each other.
function labelPlace(node, at, size, centre) {
  const side = node.id === centre || Math.abs(at.x) < 1 ? 0 : Math.sign(at.x);
  if (side === 0) return { y: size + 24, "text-anchor": "middle" };
  return { x: side * (size + 6), y: 7, "text-anchor": side > 0 ? "start" : "end" };
}

function draw(container, data) {
  const position = layout(data);
  const count = data.nodes.length;
  const radius = count > 400 ? 4 : count > 100 ? 7 : 14;
  const half = SIZE / 2 + 40;
  const svg = element("svg", {
    viewBox: `${-half} ${-half} ${2 * half} ${2 * half}`,
    width: "100%",
    role: "img",
    "aria-labelledby": container.dataset.summary,
    class: "app-network-svg",
    "font-family": FONT_FAMILY,
  });
  const lines = element("g", { stroke: "#b1b4b6", "stroke-width": count > 400 ? 0.5 : 1.5 });
  for (const [a, b] of data.edges) {
    const from = position.get(a);
    const to = position.get(b);
    if (from && to) lines.append(element("line", { x1: from.x, y1: from.y, x2: to.x, y2: to.y }));
  }
  svg.append(lines);
  const marks = element("g");
  for (const node of data.nodes) {
    const at = position.get(node.id);
    const kind = KINDS[node.kind] ?? KINDS.person;
    const size = node.id === data.centre ? radius * 1.6 : radius;
    const [name, attributes] = kind.shape(size);
    const group = element("g", { transform: `translate(${at.x.toFixed(1)} ${at.y.toFixed(1)})` });
    const mark = element(name, { ...attributes, fill: kind.colour, stroke: "#ffffff", "stroke-width": 1 });
    const title = element("title");
    title.textContent = node.label;
    mark.append(title);
    group.append(mark);
    if (count <= LABELS_UP_TO || node.id === data.centre) {
      const text = element("text", { ...labelPlace(node, at, size, data.centre), "font-size": 22, fill: "#0b0c0c" });
      text.textContent = node.label.length > 24 ? `${node.label.slice(0, 23)}…` : node.label;
      group.append(text);
    }
    marks.append(group);
  }
  svg.append(marks);
  container.replaceChildren(svg);
  // Widen the frame to take in every label (a long name on the left or right of the outer
  // ring runs past the rings' square), so that no label is cut off at the edge.
  const box = svg.getBBox();
  const left = Math.min(box.x - MARGIN, -half);
  const top = Math.min(box.y - MARGIN, -half);
  const right = Math.max(box.x + box.width + MARGIN, half);
  const bottom = Math.max(box.y + box.height + MARGIN, half);
  svg.setAttribute("viewBox", `${left} ${top} ${right - left} ${bottom - top}`);
  // On a narrow screen the region scrolls: start with the record in the middle in view.
  container.scrollLeft = (container.scrollWidth - container.clientWidth) / 2;
}

const container = document.getElementById("network-drawing");
const source = document.getElementById("network-data");
if (container && source) draw(container, JSON.parse(source.textContent));
