// What every LspFineTune page shares (the breakdown, the search results): element builders and round axis steps.
// Loaded before the page's own script; no framework, no network.
// @ts-check
(function () {
  /** Sets attributes and children; style through the CSSOM (the page's Content-Security-Policy blocks inline style
   * attributes, not style properties), on* as listeners. */
  function fill(el, attrs, children) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'style') el.style.cssText = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, String(value));
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
    return el;
  }

  /** Tiny element builder: h('div', {class: 'x'}, child, 'text'). */
  const h = (tag, attrs, ...children) => fill(document.createElement(tag), attrs, children);

  /** The same for SVG elements: s('circle', {cx: 3, cy: 4, r: 2}). */
  const s = (tag, attrs, ...children) => fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);

  /** A key figure: a label, a value, a line of detail; `tone` is good, bad or nothing. */
  function kpi(label, value, detail, tone) {
    return h('div', { class: `kpi ${tone || ''}` }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-detail' }, detail || ''));
  }

  /** A round axis step: 1, 2 or 5 × 10^n. */
  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
  }

  // @ts-ignore a global for the page scripts that follow
  window.lftPage = { h, s, kpi, niceStep };
})();
