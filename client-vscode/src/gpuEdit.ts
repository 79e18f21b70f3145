// The one edit "Select GPU" makes: set `hardware.gpu`. Kept minimal on purpose (only the value changes, or one line
// is added), so comments, key order and formatting survive, as with the server's own quick fixes.
import { applyEdits, modify } from 'jsonc-parser';

export interface TextChange {
  /** Offsets into the original text. */
  start: number;
  end: number;
  text: string;
}

export function gpuEdit(text: string, gpu: string, json: boolean): TextChange[] {
  if (json) {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
    return modify(text, ['hardware', 'gpu'], gpu, {
      formattingOptions: { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol },
    }).map((e) => ({ start: e.offset, end: e.offset + e.length, text: e.content }));
  }
  return yamlGpuEdit(text, gpu);
}

/** For tests: the text after the edit. */
export function applyGpuEdit(text: string, gpu: string, json: boolean): string {
  return applyEdits(text, gpuEdit(text, gpu, json).map((c) => ({ offset: c.start, length: c.end - c.start, content: c.text })));
}

function yamlGpuEdit(text: string, gpu: string): TextChange[] {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // Line start offsets, so that a match on a line maps back to the text.
  const lines = text.split(/\r?\n/);
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + (text.startsWith('\r\n', offset + line.length) ? 2 : 1);
  }

  const hardware = lines.findIndex((l) => /^hardware\s*:\s*(#.*)?$/.test(l));
  if (hardware < 0) {
    const flow = lines.findIndex((l) => /^hardware\s*:\s*\{/.test(l));
    if (flow >= 0) {
      // `hardware: { gpu: x, ... }`: replace the value inside the flow mapping, or put gpu first.
      const line = lines[flow];
      const inner = /([{,]\s*gpu\s*:\s*)([^,}#\s]*)/.exec(line);
      if (inner) {
        const valueStart = starts[flow] + inner.index + inner[1].length;
        return [{ start: valueStart, end: valueStart + inner[2].length, text: gpu }];
      }
      const brace = line.indexOf('{');
      return [{ start: starts[flow] + brace + 1, end: starts[flow] + brace + 1, text: ` gpu: ${gpu},` }];
    }
    // No section yet: add one at the end of the document.
    const needsEol = text.length > 0 && !text.endsWith('\n');
    return [{ start: text.length, end: text.length, text: `${needsEol ? eol : ''}hardware:${eol}  gpu: ${gpu}${eol}` }];
  }

  // The section's children: the indented, blank or comment lines after `hardware:`.
  let childIndent: string | undefined;
  for (let i = hardware + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    const indent = /^(\s+)/.exec(line)?.[1];
    if (!indent) break; // the next top-level key
    childIndent ??= indent;
    if (indent !== childIndent) continue; // deeper nesting
    const gpuLine = /^(\s+gpu\s*:)([ \t]*)(.*)$/.exec(line);
    if (!gpuLine) continue;
    const [, key, space, rest] = gpuLine;
    // The value ends where a trailing comment starts (` #`), quotes included.
    const comment = /(^|\s)#/.exec(rest);
    const value = (comment ? rest.slice(0, comment.index) : rest).trimEnd();
    const valueStart = starts[i] + key.length + space.length;
    if (value === '') return [{ start: starts[i] + key.length, end: valueStart, text: ` ${gpu}${comment ? ' ' : ''}` }];
    return [{ start: valueStart, end: valueStart + value.length, text: gpu }];
  }
  // `hardware:` without a gpu key: add it as the section's first line.
  const at = starts[hardware] + lines[hardware].length;
  return [{ start: at, end: at, text: `${eol}${childIndent ?? '  '}gpu: ${gpu}` }];
}
