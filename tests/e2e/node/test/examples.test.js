'use strict';
// Every bundled example, opened the way an editor opens it: the diagnostics must be the ones `lft check` prints,
// and hover, inlay hints and code lenses must tell the user the same verdict and numbers as `lft estimate`.
// The native examples (examples/*.lft.*) and those of each dialect in a folder of its own (examples/axolotl/ with its
// DeepSpeed JSON, examples/llamafactory/, trl/, torchtune/, accelerate/ with the axolotl config it launches).

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const { useSession, exampleFiles, examplesDir, lftCheckJson, summarize, severityNames, repoRoot } = require('../lib/lsp-session');

const files = exampleFiles();
// The dialect examples, relative to examples/ like the native ones: trainer configs and the companions they name (a
// DeepSpeed JSON, an accelerate launch file), which have no estimate of their own.
const DIALECT_FOLDERS = ['axolotl', 'llamafactory', 'trl', 'torchtune', 'accelerate'];
const axolotlFiles = DIALECT_FOLDERS.flatMap((folder) => fs.readdirSync(path.join(examplesDir, folder)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => `${folder}/${f}`));
/** The dialect each example is in: its folder's, except the companions (and the axolotl config beside the accelerate file). */
function dialectOf(file) {
  if (file.endsWith('.json')) return 'deepspeed';
  if (file.startsWith('accelerate/')) return file.endsWith('.yml') ? 'axolotl' : 'accelerate';
  return file.split('/')[0];
}
const axolotlConfigs = axolotlFiles.filter((f) => !['deepspeed', 'accelerate'].includes(dialectOf(f)));
// One `lft check` run gives the command line's view of every example, to compare the editor's with.
const checkedFiles = lftCheckJson([...files, ...axolotlFiles].map((f) => `examples/${f}`));
// A diagnostic in a companion (`file` set: the accelerate config's own notes) is the companion's, published for it.
const checked = new Map(checkedFiles.map((r) => [path.relative('examples', r.file), r.diagnostics.filter((d) => !d.file)]));
const dialects = new Map(checkedFiles.map((r) => [path.relative('examples', r.file), r.dialect]));

/** `lft estimate FILE`'s "memory per GPU: 20.5 GB of 85.0 GB (24 %), fits" line (or "memory on the CPU: ..."), as {per, peak, usable, fits}, and its hardware ("8 × A100 40GB SXM4"). */
function cliMemoryLine(file) {
  return new Promise((resolve, reject) => {
    // Exit 1 only means the estimate says out of memory; the text is on stdout either way.
    execFile('dotnet', ['artifacts/lft/lft.dll', 'estimate', `examples/${file}`], { cwd: repoRoot, encoding: 'utf8' }, (error, out) => {
      const m = /memory (per GPU|on the CPU): (\S+ \S+) of (\S+ \S+) \(.*\), (.+)$/m.exec(out);
      const hardware = /^\s+hardware\s+(\d+) x (.+?) \(/m.exec(out);
      if (!m) reject(new Error(`no "memory per GPU" line in lft estimate ${file}: ${error || ''}\n${out}`));
      else resolve({ per: m[1], peak: m[2], usable: m[3], fits: m[4] === 'fits', hardware: hardware ? `${hardware[1]} × ${hardware[2]}` : null });
    });
  });
}
// The command line's estimates, all at once (each is a process start), while the server starts; a test awaits its own.
const estimates = {};
for (const f of [...files, ...axolotlConfigs]) {
  estimates[f] = cliMemoryLine(f);
  estimates[f].catch(() => {}); // reported by the test that awaits it
}

/** A position on the key of the first line matching `re` (a hover there is "on the key"). */
function positionOfKey(text, re) {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => re.test(l));
  assert.ok(line >= 0, `no line matching ${re}`);
  const character = lines[line].search(/\S/) + 1 + (lines[line].trimStart().startsWith('"') ? 1 : 0);
  return { line, character };
}

const session = useSession();

it('initialize announces what VS Code needs for the features below', () => {
  const init = session.initializeResult;
  assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
  assert.deepEqual(init.capabilities.codeActionProvider.codeActionKinds, ['quickfix', 'source.lft.applyPlan']);
  assert.deepEqual(init.capabilities.executeCommandProvider.commands.sort(), ['lft.applySweep', 'lft.hardware', 'lft.plan', 'lft.setGpu', 'lft.showBreakdown', 'lft.sweep', 'lft.sweepResults', 'lft.train', 'lft.trainFramework']);
});

/** The editor's diagnostics against `lft check`'s for one example: code, severity, position and message. */
function assertSameAsCheck(file, diagnostics) {
  const expected = checked.get(file);
  assert.deepEqual(
    summarize(diagnostics),
    expected.map((d) => `${d.code} ${d.severity} ${d.line}:${d.column}`).sort(),
    `editor and command line disagree on ${file}`,
  );
  for (const d of diagnostics) {
    const same = expected.find((e) => e.code === d.code && e.line === d.range.start.line + 1);
    assert.equal(d.message, same.message, `${d.code} message`);
    assert.equal(d.source, 'lft');
    assert.match(d.codeDescription.href, /^https:\/\//, `${d.code} links to its documentation`);
  }
}

for (const file of files) {
  describe(file, () => {
    let uri;
    let diagnostics;
    const expected = checked.get(file);
    const outOfMemory = expected.some((d) => d.code === 'LFT0301');
    let cli;

    it('publishes the diagnostics `lft check` reports (code, severity, position, message)', async () => {
      uri = session.uriOf(file);
      cli = await estimates[file];
      assert.equal(cli.fits, !outOfMemory, 'lft estimate and lft check agree on the verdict');
      diagnostics = await session.open(uri);
      assertSameAsCheck(file, diagnostics);
      if (outOfMemory) {
        const oom = diagnostics.find((d) => d.code === 'LFT0301');
        assert.equal(severityNames[oom.severity], 'error');
        // "Go to" the keys that drive the estimate: every related location is in this document.
        assert.ok(oom.relatedInformation.length > 0, 'OOM error names the keys that drive it');
        for (const r of oom.relatedInformation) assert.equal(r.location.uri, uri);
      }
    });

    it('hover on a key explains it; hover outside every key shows the breakdown table', async () => {
      const text = session.text(uri);
      const onGpu = await session.request('textDocument/hover', { textDocument: { uri }, position: positionOfKey(text, /^\s*"?gpu"?:/) });
      assert.equal(onGpu.contents.kind, 'markdown');
      assert.match(onGpu.contents.value, /### `hardware\.gpu`/);
      assert.match(onGpu.contents.value, /usable memory/, 'GPU hover shows the GPU specs');

      const onModel = await session.request('textDocument/hover', { textDocument: { uri }, position: positionOfKey(text, /^\s*"?model"?:/) });
      assert.match(onModel.contents.value, /parameters/, 'model hover gives the parameter count');

      // The first line is a comment in the YAML examples and `{` in JSON: neither is a key.
      const top = await session.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
      assert.equal(top.contents.kind, 'markdown');
      assert.match(top.contents.value, outOfMemory ? /^\*\*Does not fit\*\*/ : /^\*\*Fits\*\*/);
      assert.ok(top.contents.value.includes(`peak ${cli.peak} of ${cli.usable}`), `breakdown agrees with lft estimate (${cli.peak} of ${cli.usable}):\n${top.contents.value}`);
      assert.match(top.contents.value, /\| weights \|/, 'breakdown table lists the weights');
    });

    it('inlay hints: the total and verdict on line 0, each term at the end of the line of its key', async () => {
      const text = session.text(uri);
      const lines = text.split('\n');
      const hints = await session.request('textDocument/inlayHint', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } },
      });
      const top = hints.find((h) => h.position.line === 0);
      assert.ok(top, 'a hint on line 0');
      assert.ok(top.label.startsWith(`peak ${cli.peak} / ${cli.usable} ${cli.per}, ${outOfMemory ? 'OUT OF MEMORY' : 'fits'}`), top.label);
      for (const h of hints) {
        assert.equal(h.position.character, lines[h.position.line].length, `hint "${h.label}" sits at the end of its line`);
      }
      const weights = hints.find((h) => /\bweights \d/.test(h.label));
      assert.ok(weights, 'a weights hint');
      assert.ok(weights.position.line > 0 && /model|dtype|name|path|quantization/.test(lines[weights.position.line]),
        `weights hint is on a model key, got line ${weights.position.line}: ${lines[weights.position.line]}`);
    });

    it('code lenses at the top: estimate, plan search, trainer (and the search, on the CPU)', async () => {
      const all = await session.request('textDocument/codeLens', { textDocument: { uri } });
      // The search's trials run the bundled trainer: offered for configs that run on this CPU.
      const expected = ['lft.showBreakdown', 'lft.plan', 'lft.train', ...(cli.per === 'on the CPU' ? ['lft.sweep'] : []), 'lft.hardware'];
      // A config trained earlier (the training tests train the tiny example in place) has a run history beside it,
      // and then one more lens shows its last measured peak.
      const history = fs.existsSync(path.join(examplesDir, path.dirname(file), '.lft', 'runs.jsonl'));
      const lenses = history ? all.slice(0, expected.length) : all;
      assert.deepEqual(lenses.map((l) => l.command.command), expected);
      if (history && all.length > expected.length) assert.match(all[expected.length].command.title, /^Last run: /, all[expected.length].command.title);
      for (const l of lenses) assert.equal(l.range.start.line, 0);
      const [estimate, plan] = lenses.map((l) => l.command.title);
      assert.ok(estimate.startsWith(`Peak ${cli.peak} of ${cli.usable} ${cli.per}`), estimate);
      assert.equal(estimate.includes('(out of memory)'), outOfMemory, `estimate lens: ${estimate}`);
      assert.equal(plan, outOfMemory ? 'Find a plan that fits' : 'Find a faster plan that fits');
      assert.deepEqual(lenses[0].command.arguments, [uri], 'commands get the document URI');
    });
  });
}

// The dialect examples where they are (the repository is the workspace folder, as when a user opens it): the
// DeepSpeed JSON that full-8b-zero2.yml names resolves next to the config, as `lft check` run from the repository
// resolves it, and so does the accelerate file a modeline names.
for (const file of axolotlFiles) {
  describe(file, () => {
    const isConfig = axolotlConfigs.includes(file);
    const expected = checked.get(file);
    const outOfMemory = expected.some((d) => d.code === 'LFT0301');
    let uri;

    it('publishes the diagnostics `lft check` reports (code, severity, position, message)', async () => {
      uri = session.uriOf(file);
      assert.equal(dialects.get(file), dialectOf(file), `lft check's dialect for ${file}`);
      assertSameAsCheck(file, await session.open(uri));
    });

    if (!isConfig) {
      it('a companion alone (DeepSpeed JSON, accelerate config) has no estimate: no lenses, no hints', async () => {
        assert.deepEqual(await session.request('textDocument/codeLens', { textDocument: { uri } }), []);
        const hints = await session.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } });
        assert.deepEqual(hints || [], []);
      });
      return;
    }

    it('the top inlay hint and the lenses agree with `lft estimate`; the hardware lens says it is from the modeline', async () => {
      const cli = await estimates[file];
      assert.equal(cli.fits, !outOfMemory, 'lft estimate and lft check agree on the verdict');
      const lines = session.text(uri).split('\n');
      const hints = await session.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } } });
      const top = hints.find((h) => h.position.line === 0);
      assert.ok(top && top.label.startsWith(`peak ${cli.peak} / ${cli.usable} ${cli.per}, ${outOfMemory ? 'OUT OF MEMORY' : 'fits'}`), top && top.label);
      const all = await session.request('textDocument/codeLens', { textDocument: { uri } });
      // A config trained earlier (the training tests train the tiny example in place) has a run history beside it,
      // and then a fifth lens shows its last measured peak.
      const history = fs.existsSync(path.join(examplesDir, path.dirname(file), '.lft', 'runs.jsonl'));
      // A CPU copy (the tiny example in a framework's format) trains with the bundled trainer and can be tuned; a GPU
      // config in a framework's format trains on that framework ("Train with axolotl"), in a terminal.
      const onCpu = cli.per === 'on the CPU';
      const commands = onCpu
        ? ['lft.showBreakdown', 'lft.plan', 'lft.train', 'lft.sweep', 'lft.hardware']
        : ['lft.showBreakdown', 'lft.plan', 'lft.trainFramework', 'lft.hardware'];
      const lenses = history ? all.slice(0, commands.length) : all;
      assert.deepEqual(lenses.map((l) => l.command.command), commands);
      assert.match(lenses[2].command.title, onCpu ? /^Train with bundled trainer$/ : /^Train with (axolotl|LLaMA-Factory|TRL|torchtune)$/, lenses[2].command.title);
      if (history && all.length > commands.length) assert.match(all[commands.length].command.title, /^Last run: /, all[commands.length].command.title);
      assert.ok(lenses[0].command.title.startsWith(`Peak ${cli.peak} of ${cli.usable} ${cli.per}`), lenses[0].command.title);
      const hardwareLens = lenses[commands.length - 1];
      assert.match(hardwareLens.command.title, /^On \d+ × .+, from the modeline(, the count from accelerate config \S+)?$/, hardwareLens.command.title);
      assert.ok(hardwareLens.command.title.includes(cli.hardware), `hardware lens "${hardwareLens.command.title}" vs lft estimate "${cli.hardware}"`);
    });
  });
}
