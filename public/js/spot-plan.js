// Drag-and-drop on the building plan of /admin/estacionamientos (progressive enhancement).
//
// Without this file the page works the same way with its numeric fields. With it, pressing a
// spot's box picks that spot for the placement form, dragging moves the box and fills the
// form's x/y fields (snapped to 10 units, clamped to the plan's bounds), and typing in the
// fields moves the box. Nothing is saved until the admin presses "Guardar posición": the form
// and the server's checks are the same with and without JavaScript.
//
// Positions are SVG attributes (x, y), never inline styles: the CSP forbids those. Listeners
// are delegated from the document so they survive the page being re-rendered or reached by a
// client-side navigation (a module runs once per document).

const BOX_W = 80;
const BOX_H = 60;
const SNAP = 10;

function form() {
  return document.querySelector("form[data-plan-form]");
}

function svgOf(el) {
  return el.closest("svg[data-plan]");
}

function bounds(svg) {
  const n = (k) => Number(svg.getAttribute(k));
  return { minX: n("data-min-x"), maxX: n("data-max-x"), minY: n("data-min-y"), maxY: n("data-max-y") };
}

function toPlan(svg, clientX, clientY) {
  const pt = svg.createSVGPoint();
  pt.x = clientX;
  pt.y = clientY;
  const ctm = svg.getScreenCTM();
  return ctm ? pt.matrixTransform(ctm.inverse()) : { x: 0, y: 0 };
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

// Moves a spot's box (its rect and both labels) so that its centre is (x, y).
function moveBox(g, x, y) {
  const rect = g.querySelector("rect");
  const texts = g.querySelectorAll("text");
  rect.setAttribute("x", String(x - BOX_W / 2));
  rect.setAttribute("y", String(y - BOX_H / 2));
  if (texts[0]) {
    texts[0].setAttribute("x", String(x));
    texts[0].setAttribute("y", String(y - 2));
  }
  if (texts[1]) {
    texts[1].setAttribute("x", String(x));
    texts[1].setAttribute("y", String(y + 18));
  }
  g.dataset.x = String(x);
  g.dataset.y = String(y);
  markClashes(svgOf(g));
}

// Outlines boxes that overlap another one: the server would refuse that position.
function markClashes(svg) {
  if (!svg) return;
  const boxes = [...svg.querySelectorAll("[data-plan-spot]")];
  for (const a of boxes) {
    const clash = boxes.some(
      (b) => b !== a && Math.abs(a.dataset.x - b.dataset.x) < BOX_W && Math.abs(a.dataset.y - b.dataset.y) < BOX_H,
    );
    a.classList.toggle("plan-spot--clash", clash);
  }
}

function status(text) {
  const f = form();
  const p = f && f.querySelector("[data-plan-status]");
  if (p) p.textContent = text;
}

// Points the form at spot `g`: its id, its number in the heading, its current position.
function pick(g) {
  const f = form();
  if (!f) return;
  const id = f.querySelector('input[name="spot_id"]');
  if (id.value !== g.dataset.planSpot) {
    id.value = g.dataset.planSpot;
    const number = f.querySelector("[data-plan-form-number]");
    if (number) number.textContent = g.dataset.number;
    const current = f.querySelector("[data-plan-form-current]");
    if (current) {
      current.textContent =
        g.dataset.placed === "true"
          ? `Posición guardada: x ${g.dataset.x}, y ${g.dataset.y}.`
          : "Sin posición guardada: el plano lo ubica automáticamente.";
    }
    f.map_x.value = g.dataset.placed === "true" ? g.dataset.x : "";
    f.map_y.value = g.dataset.placed === "true" ? g.dataset.y : "";
  }
  for (const other of document.querySelectorAll(".plan-spot--chosen")) other.classList.remove("plan-spot--chosen");
  g.classList.add("plan-spot--chosen");
}

let drag = null;

document.addEventListener("pointerdown", (ev) => {
  const g = ev.target.closest && ev.target.closest("[data-plan-spot]");
  if (!g || !form() || ev.button !== 0) return;
  ev.preventDefault();
  pick(g);
  const svg = svgOf(g);
  const p = toPlan(svg, ev.clientX, ev.clientY);
  drag = { g, svg, dx: Number(g.dataset.x) - p.x, dy: Number(g.dataset.y) - p.y, moved: false };
  g.setPointerCapture?.(ev.pointerId);
});

document.addEventListener("pointermove", (ev) => {
  if (!drag) return;
  const p = toPlan(drag.svg, ev.clientX, ev.clientY);
  const b = bounds(drag.svg);
  const x = clamp(Math.round((p.x + drag.dx) / SNAP) * SNAP, b.minX, b.maxX);
  const y = clamp(Math.round((p.y + drag.dy) / SNAP) * SNAP, b.minY, b.maxY);
  if (String(x) === drag.g.dataset.x && String(y) === drag.g.dataset.y) return;
  drag.moved = true;
  moveBox(drag.g, x, y);
  const f = form();
  f.map_x.value = String(x);
  f.map_y.value = String(y);
});

function endDrag() {
  if (!drag) return;
  const { g, moved } = drag;
  drag = null;
  status(
    moved
      ? `${g.dataset.number}: x ${g.dataset.x}, y ${g.dataset.y}. Pulsa «Guardar posición» para guardarla.`
      : `Elegiste ${g.dataset.number}: arrástralo o escribe su posición.`,
  );
}

document.addEventListener("pointerup", endDrag);
document.addEventListener("pointercancel", endDrag);

// Typing a coordinate moves the chosen box (when both fields hold a position on the plan).
document.addEventListener("input", (ev) => {
  const f = form();
  if (!f || (ev.target !== f.map_x && ev.target !== f.map_y)) return;
  const g = document.querySelector(`[data-plan-spot="${CSS.escape(f.spot_id.value)}"]`);
  if (!g) return;
  const b = bounds(svgOf(g));
  const x = Number(f.map_x.value);
  const y = Number(f.map_y.value);
  if (f.map_x.value !== "" && f.map_y.value !== "" && Number.isInteger(x) && Number.isInteger(y)
      && x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY) {
    moveBox(g, x, y);
  }
});
