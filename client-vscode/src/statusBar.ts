// The status bar item: the active config's per-GPU peak against the GPU's usable memory. Error background when the run
// does not fit (the only backgrounds VS Code allows are error and warning), a green check when it fits. Only for
// documents the server analyses: any other YAML or JSON file (a workflow, package.json) shows nothing. It also sets
// the `lft.active` context key (menus, the editor title button) from the same answer.
import * as vscode from 'vscode';
import { Estimates } from './estimates';
import { ClientCommands, formatBytes } from './protocol';

export class MemoryStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lft.memory', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [this.item];
  /** Counts requests so a slow, older reply never overwrites a newer one. */
  private generation = 0;

  constructor(
    private readonly estimates: Estimates,
    private readonly isConfig: (document: vscode.TextDocument) => boolean,
  ) {
    this.item.name = 'LspFineTune Memory Estimate';
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      estimates.onDidChange((uri) => {
        if (uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) this.refresh();
      }),
    );
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !this.isConfig(document)) {
      this.hide();
      return;
    }
    const reply = await this.estimates.get(document.uri);
    if (generation !== this.generation) return;
    if (!reply.served) {
      this.hide();
      return;
    }
    this.setActive(true);
    const item = this.item;
    item.command = { title: 'Show Memory Breakdown', command: ClientCommands.showBreakdown, arguments: [document.uri] };
    if (!reply.ok) {
      item.text = '$(warning) LFT: no estimate';
      item.tooltip = reply.message;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      item.color = undefined;
      item.show();
      return;
    }
    const b = reply.breakdown;
    const peak = formatBytes(b.peakBytes, b.units);
    const usable = formatBytes(b.usableBytes, b.units);
    item.text = `${b.fits ? '$(pass-filled)' : '$(error)'} ${peak} / ${usable}`;
    const tooltip = new vscode.MarkdownString(
      `**${b.fits ? 'Fits' : 'Does not fit'}** on ${b.gpus} × ${b.gpu}\n\n${b.summary}\n\n_Click for the memory breakdown._`,
    );
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `Fine-tuning memory estimate: ${b.fits ? 'fits' : 'does not fit'}, peak ${peak} of ${usable} per GPU` };
    item.backgroundColor = b.fits ? undefined : new vscode.ThemeColor('statusBarItem.errorBackground');
    item.color = b.fits ? new vscode.ThemeColor('lft.statusBar.fitsForeground') : undefined;
    item.show();
  }

  private hide(): void {
    this.item.hide();
    this.setActive(false);
  }

  private active: boolean | undefined;

  private setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    void vscode.commands.executeCommand('setContext', 'lft.active', active);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
