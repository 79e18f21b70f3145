// "Select GPU" edits: only the value changes (comments, quotes around other values, order kept), or one line is
// added under `hardware:`, or a section is added. The TypeScript module is bundled on the fly with esbuild.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
let applyGpuEdit;

before(async () => {
  const esbuild = require('esbuild');
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'lft-gpuedit-')), 'gpuEdit.cjs');
  await esbuild.build({ entryPoints: [path.join(root, 'client-vscode/src/gpuEdit.ts')], bundle: true, format: 'cjs', platform: 'node', mainFields: ['module', 'main'], outfile, logLevel: 'error' });
  ({ applyGpuEdit } = require(outfile));
});

describe('Select GPU: the hardware.gpu edit', () => {
  it('replaces only the value and keeps the trailing comment', () => {
    const text = 'model:\n  name: x\nhardware:\n  gpu: a100-80gb   # the cluster we have\n  gpus_per_node: 8\n';
    assert.equal(applyGpuEdit(text, 'h100-sxm', false), 'model:\n  name: x\nhardware:\n  gpu: h100-sxm   # the cluster we have\n  gpus_per_node: 8\n');
  });

  it('replaces a quoted value and leaves a nested gpu key of another section alone', () => {
    const text = 'hardware:\n  nodes: 1\n  gpu: "t4"\nother:\n  gpu: keep\n';
    assert.equal(applyGpuEdit(text, 'l4', false), 'hardware:\n  nodes: 1\n  gpu: l4\nother:\n  gpu: keep\n');
  });

  it('adds gpu under hardware: with the section\'s indentation when the key is missing', () => {
    const text = 'hardware:\n    gpus_per_node: 2 # two\ntraining:\n  epochs: 1\n';
    assert.equal(applyGpuEdit(text, 'a10g', false), 'hardware:\n    gpu: a10g\n    gpus_per_node: 2 # two\ntraining:\n  epochs: 1\n');
  });

  it('adds a hardware section when there is none, and keeps CRLF line ends', () => {
    assert.equal(applyGpuEdit('model:\r\n  name: x', 'h200', false), 'model:\r\n  name: x\r\nhardware:\r\n  gpu: h200\r\n');
  });

  it('edits a flow mapping in place', () => {
    assert.equal(applyGpuEdit('hardware: { gpu: t4, nodes: 1 }\n', 'l4', false), 'hardware: { gpu: l4, nodes: 1 }\n');
  });

  it('edits JSON with jsonc-parser, keeping the rest byte for byte', () => {
    const text = '{\n  "model": { "name": "x" },\n  "hardware": {\n    "gpu": "t4",\n    "nodes": 1\n  }\n}\n';
    assert.equal(applyGpuEdit(text, 'l4', true), text.replace('"t4"', '"l4"'));
    const added = applyGpuEdit('{\n  "model": { "name": "x" }\n}\n', 'l4', true);
    assert.deepEqual(JSON.parse(added), { model: { name: 'x' }, hardware: { gpu: 'l4' } });
  });

  it('works on the repository examples', () => {
    const example = readFileSync(path.join(root, 'examples/mistral-7b-long-context.lft.yaml'), 'utf8');
    const edited = applyGpuEdit(example, 'h200', false);
    assert.equal(edited, example.replace('\n  gpu: h100-sxm\n', '\n  gpu: h200\n'));
  });
});
