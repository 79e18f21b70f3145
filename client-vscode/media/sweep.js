// The search results page: draws the reply of the server's `lft.sweepResults` that sweepPanel.ts posts: key figures,
// "Apply the best", a plot of early against final eval loss, and a table of every trial. No framework, no network.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is injected by the webview host
  const vscode = acquireVsCodeApi();
  // @ts-ignore page.js (loaded first) defines it
  const { h, s, kpi, niceStep } = window.lftPage;
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));

  const loss = (x) => (x == null ? '–' : x.toFixed(3));
  const seconds = (x) => (x == null ? '–' : x < 60 ? `${x.toFixed(1)} s` : `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`);
  const name = (t) => (t.trial === 0 ? 'as written' : `trial ${t.trial}`);

  /** Replaces the page's content; absent parts (null) are left out. */
  const show = (...parts) => root.replaceChildren(...parts.filter((part) => part != null));

  function render(message) {
    if (!message.ok) {
      show(header(message.file), empty('The results of the search could not be read.', message.message));
      return;
    }
    const r = message.results;
    if (!r.found) {
      show(header(r.file), r.running ? banner('A search is running; its first trials appear here when they end.') : null, empty('No search yet.', r.message));
      return;
    }
    const rows = [...(r.baseline ? [r.baseline] : []), ...r.trials];
    const finished = rows.filter((t) => t.finalEvalLoss != null);
    const best = r.best ? rows.find((t) => t.trial === r.best.trial) : undefined;
    show(
      header(r.file, r.best),
      r.running ? banner('A search is running: these are the trials so far; this page follows it.') : null,
      h('section', { class: 'kpis' },
        kpi('Trials', String(r.trials.length), `${finished.filter((t) => t.trial !== 0).length} ran to the end`),
        kpi('Best eval loss', loss(r.best?.finalEvalLoss), best ? name(best) : 'none ran to the end', r.best ? 'good' : ''),
        kpi('As written', loss(r.baseline?.finalEvalLoss), r.baseline ? `early ${loss(r.baseline.earlyEvalLoss)}` : 'no run'),
        kpi('Early vs final', r.rankCorrelation == null ? '–' : r.rankCorrelation.toFixed(2), 'Spearman ρ of the ranks'),
        kpi('Scored early at', r.earlySteps == null ? '–' : `step ${r.earlySteps}`, r.totalSteps == null ? '' : `of ${r.totalSteps}, same schedule`),
      ),
      apply(r, best),
      h('h2', {}, 'Early against final eval loss'),
      plot(rows, r.best?.trial),
      h('h2', {}, 'Trials'),
      table(r, rows),
      h('footer', { class: 'muted' }, `From ${r.resultsFile}, written ${new Date(r.written).toLocaleString()}. Each trial is scored by its eval loss at the early step (Oliver and Wang 2024: 20% of the run predicts the final ranking); the best early ones ran on to the end.`),
    );
  }

  function header(file, best) {
    return h('header', {},
      h('div', { class: 'titles' },
        h('h1', {}, 'Hyperparameter search'),
        h('a', { class: 'file', href: '#', onclick: (e) => { e.preventDefault(); vscode.postMessage({ type: 'open' }); } }, file || '')),
      best && best.ratio != null ? h('span', { class: `pill ${best.ratio < 1 ? 'good' : ''}`, id: 'verdict' }, `best ${best.ratio.toFixed(2)}× the eval loss as written`) : null,
    );
  }

  function banner(text) {
    return h('p', { class: 'banner' }, text);
  }

  function empty(title, detail) {
    return h('section', { class: 'empty' }, h('div', { class: 'empty-icon' }, '?'), h('p', {}, title), h('p', { class: 'muted' }, detail || ''));
  }

  /** "Apply the best": what it changes in the document as it is now, or that the document already says it. */
  function apply(r, best) {
    if (!best) return h('section', { class: 'apply' }, h('p', { class: 'muted' }, 'No trial ran to the end yet, so there is no best to apply.'));
    if (r.applied) {
      return h('section', { class: 'apply', id: 'applied' },
        h('p', {}, best.trial === 0 ? 'The config as written was the best: nothing to change.' : `The config has ${name(best)}'s values.`));
    }
    return h('section', { class: 'apply' },
      h('button', { class: 'primary', id: 'apply-best', onclick: () => vscode.postMessage({ type: 'apply' }) }, `Apply the best (${name(best)})`),
      h('span', { class: 'changes' }, 'sets ', ...r.changes.flatMap((c, i) => [i > 0 ? ', ' : '', h('code', {}, `${c.path}: ${c.value}`)])),
    );
  }

  /** Early (x) against final (y) eval loss of the runs that went to the end; the others along the bottom. */
  function plot(rows, bestTrial) {
    const width = 640, height = 300, left = 80, right = 24, top = 14, bottom = 44;
    const withEarly = rows.filter((t) => t.earlyEvalLoss != null);
    const finished = withEarly.filter((t) => t.finalEvalLoss != null);
    if (withEarly.length === 0) return h('p', { class: 'muted' }, 'No trial has an early score yet.');
    const range = (values) => {
      let lo = Math.min(...values), hi = Math.max(...values);
      if (hi - lo < 1e-6) { lo -= 0.05; hi += 0.05; }
      const pad = (hi - lo) * 0.08;
      return [lo - pad, hi + pad];
    };
    const [x0, x1] = range(withEarly.map((t) => t.earlyEvalLoss));
    const [y0, y1] = finished.length ? range(finished.map((t) => t.finalEvalLoss)) : [0, 1];
    const rug = height - bottom + 26;
    const x = (v) => left + ((v - x0) / (x1 - x0)) * (width - left - right);
    const y = (v) => top + (1 - (v - y0) / (y1 - y0)) * (height - top - bottom - 10);
    const ticks = (lo, hi) => {
      const step = niceStep((hi - lo) / 5);
      const out = [];
      for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(v);
      return out;
    };
    const decimals = (lo, hi) => Math.max(0, Math.min(4, 1 - Math.floor(Math.log10(niceStep((hi - lo) / 5)))));
    const svg = s('svg', { class: 'plot', viewBox: `0 0 ${width} ${height + 20}`, role: 'img', 'aria-label': 'Early against final eval loss of each trial' },
      ...ticks(x0, x1).map((v) => s('g', { class: 'tick' },
        s('line', { x1: x(v), x2: x(v), y1: top, y2: height - bottom, class: 'grid' }),
        s('text', { x: x(v), y: height - bottom + 14, 'text-anchor': 'middle' }, v.toFixed(decimals(x0, x1))))),
      ...(finished.length ? ticks(y0, y1) : []).map((v) => s('g', { class: 'tick' },
        s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }),
        s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, v.toFixed(decimals(y0, y1))))),
      s('line', { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, class: 'axis' }),
      s('line', { x1: left, x2: left, y1: top, y2: height - bottom, class: 'axis' }),
      s('text', { x: (left + width - right) / 2, y: height + 16, 'text-anchor': 'middle', class: 'label' }, 'early eval loss (at the early step)'),
      s('text', { x: 22, y: (top + height - bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 22 ${(top + height - bottom) / 2})`, class: 'label' }, 'final eval loss'),
      s('text', { x: left - 6, y: rug + 4, 'text-anchor': 'end', class: 'label' }, 'early only'),
      ...withEarly.filter((t) => t.finalEvalLoss == null).map((t) => s('circle', { class: 'point early-only', cx: x(t.earlyEvalLoss), cy: rug, r: 4, 'data-trial': t.trial },
        s('title', {}, `${name(t)}: early ${loss(t.earlyEvalLoss)}, stopped early`))),
      ...finished.map((t) => s('g', { class: `point-group${t.trial === bestTrial ? ' best' : ''}${t.trial === 0 ? ' baseline' : ''}` },
        t.trial === 0
          ? s('rect', { class: 'point', x: x(t.earlyEvalLoss) - 5, y: y(t.finalEvalLoss) - 5, width: 10, height: 10, 'data-trial': 0 }, s('title', {}, `as written: early ${loss(t.earlyEvalLoss)}, final ${loss(t.finalEvalLoss)}`))
          : s('circle', { class: 'point', cx: x(t.earlyEvalLoss), cy: y(t.finalEvalLoss), r: 6, 'data-trial': t.trial }, s('title', {}, `${name(t)}: early ${loss(t.earlyEvalLoss)}, final ${loss(t.finalEvalLoss)}`)),
        // Right of the point, or left of it near the right edge, so the label stays inside the plot.
        x(t.earlyEvalLoss) > width - right - 70
          ? s('text', { x: x(t.earlyEvalLoss) - 9, y: y(t.finalEvalLoss) - 7, 'text-anchor': 'end', class: 'point-label' }, t.trial === 0 ? 'as written' : String(t.trial))
          : s('text', { x: x(t.earlyEvalLoss) + 9, y: y(t.finalEvalLoss) - 7, class: 'point-label' }, t.trial === 0 ? 'as written' : String(t.trial)))),
    );
    return h('figure', { class: 'chart' }, svg);
  }

  /** Every trial, the ones that ran to the end first (best first), then by early score. */
  function table(r, rows) {
    const order = (t) => [t.finalEvalLoss ?? Infinity, t.earlyEvalLoss ?? Infinity, t.trial];
    const sorted = [...rows].sort((a, b) => {
      const [p, q] = [order(a), order(b)];
      return p[0] - q[0] || p[1] - q[1] || p[2] - q[2];
    });
    return h('table', { class: 'trials' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'trial'),
        ...r.keys.map((k) => h('th', {}, h('code', {}, k))),
        h('th', { class: 'num' }, 'early eval loss'),
        h('th', { class: 'num' }, 'final eval loss'),
        h('th', { class: 'num' }, 'time'),
        h('th', {}, ''))),
      h('tbody', {}, ...sorted.map((t) => h('tr', { class: t.trial === r.best?.trial ? 'best' : '', 'data-trial': t.trial },
        h('td', { class: 'strong' }, name(t), t.trial === r.best?.trial ? h('span', { class: 'badge' }, 'best') : null),
        ...r.keys.map((k) => h('td', { class: 'value' }, t.trial === 0 ? h('span', { class: 'muted' }, '·') : t.parameters[k] ?? '')),
        h('td', { class: 'num' }, loss(t.earlyEvalLoss)),
        h('td', { class: 'num' }, t.finalEvalLoss == null ? h('span', { class: 'muted' }, 'stopped early') : loss(t.finalEvalLoss)),
        h('td', { class: 'num' }, seconds(t.seconds)),
        h('td', { class: 'problem' }, t.problem ? h('span', { class: 'muted' }, t.problem)
          : t.trial !== 0 ? h('a', { href: '#', class: 'apply-trial', onclick: (e) => { e.preventDefault(); vscode.postMessage({ type: 'apply', trial: t.trial }); } }, 'apply') : ''))),
      ),
    );
  }

  window.addEventListener('message', (event) => render(event.data));
  vscode.postMessage({ type: 'ready' });
})();
