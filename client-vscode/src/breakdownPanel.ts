// The memory breakdown view: one webview panel that follows one config and redraws when its estimate changes.
import * as vscode from 'vscode';
import { Estimates } from './estimates';
import { ClientCommands } from './protocol';
import { ConfigPagePanel, PageMessage } from './webviewPage';

export class BreakdownPanel extends ConfigPagePanel {
  static readonly viewType = 'lft.breakdown';

  constructor(
    extensionUri: vscode.Uri,
    private readonly estimates: Estimates,
  ) {
    super(extensionUri, estimates, BreakdownPanel.viewType, 'Memory', { css: 'breakdown.css', js: 'breakdown.js', title: 'Memory breakdown', placeholder: 'Computing the estimate…' });
    this.disposables.push(
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (this.panel && document.uri.toString() === this.uri?.toString()) void this.post({ type: 'closed' });
      }),
    );
  }

  protected async data(uri: vscode.Uri): Promise<object> {
    const reply = await this.estimates.get(uri);
    // A file no dialect claims (any more): say so rather than pass on "no estimate: fix the errors".
    const shown = reply.served
      ? reply
      : { ...reply, message: 'LspFineTune does not read this file: no dialect claims it (an axolotl YAML, a DeepSpeed JSON, a native *.lft.yaml). The lft.dialects setting or a "# lft: dialect=ID" comment makes one read it.' };
    return { type: 'update', file: vscode.workspace.asRelativePath(uri), ...shown };
  }

  protected onMessage(message: PageMessage, uri: vscode.Uri): void {
    if (message.type === 'plan') void vscode.commands.executeCommand(ClientCommands.plan, uri);
  }
}
