import { describe, expect, it } from 'vitest';
import { LineSpecError, parseLineSpec } from '../../infra/cli/line-spec.js';

describe('parseLineSpec', () => {
  it.each([
    ['US:local:512:25', { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 }],
    ['CA:local::15', { countryIso: 'CA', numberType: 'local', quantity: 15 }],
    ['US:local:region=Texas:10', { countryIso: 'US', numberType: 'local', region: 'Texas', quantity: 10 }],
    ['US:local:region=New York:10', { countryIso: 'US', numberType: 'local', region: 'New York', quantity: 10 }],
    ['US:local:512:region=Texas:3', { countryIso: 'US', numberType: 'local', prefix: '512', region: 'Texas', quantity: 3 }],
    ['US:tollfree:800:5', { countryIso: 'US', numberType: 'tollfree', prefix: '800', quantity: 5 }],
    ['US:tollfree:prefix=888:5', { countryIso: 'US', numberType: 'tollfree', prefix: '888', quantity: 5 }],
    ['GB:mobile:services=sms+voice:3', { countryIso: 'GB', numberType: 'mobile', services: ['sms', 'voice'], quantity: 3 }],
    ['gb:Mobile:services=SMS,voice:3', { countryIso: 'GB', numberType: 'mobile', services: ['sms', 'voice'], quantity: 3 }],
    [' FR : national : 1 : 2 ', { countryIso: 'FR', numberType: 'national', prefix: '1', quantity: 2 }],
    ['US:local:512:10000', { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 10000 }],
    ['US:local:numbers=14155550100,14155550101', { countryIso: 'US', numberType: 'local', numbers: ['14155550100', '14155550101'], quantity: 2 }],
    ['US:local:numbers=14155550100, 14155550101:2', { countryIso: 'US', numberType: 'local', numbers: ['14155550100', '14155550101'], quantity: 2 }],
    ['US:local:services=voice:numbers=14155550100', { countryIso: 'US', numberType: 'local', services: ['voice'], numbers: ['14155550100'], quantity: 1 }],
    ['FR:local:compliance=CA000000000000000001:5', { countryIso: 'FR', numberType: 'local', complianceApplicationId: 'CA000000000000000001', quantity: 5 }],
    ['US:local:512:campaign=CUOGHIN:10', { countryIso: 'US', numberType: 'local', prefix: '512', campaignId: 'CUOGHIN', quantity: 10 }],
    [
      'FR:local:numbers=33140000000:compliance=CA1',
      { countryIso: 'FR', numberType: 'local', numbers: ['33140000000'], complianceApplicationId: 'CA1', quantity: 1 },
    ],
  ])('reads %s', (spec, line) => {
    expect(parseLineSpec(spec)).toEqual(line);
  });

  it.each([
    ['US:local', /too few parts/],
    ['US', /too few parts/],
    ['', /too few parts/],
    ['US:local:512:', /the quantity "" \(the last part\) is not a number/],
    ['US:local:512:ten', /the quantity "ten" \(the last part\) is not a number/],
    // A prefix or a quantity? Refused, with both unambiguous forms.
    ['US:local:512', /is 512 a prefix or a quantity\? Write US:local:512:QUANTITY for numbers starting 512, or US:local::512 for 512 numbers with any prefix$/],
    ['US:local:15', /is 15 a prefix or a quantity\?/],
    ['US:local:512:3:extra', /the quantity "extra" \(the last part\) is not a number/],
    ['US:local:512:0', /quantity: must be at least 1$/],
    ['US:local:512:-1', /quantity: must be at least 1$/],
    ['US:local:512:1.5', /quantity: must be a whole number$/],
    ['US:local:512:1e9', /quantity: must be at most 10000$/],
    ['US:local:512:10001', /quantity: must be at most 10000$/],
    ['XX:local:512:5', /countryIso: is not a country we know/],
    ['USA:local:512:5', /countryIso: must be an ISO 3166 alpha-2 country code/],
    ['US:fixed:512:5', /numberType: must be one of "local", "national", "tollfree", "mobile"/],
    ['US:local:51a:5', /prefix: must be 1 to 5 digits$/],
    ['US:local:512345:5', /prefix: must be 1 to 5 digits$/],
    ['US:tollfree:region=Texas:5', /region: region is only allowed when numberType is "local"/],
    ['US:local:region=:5', /region: must be at least 1 character long/],
    ['US:local:512:513:5', /prefix is given twice/],
    ['US:local:area=512:5', /unknown filter "area"/],
    ['US:local:services=fax:5', /services\.0: must be one of "voice", "sms", "mms"/],
    ['US:local:numbers=14155550100,14155550100', /numbers\.1: 14155550100 is listed twice$/],
    ['FR:local:numbers=14155550100', /numbers\.0: 14155550100 is not a FR number$/],
    ['US:local:numbers=14155550100,14155550101:3', /quantity: must equal the count of numbers \(2\), or be left out$/],
    ['US:local:numbers=+14155550100', /numbers\.0: must be an E\.164 number in digits without "\+"/],
    ['US:local:415:numbers=14155550100', /prefix: prefix is not allowed with numbers/],
    ['US:local:numbers=14155550100:numbers=14155550101', /numbers is given twice/],
    ['FR:local:compliance=CA 1:5', /complianceApplicationId: must be a Plivo compliance application id/],
    ['US:local:region=Texas', /quantity: is required$/],
    ['CA:local:campaign=CUOGHIN:5', /campaignId: 10DLC campaigns apply to US local numbers only/],
  ])('refuses %s, saying why', (spec, why) => {
    let thrown: unknown;
    try {
      parseLineSpec(spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LineSpecError);
    expect((thrown as Error).message).toContain(`--line "${spec}"`);
    expect((thrown as Error).message).toMatch(why);
  });
});
