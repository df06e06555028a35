// The root `postinstall`: builds the console (packages/console → dist) when its sources are here.
// An install from the package manifests alone (the Dockerfile's dependency stage) has none yet;
// the image builds the console once the sources are copied.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (!existsSync(new URL('../packages/console/src/main.tsx', import.meta.url))) {
  process.stdout.write('console sources not present: build skipped (run `pnpm build` later)\n');
  process.exit(0);
}
const vite = fileURLToPath(new URL('../node_modules/.bin/vite', import.meta.url));
const result = spawnSync(vite, ['build', 'packages/console'], { stdio: 'inherit' });
if (result.error) process.stderr.write(`console build failed to start: ${result.error.message}\n`);
process.exit(result.status ?? 1);
