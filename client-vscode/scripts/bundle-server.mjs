// Copies the framework-dependent `lft` server (artifacts/lft, built by `./lft --version`) into dist/server,
// where the packaged extension starts it from. Builds it first when the sources are newer (./lft decides). Fails when
// the server's version is not the extension's: the extension installs the trainer package of its own version on first
// use (client-vscode/src/trainerInstall.ts), and the server runs only the trainer of its own version.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = path.join(root, 'artifacts', 'lft');
const target = path.join(root, 'dist', 'server');

let printed;
try {
  printed = execFileSync(path.join(root, 'lft'), ['--version'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
} catch {
  console.error('bundle-server: building the server with ./lft failed (needs the .NET 10 SDK); see above.');
  process.exit(1);
}
// `lft 0.1.0.0` (the assembly version) against package.json's `0.1.0`.
const parts = (version) => [...version.split('.').map(Number), 0, 0, 0].slice(0, 4).join('.');
const serverVersion = /^lft (\S+)/.exec(printed)?.[1] ?? '';
const extensionVersion = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
if (parts(serverVersion) !== parts(extensionVersion)) {
  console.error(`bundle-server: the server is ${serverVersion || `"${printed.trim()}"`} and the extension ${extensionVersion}; set one version (Directory.Build.props and package.json).`);
  process.exit(1);
}
if (!existsSync(path.join(source, 'lft.dll'))) {
  console.error(`bundle-server: ${source}/lft.dll is missing after ./lft --version.`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
// Debug symbols are kept: a server crash then reports file and line numbers in the output channel.
cpSync(source, target, { recursive: true });
console.log(`bundle-server: ${path.relative(root, source)} -> ${path.relative(root, target)}`);
