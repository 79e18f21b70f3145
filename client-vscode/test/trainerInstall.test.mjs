// The trainer's first-use install (client-vscode/src/trainerInstall.ts) against a fake dotnet that behaves as
// `dotnet tool install` does: writes the tool-path layout, or fails with NuGet's own messages, or hangs until killed.
// The TypeScript module is bundled on the fly with esbuild (it imports no `vscode`).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const VERSION = '0.1.0';
let install, tmp, fakeDotnet;

// What the fake does comes from FAKE_DOTNET (in the environment dotnet inherits); it records each call in FAKE_LOG.
const FAKE = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ args, cwd: process.cwd(), pid: process.pid }) + '\\n');
const mode = process.env.FAKE_DOTNET;
if (args[0] === '--list-sdks') {
  if (mode !== 'runtime-only') console.log('10.0.100 [/usr/share/dotnet/sdk]');
  process.exit(0);
}
const toolPath = args[args.indexOf('--tool-path') + 1];
const version = args[args.indexOf('--version') + 1];
const pkg = path.join(toolPath, '.store', 'lspfinetune.train', version, 'lspfinetune.train', version);
if (mode === 'not-found') {
  console.error('Version ' + version + ' of package lspfinetune.train is not found in NuGet feeds https://api.nuget.org/v3/index.json;/srv/feed.');
  process.exit(1);
}
if (mode === 'offline') {
  console.error('Unhandled exception: Unable to load the service index for source https://api.nuget.org/v3/index.json.');
  process.exit(1);
}
fs.mkdirSync(path.join(pkg, 'tools', 'net10.0', 'linux-x64'), { recursive: true });
fs.writeFileSync(path.join(pkg, 'lspfinetune.train.' + version + '.nupkg'), Buffer.alloc(2_000_000));
if (mode === 'hang') setInterval(() => {}, 1000);
else {
  fs.writeFileSync(path.join(pkg, 'LspFineTune.Train.nupkg'), 'package');
  fs.writeFileSync(path.join(pkg, 'tools', 'net10.0', 'linux-x64', 'lft-train.dll'), 'assembly');
  fs.writeFileSync(path.join(toolPath, 'lft-train'), 'shim');
  console.log("Tool 'lspfinetune.train' (version '" + version + "') was successfully installed.");
}
`;

before(async () => {
  const esbuild = require('esbuild');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lft-trainer-install-'));
  const outfile = path.join(tmp, 'trainerInstall.cjs');
  await esbuild.build({ entryPoints: [path.join(root, 'client-vscode/src/trainerInstall.ts')], bundle: true, format: 'cjs', platform: 'node', outfile, logLevel: 'error' });
  install = require(outfile);
  fakeDotnet = path.join(tmp, 'dotnet');
  writeFileSync(fakeDotnet, FAKE, { mode: 0o755 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh cache and call log; runs an install with the fake in `mode`, collecting what it reports. */
function setUp(mode) {
  const dir = mkdtempSync(path.join(tmp, `${mode}-`));
  process.env.FAKE_DOTNET = mode;
  process.env.FAKE_LOG = path.join(dir, 'calls.jsonl');
  const cacheRoot = path.join(dir, 'storage', 'trainer');
  const reports = [];
  const run = (options = {}) =>
    install.installTrainer({ dotnet: fakeDotnet, version: VERSION, cacheRoot, signal: new AbortController().signal, report: (m) => reports.push(m), log: () => {}, ...options });
  const calls = () => (existsSync(process.env.FAKE_LOG) ? readFileSync(process.env.FAKE_LOG, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : []);
  return { cacheRoot, run, calls, reports };
}

describe('dotnet tool install of the trainer', () => {
  it('installs this version into the cache, run from the cache folder (never the workspace), with the user source added', async () => {
    const { cacheRoot, run, calls } = setUp('ok');

    const dll = await run({ source: '/srv/feed' });

    const folder = path.join(cacheRoot, VERSION);
    assert.equal(dll, path.join(folder, '.store', 'lspfinetune.train', VERSION, 'lspfinetune.train', VERSION, 'tools', 'net10.0', 'linux-x64', 'lft-train.dll'));
    assert.equal(readFileSync(dll, 'utf8'), 'assembly');
    const [call] = calls();
    assert.equal(call.cwd, cacheRoot, "a workspace's nuget.config or global.json must not choose the source or the SDK");
    assert.deepEqual(call.args.slice(0, 5), ['tool', 'install', 'LspFineTune.Train', '--version', VERSION]);
    assert.equal(call.args[5], '--tool-path');
    assert.deepEqual(call.args.slice(7), ['--add-source', '/srv/feed', '--ignore-failed-sources']);
    assert.deepEqual(readdirSync(cacheRoot), [VERSION], 'no partial folder is left beside the install');
    assert.deepEqual(readdirSync(path.dirname(path.dirname(path.dirname(path.dirname(dll))))).filter((f) => f.endsWith('.nupkg')), [], 'the package files dotnet keeps are removed');
  });

  it('without a source setting installs from the configured sources (nuget.org) only', () => {
    assert.deepEqual(install.installArguments(VERSION, '/cache/0.1.0', undefined), ['tool', 'install', 'LspFineTune.Train', '--version', VERSION, '--tool-path', '/cache/0.1.0']);
  });

  it('a later session finds the installed trainer without running dotnet again', async () => {
    const { cacheRoot, run, calls } = setUp('ok');
    const dll = await run();
    assert.equal(install.installedTrainer(install.trainerFolder(cacheRoot, VERSION), VERSION), dll);
    assert.equal(install.installedTrainer(install.trainerFolder(cacheRoot, '0.2.0'), '0.2.0'), undefined, 'another version is not this one');

    assert.equal(await run(), dll);
    assert.equal(calls().length, 1, 'dotnet ran once');
  });

  it('installing this version removes the trainers of other versions, which nothing runs again', async () => {
    const { cacheRoot, run } = setUp('ok');
    await run({ version: '0.0.9' });
    assert.deepEqual(readdirSync(cacheRoot), ['0.0.9']);

    await run();

    assert.deepEqual(readdirSync(cacheRoot), [VERSION]);
  });

  it('a package missing from the source says so, with the two ways out, and leaves nothing behind', async () => {
    const { cacheRoot, run } = setUp('not-found');

    await assert.rejects(run({ source: '/srv/feed' }), (error) => {
      assert.ok(error instanceof install.InstallFailed);
      assert.match(error.message, /^The trainer could not be installed: LspFineTune\.Train 0\.1\.0 is not in \/srv\/feed\. /);
      assert.match(error.message, /put LspFineTune\.Train\.0\.1\.0\.nupkg .* set lft\.trainerPackageSource .* or set lft\.trainerPath to an lft-train\.dll/);
      return true;
    });
    assert.deepEqual(readdirSync(cacheRoot), []);
  });

  it('no network is said plainly, not as dotnet\'s unhandled exception', async () => {
    const { run } = setUp('offline');

    await assert.rejects(run(), (error) => {
      assert.match(error.message, /^The trainer could not be installed: nuget\.org could not be reached \(no network\?\)\. Either put /);
      assert.doesNotMatch(error.message, /Unhandled exception/);
      return true;
    });
  });

  it('any other failure quotes dotnet\'s last lines and its exit code', () => {
    const message = install.explainInstallFailure('Tool installation failed.\nUnhandled exception: disk full\n', 1, VERSION, undefined);
    assert.match(message, /^The trainer could not be installed: dotnet tool install LspFineTune\.Train exited with code 1: Tool installation failed\. disk full\. Either put/);
  });

  it('cancelling kills dotnet and removes the partial install', { timeout: 60_000 }, async () => {
    const { cacheRoot, run, calls } = setUp('hang');
    const abort = new AbortController();
    const running = run({ signal: abort.signal });
    // Wait until the fake has started writing, as dotnet would be mid-download.
    const deadline = Date.now() + 20_000;
    while (!readdirSync(cacheRoot).some((name) => name.startsWith('.partial-') && existsSync(path.join(cacheRoot, name, '.store')))) {
      assert.ok(Date.now() < deadline, 'the fake dotnet started');
      await new Promise((r) => setTimeout(r, 50));
    }
    abort.abort();

    await assert.rejects(running, install.InstallCancelled);
    assert.deepEqual(readdirSync(cacheRoot), [], 'nothing of the partial install is left');
    const { pid } = calls().at(-1);
    assert.throws(() => process.kill(pid, 0), 'the dotnet process is gone');
  });

  it('progress says how long and how much has been written, beside the package sizes', { timeout: 60_000 }, async () => {
    const { run, reports } = setUp('hang');
    const abort = new AbortController();
    const running = run({ signal: abort.signal });
    const deadline = Date.now() + 20_000;
    while (reports.length === 0) {
      assert.ok(Date.now() < deadline, 'a progress report within the deadline');
      await new Promise((r) => setTimeout(r, 100));
    }
    abort.abort();
    await assert.rejects(running, install.InstallCancelled);
    assert.match(reports[0], /^\d+ s · \d+ MB written \(about \d+ MB to download, \d+ MB unpacked\)$/);
  });
});

describe('before asking to download', () => {
  it('a runtime without the SDK cannot run dotnet tool install: said before any download', async () => {
    setUp('runtime-only');
    assert.equal(await install.hasSdk(fakeDotnet), false);
    setUp('ok');
    assert.equal(await install.hasSdk(fakeDotnet), true);
    assert.match(install.noSdkMessage('/usr/lib/dotnet/dotnet', VERSION), /needs the \.NET SDK, and \/usr\/lib\/dotnet\/dotnet has only the runtime\. Install the \.NET 10 SDK .* or set lft\.trainerPath/);
  });

  it('the package runs on linux-x64 only; elsewhere the way out is a trainer built there', () => {
    assert.equal(install.platformProblem('linux', 'x64'), undefined);
    assert.match(install.platformProblem('darwin', 'arm64'), /built for linux-x64 only, and this machine is osx-arm64\. Build lft-train from a checkout .* set lft\.trainerPath/);
    assert.match(install.platformProblem('linux', 'arm64'), /this machine is linux-arm64/);
  });

  it('the question names the package, its sizes, the source and the folder', () => {
    const { message, detail } = install.consentQuestion(VERSION, '/srv/feed', '/home/u/.config/Code/User/globalStorage/lspfinetune.lft/trainer/0.1.0');
    assert.equal(message, `Download LspFineTune's trainer (LspFineTune.Train 0.1.0, about ${install.TRAINER_DOWNLOAD_MB} MB) from /srv/feed?`);
    assert.match(detail, new RegExp(`about ${install.TRAINER_INSTALLED_MB} MB on disk`));
    assert.match(detail, /into \/home\/u\/\.config\/Code\/User\/globalStorage\/lspfinetune\.lft\/trainer\/0\.1\.0 and used from there in later sessions without asking/);
    assert.match(install.consentQuestion(VERSION, undefined, '/x').message, /from nuget\.org\?$/);
  });
});
