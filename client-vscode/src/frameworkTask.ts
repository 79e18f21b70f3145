// A config's own framework (axolotl, LLaMA-Factory, torchtune, TRL; launched through accelerate or DeepSpeed where
// the config says so) run as a VS Code task in the terminal: `lft train FILE --engine framework --metrics -` builds the
// framework's command line and runs it, streaming its output (shown in the terminal as it comes, tqdm bars included)
// and reading its progress from its own log lines with lft's parsers; its progress events (stdout, one JSON object per
// line, the bundled trainer's protocol) become the same cancellable notification the bundled trainer has. Cancel, Ctrl+C
// in the terminal or closing it sends lft SIGINT: lft stops the framework's whole process group (SIGINT, then SIGTERM,
// then SIGKILL after grace periods), still records the run and exits. The task type `lft` also runs from tasks.json:
// {"type": "lft", "config": "axolotl/lora-1b.yml"}.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes } from './protocol';
import { ProgressNotification, cancellableProgress } from './serverRuns';

export const TASK_TYPE = 'lft';

interface LftTaskDefinition extends vscode.TaskDefinition {
  /** The config, relative to the workspace folder (the launch directory, as CONFIG.md resolves paths). */
  config: string;
  /** Start it even though the config has errors (`lft train --force`). */
  force?: boolean;
}

/** How `lft` is run: the dotnet that runs the server, and the server's own dll (it is the `lft` command line too). */
export type LftProgram = () => { dotnet: string; dll: string } | undefined;

/** One progress event of `--metrics -` (docs/trainer.md; server/.../Cli/FrameworkEvents.cs). */
interface RunEvent {
  event: string;
  step?: number | null;
  total_steps?: number | null;
  loss?: number | null;
  tokens_per_second?: number | null;
  tokens_per_second_per_gpu?: number | null;
  peak_gpu_bytes?: number | null;
  eta_seconds?: number | null;
  framework?: string;
  command?: string;
  summary?: string;
}

export class FrameworkTasks implements vscode.TaskProvider, vscode.Disposable {
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly lft: LftProgram,
    private readonly log: (line: string) => void,
  ) {
    this.registration = vscode.tasks.registerTaskProvider(TASK_TYPE, this);
  }

  /** Runs the config at `uri` on its framework as a task; `name` is the framework's ("axolotl"). */
  async start(uri: vscode.Uri, name: string, force: boolean): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const config = folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
    const task = this.task({ type: TASK_TYPE, config, ...(force ? { force } : {}) }, folder ?? vscode.TaskScope.Workspace, name);
    await vscode.tasks.executeTask(task);
  }

  provideTasks(): vscode.Task[] {
    return [];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as LftTaskDefinition;
    if (typeof definition.config !== 'string' || definition.config.length === 0) return undefined;
    return this.task(definition, task.scope ?? vscode.TaskScope.Workspace, undefined);
  }

  private task(definition: LftTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name: string | undefined): vscode.Task {
    const folder = typeof scope === 'object' ? scope.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const file = path.basename(definition.config);
    const title = name ? `Train ${file} with ${name}` : `Train ${file}`;
    const task = new vscode.Task(definition, scope, title, 'lft', new vscode.CustomExecution(async () => {
      const program = this.lft();
      if (!program) throw new Error('The lft language server is not available (dotnet or the server is missing); see the LspFineTune output.');
      const cwd = folder ?? path.dirname(definition.config);
      return new FrameworkTerminal(program, cwd, definition, name ? `Training ${file} with ${name}` : `Training ${file}`, this.log);
    }));
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true, focus: false };
    return task;
  }

  dispose(): void {
    this.registration.dispose();
  }
}

/** The task's terminal: `lft train` as a child process, its stderr (the framework's output and lft's) shown, its
 * stdout (progress events) read into a cancellable notification. */
class FrameworkTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private child: ChildProcess | undefined;
  private progress: ProgressNotification | undefined;
  private last: RunEvent | undefined;

  constructor(
    private readonly program: { dotnet: string; dll: string },
    private readonly cwd: string,
    private readonly definition: LftTaskDefinition,
    private readonly title: string,
    private readonly log: (line: string) => void,
  ) {}

  open(): void {
    const args = [this.program.dll, 'train', this.definition.config, '--engine', 'framework', '--metrics', '-', ...(this.definition.force ? ['--force'] : [])];
    this.write(`> lft ${args.slice(1).join(' ')}\n`);
    this.log(`framework run: ${this.program.dotnet} ${args.join(' ')} (in ${this.cwd})`);
    this.progress = cancellableProgress(this.title, () => this.stop());
    this.progress.report('starting…');
    const child = spawn(this.program.dotnet, args, { cwd: this.cwd, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.write(chunk));
    child.on('error', (error) => {
      this.write(`\nlft could not start: ${error.message}\n`);
      this.finish(2);
    });
    child.on('close', (code, signal) => this.finish(code ?? (signal ? 128 + (SIGNALS[signal] ?? 0) : 1)));
  }

  /** The user closed the terminal (or terminated the task): stop the run; it still ends through its summary. */
  close(): void {
    this.stop();
  }

  /** Ctrl+C in the terminal stops the run, as it would in a shell. */
  handleInput(data: string): void {
    if (data.includes('\x03')) this.stop();
  }

  /** SIGINT to lft, which stops the framework's process group (again: the next signal at once). */
  private stop(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
  }

  private onLine(line: string): void {
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch {
      this.write(line + '\n'); // not an event: output like any other
      return;
    }
    if (!event || typeof event.event !== 'string') return;
    this.last = event;
    if (event.event === 'start') this.progress?.report(`starting ${event.framework ?? 'the framework'}…`);
    else if (event.event === 'step') {
      const total = event.total_steps ?? undefined;
      this.progress?.report(stepMessage(event), total ? Math.min(100, Math.round(((event.step ?? 0) * 100) / total)) : undefined);
    }
  }

  private finish(code: number): void {
    if (!this.progress) return;
    this.progress.end();
    this.progress = undefined;
    const last = this.last;
    const message = last?.summary ?? `lft train exited with code ${code}; see the terminal.`;
    const show = last?.event === 'end' && code === 0 ? vscode.window.showInformationMessage : last?.event === 'cancelled' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    void show(`${this.title}: ${message}`);
    this.closed.fire(code);
  }

  /** Terminal text: a bare \n moves down without returning, so lines end in \r\n; a tqdm bar's lone \r stays. */
  private write(text: string): void {
    this.written.fire(text.replace(/\r?\n/g, '\r\n'));
  }
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** "step 12/100 · loss 1.234 · 2,100 tokens/s per GPU · peak 18.3 GB · ETA 3 min". */
function stepMessage(event: RunEvent): string {
  const units = vscode.workspace.getConfiguration('lft').get<'GB' | 'GiB'>('units', 'GB');
  const parts = [`step ${event.step ?? '?'}${event.total_steps ? `/${event.total_steps}` : ''}`];
  if (event.loss != null) parts.push(`loss ${event.loss.toFixed(3)}`);
  // The framework's own figure: axolotl and torchtune report per GPU, the Trainer's throughput is the run's.
  if (event.tokens_per_second_per_gpu != null) parts.push(`${Math.round(event.tokens_per_second_per_gpu).toLocaleString('en-US')} tokens/s per GPU`);
  else if (event.tokens_per_second != null) parts.push(`${Math.round(event.tokens_per_second).toLocaleString('en-US')} tokens/s`);
  if (event.peak_gpu_bytes != null) parts.push(`peak ${formatBytes(event.peak_gpu_bytes, units)}`);
  if (event.eta_seconds != null) parts.push(`ETA ${event.eta_seconds < 90 ? `${Math.round(event.eta_seconds)} s` : `${Math.round(event.eta_seconds / 60)} min`}`);
  return parts.join(' · ');
}
