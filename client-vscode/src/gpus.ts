// The pieces of "Select GPU" that need no VS Code: the catalog as `lft gpus` prints it, the GPUs-per-node choices,
// and holding back the server's own window/showMessage while the client reads the hardware for its picker.
// client-vscode/test/gpus.test.mjs tests them outside VS Code.

export interface GpuInfo {
  id: string;
  usable: string;
  bf16Tflops: string;
  bf16: string;
  flash: string;
  name: string;
}

/** `lft gpus`: a header line, then `id  usable  bf16 TF  bf16  FA2  name` with columns two or more spaces apart. */
export function parseGpuTable(stdout: string): GpuInfo[] {
  return stdout
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim())
    .map((row) => {
      const [id, usable, bf16Tflops, bf16, flash, ...name] = row.trim().split(/\s{2,}/);
      return { id, usable, bf16Tflops, bf16, flash, name: name.join(' ') };
    })
    .filter((gpu) => gpu.id && gpu.name);
}

/** The per-node counts offered: the usual ones and the current one, ascending. */
export function perNodeChoices(current?: number): number[] {
  const choices = new Set([1, 2, 4, 8, 16]);
  if (current && current > 0) choices.add(current);
  return [...choices].sort((a, b) => a - b);
}

/** A whole number of GPUs per node as typed into the picker (1 to 1024, as the server accepts), else undefined. */
export function parseCount(text: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const count = Number(text.trim());
  return count >= 1 && count <= 1024 ? count : undefined;
}

/** The arguments of lft.setGpu: the count only when it changes, so the edit stays minimal (one key, or the modeline's gpu). */
export function setGpuOptions(gpu: string, count: number | undefined, current?: { gpusPerNode: number }): { gpu: string; gpusPerNode?: number } {
  return count !== undefined && count !== current?.gpusPerNode ? { gpu, gpusPerNode: count } : { gpu };
}

/**
 * `lft.hardware` answers the hardware and also shows it as window/showMessage (for clients without a picker). While
 * the client asks it only to fill its own picker, the messages that arrive are held, and the one that repeats the
 * answer is dropped; every other message is shown once the request is over, in order.
 */
export class MessageHold<M extends { message: string }> {
  private depth = 0;
  private held: M[] = [];
  private drops: string[] = [];

  constructor(private readonly show: (message: M) => void) {}

  /** The window/showMessage handler. */
  receive(message: M): void {
    if (this.depth > 0) this.held.push(message);
    else this.show(message);
  }

  /** Runs `request`; the message equal to `echo(result)` that arrives meanwhile is not shown. */
  async quietly<T>(request: () => Promise<T>, echo: (result: T) => string | undefined): Promise<T> {
    this.depth++;
    try {
      const result = await request();
      const text = echo(result);
      if (text !== undefined) this.drops.push(text);
      return result;
    } finally {
      if (--this.depth === 0) {
        const held = this.held;
        const drops = this.drops;
        this.held = [];
        this.drops = [];
        for (const message of held) {
          const drop = drops.indexOf(message.message);
          if (drop >= 0) drops.splice(drop, 1);
          else this.show(message);
        }
      }
    }
  }
}
