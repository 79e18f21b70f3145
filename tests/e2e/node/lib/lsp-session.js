'use strict';
// A small but real LSP client around `lft lsp`: the connection is vscode-languageserver-protocol's own
// (the library inside VS Code's client), over the stdio of a spawned server process. The helper keeps what an
// editor keeps: the text of each open document (edits are applied here, client-side), the diagnostics last
// published per URI, and the messages the server showed. Tests talk to the server only through the protocol.
// `useSession()` is the before/after pair every test file needs: start and initialize a server, and at the end
// shut it down and check that it exited with code 0.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL, fileURLToPath } = require('node:url');
const { before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification,
  ConfigurationRequest,
  ApplyWorkspaceEditRequest,
  ShowMessageNotification,
  LogMessageNotification,
} = require('vscode-languageserver-protocol/node');

const repoRoot = path.resolve(__dirname, '../../../..');
const serverDll = path.join(repoRoot, 'artifacts/lft/lft.dll');
const examplesDir = path.join(repoRoot, 'examples');

/** Seconds a single wait may take before a test fails with a message (the first analysis JIT-compiles a lot). */
const WAIT_MS = 20000;

let built = false;
/** Builds the server the way the README does (`./lft` publishes into artifacts/lft when sources are newer). */
function ensureServerBuilt() {
  // The runner (tests/e2e/run) builds once and says so, because every `./lft` call currently republishes
  // (it compares with server/**/bin/*.json, which each publish touches); a direct `node --test` builds here.
  if (built || (process.env.LFT_E2E_BUILT === '1' && fs.existsSync(serverDll))) return;
  try {
    execFileSync(path.join(repoRoot, 'lft'), ['--version'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`building the server with ./lft --version failed:\n${e.stderr}`);
  }
  if (!fs.existsSync(serverDll)) throw new Error(`./lft --version did not produce ${serverDll}`);
  built = true;
}

/**
 * Runs the command line on files, for comparing the editor's view with what `lft check` reports. `cwd` is the
 * launch directory (companion files such as `deepspeed: ds.json` resolve against it first, as the editor's
 * workspace folder does); the files are relative to it.
 */
function lftCheckJson(files, { cwd = repoRoot } = {}) {
  ensureServerBuilt();
  let out;
  try {
    out = execFileSync('dotnet', [serverDll, 'check', '--format', 'json', ...files], { cwd, encoding: 'utf8' });
  } catch (e) {
    if (e.status !== 1) throw new Error(`lft check failed (exit ${e.status}): ${e.stderr}`);
    out = e.stdout; // exit 1 only means "the config has errors"
  }
  return JSON.parse(out);
}

function exampleFiles() {
  return fs.readdirSync(examplesDir).filter((f) => /\.lft\.(ya?ml|json)$/.test(f)).sort();
}

const tempDirs = [];
process.on('exit', () => { for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true }); });

/**
 * A new folder under the system temp directory holding copies of `files` (paths relative to the repository, or
 * folders, copied whole); removed when the test process exits.
 */
function tempWorkspace(files = [], prefix = 'lft-e2e-ws-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  for (const file of files) {
    const from = path.resolve(repoRoot, file);
    if (fs.statSync(from).isDirectory()) fs.cpSync(from, dir, { recursive: true });
    else fs.copyFileSync(from, path.join(dir, path.basename(file)));
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Text edits, as an editor applies them (positions are UTF-16 code units, which JavaScript strings index by).

function offsetAt(text, position) {
  let line = 0;
  let offset = 0;
  while (line < position.line) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
    line++;
  }
  const lineEnd = text.indexOf('\n', offset);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return Math.min(offset + position.character, end);
}

function positionAt(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Applies one WorkspaceEdit's TextEdits (all relative to the same original text, as LSP specifies). */
function applyTextEdits(text, edits) {
  for (const edit of lastFirst(text, edits)) {
    text = text.slice(0, offsetAt(text, edit.range.start)) + edit.newText + text.slice(offsetAt(text, edit.range.end));
  }
  return text;
}

/**
 * Turns a WorkspaceEdit's TextEdits into incremental content changes: last edit first, so that each change's
 * range is still valid in the text the previous ones produced (didChange applies them in order).
 */
function toContentChanges(text, edits) {
  return lastFirst(text, edits).map((e) => ({ range: e.range, text: e.newText }));
}

/**
 * The edits from the end of the text to its start. Inserts at one position must end up in array order (LSP), so
 * among equal starts the later one goes first: applying it and then the earlier one in front of it keeps the order.
 */
function lastFirst(text, edits) {
  return edits
    .map((edit, index) => ({ edit, index, start: offsetAt(text, edit.range.start) }))
    .sort((a, b) => b.start - a.start || b.index - a.index)
    .map((e) => e.edit);
}

/** The edits for one URI, from either form of WorkspaceEdit the server may send. */
function editsFor(workspaceEdit, uri) {
  if (workspaceEdit.changes && workspaceEdit.changes[uri]) return workspaceEdit.changes[uri];
  const docChange = (workspaceEdit.documentChanges || []).find((c) => c.textDocument && c.textDocument.uri === uri);
  return docChange ? docChange.edits : [];
}

/** Every URI a WorkspaceEdit touches (edited or created), in its order. */
function urisOf(workspaceEdit) {
  if (workspaceEdit.documentChanges) return [...new Set(workspaceEdit.documentChanges.map((c) => (c.textDocument ? c.textDocument.uri : c.uri)))];
  return Object.keys(workspaceEdit.changes || {});
}

// ---------------------------------------------------------------------------------------------------------------

class LspSession {
  /**
   * @param {{settings?: object, root?: string, workspaceEdit?: object}} options `settings`: what the client answers
   *   to workspace/configuration for section `lft`; `root`: the workspace folder (initialize's rootUri and
   *   workspaceFolders; default the repository); `workspaceEdit`: the client's workspace.workspaceEdit capability
   *   (default `{documentChanges: false}`: plain `changes` only).
   */
  constructor(options = {}) {
    ensureServerBuilt();
    this.settings = options.settings || {};
    this.root = options.root || repoRoot;
    this.workspaceEditCapability = options.workspaceEdit || { documentChanges: false };
    this.documents = new Map(); // uri -> { text, version }
    this.diagnostics = new Map(); // uri -> { version, diagnostics }
    this.diagnosticWaiters = [];
    this.messages = []; // window/showMessage
    this.logMessages = []; // window/logMessage
    this.appliedEdits = []; // workspace/applyEdit requests, as received
    this.configurationRequests = [];
    this.stderr = '';

    this.process = spawn('dotnet', [serverDll, 'lsp', '--stdio'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr.on('data', (chunk) => { this.stderr += chunk; });
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));

    this.connection = createProtocolConnection(
      new StreamMessageReader(this.process.stdout),
      new StreamMessageWriter(this.process.stdin),
    );
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.diagnostics.set(params.uri, { version: params.version, diagnostics: params.diagnostics });
      this.diagnosticWaiters = this.diagnosticWaiters.filter((w) => !w(params));
    });
    this.connection.onRequest(ConfigurationRequest.type, (params) => {
      this.configurationRequests.push(params);
      return params.items.map((item) => (item.section === 'lft' ? this.settings : null));
    });
    // The editor side of workspace/applyEdit: apply the edit as VS Code does (see applyWorkspaceEdit).
    this.connection.onRequest(ApplyWorkspaceEditRequest.type, async (params) => {
      this.appliedEdits.push(params);
      try {
        await this.applyWorkspaceEdit(params.edit);
        return { applied: true };
      } catch (e) {
        return { applied: false, failureReason: e.message };
      }
    });
    // workspace/{codeLens,inlayHint}/refresh: the server's "re-ask me" after new settings (announced below).
    this.refreshRequests = [];
    this.refreshWaiters = [];
    for (const method of ['workspace/codeLens/refresh', 'workspace/inlayHint/refresh']) {
      this.connection.onRequest(method, () => {
        this.refreshRequests.push(method);
        this.refreshWaiters.splice(0).forEach((resolve) => resolve(method));
        return null;
      });
    }
    this.connection.onNotification(ShowMessageNotification.type, (p) => this.messages.push(p));
    this.connection.onNotification(LogMessageNotification.type, (p) => this.logMessages.push(p));
    this.connection.listen();
  }

  /** initialize + initialized, with the client capabilities a current VS Code announces for what we test. */
  async initialize() {
    this.initializeResult = await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'lft-e2e-node' },
      rootUri: pathToFileURL(this.root).href,
      workspaceFolders: [{ uri: pathToFileURL(this.root).href, name: path.basename(this.root) }],
      capabilities: {
        workspace: {
          configuration: true,
          applyEdit: true,
          workspaceEdit: this.workspaceEditCapability,
          codeLens: { refreshSupport: true },
          inlayHint: { refreshSupport: true },
        },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } }, isPreferredSupport: true, dataSupport: true },
          codeLens: {},
          inlayHint: {},
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
      },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return this.initializeResult;
  }

  /** Resolves at the next workspace/(codeLens|inlayHint)/refresh request (the server applied new settings), or fails after WAIT_MS. */
  waitForRefresh() {
    if (this.refreshRequests.length > 0) return Promise.resolve(this.refreshRequests[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no workspace/*/refresh within ${WAIT_MS} ms after new settings; stderr:\n${this.stderr.slice(-2000)}`)), WAIT_MS);
      this.refreshWaiters.push((method) => { clearTimeout(timer); resolve(method); });
    });
  }

  uriOf(file) {
    return pathToFileURL(path.resolve(examplesDir, file)).href;
  }

  /** The file: URI of a path, relative to the workspace folder. */
  fileUri(file) {
    return pathToFileURL(path.resolve(this.root, file)).href;
  }

  /** Opens a document (by default an example, with its text on disk) and waits for its first diagnostics. */
  async open(uri, text, languageId) {
    const published = this.waitForDiagnostics(uri, 1);
    await this.didOpen(uri, text, languageId);
    return published;
  }

  /** Sends didOpen (the text on disk unless given) without waiting for anything, as an editor opens a file. */
  async didOpen(uri, text, languageId) {
    if (text === undefined) text = fs.readFileSync(new URL(uri), 'utf8');
    languageId = languageId || (uri.endsWith('.json') ? 'json' : uri.endsWith('.md') ? 'markdown' : 'yaml');
    this.documents.set(uri, { text, version: 1 });
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  /**
   * Applies a WorkspaceEdit the way VS Code does, for a code action's edit and for workspace/applyEdit alike:
   * `changes` or `documentChanges` (CreateFile, TextDocumentEdit) in order; a file that is created is written to
   * disk empty; a document that is not open is opened first (didOpen with its text on disk), then every edited
   * document gets one incremental didChange with a new version. Nothing is saved. All or nothing: a version that does
   * not match the open document, or an operation this client does not do, fails before anything changes.
   * Resolves with the new version of each edited URI.
   */
  async applyWorkspaceEdit(edit) {
    const steps = [];
    if (edit.documentChanges) {
      for (const change of edit.documentChanges) {
        if (change.kind === 'create') steps.push({ create: change.uri, options: change.options || {} });
        else if (change.kind) throw new Error(`resource operation \`${change.kind}\` is not supported by this client`);
        else steps.push({ uri: change.textDocument.uri, version: change.textDocument.version, edits: change.edits });
      }
    } else {
      for (const [uri, edits] of Object.entries(edit.changes || {})) steps.push({ uri, edits });
    }
    for (const step of steps) {
      const doc = step.uri && this.documents.get(step.uri);
      if (doc && typeof step.version === 'number' && step.version !== doc.version) {
        throw new Error(`${path.basename(step.uri)} is at version ${doc.version}, the edit is for version ${step.version}`);
      }
      if (step.create && fs.existsSync(fileURLToPath(step.create)) && !step.options.overwrite && !step.options.ignoreIfExists) {
        throw new Error(`${path.basename(step.create)} exists`);
      }
    }
    const versions = {};
    for (const step of steps) {
      if (step.create) {
        const file = fileURLToPath(step.create);
        if (!fs.existsSync(file) || step.options.overwrite) {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, '');
        }
        continue;
      }
      if (!this.documents.has(step.uri)) await this.didOpen(step.uri);
      versions[step.uri] = await this.applyEdits(step.uri, step.edits);
    }
    return versions;
  }

  text(uri) {
    return this.documents.get(uri).text;
  }

  /** Sends incremental content changes as the next version; returns that version. */
  async change(uri, contentChanges) {
    const doc = this.documents.get(uri);
    for (const change of contentChanges) doc.text = applyTextEdits(doc.text, [{ range: change.range, newText: change.text }]);
    doc.version++;
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: doc.version },
      contentChanges,
    });
    return doc.version;
  }

  /** Applies a list of TextEdits (from the server) client-side and sends them as one incremental didChange. */
  applyEdits(uri, edits) {
    const changes = toContentChanges(this.text(uri), edits);
    return this.change(uri, changes);
  }

  /** Resolves with the diagnostics published for `uri` at `version` (or later); fails with a message on timeout. */
  waitForDiagnostics(uri, version) {
    const current = this.diagnostics.get(uri);
    if (current && current.version >= version) return Promise.resolve(current.diagnostics);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const got = this.diagnostics.get(uri);
        reject(new Error(`no diagnostics for ${path.basename(uri)} version ${version} within ${WAIT_MS} ms `
          + `(last published: version ${got ? got.version : 'none'}); server stderr:\n${this.stderr.slice(-2000)}`));
      }, WAIT_MS);
      this.diagnosticWaiters.push((params) => {
        if (params.uri !== uri || !(params.version >= version)) return false;
        clearTimeout(timer);
        resolve(params.diagnostics);
        return true;
      });
    });
  }

  /**
   * Resolves with the next diagnostics published for `uri` from now on that `accept` takes (whatever their version:
   * a config re-analysed because its companion changed is republished at its own, unchanged version). Call it
   * before the change that should cause the publish.
   */
  nextDiagnostics(uri, accept = () => true, what = 'the expected diagnostics') {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const got = this.diagnostics.get(uri);
        reject(new Error(`no publish of ${what} for ${path.basename(uri)} within ${WAIT_MS} ms; last published: `
          + `${got ? JSON.stringify(summarize(got.diagnostics)) : 'none'}; server stderr:\n${this.stderr.slice(-2000)}`));
      }, WAIT_MS);
      this.diagnosticWaiters.push((params) => {
        if (params.uri !== uri || !accept(params.diagnostics)) return false;
        clearTimeout(timer);
        resolve(params.diagnostics);
        return true;
      });
    });
  }

  request(method, params) {
    return this.connection.sendRequest(method, params);
  }

  /** shutdown + exit, as an editor closes; resolves with the process's exit code and signal. */
  async shutdown() {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve({ code: null, signal: 'no exit within 10 s' }), 10000); });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    this.connection.dispose();
    return result;
  }

  /** Ends the process whatever its state (after a failed test), so no server outlives the test run. */
  kill() {
    try { this.connection.dispose(); } catch { /* already closed */ }
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

/**
 * The before/after pair of a test file (or describe block): a server started and initialized before the tests, shut
 * down after them with a check that it exited with code 0 (killed in any case). Returns the session: a stand-in that
 * forwards to the LspSession once before() has created it (its initialize result is `session.initializeResult`).
 * Node 20 runs a file's top-level async before() hooks concurrently, not one after the other: use the session in
 * tests, or in the hooks of a describe block that calls useSession itself.
 * @param {ConstructorParameters<typeof LspSession>[0] | (() => ConstructorParameters<typeof LspSession>[0])} options
 *   the session's options, or a function giving them when the session starts (for a folder made in an earlier hook)
 */
function useSession(options = {}) {
  let session;
  before(async () => {
    session = new LspSession(typeof options === 'function' ? options() : options);
    await session.initialize();
  });
  after(async () => {
    if (!session) return;
    const { code } = await session.shutdown().catch(() => ({ code: 'shutdown failed' }));
    session.kill();
    assert.equal(code, 0, 'server exit code after shutdown + exit');
  });
  return new Proxy({}, {
    get(_, name) {
      if (!session) throw new Error(`the session is used before its before() hook started it (reading ${String(name)})`);
      const value = session[name];
      return typeof value === 'function' ? value.bind(session) : value;
    },
    set(_, name, value) {
      session[name] = value;
      return true;
    },
  });
}

/** The diagnostics as `lft check` would print them: "code severity line:col" (1-based), sorted. */
const severityNames = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
function summarize(diagnostics) {
  return diagnostics
    .map((d) => `${d.code} ${severityNames[d.severity]} ${d.range.start.line + 1}:${d.range.start.character + 1}`)
    .sort();
}

module.exports = {
  LspSession,
  useSession,
  repoRoot,
  serverDll,
  examplesDir,
  exampleFiles,
  tempWorkspace,
  lftCheckJson,
  ensureServerBuilt,
  applyTextEdits,
  editsFor,
  urisOf,
  offsetAt,
  positionAt,
  summarize,
  severityNames,
};
