// Long runs as one cancellable progress notification each: the server's (lft.train, lft.sweep), whose progress token
// the client creates (LSP client-initiated progress), so the run shows as a notification with a Cancel button (the
// client library's own handling of server-created progress only uses the status bar, where VS Code offers no Cancel),
// and a framework task's (frameworkTask.ts), which shows the same notification.
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
  let cancelled = false;
  const notification = cancellableProgress(title, () => {
    cancelled = true;
    void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  });
  let ended!: (message: string) => void;
  const finished = new Promise<string>((resolve) => (ended = resolve));
  const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
    if (value.kind === 'report' || value.kind === 'begin') notification.report(value.message ?? '', value.percentage);
    if (value.kind === 'end') ended(value.message ?? '');
  });
  try {
    await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken: token });
  } catch (error) {
    notification.end();
    listener.dispose();
    throw error;
  }
  return {
    ended: finished.then((message) => {
      notification.end();
      listener.dispose();
      return { message, cancelled };
    }),
  };
}

/** A progress notification with a Cancel button, for a run of any kind (on the server, a task's process). */
export interface ProgressNotification {
  /** A new message; `percentage` (0-100, of the whole run) moves the bar forward, never back. */
  report(message: string, percentage?: number): void;
  /** Closes the notification. */
  end(): void;
}

export function cancellableProgress(title: string, onCancel: () => void): ProgressNotification {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  let report: ((message: string, percentage?: number) => void) | undefined;
  const early: [string, number | undefined][] = [];
  let reported = 0;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, cancel) => {
    report = (message, percentage) => {
      const increment = percentage !== undefined ? Math.max(0, percentage - reported) : undefined;
      if (percentage !== undefined) reported = Math.max(reported, percentage);
      progress.report({ message, increment });
    };
    early.splice(0).forEach(([message, percentage]) => report?.(message, percentage));
    cancel.onCancellationRequested(onCancel);
    return ended;
  });
  return {
    // Reports before the notification exists (withProgress calls back later) are kept and shown when it does.
    report: (message, percentage) => (report ? report(message, percentage) : early.push([message, percentage])),
    end,
  };
}
