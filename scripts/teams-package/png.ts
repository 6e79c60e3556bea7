// What the Teams package check needs from a PNG: its size and whether it can be transparent, read
// from the IHDR chunk (and a tRNS chunk before the image data). No image decoding.
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngInfo {
  width: number;
  height: number;
  colorType: number;
  /** Colour type with alpha (4, 6) or a tRNS chunk. */
  hasTransparency: boolean;
}

/** Size and colour type of `png`; undefined when it is not a PNG file. */
export function readPngInfo(png: Buffer): PngInfo | undefined {
  if (
    png.length < 33 ||
    !png.subarray(0, 8).equals(PNG_SIGNATURE) ||
    png.toString("latin1", 12, 16) !== "IHDR"
  ) {
    return undefined;
  }
  const colorType = png.readUInt8(25);
  let hasTransparency = colorType === 4 || colorType === 6;
  for (let offset = 8; offset + 8 <= png.length && !hasTransparency; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    if (type === "tRNS") hasTransparency = true;
    if (type === "IDAT" || type === "IEND") break; // tRNS must come before IDAT
    offset += 12 + length;
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType, hasTransparency };
}
