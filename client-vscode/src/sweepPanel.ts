// The results of a hyperparameter search (lft.sweep): one webview panel that follows one config, with a table of its
// trials, a plot of early against final eval loss, and "Apply the best". The page is static (client-vscode/media) and
// draws what is posted to it; the data is the server's lft.sweepResults, read again when the document changes (so
// "applied" follows the text) and after each apply. Everything is local: no CDN, a strict Content-Security-Policy.
import * as vscode from 'vscode';
import { Estimates } from './estimates';
import { ApplySweepResult, ServerCommands, SweepResults } from './protocol';
import { openPagePanel } from './webviewPage';

type Execute = <T>(command: string, args: unknown[]) => Promise<T>;

export class SweepPanel implements vscode.Disposable {
  static readonly viewType = 'lft.sweepResults';
  private panel: vscode.WebviewPanel | undefined;
  private uri: vscode.Uri | undefined;
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    estimates: Estimates,
    private readonly execute: Execute,
  ) {
    this.disposables.push(
      estimates.onDidChange((uri) => {
        if (this.panel && uri.toString() === this.uri?.toString()) void this.update();
      }),
    );
  }

  show(uri: vscode.Uri): void {
    this.uri = uri;
    const title = `Tuning: ${uri.path.split('/').pop()}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      this.panel = openPagePanel(this.extensionUri, SweepPanel.viewType, title, { css: 'sweep.css', js: 'sweep.js', title: 'Hyperparameter search', placeholder: "Reading the search's results…" }, (message) => {
        if (message.type === 'ready') void this.update();
        else if (message.type === 'apply' && this.uri) void this.apply(this.uri, typeof message.trial === 'number' ? message.trial : undefined);
        else if (message.type === 'open' && this.uri) void vscode.window.showTextDocument(this.uri, { viewColumn: vscode.ViewColumn.One });
      }, this.disposables);
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    }
    void this.update();
  }

  private async apply(uri: vscode.Uri, trial: number | undefined): Promise<void> {
    try {
      const result = await this.execute<ApplySweepResult>(ServerCommands.applySweep, [uri.toString(), ...(trial !== undefined ? [{ trial }] : [])]);
      const name = result.trial === 0 ? 'the config as written' : `trial ${result.trial}`;
      if (result.applied) void vscode.window.showInformationMessage(`Applied ${name} of the search: ${result.changes.join(', ')}.`);
      else if (result.message) void vscode.window.showInformationMessage(result.message);
      else void vscode.window.showWarningMessage(`The edit for ${name} was not applied (is the document read-only?).`);
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
    await this.update();
  }

  private async update(): Promise<void> {
    const uri = this.uri;
    if (!uri || !this.panel) return;
    const generation = ++this.generation;
    let message: object;
    try {
      const results = await this.execute<SweepResults>(ServerCommands.sweepResults, [uri.toString()]);
      message = { type: 'update', ok: true, results };
    } catch (error) {
      message = { type: 'update', ok: false, file: uri.path.split('/').pop(), message: error instanceof Error ? error.message : String(error) };
    }
    if (generation !== this.generation) return;
    await this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
