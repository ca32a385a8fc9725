export * from './application-image-recipe';
export * from './base-image';
