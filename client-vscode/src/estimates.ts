// One place that asks the server for a document's breakdown and tells listeners (status bar, breakdown view) when it
// may have changed. The server recomputes after each edit and then publishes diagnostics, so "diagnostics changed for
// this URI" is the signal that a fresh estimate is ready; asking on every keystroke would race the server's debounce.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, State } from 'vscode-languageclient/node';
import { Breakdown, ServerCommands } from './protocol';

/**
 * `served`: the server analyses the document (a dialect claims it). The client sends every YAML and JSON document
 * and the server decides; one that no dialect claims gets no estimate and no diagnostics, so "no estimate and none
 * of our diagnostics" means "not a fine-tuning config": the status bar and the breakdown leave it alone. A config the
 * server reads but cannot estimate (an unknown model) always has an error diagnostic saying why.
 */
export type BreakdownReply = { ok: true; served: true; breakdown: Breakdown } | { ok: false; served: boolean; message: string };

export class Estimates implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fired (debounced per document) when the estimate of that document may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** The last answer per document: is it one the server analyses? */
  private readonly servedUris = new Map<string, boolean>();

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.disposables.push(
      vscode.languages.onDidChangeDiagnostics((event) => event.uris.forEach((uri) => this.schedule(uri))),
      vscode.workspace.onDidCloseTextDocument((document) => this.servedUris.delete(document.uri.toString())),
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

  /** What the last answer said about the document: true or false, or undefined when not asked yet. */
  served(uri: vscode.Uri): boolean | undefined {
    return this.servedUris.get(uri.toString());
  }

  async get(uri: vscode.Uri): Promise<BreakdownReply> {
    const client = this.client();
    if (!client || client.state !== State.Running) return { ok: false, served: this.served(uri) ?? false, message: 'The lft language server is not running.' };
    let reply: BreakdownReply;
    try {
      const breakdown = await client.sendRequest(ExecuteCommandRequest.type, {
        command: ServerCommands.showBreakdown,
        arguments: [client.code2ProtocolConverter.asUri(uri)],
      });
      reply = { ok: true, served: true, breakdown: breakdown as Breakdown };
    } catch (error) {
      // The server explains itself ("fix the errors it reports first", "not open"): pass that on as is.
      const served = (client.diagnostics?.get(uri)?.length ?? 0) > 0;
      reply = { ok: false, served, message: error instanceof Error ? error.message : String(error) };
    }
    this.servedUris.set(uri.toString(), reply.served);
    return reply;
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.disposables.forEach((d) => d.dispose());
  }
}
