// What the API needs of this package: where the built app is (see vite.config.ts; `pnpm build`
// or `pnpm install` writes it).
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIST_DIR = fileURLToPath(new URL('./dist', import.meta.url));
