// JSON field extractor: the value at a dotted path of a JSON document,
// returned as JSON text (a string: "Ada" comes back with its quotes, so
// the output always parses as JSON). The path is the last segment of the key the transform
// is stored at, so "tools/json/field/user.name" extracts user.name and
// "tools/json/field/items.0.id" the id of the first item. A missing field
// gives null.
function transform(input, ctx) {
  const doc = JSON.parse(ctx.text.decode(input));
  const segments = ctx.key.split('/');
  const path = segments[segments.length - 1];
  let v = doc;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) {
      return 'null';
    }
    v = v[part];
  }
  return JSON.stringify(v);
}
