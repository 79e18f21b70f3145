// Finds the `dotnet` host that runs the bundled, framework-dependent `lft` server (it needs the .NET 10 runtime).
// Order: the `lft.dotnetPath` setting (user settings only, absolute: see programSettings.ts), the .NET Install Tool
// extension (which many C# users already have and which can download a private runtime), then `dotnet` in the absolute
// folders of PATH and the usual install folders. Every candidate is an absolute path: a relative one (or an empty or
// relative PATH entry) would be resolved against a working directory, which may be the workspace.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { ProgramSettings } from './programSettings';

export const REQUIRED_MAJOR = 10;
const INSTALL_TOOL_ID = 'ms-dotnettools.vscode-dotnet-runtime';
const DOWNLOAD_URL = `https://dotnet.microsoft.com/download/dotnet/${REQUIRED_MAJOR}.0`;

export interface DotnetHost {
  path: string;
  /** Where it came from, for the output channel: "setting lft.dotnetPath", "PATH", ... */
  source: string;
}

export class DotnetNotFoundError extends Error {}

const isWindows = process.platform === 'win32';
const exe = isWindows ? 'dotnet.exe' : 'dotnet';

function isFile(candidate: string): boolean {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** Runs `dotnet --list-runtimes` and says whether a Microsoft.NETCore.App of the required major version is there. */
function hasRuntime(dotnet: string): Promise<{ ok: boolean; found: string[] }> {
  return new Promise((resolve) => {
    execFile(dotnet, ['--list-runtimes'], { timeout: 15_000, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } }, (error, stdout) => {
      if (error) return resolve({ ok: false, found: [] });
      const found = stdout
        .split(/\r?\n/)
        .map((line) => /^Microsoft\.NETCore\.App\s+(\S+)/.exec(line)?.[1])
        .filter((v): v is string => !!v);
      resolve({ ok: found.some((v) => Number.parseInt(v, 10) >= REQUIRED_MAJOR), found });
    });
  });
}

/** `dotnet` on PATH, then DOTNET_ROOT and the default install folders (PATH is often thin when VS Code starts from a dock). */
function candidatesOnDisk(): string[] {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  if (process.env.DOTNET_ROOT) dirs.push(process.env.DOTNET_ROOT);
  if (isWindows) {
    dirs.push(path.join(process.env.ProgramFiles ?? 'C:\\Program Files', 'dotnet'));
  } else {
    dirs.push('/usr/share/dotnet', '/usr/lib/dotnet', '/usr/local/share/dotnet', '/opt/homebrew/opt/dotnet/libexec', path.join(os.homedir(), '.dotnet'));
  }
  return [...new Set(dirs.filter((d) => path.isAbsolute(d)).map((d) => path.join(d, exe)))].filter(isFile);
}

/** Asks the .NET Install Tool for a runtime it knows about, or to download one (it shows its own progress). */
async function fromInstallTool(log: (line: string) => void): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(INSTALL_TOOL_ID)) return undefined;
  const requestingExtensionId = 'lspfinetune.lft';
  try {
    const found = await vscode.commands.executeCommand<string | undefined>('dotnet.findPath', {
      acquireContext: { version: `${REQUIRED_MAJOR}.0`, requestingExtensionId, mode: 'runtime' },
      versionSpecRequirement: 'greater_than_or_equal',
    });
    if (found && path.isAbsolute(found) && isFile(found)) return found;
  } catch (error) {
    log(`.NET Install Tool: dotnet.findPath failed: ${String(error)}`);
  }
  try {
    const acquired = await vscode.commands.executeCommand<{ dotnetPath?: string } | undefined>('dotnet.acquire', {
      version: `${REQUIRED_MAJOR}.0`,
      requestingExtensionId,
    });
    if (acquired?.dotnetPath && path.isAbsolute(acquired.dotnetPath) && isFile(acquired.dotnetPath)) return acquired.dotnetPath;
  } catch (error) {
    log(`.NET Install Tool: dotnet.acquire failed: ${String(error)}`);
  }
  return undefined;
}

export async function findDotnet(log: (line: string) => void, programs: ProgramSettings): Promise<DotnetHost> {
  const configured = await programs.read('dotnetPath');
  // A configured path that is wrong is an error of its own: silently falling back would hide the typo.
  if (configured.kind === 'refused') throw new DotnetNotFoundError(configured.message);
  if (configured.kind === 'path') {
    const candidate = existsSync(configured.path) && statSync(configured.path).isDirectory() ? path.join(configured.path, exe) : configured.path;
    if (!isFile(candidate)) throw new DotnetNotFoundError(`The setting lft.dotnetPath points to "${configured.path}", which is not a dotnet executable.`);
    const runtime = await hasRuntime(candidate);
    if (!runtime.ok) throw new DotnetNotFoundError(`"${candidate}" (lft.dotnetPath) has no .NET ${REQUIRED_MAJOR} runtime (found: ${runtime.found.join(', ') || 'none'}).`);
    return { path: candidate, source: 'user setting lft.dotnetPath' };
  }

  const fromTool = await fromInstallTool(log);
  if (fromTool) return { path: fromTool, source: '.NET Install Tool' };

  const seen: string[] = [];
  for (const candidate of candidatesOnDisk()) {
    const runtime = await hasRuntime(candidate);
    if (runtime.ok) return { path: candidate, source: 'PATH' };
    seen.push(`${candidate} (${runtime.found.join(', ') || 'no runtimes'})`);
  }
  throw new DotnetNotFoundError(
    seen.length > 0
      ? `LspFineTune needs the .NET ${REQUIRED_MAJOR} runtime; the dotnet found has only older ones: ${seen.join('; ')}.`
      : `LspFineTune needs the .NET ${REQUIRED_MAJOR} runtime to run its language server, and no dotnet was found.`,
  );
}

/** The actionable message: set the path, get .NET, or read the log. */
export async function reportDotnetMissing(error: Error, showOutput: () => void): Promise<void> {
  const openSetting = 'Set lft.dotnetPath';
  const download = `Download .NET ${REQUIRED_MAJOR}`;
  const output = 'Show Output';
  const choice = await vscode.window.showErrorMessage(
    `${error.message} Install the .NET ${REQUIRED_MAJOR} runtime (or the .NET Install Tool extension), or set lft.dotnetPath in your user settings to the absolute path of a dotnet executable, then run "LspFineTune: Restart Language Server".`,
    openSetting,
    download,
    output,
  );
  if (choice === openSetting) await vscode.commands.executeCommand('workbench.action.openSettings', 'lft.dotnetPath');
  else if (choice === download) await vscode.env.openExternal(vscode.Uri.parse(DOWNLOAD_URL));
  else if (choice === output) showOutput();
}
