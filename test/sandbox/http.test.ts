import { describe, expect, it } from 'vitest';
import { ApiError, parseBody, parseQuery, parseTarget } from '../../infra/local/plivo-sandbox/http.js';

describe('parseQuery', () => {
  it('reads the SDK\'s "?a=1&?b=2" as a and b', () => {
    expect(parseQuery('starts_with=512&country_iso2=US&?search=hack')).toEqual({
      starts_with: '512',
      country_iso2: 'US',
      search: 'hack',
    });
  });

  it('skips empty parts, decodes, and lets the last repeat win', () => {
    expect(parseQuery('&&region=San+Francisco&alias=a%20b&flag&x=1&x=2')).toEqual({
      region: 'San Francisco',
      alias: 'a b',
      flag: '',
      x: '2',
    });
  });
});

describe('parseTarget', () => {
  it('collapses the SDK\'s double slash (Number//?…)', () => {
    expect(parseTarget('/v1/Account/MA1/NumberPool/p/Number//?type=fixed&')).toEqual({
      path: '/v1/Account/MA1/NumberPool/p/Number/',
      query: { type: 'fixed' },
    });
  });

  it('takes "&service=…" after the trailing slash as query (find_tollfree)', () => {
    expect(parseTarget('/v1/Account/MA1/NumberPool/p/Tollfree/18335550100/&service=mms')).toEqual({
      path: '/v1/Account/MA1/NumberPool/p/Tollfree/18335550100/',
      query: { service: 'mms' },
    });
  });
});

describe('parseBody', () => {
  it('reads JSON, form and empty bodies', () => {
    expect(parseBody(Buffer.from('{"unrent":true}'), 'application/json')).toEqual({ unrent: true });
    expect(parseBody(Buffer.from('quantity=3&app_id=9'), 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({
      quantity: '3',
      app_id: '9',
    });
    expect(parseBody(Buffer.from(''), 'application/json')).toEqual({});
    // The SDK sends a DELETE without parameters as the JSON text "".
    expect(parseBody(Buffer.from('""'), 'application/json')).toEqual({});
    expect(parseBody(Buffer.from('quantity=2'), undefined)).toEqual({ quantity: '2' });
  });

  it('refuses bodies that are not parameters', () => {
    expect(() => parseBody(Buffer.from('{nope'), 'application/json')).toThrow(ApiError);
    expect(() => parseBody(Buffer.from('[1,2]'), 'application/json')).toThrow(/JSON object/);
    expect(() => parseBody(Buffer.from('x'), 'text/plain')).toThrow(/content type/);
  });
});
