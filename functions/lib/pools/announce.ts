/** A run's news, after its state: its webhooks recorded in the outbox, then its record saved with them. */
import type { DeliveryItem } from '../store/deliveries.js';
import { recordPoolEvents } from './events.js';
import type { PoolsDeps } from './deps.js';
import type { RunRecord } from './run-record.js';

/**
 * Records the run's webhooks (state before news: the run is saved already; the delivery ids are
 * the run's, so recording them again finds the first), notes them on its record, and saves it
 * (`close` takes an open run off the index last).
 */
export async function announce(deps: PoolsDeps, record: RunRecord, callbackUrl: string | undefined, mode: 'close' | 'update'): Promise<DeliveryItem[]> {
  const deliveries = await recordPoolEvents(deps.store, record, callbackUrl);
  if (deliveries.length) record.webhooks = deliveries.map((d) => ({ type: d.type, deliveryId: d.deliveryId }));
  if (deliveries.length || mode === 'close') await deps.store.pools.runs.save(record, mode);
  return deliveries;
}
