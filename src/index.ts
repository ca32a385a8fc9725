export * from './application-image-recipe';
export * from './base-image';
export * from './image-build-step';
export * from './image-distribution';
export * from './image-retention';
export * from './deployment-load-balancing';
export * from './rolling-asg-deployment';
