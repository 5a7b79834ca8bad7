/**
 * Powerpacks and their number pools. A Powerpack's pool is created with it, empty. A number is in
 * at most one pool (Plivo refuses to add a number that is already in one).
 */
import type { JsonValue, PoolData, PoolMember, Powerpack, Shortcode } from './model.js';

export interface Pool {
  uuid: string;
  powerpackUuid: string;
  /** Number → member, in the order added (the order pool listings use). */
  members: Map<string, PoolMember>;
  shortcodes: Map<string, Shortcode>;
}

export interface PowerpackSettings {
  name: string;
  stickySender: boolean;
  localConnect: boolean;
  applicationType: string;
  applicationId: string;
  numberPriority: JsonValue;
}

export interface PoolsData {
  powerpacks: Powerpack[];
  pools: PoolData[];
}

export class Pools {
  private readonly powerpacks = new Map<string, Powerpack>();
  private readonly pools = new Map<string, Pool>();
  private readonly poolOfNumber = new Map<string, string>();

  createPowerpack(uuid: string, poolUuid: string, settings: PowerpackSettings, nowMs: number): Powerpack {
    const powerpack: Powerpack = { uuid, poolUuid, createdOn: new Date(nowMs).toISOString(), ...settings };
    this.powerpacks.set(uuid, powerpack);
    this.pools.set(poolUuid, { uuid: poolUuid, powerpackUuid: uuid, members: new Map(), shortcodes: new Map() });
    return powerpack;
  }

  powerpack(uuid: string): Powerpack | undefined {
    return this.powerpacks.get(uuid);
  }

  /** In creation order. */
  allPowerpacks(): Powerpack[] {
    return [...this.powerpacks.values()];
  }

  pool(uuid: string): Pool | undefined {
    return this.pools.get(uuid);
  }

  allPools(): Pool[] {
    return [...this.pools.values()];
  }

  /** The pool holding `number`, if any. */
  poolOf(number: string): string | undefined {
    return this.poolOfNumber.get(number);
  }

  addMember(poolUuid: string, member: PoolMember): void {
    const pool = this.pools.get(poolUuid);
    if (!pool) throw new Error(`no pool ${poolUuid}`);
    pool.members.set(member.number, member);
    this.poolOfNumber.set(member.number, poolUuid);
  }

  /** Takes `number` out of whatever pool holds it; true if it was in one. */
  removeMember(number: string): boolean {
    const poolUuid = this.poolOfNumber.get(number);
    if (poolUuid === undefined) return false;
    this.pools.get(poolUuid)?.members.delete(number);
    this.poolOfNumber.delete(number);
    return true;
  }

  addShortcode(poolUuid: string, shortcode: Shortcode): void {
    this.pools.get(poolUuid)?.shortcodes.set(shortcode.shortcode, shortcode);
  }

  removeShortcode(poolUuid: string, shortcode: string): boolean {
    return this.pools.get(poolUuid)?.shortcodes.delete(shortcode) ?? false;
  }

  toData(): PoolsData {
    return {
      powerpacks: this.allPowerpacks(),
      pools: this.allPools().map((pool) => ({
        uuid: pool.uuid,
        powerpackUuid: pool.powerpackUuid,
        members: [...pool.members.values()],
        shortcodes: [...pool.shortcodes.values()],
      })),
    };
  }

  load(data: PoolsData): void {
    this.powerpacks.clear();
    this.pools.clear();
    this.poolOfNumber.clear();
    for (const powerpack of data.powerpacks) this.powerpacks.set(powerpack.uuid, powerpack);
    for (const pool of data.pools) {
      this.pools.set(pool.uuid, {
        uuid: pool.uuid,
        powerpackUuid: pool.powerpackUuid,
        members: new Map(pool.members.map((member) => [member.number, member])),
        shortcodes: new Map(pool.shortcodes.map((shortcode) => [shortcode.shortcode, shortcode])),
      });
      for (const member of pool.members) this.poolOfNumber.set(member.number, pool.uuid);
    }
  }
}
