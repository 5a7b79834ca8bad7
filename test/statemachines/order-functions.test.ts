/**
 * The function map beside the ASL: every entry names a handler module that exports a handler
 * (what the CDK stack bundles and the local stack runs).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { handlerModuleUrl, ORDER_ASL_PATH, ORDER_FUNCTION_KEYS, ORDER_FUNCTIONS } from '../../statemachines/order-functions.js';

describe('ORDER_FUNCTIONS', () => {
  it('points at the ASL file beside it', () => {
    expect(existsSync(ORDER_ASL_PATH)).toBe(true);
  });

  it('gives every function a distinct name and a handler module that exports a handler function', async () => {
    const names = ORDER_FUNCTION_KEYS.map((key) => ORDER_FUNCTIONS[key].functionName);
    expect(new Set(names).size).toBe(names.length);
    for (const key of ORDER_FUNCTION_KEYS) {
      const module = (await import(fileURLToPath(handlerModuleUrl(key)))) as { handler?: unknown };
      expect([key, typeof module.handler]).toEqual([key, 'function']);
    }
  });
});
