/**
 * The optional state file: the account's numbers, pools, Powerpacks, pending orders, charges,
 * stock, and where the random streams are, so that a restarted sandbox continues where it
 * stopped. Faults and request counts are not kept: they belong to a run.
 *
 * Written before the answer to an API request that changed something, after other changes
 * (debounced: admin routes, async operations, the clock) and on close, through a temporary file and
 * a rename, so a crash never leaves half a file. A SIGKILL loses at most a debounce interval of
 * changes no API client was told of.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  accountNumberSchema,
  chargeSchema,
  pendingOrderSchema,
  poolSchema,
  powerpackSchema,
  renewalSchema,
  unrentSchema,
} from './model.js';
import { tenDlcDataSchema } from './tendlc.js';
import type { WorldData } from './world.js';

const FORMAT = 'plivo-sandbox-state/1';

const randomStateSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);

const worldDataSchema = z.object({
  inventory: z.object({
    stock: z.record(z.string(), z.number().int().min(0)),
    returned: z.record(z.string(), z.array(z.string())),
    issued: z.array(z.string()),
    reclaiming: z.array(z.object({ groupId: z.string(), number: z.string(), availableAtMs: z.number() })).optional(),
  }),
  account: z.object({
    numbers: z.array(accountNumberSchema),
    charges: z.array(chargeSchema),
    pendingOrders: z.array(pendingOrderSchema),
    unrented: z.array(unrentSchema),
    renewals: z.array(renewalSchema).optional(),
    nextPendingId: z.number().int().min(1),
  }),
  pools: z.object({ powerpacks: z.array(powerpackSchema), pools: z.array(poolSchema) }),
  tendlc: tenDlcDataSchema.optional(),
  random: z.object({ numbers: randomStateSchema, ids: randomStateSchema, resources: randomStateSchema }),
});

const stateFileSchema = z.object({
  format: z.literal(FORMAT),
  seed: z.number(),
  accountId: z.string(),
  savedAt: z.string(),
  world: worldDataSchema,
});

export type StateFile = z.infer<typeof stateFileSchema>;

/**
 * Reads a state file; undefined when there is none.
 * @throws Error naming the file and the first wrong field when it exists but does not fit.
 */
export async function loadStateFile(file: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`plivo-sandbox state file ${file} is not JSON`, { cause: error });
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`plivo-sandbox state file ${file} does not fit ${FORMAT}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

export interface StateSaverOptions {
  file: string;
  seed: number;
  accountId: string;
  data: () => WorldData;
  log: (message: string) => void;
  /** @default 200 */
  debounceMs?: number;
}

export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(private readonly options: StateSaverOptions) {}

  /** Something changed: save soon. */
  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.debounceMs ?? 200);
    this.timer.unref();
  }

  /** Saves now if anything changed since the last save; resolves when written. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const content: StateFile = {
      format: FORMAT,
      seed: this.options.seed,
      accountId: this.options.accountId,
      savedAt: new Date().toISOString(),
      world: this.options.data(),
    };
    // One write at a time, in order: the last one holds the latest state.
    this.writing = this.writing.then(() => this.write(JSON.stringify(content)));
    return this.writing;
  }

  private async write(text: string): Promise<void> {
    const { file } = this.options;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(temporary, text);
      await rename(temporary, file);
    } catch (error) {
      this.options.log(`could not save state to ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
