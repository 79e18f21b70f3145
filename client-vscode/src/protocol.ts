// The replies of the server's workspace/executeCommand commands (see server/.../ExecuteCommandHandler.cs).
// Server command ids are `lft.*`; the client's own VS Code commands are `lft.client.*` so the two never collide
// (vscode-languageclient registers a VS Code command for every server command id).

export const ServerCommands = {
  showBreakdown: 'lft.showBreakdown',
  plan: 'lft.plan',
  train: 'lft.train',
  /** `[uri]` → HardwareResult; also shows the same text as window/showMessage. */
  hardware: 'lft.hardware',
  /** `[uri, {gpu, gpusPerNode}]` → SetGpuResult; the server writes the choice through the document's dialect. */
  setGpu: 'lft.setGpu',
  /** `[uri, {trials, earlyFraction, seed, parallel}]` with a workDoneToken → RunStarted; each trial's end is a report. */
  sweep: 'lft.sweep',
  /** `[uri]` → SweepResults: the config's last search, read from NAME.sweep.jsonl. */
  sweepResults: 'lft.sweepResults',
  /** `[uri, {trial?}]` → ApplySweepResult; applies the best trial (or the one named) through workspace/applyEdit. */
  applySweep: 'lft.applySweep',
  /** `[uri, {show: false}]` → FrameworkLaunchResult: how the config runs on its own framework (the client runs it). */
  trainFramework: 'lft.trainFramework',
} as const;

/** Error codes of the server's own (server/.../Protocol/BasicTypes.cs, LspErrorCodes). */
export const ServerErrors = {
  /** lft.train found no trainer anywhere it looks: the client may install one (trainerSetup.ts) and restart it. */
  trainerNotFound: -31001,
} as const;

export const ClientCommands = {
  showBreakdown: 'lft.client.showBreakdown',
  plan: 'lft.client.plan',
  selectGpu: 'lft.client.selectGpu',
  train: 'lft.client.train',
  tune: 'lft.client.tune',
  trainFramework: 'lft.client.trainFramework',
  showTuningResults: 'lft.client.showTuningResults',
  restartServer: 'lft.client.restartServer',
  showOutput: 'lft.client.showOutput',
} as const;

export interface MemoryTerm {
  name: string;
  label: string;
  bytes: number;
  formula: string;
  source: string;
}

export interface RuntimeTerm {
  name: string;
  seconds: number;
  formula: string;
}

export interface Breakdown {
  uri: string;
  version: number;
  fits: boolean;
  gpu: string;
  gpus: number;
  units: 'GB' | 'GiB';
  peakBytes: number;
  usableBytes: number;
  offloadedBytesPerNode: number;
  terms: MemoryTerm[];
  runtime: {
    stepSeconds: number;
    tokensPerSecond: number;
    totalSeconds: number | null;
    totalSteps: number | null;
    terms: RuntimeTerm[];
  };
  summary: string;
  markdown: string;
}

/** Where the GPU of an estimate came from, first match wins (see CONFIG.md, "Dialects"). */
export type HardwareSource = 'flag' | 'modeline' | 'config' | 'launch-file' | 'settings' | 'default';

export interface HardwareResult {
  /** Catalog id (`lft gpus`). */
  gpu: string;
  gpusPerNode: number;
  nodes: number;
  source: HardwareSource;
  /** "On 8 × A100 40GB SXM4, from the modeline. Change it with ..." */
  message: string;
}

export interface SetGpuResult {
  applied: boolean;
  edit?: unknown;
}

export interface PlanResult {
  found: boolean;
  applied: boolean;
  title?: string;
  message?: string;
  changes?: { path: string; value: string }[];
  peakBytes?: number;
  stepSeconds?: number;
  plansTried: number;
}

/** Sizes as the server prints them: GB = 10⁹ bytes, GiB = 2³⁰; small sizes in MB/KB. */
export function formatBytes(bytes: number, units: 'GB' | 'GiB'): string {
  const binary = units === 'GiB';
  const k = binary ? 1024 : 1000;
  const names = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= k && unit < names.length - 1) {
    value /= k;
    unit++;
  }
  // As the server prints them (ByteSizes.Format): three significant figures from 100 up, one decimal below.
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${names[unit]}`;
}

/** The reply of a command that starts a long run (lft.train, lft.sweep): the progress token it reports on. */
export interface RunStarted {
  started: boolean;
  token: string;
  config: string;
}

export interface SweepTrialResult {
  /** 0 is the config as written. */
  trial: number;
  /** The values the trial set, by the document's own keys (as the config writes them). */
  parameters: Record<string, string>;
  earlyEvalLoss: number | null;
  /** Only for the trials that ran to the end (the best early ones, and the config as written). */
  finalEvalLoss: number | null;
  seconds: number;
  problem: string | null;
}

export type SweepResults =
  | { found: false; running: boolean; file: string; message: string }
  | {
      found: true;
      running: boolean;
      file: string;
      resultsFile: string;
      written: string;
      earlySteps: number | null;
      totalSteps: number | null;
      keys: string[];
      baseline: SweepTrialResult | null;
      trials: SweepTrialResult[];
      best: { trial: number; finalEvalLoss: number; ratio: number | null } | null;
      rankCorrelation: number | null;
      /** What applying the best would change in the document as it is now. */
      changes: { path: string; value: string }[];
      /** The document already has the best trial's values. */
      applied: boolean;
    };

export interface ApplySweepResult {
  applied: boolean;
  trial: number;
  changes: string[];
  message?: string;
}

/** How a config runs on its own framework (`lft train FILE --engine framework`; server/.../FrameworkCommands.cs). */
export interface FrameworkLaunchResult {
  /** The launch command's id: axolotl, llamafactory, llamafactory-v1, torchtune, trl. */
  framework: string;
  /** As its users write it: "LLaMA-Factory". */
  name: string;
  program: string;
  /** The program is on the PATH the editor (and so the server and the task) was started with. */
  installed: boolean;
  /** The command line lft builds, as a POSIX shell reads it. */
  shell: string;
  notes: string[];
  /** Environment variables a multi-node run needs on each node and this one lacks. */
  missing: string[];
  /** Error diagnostics of the config (an out-of-memory prediction is one). */
  errors: number;
  config: string;
  message: string;
}
