// Thumbnail: the image scaled to fit in 256×256, keeping its aspect ratio
// (never enlarged), as a PNG. The resize is a box filter: each thumbnail
// pixel is the mean of the pixels it covers.
const MAX = 256;

function transform(input, ctx) {
  const img = ctx.image.decode(input);
  const scale = Math.min(1, MAX / img.width, MAX / img.height);
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  return ctx.image.encodePNG(ctx.image.resize(img, w, h));
}
