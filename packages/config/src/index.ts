// @ew/config: the typed environment, the deployment config (standards, dated thresholds) and the
// privacy-safe logger shared by every service.
export * from './env.ts';
export * from './deployment.ts';
export * from './logger.ts';
export { repoRoot, resolveFromRoot } from './root.ts';
