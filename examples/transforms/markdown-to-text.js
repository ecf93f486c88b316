// Markdown to plain text: headings, emphasis, inline code, links, images,
// block quotes, list markers and fences are reduced to their text.
// Paragraph breaks are kept; the result is a string.
//
// No regular expressions exist in the sandbox, so this is a small scanner.

function stripInline(line) {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) { // an escaped character stands for itself
      out += line[i + 1];
      i += 2;
    } else if (c === '*' || c === '_' || c === '~') { // emphasis and strikethrough markers
      i++;
    } else if (c === '`') { // inline code: keep the code
      const end = line.indexOf('`', i + 1);
      if (end < 0) { out += line.slice(i + 1); break; }
      out += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '!' && line[i + 1] === '[') { // image: keep the alt text
      i++;
    } else if (c === '[') { // link: keep the text, drop the target
      const close = line.indexOf(']', i + 1);
      if (close > 0 && line[close + 1] === '(') {
        const end = line.indexOf(')', close + 2);
        if (end > 0) {
          out += stripInline(line.slice(i + 1, close));
          i = end + 1;
          continue;
        }
      }
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function stripBlock(line) {
  let s = line.trimStart();
  while (s.startsWith('>')) { // block quotes, nested too
    s = s.slice(1).trimStart();
  }
  let h = 0;
  while (h < s.length && s[h] === '#') h++;
  if (h > 0 && h <= 6 && (s.length === h || s[h] === ' ')) { // heading
    return s.slice(h).trim();
  }
  if ((s.startsWith('- ') || s.startsWith('* ') || s.startsWith('+ '))) { // bullet
    return s.slice(2);
  }
  let d = 0;
  while (d < s.length && s[d] >= '0' && s[d] <= '9') d++;
  if (d > 0 && (s[d] === '.' || s[d] === ')') && s[d + 1] === ' ') { // numbered item
    return s.slice(d + 2);
  }
  return s;
}

function isRule(s) {
  const t = s.split(' ').join('');
  return t.length >= 3 && (t.split('-').join('') === '' || t.split('*').join('') === '' || t.split('_').join('') === '');
}

function transform(input, ctx) {
  const lines = ctx.text.decode(input).split('\r\n').join('\n').split('\n');
  const out = [];
  let fenced = false;
  for (const line of lines) {
    if (line.trimStart().startsWith('```')) { // code fences: keep the code, drop the fence
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push(line);
    } else if (isRule(line.trim())) {
      out.push('');
    } else {
      out.push(stripInline(stripBlock(line)).trimEnd());
    }
  }
  // At most one blank line between paragraphs, none at the ends.
  const text = [];
  for (const l of out) {
    if (l === '' && (text.length === 0 || text[text.length - 1] === '')) continue;
    text.push(l);
  }
  while (text.length > 0 && text[text.length - 1] === '') text.pop();
  return text.join('\n') + '\n';
}
