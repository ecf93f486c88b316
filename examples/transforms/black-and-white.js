// Black and white: every pixel's R, G and B become its luma
//
//   Y = (77·R + 150·G + 29·B + 128) >> 8
//
// (the BT.601 weights 0.299, 0.587, 0.114 in 8-bit fixed point; they sum
// to 256, so white stays 255). Alpha is kept. The result is a PNG.
//
// The loop runs in the sandbox, one pixel per iteration, over a 32-bit
// view of the RGBA bytes: one read and one write per pixel instead of six.
// Typed arrays use the machine's byte order and every machine Bitverse
// runs on (amd64, arm64) is little-endian, so a pixel reads as
// R | G << 8 | B << 16 | A << 24.
function transform(input, ctx) {
  const img = ctx.image.decode(input);
  const px = new Uint32Array(img.pixels.buffer);
  const n = px.length;
  for (let i = 0; i < n; i++) {
    const v = px[i];
    const y = (77 * (v & 255) + 150 * ((v >>> 8) & 255) + 29 * ((v >>> 16) & 255) + 128) >>> 8;
    px[i] = (v & 0xff000000) | (y * 0x10101);
  }
  return ctx.image.encodePNG(img);
}
