'use strict';
// Runs Lua scripts in headless Neovim 0.7 (its built-in LSP client) and reports every check a script made as a test of
// its own, with what Neovim saw when one fails:
//   quickfix.lua   on each native out-of-memory example: the preferred quick fix clears the error;
//   companion.lua  on an axolotl config with its DeepSpeed JSON next to it: "Switch to ZeRO-3" edits the JSON in a
//                  buffer Neovim loads for it, and the config's error goes.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { repoRoot, serverDll, ensureServerBuilt, tempWorkspace } = require('../node/lib/lsp-session');

// Never skip silently: a machine without Neovim fails here with the way to get it.
const nvimVersion = (() => {
  try {
    return execFileSync('nvim', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return null;
  }
})();

ensureServerBuilt();

/** Runs `script` in a fresh headless Neovim with `env`, then reports each of its checks as a subtest of `t`. */
async function runNeovim(t, script, env) {
  assert.ok(nvimVersion, 'nvim is not on PATH: install Neovim 0.7 (Debian: apt-get install -y neovim; ./test and .ci/run do it as root)');
  assert.match(nvimVersion, /^NVIM v0\.\d+\.\d+/, nvimVersion);

  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lft-nvim-')), 'result.json');
  // -u NONE: no user config or plugins; -i NONE -n: no shada or swap files, so runs never see each other.
  const run = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${path.join(__dirname, script)}`], {
    cwd: repoRoot,
    env: { ...process.env, LFT_DLL: serverDll, LFT_RESULT: resultFile, ...env },
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
}

for (const example of ['mistral-7b-long-context.lft.yaml', 'llama2-70b-full-8xa100.lft.yaml']) {
  test(`neovim: preferred quick fix clears the out-of-memory error in ${example}`, (t) =>
    runNeovim(t, 'quickfix.lua', { LFT_FILE: path.join(repoRoot, 'examples', example) }));
}

test('neovim: "Switch to ZeRO-3" edits the DeepSpeed JSON next to an axolotl config, and its out-of-memory error goes', (t) => {
  // A folder of their own, the project root Neovim announces (root_dir): the JSON on disk must stay as it is.
  const workspace = tempWorkspace(['examples/axolotl/full-8b-zero2.yml', 'examples/axolotl/ds_zero2.json'], 'lft-nvim-ws-');
  return runNeovim(t, 'companion.lua', { LFT_WORKSPACE: workspace, LFT_CONFIG: 'full-8b-zero2.yml', LFT_COMPANION: 'ds_zero2.json' });
});
