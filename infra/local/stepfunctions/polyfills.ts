/**
 * Polyfills that `aws-local-stepfunctions` 3 needs on Node 20.
 *
 * The library declares Node 22 and calls `Promise.withResolvers` (ES2024) in every Task state;
 * on Node 20 each Task then fails with "Promise.withResolvers is not a function". This module is
 * imported first by the local endpoint so the method exists before any state machine runs. It is
 * guarded: where the runtime has the method (Node 22, Lambda's nodejs22.x) nothing is replaced.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

// The project compiles against lib ES2023, which does not declare the method: describe it here
// rather than widening the global type for everyone.
const promiseConstructor = Promise as PromiseConstructor & {
  withResolvers?: <T>() => Resolvers<T>;
};

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
