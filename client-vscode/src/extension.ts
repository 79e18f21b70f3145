// LspFineTune for VS Code: starts the bundled `lft lsp` server (framework-dependent .NET 10) over stdio, sends it every
// YAML and JSON document (the server decides which ones are fine-tuning configs: native *.lft.yaml, axolotl, DeepSpeed,
// ...; any other gets empty answers), and adds what LSP alone cannot: a status bar estimate, a breakdown view, a GPU
// picker, commands.
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
} from 'vscode-languageclient/node';
import { BreakdownPanel } from './breakdownPanel';
import { DotnetNotFoundError, findDotnet, reportDotnetMissing } from './dotnet';
import { Estimates } from './estimates';
import { GpuPicker } from './gpuPicker';
import { GpuInfo, parseGpuTable } from './gpus';
import { FrameworkTasks } from './frameworkTask';
import { ClientCommands, FrameworkLaunchResult, PlanResult, ServerCommands, ServerErrors } from './protocol';
import { ProgramPath, ProgramSettings } from './programSettings';
import { vscodeSettingsHost } from './settingsHost';
import { RunOutcome, StartedRun, runWithProgress } from './serverRuns';
import { MemoryStatusBar } from './statusBar';
import { SweepPanel } from './sweepPanel';
import { TrainerSetup } from './trainerSetup';

/** How the server learns the trainer (server/.../Training/TrainerLocator.cs): its launch environment, never configuration. */
const TRAINER_ENVIRONMENT = 'LFT_TRAIN_DLL';

/** YAML files that are configs by their first line (`# lft: config`) get this language, so the client can select them. */
const MODELINE_LANGUAGE = 'lft-yaml';
const MODELINE = /^#\s*lft:\s*config\b/;
const NAME = /\.lft\.(ya?ml|json)$/i;

// Every YAML and JSON document on disk or unsaved: the server recognises a dialect from the content (axolotl,
// DeepSpeed, ...) and answers nothing for the others (a workflow, package.json). Not the git: diff views, settings
// (vscode-userdata:) or output channels. Native configs by name in any scheme and modeline-detected YAML, as before.
const selector: { language: string; scheme?: string; pattern?: string }[] = [
  ...['yaml', 'json', 'jsonc'].flatMap((language) => ['file', 'untitled'].map((scheme) => ({ language, scheme }))),
  { language: 'yaml', pattern: '**/*.lft.{yaml,yml}' },
  { language: 'json', pattern: '**/*.lft.json' },
  { language: 'jsonc', pattern: '**/*.lft.json' },
  { language: MODELINE_LANGUAGE },
];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let dotnetPath: string | undefined;
let picker: GpuPicker | undefined;
let programs: ProgramSettings;
let trainerSetup: TrainerSetup;
/** The user-level program paths the running server was started with; a change restarts it. */
let startedWith: string | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // A log channel: the client's own lines and the server's stderr, with timestamps and levels.
  output = vscode.window.createOutputChannel('LspFineTune', { log: true });
  const log = (line: string) => output.info(`[client] ${line}`);
  context.subscriptions.push(output);
  programs = new ProgramSettings(vscodeSettingsHost(context.workspaceState, log));
  trainerSetup = new TrainerSetup(context, programs, log);

  // Sent to the server; whether it is a config the server analyses is known from its answers (Estimates.served).
  const isConfig = (document: vscode.TextDocument) => vscode.languages.match(selector, document) > 0;
  const estimates = new Estimates(() => client);
  // Also sets the context key `lft.active` (menus): the active editor holds a document the server analyses.
  const statusBar = new MemoryStatusBar(estimates, isConfig);
  const panel = new BreakdownPanel(context.extensionUri, estimates);
  picker = new GpuPicker(() => client, () => gpuCatalog(context), log);
  context.subscriptions.push(estimates, statusBar, panel);

  // Modeline: a YAML file of any name whose first line is `# lft: config`.
  const detectModeline = (document: vscode.TextDocument) => {
    if (document.languageId === 'yaml' && !NAME.test(document.uri.path) && document.lineCount > 0 && MODELINE.test(document.lineAt(0).text)) {
      void vscode.languages.setTextDocumentLanguage(document, MODELINE_LANGUAGE);
    }
  };
  vscode.workspace.textDocuments.forEach(detectModeline);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(detectModeline));

  // The document a command is for: its argument, else the active editor's when the server analyses it.
  const targetUri = (argument: unknown): vscode.Uri | undefined => {
    const named = commandUri(argument);
    if (named) return named;
    const document = vscode.window.activeTextEditor?.document;
    return document && isConfig(document) && estimates.served(document.uri) !== false ? document.uri : undefined;
  };
  const needConfig = () =>
    void vscode.window.showWarningMessage('Open a fine-tuning config first: an axolotl YAML, a DeepSpeed JSON or a native *.lft.yaml (any YAML or JSON file that LspFineTune recognises).');

  const executeOnServer = async <T>(command: string, args: unknown[]): Promise<T> => {
    if (!client || client.state !== State.Running) throw new Error('The lft language server is not running; run "LspFineTune: Restart Language Server".');
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  };
  const sweepPanel = new SweepPanel(context.extensionUri, estimates, executeOnServer);
  const frameworkTasks = new FrameworkTasks(() => {
    const dll = serverDll(context);
    return dotnetPath && dll ? { dotnet: dotnetPath, dll } : undefined;
  }, log);
  context.subscriptions.push(sweepPanel, frameworkTasks);

  /**
   * Starts a run of the bundled trainer on the server (a training, a search) for the config at `uri`, shown as a
   * cancellable progress notification, and returns how it ended. Trainers run code on this machine (the trainer, data
   * loaders): never from an untrusted workspace. With no trainer anywhere (the .vsix carries none) it is installed on
   * first use, with consent, and the server started again, which gets it at launch (LFT_TRAIN_DLL) as it gets
   * lft.trainerPath.
   */
  const runTrainer = async (uri: vscode.Uri, command: string, args: unknown[], title: string, what: string): Promise<RunOutcome | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(`The bundled trainer does not run in an untrusted workspace. Trust the workspace (Manage Workspace Trust) to ${what}.`);
      return undefined;
    }
    // A refused lft.trainerPath (relative) is not silently replaced by the trainer the server would find itself.
    const trainerSetting = await programs.read('trainerPath');
    if (trainerSetting.kind === 'refused') {
      void vscode.window.showErrorMessage(trainerSetting.message);
      return undefined;
    }
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (document?.isDirty) await document.save(); // the trainer reads the file from disk
    const start = () => {
      if (!client) throw new Error('The lft language server is not running; see the LspFineTune output.');
      return runWithProgress(client, command, [uri.toString(), ...args], title);
    };
    try {
      let run: StartedRun;
      try {
        run = await start();
      } catch (error) {
        if (!isTrainerNotFound(error) || !dotnetPath) throw error;
        const installed = await trainerSetup.install(dotnetPath, uri.path.split('/').pop() ?? uri.path);
        if (!installed) return undefined;
        await restartServer();
        run = await start();
      }
      return await run.ended;
    } catch (error) {
      void vscode.window.showErrorMessage(messageOf(error));
      return undefined;
    }
  };

  /** A new server with the program paths as they stand now (settings, the trainer installed on first use). */
  const restartServer = async () => {
    if (client) {
      log('restarting the server');
      await client.stop().catch((error) => log(`stop: ${messageOf(error)}`));
      client = undefined;
    }
    await startClient(context, log);
    await statusBar.refresh();
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
      await picker?.pick(uri);
    }),

    vscode.commands.registerCommand(ClientCommands.train, async (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      // The run reports through LSP progress (step, loss, ETA; cancellable) and ends with a message comparing the
      // measured peak memory with the estimate.
      const trainer = vscode.workspace.getConfiguration('lft.trainer', uri);
      const threads = trainer.get<number>('threads', 0);
      const outputDir = trainer.get<string>('outputDir', '');
      const options = { ...(threads > 0 ? { threads } : {}), ...(outputDir ? { outputDir } : {}) };
      await runTrainer(uri, ServerCommands.train, [options], `Training ${uri.path.split('/').pop()}`, 'train');
    }),

    vscode.commands.registerCommand(ClientCommands.tune, async (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      // Each trial's end is a progress report (trial n/N, its early score, the best so far); at the end the results.
      const tuning = vscode.workspace.getConfiguration('lft.tuning', uri);
      const options = { trials: tuning.get<number>('trials', 12), earlyFraction: tuning.get<number>('earlyFraction', 0.2) };
      const outcome = await runTrainer(uri, ServerCommands.sweep, [options], `Tuning ${uri.path.split('/').pop()}`, 'tune');
      if (outcome && !outcome.cancelled) sweepPanel.show(uri);
    }),

    vscode.commands.registerCommand(ClientCommands.trainFramework, async (argument?: unknown) => {
      // A framework runs the user's own code and data loaders: never from an untrusted workspace.
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Training does not start in an untrusted workspace. Trust the workspace (Manage Workspace Trust) to train.');
        return;
      }
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (document?.isDirty) await document.save(); // the framework reads the file from disk
      try {
        const launch = await executeOnServer<FrameworkLaunchResult>(ServerCommands.trainFramework, [uri.toString(), { show: false }]);
        log(`train ${uri.fsPath} with ${launch.name}: ${launch.shell}${launch.installed ? '' : ` (${launch.program} is not on PATH)`}`);
        if (!launch.installed || launch.missing.length > 0) {
          void vscode.window.showErrorMessage(launch.message);
          return;
        }
        let force = false;
        if (launch.errors > 0) {
          const file = uri.path.split('/').pop();
          const choice = await vscode.window.showWarningMessage(
            `${file} has ${launch.errors} error${launch.errors === 1 ? '' : 's'} (see the Problems list): ${launch.name} may refuse it or run out of memory.`,
            { modal: true },
            'Start Anyway',
          );
          if (choice !== 'Start Anyway') return;
          force = true;
        }
        await frameworkTasks.start(uri, launch.name, force);
      } catch (error) {
        void vscode.window.showErrorMessage(messageOf(error));
      }
    }),

    vscode.commands.registerCommand(ClientCommands.showTuningResults, (argument?: unknown) => {
      const uri = targetUri(argument);
      if (!uri) return needConfig();
      sweepPanel.show(uri);
    }),

    vscode.commands.registerCommand(ClientCommands.restartServer, () => restartServer()),

    vscode.commands.registerCommand(ClientCommands.showOutput, () => output.show(true)),

    // The server takes dotnet and the trainer at launch: a new user-level value needs a new server.
    vscode.workspace.onDidChangeConfiguration(async (change) => {
      if (!change.affectsConfiguration('lft.dotnetPath') && !change.affectsConfiguration('lft.trainerPath')) return;
      if (startedWith === undefined || programPaths() === startedWith) return;
      log('lft.dotnetPath or lft.trainerPath changed in the user settings; restarting the server');
      await vscode.commands.executeCommand(ClientCommands.restartServer);
    }),
  );

  await startClient(context, log);
  void statusBar.refresh();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/** The user-level program settings as they stand, to tell whether the running server was started with them. */
function programPaths(): string {
  const describe = (setting: ProgramPath) => (setting.kind === 'path' ? setting.path : setting.kind === 'refused' ? `refused:${setting.message}` : '');
  return JSON.stringify([describe(programs.current('dotnetPath')), describe(programs.current('trainerPath'))]);
}

/** The server's answer to lft.train when it finds no trainer anywhere it looks. */
function isTrainerNotFound(error: unknown): boolean {
  return !!error && typeof error === 'object' && 'code' in error && error.code === ServerErrors.trainerNotFound;
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
  startedWith = programPaths();
  try {
    const dotnet = await findDotnet(log, programs);
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

  // The trainer: the user's lft.trainerPath, else the one installed on first use (the .vsix carries none), else none
  // named (the server then looks next to itself and in the checkout it was built in).
  const setting = await programs.read('trainerPath');
  const cached = setting.kind === 'unset' ? trainerSetup.cached() : undefined;
  const trainer = setting.kind === 'path' ? setting.path : cached;
  if (setting.kind === 'path') log(`trainer: ${setting.path} (user setting lft.trainerPath)`);
  else if (setting.kind === 'refused') log(setting.message);
  else if (cached) log(`trainer: ${cached} (installed on first use)`);
  const serverOptions: ServerOptions = {
    command: dotnetPath,
    args: [dll, 'lsp'],
    transport: TransportKind.stdio, // adds --stdio
    options: {
      env: {
        ...process.env,
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_NOLOGO: '1',
        ...(trainer ? { [TRAINER_ENVIRONMENT]: trainer } : {}),
      },
    },
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
        nodeCount: settings.get('nodeCount'),
        accelerateConfig: settings.get('accelerateConfig'),
        dialects: settings.get('dialects'),
      },
    },
    synchronize: { configurationSection: 'lft' },
    errorHandler: new RestartLimiter(log),
    middleware: {
      // The hardware lens ("On 8 × A100 40GB SXM4, from the modeline") runs the VS Code command `lft.hardware` that
      // the client library registers for the server's command; in VS Code it opens the GPU picker instead of a
      // message. Every other server command goes to the server as it is.
      executeCommand: async (command, args, next) => {
        if (command === ServerCommands.hardware && picker) {
          const uri = commandUri(args[0]);
          if (uri) return picker.pick(uri);
        }
        return next(command, args);
      },
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
  // Registered before start, so it replaces the library's own handler (and stays across restarts).
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
  [ServerCommands.sweep]: ClientCommands.tune,
  [ServerCommands.trainFramework]: ClientCommands.trainFramework,
};

/** The document a command argument names: a URI string (as the server's lenses pass it), a Uri, or {uri}. */
function commandUri(argument: unknown): vscode.Uri | undefined {
  if (argument instanceof vscode.Uri) return argument;
  if (typeof argument === 'string') return vscode.Uri.parse(argument);
  if (argument && typeof argument === 'object' && 'uri' in argument && typeof argument.uri === 'string') return vscode.Uri.parse(argument.uri);
  return undefined;
}

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

let catalog: Promise<GpuInfo[]> | undefined;

/** The GPU catalog from the server itself (`lft gpus`, read once), so the list never drifts from what the estimator knows. */
function gpuCatalog(context: vscode.ExtensionContext): Promise<GpuInfo[]> {
  catalog ??= new Promise<GpuInfo[]>((resolve, reject) => {
    const dll = serverDll(context);
    if (!dotnetPath || !dll) return reject(new Error('The lft language server is not available; see the LspFineTune output.'));
    execFile(dotnetPath, [dll, 'gpus'], { timeout: 30_000 }, (error, stdout) => {
      if (error) return reject(error);
      const gpus = parseGpuTable(stdout);
      if (gpus.length === 0) return reject(new Error(`lft gpus printed no GPUs: ${stdout.slice(0, 200)}`));
      resolve(gpus);
    });
  });
  catalog.catch(() => (catalog = undefined)); // a failure is not remembered: the next pick tries again
  return catalog;
}
