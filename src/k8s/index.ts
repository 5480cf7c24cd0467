export * from './result';
export * from './resources';
export * from './kubeconfig';
export * from './client';
export * from './prune';
export * from './emitter';
export * from './watcher';
export * from './executor';
