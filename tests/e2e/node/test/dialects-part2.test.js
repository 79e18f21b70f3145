'use strict';
// One config of each part-2 dialect, opened from the bundled examples as a user opens them (the repository is the
// workspace folder; the examples are copied to a temp workspace where a fix edits files): the diagnostics, a hover on
// a memory key that says what it does to this config, and a quick fix in the dialect's own words that makes the error
// go. LLaMA-Factory (its DeepSpeed preset by name), TRL, torchtune, LLaMA-Factory v1, and an accelerate launch file
// with the axolotl config it launches.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { useSession, tempWorkspace, lftCheckJson, editsFor, summarize, severityNames, repoRoot } = require('../lib/lsp-session');

const hasOom = (diagnostics) => diagnostics.some((d) => d.code === 'LFT0301');

function lineOf(text, re) {
  const line = text.split('\n').findIndex((l) => re.test(l));
  assert.ok(line >= 0, `no line matching ${re}`);
  return line;
}

/** Hover on the key of the first line matching `re`. */
async function hoverOn(session, uri, re) {
  const text = session.text(uri);
  const line = lineOf(text, re);
  const character = text.split('\n')[line].search(/\S/) + 1;
  const hover = await session.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  assert.ok(hover, `a hover on line ${line + 1}`);
  assert.equal(hover.contents.kind, 'markdown');
  return hover.contents.value;
}

/** The quick fixes at a diagnostic, with the diagnostic echoed in the context as VS Code does. */
async function fixesAt(session, uri, diagnostic) {
  const actions = await session.request('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
  return actions.filter((a) => a.kind === 'quickfix');
}

/** Applies a fix that edits only this document and returns the diagnostics of the new version. */
async function applyFix(session, uri, fix) {
  const edits = editsFor(fix.edit, uri);
  assert.ok(edits.length > 0, `"${fix.title}" edits ${uri}: ${JSON.stringify(fix.edit)}`);
  const version = await session.applyEdits(uri, edits);
  return session.waitForDiagnostics(uri, version);
}

/** The editor's diagnostics are the ones `lft check` prints for the file in that workspace. */
function assertSameAsCheck(workspace, file, diagnostics) {
  const [checked] = lftCheckJson([file], { cwd: workspace });
  // A diagnostic in a companion (`file` set) is published for the companion, not here.
  const own = checked.diagnostics.filter((d) => !d.file);
  assert.deepEqual(summarize(diagnostics), own.map((d) => `${d.code} ${d.severity} ${d.line}:${d.column}`).sort(), `editor and command line disagree on ${file}`);
  return checked;
}

const FILES = [
  'llamafactory/llama3-8b-full-sft-ds2.yaml',
  'trl/sft-llama3.1-8b-lora-l4.yaml',
  'torchtune/llama3_2-3B-lora-single-device.yaml',
  'accelerate/fsdp2-8gpu.yaml',
  'accelerate/full-8b-fsdp.yml',
];

describe('the part-2 dialects in the editor', () => {
  const workspace = tempWorkspace(FILES.map((f) => `examples/${f}`), 'lft-e2e-dialects2-');
  const session = useSession({ root: workspace });
  const uri = (file) => session.fileUri(path.basename(file));

  it('LLaMA-Factory: the ZeRO-2 preset named by path resolves by name; out of memory on `bf16: true`; `deepspeed:` hover lists the other stages; "Switch to ZeRO-3" switches the preset', async () => {
    const config = uri('llama3-8b-full-sft-ds2.yaml');
    const diagnostics = await session.open(config);
    const checked = assertSameAsCheck(workspace, 'llama3-8b-full-sft-ds2.yaml', diagnostics);
    assert.equal(checked.dialect, 'llamafactory');
    const text = session.text(config);
    const preset = diagnostics.find((d) => d.code === 'LFT0212');
    assert.ok(preset && preset.range.start.line === lineOf(text, /^deepspeed:/), `LFT0212 on deepspeed: ${summarize(diagnostics)}`);
    assert.match(preset.message, /llamafactory preset examples\/deepspeed\/ds_z2_config\.json/);
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, summarize(diagnostics));
    assert.equal(severityNames[oom.severity], 'error');

    const hover = await hoverOn(session, config, /^deepspeed:/);
    assert.match(hover, /\*\*Effect on the estimate\*\*/, hover);
    assert.match(hover, /- `ZeRO-3`: saves [\d.]+ GB .*fits/, hover);

    const fix = (await fixesAt(session, config, oom)).find((a) => a.title.startsWith('Switch to ZeRO-3'));
    assert.ok(fix, 'a "Switch to ZeRO-3" fix');
    assert.deepEqual(Object.keys(fix.edit.changes), [config], 'the fix edits the config only (the preset is switched, no file is created)');
    const after = await applyFix(session, config, fix);
    assert.ok(!hasOom(after), summarize(after));
    assert.match(session.text(config), /^deepspeed: examples\/deepspeed\/ds_z3_config\.json$/m);
  });

  it('TRL: out of memory on an L4; hover on `per_device_train_batch_size` gives its effect; the QLoRA fix writes `load_in_4bit: true` and it fits', async () => {
    const config = uri('sft-llama3.1-8b-lora-l4.yaml');
    const diagnostics = await session.open(config);
    assert.equal(assertSameAsCheck(workspace, 'sft-llama3.1-8b-lora-l4.yaml', diagnostics).dialect, 'trl');
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, summarize(diagnostics));

    const hover = await hoverOn(session, config, /^per_device_train_batch_size:/);
    assert.match(hover, /^### `per_device_train_batch_size`/, hover);
    assert.match(hover, /\*\*Effect on the estimate\*\*/, hover);

    const fixes = await fixesAt(session, config, oom);
    const qlora = fixes.find((a) => /QLoRA/.test(a.title));
    assert.ok(qlora, `a QLoRA fix among: ${fixes.map((a) => a.title).join(' | ')}`);
    const after = await applyFix(session, config, qlora);
    assert.ok(!hasOom(after), summarize(after));
    assert.match(session.text(config), /^load_in_4bit: true$/m);
  });

  it('torchtune: out of memory on an L4 without activation checkpointing; hover on `enable_activation_checkpointing`; the preferred fix makes it fit in torchtune keys', async () => {
    const config = uri('llama3_2-3B-lora-single-device.yaml');
    const diagnostics = await session.open(config);
    assert.equal(assertSameAsCheck(workspace, 'llama3_2-3B-lora-single-device.yaml', diagnostics).dialect, 'torchtune');
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, summarize(diagnostics));

    const hover = await hoverOn(session, config, /^enable_activation_checkpointing:/);
    assert.match(hover, /enable_activation_checkpointing/, hover);
    assert.match(hover, /\*\*Effect on the estimate\*\*/, hover);

    const fixes = await fixesAt(session, config, oom);
    const checkpointing = fixes.find((a) => /checkpointing/i.test(a.title));
    assert.ok(checkpointing, `an activation checkpointing fix among: ${fixes.map((a) => a.title).join(' | ')}`);
    const after = await applyFix(session, config, checkpointing);
    assert.ok(!hasOom(after), summarize(after));
    assert.match(session.text(config), /^enable_activation_checkpointing: True$/m);
  });

  it('LLaMA-Factory v1: a misspelt key is an error on its line with the right did-you-mean, and its fix renames it', async () => {
    const file = 'v1-lora.yaml';
    const text = [
      '# lft: gpu=a100-80gb',
      'model: meta-llama/Llama-3.2-1B',
      'model_class: llm',
      'train_dataset: data/v1_sft_demo.yaml',
      'peft_config:',
      '  name: lora',
      '  r: 16',
      'micro_batch_sise: 4',
      'cutoff_len: 2048',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(workspace, file), text);
    const config = uri(file);
    const diagnostics = await session.open(config);
    assert.equal(assertSameAsCheck(workspace, file, diagnostics).dialect, 'llamafactory-v1');
    const typo = diagnostics.find((d) => d.range.start.line === 7 && severityNames[d.severity] === 'error');
    assert.ok(typo, `an error on micro_batch_sise: ${summarize(diagnostics)}`);
    assert.match(typo.message, /micro_batch_size/, typo.message);
    const fix = (await fixesAt(session, config, typo)).find((a) => /micro_batch_size/.test(a.title));
    assert.ok(fix, 'a rename fix');
    const after = await applyFix(session, config, fix);
    assert.ok(!after.some((d) => severityNames[d.severity] === 'error'), summarize(after));
    const hover = await hoverOn(session, config, /^micro_batch_size:/);
    assert.match(hover, /\*\*Effect on the estimate\*\*/, hover);
  });

  it('accelerate: the launch file is checked on its own; the axolotl config it launches takes its GPUs and FSDP from it, and a typo in it gets a did-you-mean fix', async () => {
    const launch = uri('fsdp2-8gpu.yaml');
    const config = uri('full-8b-fsdp.yml');
    const launchDiagnostics = await session.open(launch);
    assert.equal(assertSameAsCheck(workspace, 'fsdp2-8gpu.yaml', launchDiagnostics).dialect, 'accelerate');
    assert.ok(!launchDiagnostics.some((d) => severityNames[d.severity] === 'error'), summarize(launchDiagnostics));

    const diagnostics = await session.open(config);
    assert.equal(assertSameAsCheck(workspace, 'full-8b-fsdp.yml', diagnostics).dialect, 'axolotl');
    assert.ok(!hasOom(diagnostics), summarize(diagnostics));
    const lenses = await session.request('textDocument/codeLens', { textDocument: { uri: config } });
    assert.match(lenses[3].command.title, /^On 8 × A100 40GB SXM4, from .*fsdp2-8gpu\.yaml/, lenses[3].command.title);
    const hover = await hoverOn(session, launch, /^num_processes:/);
    assert.match(hover, /num_processes/, hover);

    // A typo in the launch file's own key: the server says so on its line, with the fix.
    const text = session.text(launch);
    const line = lineOf(text, /^num_machines:/);
    const version = await session.change(launch, [{ range: { start: { line, character: 'num_machines'.length }, end: { line, character: 'num_machines'.length } }, text: 's' }]);
    const typoed = await session.waitForDiagnostics(launch, version);
    const typo = typoed.find((d) => d.range.start.line === line && severityNames[d.severity] === 'error');
    assert.ok(typo, `an error on num_machiness: ${summarize(typoed)}`);
    assert.match(typo.message, /num_machines/);
    const fix = (await fixesAt(session, launch, typo)).find((a) => /num_machines/.test(a.title));
    assert.ok(fix, 'a rename fix');
    const fixed = await applyFix(session, launch, fix);
    assert.ok(!fixed.some((d) => severityNames[d.severity] === 'error'), summarize(fixed));
  });
});
