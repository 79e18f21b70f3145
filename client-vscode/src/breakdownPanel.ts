// The memory breakdown view: one webview panel that follows one config and redraws when its estimate changes.
// The page is static (client-vscode/media) and draws from the data posted to it, so typing never reloads the page
// (no flicker, scroll position kept). Everything is local: no CDN, the page works offline.
import * as vscode from 'vscode';
import { Estimates } from './estimates';
import { ClientCommands } from './protocol';
import { openPagePanel } from './webviewPage';

export class BreakdownPanel implements vscode.Disposable {
  static readonly viewType = 'lft.breakdown';
  private panel: vscode.WebviewPanel | undefined;
  private uri: vscode.Uri | undefined;
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly estimates: Estimates,
  ) {
    this.disposables.push(
      estimates.onDidChange((uri) => {
        if (this.panel && uri.toString() === this.uri?.toString()) void this.update();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (this.panel && document.uri.toString() === this.uri?.toString()) void this.post({ type: 'closed' });
      }),
    );
  }

  show(uri: vscode.Uri): void {
    this.uri = uri;
    const title = `Memory: ${uri.path.split('/').pop()}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      // The page asks for data once its script runs (and again after being hidden and shown).
      this.panel = openPagePanel(this.extensionUri, BreakdownPanel.viewType, title, { css: 'breakdown.css', js: 'breakdown.js', title: 'Memory breakdown', placeholder: 'Computing the estimate…' }, (message) => {
        if (message.type === 'ready') void this.update();
        else if (message.type === 'plan' && this.uri) void vscode.commands.executeCommand(ClientCommands.plan, this.uri);
        else if (message.type === 'open' && this.uri) void vscode.window.showTextDocument(this.uri, { viewColumn: vscode.ViewColumn.One });
      }, this.disposables);
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    }
    void this.update();
  }

  private async update(): Promise<void> {
    const uri = this.uri;
    if (!uri || !this.panel) return;
    const generation = ++this.generation;
    const reply = await this.estimates.get(uri);
    if (generation !== this.generation) return;
    // A file no dialect claims (any more): say so rather than pass on "no estimate: fix the errors".
    const shown = reply.served
      ? reply
      : { ...reply, message: 'LspFineTune does not read this file: no dialect claims it (an axolotl YAML, a DeepSpeed JSON, a native *.lft.yaml). The lft.dialects setting or a "# lft: dialect=ID" comment makes one read it.' };
    await this.post({ type: 'update', file: vscode.workspace.asRelativePath(uri), ...shown });
  }

  private async post(message: object): Promise<void> {
    await this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
