// ProgramSettings' view of VS Code: the user-level value of a setting, the workspace's own settings files (read to
// name the file that tries to set a program path, since VS Code drops machine-scoped values from them silently), a
// per-workspace "warned already" memento, and the warning with a way to the user settings.
import os from 'node:os';
import * as vscode from 'vscode';
import { ProgramSetting, SettingsHost, WorkspaceSettingsFile } from './programSettings';

/** Settings files are small; one larger than this is not read (it cannot be what VS Code itself applies either). */
const MAX_SETTINGS_BYTES = 1024 * 1024;

async function readSmallFile(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type !== vscode.FileType.File || stat.size > MAX_SETTINGS_BYTES) return undefined;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined; // no such file: nothing set there
  }
}

export function vscodeSettingsHost(memento: vscode.Memento, log: (line: string) => void): SettingsHost {
  return {
    home: os.homedir(),
    log,
    inspect: (setting) => vscode.workspace.getConfiguration('lft').inspect(setting),
    async workspaceSettingsFiles() {
      const candidates: { uri: vscode.Uri; kind: WorkspaceSettingsFile['kind'] }[] = (vscode.workspace.workspaceFolders ?? []).map((folder) => ({
        uri: vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'),
        kind: 'folder',
      }));
      const workspaceFile = vscode.workspace.workspaceFile;
      if (workspaceFile && workspaceFile.scheme !== 'untitled') candidates.push({ uri: workspaceFile, kind: 'workspace' });
      const files: WorkspaceSettingsFile[] = [];
      for (const { uri, kind } of candidates) {
        const text = await readSmallFile(uri);
        if (text !== undefined) files.push({ file: uri.scheme === 'file' ? uri.fsPath : uri.toString(), text, kind });
      }
      return files;
    },
    firstTime(key) {
      if (memento.get<boolean>(key)) return false;
      void memento.update(key, true);
      return true;
    },
    warn(message, setting: ProgramSetting) {
      const open = 'Open User Settings';
      void vscode.window.showWarningMessage(message, open).then((choice) => {
        if (choice === open) void vscode.commands.executeCommand('workbench.action.openSettings', `lft.${setting}`);
      });
    },
  };
}
