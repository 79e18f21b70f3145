// The page of a webview panel (the breakdown, the search results): static scripts and style sheets from
// client-vscode/media (page.js and page.css shared, then the page's own) that draw what the extension posts. A strict Content-Security-Policy: nothing remote, no inline
// style or script, only this page's own script (by a fresh nonce).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

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

/**
 * A new panel beside the editor showing one of the pages: scripts on, only client-vscode/media readable, the page
 * reloaded when shown again (it asks for its data with a `ready` message); messages from the page go to `onMessage`.
 */
export function openPagePanel(
  extensionUri: vscode.Uri,
  viewType: string,
  title: string,
  page: PageAssets,
  onMessage: (message: { type: string; [key: string]: unknown }) => void,
  disposables: vscode.Disposable[],
): vscode.WebviewPanel {
  const media = vscode.Uri.joinPath(extensionUri, 'client-vscode', 'media');
  const panel = vscode.window.createWebviewPanel(viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    enableScripts: true,
    localResourceRoots: [media],
    retainContextWhenHidden: false,
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'images', 'icon.png');
  panel.webview.html = webviewHtml(panel.webview, media, page);
  panel.webview.onDidReceiveMessage(onMessage, undefined, disposables);
  return panel;
}
