// The editor's side of the first-use install (trainerInstall.ts does the work): the cached trainer the server starts
// with, and, when the server finds no trainer at all, the question, the cancellable progress and the messages.
import path from 'node:path';
import * as vscode from 'vscode';
import { ProgramSettings } from './programSettings';
import { ClientCommands } from './protocol';
import {
  consentQuestion,
  hasSdk,
  InstallCancelled,
  installedTrainer,
  InstallFailed,
  installTrainer,
  noSdkMessage,
  platformProblem,
  sourceName,
  trainerFolder,
} from './trainerInstall';

export class TrainerSetup {
  private installing: Promise<string | undefined> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly programs: ProgramSettings,
    private readonly log: (line: string) => void,
  ) {}

  /** The extension's version, which is the server's (client-vscode/scripts/bundle-server.mjs checks): the trainer's too. */
  get version(): string {
    return String(this.context.extension.packageJSON.version);
  }

  private get cacheRoot(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'trainer');
  }

  /** The trainer installed on first use in an earlier session (or this one), if any. */
  cached(): string | undefined {
    return installedTrainer(trainerFolder(this.cacheRoot, this.version), this.version);
  }

  /**
   * Asks to download the trainer and installs it; the path of its lft-train.dll, or undefined when the user said no,
   * cancelled, or it failed (each said in a message). One install at a time: a Train while one runs is told so and
   * trains nothing (the first Train trains when the install is done).
   */
  async install(dotnet: string, configName: string): Promise<string | undefined> {
    if (this.installing) {
      void vscode.window.showInformationMessage(`The trainer is being installed; train ${configName} again when it is done.`);
      return undefined;
    }
    this.installing = this.askAndInstall(dotnet, configName);
    try {
      return await this.installing;
    } finally {
      this.installing = undefined;
    }
  }

  private async askAndInstall(dotnet: string, configName: string): Promise<string | undefined> {
    const platform = platformProblem(process.platform, process.arch);
    if (platform) return void this.fail(platform);
    const sourceSetting = await this.programs.read('trainerPackageSource');
    if (sourceSetting.kind === 'refused') return void this.fail(sourceSetting.message);
    const source = sourceSetting.kind === 'path' ? sourceSetting.path : undefined;
    if (!(await hasSdk(dotnet))) return void this.fail(noSdkMessage(dotnet, this.version));

    const folder = trainerFolder(this.cacheRoot, this.version);
    const question = consentQuestion(this.version, source, folder);
    const download = 'Download';
    // Modal: a download of this size happens only on a clear yes (the dialog's own Cancel is the no).
    const choice = await vscode.window.showInformationMessage(question.message, { modal: true, detail: question.detail }, download);
    if (choice !== download) {
      this.log(`trainer download declined; ${configName} not trained`);
      return undefined;
    }

    const started = Date.now();
    const abort = new AbortController();
    try {
      const dll = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Installing the trainer from ${sourceName(source)}`, cancellable: true },
        (progress, cancel) => {
          cancel.onCancellationRequested(() => abort.abort());
          progress.report({ message: 'starting dotnet tool install…' });
          return installTrainer({
            dotnet,
            version: this.version,
            cacheRoot: this.cacheRoot,
            source,
            signal: abort.signal,
            report: (message) => progress.report({ message }),
            log: this.log,
          });
        },
      );
      this.log(`trainer installed in ${Math.round((Date.now() - started) / 1000)} s: ${dll}`);
      return dll;
    } catch (error) {
      if (error instanceof InstallCancelled) {
        this.log(error.message);
        void vscode.window.showInformationMessage(error.message);
      } else {
        const message = error instanceof InstallFailed ? error.message : `The trainer could not be installed: ${String(error)}`;
        this.fail(message);
      }
      return undefined;
    }
  }

  /** A failure with the settings that avoid the download one click away. */
  private fail(message: string): void {
    this.log(message);
    const source = 'Set lft.trainerPackageSource';
    const trainer = 'Set lft.trainerPath';
    const output = 'Show Output';
    void vscode.window.showErrorMessage(message, source, trainer, output).then((choice) => {
      if (choice === source) void vscode.commands.executeCommand('workbench.action.openSettings', 'lft.trainerPackageSource');
      else if (choice === trainer) void vscode.commands.executeCommand('workbench.action.openSettings', 'lft.trainerPath');
      else if (choice === output) void vscode.commands.executeCommand(ClientCommands.showOutput);
    });
  }
}
