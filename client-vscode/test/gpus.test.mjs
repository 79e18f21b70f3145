// "Select GPU" outside VS Code: the catalog as `lft gpus` prints it, the per-node choices, the lft.setGpu arguments,
// and the hold on the server's window/showMessage while the picker reads lft.hardware. The TypeScript module is
// bundled on the fly with esbuild.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
let gpus;

before(async () => {
  const esbuild = require('esbuild');
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'lft-gpus-')), 'gpus.cjs');
  await esbuild.build({ entryPoints: [path.join(root, 'client-vscode/src/gpus.ts')], bundle: true, format: 'cjs', platform: 'node', outfile, logLevel: 'error' });
  gpus = require(outfile);
});

describe('Select GPU: the parts without VS Code', () => {
  it('reads the catalog table of lft gpus, names with spaces included', () => {
    const table = [
      'id                  usable  bf16 TF  bf16  FA2  name',
      'a100-40gb          42.5 GB      312   yes  yes  A100 40GB SXM4',
      'cpu                25.3 GB        0    no   no  CPU (bundled trainer)',
      '',
    ].join('\n');
    assert.deepEqual(gpus.parseGpuTable(table), [
      { id: 'a100-40gb', memory: '', usable: '42.5 GB', bf16Tflops: '312', bf16: 'yes', flash: 'yes', name: 'A100 40GB SXM4' },
      { id: 'cpu', memory: '', usable: '25.3 GB', bf16Tflops: '0', bf16: 'no', flash: 'no', name: 'CPU (bundled trainer)' },
    ]);
    assert.deepEqual(gpus.parseGpuTable('id  usable\r\n'), []);
  });

  it('finds the columns by their header, so the memory and bandwidth columns shift nothing', () => {
    const table = [
      'id                memory     usable  bf16 TF   GB/s  bf16  FA2  name',
      'a800-40gb-pcie     40 GB   39.6 GiB      312   1555   yes  yes  A800 40GB PCIe',
      'mi325x            256 GB  256.0 GiB   1307.4   6000   yes  yes  MI325X',
      'cpu                 host   23.6 GiB        0     20    no   no  CPU (bundled trainer)',
      '',
    ].join('\n');
    assert.deepEqual(gpus.parseGpuTable(table), [
      { id: 'a800-40gb-pcie', memory: '40 GB', usable: '39.6 GiB', bf16Tflops: '312', bf16: 'yes', flash: 'yes', name: 'A800 40GB PCIe' },
      { id: 'mi325x', memory: '256 GB', usable: '256.0 GiB', bf16Tflops: '1307.4', bf16: 'yes', flash: 'yes', name: 'MI325X' },
      { id: 'cpu', memory: 'host', usable: '23.6 GiB', bf16Tflops: '0', bf16: 'no', flash: 'no', name: 'CPU (bundled trainer)' },
    ]);
  });

  it('offers the usual per-node counts and the current one, and reads a typed count', () => {
    assert.deepEqual(gpus.perNodeChoices(), [1, 2, 4, 8, 16]);
    assert.deepEqual(gpus.perNodeChoices(8), [1, 2, 4, 8, 16]);
    assert.deepEqual(gpus.perNodeChoices(6), [1, 2, 4, 6, 8, 16]);
    assert.equal(gpus.parseCount(' 12 '), 12);
    for (const bad of ['0', '-2', '1.5', 'eight', '', '2000']) assert.equal(gpus.parseCount(bad), undefined, bad);
  });

  it('sends the count to lft.setGpu only when it changes', () => {
    assert.deepEqual(gpus.setGpuOptions('h100-sxm', 8, { gpusPerNode: 8 }), { gpu: 'h100-sxm' });
    assert.deepEqual(gpus.setGpuOptions('h100-sxm', 4, { gpusPerNode: 8 }), { gpu: 'h100-sxm', gpusPerNode: 4 });
    assert.deepEqual(gpus.setGpuOptions('h100-sxm', 1, undefined), { gpu: 'h100-sxm', gpusPerNode: 1 });
    assert.deepEqual(gpus.setGpuOptions('cpu', undefined, { gpusPerNode: 1 }), { gpu: 'cpu' });
  });
});
