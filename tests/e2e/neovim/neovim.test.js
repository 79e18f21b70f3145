'use strict';
// Runs quickfix.lua in headless Neovim 0.7 (its built-in LSP client) on each out-of-memory example and reports
// every check the script made as a test of its own, with what Neovim saw when one fails.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '../../..');
const dll = path.join(repoRoot, 'artifacts/lft/lft.dll');
const script = path.join(__dirname, 'quickfix.lua');

// Never skip silently: a machine without Neovim fails here with the way to get it.
const nvimVersion = (() => {
  try {
    return execFileSync('nvim', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return null;
  }
})();

if (process.env.LFT_E2E_BUILT !== '1' || !fs.existsSync(dll)) {
  execFileSync(path.join(repoRoot, 'lft'), ['--version'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

for (const example of ['mistral-7b-long-context.lft.yaml', 'llama2-70b-full-8xa100.lft.yaml']) {
  test(`neovim: preferred quick fix clears the out-of-memory error in ${example}`, async (t) => {
    assert.ok(nvimVersion, 'nvim is not on PATH: install Neovim 0.7 (Debian: apt-get install -y neovim; ./test and .ci/run do it as root)');
    assert.match(nvimVersion, /^NVIM v0\.\d+\.\d+/, nvimVersion);

    const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lft-nvim-')), 'result.json');
    // -u NONE: no user config or plugins; -i NONE -n: no shada or swap files, so runs never see each other.
    const run = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${script}`], {
      cwd: repoRoot,
      env: { ...process.env, LFT_DLL: dll, LFT_FILE: path.join(repoRoot, 'examples', example), LFT_RESULT: resultFile },
      encoding: 'utf8',
      timeout: 90000, // the script's own waits end well before; this only catches a hung Neovim
    });
    const output = `nvim exit ${run.status}${run.signal ? ` (signal ${run.signal})` : ''}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
    assert.ok(fs.existsSync(resultFile), `Neovim wrote no result file:\n${output}`);
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    assert.ok(result.checks.length > 0, `no checks ran:\n${output}`);

    for (const c of result.checks) {
      await t.test(c.name, () => assert.ok(c.ok, `${c.name} failed in Neovim ${result.nvim}:\n${c.detail}`));
    }
    assert.equal(run.status, 0, `Neovim exited non-zero although every check passed:\n${output}`);
  });
}
