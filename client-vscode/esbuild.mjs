// Bundles the extension into one CommonJS file (dist/extension.js) so the .vsix needs no node_modules:
// `vsce package --no-dependencies` then works offline. `vscode` is provided by the host at run time.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const options = {
  absWorkingDir: root,
  entryPoints: ['client-vscode/src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  // Prefer a package's ESM build where it has one: UMD builds that require their parts dynamically do not bundle.
  mainFields: ['module', 'main'],
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log('esbuild: watching client-vscode/src');
} else {
  await esbuild.build(options);
}
