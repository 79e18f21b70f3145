// LspFineTune for VS Code: starts the bundled `lft lsp` server (framework-dependent .NET 10) over stdio for
// fine-tuning configs, and adds what LSP alone cannot: a status bar estimate, a breakdown view, GPU picker, commands.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
} from 'vscode-languageclient/node';
import { BreakdownPanel } from './breakdownPanel';
import { DotnetNotFoundError, findDotnet, reportDotnetMissing } from './dotnet';
import { Estimates } from './estimates';
import { gpuEdit } from './gpuEdit';
import { ClientCommands, PlanResult, ServerCommands } from './protocol';
import { MemoryStatusBar } from './statusBar';

/** YAML files that are configs by their first line (`# lft: config`) get this language, so the client can select them. */
const MODELINE_LANGUAGE = 'lft-yaml';
const MODELINE = /^#\s*lft:\s*config\b/;
const NAME = /\.lft\.(ya?ml|json)$/i;

// Native configs by name (any scheme VS Code can open a text editor on), plus modeline-detected YAML.
const selector: { language: string; pattern?: string }[] = [
  { language: 'yaml', pattern: '**/*.lft.{yaml,yml}' },
  { language: 'json', pattern: '**/*.lft.json' },
  { language: 'jsonc', pattern: '**/*.lft.json' },
  { language: MODELINE_LANGUAGE },
];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let dotnetPath: string | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // A log channel: the client's own lines and the server's stderr, with timestamps and levels.
  output = vscode.window.createOutputChannel('LspFineTune', { log: true });
  const log = (line: string) => output.info(`[client] ${line}`);
  context.subscriptions.push(output);

  const isConfig = (document: vscode.TextDocument) => vscode.languages.match(selector, document) > 0;
  const estimates = new Estimates(() => client);
  const statusBar = new MemoryStatusBar(estimates, isConfig);
  const panel = new BreakdownPanel(context.extensionUri, estimates);
  context.subscriptions.push(estimates, statusBar, panel);

  // Context key for menus: the active editor holds a config.
  const updateContext = () => void vscode.commands.executeCommand('setContext', 'lft.active', !!vscode.window.activeTextEditor && isConfig(vscode.window.activeTextEditor.document));
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(updateContext));

  // Modeline: a YAML file of any name whose first line is `# lft: config`.
  const detectModeline = (document: vscode.TextDocument) => {
    if (document.languageId === 'yaml' && !NAME.test(document.uri.path) && document.lineCount > 0 && MODELINE.test(document.lineAt(0).text)) {
      void vscode.languages.setTextDocumentLanguage(document, MODELINE_LANGUAGE);
    }
  };
  vscode.workspace.textDocuments.forEach(detectModeline);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(detectModeline));

  const targetUri = (argument: unknown): vscode.Uri | undefined => {
    if (argument instanceof vscode.Uri) return argument;
    if (typeof argument === 'string') return vscode.Uri.parse(argument);
    if (argument && typeof argument === 'object' && 'uri' in argument && typeof argument.uri === 'string') return vscode.Uri.parse(argument.uri);
    const document = vscode.window.activeTextEditor?.document;
    return document && isConfig(document) ? document.uri : undefined;
  };
  const needConfig = () => void vscode.window.showWarningMessage('Open a fine-tuning config (*.lft.yaml, *.lft.yml, *.lft.json) first.');

  /**
   * Runs lft.train with a progress token the client creates (LSP client-initiated progress), so the run shows as a
   * cancellable notification; the client library's own handling of server-created progress only uses the status bar,
   * where VS Code offers no Cancel. The listener is in place before the request, so no report is missed.
   */
  const trainWithProgress = async (uri: vscode.Uri, options: object): Promise<void> => {
    if (!client) throw new Error('The lft language server is not running; see the LspFineTune output.');
    const running = client;
    const token = `lft-train-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const title = `Training ${uri.path.split('/').pop()}`;
    let ended!: () => void;
    const finished = new Promise<void>((resolve) => (ended = resolve));
    let reported = 0;
    let report: ((message: string, percentage?: number) => void) | undefined;
    const listener = running.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind === 'report' || value.kind === 'begin') report?.(value.message ?? '', value.percentage);
      if (value.kind === 'end') ended();
    });
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, cancel) => {
      report = (message, percentage) => {
        const increment = percentage !== undefined ? Math.max(0, percentage - reported) : undefined;
        if (percentage !== undefined) reported = Math.max(reported, percentage);
        progress.report({ message, increment });
      };
      cancel.onCancellationRequested(() => void running.sendNotification(WorkDoneProgressCancelNotification.type, { token }));
      return finished;
    });
    try {
      await running.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.train, arguments: [uri.toString(), options], workDoneToken: token });
    } catch (error) {
      ended();
      throw error;
    } finally {
      void finished.then(() => listener.dispose());
    }
  };

  const executeOnServer = async <T>(command: string, args: unknown[]): Promise<T> => {
    if (!client || client.state !== State.Running) throw new Error('The lft language server is not running; run "LspFineTune: Restart Language Server".');
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(ClientCommands.showBreakdown, (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      panel.show(uri);
    }),

    vscode.commands.registerCommand(ClientCommands.plan, async (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: 'LspFineTune: searching for a plan that fits' },
          () => executeOnServer<PlanResult>(ServerCommands.plan, [uri.toString()]),
        );
        // When nothing fits (or the plan is already the fastest) the server says so itself (window/showMessage).
        if (result.found && result.applied) void vscode.window.showInformationMessage(`Applied the fastest plan that fits: ${result.title} (${result.plansTried} plans tried).`);
        else if (result.found) void vscode.window.showWarningMessage(`Found a plan that fits (${result.title}), but the edit was not applied (is the document read-only?).`);
      } catch (error) {
        void vscode.window.showErrorMessage(messageOf(error));
      }
    }),

    vscode.commands.registerCommand(ClientCommands.selectGpu, async (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      await selectGpu(context, uri, log);
    }),

    vscode.commands.registerCommand(ClientCommands.train, async (argument?: unknown) => {
      // Training runs code on this machine (the trainer, data loaders): never from an untrusted workspace.
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('The bundled trainer does not run in an untrusted workspace. Trust the workspace (Manage Workspace Trust) to train.');
        return;
      }
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (document?.isDirty) await document.save(); // the trainer reads the file from disk
      try {
        // The run reports through LSP progress (step, loss, ETA; cancellable) and ends with a message comparing the
        // measured peak memory with the estimate.
        const trainer = vscode.workspace.getConfiguration('lft.trainer', uri);
        const threads = trainer.get<number>('threads', 0);
        const outputDir = trainer.get<string>('outputDir', '');
        const options = { ...(threads > 0 ? { threads } : {}), ...(outputDir ? { outputDir } : {}) };
        await trainWithProgress(uri, options);
      } catch (error) {
        void vscode.window.showErrorMessage(messageOf(error));
      }
    }),

    vscode.commands.registerCommand(ClientCommands.restartServer, async () => {
      if (client) {
        log('restarting the server on request');
        await client.stop().catch((error) => log(`stop: ${messageOf(error)}`));
        client = undefined;
      }
      await startClient(context, log);
      await statusBar.refresh();
    }),

    vscode.commands.registerCommand(ClientCommands.showOutput, () => output.show(true)),
  );

  await startClient(context, log);
  updateContext();
  void statusBar.refresh();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The server shipped in the .vsix (dist/server), or the repository's build when running from a checkout. */
function serverDll(context: vscode.ExtensionContext): string | undefined {
  return [context.asAbsolutePath('dist/server/lft.dll'), context.asAbsolutePath('artifacts/lft/lft.dll')].find(existsSync);
}

async function startClient(context: vscode.ExtensionContext, log: (line: string) => void): Promise<void> {
  const dll = serverDll(context);
  if (!dll) {
    void vscode.window.showErrorMessage('LspFineTune: the language server is missing from the extension (dist/server/lft.dll). Reinstall the extension.');
    return;
  }
  try {
    const dotnet = await findDotnet(log);
    dotnetPath = dotnet.path;
    log(`dotnet: ${dotnet.path} (from ${dotnet.source}); server: ${dll}`);
  } catch (error) {
    if (error instanceof DotnetNotFoundError) {
      log(error.message);
      void reportDotnetMissing(error, () => output.show(true));
      return;
    }
    throw error;
  }

  const serverOptions: ServerOptions = {
    command: dotnetPath,
    args: [dll, 'lsp'],
    transport: TransportKind.stdio, // adds --stdio
    options: { env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } },
  };

  const settings = vscode.workspace.getConfiguration('lft');
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    outputChannel: output, // the server's stderr (its log) and window/logMessage land here
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: {
      lft: {
        defaultGpu: settings.get('defaultGpu'),
        gpuCount: settings.get('gpuCount'),
        validateSchema: settings.get('validateSchema'),
        units: settings.get('units'),
        diagnosticsDelayMs: settings.get('diagnosticsDelayMs'),
      },
    },
    synchronize: { configurationSection: 'lft' },
    errorHandler: new RestartLimiter(log),
    middleware: {
      // The server's lenses name server commands; clicking them should open our views, not run the bare command.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        lenses?.forEach((lens) => redirect(lens.command));
        return lenses;
      },
      resolveCodeLens: async (lens, token, next) => {
        const resolved = await next(lens, token);
        if (resolved) redirect(resolved.command);
        return resolved;
      },
    },
  };

  client = new LanguageClient('lft', 'LspFineTune', serverOptions, clientOptions);
  try {
    await client.start();
    log('server started');
  } catch (error) {
    log(`server failed to start: ${messageOf(error)}`);
    const choice = await vscode.window.showErrorMessage(`LspFineTune: the language server did not start: ${messageOf(error)}`, 'Show Output');
    if (choice) output.show(true);
  }
}

const REDIRECTS: Record<string, string> = {
  [ServerCommands.showBreakdown]: ClientCommands.showBreakdown,
  [ServerCommands.plan]: ClientCommands.plan,
  [ServerCommands.train]: ClientCommands.train,
};

function redirect(command: vscode.Command | undefined): void {
  if (command && REDIRECTS[command.command]) command.command = REDIRECTS[command.command];
}

/**
 * Restarts a crashed server, but at most 4 times in 3 minutes: a server that dies on start-up (a broken runtime, a
 * config that crashes it) would otherwise restart forever. Then one message with a way to read the log and retry.
 */
class RestartLimiter implements ErrorHandler {
  private readonly restarts: number[] = [];
  constructor(private readonly log: (line: string) => void) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.log(`connection error (${count ?? 1}): ${error.message}`);
    return { action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0] > 3 * 60_000) this.restarts.shift();
    if (this.restarts.length < 4) {
      this.restarts.push(now);
      this.log(`the server stopped unexpectedly; restarting (${this.restarts.length} of 4 in 3 minutes)`);
      return { action: CloseAction.Restart, handled: true };
    }
    this.log('the server stopped 5 times in 3 minutes; not restarting');
    void vscode.window
      .showErrorMessage('LspFineTune: the language server crashed 5 times in 3 minutes and was not restarted.', 'Show Output', 'Restart')
      .then((choice) => {
        if (choice === 'Show Output') void vscode.commands.executeCommand(ClientCommands.showOutput);
        else if (choice === 'Restart') void vscode.commands.executeCommand(ClientCommands.restartServer);
      });
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

interface GpuInfo {
  id: string;
  usable: string;
  bf16Tflops: string;
  bf16: string;
  flash: string;
  name: string;
}

/** The GPU catalog from the server itself (`lft gpus`), so the list never drifts from what the estimator knows. */
function gpuCatalog(context: vscode.ExtensionContext): Promise<GpuInfo[]> {
  return new Promise((resolve, reject) => {
    const dll = serverDll(context);
    if (!dotnetPath || !dll) return reject(new Error('The lft language server is not available; see the LspFineTune output.'));
    execFile(dotnetPath, [dll, 'gpus'], { timeout: 30_000 }, (error, stdout) => {
      if (error) return reject(error);
      // `id  usable  bf16 TF  bf16  FA2  name`: columns are separated by two or more spaces.
      const rows = stdout.split(/\r?\n/).slice(1).filter((l) => l.trim());
      resolve(
        rows.map((row) => {
          const [id, usable, bf16Tflops, bf16, flash, ...name] = row.trim().split(/\s{2,}/);
          return { id, usable, bf16Tflops, bf16, flash, name: name.join(' ') };
        }),
      );
    });
  });
}

async function selectGpu(context: vscode.ExtensionContext, uri: vscode.Uri, log: (line: string) => void): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const json = document.languageId.startsWith('json') || /\.json$/i.test(uri.path);
  const current = /^\s*gpu\s*:\s*["']?([\w.-]+)/m.exec(document.getText())?.[1] ?? /"gpu"\s*:\s*"([^"]+)"/.exec(document.getText())?.[1];
  let gpus: GpuInfo[];
  try {
    gpus = await gpuCatalog(context);
  } catch (error) {
    log(`lft gpus failed: ${messageOf(error)}`);
    void vscode.window.showErrorMessage(`LspFineTune: could not read the GPU catalog: ${messageOf(error)}`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    gpus.map((g) => ({
      label: g.id,
      description: g.id === current ? `${g.name} (current)` : g.name,
      detail: `${g.usable} usable · ${g.bf16Tflops} bf16 TFLOPS · bf16 ${g.bf16} · FlashAttention-2 ${g.flash}`,
      picked: g.id === current,
    })),
    { title: 'Select the GPU for this config (hardware.gpu)', placeHolder: current ? `now: ${current}` : 'the config has no hardware.gpu yet', matchOnDescription: true },
  );
  if (!picked || picked.label === current) return;
  const edit = new vscode.WorkspaceEdit();
  for (const change of gpuEdit(document.getText(), picked.label, json)) {
    edit.replace(uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text);
  }
  if (!(await vscode.workspace.applyEdit(edit))) void vscode.window.showErrorMessage(`Could not set hardware.gpu to ${picked.label} (is the document read-only?).`);
}
