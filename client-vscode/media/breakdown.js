// The breakdown page: draws the data the extension posts (see breakdownPanel.ts). No framework, no network:
// plain DOM built from the reply of the server's `lft.showBreakdown`.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is injected by the webview host
  const vscode = acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));

  // Stable colours per term (theme chart colours, so light, dark and high-contrast themes all work).
  const COLORS = {
    weights: 'var(--vscode-charts-blue)',
    gradients: 'var(--vscode-charts-purple)',
    optimizer_states: 'var(--vscode-charts-yellow)',
    optimizer_step_buffers: 'var(--vscode-charts-orange)',
    activations: 'var(--vscode-terminal-ansiCyan)',
    logits_and_loss: 'var(--vscode-terminal-ansiMagenta)',
    zero3_gather_buffers: 'var(--vscode-charts-green)',
    communication_buffers: 'var(--vscode-terminal-ansiBrightBlue)',
    overhead: 'var(--vscode-charts-lines)',
  };
  const FALLBACK = ['var(--vscode-terminal-ansiBrightYellow)', 'var(--vscode-terminal-ansiBrightGreen)', 'var(--vscode-terminal-ansiBrightMagenta)'];
  const colorOf = (name, i) => COLORS[name] || FALLBACK[i % FALLBACK.length];

  /** Sizes as the server prints them: GB = 10^9 bytes, GiB = 2^30. */
  function size(bytes, units) {
    const binary = units === 'GiB';
    const k = binary ? 1024 : 1000;
    const names = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (Math.abs(value) >= k && unit < names.length - 1) { value /= k; unit++; }
    return `${value.toFixed(unit === 0 || Math.abs(value) >= 100 ? 0 : 1)} ${names[unit]}`;
  }
  function duration(seconds) {
    if (seconds == null || !isFinite(seconds)) return '–';
    if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${minutes % 60} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }
  const percent = (x) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
  const number = (x) => Math.round(x).toLocaleString('en-US');

  // @ts-ignore page.js (loaded first) defines it
  const { h, kpi, niceStep } = window.lftPage;

  function render(message) {
    if (message.type === 'closed') {
      root.prepend(h('p', { class: 'banner' }, 'The document was closed; these numbers are the last ones computed.'));
      return;
    }
    const file = message.file || '';
    if (!message.ok) {
      root.replaceChildren(
        header(file, null),
        h('section', { class: 'empty' }, h('div', { class: 'empty-icon' }, '!'), h('p', {}, 'No estimate for this config yet.'), h('p', { class: 'muted' }, message.message)),
      );
      return;
    }
    const b = message.breakdown;
    const units = b.units;
    const terms = b.terms.filter((t) => t.bytes > 0).sort((x, y) => y.bytes - x.bytes);
    const unused = b.terms.filter((t) => t.bytes <= 0);
    const scale = Math.max(b.peakBytes, b.usableBytes) * 1.04;
    const at = (bytes) => `${((bytes / scale) * 100).toFixed(3)}%`;
    const over = b.peakBytes - b.usableBytes;

    // The stacked bar, largest term first, with the usable limit drawn across it and the part past it hatched.
    const segments = terms.map((t, i) =>
      h('div', {
        class: 'segment',
        style: `width:${at(t.bytes)};background:${colorOf(t.name, i)}`,
        title: `${t.label}: ${size(t.bytes, units)} (${percent(t.bytes / b.peakBytes)} of the peak)`,
        'data-term': t.name,
      }, t.bytes / scale > 0.09 ? h('span', { class: 'segment-label' }, t.label) : null),
    );
    const ticks = [];
    // Ticks on round numbers of the display unit (GB or GiB).
    const unitBytes = units === 'GiB' ? 2 ** 30 : 1e9;
    const step = niceStep(scale / unitBytes / 5) * unitBytes;
    for (let v = 0; v <= scale; v += step) ticks.push(h('span', { class: 'tick', style: `left:${at(v)}` }, v === 0 ? '0' : size(v, units).replace(/\.0 /, ' ')));
    const chart = h('section', { class: 'chart', 'aria-label': 'Stacked bar of the memory terms against the usable memory per GPU' },
      h('div', { class: 'bar-wrap' },
        h('div', { class: 'bar' }, segments),
        over > 0 ? h('div', { class: 'over', style: `left:${at(b.usableBytes)};width:${at(over)}`, title: `${size(over, units)} over the limit` }) : null,
        // Near the right edge the label goes left of the line so it is not cut off.
        h('div', { class: `limit ${b.fits ? 'ok' : 'bad'} ${b.usableBytes / scale > 0.7 ? 'flip' : ''}`, style: `left:${at(b.usableBytes)}` }, h('span', {}, `usable ${size(b.usableBytes, units)}`)),
      ),
      h('div', { class: 'axis' }, ticks),
    );

    const table = h('table', { class: 'terms' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Term'), h('th', { class: 'num' }, 'Per GPU'), h('th', { class: 'num' }, 'Share'), h('th', {}, 'How it is computed'))),
      h('tbody', {}, terms.map((t, i) =>
        h('tr', {},
          h('td', { class: 'term' }, h('span', { class: 'swatch', style: `background:${colorOf(t.name, i)}` }), t.label),
          h('td', { class: 'num strong' }, size(t.bytes, units)),
          h('td', { class: 'num' }, h('div', { class: 'share' }, h('div', { class: 'share-fill', style: `width:${(t.bytes / b.peakBytes) * 100}%;background:${colorOf(t.name, i)}` })), percent(t.bytes / b.peakBytes)),
          h('td', { class: 'formula' }, h('code', {}, t.formula || '–'), t.source ? h('div', { class: 'source' }, t.source) : null),
        ))),
      h('tfoot', {}, h('tr', {}, h('td', {}, 'Peak per GPU'), h('td', { class: 'num strong' }, size(b.peakBytes, units)), h('td', { class: 'num' }, percent(b.peakBytes / b.usableBytes) + ' of usable'), h('td', {}))),
    );

    const rt = b.runtime;
    const runtimeTerms = (rt.terms || []).filter((t) => t.seconds > 0);
    const rtTotal = runtimeTerms.reduce((s, t) => s + t.seconds, 0) || 1;
    const runtime = h('section', { class: 'runtime' },
      h('h2', {}, 'Runtime'),
      runtimeTerms.length ? h('div', { class: 'rt-bar' }, runtimeTerms.map((t, i) =>
        h('div', { class: 'segment', style: `width:${(t.seconds / rtTotal) * 100}%;background:${FALLBACK.concat(Object.values(COLORS))[i % 12]}`, title: `${t.name}: ${duration(t.seconds)} per step — ${t.formula}` },
          t.seconds / rtTotal > 0.12 ? h('span', { class: 'segment-label' }, t.name) : null))) : null,
      runtimeTerms.length ? h('ul', { class: 'rt-terms' }, runtimeTerms.map((t, i) =>
        h('li', {}, h('span', { class: 'swatch', style: `background:${FALLBACK.concat(Object.values(COLORS))[i % 12]}` }), h('span', { class: 'rt-name' }, t.name), h('span', { class: 'rt-sec' }, `${duration(t.seconds)}/step`), h('span', { class: 'muted rt-formula' }, t.formula)))) : null,
    );

    root.replaceChildren(...[
      header(file, b),
      h('section', { class: 'kpis' },
        kpi('Peak per GPU', size(b.peakBytes, units), `${percent(b.peakBytes / b.usableBytes)} of usable`, b.fits ? 'good' : 'bad'),
        kpi('Usable per GPU', size(b.usableBytes, units), `${b.gpus} × ${b.gpu}`),
        over > 0 ? kpi('Over the limit by', size(over, units), 'per GPU', 'bad') : kpi('Headroom', size(-over, units), 'per GPU', 'good'),
        kpi('Step time', duration(rt.stepSeconds), `${number(rt.tokensPerSecond)} tokens/s`),
        kpi('Whole run', duration(rt.totalSeconds), rt.totalSteps != null ? `${number(rt.totalSteps)} steps` : 'no data size given'),
      ),
      chart,
      b.offloadedBytesPerNode > 0 ? h('p', { class: 'muted' }, `Offloaded to host memory: ${size(b.offloadedBytesPerNode, units)} per node.`) : null,
      table,
      unused.length ? h('p', { class: 'muted unused' }, `Not used by this plan: ${unused.map((t) => t.label).join(', ')}.`) : null,
      runtime,
      h('footer', {},
        !b.fits ? h('button', { class: 'primary', onclick: () => vscode.postMessage({ type: 'plan' }) }, 'Find a plan that fits') : null,
        h('span', { class: 'muted' }, `Document version ${b.version} · updated ${new Date().toLocaleTimeString()} · sizes in ${units} (setting lft.units)`),
      ),
    ].filter(Boolean));
  }

  function header(file, b) {
    return h('header', {},
      h('div', { class: 'titles' },
        h('h1', {}, 'Memory breakdown'),
        h('a', { class: 'file', href: '#', onclick: (e) => { e.preventDefault(); vscode.postMessage({ type: 'open' }); } }, file)),
      b ? h('span', { class: `pill ${b.fits ? 'good' : 'bad'}`, id: 'verdict' }, b.fits ? '✓ Fits' : '✕ Does not fit') : null,
    );
  }

  window.addEventListener('message', (event) => render(event.data));
  vscode.postMessage({ type: 'ready' });
})();
