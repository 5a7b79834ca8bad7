export * from './async-mode.js';
export * from './call-counter.js';
export * from './client.js';
export * from './http.js';
export * from './paginate.js';
export * from './rate-limit.js';
export * from './schemas.js';
export * from './signature.js';
