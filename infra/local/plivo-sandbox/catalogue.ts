/**
 * The sandbox's number groups: what `GET AvailableNumberGroup/` can find. Fixed, the same for every
 * seed, so that group ids in docs and tests stay valid; only the numbers handed out depend on the
 * seed.
 *
 * Sized for a 100,000-number US order spread over many area codes (US local stock is about
 * 850,000 in all), with a few groups above $1.00 a month so that rate caps matter, a group with
 * no stock (never listed), toll-free, Canada, the UK (local numbers there are voice only, as
 * in life), and France and Germany, whose rents answer "pending" (address regulations).
 */
import { stableDigits } from './random.js';

export type NumberType = 'local' | 'national' | 'tollfree' | 'mobile';
export type Capability = 'voice' | 'sms' | 'mms';

export interface CountryInfo {
  /** E.164 country calling code. */
  callingCode: string;
  /** As Plivo writes it in regions ("UNITED STATES"). */
  name: string;
  /** Digits after the calling code. */
  nationalDigits: number;
  /** North American Numbering Plan: the digit after the area code is 2–9. */
  nanp: boolean;
}

export const COUNTRIES: Readonly<Record<string, CountryInfo>> = {
  US: { callingCode: '1', name: 'UNITED STATES', nationalDigits: 10, nanp: true },
  CA: { callingCode: '1', name: 'CANADA', nationalDigits: 10, nanp: true },
  GB: { callingCode: '44', name: 'UNITED KINGDOM', nationalDigits: 10, nanp: false },
  FR: { callingCode: '33', name: 'FRANCE', nationalDigits: 9, nanp: false },
  DE: { callingCode: '49', name: 'GERMANY', nationalDigits: 10, nanp: false },
};

export interface NumberGroup {
  groupId: string;
  countryIso2: string;
  numberType: NumberType;
  /** Area code (local), national prefix, or toll-free prefix; numbers start with calling code + prefix. */
  prefix: string;
  /** The group's region as search shows it ("AUSTIN, TEXAS"). */
  region: string;
  /** The region of a rented number as the account shows it ("Texas, UNITED STATES"). */
  numberRegion: string;
  rentalRate: string;
  setupRate: string;
  voiceEnabled: boolean;
  smsEnabled: boolean;
  mmsEnabled: boolean;
  voiceRate: string;
  smsRate: string;
  mmsRate: string;
  initialStock: number;
}

interface Variant {
  rental: string;
  setup: string;
  capabilities: readonly Capability[];
  /** Fixed stock; otherwise 3,000–20,000 derived from the group's key. */
  stock?: number;
  groupId?: string;
}

const ALL: readonly Capability[] = ['voice', 'sms', 'mms'];
const VOICE_SMS: readonly Capability[] = ['voice', 'sms'];
const VOICE: readonly Capability[] = ['voice'];

const v = (rental: string, setup = '0.00000', capabilities: readonly Capability[] = ALL, stock?: number): Variant => ({
  rental,
  setup,
  capabilities,
  ...(stock === undefined ? {} : { stock }),
});
const STANDARD = [v('0.50000')];

/** [area code, city, state, variants] */
type UsRow = readonly [string, string, string, readonly Variant[]];

const US_LOCAL: readonly UsRow[] = [
  ['512', 'Austin', 'Texas', [v('0.50000'), v('0.80000'), v('1.20000', '0.50000'), v('0.40000', '0.00000', ALL, 0)]],
  ['737', 'Austin', 'Texas', [v('0.50000'), v('0.75000', '0.00000', VOICE_SMS)]],
  ['214', 'Dallas', 'Texas', STANDARD],
  ['469', 'Dallas', 'Texas', STANDARD],
  ['972', 'Dallas', 'Texas', STANDARD],
  ['713', 'Houston', 'Texas', [v('0.50000'), v('1.10000')]],
  ['281', 'Houston', 'Texas', STANDARD],
  ['832', 'Houston', 'Texas', STANDARD],
  ['210', 'San Antonio', 'Texas', STANDARD],
  ['817', 'Fort Worth', 'Texas', STANDARD],
  ['915', 'El Paso', 'Texas', [v('0.60000')]],
  ['415', 'San Francisco', 'California', [v('0.50000'), v('1.50000', '1.00000')]],
  ['628', 'San Francisco', 'California', STANDARD],
  ['213', 'Los Angeles', 'California', [v('0.80000'), v('0.50000', '0.00000', VOICE_SMS)]],
  ['310', 'Los Angeles', 'California', [v('0.80000'), v('2.00000', '1.00000')]],
  ['323', 'Los Angeles', 'California', STANDARD],
  ['408', 'San Jose', 'California', [v('0.50000'), v('0.90000', '0.25000')]],
  ['619', 'San Diego', 'California', STANDARD],
  ['858', 'San Diego', 'California', STANDARD],
  ['510', 'Oakland', 'California', STANDARD],
  ['916', 'Sacramento', 'California', STANDARD],
  ['714', 'Anaheim', 'California', STANDARD],
  ['949', 'Irvine', 'California', STANDARD],
  ['760', 'Oceanside', 'California', [v('0.50000', '0.00000', VOICE)]],
  ['212', 'New York', 'New York', [v('0.80000'), v('2.00000', '1.00000')]],
  ['646', 'New York', 'New York', [v('0.80000')]],
  ['917', 'New York', 'New York', [v('0.80000')]],
  ['718', 'Brooklyn', 'New York', [v('0.50000'), v('0.50000', '0.00000', VOICE)]],
  ['347', 'Brooklyn', 'New York', STANDARD],
  ['516', 'Hempstead', 'New York', STANDARD],
  ['585', 'Rochester', 'New York', STANDARD],
  ['716', 'Buffalo', 'New York', STANDARD],
  ['305', 'Miami', 'Florida', [v('0.50000'), v('1.10000')]],
  ['786', 'Miami', 'Florida', STANDARD],
  ['407', 'Orlando', 'Florida', STANDARD],
  ['813', 'Tampa', 'Florida', STANDARD],
  ['904', 'Jacksonville', 'Florida', STANDARD],
  ['954', 'Fort Lauderdale', 'Florida', STANDARD],
  ['312', 'Chicago', 'Illinois', [v('0.50000'), v('1.25000', '0.50000')]],
  ['773', 'Chicago', 'Illinois', STANDARD],
  ['847', 'Evanston', 'Illinois', STANDARD],
  ['206', 'Seattle', 'Washington', STANDARD],
  ['425', 'Bellevue', 'Washington', STANDARD],
  ['253', 'Tacoma', 'Washington', STANDARD],
  ['509', 'Spokane', 'Washington', STANDARD],
  ['617', 'Boston', 'Massachusetts', [v('0.50000'), v('0.95000')]],
  ['857', 'Boston', 'Massachusetts', STANDARD],
  ['508', 'Worcester', 'Massachusetts', STANDARD],
  ['404', 'Atlanta', 'Georgia', STANDARD],
  ['678', 'Atlanta', 'Georgia', STANDARD],
  ['770', 'Atlanta', 'Georgia', STANDARD],
  ['303', 'Denver', 'Colorado', STANDARD],
  ['720', 'Denver', 'Colorado', STANDARD],
  ['602', 'Phoenix', 'Arizona', STANDARD],
  ['480', 'Mesa', 'Arizona', STANDARD],
  ['215', 'Philadelphia', 'Pennsylvania', STANDARD],
  ['412', 'Pittsburgh', 'Pennsylvania', STANDARD],
  ['503', 'Portland', 'Oregon', STANDARD],
  ['702', 'Las Vegas', 'Nevada', STANDARD],
  ['313', 'Detroit', 'Michigan', STANDARD],
  ['612', 'Minneapolis', 'Minnesota', STANDARD],
  ['704', 'Charlotte', 'North Carolina', STANDARD],
  ['919', 'Raleigh', 'North Carolina', STANDARD],
  ['615', 'Nashville', 'Tennessee', STANDARD],
  ['216', 'Cleveland', 'Ohio', STANDARD],
  ['614', 'Columbus', 'Ohio', STANDARD],
  ['801', 'Salt Lake City', 'Utah', STANDARD],
  ['202', 'Washington', 'District of Columbia', [v('0.80000')]],
];

/** Groups outside the US-local table: [country, type, prefix, city or '', variants]. */
type OtherRow = readonly [string, NumberType, string, string, readonly Variant[]];

const OTHER: readonly OtherRow[] = [
  ['US', 'tollfree', '833', '', [v('1.00000')]],
  ['US', 'tollfree', '844', '', [v('1.00000')]],
  ['US', 'tollfree', '855', '', [v('1.00000'), v('1.50000', '1.00000')]],
  ['CA', 'local', '416', 'Toronto, Ontario', [v('0.80000', '0.00000', VOICE_SMS)]],
  ['CA', 'local', '604', 'Vancouver, British Columbia', [v('0.80000', '0.00000', VOICE_SMS)]],
  ['CA', 'local', '514', 'Montreal, Quebec', [v('0.80000', '0.00000', VOICE_SMS)]],
  ['GB', 'local', '20', 'London', [v('0.80000', '0.00000', VOICE)]],
  ['GB', 'local', '161', 'Manchester', [v('0.80000', '0.00000', VOICE)]],
  ['GB', 'national', '330', '', [v('1.00000', '0.00000', VOICE)]],
  ['GB', 'mobile', '7400', '', [v('2.50000', '0.00000', VOICE_SMS)]],
  ['GB', 'mobile', '7700', '', [v('2.50000', '0.00000', VOICE_SMS)]],
  ['GB', 'mobile', '7900', '', [v('3.00000', '1.00000', VOICE_SMS)]],
  ['FR', 'local', '1', 'Paris', [v('0.80000', '0.80000', VOICE_SMS)]],
  // The first Amiens group is the one Plivo's own search example shows (voice only).
  ['FR', 'local', '3', 'Amiens', [{ ...v('0.80000', '0.80000', VOICE, 9731), groupId: '55350421590053' }, v('0.90000', '0.80000', VOICE_SMS)]],
  ['FR', 'local', '4', 'Lyon', [v('0.80000', '0.80000', VOICE_SMS)]],
  ['DE', 'local', '30', 'Berlin', [v('1.00000', '1.00000', VOICE_SMS)]],
  ['DE', 'local', '89', 'Munich', [v('1.00000', '1.00000', VOICE_SMS)]],
];

function stableStock(key: string): number {
  return 3_000 + (Number(stableDigits(`stock:${key}`, 9)) % 17_001);
}

function makeGroup(
  countryIso2: string,
  numberType: NumberType,
  prefix: string,
  index: number,
  variant: Variant,
  region: string,
  numberRegion: string,
): NumberGroup {
  const key = `${countryIso2}:${numberType}:${prefix}:${index}`;
  const caps = new Set(variant.capabilities);
  return {
    groupId: variant.groupId ?? stableDigits(`group:${key}`, 14),
    countryIso2,
    numberType,
    prefix,
    region,
    numberRegion,
    rentalRate: variant.rental,
    setupRate: variant.setup,
    voiceEnabled: caps.has('voice'),
    smsEnabled: caps.has('sms'),
    mmsEnabled: caps.has('mms'),
    voiceRate: numberType === 'tollfree' ? '0.01300' : countryIso2 === 'US' || countryIso2 === 'CA' ? '0.00850' : '0.00700',
    smsRate: '0.00000',
    mmsRate: '0.00000',
    initialStock: variant.stock ?? stableStock(key),
  };
}

function buildCatalogue(): NumberGroup[] {
  const groups: NumberGroup[] = [];
  for (const [areaCode, city, state, variants] of US_LOCAL) {
    variants.forEach((variant, i) =>
      groups.push(
        makeGroup('US', 'local', areaCode, i, variant, `${city}, ${state}`.toUpperCase(), `${state}, UNITED STATES`),
      ),
    );
  }
  for (const [country, numberType, prefix, place, variants] of OTHER) {
    const countryName = COUNTRIES[country]?.name ?? country;
    // "Toronto, Ontario" searches as "TORONTO, ONTARIO" and its numbers say "Ontario, CANADA";
    // "Amiens" searches as "AMIENS, FRANCE" (as in Plivo's example) and says "Amiens, FRANCE".
    const region = place === '' ? countryName : place.includes(',') ? place.toUpperCase() : `${place.toUpperCase()}, ${countryName}`;
    const numberRegion = place === '' ? countryName : `${place.split(', ').at(-1) ?? place}, ${countryName}`;
    variants.forEach((variant, i) => groups.push(makeGroup(country, numberType, prefix, i, variant, region, numberRegion)));
  }
  const ids = new Set(groups.map((g) => g.groupId));
  if (ids.size !== groups.length) throw new Error('plivo-sandbox catalogue: two groups share a group_id');
  return groups;
}

/** Every group, in the order search lists them. */
export const CATALOGUE: readonly NumberGroup[] = buildCatalogue();

const BY_ID = new Map(CATALOGUE.map((group) => [group.groupId, group]));

export function findGroup(groupId: string): NumberGroup | undefined {
  return BY_ID.get(groupId);
}
