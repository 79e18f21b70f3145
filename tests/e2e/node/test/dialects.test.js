'use strict';
// The real formats ("dialects"), as a user meets them: an axolotl config and the DeepSpeed JSON it names
// (`deepspeed: ds_zero2.json`), copied into a workspace folder of their own that the client announces (rootUri,
// workspaceFolders); fixes that edit, or create, that companion file, applied the way VS Code applies a WorkspaceEdit;
// and files that are not training configs, which must get nothing at all.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { CreateFile, TextDocumentEdit } = require('vscode-languageserver-protocol');
const { LspSession, useSession, tempWorkspace, lftCheckJson, urisOf, summarize, severityNames, repoRoot } = require('../lib/lsp-session');

const CONFIG = 'examples/axolotl/full-8b-zero2.yml'; // # lft: gpu=a100-40gb gpus_per_node=8, deepspeed: ds_zero2.json
const COMPANION = 'examples/axolotl/ds_zero2.json'; // ZeRO-2: does not fit 8 x A100 40GB
const LORA = 'examples/axolotl/lora-1b.yml'; // # lft: gpu=l4, fits
const axolotlSchema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/axolotl.schema.json'), 'utf8'));

const hasOom = (diagnostics) => diagnostics.some((d) => d.code === 'LFT0301');
const wholeDocument = { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } };

/** The 0-based line of the first line matching `re`. */
function lineOf(text, re) {
  const line = text.split('\n').findIndex((l) => re.test(l));
  assert.ok(line >= 0, `no line matching ${re}`);
  return line;
}

/** `lft check --format json` on files of a workspace, run in that folder (the launch directory). */
function checkInWorkspace(workspace, files) {
  return lftCheckJson(files, { cwd: workspace });
}

/** The editor's diagnostics against one file object of `lft check --format json`. */
function assertSameAsCheck(diagnostics, checked) {
  assert.deepEqual(summarize(diagnostics), checked.diagnostics.map((d) => `${d.code} ${d.severity} ${d.line}:${d.column}`).sort(),
    `editor and command line disagree on ${checked.file}`);
  for (const d of diagnostics) {
    assert.equal(d.message, checked.diagnostics.find((c) => c.code === d.code && c.line === d.range.start.line + 1).message, `${d.code} message`);
  }
}

/** The quick fixes at the out-of-memory error, with the diagnostic echoed in the context as VS Code does. */
async function fixesAtOom(session, uri) {
  const oom = session.diagnostics.get(uri).diagnostics.find((d) => d.code === 'LFT0301');
  assert.ok(oom, `no LFT0301 in ${path.basename(uri)}: ${summarize(session.diagnostics.get(uri).diagnostics)}`);
  const actions = await session.request('textDocument/codeAction', { textDocument: { uri }, range: oom.range, context: { diagnostics: [oom] } });
  return actions.filter((a) => a.kind === 'quickfix');
}

async function switchToZero3(session, uri) {
  const fixes = await fixesAtOom(session, uri);
  const fix = fixes.find((a) => a.title.startsWith('Switch to ZeRO-3'));
  assert.ok(fix, `no "Switch to ZeRO-3" fix among: ${fixes.map((a) => a.title).join(' | ')}`);
  assert.match(fix.title, /fits A100 40GB/, fix.title);
  return fix;
}

describe('axolotl config and its DeepSpeed JSON, both open in the workspace folder', () => {
  const workspace = tempWorkspace([CONFIG, COMPANION, LORA]);
  const session = useSession({ root: workspace });
  let config;
  let companion;

  it('LFT0301 (out of memory) on the key of the largest term, as `lft check` reports it in that folder; the JSON is clean', async () => {
    config = session.fileUri('full-8b-zero2.yml');
    companion = session.fileUri('ds_zero2.json');
    const diagnostics = await session.open(config);
    const companionDiagnostics = await session.open(companion);

    const [checkedConfig, checkedCompanion] = checkInWorkspace(workspace, ['full-8b-zero2.yml', 'ds_zero2.json']);
    assert.equal(checkedConfig.dialect, 'axolotl');
    assert.equal(checkedCompanion.dialect, 'deepspeed');
    assert.deepEqual(checkedConfig.files.map((f) => [f.path, f.role]), [['full-8b-zero2.yml', 'config'], ['ds_zero2.json', 'companion']]);
    assertSameAsCheck(diagnostics, checkedConfig);
    assertSameAsCheck(companionDiagnostics, checkedCompanion);
    assert.deepEqual(companionDiagnostics, [], 'the ZeRO-2 JSON itself is valid');

    const text = session.text(config);
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, `LFT0301 expected: ${summarize(diagnostics)}`);
    assert.equal(severityNames[oom.severity], 'error');
    assert.match(oom.message, /usable on A100 40GB SXM4 \(largest: weights/, oom.message);
    // The weights are the largest term; their precision is `bf16: true`, where the error sits.
    assert.equal(oom.range.start.line, lineOf(text, /^bf16:/), `LFT0301 on line ${oom.range.start.line + 1}: ${text.split('\n')[oom.range.start.line]}`);
    // The other keys that drive it are linked, among them `deepspeed:` (the companion's ZeRO stage).
    const related = oom.relatedInformation.map((r) => [r.location.uri, r.location.range.start.line]);
    assert.ok(related.some(([uri, line]) => uri === config && line === lineOf(text, /^deepspeed:/)), `deepspeed: among the related keys: ${JSON.stringify(related)}`);
  });

  it('hover on `deepspeed:` lists what each other ZeRO stage and the CPU offload would do', async () => {
    const text = session.text(config);
    const hover = await session.request('textDocument/hover', { textDocument: { uri: config }, position: { line: lineOf(text, /^deepspeed:/), character: 2 } });
    assert.equal(hover.contents.kind, 'markdown');
    const value = hover.contents.value;
    assert.match(value, /^### `deepspeed`/);
    assert.match(value, /\*\*Effect on the estimate\*\* \(now 45\.3 GB per GPU\)/, value);
    for (const stage of ['ZeRO-0', 'ZeRO-1', 'ZeRO-3']) assert.ok(value.includes(`- \`${stage}\`: `), `${stage} in the effect list:\n${value}`);
    assert.match(value, /- `ZeRO-3`: saves [\d.]+ GB .*→ [\d.]+ GB, fits/, value);
    assert.match(value, /- `ZeRO-1`: adds [\d.]+ GB .*does not fit/, value);
    assert.match(value, /- `cpu`: saves /, 'the optimizer offload is listed');
  });

  it('hover on `micro_batch_size` shows its description from the axolotl schema, its type and default', async () => {
    const text = session.text(config);
    const hover = await session.request('textDocument/hover', { textDocument: { uri: config }, position: { line: lineOf(text, /^micro_batch_size:/), character: 3 } });
    const value = hover.contents.value;
    assert.match(value, /^### `micro_batch_size`/);
    assert.ok(value.includes(axolotlSchema.properties.micro_batch_size.description), `the schema's description in:\n${value}`);
    assert.match(value, /type: integer or null · default: `1`/);
    assert.match(value, /\*\*Effect on the estimate\*\*/);
  });

  it('inlay hints: the verdict on line 0 and each term at its key; four lenses, the 4th: the hardware "from the modeline"', async () => {
    const text = session.text(config);
    const lines = text.split('\n');
    const hints = await session.request('textDocument/inlayHint', { textDocument: { uri: config }, range: wholeDocument });
    const at = (re) => hints.filter((h) => h.position.line === lineOf(text, re)).map((h) => h.label).join(' · ');
    assert.match(at(/^# Full fine-tuning/), /^peak 45\.3 GB \/ 42\.5 GB per GPU, OUT OF MEMORY/);
    assert.match(at(/^bf16:/), /weights 16\.1 GB/);
    assert.match(at(/^deepspeed:/), /gradients .*communication buffers/, 'the ZeRO-sharded terms sit at `deepspeed:`');
    for (const h of hints) assert.equal(h.position.character, lines[h.position.line].length, `hint "${h.label}" at the end of its line`);

    const lenses = await session.request('textDocument/codeLens', { textDocument: { uri: config } });
    assert.deepEqual(lenses.map((l) => l.command.command), ['lft.showBreakdown', 'lft.plan', 'lft.trainFramework', 'lft.hardware']);
    assert.equal(lenses[2].command.title, 'Train with axolotl');
    assert.match(lenses[0].command.title, /^Peak 45\.3 GB of 42\.5 GB per GPU \(out of memory\)/);
    assert.equal(lenses[3].command.title, 'On 8 × A100 40GB SXM4, from the modeline');
    // The lens's command, as the editor runs it when clicked.
    const hardware = await session.request('workspace/executeCommand', lenses[3].command);
    assert.deepEqual([hardware.gpu, hardware.gpusPerNode, hardware.source], ['a100-40gb', 8, 'modeline']);
  });

  it('"Switch to ZeRO-3" edits the DeepSpeed JSON; applied to its open buffer, the config is republished without LFT0301', async () => {
    const before = session.diagnostics.get(config).diagnostics;
    const fix = await switchToZero3(session, config);
    assert.deepEqual(Object.keys(fix.edit.changes || {}), [companion], `the fix edits only ${companion}: ${JSON.stringify(fix.edit)}`);
    const diskBefore = fs.readFileSync(path.join(workspace, 'ds_zero2.json'), 'utf8');
    const configVersion = session.documents.get(config).version;
    const companionVersion = session.documents.get(companion).version;

    const republished = session.nextDiagnostics(config, (d) => !hasOom(d), 'the config without LFT0301');
    const versions = await session.applyWorkspaceEdit(fix.edit);
    assert.deepEqual(versions, { [companion]: companionVersion + 1 }, 'one didChange, to the JSON');
    assert.match(session.text(companion), /"stage": 3,/);
    assert.deepEqual(await session.waitForDiagnostics(companion, versions[companion]), [], 'the ZeRO-3 JSON is valid');

    const after = await republished;
    assert.deepEqual(summarize(after), summarize(before).filter((d) => !d.startsWith('LFT0301')), 'only the out-of-memory error went');
    assert.equal(session.documents.get(config).version, configVersion, 'the config itself did not change');
    assert.equal(fs.readFileSync(path.join(workspace, 'ds_zero2.json'), 'utf8'), diskBefore, 'the buffer, not the file on disk, was read');
    const [lens] = await session.request('textDocument/codeLens', { textDocument: { uri: config } });
    assert.ok(!lens.command.title.includes('out of memory'), lens.command.title);

    // Saved, as the user would: the command line then agrees with the editor.
    fs.writeFileSync(path.join(workspace, 'ds_zero2.json'), session.text(companion));
    assertSameAsCheck(after, checkInWorkspace(workspace, ['full-8b-zero2.yml'])[0]);
  });

  it('lft.setGpu on an axolotl file writes the `# lft:` modeline through workspace/applyEdit', async () => {
    const uri = session.fileUri('lora-1b.yml');
    const diagnostics = await session.open(uri);
    assert.ok(!diagnostics.some((d) => severityNames[d.severity] === 'error'), `lora-1b fits an L4: ${summarize(diagnostics)}`);
    const original = session.text(uri);
    assert.equal(original.split('\n')[1], '# lft: gpu=l4');
    const editsBefore = session.appliedEdits.length;

    const result = await session.request('workspace/executeCommand', { command: 'lft.setGpu', arguments: [uri, { gpu: 'a100-40gb', gpusPerNode: 2 }] });
    assert.equal(result.applied, true, JSON.stringify(result));
    assert.equal(session.appliedEdits.length, editsBefore + 1, 'one workspace/applyEdit');
    assert.deepEqual(urisOf(session.appliedEdits.at(-1).edit), [uri]);
    const lines = session.text(uri).split('\n');
    assert.equal(lines[1], '# lft: gpu=a100-40gb gpus_per_node=2');
    assert.deepEqual(lines.filter((_, i) => i !== 1), original.split('\n').filter((_, i) => i !== 1), 'only the modeline changed');

    await session.waitForDiagnostics(uri, session.documents.get(uri).version);
    const lenses = await session.request('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(lenses[3].command.title, 'On 2 × A100 40GB SXM4, from the modeline');
  });
});

describe('a fix to a DeepSpeed JSON that is not open: the editor opens it, edits it, and the config follows', () => {
  const workspace = tempWorkspace([CONFIG, COMPANION]);
  const session = useSession({ root: workspace });

  it('"Switch to ZeRO-3": didOpen of the JSON as on disk, one didChange, the config republished without LFT0301', async () => {
    const config = session.fileUri('full-8b-zero2.yml');
    const companion = session.fileUri('ds_zero2.json');
    assert.ok(hasOom(await session.open(config)), 'ZeRO-2 read from disk does not fit');
    const fix = await switchToZero3(session, config);
    assert.deepEqual(urisOf(fix.edit), [companion]);

    const republished = session.nextDiagnostics(config, (d) => !hasOom(d), 'the config without LFT0301');
    const versions = await session.applyWorkspaceEdit(fix.edit);
    assert.deepEqual(versions, { [companion]: 2 }, 'opened at version 1, edited to version 2');
    await republished;
    assert.deepEqual(await session.waitForDiagnostics(companion, 2), []);
  });
});

describe('a fix that creates the DeepSpeed JSON (the config names none)', () => {
  // full-8b-zero2.yml without its `deepspeed:` line: plain data parallelism, far over 40 GB.
  const workspace = tempWorkspace();
  const original = fs.readFileSync(path.join(repoRoot, CONFIG), 'utf8');
  fs.writeFileSync(path.join(workspace, 'full-8b.yml'), original.replace(/^deepspeed: .*\n/m, ''));
  // What VS Code announces: versioned documentChanges and the create/rename/delete operations.
  const session = useSession({ root: workspace, workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] } });
  let fix;

  it('"Switch to ZeRO-3" creates ds_zero3.json and names it in the config; applied, LFT0301 is gone', async () => {
    const config = session.fileUri('full-8b.yml');
    const created = session.fileUri('ds_zero3.json');
    assert.ok(hasOom(await session.open(config)));
    fix = await switchToZero3(session, config);
    assert.deepEqual(fix.edit.documentChanges.map((c) => c.kind || c.textDocument.uri), ['create', created, config]);

    const versions = await session.applyWorkspaceEdit(fix.edit);
    assert.ok(fs.existsSync(path.join(workspace, 'ds_zero3.json')), 'the file was created');
    assert.match(session.text(created), /"stage": 3/);
    assert.match(session.text(config), /\ndeepspeed: ds_zero3\.json\n?/);
    const after = await session.waitForDiagnostics(config, versions[config]);
    assert.ok(!hasOom(after), `LFT0301 still there: ${summarize(after)}`);
    assert.deepEqual(await session.waitForDiagnostics(created, versions[created]), []);
  });

  it('every documentChange is one the VS Code client library accepts', () => {
    for (const change of fix.edit.documentChanges) {
      assert.ok(CreateFile.is(change) || TextDocumentEdit.is(change), `not a CreateFile or TextDocumentEdit: ${JSON.stringify(change)}`);
    }
  });

  it('a client without documentChanges support is not offered a fix that needs it', async () => {
    const plain = new LspSession({ root: workspace }); // workspaceEdit: {documentChanges: false}
    try {
      await plain.initialize();
      const uri = plain.fileUri('full-8b.yml');
      await plain.open(uri, original.replace(/^deepspeed: .*\n/m, ''));
      const needing = (await fixesAtOom(plain, uri)).filter((a) => a.edit && a.edit.documentChanges);
      assert.deepEqual(needing.map((a) => a.title), [], 'fixes sent as documentChanges (with a CreateFile) to a client without that capability');
    } finally {
      await plain.shutdown().catch(() => {});
      plain.kill();
    }
  });
});

describe('files that are not training configs get nothing', () => {
  const workspace = tempWorkspace(['tests/e2e/fixtures/not-configs']);
  const session = useSession({ root: workspace });

  const cases = [
    { file: '.github/workflows/ci.yml', what: 'a GitHub Actions workflow' },
    { file: 'docker-compose.yml', what: 'a docker-compose file' },
    { file: 'k8s/deployment.yaml', what: 'a Kubernetes Deployment' },
    { file: 'package.json', what: 'package.json' },
    { file: 'tsconfig.json', what: 'tsconfig.json' },
    { file: 'model-card/README.md', what: 'a model card (README.md with YAML front matter)', languageId: 'markdown' },
    { file: 'model-card.yaml', what: "a model card's YAML metadata" },
    { file: 'app-config.yaml', what: 'an application config with `model:` and `learning_rate:`' },
  ];
  for (const { file, what, languageId } of cases) {
    it(`${what} (${file}): no diagnostics, lenses, inlay hints or hover; lft check skips it`, async () => {
      const uri = session.fileUri(file);
      assert.deepEqual(summarize(await session.open(uri, undefined, languageId)), [], 'diagnostics');
      assert.deepEqual((await session.request('textDocument/codeLens', { textDocument: { uri } })) || [], [], 'code lenses');
      assert.deepEqual((await session.request('textDocument/inlayHint', { textDocument: { uri }, range: wholeDocument })) || [], [], 'inlay hints');
      // Hover on every key (the first character of every line that is not blank or a comment), and at the top.
      const lines = session.text(uri).split('\n');
      for (let line = 0; line < lines.length; line++) {
        const character = lines[line].search(/[^\s\-#]/);
        if (character < 0 || lines[line].trimStart().startsWith('#')) continue;
        const hover = await session.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
        assert.equal(hover, null, `hover on line ${line + 1} (${lines[line].trim()}): ${hover && hover.contents.value}`);
      }
      assert.equal(await session.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), null, 'hover at the top');

      const [checked] = checkInWorkspace(workspace, [file]);
      assert.deepEqual([checked.dialect, checked.skipped, checked.diagnostics], [null, true, []], `lft check: ${JSON.stringify(checked)}`);
    });
  }
});
