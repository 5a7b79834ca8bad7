/**
 * The ground truth (`GET /__sandbox/state`, `sandbox.snapshot()`): what a test or benchmark
 * compares a client's beliefs with. Plain JSON, camelCase, not Plivo's shapes.
 */
import { findGroup } from './catalogue.js';
import { toUnits, unitsToNumber } from './money.js';
import type { JsonValue, PendingOrder, PoolService, Renewal, Unrent } from './model.js';
import type { RequestStatsSnapshot } from './request-stats.js';
import type { TenDlcData } from './tendlc.js';
import type { SandboxWorld } from './world.js';

export interface SnapshotNumber {
  number: string;
  groupId: string;
  countryIso2: string;
  numberType: string;
  region: string;
  addedAt: string;
  alias: string | null;
  appId: string | null;
  subaccount: string | null;
  /** The pool holding it, if any. */
  poolUuid: string | null;
  /** Present (true) while it awaits verification: in the account, not active. */
  pending?: true;
}

export interface SnapshotPoolMember {
  number: string;
  service: PoolService;
  /** In the pool's vocabulary: fixed, mobile or tollfree. */
  type: string;
  countryIso2: string;
  addedAt: string;
}

export interface SnapshotPool {
  powerpackUuid: string;
  powerpackName: string;
  members: SnapshotPoolMember[];
  shortcodes: { shortcode: string; countryIso2: string; addedAt: string }[];
}

export interface SnapshotPowerpack {
  uuid: string;
  name: string;
  poolUuid: string;
  createdOn: string;
  stickySender: boolean;
  localConnect: boolean;
  applicationType: string;
  applicationId: string;
  numberPriority: JsonValue;
}

export interface SnapshotCharge {
  groupId: string;
  setup: number;
  rental: number;
  total: number;
  chargedAt: string;
}

export interface SandboxSnapshot {
  accountId: string;
  seed: number;
  numbers: SnapshotNumber[];
  pools: Record<string, SnapshotPool>;
  powerpacks: SnapshotPowerpack[];
  pendingOrders: (PendingOrder & { countryIso2: string })[];
  /**
   * Money spent, in USD rounded to 5 decimals. Unrents refund nothing, so this only grows.
   * `rental` is the first month's rent; each later month is one entry of `renewals` (charged when
   * the sandbox clock reaches its anniversary), summed in `renewal`; `total` counts all three.
   */
  charges: {
    setup: number;
    rental: number;
    renewal: number;
    total: number;
    perNumber: Record<string, SnapshotCharge>;
    renewals: Renewal[];
  };
  /** Numbers given back, with when. */
  unrented: Unrent[];
  requests: RequestStatsSnapshot;
  /** Group id → stock. */
  inventory: Record<string, number>;
  callbacks: { delivered: number; failed: number; inFlight: number };
  /** 10DLC campaigns, and each linked number's campaign, status, outcome and when it is due. */
  tendlc: TenDlcData;
}

export function buildSnapshot(input: {
  world: SandboxWorld;
  accountId: string;
  seed: number;
  requests: RequestStatsSnapshot;
  callbacks: SandboxSnapshot['callbacks'];
}): SandboxSnapshot {
  const { world } = input;
  const numbers = world.accountNumbers();
  const typeOf = (number: string): string => {
    const type = world.account.get(number)?.numberType;
    return type === 'tollfree' || type === 'mobile' ? type : 'fixed';
  };

  const pools: Record<string, SnapshotPool> = {};
  for (const pool of world.pools.allPools()) {
    pools[pool.uuid] = {
      powerpackUuid: pool.powerpackUuid,
      powerpackName: world.pools.powerpack(pool.powerpackUuid)?.name ?? '',
      members: [...pool.members.values()].map((member) => ({
        number: member.number,
        service: member.service,
        type: typeOf(member.number),
        countryIso2: world.account.get(member.number)?.countryIso2 ?? '',
        addedAt: member.addedAt,
      })),
      shortcodes: [...pool.shortcodes.values()],
    };
  }

  let setup = 0;
  let rental = 0;
  const renewals = [...world.account.allRenewals()];
  const renewal = renewals.reduce((sum, entry) => sum + toUnits(entry.rentalRate), 0);
  const perNumber: Record<string, SnapshotCharge> = {};
  for (const charge of world.account.allCharges()) {
    const s = toUnits(charge.setupRate);
    const r = toUnits(charge.rentalRate);
    setup += s;
    rental += r;
    perNumber[charge.number] = {
      groupId: charge.groupId,
      setup: unitsToNumber(s),
      rental: unitsToNumber(r),
      total: unitsToNumber(s + r),
      chargedAt: charge.chargedAt,
    };
  }

  return {
    accountId: input.accountId,
    seed: input.seed,
    numbers: numbers.map((record) => ({
      number: record.number,
      groupId: record.groupId,
      countryIso2: record.countryIso2,
      numberType: record.numberType,
      region: record.region,
      addedAt: record.addedAt,
      alias: record.alias,
      appId: record.appId,
      subaccount: record.subaccount,
      poolUuid: world.pools.poolOf(record.number) ?? null,
      ...(record.pending === true ? { pending: true as const } : {}),
    })),
    pools,
    powerpacks: world.pools.allPowerpacks().map((powerpack) => ({ ...powerpack })),
    pendingOrders: world.account
      .pendingOrders()
      .map((order) => ({ ...order, countryIso2: findGroup(order.groupId)?.countryIso2 ?? '' })),
    charges: {
      setup: unitsToNumber(setup),
      rental: unitsToNumber(rental),
      renewal: unitsToNumber(renewal),
      total: unitsToNumber(setup + rental + renewal),
      perNumber,
      renewals,
    },
    unrented: [...world.account.allUnrented()],
    requests: input.requests,
    inventory: world.inventory.stockByGroup(),
    callbacks: input.callbacks,
    tendlc: world.tendlc.toData(),
  };
}
