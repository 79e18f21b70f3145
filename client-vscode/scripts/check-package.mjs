// Fails when the packaged .vsix carries a path of the machine that built it: this checkout's absolute path or the
// NuGet package folder, in any file (the bundled client, package.json, the server's assemblies and PDBs), as UTF-8 or
// UTF-16. Release builds map those to /_/ (Directory.Build.props); this is the check that they did. PDB documents
// store their names in parts, which a byte search cannot see: tests/LspFineTune.Server.Tests/Packaging/BuildPathTests
// reads them. Usage: node client-vscode/scripts/check-package.mjs lft-0.1.0.vsix   (npm run package runs it)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vsix = process.argv[2];
if (!vsix) {
  console.error('check-package: usage: node client-vscode/scripts/check-package.mjs PACKAGE.vsix');
  process.exit(2);
}

/** The entries of a zip file (a .vsix is one): name and uncompressed bytes, read from its central directory. */
function* zipEntries(zip) {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) throw new Error(`${vsix} is not a zip file`);
  const count = zip.readUInt16LE(endOfDirectory + 10);
  let offset = zip.readUInt32LE(endOfDirectory + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`${name}: zip compression method ${method} is not read here`);
    yield { name, bytes: method === 8 ? inflateRawSync(data) : data };
    offset += 46 + nameLength + extraLength + commentLength;
  }
}

const buildPaths = [root, path.join(os.homedir(), '.nuget', 'packages')];
const needles = buildPaths.flatMap((p) => [Buffer.from(p, 'utf8'), Buffer.from(p, 'utf16le')].map((bytes) => ({ path: p, bytes })));
const found = [];
let entries = 0;
for (const entry of zipEntries(readFileSync(vsix))) {
  entries++;
  for (const needle of needles) if (entry.bytes.includes(needle.bytes)) found.push(`${entry.name} holds ${needle.path}`);
}
if (entries === 0) {
  console.error(`check-package: ${vsix} holds no files`);
  process.exit(1);
}
if (found.length > 0) {
  console.error(`check-package: ${vsix} carries build paths (Release builds should map them to /_/, see Directory.Build.props):\n  ${[...new Set(found)].join('\n  ')}`);
  process.exit(1);
}
console.log(`check-package: ${path.basename(vsix)}: ${entries} files, no build path`);
