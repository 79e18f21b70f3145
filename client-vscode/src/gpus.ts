// The pieces of "Select GPU" that need no VS Code: the catalog as `lft gpus` prints it, the GPUs-per-node choices and
// the arguments of lft.setGpu.
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
