// The webview panels (the breakdown, the search results): static scripts and style sheets from client-vscode/media
// (page.js and page.css shared, then the page's own) that draw what the extension posts. A strict Content-Security-Policy: nothing remote, no inline
// style or script, only this page's own script (by a fresh nonce).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Estimates } from './estimates';

export interface PageAssets {
  /** File names in client-vscode/media. */
  css: string;
  js: string;
  title: string;
  /** Shown until the script draws the first data. */
  placeholder: string;
}

export function webviewHtml(webview: vscode.Webview, media: vscode.Uri, page: PageAssets): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(media, name));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}'; img-src ${webview.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('page.css')}">
<link rel="stylesheet" href="${asset(page.css)}">
<title>${page.title}</title>
</head>
<body>
<main id="root" aria-live="polite"><p class="muted">${page.placeholder}</p></main>
<script nonce="${nonce}" src="${asset('page.js')}"></script>
<script nonce="${nonce}" src="${asset(page.js)}"></script>
</body>
</html>`;
}

/** A message from a page's script: `ready` (send the data), `open` (show the config), or one of the page's own. */
export type PageMessage = { type: string; [key: string]: unknown };

/**
 * A panel beside the editor that follows one config: it opens (or is revealed) on `show`, and its page gets fresh
 * data when it asks (`ready`: its script ran, or it was shown again), when the config's estimate may have changed (the
 * server re-analysed it) and when a subclass calls `refresh`; a reply that a newer one overtook is dropped. The page is
 * static (client-vscode/media), so typing never reloads it (no flicker, scroll position kept), and local only: no CDN.
 */
export abstract class ConfigPagePanel implements vscode.Disposable {
  protected panel: vscode.WebviewPanel | undefined;
  protected uri: vscode.Uri | undefined;
  protected readonly disposables: vscode.Disposable[] = [];
  private generation = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    estimates: Estimates,
    private readonly viewType: string,
    /** "Memory": the tab reads "Memory: NAME". */
    private readonly titlePrefix: string,
    private readonly page: PageAssets,
  ) {
    this.disposables.push(
      estimates.onDidChange((uri) => {
        if (this.panel && uri.toString() === this.uri?.toString()) void this.refresh();
      }),
    );
  }

  show(uri: vscode.Uri): void {
    this.uri = uri;
    const title = `${this.titlePrefix}: ${uri.path.split('/').pop()}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      const media = vscode.Uri.joinPath(this.extensionUri, 'client-vscode', 'media');
      this.panel = vscode.window.createWebviewPanel(this.viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: true,
        localResourceRoots: [media],
        retainContextWhenHidden: false,
      });
      this.panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'images', 'icon.png');
      this.panel.webview.html = webviewHtml(this.panel.webview, media, this.page);
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
      this.panel.webview.onDidReceiveMessage(
        (message: PageMessage) => {
          if (message.type === 'ready') void this.refresh();
          else if (message.type === 'open' && this.uri) void vscode.window.showTextDocument(this.uri, { viewColumn: vscode.ViewColumn.One });
          else if (this.uri) this.onMessage(message, this.uri);
        },
        undefined,
        this.disposables,
      );
    }
    void this.refresh();
  }

  /** The message the page draws for the config at `uri`. */
  protected abstract data(uri: vscode.Uri): Promise<object>;

  /** A message of the page's own (a button). */
  protected abstract onMessage(message: PageMessage, uri: vscode.Uri): void;

  protected async refresh(): Promise<void> {
    const uri = this.uri;
    if (!uri || !this.panel) return;
    const generation = ++this.generation;
    const message = await this.data(uri);
    if (generation !== this.generation) return;
    await this.post(message);
  }

  protected async post(message: object): Promise<void> {
    await this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
