// Draws the two Teams app icons and writes them as PNG files next to the manifest template:
//   manifest/teams/color.png    192x192, full colour: a blue rounded square with a white chat bubble
//   manifest/teams/outline.png  32x32, white on transparent: the chat bubble alone
// Run `node scripts/teams-icons.mjs` after changing a shape or colour, and commit both PNGs.
// The PNG encoding is written out here (signature, IHDR, IDAT, IEND, each chunk with its CRC-32 from
// node:zlib) so that no image package is needed; the output is deterministic.
import { writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

const TEAMS_DIR = new URL("../manifest/teams/", import.meta.url);

/** The manifest's accentColor; keep the two in step. */
const ACCENT = [0x0f, 0x6c, 0xbd];
const WHITE = [0xff, 0xff, 0xff];
/** Samples per pixel edge: 8 x 8 = 64 coverage samples give smooth edges. */
const SUPERSAMPLE = 8;

// --- shapes, in coordinates scaled to 0..1 across the icon ---

function inRoundedRect(x, y, left, top, right, bottom, radius) {
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function inTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by);
  const d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy);
  const d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay);
  const hasNeg = d1 < 0 || d2 < 0 || d3 < 0;
  const hasPos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(hasNeg && hasPos);
}

function inCircle(x, y, cx, cy, r) {
  return (x - cx) ** 2 + (y - cy) ** 2 <= r ** 2;
}

/** A speech bubble: a rounded body, a tail at the lower left, and three dots (the "typing" mark). */
function bubble({ body, radius, tail, dotY, dotXs, dotRadius }) {
  return {
    inBubble: (x, y) => inRoundedRect(x, y, ...body, radius) || inTriangle(x, y, ...tail),
    inDot: (x, y) => dotXs.some((dx) => inCircle(x, y, dx, dotY, dotRadius)),
  };
}

const colorBubble = bubble({
  body: [0.2, 0.24, 0.8, 0.66],
  radius: 0.12,
  tail: [
    [0.3, 0.6],
    [0.27, 0.8],
    [0.48, 0.65],
  ],
  dotY: 0.45,
  dotXs: [0.365, 0.5, 0.635],
  dotRadius: 0.047,
});

// The outline icon is tiny: a fatter bubble with bigger dots so it still reads at 32 px.
const outlineBubble = bubble({
  body: [0.06, 0.14, 0.94, 0.7],
  radius: 0.2,
  tail: [
    [0.2, 0.62],
    [0.17, 0.9],
    [0.46, 0.68],
  ],
  dotY: 0.42,
  dotXs: [0.29, 0.5, 0.71],
  dotRadius: 0.085,
});

// --- rasterising ---

/** Straight-alpha RGBA pixels from a per-sample colour function ([r, g, b, a] with a in 0..1). */
function render(size, sample) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          const [cr, cg, cb, ca] = sample(x, y);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
      }
      pixels[i + 3] = Math.round((a / n) * 255);
    }
  }
  return pixels;
}

const TRANSPARENT = [0, 0, 0, 0];

function colorIcon(x, y) {
  if (!inRoundedRect(x, y, 0, 0, 1, 1, 0.22)) return TRANSPARENT;
  if (colorBubble.inBubble(x, y) && !colorBubble.inDot(x, y)) return [...WHITE, 1];
  return [...ACCENT, 1];
}

function outlineIcon(x, y) {
  return outlineBubble.inBubble(x, y) && !outlineBubble.inDot(x, y) ? [...WHITE, 1] : TRANSPARENT;
}

// --- PNG encoding ---

function chunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An 8-bit RGBA (colour type 6), non-interlaced PNG. */
function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: truecolour with alpha
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace
  const stride = size * 4;
  const raw = Buffer.alloc((stride + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (stride + 1)] = 0; // filter type None for every scanline
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

for (const [name, size, draw] of [
  ["color.png", 192, colorIcon],
  ["outline.png", 32, outlineIcon],
]) {
  const file = new URL(name, TEAMS_DIR);
  writeFileSync(file, encodePng(size, render(size, draw)));
  console.log(`wrote ${file.pathname} (${size}x${size})`);
}
