export * from './foundation-placeholder';
