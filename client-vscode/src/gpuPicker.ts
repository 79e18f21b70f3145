// "Select GPU…" and the hardware lens ("On 8 × A100 40GB SXM4, from the modeline"): a quick pick of the catalog's
// GPUs, then of the GPUs per node, and the server writes the choice into the document through its dialect
// (lft.setGpu: `hardware.gpu` in a native config, the `# lft: gpu=... gpus_per_node=...` modeline elsewhere).
// The client never edits the text itself.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, State } from 'vscode-languageclient/node';
import { GpuInfo, parseCount, perNodeChoices, setGpuOptions } from './gpus';
import { HardwareResult, ServerCommands, SetGpuResult } from './protocol';

interface GpuItem extends vscode.QuickPickItem {
  gpu?: GpuInfo;
  count?: number;
}

export class GpuPicker {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly catalog: () => Promise<GpuInfo[]>,
    private readonly log: (line: string) => void,
  ) {}

  async pick(uri: vscode.Uri): Promise<void> {
    const client = this.client();
    if (!client || client.state !== State.Running) {
      void vscode.window.showErrorMessage('The lft language server is not running; run "LspFineTune: Restart Language Server".');
      return;
    }
    const target = client.code2ProtocolConverter.asUri(uri);
    const [current, gpus] = await Promise.all([this.hardware(client, target), this.catalog().catch((error: unknown) => error as Error)]);
    if (gpus instanceof Error) {
      this.log(`lft gpus failed: ${gpus.message}`);
      void vscode.window.showErrorMessage(`LspFineTune: could not read the GPU catalog: ${gpus.message}`);
      return;
    }
    const now = current ? current.message.split(/\.\s/)[0].replace(/^On /, 'now on ') : 'no estimate yet';

    const gpu = await choose<GpuItem>(
      {
        title: `Estimate on which GPU? (1/2) — ${now}`,
        placeholder: 'a GPU from the catalog (lft gpus); type to filter',
        matchOnDescription: true,
      },
      gpus.map((g) => ({
        label: g.id,
        description: g.id === current?.gpu ? `${g.name} (current)` : g.name,
        detail: `${g.memory ? `${g.memory}, ` : ''}${g.usable} usable · ${g.bf16Tflops} bf16 TFLOPS · bf16 ${g.bf16} · FlashAttention-2 ${g.flash}`,
        gpu: g,
      })),
      (item) => item.gpu?.id === current?.gpu,
    );
    if (!gpu?.gpu) return;

    // The CPU has no per-node count: the bundled trainer runs one process.
    let count: number | undefined;
    if (gpu.gpu.id !== 'cpu') {
      const nodes = current && current.nodes > 1 ? ` on each of ${current.nodes} nodes` : '';
      const counted = await choose<GpuItem>(
        {
          title: `How many ${gpu.gpu.name} per node${nodes}? (2/2)`,
          placeholder: 'pick or type a number of GPUs per node',
        },
        perNodeChoices(current?.gpusPerNode).map((n) => ({ label: String(n), description: n === current?.gpusPerNode ? '(current)' : undefined, count: n })),
        (item) => item.count === (current?.gpusPerNode ?? 1),
        (value) => {
          const typed = parseCount(value);
          return typed !== undefined ? { label: String(typed), description: 'GPUs per node', count: typed } : undefined;
        },
      );
      if (!counted?.count) return;
      count = counted.count;
    }
    if (current && gpu.gpu.id === current.gpu && (count === undefined || count === current.gpusPerNode) && (current.source === 'modeline' || current.source === 'config')) return;

    try {
      const result = (await client.sendRequest(ExecuteCommandRequest.type, {
        command: ServerCommands.setGpu,
        arguments: [target, setGpuOptions(gpu.gpu.id, count, current)],
      })) as SetGpuResult;
      if (!result.applied) void vscode.window.showWarningMessage(`LspFineTune: the GPU choice was not written (is ${uri.path.split('/').pop()} read-only?).`);
    } catch (error) {
      // A JSON document has no comments, so no place for the GPU: offer the settings instead.
      const message = error instanceof Error ? error.message : String(error);
      if (!/lft\.defaultGpu/.test(message)) {
        void vscode.window.showErrorMessage(message);
        return;
      }
      const useSettings = 'Use the Settings';
      const choice = await vscode.window.showErrorMessage(message, useSettings);
      if (choice === useSettings) await this.writeSettings(uri, gpu.gpu.id, count);
    }
  }

  /** The hardware the estimate assumes, without the notification lft.hardware also sends; undefined when there is no estimate. */
  private async hardware(client: LanguageClient, uri: string): Promise<HardwareResult | undefined> {
    try {
      // {"show": false}: the picker shows the answer itself, so the server sends no message of its own.
      return (await client.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.hardware, arguments: [uri, { show: false }] })) as HardwareResult;
    } catch (error) {
      this.log(`lft.hardware: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async writeSettings(uri: vscode.Uri, gpu: string, count: number | undefined): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const target = folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global;
    const settings = vscode.workspace.getConfiguration('lft', uri);
    await settings.update('defaultGpu', gpu, target);
    if (count !== undefined) await settings.update('gpuCount', count, target);
    void vscode.window.showInformationMessage(`LspFineTune: lft.defaultGpu is ${gpu}${count !== undefined ? ` and lft.gpuCount ${count}` : ''} in the ${folder ? 'workspace folder' : 'user'} settings.`);
  }
}

/**
 * One quick pick with the current entry active (showQuickPick cannot set it), resolving to the accepted item or
 * undefined when dismissed. `typed` may offer an extra item for what was typed (a number not in the list).
 */
function choose<T extends vscode.QuickPickItem>(
  options: { title: string; placeholder: string; matchOnDescription?: boolean },
  items: T[],
  active: (item: T) => boolean,
  typed?: (value: string) => T | undefined,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = options.title;
    pick.placeholder = options.placeholder;
    pick.matchOnDescription = options.matchOnDescription ?? false;
    pick.items = items;
    const current = items.find(active);
    if (current) pick.activeItems = [current];
    let done = false;
    const finish = (item: T | undefined) => {
      if (done) return;
      done = true;
      resolve(item);
      pick.dispose();
    };
    pick.onDidChangeValue((value) => {
      if (!typed) return;
      const extra = typed(value);
      pick.items = extra && !items.some((i) => i.label === extra.label) ? [extra, ...items] : items;
    });
    pick.onDidAccept(() => finish(pick.selectedItems[0] ?? pick.activeItems[0]));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
