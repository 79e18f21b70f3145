// Copies the framework-dependent `lft` server (artifacts/lft, built by `./lft --version`) into dist/server,
// where the packaged extension starts it from. Builds it first when the sources are newer (./lft decides).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = path.join(root, 'artifacts', 'lft');
const target = path.join(root, 'dist', 'server');

try {
  execFileSync(path.join(root, 'lft'), ['--version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  console.error('bundle-server: building the server with ./lft failed (needs the .NET 10 SDK); see above.');
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
