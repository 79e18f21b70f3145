// Long runs on the server (lft.train, lft.sweep) as one cancellable progress notification each. The client creates the
// progress token (LSP client-initiated progress), so the run shows as a notification with a Cancel button; the client
// library's own handling of server-created progress only uses the status bar, where VS Code offers no Cancel.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, WorkDoneProgress, WorkDoneProgressCancelNotification } from 'vscode-languageclient/node';

/** How a run ended: its last message, and whether the user cancelled it. */
export interface RunOutcome {
  message: string;
  cancelled: boolean;
}

/** A run the server accepted: `ended` resolves when its progress ends. */
export interface StartedRun {
  ended: Promise<RunOutcome>;
}

/**
 * Sends `command` with a fresh progress token and shows its reports until the server ends the progress. Resolves once
 * the server has started the run; rejects when it refuses to (the request fails). The listener is in place before
 * the request, so no report is missed.
 */
export async function runWithProgress(client: LanguageClient, command: string, args: unknown[], title: string): Promise<StartedRun> {
  const token = `${command}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  let ended!: (message: string) => void;
  const finished = new Promise<string>((resolve) => (ended = resolve));
  let cancelled = false;
  let reported = 0;
  let report: ((message: string, percentage?: number) => void) | undefined;
  const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
    if (value.kind === 'report' || value.kind === 'begin') report?.(value.message ?? '', value.percentage);
    if (value.kind === 'end') ended(value.message ?? '');
  });
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, cancel) => {
    report = (message, percentage) => {
      const increment = percentage !== undefined ? Math.max(0, percentage - reported) : undefined;
      if (percentage !== undefined) reported = Math.max(reported, percentage);
      progress.report({ message, increment });
    };
    cancel.onCancellationRequested(() => {
      cancelled = true;
      void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
    });
    return finished;
  });
  try {
    await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken: token });
  } catch (error) {
    ended('');
    listener.dispose();
    throw error;
  }
  return {
    ended: finished.then((message) => {
      listener.dispose();
      return { message, cancelled };
    }),
  };
}
