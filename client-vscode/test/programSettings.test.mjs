// Settings that name a program the extension runs (lft.dotnetPath, lft.trainerPath): machine-scoped in package.json,
// read from the user level only, absolute or refused, and a workspace file that sets one is named in a warning, once.
// The TypeScript module is bundled on the fly with esbuild (it imports no `vscode`; the host is faked here).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const HOME = '/home/someone';
let settings;

before(async () => {
  const esbuild = require('esbuild');
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'lft-program-settings-')), 'programSettings.cjs');
  // jsonc-parser's UMD build requires its parts dynamically: bundle its ESM build, as client-vscode/esbuild.mjs does.
  await esbuild.build({ entryPoints: [path.join(root, 'client-vscode/src/programSettings.ts')], bundle: true, format: 'cjs', platform: 'node', mainFields: ['module', 'main'], outfile, logLevel: 'error' });
  settings = require(outfile);
});

/** A host as VS Code would be: user-level values, the workspace's settings files, a memento, and what was shown. */
function fakeHost({ levels = {}, files = [] } = {}) {
  const seen = new Set();
  const host = {
    home: HOME,
    warnings: [],
    logged: [],
    inspect: (setting) => levels[setting],
    workspaceSettingsFiles: async () => files,
    firstTime: (key) => !seen.has(key) && seen.add(key) !== undefined,
    warn: (message, setting) => host.warnings.push({ message, setting }),
    log: (line) => host.logged.push(line),
  };
  return host;
}

describe('program settings in package.json', () => {
  const properties = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.configuration.properties;

  it('every setting that names a program is machine-scoped, so VS Code drops it from workspace and folder settings', () => {
    for (const setting of settings.PROGRAM_SETTINGS) assert.equal(properties[`lft.${setting}`]?.scope, 'machine', `lft.${setting}`);
  });

  it('every setting that describes an executable, an assembly or a package to install is one of the program settings', () => {
    const programs = Object.entries(properties)
      .filter(([, p]) => /executable|\.dll\b|\.nupkg\b/i.test(p.markdownDescription ?? p.description ?? ''))
      .map(([key]) => key.replace(/^lft\./, ''));
    assert.deepEqual(programs.sort(), [...settings.PROGRAM_SETTINGS].sort());
    const machine = Object.entries(properties).filter(([, p]) => p.scope === 'machine').map(([key]) => key.replace(/^lft\./, ''));
    assert.deepEqual(machine.sort(), [...settings.PROGRAM_SETTINGS].sort());
  });
});

describe('a program path comes from the user settings only', () => {
  it('uses the user-level value and never a workspace or folder value', () => {
    assert.deepEqual(settings.programPath('trainerPath', { globalValue: '/opt/lft/lft-train.dll', workspaceValue: '/tmp/evil.dll', workspaceFolderValue: '/tmp/evil2.dll' }, HOME), { kind: 'path', path: '/opt/lft/lft-train.dll' });
    assert.deepEqual(settings.programPath('trainerPath', { workspaceValue: '/tmp/evil.dll', workspaceFolderValue: './evil.dll' }, HOME), { kind: 'unset' });
    assert.deepEqual(settings.programPath('dotnetPath', { globalValue: '   ' }, HOME), { kind: 'unset' });
    assert.deepEqual(settings.programPath('dotnetPath', undefined, HOME), { kind: 'unset' });
  });

  it('refuses a relative path, saying which setting and what to do', () => {
    const refused = settings.programPath('trainerPath', { globalValue: 'tools/lft-train.dll' }, HOME);
    assert.equal(refused.kind, 'refused');
    assert.equal(
      refused.message,
      'The setting lft.trainerPath is "tools/lft-train.dll", a relative path, and is not used: it would be resolved against the workspace. ' +
        "Set lft.trainerPath in your user settings to the absolute path of the trainer's lft-train.dll, or clear it.",
    );
    const dotnet = settings.programPath('dotnetPath', { globalValue: './dotnet' }, HOME);
    assert.equal(dotnet.kind, 'refused');
    assert.match(dotnet.message, /^The setting lft\.dotnetPath is "\.\/dotnet", a relative path.*absolute path of the dotnet executable/);
  });

  it('takes a feed URL as the trainer\'s package source, and refuses a relative folder', () => {
    assert.deepEqual(settings.programPath('trainerPackageSource', { globalValue: 'https://pkgs.example.com/v3/index.json' }, HOME), { kind: 'path', path: 'https://pkgs.example.com/v3/index.json' });
    assert.deepEqual(settings.programPath('trainerPackageSource', { globalValue: '~/feed' }, HOME), { kind: 'path', path: '/home/someone/feed' });
    const relative = settings.programPath('trainerPackageSource', { globalValue: 'feed' }, HOME);
    assert.equal(relative.kind, 'refused');
    assert.match(relative.message, /^The setting lft\.trainerPackageSource is "feed", a relative path, and is not used: .* the trainer's package source \(a folder, or a feed URL\)/);
    assert.equal(settings.programPath('trainerPath', { globalValue: 'https://example.com/lft-train.dll' }, HOME).kind, 'refused', 'only a package source may be a URL');
  });

  it('takes ~/ as the home folder and normalises an absolute path', () => {
    assert.deepEqual(settings.programPath('dotnetPath', { globalValue: '~/.dotnet/dotnet' }, HOME), { kind: 'path', path: '/home/someone/.dotnet/dotnet' });
    assert.deepEqual(settings.programPath('dotnetPath', { globalValue: ' /usr/lib/../bin/dotnet ' }, HOME), { kind: 'path', path: '/usr/bin/dotnet' });
  });
});

describe('a workspace that sets a program path', () => {
  const folderFile = {
    file: '/repo/.vscode/settings.json',
    kind: 'folder',
    text: '{\n  // the repository would like to pick the trainer\n  "lft.trainerPath": "./scripts/train.dll",\n  "lft.units": "GiB",\n}\n',
  };

  it('is named in a warning once, and the user-level value is what is used', async () => {
    const host = fakeHost({ levels: { trainerPath: { globalValue: '/opt/lft/lft-train.dll' } }, files: [folderFile] });
    const programs = new settings.ProgramSettings(host);

    assert.deepEqual(await programs.read('trainerPath'), { kind: 'path', path: '/opt/lft/lft-train.dll' });
    assert.deepEqual(await programs.read('trainerPath'), { kind: 'path', path: '/opt/lft/lft-train.dll' });

    assert.equal(host.warnings.length, 1, JSON.stringify(host.warnings));
    assert.equal(host.warnings[0].setting, 'trainerPath');
    assert.equal(
      host.warnings[0].message,
      'LspFineTune ignores lft.trainerPath in /repo/.vscode/settings.json: the programs it runs are chosen only in your user settings, never by a workspace. ' +
        "Remove it from that file; to choose the trainer's lft-train.dll, set lft.trainerPath in your user settings.",
    );
    assert.equal(host.logged.length, 2, 'each read logs that the value is ignored');
  });

  it('with no user-level value leaves the setting unset (the server looks next to itself)', async () => {
    const host = fakeHost({ files: [folderFile] });
    assert.deepEqual(await new settings.ProgramSettings(host).read('trainerPath'), { kind: 'unset' });
    assert.equal(host.warnings.length, 1);
  });

  it('is found in a .code-workspace file too, and only for the settings it sets', async () => {
    const workspaceFile = { file: '/work/all.code-workspace', kind: 'workspace', text: '{"folders": [{"path": "."}], "settings": {"lft.dotnetPath": "bin/dotnet"}}' };
    const host = fakeHost({ files: [folderFile, workspaceFile] });
    const programs = new settings.ProgramSettings(host);

    await programs.read('dotnetPath');

    assert.deepEqual(host.warnings.map((w) => [w.setting, w.message.split(':')[0]]), [['dotnetPath', 'LspFineTune ignores lft.dotnetPath in /work/all.code-workspace']]);
  });

  it('warns even where the host kept a workspace value but no settings file was read', async () => {
    const host = fakeHost({ levels: { dotnetPath: { workspaceFolderValue: './dotnet' } } });
    assert.deepEqual(await new settings.ProgramSettings(host).read('dotnetPath'), { kind: 'unset' });
    assert.match(host.warnings[0].message, /^LspFineTune ignores lft\.dotnetPath in the workspace settings:/);
  });

  it('a settings file that only mentions the key in a comment sets nothing', () => {
    const commented = { file: '/repo/.vscode/settings.json', kind: 'folder', text: '{\n  // "lft.trainerPath": "./x.dll"\n  "lft.units": "GB"\n}' };
    assert.equal(settings.setsProgram(commented, 'trainerPath'), false);
    assert.equal(settings.setsProgram(folderFile, 'trainerPath'), true);
  });
});
