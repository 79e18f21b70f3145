'use strict';
// Growing-document benchmark: what one document of N keys costs `lft lsp`, over its real transport (stdio, LSP
// framing), in time and memory, for N from 1,000 to 1,000,000. Not a test: it asserts nothing, and these machines vary
// several-fold from run to run, so compare rows of one run only. Linear cost shows as a flat "per key" column.
//
// Each size runs in a fresh server process, so the process's peak resident memory (VmHWM) is that size's peak:
//   open -> diagnostics   didOpen sent -> the publishDiagnostics for that version arrived (parse, check, estimate,
//                         findings, conversion, the message itself); the server's debounce is set to 0
//   symbols, hover, hints textDocument/documentSymbol, a hover on the last key, textDocument/inlayHint (whole document)
//   peak RSS              VmHWM of the server process after all of that (Linux /proc; "n/a" elsewhere)
//   per key               (peak RSS - the same for the 1-key baseline) / N, and open -> diagnostics / N
// Shapes of document (each the example config examples/llama2-7b-lora.lft.yaml plus N of something):
//   keys     N unknown keys in the `output` section (each one a finding with a did-you-mean)
//   targets  N LoRA target module names in method.lora.target_modules (a block list)
// Documents over the server's size cap (ConfigAnalyzer.MaxConfigCharacters) get one diagnostic instead of an analysis; the
// "analysed" column says which rows were analysed.
//
// Usage: bench/lsp/growing [--sizes 1000,10000,100000,1000000] [--shapes keys,targets] [--timeout-s 600]
// Environment: LFT_DLL (default artifacts/lft/lft.dll). Needs node 20+ and nothing from npm.

const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const repo = path.resolve(__dirname, '..', '..');
const args = parseArgs(process.argv.slice(2));
const SIZES = String(args.sizes ?? '1000,10000,100000,1000000').split(',').map(Number);
const SHAPES = String(args.shapes ?? 'keys,targets').split(',');
const TIMEOUT_MS = (args['timeout-s'] ?? 600) * 1000;
const lftDll = process.env.LFT_DLL || path.join(repo, 'artifacts', 'lft', 'lft.dll');
const example = fs.readFileSync(path.join(repo, 'examples', 'llama2-7b-lora.lft.yaml'), 'utf8');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const m = /^--([\w-]+)$/.exec(argv[i]);
    if (!m || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[m[1]] = /^\d+$/.test(argv[i + 1]) ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}

const SHAPE_TEXT = {
  keys: (n) => {
    const lines = [example.trimEnd()];
    for (let i = 0; i < n; i++) lines.push(`  custom_key_${String(i).padStart(7, '0')}: ${i}`);
    return { text: lines.join('\n') + '\n', lastLine: lines.length - 1, lastColumn: 4 };
  },
  targets: (n) => {
    const names = [];
    for (let i = 0; i < n; i++) names.push(`      - model.layers.${i}.self_attn.q_proj`);
    const text = example.replace('    target_modules: [q_proj, v_proj]', `    target_modules:\n${names.join('\n')}`);
    const lines = text.split('\n');
    const last = lines.findIndex((l) => l.startsWith('optimizer:')) - 1;
    return { text, lastLine: last, lastColumn: 10 };
  },
};

const now = () => Number(process.hrtime.bigint()) / 1e6;

// A minimal LSP client over the child's stdio: Content-Length frames, replies matched by id.
class Server {
  constructor() {
    this.proc = cp.spawn('dotnet', [lftDll, 'lsp', '--stdio'], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.stderr = ((this.stderr ?? '') + d).slice(-4000); });
    this.buffer = Buffer.alloc(0);
    this.chunks = [];
    this.received = 0;
    this.nextId = 1;
    this.pending = new Map();
    this.notificationWaiters = [];
    this.proc.stdout.on('data', (chunk) => this.receive(chunk));
  }

  // Chunks are joined only once a whole frame is there: joining on every chunk is quadratic in a large message, and
  // would be measured as the server's time.
  receive(chunk) {
    this.chunks.push(chunk);
    this.received += chunk.length;
    while (true) {
      if (this.needed === undefined) {
        this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
        this.chunks = [];
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const header = this.buffer.subarray(0, end).toString('ascii');
        this.needed = end + 4 + Number(/content-length:\s*(\d+)/i.exec(header)?.[1]);
        this.bodyStart = end + 4;
        this.received = this.buffer.length;
      }
      if (this.received < this.needed) return;
      this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
      this.chunks = [];
      const body = this.buffer.subarray(this.bodyStart, this.needed);
      this.buffer = this.buffer.subarray(this.needed);
      this.received = this.buffer.length;
      this.needed = undefined;
      this.dispatch(JSON.parse(body.toString('utf8')), body.length);
    }
  }

  dispatch(message, bytes) {
    if (message.method && message.id !== undefined) {
      // workspace/configuration gets nothing (defaults); other server requests a null result.
      const result = message.method === 'workspace/configuration' ? message.params.items.map(() => null) : null;
      this.send({ jsonrpc: '2.0', id: message.id, result });
    } else if (message.method) {
      const waiters = this.notificationWaiters;
      this.notificationWaiters = [];
      for (const w of waiters) (w.match(message) ? w.resolve({ message, bytes, at: now() }) : this.notificationWaiters.push(w));
    } else if (this.pending.has(message.id)) {
      this.pending.get(message.id)(message);
      this.pending.delete(message.id);
    }
  }

  send(message) {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  request(method, params) {
    const id = this.nextId++;
    const reply = new Promise((resolve) => this.pending.set(id, resolve));
    const started = now();
    this.send({ jsonrpc: '2.0', id, method, params });
    return withTimeout(reply.then((r) => ({ ms: now() - started, reply: r })), method);
  }

  notification(match, what) {
    return withTimeout(new Promise((resolve) => this.notificationWaiters.push({ match, resolve })), what);
  }

  peakRssMb() {
    try {
      const status = fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
    } catch {
      return NaN;
    }
  }

  async stop() {
    await this.request('shutdown', null).catch(() => {});
    this.send({ jsonrpc: '2.0', method: 'exit' });
    await new Promise((resolve) => { this.proc.on('exit', resolve); setTimeout(() => { this.proc.kill(); resolve(); }, 5000); });
  }
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}`)), TIMEOUT_MS); }),
  ]);
}

async function measure(shape, n) {
  const { text, lastLine, lastColumn } = SHAPE_TEXT[shape](n);
  const uri = pathToFileURL(path.join(repo, 'examples', `growing-${shape}-${n}.lft.yaml`)).href;
  const server = new Server();
  try {
    await server.request('initialize', {
      processId: null,
      clientInfo: { name: 'lft-growing-bench' },
      rootUri: pathToFileURL(repo).href,
      initializationOptions: { lft: { diagnosticsDelayMs: 0 } },
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    server.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
    const published = server.notification((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && m.params.version === 1, 'publishDiagnostics');
    const opened = now();
    server.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'yaml', version: 1, text } } });
    const diagnostics = await published;
    const symbols = await server.request('textDocument/documentSymbol', { textDocument: { uri } });
    const hover = await server.request('textDocument/hover', { textDocument: { uri }, position: { line: lastLine, character: lastColumn } });
    const hints = await server.request('textDocument/inlayHint', { textDocument: { uri } });
    const list = diagnostics.message.params.diagnostics;
    return {
      shape, n, mb: Buffer.byteLength(text, 'utf8') / 1e6,
      openMs: diagnostics.at - opened,
      diagnostics: list.length,
      diagnosticsKb: diagnostics.bytes / 1024,
      analysed: !list.some((d) => d.code === 'LFT0009'),
      symbolsMs: symbols.ms, symbols: countSymbols(symbols.reply.result), hoverMs: hover.ms, hintsMs: hints.ms,
      peakMb: server.peakRssMb(),
    };
  } catch (e) {
    return { shape, n, error: `${e.message}${server.stderr ? `; server log: ${server.stderr.slice(-400)}` : ''}` };
  } finally {
    await server.stop();
  }
}

function countSymbols(symbols) {
  return (symbols ?? []).reduce((sum, s) => sum + 1 + countSymbols(s.children), 0);
}

const fmt = (v, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

(async () => {
  if (!fs.existsSync(lftDll)) {
    console.error(`bench/lsp/growing: ${lftDll} is missing (run ./lft --version once, or set LFT_DLL)`);
    process.exit(2);
  }
  console.log(`lft lsp, one document of N keys per fresh process (${lftDll}); debounce 0`);
  const header = ['shape', 'keys', 'MB', 'analysed', 'open->diag ms', 'diags', 'diag msg KB', 'symbols', 'symbols ms', 'hover ms', 'hints ms', 'peak RSS MB', 'us/key', 'KB/key'];
  console.log(header.join(' | '));
  for (const shape of SHAPES) {
    const baseline = await measure(shape, 1);
    print(baseline, baseline);
    for (const n of SIZES) print(await measure(shape, n), baseline);
  }
})();

function print(row, baseline) {
  if (row.error) {
    console.log(`${row.shape} | ${fmt(row.n)} | error: ${row.error}`);
    return;
  }
  const perKeyUs = row.n > 1 ? (row.openMs * 1000) / row.n : NaN;
  const perKeyKb = row.n > 1 ? ((row.peakMb - baseline.peakMb) * 1024) / row.n : NaN;
  console.log([row.shape, fmt(row.n), fmt(row.mb, 2), row.analysed ? 'yes' : 'no (cap)', fmt(row.openMs), fmt(row.diagnostics), fmt(row.diagnosticsKb),
    fmt(row.symbols), fmt(row.symbolsMs), fmt(row.hoverMs), fmt(row.hintsMs), fmt(row.peakMb), fmt(perKeyUs, 1), fmt(perKeyKb, 2)].join(' | '));
}
