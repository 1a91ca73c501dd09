// The checks the browser tests run inside each page (see a11y.py): one function per check.
({
  // contrast
  contrast: () => {
  const parse = (text) => {
    const match = /rgba?\(([^)]+)\)/.exec(text || '');
    if (!match) return null;
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, base) => ({
    r: top.r * top.a + base.r * (1 - top.a), g: top.g * top.a + base.g * (1 - top.a),
    b: top.b * top.a + base.b * (1 - top.a), a: 1 });
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    return layers.reverse().reduce((base, layer) => over(layer, base), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = ({ r, g, b }) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const failures = [];
  let checked = 0;
  for (const element of document.querySelectorAll('body *')) {
    const text = [...element.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!text) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || style.visibility === 'hidden' || style.display === 'none') continue;
    if (element.closest(':disabled, [aria-disabled="true"], [hidden]')) continue;
    const back = background(element);
    const fore = over(parse(style.color), back);
    const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    checked += 1;
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`${element.tagName.toLowerCase()} "${text.slice(0, 30)}" ${ratio.toFixed(2)}:1 (${style.color} on rgb(${Math.round(back.r)}, ${Math.round(back.g)}, ${Math.round(back.b)}))`);
    }
  }
  return { checked, failures };
},
  // unlabelled
  unlabelled: () => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]'))
  .filter((el) => !([...(el.labels || [])].some((label) => label.textContent.trim()))
    && !(el.getAttribute('aria-label') || '').trim() && !el.getAttribute('aria-labelledby'))
  .map((el) => el.outerHTML.slice(0, 160)),
  // inlineCode
  inlineCode: () => ({
  lang: document.documentElement.lang,
  inlineScripts: document.querySelectorAll('script:not([src])').length,
  handlers: [...document.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${el.tagName} ${a.name}`)),
  javascriptUrls: [...document.querySelectorAll('[href^="javascript:"], [src^="javascript:"], [action^="javascript:"]')].length,
}),
  // focused
  focused: () => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent)
      || el.textContent || el.title || '').trim().slice(0, 40),
    id: el.id, visible: outline || (style.boxShadow && style.boxShadow !== 'none'), focusVisible: el.matches(':focus-visible'),
  };
},
})
