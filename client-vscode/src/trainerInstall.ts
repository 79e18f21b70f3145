// Installs the trainer on first use. lft-train with libtorch is about 500 MB, far too big for a .vsix (the Marketplace
// caps packages), so the .vsix carries only the server, and this module fetches the trainer once, after the user said
// yes, as the .NET tool package LspFineTune.Train of the extension's own version: `dotnet tool install --tool-path`
// into the extension's global storage (<storage>/trainer/<version>), from nuget.org or from the package source the user
// set (lft.trainerPackageSource: a folder for a machine without a network, or a feed of their own). The server then
// gets the trainer's path as it gets lft.trainerPath: LFT_TRAIN_DLL at launch, checked against its identity rules.
// No `vscode` import: client-vscode/test runs this under plain node with a fake dotnet.
import { execFile, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export const TRAINER_PACKAGE_ID = 'LspFineTune.Train';
/** The one platform the package is built for: libtorch's CPU natives for linux-x64 (server/LspFineTune.Trainer). */
export const TRAINER_PLATFORM = 'linux-x64';
/**
 * The package's size to download and on disk, for the consent question (measured on `scripts/pack-tool --trainer`;
 * tests/ui checks the package it builds against these, so they cannot drift far).
 */
export const TRAINER_DOWNLOAD_MB = 131;
export const TRAINER_INSTALLED_MB = 508;

/** A partial install this old is left over from a window that died mid-install, not one still running elsewhere. */
const STALE_PARTIAL_MS = 60 * 60_000;
/** How much of dotnet's output is kept to explain a failure. */
const KEPT_OUTPUT_CHARS = 64 * 1024;

const DOTNET_ENV = { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

/** The installation was cancelled; nothing of it is left on disk. */
export class InstallCancelled extends Error {}

/** The installation failed; the message says what failed and the two ways out. */
export class InstallFailed extends Error {}

/** The folder of one version's install: <storage>/trainer/<version>. */
export function trainerFolder(cacheRoot: string, version: string): string {
  return path.join(cacheRoot, version);
}

function entries(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The package's own folder in a tool-path install: .store/<id>/<version>/<id>/<version> (ids in lower case). */
function packageFolder(toolPath: string, version: string): string {
  const id = TRAINER_PACKAGE_ID.toLowerCase();
  return path.join(toolPath, '.store', id, version, id, version);
}

/** The installed lft-train.dll of this version (tools/<framework>/<rid>/), or undefined when there is none. */
export function installedTrainer(toolPath: string, version: string): string | undefined {
  const tools = path.join(packageFolder(toolPath, version), 'tools');
  for (const framework of entries(tools).sort()) {
    for (const runtime of entries(path.join(tools, framework)).sort()) {
      const dll = path.join(tools, framework, runtime, 'lft-train.dll');
      if (isFile(dll)) return dll;
    }
  }
  return undefined;
}

/** Why this machine cannot run the package at all, or undefined when it can. */
export function platformProblem(platform: string, arch: string): string | undefined {
  const here = `${platform === 'win32' ? 'win' : platform === 'darwin' ? 'osx' : platform}-${arch === 'x64' ? 'x64' : arch}`;
  if (here === TRAINER_PLATFORM) return undefined;
  return (
    `The trainer package ${TRAINER_PACKAGE_ID} is built for ${TRAINER_PLATFORM} only, and this machine is ${here}. ` +
    'Build lft-train from a checkout (`./lft-train --help`) and set lft.trainerPath in your user settings to its lft-train.dll.'
  );
}

/** Where the package comes from, in words. */
export function sourceName(source: string | undefined): string {
  return source ?? 'nuget.org';
}

/** The consent question: what is downloaded, how big, from where, to where. */
export function consentQuestion(version: string, source: string | undefined, folder: string): { message: string; detail: string } {
  return {
    message: `Download LspFineTune's trainer (${TRAINER_PACKAGE_ID} ${version}, about ${TRAINER_DOWNLOAD_MB} MB) from ${sourceName(source)}?`,
    detail:
      `Training runs lft-train with libtorch (CPU), about ${TRAINER_INSTALLED_MB} MB on disk: too big to ship inside the extension. ` +
      `It is installed once with \`dotnet tool install\` into ${folder} and used from there in later sessions without asking. ` +
      'No network? Set lft.trainerPackageSource to a folder holding the package, or lft.trainerPath to an lft-train.dll.',
  };
}

/** The arguments of `dotnet tool install` for this version into toolPath, with the user's package source if any. */
export function installArguments(version: string, toolPath: string, source: string | undefined): string[] {
  const args = ['tool', 'install', TRAINER_PACKAGE_ID, '--version', version, '--tool-path', toolPath];
  // The user's source beside the configured ones; a configured one that cannot be reached (nuget.org offline) is then
  // a warning, not the end, so a local folder works without a network.
  if (source) args.push('--add-source', source, '--ignore-failed-sources');
  return args;
}

/** What to do when the trainer cannot be installed: the two settings that avoid the download. */
export function waysOut(version: string): string {
  return (
    `Either put ${TRAINER_PACKAGE_ID}.${version}.nupkg (from nuget.org, or \`scripts/pack-tool --trainer\` in a checkout) in a folder ` +
    'and set lft.trainerPackageSource in your user settings to that folder (or to a feed of your own), ' +
    'or set lft.trainerPath to an lft-train.dll of this release (`./lft-train --help` in a checkout builds one).'
  );
}

/** The failure of `dotnet tool install`, said plainly: not in the source, no network, or dotnet's own last words. */
export function explainInstallFailure(output: string, exitCode: number | null, version: string, source: string | undefined): string {
  const where = sourceName(source);
  let what: string;
  if (/\bNU1101\b|Unable to find package|is not found in NuGet feeds|could not be found/i.test(output)) {
    what = `${TRAINER_PACKAGE_ID} ${version} is not in ${where}`;
  } else if (/\bNU1301\b|Unable to load the service index|No such host|Name or service not known|Temporary failure in name resolution|Connection refused|Network is unreachable|timed out/i.test(output)) {
    what = `${where} could not be reached (no network?)`;
  } else if (/NuGet requires HTTPS sources/i.test(output)) {
    what = `${where} is an http:// source, which NuGet refuses; use https://, or a folder`;
  } else {
    const last = output.split(/\r?\n/).map((line) => line.replace(/^Unhandled exception:\s*/i, '').trim()).filter(Boolean).slice(-2).join(' ');
    what = `dotnet tool install ${TRAINER_PACKAGE_ID} exited with ${exitCode === null ? 'a signal' : `code ${exitCode}`}${last ? `: ${last}` : ''}`;
  }
  return `The trainer could not be installed: ${what}. ${waysOut(version)}`;
}

/** Whether this dotnet has an SDK: `dotnet tool install` is an SDK command, and a runtime alone cannot run it. */
export function hasSdk(dotnet: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(dotnet, ['--list-sdks'], { timeout: 30_000, env: { ...process.env, ...DOTNET_ENV } }, (error, stdout) => resolve(!error && /^\d+\.\d+\.\d+/m.test(stdout)));
  });
}

/** The message when the dotnet found has no SDK. */
export function noSdkMessage(dotnet: string, version: string): string {
  return (
    `The trainer is installed with \`dotnet tool install\`, which needs the .NET SDK, and ${dotnet} has only the runtime. ` +
    `Install the .NET 10 SDK (https://dot.net) and train again, or set lft.trainerPath in your user settings to an lft-train.dll of this release (${version}).`
  );
}

/** Bytes under a folder (an install holds a few dozen files), to show that a long download is moving. */
function folderBytes(folder: string): number {
  let total = 0;
  for (const name of entries(folder)) {
    const entry = path.join(folder, name);
    try {
      const stat = lstatSync(entry);
      total += stat.isDirectory() ? folderBytes(entry) : stat.size;
    } catch {
      // gone meanwhile: dotnet moves its staging files
    }
  }
  return total;
}

/** The package files dotnet keeps beside the unpacked tool (two copies of ~130 MB): nothing runs them. */
function removePackageFiles(toolPath: string, version: string): void {
  const folder = packageFolder(toolPath, version);
  for (const name of entries(folder)) if (name.endsWith('.nupkg')) rmSync(path.join(folder, name), { force: true });
}

/** The installs of other versions (an update of the extension installs its own): ~500 MB each, never run again. */
function removeOtherVersions(cacheRoot: string, version: string): void {
  for (const name of entries(cacheRoot)) {
    if (name !== version && !name.startsWith('.partial-')) rmSync(path.join(cacheRoot, name), { recursive: true, force: true });
  }
}

/** Partial installs of windows that died mid-install (a fresh one may belong to another window, still installing). */
function removeStalePartials(cacheRoot: string, now: number): void {
  for (const name of entries(cacheRoot)) {
    if (!name.startsWith('.partial-')) continue;
    const folder = path.join(cacheRoot, name);
    try {
      if (now - statSync(folder).mtimeMs > STALE_PARTIAL_MS) rmSync(folder, { recursive: true, force: true });
    } catch {
      // another window removed it
    }
  }
}

export interface InstallRequest {
  dotnet: string;
  version: string;
  /** <storage>/trainer: each version installs into a folder of its own under it. */
  cacheRoot: string;
  source?: string;
  signal: AbortSignal;
  /** A progress line: seconds so far and megabytes written. */
  report(message: string): void;
  log(line: string): void;
}

/**
 * Installs the trainer into a partial folder, then renames it to <cacheRoot>/<version>: a folder of that name is always
 * a whole install, never a half-written one. Cancelling kills dotnet and removes the partial folder; a success removes
 * the installs of other versions. Returns the absolute path of the installed lft-train.dll.
 */
export async function installTrainer(request: InstallRequest): Promise<string> {
  const { version, cacheRoot } = request;
  const final = trainerFolder(cacheRoot, version);
  const already = installedTrainer(final, version);
  if (already) return already;
  mkdirSync(cacheRoot, { recursive: true });
  removeStalePartials(cacheRoot, Date.now());
  const partial = path.join(cacheRoot, `.partial-${version}-${process.pid}-${Date.now().toString(36)}`);
  const args = installArguments(version, partial, request.source);
  request.log(`installing the trainer: ${request.dotnet} ${args.join(' ')}`);
  try {
    const { code, output } = await runDotnet(request, args, partial);
    if (code !== 0) throw new InstallFailed(explainInstallFailure(output, code, version, request.source));
    if (!installedTrainer(partial, version)) {
      throw new InstallFailed(`The trainer package was installed, but it holds no lft-train.dll for ${TRAINER_PLATFORM}. ${waysOut(version)}`);
    }
    removePackageFiles(partial, version);
    try {
      renameSync(partial, final);
    } catch (error) {
      // Another window finished the same install first: use its folder.
      if (!installedTrainer(final, version)) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  const installed = installedTrainer(final, version);
  if (!installed) throw new InstallFailed(`The trainer was installed, but ${final} holds no lft-train.dll. ${waysOut(version)}`);
  removeOtherVersions(cacheRoot, version);
  return installed;
}

/** Runs dotnet (its own process group, so cancelling ends whatever it started), reporting progress every second. */
function runDotnet(request: InstallRequest, args: string[], partial: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    if (request.signal.aborted) return reject(new InstallCancelled('The trainer download was cancelled.'));
    const posix = process.platform !== 'win32';
    // The working directory is the cache, never the workspace: a repository's nuget.config or global.json must not
    // choose where the trainer comes from or which SDK installs it.
    const child = spawn(request.dotnet, args, { cwd: request.cacheRoot, env: { ...process.env, ...DOTNET_ENV }, stdio: ['ignore', 'pipe', 'pipe'], detached: posix });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-KEPT_OUTPUT_CHARS);
      for (const line of text.split(/\r?\n/)) if (line.trim()) request.log(`dotnet: ${line.trimEnd()}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const started = Date.now();
    const ticker = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      const megabytes = Math.round(folderBytes(partial) / 1e6);
      request.report(`${seconds} s · ${megabytes} MB written (about ${TRAINER_DOWNLOAD_MB} MB to download, ${TRAINER_INSTALLED_MB} MB unpacked)`);
    }, 1000);
    let killer: NodeJS.Timeout | undefined;
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (posix && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      kill('SIGTERM');
      killer = setTimeout(() => kill('SIGKILL'), 5000);
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearInterval(ticker);
      clearTimeout(killer);
      request.signal.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      done();
      reject(new InstallFailed(`${request.dotnet} could not be started: ${error.message}. ${waysOut(request.version)}`));
    });
    child.on('close', (code) => {
      done();
      if (request.signal.aborted) reject(new InstallCancelled('The trainer download was cancelled; nothing of it was kept.'));
      else resolve({ code, output });
    });
  });
}
