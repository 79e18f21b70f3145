// One place that asks the server for a document's breakdown and tells listeners (status bar, breakdown view) when it
// may have changed. The server recomputes after each edit and then publishes diagnostics, so "diagnostics changed for
// this URI" is the signal that a fresh estimate is ready; asking on every keystroke would race the server's debounce.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, State } from 'vscode-languageclient/node';
import { Breakdown, ServerCommands } from './protocol';

export type BreakdownReply = { ok: true; breakdown: Breakdown } | { ok: false; message: string };

export class Estimates implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fired (debounced per document) when the estimate of that document may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.disposables.push(
      vscode.languages.onDidChangeDiagnostics((event) => event.uris.forEach((uri) => this.schedule(uri))),
      vscode.workspace.onDidChangeConfiguration((event) => {
        // Units, default GPU and GPU count change the numbers of every document.
        if (event.affectsConfiguration('lft')) vscode.workspace.textDocuments.forEach((d) => this.schedule(d.uri, 400));
      }),
    );
  }

  private schedule(uri: vscode.Uri, delayMs = 60): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.changed.fire(uri);
      }, delayMs),
    );
  }

  async get(uri: vscode.Uri): Promise<BreakdownReply> {
    const client = this.client();
    if (!client || client.state !== State.Running) return { ok: false, message: 'The lft language server is not running.' };
    try {
      const breakdown = await client.sendRequest(ExecuteCommandRequest.type, {
        command: ServerCommands.showBreakdown,
        arguments: [client.code2ProtocolConverter.asUri(uri)],
      });
      return { ok: true, breakdown: breakdown as Breakdown };
    } catch (error) {
      // The server explains itself ("fix the errors it reports first", "not open"): pass that on as is.
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.disposables.forEach((d) => d.dispose());
  }
}
