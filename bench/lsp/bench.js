'use strict';
// Side-by-side LSP latency benchmark: `lft lsp --stdio` vs Red Hat's yaml-language-server, driven by the same client
// code over stdio, on the same documents, with the same JSON Schema (schemas/lft.schema.json for the native configs,
// schemas/axolotl.schema.json for the axolotl ones).
// Not a test: these machines vary several-fold from run to run, so only compare figures taken in one run.
//
// Measures, per server and document:
//   cold start     spawn -> first publishDiagnostics after didOpen that carries the schema error in the opened text
//                  (a fresh process each time, COLD_RUNS times)
//   didChange      a one-character edit (a typo toggled in `weight_decay`, so the text and the diagnostics really
//                  change) -> the publishDiagnostics for that version; with each server's default debounce and with 0
//   hover          on `learning_rate`, after the diagnostics of each version arrived
//   inlayHint      the whole document (n/a where the server has no inlayHintProvider)
//   codeAction     at the typo's diagnostic, with the diagnostic in the context
// and, for our server only, cold start -> first diagnostics per dialect: each dialect's configs against the native
// 100-line config, their fresh processes alternated so that the machine's load falls on all of them alike.
//
// Usage: node bench.js [--iterations N] [--big-iterations N] [--warmup N] [--cold-runs N] [--cold-only 1] [--only lft|yaml]
//                      [--docs small,big,lora,dpo] [--dialect-cold-runs N]
// Environment: LFT_DLL (default artifacts/lft/lft.dll)

const cp = require('child_process');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const rpc = require('vscode-languageserver-protocol/node');
const { documents, sites } = require('./docs');

const repo = path.resolve(__dirname, '..', '..');
const args = parseArgs(process.argv.slice(2));
const ITERATIONS = args.iterations ?? 100;
const BIG_ITERATIONS = args['big-iterations'] ?? 20;
const WARMUP = args.warmup ?? 5;
const COLD_RUNS = args['cold-runs'] ?? 5;
const COLD_ONLY = !!args['cold-only']; // --cold-only 1: only the cold-start rows
const DIALECT_COLD_RUNS = args['dialect-cold-runs'] ?? 8;
const DOCS = args.docs ? String(args.docs).split(',') : null; // default: every document
const TIMEOUT_MS = 60000;
// yaml-language-server's schema per document, chosen by file name as users configure it (yaml.schemas).
// torchtune has no schema (its nested keys are Python call arguments): yaml-language-server gets none for it.
const schemaGlobs = {
  lft: ['*.lft.yaml'],
  axolotl: ['*.yml'],
  llamafactory: ['llamafactory-*.yaml'],
  trl: ['trl-*.yaml'],
  accelerate: ['accelerate-*.yaml'],
};
const schemaPaths = Object.fromEntries(Object.keys(schemaGlobs)
  .map((k) => [k, path.join(repo, 'schemas', `${k === 'lft' ? 'lft' : k}.schema.json`)])
  .filter(([, p]) => require('fs').existsSync(p)));
const yamlSchemas = Object.fromEntries(Object.entries(schemaPaths).map(([k, p]) => [pathToFileURL(p).href, schemaGlobs[k]]));
const lftDll = process.env.LFT_DLL || path.join(repo, 'artifacts', 'lft', 'lft.dll');
const yamlLsVersion = require('yaml-language-server/package.json').version;

// Each server with its default debounce and with none. `delay` is what we set; `defaultDelay` what users get.
const SERVERS = {
  lft: {
    title: 'lft lsp',
    defaultDelay: 50, // ServerSettings.DiagnosticsDelayMs
    spawn: () => cp.spawn('dotnet', [lftDll, 'lsp', '--stdio'], { cwd: repo }),
    settings: (delay) => ({ lft: { diagnosticsDelayMs: delay } }),
    initializationOptions: (delay) => ({ lft: { diagnosticsDelayMs: delay } }),
  },
  yaml: {
    title: `yaml-language-server ${yamlLsVersion}`,
    defaultDelay: 200, // SettingsState.validationDelayMs in out/server/src/yamlSettings.js (not a setting)
    spawn: (delay) => cp.spawn(process.execPath, [path.join(__dirname, 'yamlls-server.js'), '--stdio'], {
      cwd: repo,
      env: { ...process.env, YAMLLS_VALIDATION_DELAY_MS: String(delay) },
    }),
    // As users configure it (VS Code's yaml.schemas); the schema store is off because these machines have no
    // network (with it on, yaml-language-server fetches the store's catalog first).
    settings: () => ({
      yaml: { schemas: yamlSchemas, validate: true, hover: true, completion: true, schemaStore: { enable: false } },
    }),
    initializationOptions: () => undefined,
  },
};

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unknown argument ${argv[i]}`);
    const v = argv[i + 1];
    out[m[1]] = /^\d+$/.test(v) ? Number(v) : v;
    i++;
  }
  return out;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}`)), TIMEOUT_MS); }),
  ]);
}

// One server process and the LSP client talking to it.
class Session {
  constructor(kind, delay) {
    this.kind = kind;
    this.server = SERVERS[kind];
    this.delay = delay;
    this.waiters = [];
    this.publishes = 0;
    this.stderr = '';
  }

  async start(doc) {
    this.t0 = now();
    this.proc = this.server.spawn(this.delay);
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(this.proc.stdout), new rpc.StreamMessageWriter(this.proc.stdin));
    this.conn = conn;
    const settings = this.server.settings(this.delay);
    conn.onRequest('workspace/configuration', (p) => p.items.map((item) => {
      const section = item.section ?? '';
      return section in settings ? settings[section] : null;
    }));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('client/unregisterCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('workspace/inlayHint/refresh', () => null);
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onRequest('workspace/semanticTokens/refresh', () => null);
    conn.onNotification('window/logMessage', () => {});
    conn.onNotification('window/showMessage', (p) => { if (p.type <= 2) console.log(`  [${this.kind}] ${p.message}`); });
    conn.onNotification('telemetry/event', () => {});
    conn.onNotification('$/progress', () => {});
    conn.onNotification('textDocument/publishDiagnostics', (p) => {
      const at = now();
      this.publishes++;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) {
        if (w.match(p)) w.resolve({ at, params: p });
        else this.waiters.push(w);
      }
    });
    conn.listen();

    this.uri = pathToFileURL(path.join(repo, 'bench', 'lsp', 'out', doc.file)).href;
    const init = await withTimeout(conn.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'lft-lsp-bench' },
      rootUri: pathToFileURL(repo).href,
      workspaceFolders: [{ uri: pathToFileURL(repo).href, name: 'repo' }],
      initializationOptions: this.server.initializationOptions(this.delay),
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false }, workspaceFolders: true },
        textDocument: {
          synchronization: { didSave: true },
          publishDiagnostics: { versionSupport: true, relatedInformation: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          inlayHint: {},
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } } },
          completion: { completionItem: { snippetSupport: true } },
        },
      },
    }), 'initialize');
    this.capabilities = init.capabilities;
    this.tInitialized = now();
    conn.sendNotification('initialized', {});
    conn.sendNotification('workspace/didChangeConfiguration', { settings });
    this.version = 1;
    this.text = doc.text;
    conn.sendNotification('textDocument/didOpen', { textDocument: { uri: this.uri, languageId: 'yaml', version: 1, text: doc.text } });
  }

  // The next publishDiagnostics for our document (lft sends the version; yaml-language-server does not, so for it
  // this is the first one after the change, the benchmark sending the next change only once it arrived).
  nextDiagnostics(version, accept = () => true) {
    return withTimeout(new Promise((resolve) => this.waiters.push({
      resolve,
      match: (p) => p.uri === this.uri && (p.version === undefined || p.version === null || p.version >= version) && accept(p),
    })), `publishDiagnostics v${version} from ${this.kind}`);
  }

  change(range, text) {
    this.version++;
    this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: this.uri, version: this.version },
      contentChanges: [{ range, text }],
    });
    return this.version;
  }

  async request(method, params) {
    const t = now();
    const result = await withTimeout(this.conn.sendRequest(method, params), method);
    return { ms: now() - t, result };
  }

  async stop() {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      this.conn.sendNotification('exit');
    } catch { /* already gone */ }
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(killer);
    this.conn.dispose();
  }
}

const typoDiagnostic = (p, site) => p.diagnostics.find((d) => d.range.start.line === site.typo.line);

// CPU time (user + system, all threads) a process has used so far, from /proc (Linux); NaN elsewhere. Less sensitive
// than wall time to other load on the machine, so it shows start-up work (JIT, initialisation) more steadily.
function cpuMs(pid) {
  try {
    const stat = require('fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}

// Spawn -> first diagnostics that show the schema error of the opened text (the document opens with the typo).
async function coldStart(kind, delay, doc, site) {
  const s = new Session(kind, delay);
  try {
    const first = s.nextDiagnostics(1);
    const withSchema = s.nextDiagnostics(1, (p) => typoDiagnostic(p, site));
    await s.start(doc);
    const a = await first;
    const cpu = cpuMs(s.proc.pid);
    const b = await withSchema;
    return { first: a.at - s.t0, schema: b.at - s.t0, cpu, init: s.tInitialized - s.t0 };
  } finally {
    await s.stop();
  }
}

// Ours only: cold start -> first diagnostics for each document, the fresh processes alternated (doc 1, doc 2, ...,
// doc 1, ...) so that a busy moment of the machine does not fall on one document only.
async function dialectCold(docs, runs) {
  const out = new Map(docs.map((d) => [d.name, { first: [], cpu: [], init: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const doc of docs) {
      const c = await coldStart('lft', SERVERS.lft.defaultDelay, doc, doc.site);
      const r = out.get(doc.name);
      r.first.push(c.first);
      r.cpu.push(c.cpu);
      r.init.push(c.init);
    }
  }
  return out;
}

async function steady(kind, delay, doc, site, iterations) {
  const s = new Session(kind, delay);
  const r = { change: [], hover: [], inlay: [], action: [], actions: 0, wrong: 0, inlaySupported: false, hoverEmpty: 0 };
  try {
    const opened = s.nextDiagnostics(1, (p) => typoDiagnostic(p, site));
    await s.start(doc);
    await opened;
    r.inlaySupported = !!s.capabilities.inlayHintProvider;
    // Let late work (e.g. a revalidation after the settings pull) finish before timing.
    await quiet(s, Math.max(300, 2 * delay));
    let typo = true;
    const at = site.typo;
    const lastLine = site.lineCount;
    for (let i = 0; i < WARMUP + iterations; i++) {
      const timed = i >= WARMUP;
      // Toggle the typo: delete the extra letter of "weight_decayy", or type it again.
      const range = typo
        ? { start: at, end: { line: at.line, character: at.character + 1 } }
        : { start: at, end: at };
      typo = !typo;
      const expectTypo = typo;
      const t = now();
      const diagnostics = s.nextDiagnostics(s.version + 1);
      s.change(range, expectTypo ? site.typoLetter : '');
      const { at: arrived, params } = await diagnostics;
      const diagnostic = typoDiagnostic(params, site);
      if (!!diagnostic !== expectTypo) r.wrong++;
      if (timed) r.change.push(arrived - t);

      const textDocument = { uri: s.uri };
      const hover = await s.request('textDocument/hover', { textDocument, position: site.hover });
      if (!hover.result) r.hoverEmpty++;
      if (timed) r.hover.push(hover.ms);
      if (r.inlaySupported) {
        const inlay = await s.request('textDocument/inlayHint', {
          textDocument, range: { start: { line: 0, character: 0 }, end: { line: lastLine, character: 0 } },
        });
        if (timed) r.inlay.push(inlay.ms);
      }
      if (diagnostic) {
        const action = await s.request('textDocument/codeAction', {
          textDocument, range: diagnostic.range, context: { diagnostics: [diagnostic], triggerKind: 1 },
        });
        if (timed) { r.action.push(action.ms); r.actions += (action.result || []).length; }
      }
    }
  } finally {
    await s.stop();
  }
  return r;
}

// Waits until the server has published nothing for `ms`.
async function quiet(s, ms) {
  for (;;) {
    const before = s.publishes;
    await new Promise((r) => setTimeout(r, ms));
    if (s.publishes === before) return;
  }
}

// Proves yaml-language-server validates against the schema: the typo'd key must be reported, and the clean text not.
async function schemaCheck(kind, doc, site) {
  const s = new Session(kind, 0);
  try {
    const opened = s.nextDiagnostics(1, (p) => typoDiagnostic(p, site));
    await s.start(doc);
    const { params } = await opened;
    const d = typoDiagnostic(params, site);
    await quiet(s, 300);
    const clean = s.nextDiagnostics(2);
    s.change({ start: site.typo, end: { line: site.typo.line, character: site.typo.character + 1 } }, '');
    const after = (await clean).params;
    return { message: d.message.split('\n')[0], cleanCount: after.diagnostics.length, openCount: params.diagnostics.length };
  } finally {
    await s.stop();
  }
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (v) => (Number.isNaN(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function ratioOf(a, b) {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a / b;
}

function row(metric, ours, theirs) {
  const o50 = percentile(ours, 50), o95 = percentile(ours, 95), t50 = percentile(theirs, 50), t95 = percentile(theirs, 95);
  const ratio = Number.isNaN(o50) || Number.isNaN(t50) ? 'n/a' : `${(t50 / o50).toFixed(1)}x`;
  return [metric, fmt(o50), fmt(o95), fmt(t50), fmt(t95), ratio];
}

function printTable(rows) {
  const head = ['metric', 'ours p50', 'ours p95', 'yaml-ls p50', 'yaml-ls p95', 'ratio p50 (theirs/ours)'];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(r.length === 1 ? r[0] : line(r));
}

async function main() {
  const fs = require('fs');
  const cpus = os.cpus();
  console.log('LSP latency benchmark: lft lsp vs yaml-language-server (same client, documents and schema)');
  console.log(`machine: ${cpus.length} cores (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; node ${process.version}; ${cp.execSync('dotnet --version').toString().trim()} (.NET SDK)`);
  console.log('note: these machines vary several-fold from run to run; compare the two servers within this run, not across runs.');
  console.log(`servers: ${SERVERS.lft.title} (${path.relative(repo, lftDll)}), ${SERVERS.yaml.title}; yaml.schemas ${Object.entries(schemaPaths).map(([k, p]) => `${path.relative(repo, p)} for ${schemaGlobs[k].join(', ')}`).join('; ')}`);
  console.log(`debounce: lft diagnosticsDelayMs default ${SERVERS.lft.defaultDelay} ms (setting lft.diagnosticsDelayMs); yaml-language-server validationDelayMs ${SERVERS.yaml.defaultDelay} ms (hard-coded in out/server/src/yamlSettings.js; set to 0 by yamlls-server.js for the "debounce 0" rows)`);
  console.log(`iterations: ${ITERATIONS} (each document but the 10,000-line one), ${BIG_ITERATIONS} (10,000-line) after ${WARMUP} warm-up; cold start: ${COLD_RUNS} fresh processes per server and document; by dialect (ours): ${DIALECT_COLD_RUNS} rounds, alternated`);
  console.log('');

  const outDir = path.join(__dirname, 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const docs = documents().filter((d) => !DOCS || DOCS.includes(d.name)).map((d) => {
    // Open with the typo in place: cold start then needs the schema to be applied, and the loop toggles it.
    const site = sites(d.text, ...d.site);
    const lines = d.text.split('\n');
    lines[site.typo.line] = lines[site.typo.line].slice(0, site.typo.character) + site.typoLetter + lines[site.typo.line].slice(site.typo.character);
    fs.writeFileSync(path.join(outDir, d.file), d.text);
    return { ...d, text: lines.join('\n'), site };
  });
  if (docs.length === 0) throw new Error(`--docs ${args.docs}: none of ${documents().map((d) => d.name).join(', ')}`);

  // One check per schema: both servers report the typo'd key and accept the fixed text.
  // yaml-language-server only where it has a schema for the document (none for torchtune).
  const serversFor = (doc, kinds) => kinds.filter((k) => k === 'lft' || (doc.schema && schemaPaths[doc.schema]));
  const firstPerSchema = docs.filter((d, i) => docs.findIndex((e) => e.schema === d.schema) === i);
  for (const doc of firstPerSchema) {
    for (const kind of serversFor(doc, ['lft', 'yaml'])) {
      const c = await schemaCheck(kind, doc, doc.site);
      console.log(`check: ${SERVERS[kind].title} validates ${doc.file} (${doc.schema === 'lft' ? 'native' : doc.schema}): "${doc.site.typoKey}${doc.site.typoLetter}" -> "${c.message}" (${c.openCount} diagnostic(s)); fixed text -> ${c.cleanCount} diagnostic(s)`);
    }
  }
  console.log('');

  const kinds = args.only ? [args.only] : ['lft', 'yaml'];
  const rows = [];
  const notes = [];
  const goals = { cold: 'n/a' };
  for (const doc of docs) {
    const iterations = doc.name === 'big' ? BIG_ITERATIONS : ITERATIONS;
    const res = {};
    for (const kind of serversFor(doc, kinds)) {
      const server = SERVERS[kind];
      const cold = { first: [], schema: [], cpu: [], init: [] };
      for (let i = 0; i < COLD_RUNS; i++) {
        const c = await coldStart(kind, server.defaultDelay, doc, doc.site);
        cold.first.push(c.first);
        cold.schema.push(c.schema);
        cold.cpu.push(c.cpu);
        cold.init.push(c.init);
      }
      const none = { change: [], hover: [], inlay: [], action: [], actions: 0, wrong: 0, hoverEmpty: 0 };
      const raw = COLD_ONLY ? none : await steady(kind, server.defaultDelay, doc, doc.site, iterations);
      const zero = COLD_ONLY ? none : await steady(kind, 0, doc, doc.site, iterations);
      const coldZero = { schema: [] };
      for (let i = 0; i < Math.min(COLD_RUNS, 3) && !COLD_ONLY; i++) coldZero.schema.push((await coldStart(kind, 0, doc, doc.site)).schema);
      res[kind] = { cold, coldZero, raw, zero };
      for (const [label, r] of [['default debounce', raw], ['debounce 0', zero]]) {
        if (r.wrong) notes.push(`WARNING ${server.title}, ${doc.label}, ${label}: ${r.wrong} publishes did not match the edited text`);
        if (r.hoverEmpty) notes.push(`note: ${server.title}, ${doc.label}, ${label}: ${r.hoverEmpty} hovers returned nothing`);
      }
      process.stderr.write(`  done: ${server.title}, ${doc.label}\n`);
    }
    const o = res.lft ?? { cold: { first: [], schema: [], cpu: [], init: [] }, coldZero: { schema: [] }, raw: { change: [], hover: [], inlay: [], action: [] }, zero: { change: [] } };
    const t = res.yaml ?? { cold: { first: [], schema: [], cpu: [], init: [] }, coldZero: { schema: [] }, raw: { change: [], hover: [], inlay: [], action: [] }, zero: { change: [] } };
    rows.push([`${doc.label} (${doc.site.lineCount} lines; ${iterations} edits)`]);
    if (doc.name === 'small') goals.cold = `p50 ${fmt(percentile(o.cold.first, 50))} ms`;
    if (doc.dialect !== 'native' && res.lft && res.yaml) goals[doc.name] = ratioOf(percentile(t.zero.change, 50), percentile(o.zero.change, 50));
    rows.push(row('  cold start -> initialize result', o.cold.init, t.cold.init));
    rows.push(row('  cold start -> first diagnostics', o.cold.first, t.cold.first));
    rows.push(row('  cold start -> schema diagnostics', o.cold.schema, t.cold.schema));
    rows.push(row('  cold start, server CPU time used', o.cold.cpu, t.cold.cpu));
    rows.push(row('  cold start, debounce 0', o.coldZero.schema, t.coldZero.schema));
    rows.push(row(`  didChange -> diagnostics (${SERVERS.lft.defaultDelay}/${SERVERS.yaml.defaultDelay} ms debounce)`, o.raw.change, t.raw.change));
    rows.push(row('  didChange -> diagnostics (debounce 0)', o.zero.change, t.zero.change));
    rows.push(row('  hover', o.raw.hover, t.raw.hover));
    rows.push(row('  inlayHint (whole document)', o.raw.inlay, t.raw.inlay));
    rows.push(row('  codeAction at the diagnostic', o.raw.action, t.raw.action));
    if (res.lft && res.yaml) {
      notes.push(`${doc.label}: code actions offered at the typo: lft ${(o.raw.actions / Math.max(1, o.raw.action.length)).toFixed(1)}, yaml-ls ${(t.raw.actions / Math.max(1, t.raw.action.length)).toFixed(1)} on average${t.raw.inlaySupported ? '' : '; yaml-language-server has no inlayHintProvider (n/a)'}`);
    }
  }
  console.log('milliseconds; ratio = yaml-ls p50 / ours p50 (above 1x: ours is faster)');
  printTable(rows);
  console.log('');
  for (const n of notes) console.log(n);
  console.log(`goal: >= 3x faster at p50 (didChange, hover, codeAction rows) and cold start -> first diagnostics under 500 ms (ours, 100-line: ${goals.cold})`);
  const dialectGoals = docs.filter((d) => d.dialect !== 'native' && goals[d.name] !== undefined);
  if (dialectGoals.length > 0) {
    console.log(`goal: each dialect's didChange -> diagnostics (debounce 0) >= 3x faster than yaml-language-server at p50: ${dialectGoals.map((d) => `${d.file} (${d.dialect}) ${goals[d.name].toFixed(1)}x`).join(', ')}`);
  }

  // Ours, by dialect: each dialect's configs against the native 100-line config, alternated.
  const native = docs.find((d) => d.name === 'small');
  const dialects = docs.filter((d) => d.dialect !== 'native');
  if (!native || dialects.length === 0 || args.only === 'yaml' || DIALECT_COLD_RUNS === 0) return;
  const byDoc = await dialectCold([native, ...dialects], DIALECT_COLD_RUNS);
  const base = byDoc.get(native.name);
  console.log('');
  console.log(`lft lsp cold start -> first diagnostics by dialect (${DIALECT_COLD_RUNS} fresh processes per document, alternated; ratio = this document / the native 100-line config, p50)`);
  const head = ['document', 'lines', 'wall p50', 'wall p95', 'CPU p50', 'to initialize p50', 'ratio wall', 'ratio CPU'];
  const table = [head];
  for (const doc of [native, ...dialects]) {
    const r = byDoc.get(doc.name);
    table.push([`${doc.file} (${doc.dialect})`, String(doc.site.lineCount), fmt(percentile(r.first, 50)), fmt(percentile(r.first, 95)), fmt(percentile(r.cpu, 50)),
      fmt(percentile(r.init, 50)), `${ratioOf(percentile(r.first, 50), percentile(base.first, 50)).toFixed(2)}x`, `${ratioOf(percentile(r.cpu, 50), percentile(base.cpu, 50)).toFixed(2)}x`]);
  }
  const widths = head.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  table.forEach((r, i) => {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  console.log(`goal: each dialect's cold start at most 1.2x the native config's: ${dialects.map((d) => `${d.file} ${ratioOf(percentile(byDoc.get(d.name).first, 50), percentile(base.first, 50)).toFixed(2)}x wall, ${ratioOf(percentile(byDoc.get(d.name).cpu, 50), percentile(base.cpu, 50)).toFixed(2)}x CPU`).join('; ')}`);
}

main().then(() => process.exit(0), (e) => { console.error(e.stack || String(e)); process.exit(1); });
