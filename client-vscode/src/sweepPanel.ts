// The results of a hyperparameter search (lft.sweep): one webview panel that follows one config, with a table of its
// trials, a plot of early against final eval loss, and "Apply the best". The data is the server's lft.sweepResults,
// read again when the document changes (so "applied" follows the text) and after each apply.
import * as vscode from 'vscode';
import { Estimates } from './estimates';
import { ApplySweepResult, ServerCommands, SweepResults } from './protocol';
import { ConfigPagePanel, PageMessage } from './webviewPage';

type Execute = <T>(command: string, args: unknown[]) => Promise<T>;

export class SweepPanel extends ConfigPagePanel {
  static readonly viewType = 'lft.sweepResults';

  constructor(
    extensionUri: vscode.Uri,
    estimates: Estimates,
    private readonly execute: Execute,
  ) {
    super(extensionUri, estimates, SweepPanel.viewType, 'Tuning', { css: 'sweep.css', js: 'sweep.js', title: 'Hyperparameter search', placeholder: "Reading the search's results…" });
  }

  protected async data(uri: vscode.Uri): Promise<object> {
    try {
      const results = await this.execute<SweepResults>(ServerCommands.sweepResults, [uri.toString()]);
      return { type: 'update', ok: true, results };
    } catch (error) {
      return { type: 'update', ok: false, file: uri.path.split('/').pop(), message: error instanceof Error ? error.message : String(error) };
    }
  }

  protected onMessage(message: PageMessage, uri: vscode.Uri): void {
    if (message.type === 'apply') void this.apply(uri, typeof message.trial === 'number' ? message.trial : undefined);
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
    await this.refresh();
  }
}
