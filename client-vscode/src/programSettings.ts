// The settings that name a program the extension runs (`lft.dotnetPath` at activation, `lft.trainerPath` on "Train")
// or where it comes from (`lft.trainerPackageSource`, the package source the trainer is installed from on first use).
// A user who trusts a repository to edit its configs does not expect it to pick those programs, so they are read from
// the user level only: package.json makes them machine-scoped (VS Code then drops them from workspace and folder
// settings), and this module reads `inspect(key).globalValue`, never the merged value, in case a host keeps them. The
// path must be absolute: a relative one would be resolved against the workspace (a package source may also be an
// http(s) feed URL). A workspace file that still sets
// one is named in a warning, once. No `vscode` import, so the rules run under plain node in client-vscode/test.
import path from 'node:path';
import { parse, ParseError } from 'jsonc-parser';

export const PROGRAM_SETTINGS = ['dotnetPath', 'trainerPath', 'trainerPackageSource'] as const;
export type ProgramSetting = (typeof PROGRAM_SETTINGS)[number];

/** What each setting names, for messages. */
const PROGRAM: Record<ProgramSetting, string> = {
  dotnetPath: 'the dotnet executable (or its folder)',
  trainerPath: "the trainer's lft-train.dll",
  trainerPackageSource: "the trainer's package source (a folder, or a feed URL)",
};

/** A feed URL, which a package source may be instead of a folder. */
const FEED_URL = /^https?:\/\/\S+$/i;

/** The levels of `WorkspaceConfiguration.inspect`; only `globalValue` is ever used. */
export interface SettingLevels {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type ProgramPath =
  | { kind: 'unset' }
  | { kind: 'path'; path: string } // a feed URL for trainerPackageSource
  | { kind: 'refused'; message: string };

/** The program path the user set in their user settings: absolute (`~` is the home folder), or refused with why. */
export function programPath(setting: ProgramSetting, levels: SettingLevels | undefined, home: string): ProgramPath {
  const value = levels?.globalValue;
  if (typeof value !== 'string' || value.trim() === '') return { kind: 'unset' };
  const trimmed = value.trim();
  if (setting === 'trainerPackageSource' && FEED_URL.test(trimmed)) return { kind: 'path', path: trimmed };
  const expanded = trimmed === '~' || trimmed.startsWith('~/') ? path.join(home, trimmed.slice(1)) : trimmed;
  if (!path.isAbsolute(expanded)) {
    return {
      kind: 'refused',
      message:
        `The setting lft.${setting} is "${trimmed}", a relative path, and is not used: it would be resolved against the workspace. ` +
        `Set lft.${setting} in your user settings to the absolute path of ${PROGRAM[setting]}, or clear it.`,
    };
  }
  return { kind: 'path', path: path.normalize(expanded) };
}

/** A settings file of the open workspace: `<folder>/.vscode/settings.json`, or a `.code-workspace` file (its `settings`). */
export interface WorkspaceSettingsFile {
  file: string;
  text: string;
  kind: 'folder' | 'workspace';
}

/** Whether the file sets `lft.<setting>` (JSON with comments and trailing commas, as VS Code reads it). */
export function setsProgram(settingsFile: WorkspaceSettingsFile, setting: ProgramSetting): boolean {
  const errors: ParseError[] = [];
  const root: unknown = parse(settingsFile.text, errors, { allowTrailingComma: true, disallowComments: false });
  const settings = settingsFile.kind === 'workspace' ? property(root, 'settings') : root;
  return property(settings, `lft.${setting}`) !== undefined;
}

function property(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** The warning for a workspace file that sets a program path. */
export function ignoredInWorkspaceMessage(setting: ProgramSetting, file: string): string {
  return (
    `LspFineTune ignores lft.${setting} in ${file}: the programs it runs are chosen only in your user settings, never by a workspace. ` +
    `Remove it from that file; to choose ${PROGRAM[setting]}, set lft.${setting} in your user settings.`
  );
}

/** What ProgramSettings needs from the editor (VS Code in the extension, a fake in the tests). */
export interface SettingsHost {
  inspect(setting: ProgramSetting): SettingLevels | undefined;
  /** The open workspace's settings files that exist (bounded reads; unreadable ones are skipped). */
  workspaceSettingsFiles(): Promise<WorkspaceSettingsFile[]>;
  /** True the first time this key is seen in this workspace (a persisted memento in VS Code). */
  firstTime(key: string): boolean;
  warn(message: string, setting: ProgramSetting): void;
  log(line: string): void;
  home: string;
}

/** Reads the program settings through a host, warning once per workspace file that tries to set one. */
export class ProgramSettings {
  constructor(private readonly host: SettingsHost) {}

  /** The setting's user-level path, after warning (once) about any workspace file that sets it. */
  async read(setting: ProgramSetting): Promise<ProgramPath> {
    await this.warnAboutWorkspaceValues(setting);
    return this.current(setting);
  }

  /** The setting's user-level path, without looking at the workspace's files. */
  current(setting: ProgramSetting): ProgramPath {
    return programPath(setting, this.host.inspect(setting), this.host.home);
  }

  private async warnAboutWorkspaceValues(setting: ProgramSetting): Promise<void> {
    const levels = this.host.inspect(setting);
    const files = (await this.host.workspaceSettingsFiles()).filter((f) => setsProgram(f, setting));
    // A host that kept a workspace value (VS Code drops machine-scoped ones) but whose file was not read: still say so.
    const unnamed = files.length === 0 && (levels?.workspaceValue !== undefined || levels?.workspaceFolderValue !== undefined);
    for (const file of unnamed ? ['the workspace settings'] : files.map((f) => f.file)) {
      this.host.log(`lft.${setting} in ${file} is ignored (program paths come from user settings only)`);
      if (this.host.firstTime(`ignored:${setting}:${file}`)) this.host.warn(ignoredInWorkspaceMessage(setting, file), setting);
    }
  }
}
