// The pieces of "Select GPU" that need no VS Code: the catalog as `lft gpus` prints it, the GPUs-per-node choices and
// the arguments of lft.setGpu.
// client-vscode/test/gpus.test.mjs tests them outside VS Code.

export interface GpuInfo {
  id: string;
  /** The memory the product name gives ("80 GB"); empty from a server whose table has no memory column. */
  memory: string;
  usable: string;
  bf16Tflops: string;
  bf16: string;
  flash: string;
  name: string;
}

/**
 * `lft gpus`: a header line, then one row per GPU with columns two or more spaces apart (`id  memory  usable  bf16 TF
 * GB/s  bf16  FA2  name`). Columns are found by their header, so an added column does not shift the others; the name
 * is last and may contain single spaces.
 */
export function parseGpuTable(stdout: string): GpuInfo[] {
  const [header = '', ...rows] = stdout.split(/\r?\n/);
  const columns = header.trim().split(/\s{2,}/);
  return rows
    .filter((line) => line.trim())
    .map((row) => {
      const cells = row.trim().split(/\s{2,}/);
      const cell = (column: string) => {
        const index = columns.indexOf(column);
        return index >= 0 && index < columns.length - 1 ? cells[index] ?? '' : '';
      };
      return {
        id: cells[0],
        memory: cell('memory'),
        usable: cell('usable'),
        bf16Tflops: cell('bf16 TF'),
        bf16: cell('bf16'),
        flash: cell('FA2'),
        name: cells.slice(columns.length - 1).join(' '),
      };
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
